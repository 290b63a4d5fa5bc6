#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, from a fresh Debian 12 machine: install what is
# missing, build everything with every component required, run CTest (unit,
# mpi, hdf5, gpu, vm, lint), then the user-space tests again under
# AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)
# shellcheck source=scripts/lib.sh
. "$src/scripts/lib.sh"
root=$(phxfs_build_root "$src")
t0=$SECONDS

step() { printf '\n== %s (%ds)\n' "$*" $((SECONDS - t0)); }

step "dependencies"
"$src/scripts/setup-deps.sh"

step "build (all components required)"
"$src/scripts/build.sh" "$root/build" -DPHXFS_STRICT=ON

step "tests"
ctest --test-dir "$root/build" -j "$jobs" --output-on-failure -V

step "build with AddressSanitizer + UndefinedBehaviorSanitizer (user space)"
"$src/scripts/build.sh" "$root/build-asan" -DPHXFS_SANITIZE=address,undefined \
	-DPHXFS_WITH_KMOD=OFF -DPHXFS_WITH_VM=OFF -DPHXFS_WITH_LINT=OFF

step "tests under sanitizers"
# Open MPI and HDF5 keep allocations until exit by design; leak checking
# stays on for Phoenix's own unit tests only.
ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure -L unit
ASAN_OPTIONS=detect_leaks=0 \
	ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure -LE unit

step "done"
