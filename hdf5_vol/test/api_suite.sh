#!/bin/sh
# SPDX-License-Identifier: MIT
# HDF5's own API test suite (h5_api_test) natively and then through the
# connector, loaded as a user would (HDF5_PLUGIN_PATH, HDF5_VOL_CONNECTOR):
# every test that passes natively must pass through the connector.
#
#	api_suite.sh H5_API_TEST PLUGIN_DIR WORK_DIR
#
# With PHXFS_VOL_FORCE_DIRECT=1 in the environment the connector's direct
# path serves host buffers too, and must have served some reads.
set -u

api_test=$1 plugin_dir=$2 work=$3

if [ -z "$api_test" ] || [ ! -x "$api_test" ]; then
	echo "SKIP: h5_api_test not built ('$api_test'; scripts/setup-deps.sh builds it)"
	exit 77
fi
rm -rf "$work"
mkdir -p "$work/native" "$work/phxfs" || exit 1

# Status lines: "<indent>Testing <what>   PASSED|-SKIP-|*FAILED*".
statuses() {
	grep -E '(PASSED|-SKIP-|\*FAILED\*)[[:space:]]*$' "$1" |
		sed -E 's/[[:space:]]+(PASSED|-SKIP-|\*FAILED\*)[[:space:]]*$/\t\1/'
}

(cd "$work/native" && env -u HDF5_VOL_CONNECTOR -u HDF5_PLUGIN_PATH \
	"$api_test" >out 2>err)
(cd "$work/phxfs" && HDF5_PLUGIN_PATH=$plugin_dir \
	HDF5_VOL_CONNECTOR="phxfs under_vol=0;under_info={}" PHXFS_VOL_STATS=1 \
	"$api_test" >out 2>err)

statuses "$work/native/out" >"$work/native.status"
statuses "$work/phxfs/out" >"$work/phxfs.status"
n_native=$(wc -l <"$work/native.status")
n_phxfs=$(wc -l <"$work/phxfs.status")
pass_native=$(grep -c '	PASSED$' "$work/native.status")
pass_phxfs=$(grep -c '	PASSED$' "$work/phxfs.status")
echo "native: $pass_native of $n_native tests passed"
echo "phxfs:  $pass_phxfs of $n_phxfs tests passed"
grep -E 'API tests (passed|did not pass|were skipped)' "$work/native/out" "$work/phxfs/out"

fail=0
if ! grep -q "with VOL connector 'phxfs'" "$work/phxfs/out"; then
	echo "FAIL: the suite did not run through the phxfs connector"
	tail -n 20 "$work/phxfs/err"
	exit 1
fi
if [ "$n_native" -eq 0 ]; then
	echo "FAIL: no test results from the native run"
	exit 1
fi
if [ "$n_native" -ne "$n_phxfs" ]; then
	echo "FAIL: $n_native results natively, $n_phxfs through the connector"
	fail=1
fi
# Line by line: a native pass must be a pass through the connector.
paste "$work/native.status" "$work/phxfs.status" |
	awk -F'\t' '$2 == "PASSED" && $4 != "PASSED" { print "FAIL: " $1 ": " $4; bad = 1 }
		    END { exit bad }' || fail=1

stats=$(grep '^phxfs_vol:' "$work/phxfs/err")
echo "$stats"
if [ "${PHXFS_VOL_FORCE_DIRECT:-0}" = 1 ]; then
	case $stats in
	*" direct_reads=0 "*|"")
		echo "FAIL: no read took the direct path"
		fail=1 ;;
	esac
fi
if [ "$fail" -ne 0 ]; then
	tail -n 20 "$work/phxfs/err"
	exit 1
fi
echo "PASS: every test that passes natively passes through phxfs"
