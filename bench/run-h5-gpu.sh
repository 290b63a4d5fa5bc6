#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The HDF5 benchmark: a 1 GiB dataset, contiguous and chunked, read into
# GPU memory through the phxfs connector, against raw phxfs_read of the
# same bytes and native H5Dread + cudaMemcpy, warm and cold, one run; then
# the same collectively (--mpi) by two ranks under mpiexec, each reading
# half (both on GPU 0 where there is one).
# Usage: bench/run-h5-gpu.sh BUILD_DIR OUT_DIR [phxfs-h5-bench options]
# (BUILD_DIR configured with HDF5 1.14, MPI and CUDA; the data file goes to
# /var/tmp). Writes OUT_DIR/{runs.jsonl,machine.txt}.
set -euo pipefail
build=$1 out=$2
shift 2
bench=$build/bench/hdf5/phxfs-h5-bench
[ -x "$bench" ] || { echo "run-h5-gpu.sh: no $bench (build with HDF5 and CUDA)" >&2; exit 1; }
command -v mpiexec >/dev/null || { echo "run-h5-gpu.sh: no mpiexec" >&2; exit 1; }
mkdir -p "$out"
file=/var/tmp/phxfs-h5-bench.h5
trap 'rm -f "$file"' EXIT
{
	echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel: $(uname -r)"
	echo "cores:  $(nproc)"
	echo "mpi:    $(mpiexec --version 2>&1 | head -n 1)"
	nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null |
		sed 's/^/gpu:    /'
	echo "file:   $file ($(findmnt -n -o FSTYPE,SOURCE --target /var/tmp 2>/dev/null))"
} | tee "$out/machine.txt"
: >"$out/runs.jsonl"
"$bench" "$file" --size 1G --chunk 4M --reps 3 "$@" | tee -a "$out/runs.jsonl"
"$bench" "$file" --size 1G --chunk 4M --reps 3 --reuse --cold "$@" |
	tee -a "$out/runs.jsonl"

# Collective: Open MPI as root, shared memory within the node, no binding
# (each rank's LibPhoenix runs a pool of I/O threads), as run-mpi-gpu.sh.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
np=2
mpiflags=(--mca btl "self,vader" --bind-to none)
[ "$np" -le "$(nproc)" ] || mpiflags+=(--oversubscribe)
for cache in warm cold; do
	flag=()
	[ "$cache" = warm ] || flag=(--cold)
	mpiexec "${mpiflags[@]}" -n "$np" "$bench" "$file" --mpi --size 1G \
		--chunk 4M --reps 3 --reuse "${flag[@]}" "$@" |
		tee -a "$out/runs.jsonl"
done
