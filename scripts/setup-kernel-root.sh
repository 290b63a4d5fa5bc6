#!/usr/bin/env bash
# setup-kernel-root.sh: a Debian root (forky by default) holding the newest Linux 7.x of that
# suite, with its headers and a compiler that can build modules for it, and its image, config and
# modules for the VM tests. Debian 12 cannot run that kernel's build tools (they come from a newer
# Debian), so modules for it are built with `chroot ROOT make -C /usr/src/linux-headers-R ...`.
#
#   scripts/setup-kernel-root.sh            # idempotent; a second run does no apt or debootstrap work
#   scripts/setup-kernel-root.sh --summary  # the same, printing only the summary line
#
# Steps (only when no complete root is cached):
#   1. debootstrap --variant=minbase of the suite, from this machine's own apt mirror and keyring
#      (/etc/apt/sources.list.d/*.sources or sources.list, the entry of this machine's suite).
#   2. In the root: apt-get install build-essential kmod and, for the newest <series>.x kernel of
#      the flavour, linux-headers-R plus linux-binary-R, linux-base-R, linux-modules-R (the split
#      image of 7.x; linux-image-R where a suite has no split).
#   3. A self-test: a trivial module is built in the root for R and must carry R's vermagic.
#   4. $cache/kernel-root.cmake (CMake variables, for PhxfsOptions.cmake's include()).
#
# Environment:
#   PHXFS_CACHE_DIR            cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/phoenix)
#   PHXFS_KERNEL_ROOT_SUITE    suite to bootstrap (default forky)
#   PHXFS_KERNEL_ROOT_SERIES   kernel major version to take the newest of (default 7)
#   PHXFS_KERNEL_ROOT_FLAVOUR  kernel flavour (default: the root's architecture, amd64)
#   PHXFS_KERNEL_ROOT_REFRESH  1: ask the suite for its newest kernel again even when a root is
#                              cached (a newer one gets a root of its own)
#
# Files it writes under the cache root:
#   kernel-root-<suite>-<release>/root    the root (stamp: ../.setup-kernel-root.stamp)
#   kernel-root.cmake                     PHXFS_KERNEL_ROOT, _RELEASE, _IMAGE, _CONFIG, _MODULES,
#                                         _HEADERS (the latter inside the root)
#   setup-kernel-root.log                 everything verbose, truncated per run
#   .kernel-root.lock                     flock(1) lock serialising concurrent runs
#
# Needs root (debootstrap, chroot); re-runs itself under `sudo -n` otherwise.
# Output: where the root, the release, the image and the headers are, then one summary line on
# stdout; progress on stderr; on failure "setup-kernel-root: FAILED at <step>; ..." and the last
# 40 lines of the log on stderr, exit non-zero.

set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

SUITE=${PHXFS_KERNEL_ROOT_SUITE:-forky}
SERIES=${PHXFS_KERNEL_ROOT_SERIES:-7}
REFRESH=${PHXFS_KERNEL_ROOT_REFRESH:-0}
ROOT_PKGS=(build-essential kmod)
STAMP_FORMAT=1   # bump when the root's contents or layout change

usage() {
  sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
}
summary_only=0
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --summary) summary_only=1 ;;
  "") ;;
  *) echo "setup-kernel-root: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

cache=${PHXFS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/phoenix}
mkdir -p -- "$cache"
cache=$(cd -- "$cache" && pwd)
if [[ $EUID -ne 0 ]]; then
  exec sudo -n env PHXFS_CACHE_DIR="$cache" PHXFS_KERNEL_ROOT_SUITE="$SUITE" \
       PHXFS_KERNEL_ROOT_SERIES="$SERIES" PHXFS_KERNEL_ROOT_REFRESH="$REFRESH" \
       ${PHXFS_KERNEL_ROOT_FLAVOUR:+PHXFS_KERNEL_ROOT_FLAVOUR="$PHXFS_KERNEL_ROOT_FLAVOUR"} \
       "$0" "$@"
fi

