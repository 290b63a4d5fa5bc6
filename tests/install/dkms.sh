#!/bin/sh
# SPDX-License-Identifier: MIT
# The module's DKMS tree, as cmake --install lays it out, built by dkms
# itself for each kernel given, in private trees (the machine's own
# /var/lib/dkms and /lib/modules are not touched): the phxfs.ko it makes
# must name that kernel.
# Usage: dkms.sh BUILD_DIR KERNEL_RELEASE...
set -u
build=$1
shift
work=$(mktemp -d /var/tmp/phxfs-dkms.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; fail "cmake --install"; }
src=$(echo "$work"/prefix/src/phoenix-fs-*)
[ -f "$src/dkms.conf" ] || fail "no dkms.conf in $src"
version=${src##*/phoenix-fs-}
grep -q "^PACKAGE_VERSION=\"$version\"" "$src/dkms.conf" ||
	fail "dkms.conf does not carry version $version"
mkdir -p "$work/dkms" "$work/sources"
cp -r "$src" "$work/sources/"
for krel in "$@"; do
	if ! dkms build -m phoenix-fs -v "$version" -k "$krel" \
		--dkmstree "$work/dkms" --sourcetree "$work/sources" \
		>"$work/build.log" 2>&1; then
		cat "$work/build.log"
		tail -n 40 "$work/dkms/phoenix-fs/$version/build/make.log" 2>/dev/null
		fail "dkms build for $krel"
	fi
	ko=$(find "$work/dkms/phoenix-fs/$version/$krel" -name 'phxfs.ko*' | head -n 1)
	[ -n "$ko" ] || fail "dkms built no phxfs.ko for $krel"
	case $ko in *.xz) xz -dk "$ko"; ko=${ko%.xz} ;; *.zst) zstd -qd "$ko"; ko=${ko%.zst} ;; esac
	vermagic=$(modinfo -F vermagic "$ko")
	case $vermagic in
	"$krel "*) echo "dkms: phxfs.ko for $krel ($vermagic)" ;;
	*) fail "phxfs.ko for $krel says vermagic '$vermagic'" ;;
	esac
done
echo "PASS: dkms builds phoenix-fs $version for $*"
