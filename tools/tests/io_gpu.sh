#!/bin/sh
# SPDX-License-Identifier: MIT
# phxfs-io on a GPU: every transfer type that needs one, reads and writes,
# verified byte for byte; batches where LibPhoenix has them; cuFile where
# libcufile is installed (its failures are reported, not ours); -x 6.
# Skips (77) without a CUDA device.
#   io_gpu.sh PHXFS_IO PHXFS_INFO PYTHON3
set -u
io=$1
info=$2
py=${3:-}
case $py in
'' | *NOTFOUND*) echo "SKIP: no python3 to read phxfs-info's JSON"; exit 77 ;;
esac
dir=$(mktemp -d ./io_gpu.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
"$info" --json >"$dir/info.json" 2>/dev/null
# "GPUS BATCH": CUDA device count, whether libphxfs has phxfs_batch_*.
# shellcheck disable=SC2046 # two words, split on purpose
set -- $("$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["cuda"]["device_count"] if d["cuda"]["available"] else 0,
      int(d["libphxfs"].get("phxfs_batch_create", False)))' "$dir/info.json")
gpus=${1:-0}
batch=${2:-0}
if [ "$gpus" = 0 ]; then
	echo "SKIP: no CUDA device ($("$py" -c '
import json, sys; print(json.load(open(sys.argv[1]))["cuda"]["error"])' \
		"$dir/info.json"))"
	exit 77
fi
file=$dir/data
json=$dir/runs.jsonl
fails=0

run() {
	echo "phxfs-io $*"
	if ! "$io" "$@" --json "$json"; then
		echo "FAIL: phxfs-io $*"
		fails=$((fails + 1))
	fi
}

"$io" -f "$file" -s 64M -x 4 -n 1M >/dev/null || exit 1
direct=1
"$io" -f "$file" -x 4 -n 1M -D 1 >/dev/null 2>&1 || direct=0
for x in 0 1 2 5; do
	for spec in "0 1M 4" "2 64K 4" "1 256K 2" "3 4K 4"; do
		# shellcheck disable=SC2086 # split on purpose
		set -- $spec
		run -f "$file" -x "$x" -I "$1" -i "$2" -w "$3" -D "$direct" \
			-V -n 16M
	done
done
# Unaligned sizes: LibPhoenix takes any size and offset.
run -f "$file" -x 0 -I 0 -i 12345 -w 2 -D "$direct" -V -n 1M
run -f "$file" -x 4 -I 0 -i 1M -w 2 -D "$direct" -V -n 16M
if [ "$batch" = 1 ]; then
	run -f "$file" -x 0 -I 2 -i 4K -w 4 -b 32 -D "$direct" -V -n 8M
	run -f "$file" -x 1 -I 3 -i 64K -w 2 -b 8 -D "$direct" -V -n 8M
else
	echo "note: this libphxfs has no phxfs_batch_* yet: -b not tested"
fi
if "$py" -c 'import ctypes; ctypes.CDLL("libcufile.so.0")' 2>/dev/null; then
	"$io" -f "$file" -x 3 -I 0 -i 1M -w 2 -D "$direct" -V -n 16M ||
		echo "note: cuFile is installed but failed (above): not Phoenix's"
else
	echo "note: no libcufile.so.0: -x 3 not tested"
fi
run -x 6

"$py" - "$json" <<'PY' || fails=$((fails + 1))
import json, sys
bad = 0
for r in map(json.loads, open(sys.argv[1])):
    if not r["ok"]:
        print("FAIL:", r["error"]); bad += 1
    elif r.get("verify") and r["verified_ops"] != r["ops"]:
        print("FAIL: not every request verified", r); bad += 1
sys.exit(1 if bad else 0)
PY
[ "$fails" = 0 ] || exit 1
echo "phxfs-io on $gpus GPU(s): all runs as expected"
