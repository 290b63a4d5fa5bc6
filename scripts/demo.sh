#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is missing, build everything, then boot Debian's
# kernel in QEMU with phoenix-fs, an emulated NVMe drive and an emulated PCI
# device whose BAR stands in for GPU memory, and read 64 MiB from the drive
# straight into that memory with LibPhoenix and O_DIRECT. The host then
# checks, outside the VM, that device memory holds exactly the drive's bytes.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$src/scripts/lib.sh"
build="$(phxfs_build_root "$src")/build"
size=$((64 << 20)) disk_off=$((16 << 20)) bar_off=$((1 << 20))

# Each step's name and seconds, printed at the end.
times=() t_step=$SECONDS
step() {
	[[ -z ${step_name:-} ]] || times+=("$step_name: $((SECONDS - t_step)) s")
	step_name=$1 t_step=$SECONDS
	[[ -z $1 ]] || echo "== $1"
}

step dependencies
"$src/scripts/setup-deps.sh"
step build
"$src/scripts/build.sh" "$build" -DPHXFS_WITH_KMOD=ON -DPHXFS_WITH_VM=ON
# The newest kernel the module was built and can be booted for.
kernels=$(sed -n 's/^PHXFS_BUILT_VM_KERNELS:INTERNAL=//p' "$build/CMakeCache.txt")
release=${kernels##*;}

step "VM: phoenix-fs on Linux $release, pread from NVMe into device memory"
# shellcheck disable=SC2016 # expanded by the harness's host check
check='cmp <(dd if="$PHXVM_DISK_IMAGE" bs=1M skip='$((disk_off >> 20))' count='$((size >> 20))' status=none) \
	   <(dd if="$PHXVM_BAR_FILE" bs=1M skip='$((bar_off >> 20))' count='$((size >> 20))' status=none) &&
	echo "host: the BAR backing file holds exactly the drive image bytes ('$((size >> 20))' MiB at drive offset '$((disk_off >> 20))' MiB)"'
"$src/tests/vm/phxvm" --kernel-release "$release" --name demo \
	--kmod "$build/kmod/$release/phxfs.ko" --bar-size 128M --disk-size 256M \
	--work-dir "$build/vm" --host-check "$check" -- \
	"$build/examples/pci_bar_read" 0 0000:00:04.0 2 /dev/nvme0n1 \
	"$size" "$disk_off" "$bar_off"
step ""
echo "== time per step"
printf '  %s\n' "${times[@]}"
