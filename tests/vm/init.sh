#!/bin/busybox sh
# shellcheck shell=sh
# SPDX-License-Identifier: MIT
#
# /init of the initramfs that tests/vm/phxvm builds. Runs under busybox sh.
#
# It mounts the host's root (shared read-only over 9p) at /host, puts
# proc, sys, dev and tmpfs on /run, /dev/shm into it, loads the NVMe
# driver, and runs one job chrooted into /host. The host's /tmp stays
# visible (read-only, like the rest), so build and source trees may live
# there; the guest's scratch space is a tmpfs of its own, /run/phxvm
# (PHXVM_SCRATCH, also HOME and TMPDIR). It talks to the host only
# through the console: every line meant for the harness starts with
# "PHXVM-<token> ", where <token> comes from the kernel command line. After
# the job it prints the whole kernel log between markers and powers off.
#
# Kernel command line parameters (set by phxvm):
#   phxvm.token=HEX   marker token of this run
#   phxvm.job=PATH    host path of the job file; read over 9p before the
#                     tmpfs covers /host/run. It is sourced and sets:
#     PHXVM_CWD, PHXVM_INSMOD (1: insmod $PHXVM_KMOD before the command,
#     rmmod phxfs after), PHXVM_KMOD, PHXVM_KMOD_ARGS (one string),
#     PHXVM_NAME, PHXVM_BAR_BDF (a BDF, or "auto": the one ivshmem device
#     wherever it is), PHXVM_BAR_INDEX, PHXVM_BAR_SIZE, PHXVM_DISK_SIZE,
#     PHXVM_BOOT, PHXVM_TOPOLOGY, and the command's argv through "set --".
#     "@PHXVM_BAR_BDF@" in PHXVM_KMOD_ARGS becomes the BAR's BDF.
#
# Marker lines (after the prefix): "init uptime=S", "setup-failed: WHY",
# "pci bar=BDF nvme=BDF", "insmod rc=N", "cmd-begin uptime=S", "cmd-end rc=N uptime=S", "rmmod rc=N",
# "dmesg-begin", "dmesg-end".

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /host
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1

