#!/bin/sh
# SPDX-License-Identifier: MIT
# strace_once.sh PROGRAM [ARG...]: run PROGRAM under strace (in the guest)
# and fail if it issued any refused pread64/pwrite64 (EINVAL) twice with the
# same arguments: a retry must not repeat the call that was refused.
set -eu
log=$(mktemp)
out=$(mktemp)
trap 'rm -f "$log" "$out"' EXIT
if ! strace -f -qq -e trace=pread64,pwrite64 -o "$log" "$@" >"$out" 2>&1; then
	cat "$out"
	exit 1
fi
cat "$out"
refused=$(grep -c ' = -1 EINVAL' "$log" || true)
echo "strace_once: $refused refused call(s):"
grep ' = -1 EINVAL' "$log" | sed 's/^[0-9]* *//' | sort | uniq -c |
	awk '{ print "  " $0 } $1 > 1 { dup = 1 } END { exit dup }' || {
	echo "strace_once: FAIL: a refused call was issued again with the same arguments" >&2
	exit 1
}
