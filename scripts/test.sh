#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, from a fresh Debian 12 machine: install what is
# missing, build everything with every component required, run CTest (unit,
# mpi, hdf5, gpu, vm, lint, packaging), then the user-space tests again
# under AddressSanitizer and UndefinedBehaviorSanitizer, the unit and MPI
# tests under ThreadSanitizer, and the libFuzzer targets.
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

step "build with ThreadSanitizer (user space)"
"$src/scripts/build.sh" "$root/build-tsan" -DPHXFS_SANITIZE=thread \
	-DPHXFS_WITH_KMOD=OFF -DPHXFS_WITH_VM=OFF -DPHXFS_WITH_LINT=OFF \
	-DPHXFS_WITH_HDF5=OFF

step "unit and MPI tests under ThreadSanitizer"
# unit.pool forks a process with live threads on purpose (the pool must
# survive fork): ThreadSanitizer would stop the child there.
TSAN_OPTIONS="die_after_fork=0 halt_on_error=1 ${TSAN_OPTIONS:-}" \
	ctest --test-dir "$root/build-tsan" -j "$jobs" --output-on-failure \
	-L 'unit|mpi'

step "fuzzing (libFuzzer with ASan and UBSan; clang)"
fuzz=$root/build-fuzz
if ! CC=clang cmake -S "$src" -B "$fuzz" -DPHXFS_FUZZ=ON \
	-DPHXFS_SANITIZE=address,undefined,fuzzer-no-link \
	-DPHXFS_WITH_KMOD=OFF -DPHXFS_WITH_VM=OFF -DPHXFS_WITH_LINT=OFF \
	-DPHXFS_WITH_HDF5=OFF -DPHXFS_WITH_CUDA=OFF >"$fuzz.configure.log" 2>&1 ||
   ! cmake --build "$fuzz" -j "$jobs" --target phxfs_fuzz_targets \
	>"$fuzz.build.log" 2>&1; then
	tail -n 40 "$fuzz.configure.log" "$fuzz.build.log" >&2 2>/dev/null
	echo "test.sh: the fuzz targets did not build" >&2
	exit 1
fi
ctest --test-dir "$fuzz" -j "$jobs" --output-on-failure -L fuzz

step "done"
