# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced by the scripts in this directory.

# Where builds go: <source>/build*, except for a source tree under /tmp,
# which the VM tests' guest cannot see (it mounts a fresh tmpfs there).
phxfs_build_root() {
	local src=$1
	case "$src/" in
	/tmp/*) echo "/var/tmp/phoenix-build-$(printf '%s' "$src" | cksum | cut -d' ' -f1)" ;;
	*) echo "$src" ;;
	esac
}
