#!/usr/bin/env bash
# setup-deps.sh: take a Debian 12 machine to having every dependency of Phoenix.
#
#   scripts/setup-deps.sh            # idempotent; a second run does no apt or build work
#
# Steps:
#   1. apt packages (installed only when dpkg-query says they are missing).
#   2. HDF5 1.14.5 with MPI, built from Debian's trixie source package into a cache prefix,
#      and (in a prefix of its own) HDF5's API test programs h5_api_test and
#      h5_api_test_parallel.
#   3. checkpatch.pl (plus the files it reads), taken from Debian's linux-source package.
#   4. $cache/deps.cmake, an initial-cache file for `cmake -C`.
#   5. with PHXFS_KERNEL_ROOT=1 only: scripts/setup-kernel-root.sh, a Debian forky root with
#      Linux 7.x, its headers and compiler (the module does not build for 7.x kernels yet).
#
# Environment:
#   PHXFS_CACHE_DIR  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/phoenix)
#   TMPDIR           where temporary work trees go (default /tmp); deleted on exit
#   PHXFS_KERNEL_ROOT=1  run step 5
#
# Files it writes under the cache root:
#   deps.cmake                        set(HDF5_ROOT ...), set(PHXFS_HDF5_API_TEST ...),
#                                     set(PHXFS_HDF5_API_TEST_PARALLEL ...),
#                                     set(PHXFS_CHECKPATCH ...)
#   hdf5-<debian version>-mpi/        HDF5 install prefix (stamp: .setup-deps.stamp)
#   hdf5-<debian version>-api-test/   bin/h5_api_test, bin/h5_api_test_parallel and their test
#                                     library (same stamp file)
#   checkpatch-<kernel version>/      checkpatch.pl (stamp: .setup-deps.stamp)
#   setup-deps.log                    everything verbose, truncated per run
#   .lock                             flock(1) lock serialising concurrent runs
#
# Output: exactly one summary line on stdout; progress of long steps on stderr; on failure
# "setup-deps: FAILED at <step>; ..." and the last 40 lines of the log on stderr, exit non-zero.
#
# The apt mirror and its keyring are read from this machine's own apt configuration; the
# trixie deb-src entry lives in a private apt state under TMPDIR and is never added to the
# system's apt configuration.

set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

# ---- What we need --------------------------------------------------------------------------

APT_PKGS=(build-essential cmake pkg-config git liburing-dev libopenmpi-dev openmpi-bin
          linux-headers-amd64 linux-image-amd64 qemu-system-x86 busybox-static cpio xz-utils
          e2fsprogs kmod dpkg-dev valgrind clang libclang-rt-14-dev dkms
          python3-numpy python3-pytest)

# Debian 12's second kernel, 6.12, beside 6.1 (linux-*-amd64): the module is built and
# VM-tested on each. The 6.12 metapackages pull in the newest linux-*-6.12.*+deb12-amd64;
# zstd unpacks that image (tests/vm/phxvm).
APT_PKGS+=(linux-headers-6.12-amd64 linux-image-6.12-amd64 zstd)

HDF5_SRC_PKG=hdf5
HDF5_DEB_VERSION=1.14.5+repack-3      # Debian source package version (suite below)
HDF5_SRC_SUITE=trixie
HDF5_SRC_COMPONENT=main
HDF5_VERSION=${HDF5_DEB_VERSION%%+*}  # 1.14.5
HDF5_CMAKE_OPTS=(
  -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_C_COMPILER=mpicc
  -DBUILD_SHARED_LIBS=ON
  -DBUILD_STATIC_LIBS=OFF
  -DHDF5_ENABLE_PARALLEL=ON
  -DHDF5_BUILD_TOOLS=ON
  -DHDF5_BUILD_PARALLEL_TOOLS=OFF
  -DBUILD_TESTING=OFF
  -DHDF5_BUILD_EXAMPLES=OFF
  -DHDF5_BUILD_FORTRAN=OFF
  -DHDF5_BUILD_CPP_LIB=OFF
  -DHDF5_BUILD_HL_LIB=OFF
  -DHDF5_BUILD_JAVA=OFF
  -DHDF5_BUILD_DOC=OFF
  -DHDF5_ENABLE_Z_LIB_SUPPORT=ON
  -DHDF5_ENABLE_SZIP_SUPPORT=OFF
)

