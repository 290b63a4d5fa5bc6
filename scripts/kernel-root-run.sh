#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kernel-root-run.sh: run a command chrooted into a kernel root of scripts/setup-kernel-root.sh,
# with host directories bind-mounted into it.
#
#   scripts/kernel-root-run.sh [--ro HOSTDIR NAME]... [--rw HOSTDIR NAME]... [--cd DIR] \
#       ROOT -- COMMAND [ARG...]
#
# Each HOSTDIR appears in the root as /mnt/NAME (read-only with --ro). Everything is mounted in
# a private mount namespace (unshare -m) on a tmpfs over the root's /mnt, with /proc and the
# host's /dev: nothing is written into the root and nothing stays mounted afterwards. COMMAND
# runs with a clean environment (PATH, HOME=/tmp, LC_ALL=C.UTF-8), in DIR (default /), as the
# calling user (the user sudo was called by, when re-run under sudo -n for want of root).
#
# Example (a module for the root's kernel R):
#   scripts/kernel-root-run.sh --rw "$PWD/mymod" m "$ROOT" -- \
#       make -C /usr/src/linux-headers-R M=/mnt/m modules
set -euo pipefail

prog=${0##*/}
die() { echo "$prog: $*" >&2; exit 2; }

binds=()
cd_dir=/
while [[ $# -gt 0 ]]; do
  case $1 in
    --ro | --rw)
      [[ $# -ge 3 ]] || die "$1 needs HOSTDIR NAME"
      [[ -d $2 ]] || die "$1 $2: not a directory"
      [[ $3 =~ ^[A-Za-z0-9._-]+$ && $3 != . && $3 != .. ]] || die "$1: bad NAME '$3'"
      binds+=("${1#--}" "$(cd -- "$2" && pwd -P)" "$3")
      shift 3
      ;;
    --cd) [[ $# -ge 2 ]] || die "--cd needs DIR"; cd_dir=$2; shift 2 ;;
    -h | --help) sed -n '3,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) die "unknown option '$1'" ;;
    *) break ;;
  esac
done
[[ $# -ge 3 && $2 == -- ]] || die "usage: $prog [--ro|--rw HOSTDIR NAME]... [--cd DIR] ROOT -- COMMAND [ARG...]"
root=$1
shift 2
[[ -x $root/usr/bin/env && -d $root/mnt ]] || die "$root: not a kernel root (scripts/setup-kernel-root.sh makes one)"
root=$(cd -- "$root" && pwd -P)

if [[ $EUID -ne 0 ]]; then
  again=()
  for ((i = 0; i < ${#binds[@]}; i += 3)); do
    again+=("--${binds[i]}" "${binds[i + 1]}" "${binds[i + 2]}")
  done
  exec sudo -n "$0" "${again[@]}" --cd "$cd_dir" "$root" -- "$@"
fi
user=${SUDO_UID:-0}:${SUDO_GID:-0}

# shellcheck disable=SC2016 # expanded by the inner bash
exec unshare --mount --propagation private -- /bin/bash -c '
  set -e
  root=$1 user=$2 cd_dir=$3 n=$4
  shift 4
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  mount -t tmpfs -o mode=755 phxfs-mnt "$root/mnt"
  for ((i = 0; i < n; i++)); do
    mkdir "$root/mnt/$3"
    mount --bind "$2" "$root/mnt/$3"
    if [[ $1 == ro ]]; then mount -o remount,bind,ro "$root/mnt/$3"; fi
    shift 3
  done
  shift   # --
  exec chroot --userspec="$user" "$root" /usr/bin/env -i \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp LC_ALL=C.UTF-8 \
    /bin/sh -c "cd \"\$1\" && shift && exec \"\$@\"" kernel-root-run "$cd_dir" "$@"
' kernel-root-run "$root" "$user" "$cd_dir" $((${#binds[@]} / 3)) "${binds[@]}" -- "$@"