now_us() { echo "${EPOCHREALTIME//[.,]/}"; }
t_start=$(now_us)
step=init
log=/dev/null
stage=""

elapsed() {
  local us=$(( $(now_us) - $1 ))
  printf '%d.%d' $(( us / 1000000 )) $(( us / 100000 % 10 ))
}

on_exit() {
  local rc=$?
  trap - EXIT
  # The root's mounts live in private mount namespaces (unshare -m), gone with their
  # processes; --one-file-system guards against any that were not.
  if [[ -n "$stage" && -d "$stage" ]]; then rm -rf --one-file-system -- "$stage" || true; fi
  if [[ $rc -ne 0 ]]; then
    {
      echo "setup-kernel-root: FAILED at $step; last lines of $log:"
      if [[ -f "$log" ]]; then tail -n 40 -- "$log"; fi
    } >&2
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf 'setup-kernel-root: %s\n' "$*" >&2; printf '== %s\n' "$*" >>"$log"; }
note() { printf '== %s\n' "$*" >>"$log"; }
fail() { note "$*"; printf 'setup-kernel-root: %s\n' "$*" >&2; exit 1; }
run() {
  printf '+ %s\n' "$*" >>"$log"
  "$@" >>"$log" 2>&1 </dev/null
}
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
APT_OPTS=(-q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)

# in_root ROOT CMD...: CMD chrooted into ROOT with /proc and the host's /dev, in a mount
# namespace of its own so that nothing stays mounted when it ends.
in_root() {
  local r=$1
  shift
  # shellcheck disable=SC2016 # expanded by the inner sh
  unshare --mount --propagation private -- /bin/sh -c '
    r=$1; shift
    mount -t proc proc "$r/proc" && mount --bind /dev "$r/dev" || exit 1
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
         LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' in_root "$r" "$@"
}

for tool in unshare chroot flock; do
  command -v "$tool" >/dev/null || fail "$tool not found (apt-get install util-linux coreutils)"
done

# ---- lock, log -----------------------------------------------------------------------------

step=lock
exec 8>>"$cache/.kernel-root.lock"
if ! flock -n 8; then
  echo "setup-kernel-root: another run holds $cache/.kernel-root.lock; waiting..." >&2
  flock 8
fi
log=$cache/setup-kernel-root.log
: >"$log"
note "setup-kernel-root.sh started $(date -u '+%Y-%m-%dT%H:%M:%SZ'), cache $cache, suite $SUITE, series $SERIES"

# ---- a cached root -------------------------------------------------------------------------

