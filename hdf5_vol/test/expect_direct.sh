#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs a command (a test program, or mpiexec and one) that loads the
# connector through the environment, with PHXFS_VOL_STATS=1: it must
# succeed without an HDF5 error printed, and each process's statistics
# line must show direct reads, so that a silent fallback cannot pass;
# with --stats, each line must also match the extended regular expression
# PATTERN.
#
#	expect_direct.sh [--stats PATTERN] NPROC COMMAND [ARG...]
set -u
pattern=
if [ "$1" = --stats ]; then
	pattern=$2
	shift 2
fi
nproc=$1
shift
out=$(PHXFS_VOL_STATS=1 "$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ]; then
	echo "FAIL: exit status $rc"
	exit 1
fi
# HDF5 prints errors of calls that fail: none may, not even quietly handled.
if printf '%s\n' "$out" | grep -q 'Error detected'; then
	echo "FAIL: HDF5 reported errors"
	exit 1
fi
lines=$(printf '%s\n' "$out" | grep -c '^phxfs_vol: direct_reads=[1-9]')
if [ "$lines" -ne "$nproc" ]; then
	echo "FAIL: $lines of $nproc processes report direct reads"
	exit 1
fi
if [ -n "$pattern" ]; then
	lines=$(printf '%s\n' "$out" | grep '^phxfs_vol: ' | grep -cE "$pattern")
	if [ "$lines" -ne "$nproc" ]; then
		echo "FAIL: $lines of $nproc statistics lines match '$pattern'"
		exit 1
	fi
fi
echo "PASS: $nproc process(es) read directly"
