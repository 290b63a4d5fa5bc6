#!/bin/sh
# SPDX-License-Identifier: MIT
# phxfs-io where no GPU is needed: -x 4 (pread/pwrite into page-locked
# host memory) reads, writes, random and sequential, with verification,
# against a small file made in the working directory (not /tmp: tmpfs may
# have no O_DIRECT); its gdsio line, its JSON, its usage errors.
#   io_cpuonly.sh PHXFS_IO PYTHON3
set -u
io=$1
py=${2:-}
case $py in
'' | *NOTFOUND*) echo "SKIP: no python3 to check the JSON"; exit 77 ;;
esac
dir=$(mktemp -d ./io_cpuonly.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
file=$dir/data
json=$dir/runs.jsonl
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# run EXPECTED_EXIT ARGS...: phxfs-io, its output kept in $dir/out.
run() {
	want=$1
	shift
	"$io" "$@" >"$dir/out" 2>"$dir/err"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "phxfs-io $* exited $got, expected $want"
		cat "$dir/out" "$dir/err"
		return 1
	fi
	return 0
}

line_re='^IoType: [A-Z]* XferType: CPUONLY Threads: [0-9]* DataSetSize: [0-9]*/[0-9]*(KiB) IOSize: [0-9]*(KiB) Throughput: [0-9.]* GiB/sec, Avg_Latency: [0-9.]* usecs ops: [0-9]* total_time [0-9.]* secs$'

# The file system's O_DIRECT, if it has one.
direct=1
if ! "$io" -f "$file" -s 16M -i 64K -x 4 -n 64K >/dev/null 2>"$dir/err"; then
	if grep -q "no O_DIRECT" "$dir/err"; then
		echo "note: no O_DIRECT here; buffered runs only"
		direct=0
	else
		fail "creating the data file"
		cat "$dir/err"
		exit 1
	fi
fi

for d in $(seq 0 $direct); do
	for spec in "0 64K 4" "2 4K 8" "1 128K 3" "3 4K 8"; do
		# shellcheck disable=SC2086 # split on purpose
		set -- $spec
		if run 0 -f "$file" -x 4 -I "$1" -i "$2" -w "$3" -D "$d" -V \
		    -n 8M --json "$json"; then
			grep -q "$line_re" "$dir/out" ||
				fail "not gdsio's line: $(cat "$dir/out")"
			grep -q "verified" "$dir/err" ||
				fail "-V did not say what it verified"
		fi
	done
done
run 0 -f "$file" -x 4 -I 2 -i 4K -w 2 -T 1 --drop-cache --json "$json"
run 0 -f "$file" -x 4 -I 0 -i 1M -w 2 -D 0 --drop-cache --json "$json"

# Usage errors: 2. Failures: 1, with a JSON record saying why.
run 2 -x 4
run 2 -f "$file" -x 4 -b 4
run 2 -f "$file" -x 4 -i 1000 -D 1
run 2 -f "$file" -x 9
run 0 --help
run 1 -f "$dir/missing/file" -s 16M -x 4 --json "$json"

"$py" - "$json" <<'PY' || fails=$((fails + 1))
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
need = ("host", "date", "gpu", "file", "io_size", "threads", "io_type",
        "xfer_type", "xfer_name", "batch", "o_direct", "bytes", "seconds",
        "gib_per_s", "iops", "avg_lat_us", "p99_lat_us", "ok", "error")
bad = 0
for r in runs:
    missing = [k for k in need if k not in r]
    if missing:
        print("FAIL: record without", missing, r); bad += 1
    if r["ok"] and r["bytes"] != r["ops"] * r["io_size"]:
        print("FAIL: bytes != ops * io_size", r); bad += 1
    if r["ok"] and r["verify"] and r["verified_ops"] != r["ops"]:
        print("FAIL: not every request verified", r); bad += 1
    if r["ok"] and r["limit_bytes"] and r["bytes"] != r["limit_bytes"]:
        print("FAIL: -n not honoured", r); bad += 1
    if r["ok"] and r["limit_seconds"] and not 0.9 < r["seconds"] < 3:
        print("FAIL: -T 1 ran", r["seconds"], "s"); bad += 1
    if r["drop_cache"] and r["cache_dropped"] is None:
        print("FAIL: --drop-cache without a verdict", r); bad += 1
failed = [r for r in runs if not r["ok"]]
if len(failed) != 1 or "missing" not in (failed[0]["error"] or ""):
    print("FAIL: expected one failed record, for the missing file:", failed)
    bad += 1
print(len(runs), "JSON records checked")
sys.exit(1 if bad else 0)
PY

[ "$fails" = 0 ] || exit 1
echo "phxfs-io -x 4: all runs as expected"
