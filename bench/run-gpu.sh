#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The GPU benchmark matrix, in one invocation: sequential reads into GPU
# memory, cold (O_DIRECT, page cache dropped) and warm (buffered, file in
# the page cache), LibPhoenix against cuFile, pread+cudaMemcpy and the two
# ceilings (pinned pread: the storage; pinned cudaMemcpy: the PCIe link),
# over I/O sizes and thread counts; 4 KiB random reads; registration cost.
# Writes bench/results/<date>-<host>/{runs.jsonl,summary.md,plot.svg}.
# bench/README.md explains the options and every column.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$src/scripts/lib.sh"

file=${PHXFS_BENCH_FILE:-$src/bench/data/phxfs-bench.dat}
size=8G
seconds=1.5
sizes="4K 64K 1M 16M 64M"
threads="1 4 16 32"
xfers="phxfs cufile cpugpu cpuonly h2d"
parts="cold warm rand regcost"
rand_threads=32
rand_depth=32
device=0
build="$(phxfs_build_root "$src")/build"
out=""
dry_run=0

usage() {
	cat <<EOF
Usage: bench/run-gpu.sh [options]

  --file PATH      data file on the storage under test; made (random data)
                   if missing or short, kept for the next run
                   (default \$PHXFS_BENCH_FILE or bench/data/phxfs-bench.dat)
  --size SIZE      data file size (default $size)
  --seconds N      timed seconds per cell (default $seconds; a cell takes
                   about one more for CUDA and cuFile setup)
  --sizes LIST     I/O sizes of the sequential cells (default "$sizes")
  --threads LIST   thread counts of the sequential cells (default "$threads")
  --xfers LIST     of: phxfs cufile cpugpu cpuonly h2d (default: all)
  --parts LIST     of: cold warm rand regcost (default: all)
  --rand-threads N threads of the random cells (default $rand_threads)
  --rand-depth N   batch depth of the phxfs random cell (default $rand_depth)
  --device N       CUDA device (default $device)
  --build DIR      build with tools/phxfs-io (default $build; the tools
                   are built there if missing)
  --out DIR        results (default bench/results/<date>-<host>)
  --dry-run        list the cells and the time they take, run nothing
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--file) file=$2; shift ;;
	--size) size=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--sizes) sizes=$2; shift ;;
	--threads) threads=$2; shift ;;
	--xfers) xfers=$2; shift ;;
	--parts) parts=$2; shift ;;
	--rand-threads) rand_threads=$2; shift ;;
	--rand-depth) rand_depth=$2; shift ;;
	--device) device=$2; shift ;;
	--build) build=$2; shift ;;
	--out) out=$2; shift ;;
	--dry-run) dry_run=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run-gpu.sh: unknown option $1 (--help)" >&2; exit 2 ;;
	esac
	shift
done

