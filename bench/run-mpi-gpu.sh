#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The MPI benchmark: phxfs-mpi-bench under mpirun for 1, 2 and 4 ranks,
# cold and warm, on one shared file. Collective reads into every rank's
# device buffer against the same reads made independently at once, the sum
# of each rank alone (with a GPU per rank: the sum of single-GPU runs) and
# MPI_File_read_at_all into host memory plus cudaMemcpy, every ratio from
# the same run.
# Writes OUT/{runs.jsonl,summary.md,machine.txt,log.txt}.
# bench/README.md explains the options and the columns.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

dir=/var/tmp
size=4G
block=64K
reps=5
nps="1 2 4"
caches="cold warm"
out=""
keep_file=0
hints=()

usage() {
	cat <<EOF
Usage: bench/run-mpi-gpu.sh BUILD_DIR [options]

BUILD_DIR holds (or gets) a build with MPI; phxfs-mpi-bench is built
there if missing (CMake: MPI on; HDF5, module, VM tests and lint off).

  --dir DIR        directory of the shared data file (default $dir)
  --size SIZE      bytes read per repetition, all ranks together, the same
                   for every rank count (default $size)
  --block SIZE     block of the interleaved layouts (default $block)
  --reps N         repetitions per mode (default $reps)
  --np LIST        rank counts (default "$nps")
  --caches LIST    of: cold warm (default "$caches")
  --hint KEY=VAL   MPI layer hint, passed on (repeatable)
  --out DIR        results (default bench/results/<date>-<host>-mpi)
  --keep-file      leave the data file for the next run
EOF
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
case $1 in -h | --help) usage; exit 0 ;; esac
build=$1
shift
while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift ;;
	--size) size=$2; shift ;;
	--block) block=$2; shift ;;
	--reps) reps=$2; shift ;;
	--np) nps=$2; shift ;;
	--caches) caches=$2; shift ;;
	--hint) hints+=(--hint "$2"); shift ;;
	--out) out=$2; shift ;;
	--keep-file) keep_file=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run-mpi-gpu.sh: unknown option $1 (--help)" >&2; exit 2 ;;
	esac
	shift
done
for c in $caches; do
	case $c in
	cold | warm) ;;
	*) echo "run-mpi-gpu.sh: cache '$c': cold or warm" >&2; exit 2 ;;
	esac
done
command -v mpirun >/dev/null || { echo "run-mpi-gpu.sh: no mpirun" >&2; exit 1; }

build=$(realpath -m "$build")
bench=$build/bench/mpi/phxfs-mpi-bench
if [ ! -x "$bench" ]; then
	echo "run-mpi-gpu.sh: building phxfs-mpi-bench in $build"
	mkdir -p "$build"
	cmake -S "$src" -B "$build" -DPHXFS_WITH_MPI=ON -DPHXFS_WITH_HDF5=OFF \
		-DPHXFS_WITH_KMOD=OFF -DPHXFS_WITH_VM=OFF -DPHXFS_WITH_LINT=OFF \
		>"$build.mpibench-configure.log" 2>&1 ||
		{ tail -30 "$build.mpibench-configure.log" >&2; exit 1; }
	cmake --build "$build" -j "$(nproc)" --target phxfs-mpi-bench \
		>"$build.mpibench-build.log" 2>&1 ||
		{ tail -30 "$build.mpibench-build.log" >&2; exit 1; }
fi
# A build carried from elsewhere finds its libraries here too.
export LD_LIBRARY_PATH="$build/src:$build/src/mpi${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

host=$(hostname -s 2>/dev/null || hostname)
out=${out:-$src/bench/results/$(date +%Y-%m-%d-%H%M%S)-$host-mpi}
mkdir -p "$out"
out=$(cd "$out" && pwd)
runs=$out/runs.jsonl
log=$out/log.txt
: >"$runs"
: >"$log"
mkdir -p "$dir"
file=$(realpath -m "$dir/phxfs-mpi-bench.dat")
[ "$keep_file" = 1 ] || trap 'rm -f "$file"' EXIT

# The machine, for the record.
gpus=0
if command -v nvidia-smi >/dev/null; then
	gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
fi
{
	echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "host:    $host"
	echo "kernel:  $(uname -r)"
	echo "cores:   $(nproc)"
	echo "memory:  $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "gpus:    $gpus"
	if [ "$gpus" -gt 0 ]; then
		nvidia-smi --query-gpu=index,name,driver_version,pci.bus_id \
			--format=csv,noheader | sed 's/^/  gpu /'
	fi
	echo "mpirun:  $(mpirun --version 2>&1 | head -n 1)"
	if command -v ompi_info >/dev/null; then
		echo "ompi_info, built with CUDA support: $(ompi_info --parsable --all 2>/dev/null |
			sed -n 's/.*mpi_built_with_cuda_support:value://p' | head -n 1)"
	fi
	echo "file:    $file ($size; $(findmnt -n -o FSTYPE,SOURCE --target "$dir" 2>/dev/null || echo '?'))"
	echo "build:   $build"
	echo "source:  $(git -C "$src" describe --always --dirty 2>/dev/null || echo '?')"
} >"$out/machine.txt"
cat "$out/machine.txt"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Shared memory within the node only; no binding: each rank's LibPhoenix
# runs a pool of I/O threads, which a rank bound to one core would starve.
mpiflags=(--mca btl "self,vader" --bind-to none)

fail=0
for cache in $caches; do
	for np in $nps; do
		flags=("${mpiflags[@]}")
		[ "$np" -le "$(nproc)" ] || flags+=(--oversubscribe)
		# The first run makes the file; the others take it as it is.
		cmd=(mpirun "${flags[@]}" -np "$np" "$bench" --file "$file" --reuse
		     --size "$size" --block "$block" --reps "$reps" "--$cache"
		     --tag "$cache-np$np" "${hints[@]}")
		echo "== ${cmd[*]}" | tee -a "$log"
		rc=0
		"${cmd[@]}" >"$out/.run" 2>>"$log" || rc=$?
		cat "$out/.run" >>"$log"
		grep '^{' "$out/.run" >>"$runs" || true
		grep -v -e '^{' -e '^phxfs-mpi-bench: rank' "$out/.run" || true
		if [ "$rc" != 0 ]; then
			echo "run-mpi-gpu.sh: np $np $cache failed (exit $rc; $log)" >&2
			tail -n 5 "$log" >&2
			fail=1
		fi
	done
done
rm -f "$out/.run"

python3 "$src/bench/summarize-mpi.py" "$runs" --machine "$out/machine.txt" \
	>"$out/summary.md"
cat "$out/summary.md"
echo "run-mpi-gpu.sh: $out/summary.md, $runs ($(wc -l <"$runs") records), log $log"
exit "$fail"