TOKEN=
JOB=
read -r cmdline </proc/cmdline
for word in $cmdline; do
	case "$word" in
	phxvm.token=*) TOKEN=${word#phxvm.token=} ;;
	phxvm.job=*) JOB=${word#phxvm.job=} ;;
	esac
done
M="PHXVM-$TOKEN"

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

echo "$M init uptime=$(uptime_s)"

finish() {
	sync
	echo "$M dmesg-begin"
	dmesg
	echo "$M dmesg-end"
	poweroff -f
	sleep 10
	echo "$M setup-failed: poweroff did not stop the VM"
	exit 1
}

fail() {
	echo "$M setup-failed: $*"
	finish
}

if [ -z "$TOKEN" ] || [ -z "$JOB" ]; then
	fail "phxvm.token= or phxvm.job= missing on the kernel command line"
fi

# Modules for virtio, 9p and NVMe, in dependency order (phxvm computed it).
# NVMe probes asynchronously while 9p gets mounted.
while read -r mod; do
	insmod "/phxvm/modules/$mod" || fail "insmod $mod failed"
done </phxvm/modules.list

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host ||
	fail "mounting the host's root over 9p failed"
[ -r "/host$JOB" ] || fail "job file $JOB not readable over 9p"
cp "/host$JOB" /phxvm/job || fail "copying the job file failed"

# The guest's scratch space, in the guest's own /run.
SCRATCH=/run/phxvm
for m in "proc proc /host/proc" "sysfs sysfs /host/sys" "devtmpfs devtmpfs /host/dev" \
	"devpts devpts /host/dev/pts" "tmpfs tmpfs /host/dev/shm mode=1777" \
	"tmpfs tmpfs /host/run mode=755" "tmpfs tmpfs /host$SCRATCH mode=1777"; do
	# shellcheck disable=SC2086 # "type source target [options]"
	set -- $m
	mkdir -p "$3" 2>/dev/null
	mount -t "$1" ${4:+-o "$4"} "$2" "$3" || fail "mounting $1 on $3 failed"
done

ip link set lo up || fail "bringing up lo failed"
hostname phxvm

# shellcheck source=/dev/null
. /phxvm/job || fail "reading the job file failed"

# Run a program chrooted into the host's root, with a clean environment.
in_host() {
	chroot /host /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=$SCRATCH TMPDIR=$SCRATCH LANG=C.UTF-8 TERM=dumb \
		PHXVM_SCRATCH=$SCRATCH \
		PHXVM_NAME="$PHXVM_NAME" \
		PHXVM_NVME=/dev/nvme0n1 \
		PHXVM_NVME_BDF="$PHXVM_NVME_BDF" \
		PHXVM_TOPOLOGY="$PHXVM_TOPOLOGY" \
		PHXVM_BAR_BDF="$PHXVM_BAR_BDF" \
		PHXVM_BAR_INDEX="$PHXVM_BAR_INDEX" \
		PHXVM_BAR_SIZE="$PHXVM_BAR_SIZE" \
		PHXVM_DISK_SIZE="$PHXVM_DISK_SIZE" \
		PHXVM_BOOT="$PHXVM_BOOT" \
		PHXVM_KMOD="$PHXVM_KMOD" \
		PHXVM_KMOD_ARGS="$PHXVM_KMOD_ARGS" \
		"$@"
}

i=0
while [ ! -b /dev/nvme0n1 ]; do
	i=$((i + 1))
	[ "$i" -le 100 ] || fail "/dev/nvme0n1 did not appear within 10 s"
	sleep 0.1
done
size=$(blockdev --getsize64 /dev/nvme0n1)
[ "$size" = "$PHXVM_DISK_SIZE" ] || fail "/dev/nvme0n1 has $size bytes, expected $PHXVM_DISK_SIZE"

# The NVMe controller's PCI function, wherever the topology put it.
PHXVM_NVME_BDF=$(readlink -f /sys/class/nvme/nvme0/device)
PHXVM_NVME_BDF=${PHXVM_NVME_BDF##*/}

# The stand-in device memory must be where the module parameter says; with
# PHXVM_BAR_BDF=auto it is the one ivshmem device, wherever it is.
if [ "$PHXVM_BAR_BDF" = auto ]; then
	PHXVM_BAR_BDF=
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1110 ] || continue
		[ -z "$PHXVM_BAR_BDF" ] || fail "more than one ivshmem device (1af4:1110): $PHXVM_BAR_BDF, ${d##*/}"
		PHXVM_BAR_BDF=${d##*/}
	done
	[ -n "$PHXVM_BAR_BDF" ] || fail "no ivshmem device (1af4:1110) on the PCI bus"
fi
PHXVM_KMOD_ARGS=$(printf '%s' "$PHXVM_KMOD_ARGS" | sed "s/@PHXVM_BAR_BDF@/$PHXVM_BAR_BDF/g")
echo "$M pci bar=$PHXVM_BAR_BDF nvme=${PHXVM_NVME_BDF:-?}"
pdev=/sys/bus/pci/devices/$PHXVM_BAR_BDF
[ "$(cat "$pdev/vendor" 2>/dev/null):$(cat "$pdev/device" 2>/dev/null)" = 0x1af4:0x1110 ] ||
	fail "no ivshmem device (1af4:1110) at $PHXVM_BAR_BDF"
bar=$(sed -n "$((PHXVM_BAR_INDEX + 1))p" "$pdev/resource")
bar_start=${bar%% *}
bar=${bar#* }
bar_end=${bar%% *}
[ $((bar_end - bar_start + 1)) = "$PHXVM_BAR_SIZE" ] ||
	fail "BAR $PHXVM_BAR_INDEX of $PHXVM_BAR_BDF is $bar_start-$bar_end, not $PHXVM_BAR_SIZE bytes"

if [ "$PHXVM_INSMOD" = 1 ]; then
	# PHXVM_KMOD_ARGS is deliberately split into words: module parameters.
	# shellcheck disable=SC2086
	in_host insmod "$PHXVM_KMOD" $PHXVM_KMOD_ARGS
	rc=$?
	echo "$M insmod rc=$rc"
	[ "$rc" = 0 ] || finish
fi

echo "$M cmd-begin uptime=$(uptime_s)"
# shellcheck disable=SC2016 # expanded by the inner sh
in_host /bin/sh -c 'cd "$1" && shift && exec "$@"' phxvm-job "$PHXVM_CWD" "$@"
rc=$?
echo "$M cmd-end rc=$rc uptime=$(uptime_s)"

if [ "$PHXVM_INSMOD" = 1 ]; then
	in_host rmmod phxfs
	echo "$M rmmod rc=$?"
fi
finish
