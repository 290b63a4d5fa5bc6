#!/bin/sh
# SPDX-License-Identifier: MIT
# cmake --install of BUILD into a fresh prefix, then a program of its own
# built against that prefix twice, with pkg-config and with
# find_package(phxfs), and run: nothing from the build tree is used.
# Usage: run.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -u
build=$1 src=$2 mpiexec=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/phxfs-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; fail "cmake --install"; }
for f in include/phxfs/phxfs.h include/phxfs/phxfs_mpi.h \
	 include/phxfs/phxfs_ioctl.h lib/libphxfs.so.0 lib/libphxfs_mpi.so.0 \
	 lib/pkgconfig/phxfs.pc lib/pkgconfig/phxfs_mpi.pc \
	 lib/cmake/phxfs/phxfsConfig.cmake bin/phxfs-info \
	 lib/udev/rules.d/60-phxfs.rules include/phxfs/phxfs_vol.h \
	 lib/phxfs/hdf5-plugin/libphxfs_vol.so; do
	[ -e "$prefix/$f" ] || fail "$f not installed"
done
# The connector finds the installed libphxfs by itself.
ldd "$prefix/lib/phxfs/hdf5-plugin/libphxfs_vol.so" |
	grep -q "libphxfs.so.0 => $prefix/lib/" ||
	fail "the installed connector does not find the installed libphxfs"

# pkg-config, as a Makefile would.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$work/consumer_pc" "$src/tests/install/consumer.c" \
	$(pkg-config --cflags --libs phxfs) -Wl,-rpath,"$prefix/lib" ||
	fail "build with pkg-config"

# find_package(phxfs COMPONENTS mpi).
cmake -S "$src/tests/install" -B "$work/consumer" \
	-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_RPATH="$prefix/lib" \
	>"$work/consumer.log" 2>&1 &&
	cmake --build "$work/consumer" >>"$work/consumer.log" 2>&1 ||
	{ cat "$work/consumer.log"; fail "build with find_package(phxfs)"; }

for exe in "$work/consumer_pc" "$work/consumer/consumer"; do
	if ldd "$exe" | grep -q "$build"; then
		fail "$exe links the build tree"
	fi
	PHXFS_COMPAT=on "$exe" "$work/data" || fail "$exe"
done
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
	OMPI_MCA_btl=self,vader PHXFS_COMPAT=on \
	"$mpiexec" -n 1 "$work/consumer/consumer_mpi" || fail "consumer_mpi"
"$prefix/bin/phxfs-info" >"$work/info.txt" 2>&1
grep -q '^ verdict' "$work/info.txt" ||
	{ cat "$work/info.txt"; fail "installed phxfs-info"; }
echo "PASS: installed tree builds and runs programs of its own"
