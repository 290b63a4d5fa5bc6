#!/bin/sh
# SPDX-License-Identifier: MIT
# phxfs-mpi-bench, tiny, under mpirun: every mode runs, reads the right
# bytes and takes the path it should (collective: direct; interleaved:
# two-phase); and the check itself fails a run whose bytes are wrong.
# Usage: bench_test.sh MPIEXEC NP_FLAG NP BENCH DIR
set -u
mpiexec=$1 npflag=$2 np=$3 bench=$4 dir=$5
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

fail() {
	echo "FAIL: $*"
	echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"
	exit 1
}

# 2M per rank: over phxfs_direct_min (1M), so collective goes direct.
run() {
	"$mpiexec" "$npflag" "$np" "$bench" --file "$dir/bench_test.np$np.dat" \
		--size "$((np * 2))M" --block 64K --reps 1 --mem host "$@" \
		>"$out" 2>"$err"
}

run --tag test || fail "exit status $?"
[ "$(grep -c "^{" "$out")" = 6 ] || fail "want 6 JSON lines"
[ "$(grep -c '"verified":true,"ok":true' "$out")" = 6 ] ||
	fail "a mode was not verified"
grep '"mode":"collective"' "$out" | grep -q '"branch":"direct"' ||
	fail "collective did not go direct"
grep '"mode":"interleaved"' "$out" | grep -q '"branch":"two_phase_' ||
	fail "interleaved did not go through two-phase"
grep '"mode":"independent"' "$out" | grep -q '"rank_gibps":\[' ||
	fail "independent has no per-rank rates"

# Through the page cache, and against the wrong pattern: must fail.
run --warm --modes collective --check-seed 7
rc=$?
[ "$rc" = 1 ] || fail "a wrong pattern gave exit status $rc, want 1"
grep -q MISMATCH "$err" || fail "a wrong pattern was not reported"
grep -q '"verified":false' "$out" || fail "JSON does not say unverified"
echo "PASS"
