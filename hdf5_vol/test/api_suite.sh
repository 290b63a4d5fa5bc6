#!/bin/sh
# SPDX-License-Identifier: MIT
# HDF5's own API test suite (h5_api_test, or h5_api_test_parallel under
# mpiexec) natively and then through the connector, loaded as a user would
# (HDF5_PLUGIN_PATH, HDF5_VOL_CONNECTOR): every test that passes natively
# must pass through the connector.
#
#	api_suite.sh H5_API_TEST PLUGIN_DIR WORK_DIR [LAUNCHER... [-- ARGS...]]
#
# A launcher (mpiexec -n 2 ...) runs the program: LAUNCHER... H5_API_TEST
# ARGS... With PHXFS_VOL_FORCE_DIRECT=1 in the environment the connector's
# direct path serves host buffers too, and must have served some reads,
# unless PHXFS_API_SUITE_DIRECT_READS=any (a suite none of whose reads can
# go directly: CMakeLists.txt says which and why).
set -u

api_test=$1 plugin_dir=$2 work=$3
shift 3
name=${api_test##*/}

if [ -z "$api_test" ] || [ ! -x "$api_test" ]; then
	echo "SKIP: ${name:-h5_api_test} not built ('$api_test'; scripts/setup-deps.sh builds it)"
	exit 77
fi
# The command line: the launcher's words, the program where "--" is (or
# at the end), then the rest.
n=$#
at=""
for a do
	if [ -z "$at" ] && [ "$a" = -- ]; then
		set -- "$@" "$api_test"
		at=1
	else
		set -- "$@" "$a"
	fi
done
[ -n "$at" ] || set -- "$@" "$api_test"
shift "$n"
# A sanitizer runtime preloaded for the program (CMakeLists.txt) is for it
# and the connector only, not for the tools this script runs.
preload=${LD_PRELOAD:-}
unset LD_PRELOAD
rm -rf "$work"
mkdir -p "$work/native" "$work/phxfs" || exit 1

# Status lines: "<indent>Testing <what>   PASSED|-SKIP-|*FAILED*", as
# "<indent>Testing <what><TAB><status>". Where a test printed progress
# between its name and its status ("\r All ranks reading chunk 9 PASSED"),
# the name is that of the last "Testing" line. The parallel suite prints
# them from rank 0 only: once per test, whatever the number of ranks (other
# ranks' failures show in the counts below).
statuses() {
	awk 'match($0, /[[:space:]]*(PASSED|-SKIP-|\*FAILED\*)[[:space:]]*$/) {
		what = substr($0, 1, RSTART - 1)
		st = substr($0, RSTART)
		gsub(/[[:space:]]/, "", st)
		if (what !~ /^[[:space:]]*Testing /)
			what = name
		print what "\t" st
		next
	}
	/^[[:space:]]*Testing / { name = $0; sub(/[[:space:]]+$/, "", name) }' "$1"
}

(cd "$work/native" && env -u HDF5_VOL_CONNECTOR -u HDF5_PLUGIN_PATH \
	LD_PRELOAD="$preload" "$@" >out 2>err)
(cd "$work/phxfs" && LD_PRELOAD=$preload HDF5_PLUGIN_PATH=$plugin_dir \
	HDF5_VOL_CONNECTOR="phxfs under_vol=0;under_info={}" PHXFS_VOL_STATS=1 \
	"$@" >out 2>err)

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
# Line by line: the same tests in the same order, and a native pass must
# be a pass through the connector.
paste "$work/native.status" "$work/phxfs.status" |
	awk -F'\t' '$1 != $3 { print "FAIL: test " NR " is \"" $1 "\" natively, \"" $3 "\" through phxfs"; bad = 1; exit }
		    $2 == "PASSED" && $4 != "PASSED" { print "FAIL: " $1 ": " $4; bad = 1 }
		    END { exit bad }' || fail=1
# The tests passed (on every rank: the parallel suite counts the fewest
# of any rank) must not be fewer.
passed() {
	sed -nE 's/^(At least )?([0-9]+)\/[0-9]+ .*API tests passed.*/\2/p' "$1" | head -n 1
}
all_native=$(passed "$work/native/out")
all_phxfs=$(passed "$work/phxfs/out")
if [ -n "$all_native" ] && [ "${all_phxfs:-0}" -lt "$all_native" ]; then
	echo "FAIL: ${all_phxfs:-no} tests passed through the connector, $all_native natively"
	fail=1
fi

stats=$(grep '^phxfs_vol:' "$work/phxfs/err")
echo "$stats"
if [ -z "$stats" ]; then
	echo "FAIL: no statistics from the connector"
	fail=1
elif [ "${PHXFS_VOL_FORCE_DIRECT:-0}" = 1 ] &&
     [ "${PHXFS_API_SUITE_DIRECT_READS:-}" != any ]; then
	case $stats in
	*" direct_reads=0 "*)
		echo "FAIL: no read took the direct path"
		fail=1 ;;
	esac
fi
if [ "$fail" -ne 0 ]; then
	tail -n 20 "$work/phxfs/err"
	exit 1
fi
echo "PASS: every test that passes natively passes through phxfs"
