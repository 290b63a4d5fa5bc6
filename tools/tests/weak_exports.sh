#!/bin/sh
# SPDX-License-Identifier: MIT
# weak_exports.sh MAP WEAK_H INFO_PATHS_C: every call libphxfs exports after
# the seed API (the version nodes after PHXFS_0.1 in MAP) is referenced
# weakly in WEAK_H, and listed by phxfs-info (INFO_PATHS_C), so that the
# tools run against an older library and say what it lacks.
set -eu
map=$1 weak=$2 info=$3

calls=$(awk '/^PHXFS_/ { node = $1 } node != "PHXFS_0.1" && /^[ \t]+phxfs_[a-z_0-9]+;/ {
	sub(/^[ \t]+/, ""); sub(/;.*/, ""); print }' "$map")
[ -n "$calls" ] || { echo "weak_exports: no calls after PHXFS_0.1 in $map" >&2; exit 1; }
fail=0
n=0
for f in $calls; do
	n=$((n + 1))
	if ! grep -q "^#pragma weak $f\$" "$weak"; then
		echo "weak_exports: $f (in $map) has no '#pragma weak $f' in $weak" >&2
		fail=1
	fi
	if ! grep -q "FN($f);" "$info"; then
		echo "weak_exports: $f (in $map) is not listed by phxfs-info ($info)" >&2
		fail=1
	fi
done
[ "$fail" = 0 ] && echo "weak_exports: all $n calls after the seed API are weak and listed"
exit "$fail"
