#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs a command that must not crash and must say MESSAGE (a fixed string)
# on stdout or stderr.
#
#	expect_message.sh MESSAGE COMMAND [ARG...]
set -u
msg=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ge 128 ]; then
	echo "FAIL: killed by signal $((rc - 128))"
	exit 1
fi
if ! printf '%s\n' "$out" | grep -qF -- "$msg"; then
	echo "FAIL: the output does not say: $msg"
	exit 1
fi
echo "PASS: said it, exit status $rc"
