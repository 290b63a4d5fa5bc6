#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The HDF5 benchmark: a 1 GiB dataset, contiguous and chunked, read into
# GPU memory through the phxfs connector, against raw phxfs_read of the
# same bytes and native H5Dread + cudaMemcpy, warm and cold, one run.
# Usage: bench/run-h5-gpu.sh BUILD_DIR OUT_DIR [phxfs-h5-bench options]
# (BUILD_DIR configured with HDF5 1.14 and CUDA; the data file goes to
# /var/tmp). Writes OUT_DIR/{runs.jsonl,machine.txt}.
set -euo pipefail
build=$1 out=$2
shift 2
bench=$build/bench/hdf5/phxfs-h5-bench
[ -x "$bench" ] || { echo "run-h5-gpu.sh: no $bench (build with HDF5 and CUDA)" >&2; exit 1; }
mkdir -p "$out"
file=/var/tmp/phxfs-h5-bench.h5
trap 'rm -f "$file"' EXIT
{
	echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel: $(uname -r)"
	echo "cores:  $(nproc)"
	nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null |
		sed 's/^/gpu:    /'
	echo "file:   $file ($(findmnt -n -o FSTYPE,SOURCE --target /var/tmp 2>/dev/null))"
} | tee "$out/machine.txt"
: >"$out/runs.jsonl"
"$bench" "$file" --size 1G --chunk 4M --reps 3 "$@" | tee -a "$out/runs.jsonl"
"$bench" "$file" --size 1G --chunk 4M --reps 3 --reuse --cold "$@" |
	tee -a "$out/runs.jsonl"