KSRC_PKG=linux-source-6.1
# Files checkpatch.pl reads, relative to the kernel tree. It finds them through
# $D = dirname(abs_path($0)): $D/spelling.txt, $D/const_structs.checkpatch and (for --verbose)
# $D/../Documentation/dev-tools/checkpatch.rst, so the tree layout is kept.
CHECKPATCH_FILES=(scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
                  Documentation/dev-tools/checkpatch.rst)

# ---- Plumbing ------------------------------------------------------------------------------

usage() {
  sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "setup-deps: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

now_us() { echo "${EPOCHREALTIME//[.,]/}"; }  # microseconds; the separator follows the locale
t_start=$(now_us)
step=init
log=/dev/null
work=""

elapsed() {  # elapsed START_US: seconds since START_US, one decimal
  local us=$(( $(now_us) - $1 ))
  printf '%d.%d' $(( us / 1000000 )) $(( us / 100000 % 10 ))
}

on_exit() {
  local rc=$?
  trap - EXIT
  if [[ -n "$work" && -d "$work" ]]; then rm -rf -- "$work"; fi
  if [[ $rc -ne 0 ]]; then
    {
      echo "setup-deps: FAILED at $step; last lines of $log:"
      if [[ -f "$log" ]]; then tail -n 40 -- "$log"; fi
    } >&2
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf 'setup-deps: %s\n' "$*" >&2; printf '== %s\n' "$*" >>"$log"; }
note() { printf '== %s\n' "$*" >>"$log"; }
run() {  # run CMD...: command output goes to the log only
  printf '+ %s\n' "$*" >>"$log"
  "$@" >>"$log" 2>&1 </dev/null
}

new_workdir() {  # a private scratch tree; readable by apt's _apt sandbox user
  if [[ -z "$work" ]]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/phxfs-deps.XXXXXX")
    chmod 755 "$work"
  fi
}

apt_dir() {  # apt_dir DIR: a download dir the _apt sandbox user may write to
  mkdir -p "$1"
  if [[ $EUID -eq 0 ]] && getent passwd _apt >/dev/null; then chown _apt:root "$1"; fi
}

SUDO=()
if [[ $EUID -ne 0 ]]; then SUDO=(sudo -n); fi
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
apt_updated=0
apt_update_once() {
  if [[ $apt_updated -eq 0 ]]; then
    apt_updated=1
    run "${SUDO[@]}" apt-get "${APT_OPTS[@]}" update
  fi
}

# ---- Cache root, lock, log -----------------------------------------------------------------

step=cache
cache=${PHXFS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/phoenix}
mkdir -p -- "$cache"
cache=$(cd -- "$cache" && pwd)

step=lock
exec 9>>"$cache/.lock"
if ! flock -n 9; then
  echo "setup-deps: another run holds $cache/.lock; waiting..." >&2
  flock 9
fi

log=$cache/setup-deps.log
: >"$log"
note "setup-deps.sh started $(date -u '+%Y-%m-%dT%H:%M:%SZ'), cache $cache"

# ---- 1. apt packages -----------------------------------------------------------------------

step=apt
t0=$(now_us)
pkg_status=$(dpkg-query -W -f='${Package}\t${Status}\n' "${APT_PKGS[@]}" 2>/dev/null || true)
missing=()
for p in "${APT_PKGS[@]}"; do
  if ! grep -qxF "$p	install ok installed" <<<"$pkg_status"; then missing+=("$p"); fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  note "apt: all ${#APT_PKGS[@]} packages installed"
  apt_summary="apt ok (0 installed)"
else
  say "installing ${#missing[@]} apt package(s): ${missing[*]}..."
  apt_update_once
  run "${SUDO[@]}" apt-get "${APT_OPTS[@]}" --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      install "${missing[@]}"
  pkg_status=$(dpkg-query -W -f='${Package}\t${Status}\n' "${APT_PKGS[@]}" 2>/dev/null || true)
  for p in "${missing[@]}"; do
    grep -qxF "$p	install ok installed" <<<"$pkg_status" || { note "apt: $p still not installed"; exit 1; }
  done
  say "apt: installed ${#missing[@]} package(s) in $(elapsed "$t0") s"
  apt_summary="apt ok (${#missing[@]} installed)"
fi

# ---- 2. HDF5 -------------------------------------------------------------------------------

# Unpacks Debian's HDF5 source package (patches applied) under $work; sets hdf5_src to its top.
hdf5_fetch_source() {
  local codename stanza uri src dsc top

  if [[ -n "${hdf5_src:-}" && -d "$hdf5_src" ]]; then return 0; fi
  step=hdf5-fetch
  new_workdir
  # shellcheck disable=SC1091
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [[ -n "$codename" ]] || { note "no VERSION_CODENAME in /etc/os-release"; return 1; }
  stanza=$(phxfs_mirror_stanza "$codename")
  [[ -n "$stanza" ]] || { note "no apt entry for suite $codename in /etc/apt"; return 1; }
  uri=$(sed -n '1s/^URIs: //p' <<<"$stanza")
  note "mirror for $codename: $uri"

  local apt_state=$work/apt
  mkdir -p "$apt_state/lists" "$apt_state/cache" "$apt_state/sources.list.d"
  {
    echo "Types: deb-src"
    echo "$stanza" | sed -n '1p'
    echo "Suites: $HDF5_SRC_SUITE"
    echo "Components: $HDF5_SRC_COMPONENT"
    echo "$stanza" | sed -n '2,$p'
  } >"$apt_state/sources.list.d/phxfs-src.sources"
  cat "$apt_state/sources.list.d/phxfs-src.sources" >>"$log"
  local papt=(apt-get "${APT_OPTS[@]}"
              -o "Dir::Etc::SourceList=/dev/null"
              -o "Dir::Etc::SourceParts=$apt_state/sources.list.d"
              -o "Dir::State::Lists=$apt_state/lists"
              -o "Dir::Cache=$apt_state/cache")
  say "fetching HDF5 $HDF5_DEB_VERSION source ($HDF5_SRC_SUITE, about 40 MB)..."
  run "${papt[@]}" update
  src=$work/src
  apt_dir "$src"
  (cd "$src" && run "${papt[@]}" source --download-only "$HDF5_SRC_PKG=$HDF5_DEB_VERSION")

  step=hdf5-unpack
  dsc=$(find "$src" -maxdepth 1 -name "${HDF5_SRC_PKG}_*.dsc" -print -quit)
  [[ -n "$dsc" ]] || { note "no .dsc downloaded"; return 1; }
  top=$work/hdf5-src
  run dpkg-source -x "$dsc" "$top"    # applies debian/patches
  if [[ ! -f "$top/CMakeLists.txt" ]]; then  # should not happen; find the real top dir
    top=$(dirname "$(find "$work/hdf5-src" -maxdepth 2 -name CMakeLists.txt -print -quit)")
  fi
  grep -q 'project (HDF5' "$top/CMakeLists.txt" || { note "HDF5 source tree not found"; return 1; }
  rm -rf -- "$src"
  hdf5_src=$top
}

hdf5_step() {
  local prefix=$1 stamp_want=$2
  local top t_build

  hdf5_fetch_source
  top=$hdf5_src
  step=hdf5-configure
  t_build=$(now_us)
  say "building HDF5 $HDF5_VERSION with MPI (about 2-3 min; log: $log)..."
  rm -rf -- "$prefix"
  run cmake -S "$top" -B "$work/build" -DCMAKE_INSTALL_PREFIX="$prefix" "${HDF5_CMAKE_OPTS[@]}"

  step=hdf5-build
  run cmake --build "$work/build" -j"$(nproc)"

  step=hdf5-install
  run cmake --install "$work/build"
  local settings=$prefix/lib/libhdf5.settings
  cat "$settings" >>"$log"
  if ! grep -Eq "HDF5 Version:[[:space:]]*$HDF5_VERSION\$" "$settings" ||
     ! grep -Eq "Parallel HDF5:[[:space:]]*ON" "$settings"; then
    note "installed HDF5 is not $HDF5_VERSION with Parallel HDF5: ON"
    return 1
  fi
  rm -rf -- "$work/build"
  printf '%s\n' "$stamp_want" >"$prefix/.setup-deps.stamp"   # written last
  hdf5_time=$(elapsed "$t_build")
  say "hdf5: built and installed HDF5 $HDF5_VERSION in $hdf5_time s ($prefix)"
}

step=hdf5
hdf5_prefix=$cache/hdf5-$HDF5_DEB_VERSION-mpi
hdf5_stamp_want="hdf5 $HDF5_DEB_VERSION ${HDF5_CMAKE_OPTS[*]}"
if [[ -f "$hdf5_prefix/.setup-deps.stamp" && -f "$hdf5_prefix/lib/libhdf5.settings" &&
      "$(cat "$hdf5_prefix/.setup-deps.stamp")" == "$hdf5_stamp_want" ]]; then
  note "hdf5: cache hit $hdf5_prefix"
  hdf5_summary="hdf5 $HDF5_VERSION cache hit"
else
  hdf5_step "$hdf5_prefix" "$hdf5_stamp_want"
  hdf5_summary="hdf5 $HDF5_VERSION built in $hdf5_time s"
fi

# ---- 2b. HDF5's API test suite -------------------------------------------------------------

# h5_api_test (test/API in HDF5's tree) checks a VOL connector against the API, and
# h5_api_test_parallel (testpar/API) against the parallel API under mpiexec: each runs once
# natively and once through Phoenix's connector. Only those programs and the test library they
# link are built (not the whole test suite), in a prefix of their own beside the library's,
# so that adding it neither rebuilds nor replaces the library other builds are using. It runs
# against that library: same sources, same options.
api_test_step() {
  local dest=$1 stamp_want=$2 t_api stage
  hdf5_fetch_source
  step=hdf5-api-test-configure
  t_api=$(now_us)
  say "building HDF5 $HDF5_VERSION's API test programs h5_api_test and h5_api_test_parallel (about 6-8 min)..."
  stage=$cache/.hdf5-api-test.tmp
  rm -rf -- "$stage" "$work/api-build"
  mkdir -p "$stage/bin" "$stage/lib"
  run cmake -S "$hdf5_src" -B "$work/api-build" -DCMAKE_INSTALL_PREFIX="$stage" \
      "${HDF5_CMAKE_OPTS[@]}" -DBUILD_TESTING=ON -DHDF5_TEST_API=ON \
      -DHDF5_TEST_PARALLEL=ON -DHDF5_TEST_TOOLS=OFF -DHDF5_TEST_EXAMPLES=OFF \
      -DHDF5_TEST_SWMR=OFF -DHDF5_TEST_VFD=OFF -DHDF5_TEST_PASSTHROUGH_VOL=OFF
  step=hdf5-api-test-build
  run cmake --build "$work/api-build" -j"$(nproc)" --target h5_api_test h5_api_test_parallel
  step=hdf5-api-test-install
  cp -- "$work/api-build/bin/h5_api_test" "$work/api-build/bin/h5_api_test_parallel" "$stage/bin/"
  cp -P -- "$work/api-build"/bin/libhdf5_test*.so* "$stage/lib/"   # libhdf5_test(par)
  rm -rf -- "$work/api-build"
  printf '%s\n' "$stamp_want" >"$stage/.setup-deps.stamp"
  rm -rf -- "$dest"
  mv -- "$stage" "$dest"
  api_test_time=$(elapsed "$t_api")
  say "hdf5: built h5_api_test and h5_api_test_parallel in $api_test_time s ($dest)"
}

step=hdf5-api-test
api_test_dir=$cache/hdf5-$HDF5_DEB_VERSION-api-test
api_test_stamp_want="h5_api_test h5_api_test_parallel $HDF5_DEB_VERSION ${HDF5_CMAKE_OPTS[*]}"
if [[ -x "$api_test_dir/bin/h5_api_test" && -x "$api_test_dir/bin/h5_api_test_parallel" &&
      "$(cat "$api_test_dir/.setup-deps.stamp" 2>/dev/null)" == "$api_test_stamp_want" ]]; then
  note "hdf5: cache hit $api_test_dir"
  api_test_summary="h5_api_test(_parallel) cache hit"
else
  api_test_step "$api_test_dir" "$api_test_stamp_want"
  api_test_summary="h5_api_test(_parallel) built in $api_test_time s"
fi
# It finds its libraries in ../lib ($ORIGIN): the HDF5 library is the prefix's.
for f in "$hdf5_prefix"/lib/libhdf5.so.*; do
  ln -sfn -- "$f" "$api_test_dir/lib/${f##*/}"
done
for f in h5_api_test h5_api_test_parallel; do
  libs=$(ldd "$api_test_dir/bin/$f" 2>&1) || true
  if [[ "$libs" == *"not found"* ]]; then
    printf '%s\n' "$libs" >>"$log"
    note "hdf5: $api_test_dir/bin/$f misses libraries"
    exit 1
  fi
done

# ---- 3. checkpatch.pl ----------------------------------------------------------------------

checkpatch_selftest() {  # checkpatch_selftest DIR: clean file passes, a typo is caught
  local dir=$1 t
  new_workdir
  t=$work/cp-selftest
  mkdir -p "$t"
  cat >"$t/ok.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

static int __init phx_selftest_init(void)
{
	return 0;
}
module_init(phx_selftest_init);
MODULE_LICENSE("GPL");
EOF
  sed 's|^// SPDX.*|&\n/* this goes accross the line */|' "$t/ok.c" >"$t/typo.c"
  local out
  (cd "$t" && run "$dir/checkpatch.pl" --no-tree --strict -f ok.c) || return 1
  # In -f mode typos are CHECKs (reported with --strict); the exit status is then 1.
  out=$(cd "$t" && "$dir/checkpatch.pl" --no-tree --strict --terse -f typo.c 2>&1) || true
  printf '%s\n' "$out" >>"$log"
  if [[ "$out" != *"'accross' may be misspelled"* ]]; then
    note "checkpatch did not report the typo: spelling.txt not found?"
    return 1
  fi
  out=$(cd "$t" && "$dir/checkpatch.pl" --no-tree --verbose -f ok.c 2>&1) || return 1
  printf '%s\n' "$out" >>"$log"
  if [[ "$out" == *"Can't read"* ]]; then   # --verbose reads Documentation/.../checkpatch.rst
    note "checkpatch --verbose did not find its documentation file"
    return 1
  fi
}

checkpatch_step() {
  local dl deb ver inner topname stage dest t_cp
  step=checkpatch-download
  t_cp=$(now_us)
  new_workdir
  dl=$work/ksrc
  apt_dir "$dl"
  say "fetching $KSRC_PKG for checkpatch.pl (about 140 MB)..."
  if ! (cd "$dl" && run apt-get "${APT_OPTS[@]}" download "$KSRC_PKG"); then
    [[ $apt_updated -eq 0 ]] || return 1
    note "apt-get download failed; updating the package lists once and retrying"
    apt_update_once
    (cd "$dl" && run apt-get "${APT_OPTS[@]}" download "$KSRC_PKG")
  fi
  deb=$(find "$dl" -maxdepth 1 -name "${KSRC_PKG}_*.deb" -print -quit)
  [[ -n "$deb" ]] || { note "no $KSRC_PKG .deb downloaded"; return 1; }
  ver=$(dpkg-deb -f "$deb" Version)

  step=checkpatch-extract
  inner=$(dpkg-deb -c "$deb" | awk '$NF ~ /^\.\/usr\/src\/linux-source-.*\.tar\.xz$/ { print $NF; exit }')
  [[ -n "$inner" ]] || { note "no kernel tarball in $deb"; return 1; }
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dl" "$inner" 2>>"$log"
  rm -f -- "$deb"
  topname=$(basename "$inner" .tar.xz)
  stage=$cache/.checkpatch-$ver.tmp
  dest=$cache/checkpatch-$ver
  rm -rf -- "$stage"
  mkdir -p "$stage"
  run tar -xJf "$dl/$inner" -C "$stage" --strip-components=1 "${CHECKPATCH_FILES[@]/#/$topname/}"
  rm -rf -- "$dl"
  ln -s scripts/checkpatch.pl "$stage/checkpatch.pl"
  checkpatch_selftest "$stage"
  printf 'checkpatch %s\n' "$ver" >"$stage/.setup-deps.stamp"
  rm -rf -- "$dest"
  mv -- "$stage" "$dest"
  checkpatch_dir=$dest
  checkpatch_ver=$ver
  checkpatch_time=$(elapsed "$t_cp")
  say "checkpatch: extracted checkpatch.pl from $KSRC_PKG $ver in $checkpatch_time s"
}

step=checkpatch
checkpatch_dir=""
checkpatch_ver=""
while IFS= read -r d; do
  v=${d##*/checkpatch-}
  if [[ -x "$d/checkpatch.pl" && "$(cat "$d/.setup-deps.stamp" 2>/dev/null)" == "checkpatch $v" ]]; then
    checkpatch_dir=$d
    checkpatch_ver=$v
  fi
done < <(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'checkpatch-*' | sort -V)
if [[ -n "$checkpatch_dir" ]]; then
  note "checkpatch: cache hit $checkpatch_dir"
  checkpatch_summary="checkpatch $checkpatch_ver cache hit"
else
  checkpatch_step
  checkpatch_summary="checkpatch $checkpatch_ver extracted in $checkpatch_time s"
fi

# ---- 4. deps.cmake -------------------------------------------------------------------------

step=deps.cmake
cmake_str() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }
deps_cmake=$cache/deps.cmake
deps_new="# Written by scripts/setup-deps.sh; use with cmake -C. Rewritten when it changes.
set(HDF5_ROOT $(cmake_str "$hdf5_prefix") CACHE PATH \"HDF5 1.14 built by setup-deps.sh\")
set(PHXFS_HDF5_API_TEST $(cmake_str "$api_test_dir/bin/h5_api_test") CACHE FILEPATH \"HDF5's API test program, built by setup-deps.sh\")
set(PHXFS_HDF5_API_TEST_PARALLEL $(cmake_str "$api_test_dir/bin/h5_api_test_parallel") CACHE FILEPATH \"HDF5's parallel API test program, built by setup-deps.sh\")
set(PHXFS_CHECKPATCH $(cmake_str "$checkpatch_dir/checkpatch.pl") CACHE FILEPATH \"checkpatch.pl from $KSRC_PKG $checkpatch_ver (run with --no-tree)\")"
if [[ ! -f "$deps_cmake" || "$(cat "$deps_cmake")" != "$deps_new" ]]; then
  printf '%s\n' "$deps_new" >"$deps_cmake.tmp.$$"
  mv -f -- "$deps_cmake.tmp.$$" "$deps_cmake"
fi
cat "$deps_cmake" >>"$log"

# ---- 5. a Debian forky root for the Linux 7.x kernel (scripts/setup-kernel-root.sh) --------

step=kernel-root
if [[ "${PHXFS_KERNEL_ROOT:-0}" != 1 ]]; then
  kernel_root_summary="kernel-root not asked for (PHXFS_KERNEL_ROOT=1)"
else
  kernel_root_summary=$(PHXFS_CACHE_DIR="$cache" "$(dirname -- "${BASH_SOURCE[0]}")/setup-kernel-root.sh" --summary)
fi

step=summary
summary="deps: $apt_summary, $hdf5_summary at $hdf5_prefix, $api_test_summary, $checkpatch_summary, $deps_cmake, $kernel_root_summary, $(elapsed "$t_start") s"
note "$summary"
echo "$summary"
