#!/bin/sh
# SPDX-License-Identifier: MIT
# phxfs-info works on any machine: exit 0, 1 or 2 (direct, compat only,
# neither), --json prints one valid JSON object whose exit_code is the exit
# status, and the text report exits the same way.
#   info_json.sh PHXFS_INFO PYTHON3
set -u
info=$1
py=${2:-}
case $py in
'' | *NOTFOUND*) echo "SKIP: no python3 to check the JSON"; exit 77 ;;
esac
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$info" --json >"$out"
rc=$?
case $rc in
0 | 1 | 2) ;;
*) echo "FAIL: phxfs-info --json exited $rc"; exit 1 ;;
esac
if ! "$py" -m json.tool "$out" >/dev/null; then
	echo "FAIL: phxfs-info --json is not JSON:"
	cat "$out"
	exit 1
fi
"$py" - "$out" "$rc" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
want = ("libphxfs", "module", "devices", "iommu", "kernel_log", "cuda",
        "environment", "paths", "verdict", "exit_code")
missing = [k for k in want if k not in d]
if missing:
    sys.exit("FAIL: no %s in the JSON" % ", ".join(missing))
if d["exit_code"] != int(sys.argv[2]):
    sys.exit("FAIL: exit_code %s but exit status %s" % (d["exit_code"], sys.argv[2]))
print("phxfs-info --json: exit %s, %s" % (sys.argv[2], d["verdict"]))
PY
"$info" >/dev/null
text_rc=$?
if [ "$text_rc" != "$rc" ]; then
	echo "FAIL: text report exited $text_rc, --json $rc"
	exit 1
fi
"$info" --bogus >/dev/null 2>&1
if [ $? != 2 ]; then
	echo "FAIL: an unknown option must exit 2"
	exit 1
fi
exit 0
