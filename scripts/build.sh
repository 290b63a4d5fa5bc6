#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configure and build Phoenix into BUILD_DIR (default: build). CMake finds
# what scripts/setup-deps.sh prepared by itself. Extra arguments go to cmake.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-"$src/build"}
shift || true

log="$build.configure.log"
mkdir -p "$build"
if ! cmake -S "$src" -B "$build" "$@" >"$log" 2>&1; then
	cat "$log" >&2
	echo "build: cmake configuration failed (log above: $log)" >&2
	exit 1
fi
# The configure summary: what is built and what is not, and why.
sed -n '/Phoenix .* configuration:/,/^--/p' "$log" | sed '$d'
t0=$SECONDS
if ! cmake --build "$build" -j "$(nproc)" >"$build.build.log" 2>&1; then
	tail -n 60 "$build.build.log" >&2
	echo "build: compilation failed (whole log: $build.build.log)" >&2
	exit 1
fi
echo "build: $build built in $((SECONDS - t0)) s (log: $build.build.log)"