has() { # has WORD LIST
	case " $2 " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# -x of each transfer type, and the order cells run in.
declare -A xnum=([phxfs]=0 [cpugpu]=2 [cufile]=3 [cpuonly]=4 [h2d]=5)
for x in $xfers; do
	[ -n "${xnum[$x]:-}" ] || { echo "run-gpu.sh: no transfer type '$x'" >&2; exit 2; }
done
file_xfers=""
for x in phxfs cufile cpugpu cpuonly; do
	has "$x" "$xfers" && file_xfers="$file_xfers $x"
done

# The cells, counted for the estimate and the progress line.
count_cells() {
	local per=0 x
	for x in $file_xfers; do
		has cold "$parts" && per=$((per + 1))
		has warm "$parts" && per=$((per + 1))
	done
	if has h2d "$xfers" && { has cold "$parts" || has warm "$parts"; }; then
		per=$((per + 1))
	fi
	ncells=$((per * $(wc -w <<<"$sizes") * $(wc -w <<<"$threads")))
	if has rand "$parts"; then
		for x in $file_xfers; do ncells=$((ncells + 1)); done
		has phxfs "$xfers" && ncells=$((ncells + 1))	# batched too
	fi
	has regcost "$parts" && ncells=$((ncells + 1))
	return 0
}
count_cells
estimate=$(awk -v n="$ncells" -v s="$seconds" 'BEGIN { printf "%.1f", n * (s + 0.7) / 60 }')
echo "run-gpu.sh: $ncells cells of ${seconds} s, about $estimate min; data file $file ($size)"
if [ "$dry_run" = 1 ]; then
	exit 0
fi

build=$(realpath -m "$build")
io=$build/tools/phxfs-io
info=$build/tools/phxfs-info
if [ ! -x "$io" ] || [ ! -x "$info" ]; then
	echo "run-gpu.sh: building phxfs-io and phxfs-info in $build"
	mkdir -p "$build"
	cmake -S "$src" -B "$build" >"$build.bench-configure.log" 2>&1 ||
		{ tail -30 "$build.bench-configure.log" >&2; exit 1; }
	cmake --build "$build" -j "$(nproc)" --target phxfs-io phxfs-info \
		>"$build.bench-build.log" 2>&1 ||
		{ tail -30 "$build.bench-build.log" >&2; exit 1; }
fi

host=$(hostname -s 2>/dev/null || hostname)
out=${out:-$src/bench/results/$(date +%Y-%m-%d-%H%M%S)-$host}
mkdir -p "$out"
out=$(cd "$out" && pwd)
runs=$out/runs.jsonl
log=$out/log.txt
touch "$log"
file=$(realpath -m "$file")
echo "run-gpu.sh: results in $out"

"$info" >"$out/info.txt" 2>&1 || true
"$info" --json >"$out/info.json" 2>>"$log" || true
sed -n 's/^ verdict *: //p' "$out/info.txt"

# The data file, made once and kept.
mkdir -p "$(dirname "$file")"
"$io" -f "$file" -s "$size" -x 4 -i 1M -n 1M --progress >>"$log" 2>&1 ||
	{ echo "run-gpu.sh: cannot make $file (see $log)" >&2; tail -3 "$log" >&2; exit 1; }

# cuFile wants the udev record of the file system's block device, which
# containers and VMs often lack: write one for the run, take it away after.
udev_record=""
udev_dirs=""
cleanup() {
	if [ -n "$udev_record" ]; then
		rm -f "$udev_record"
		for d in $udev_dirs; do rmdir "$d" 2>/dev/null || true; done
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cufile_udev() {
	local majmin rec fstype
	majmin=$(stat -c '%Hd:%Ld' "$file")
	rec=/run/udev/data/b$majmin
	[ -e "$rec" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "run-gpu.sh: not root: no udev record $rec for cuFile, whose runs may fail"
		return 0
	fi
	fstype=$(findmnt -n -o FSTYPE --target "$file" 2>/dev/null || true)
	for d in /run/udev /run/udev/data; do
		[ -d "$d" ] || udev_dirs="$d $udev_dirs"
	done
	mkdir -p /run/udev/data
	printf 'E:ID_FS_USAGE=filesystem\nE:ID_FS_TYPE=%s\n' "${fstype:-ext4}" >"$rec"
	udev_record=$rec
	echo "run-gpu.sh: wrote $rec for cuFile (removed at exit)"
}

t0=$SECONDS
cell_no=0

# cell TAG LABEL PHXFS-IO-ARGS...: one run, one JSON record, one line.
cell() {
	local tag=$1 label=$2 elapsed left result rc
	shift 2
	cell_no=$((cell_no + 1))
	echo "== $tag $label: phxfs-io $*" >>"$log"
	rc=0
	(cd "$out" && "$io" -d "$device" --tag "$tag" --json "$runs" "$@") \
		>"$out/.cell" 2>>"$log" || rc=$?
	cat "$out/.cell" >>"$log"
	if [ "$rc" = 0 ]; then
		result=$(sed -n 's/.*Throughput: \([0-9.]*\) GiB\/sec.*/\1 GiB\/s/p' "$out/.cell")
		[ -n "$result" ] || result=$(tail -n 1 "$out/.cell" | cut -c1-70)
	else
		result="failed: $(tail -n 1 "$log" | cut -c1-70)"
	fi
	elapsed=$((SECONDS - t0))
	left=$((elapsed * (ncells - cell_no) / cell_no))
	printf '[%3d/%d %2d:%02d, ~%d:%02d left] %-7s %-30s %s\n' \
		"$cell_no" "$ncells" $((elapsed / 60)) $((elapsed % 60)) \
		$((left / 60)) $((left % 60)) "$tag" "$label" "$result"
}

label_of() { # XFER SIZE THREADS
	printf '%-8s %4s x %-2s' "$1" "$2" "$3"
}

skip_cufile=""
if has cufile "$xfers"; then
	cufile_udev
	# One quick try: if cuFile cannot run here, say why once.
	if ! (cd "$out" && "$io" -d "$device" -f "$file" -x 3 -i 1M -n 1M \
		--tag probe --json "$runs") >>"$log" 2>&1; then
		skip_cufile=$(tail -n 1 "$log")
		echo "run-gpu.sh: cuFile runs skipped: $skip_cufile"
		xfers=${xfers/cufile/}
		file_xfers=${file_xfers/cufile/}
		count_cells
	fi
fi

if has cold "$parts"; then
	for s in $sizes; do
		for t in $threads; do
			for x in $file_xfers; do
				cell cold "$(label_of "$x" "$s" "$t")" -f "$file" \
					-x "${xnum[$x]}" -I 0 -i "$s" -w "$t" -D 1 \
					--drop-cache -T "$seconds"
			done
			if has h2d "$xfers"; then
				cell h2d "$(label_of h2d "$s" "$t")" -x 5 -I 0 \
					-i "$s" -w "$t" -T "$seconds"
			fi
		done
	done
fi

if has warm "$parts"; then
	echo "run-gpu.sh: reading $file into the page cache"
	"$io" -f "$file" -x 4 -I 0 -i 16M -w 8 -D 0 >>"$log" 2>&1 || true
	for s in $sizes; do
		for t in $threads; do
			for x in $file_xfers; do
				cell warm "$(label_of "$x" "$s" "$t")" -f "$file" \
					-x "${xnum[$x]}" -I 0 -i "$s" -w "$t" -D 0 \
					-T "$seconds"
			done
			if has h2d "$xfers" && ! has cold "$parts"; then
				cell h2d "$(label_of h2d "$s" "$t")" -x 5 -I 0 \
					-i "$s" -w "$t" -T "$seconds"
			fi
		done
	done
fi

if has rand "$parts"; then
	for x in $file_xfers; do
		cell rand "$(label_of "$x" 4K "$rand_threads")" -f "$file" \
			-x "${xnum[$x]}" -I 2 -i 4K -w "$rand_threads" -D 1 \
			--drop-cache -T "$seconds"
	done
	if has phxfs "$xfers"; then
		# One thread with the same number in flight as the threads.
		cell rand "$(label_of "phxfs" 4K 1) b$rand_depth" \
			-f "$file" -x 0 -I 2 -i 4K -w 1 \
			-b "$rand_depth" -D 1 --drop-cache -T "$seconds"
	fi
fi

if has regcost "$parts"; then
	cell regcost "registration cost" -x 6
fi
rm -f "$out/.cell"

python3 "$src/bench/summarize.py" "$runs" --info "$out/info.json" \
	--out "$out" ${skip_cufile:+--note "cuFile not run: $skip_cufile"}
echo "run-gpu.sh: done in $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s:"
echo "  $out/summary.md"
echo "  $out/plot.svg"
echo "  $out/runs.jsonl ($(wc -l <"$runs") runs), log: $log"