stamp_for() { printf 'kernel-root %s %s format %s\n' "$SUITE" "$1" "$STAMP_FORMAT"; }
root_complete() {  # root_complete DIR RELEASE
  local d=$1 r=$2
  [[ "$(cat "$d/.setup-kernel-root.stamp" 2>/dev/null)" == "$(stamp_for "$r")" &&
     -f "$d/root/usr/src/linux-headers-$r/Makefile" && -d "$d/root/usr/lib/modules/$r/kernel" ]] &&
    { [[ -f "$d/root/usr/lib/modules/$r/vmlinuz" ]] || [[ -f "$d/root/boot/vmlinuz-$r" ]]; }
}
cached_dir=""
cached_rel=""
while IFS= read -r d; do
  r=${d##*/kernel-root-"$SUITE"-}
  if [[ $r == "$SERIES".* ]] && root_complete "$d" "$r"; then cached_dir=$d; cached_rel=$r; fi
done < <(find "$cache" -mindepth 1 -maxdepth 1 -type d -name "kernel-root-$SUITE-*" | sort -V)

# ---- a new root ----------------------------------------------------------------------------

# The mirror and keyring of this machine's apt entry for the suite, else for its own suite.
mirror_and_keyring() {
  local codename signed
  step=mirror
  # shellcheck disable=SC1091
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  stanza=$(phxfs_mirror_stanza "$SUITE")
  if [[ -z "$stanza" && -n "$codename" ]]; then stanza=$(phxfs_mirror_stanza "$codename"); fi
  [[ -n "$stanza" ]] || fail "no apt entry for suite $SUITE or ${codename:-?} in /etc/apt"
  uri=$(sed -n '1s/^URIs: //p' <<<"$stanza")
  signed=$(sed -n '2,$p' <<<"$stanza")
  note "mirror: $uri"
  keyring=""
  inline_key=""
  if [[ $signed == *$'\n'* ]]; then
    inline_key=$signed   # an inline key block: apt takes it verbatim; debootstrap needs a file
    command -v gpg >/dev/null || fail "the apt entry has an inline Signed-By key: debootstrap needs gpg to use it"
  elif [[ -n "$signed" ]]; then
    keyring=${signed#Signed-By:}
    keyring=${keyring#"${keyring%%[![:space:]]*}"}
    [[ $keyring == /* && -r $keyring && $keyring != *[[:space:]]* ]] ||
      fail "Signed-By '$keyring' of the apt entry is not one readable keyring file"
  else
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [[ -r $keyring ]] || fail "the apt entry names no Signed-By keyring and $keyring is missing"
    note "no Signed-By in the apt entry: using $keyring"
  fi
  note "keyring: ${keyring:-inline}"
}

new_root() {
  local root t0 script arch flavour avail rel pkgs p v have_split host_valid
  t0=$(now_us)
  mirror_and_keyring

  step=debootstrap
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap (host apt)..."
    run apt-get "${APT_OPTS[@]}" --no-install-recommends install debootstrap ||
      { run apt-get "${APT_OPTS[@]}" update && run apt-get "${APT_OPTS[@]}" --no-install-recommends install debootstrap; }
  fi
  stage=$cache/.kernel-root-$SUITE.tmp
  rm -rf --one-file-system -- "$stage"
  mkdir -p "$stage"
  root=$stage/root
  if [[ -n "$inline_key" ]]; then
    sed -e '1s/^Signed-By:[[:space:]]*//' -e 's/^[[:space:]]//' -e 's/^\.$//' <<<"$inline_key" |
      gpg --dearmor >"$stage/keyring.gpg" 2>>"$log" || fail "could not convert the inline Signed-By key"
    keyring=$stage/keyring.gpg
  fi
  script=/usr/share/debootstrap/scripts/$SUITE
  [[ -e $script ]] || script=/usr/share/debootstrap/scripts/sid   # suites newer than debootstrap
  say "debootstrapping a minimal $SUITE root (about 1-2 min)..."
  run unshare --mount --propagation private -- \
      debootstrap --variant=minbase --keyring="$keyring" --components=main \
      "$SUITE" "$root" "$uri" "$script"

  step=apt-config
  # Docs, manuals and translations are not needed to build modules.
  cat >"$root/etc/dpkg/dpkg.cfg.d/90phxfs-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  rm -f "$root/etc/apt/sources.list"
  mkdir -p "$root/etc/apt/keyrings"
  {
    echo "Types: deb"
    echo "URIs: $uri"
    echo "Suites: $SUITE"
    echo "Components: main"
    if [[ -n "$inline_key" ]]; then
      echo "$inline_key"
    else
      cp -- "$keyring" "$root/etc/apt/keyrings/phxfs-host.${keyring##*.}"
      echo "Signed-By: /etc/apt/keyrings/phxfs-host.${keyring##*.}"
    fi
  } >"$root/etc/apt/sources.list.d/phxfs.sources"
  # A frozen mirror serves Release files past their Valid-Until: follow the host's apt there.
  host_valid=$(apt-config dump Acquire::Check-Valid-Until 2>/dev/null |
               sed -n 's/^Acquire::Check-Valid-Until "\(.*\)";$/\1/p')
  if [[ -n "$host_valid" ]]; then
    printf 'Acquire::Check-Valid-Until "%s";\n' "$host_valid" >"$root/etc/apt/apt.conf.d/90phxfs-host"
  fi
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$root/etc/apt/apt.conf.d/90phxfs-norecommends"
  cat "$root/etc/apt/sources.list.d/phxfs.sources" "$root"/etc/apt/apt.conf.d/90phxfs-* >>"$log"

  step=apt-update
  run in_root "$root" apt-get "${APT_OPTS[@]}" update

  step=kernel-lookup
  arch=$(chroot "$root" dpkg --print-architecture)
  flavour=${PHXFS_KERNEL_ROOT_FLAVOUR:-$arch}
  # linux-headers-<release>, release = <series>.x[.y]<abi>-<flavour> with no other "-" in it
  # (which leaves out -common, -rt-amd64, -cloud-amd64).
  avail=$(chroot "$root" apt-cache pkgnames "linux-headers-$SERIES." | sed -n \
          "s/^linux-headers-\\($SERIES\\.[0-9][0-9.]*[^-]*-$flavour\\)\$/\\1/p" | sort -V)
  printf 'kernels of %s in %s: %s\n' "$SERIES.x-$flavour" "$SUITE" "$(tr "\n" " " <<<"$avail")" >>"$log"
  rel=$(tail -n1 <<<"$avail")
  [[ -n "$rel" ]] || fail "no linux-headers-$SERIES.*-$flavour in $SUITE"
  have_split=1
  for p in linux-binary linux-base linux-modules; do
    v=$(chroot "$root" apt-cache policy "$p-$rel" | sed -n 's/^ *Candidate: //p')
    [[ -n "$v" && "$v" != "(none)" ]] || have_split=0
  done
  if ((have_split)); then
    pkgs=("linux-headers-$rel" "linux-binary-$rel" "linux-base-$rel" "linux-modules-$rel")
  else
    pkgs=("linux-headers-$rel" "linux-image-$rel")
  fi
  if [[ -n "$cached_rel" && "$cached_rel" == "$rel" ]]; then
    note "the newest kernel of $SUITE is still $rel: the cached root stays"
    rm -rf --one-file-system -- "$stage"
    stage=""
    root_dir=$cached_dir
    root_release=$rel
    return 0
  fi
  say "installing ${ROOT_PKGS[*]} ${pkgs[*]} in the root (about 1-3 min)..."

  step=apt-install
  run in_root "$root" apt-get "${APT_OPTS[@]}" install "${ROOT_PKGS[@]}" "${pkgs[@]}"
  run in_root "$root" apt-get "${APT_OPTS[@]}" clean
  rm -rf "$root/var/lib/apt/lists"/*_dists_* 2>/dev/null || true
  in_root "$root" dpkg-query -W "${ROOT_PKGS[@]}" 'linux-*' 'gcc-*' >>"$log" 2>&1 || true

  step=check
  [[ -f "$root/usr/src/linux-headers-$rel/Makefile" ]] || fail "no /usr/src/linux-headers-$rel/Makefile in the root"
  [[ -f "$root/usr/lib/modules/$rel/vmlinuz" || -f "$root/boot/vmlinuz-$rel" ]] ||
    fail "no kernel image /usr/lib/modules/$rel/vmlinuz or /boot/vmlinuz-$rel in the root"
  [[ -f "$root/usr/lib/modules/$rel/config" || -f "$root/boot/config-$rel" ]] ||
    fail "no kernel config /usr/lib/modules/$rel/config or /boot/config-$rel in the root"
  [[ -d "$root/usr/lib/modules/$rel/kernel" ]] || fail "no modules /usr/lib/modules/$rel/kernel in the root"

  step=selftest
  local st=/var/tmp/phxfs-kernel-root-selftest vermagic
  rm -rf "$root$st"
  mkdir -p "$root$st"
  cat >"$root$st/hello.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

static int __init phx_hello_init(void)
{
	pr_info("phx_hello: loaded\n");
	return 0;
}
module_init(phx_hello_init);

static void __exit phx_hello_exit(void)
{
}
module_exit(phx_hello_exit);
MODULE_LICENSE("GPL");
EOF
  echo 'obj-m := hello.o' >"$root$st/Kbuild"
  run in_root "$root" make -C "/usr/src/linux-headers-$rel" "M=$st" modules
  vermagic=$(chroot "$root" modinfo -F vermagic "$st/hello.ko")
  note "self-test module vermagic: $vermagic"
  [[ "$vermagic" == "$rel "* ]] || fail "self-test module has vermagic '$vermagic', not $rel"
  rm -rf "$root$st"

  step=finish
  root_dir=$cache/kernel-root-$SUITE-$rel
  stamp_for "$rel" >"$stage/.setup-kernel-root.stamp"
  rm -rf --one-file-system -- "$root_dir"
  mv -- "$stage" "$root_dir"
  stage=""
  root_release=$rel
  root_time=$(elapsed "$t0")
  say "built the $SUITE root for $rel in $root_time s ($root_dir)"
}

step=root
root_dir=""
root_release=""
root_time=""
if [[ -n "$cached_dir" && "$REFRESH" != 1 ]]; then
  note "cache hit $cached_dir"
  root_dir=$cached_dir
  root_release=$cached_rel
else
  new_root
fi

# ---- kernel-root.cmake ---------------------------------------------------------------------

step=kernel-root.cmake
root=$root_dir/root
rel=$root_release
image=$root/usr/lib/modules/$rel/vmlinuz
[[ -f $image ]] || image=$root/boot/vmlinuz-$rel
config=$root/usr/lib/modules/$rel/config
[[ -f $config ]] || config=$root/boot/config-$rel
headers=/usr/src/linux-headers-$rel
p2pdma=$(grep -E '^CONFIG_PCI_P2PDMA=' "$config" || echo "CONFIG_PCI_P2PDMA not set")
cmake_str() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }
kr_cmake=$cache/kernel-root.cmake
kr_new="# Written by scripts/setup-kernel-root.sh; include()d by cmake/PhxfsOptions.cmake when
# PHXFS_WITH_KERNEL_ROOT=ON. Rewritten when it changes. PHXFS_KERNEL_ROOT_HEADERS is a path
# inside the root (chroot PHXFS_KERNEL_ROOT make -C PHXFS_KERNEL_ROOT_HEADERS ...).
set(PHXFS_KERNEL_ROOT $(cmake_str "$root"))
set(PHXFS_KERNEL_ROOT_SUITE $(cmake_str "$SUITE"))
set(PHXFS_KERNEL_ROOT_RELEASE $(cmake_str "$rel"))
set(PHXFS_KERNEL_ROOT_IMAGE $(cmake_str "$image"))
set(PHXFS_KERNEL_ROOT_CONFIG $(cmake_str "$config"))
set(PHXFS_KERNEL_ROOT_MODULES $(cmake_str "$root/usr/lib/modules/$rel"))
set(PHXFS_KERNEL_ROOT_HEADERS $(cmake_str "$headers"))"
if [[ ! -f "$kr_cmake" || "$(cat "$kr_cmake")" != "$kr_new" ]]; then
  printf '%s\n' "$kr_new" >"$kr_cmake.tmp.$$"
  mv -f -- "$kr_cmake.tmp.$$" "$kr_cmake"
fi
cat "$kr_cmake" >>"$log"

step=summary
if [[ -n "$root_time" ]]; then
  size=$(du -sm --one-file-system "$root_dir" | cut -f1)
  how="built in $root_time s, $size MiB"
else
  how="cache hit"
fi
summary="kernel-root: $SUITE $rel $how at $root ($p2pdma), $kr_cmake, $(elapsed "$t_start") s"
note "$summary"
if ((!summary_only)); then
  printf 'root     %s\n' "$root"
  printf 'release  %s\n' "$rel"
  printf 'image    %s\n' "$image"
  printf 'config   %s\n' "$config"
  printf 'modules  %s\n' "$root/usr/lib/modules/$rel"
  printf 'headers  %s (in the root: %s)\n' "$root$headers" "$headers"
fi
echo "$summary"
