/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * phxfs_ioctl.h - the one ioctl ABI between phoenix-fs (kmod/) and libphxfs.
 *
 * Both sides include this file; nothing else defines the ABI.
 *
 * Rules that keep it stable:
 *  - Only fixed-width types, every member 8-byte aligned by explicit padding,
 *    every struct a multiple of 8 bytes, identical on 32- and 64-bit.
 *  - Each command encodes its struct with _IOWR, so its size is part of the
 *    command number. A struct grows only by appending members; the module
 *    dispatches on the command's number, accepts any size from the first
 *    published one up to its own and zero-fills what an older caller did not
 *    send, so old libraries keep working with new modules.
 *  - Every "flags" member must be 0 today (EINVAL otherwise), so new flags
 *    can be given meaning later without surprising old modules.
 *  - PHXFS_ABI_MAJOR changes only when an old library can no longer work;
 *    libphxfs refuses a module with another major (EPROTO), loudly.
 */
#ifndef PHXFS_IOCTL_H
#define PHXFS_IOCTL_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define PHXFS_ABI_MAJOR		1
#define PHXFS_ABI_MINOR		0

/* Character devices are /dev/PHXFS_DEVNAME_PREFIX<N>. */
#define PHXFS_DEVNAME_PREFIX	"phxfs_dev"

#define PHXFS_IOCTL_TYPE	0xF5

/* Bits of phxfs_version.features. */
#define PHXFS_FEATURE_MAP	_BITULL(0)	/* MAP, UNMAP and QUERY work */

/* Memory providers, as reported by PHXFS_IOC_DEV_INFO. */
#define PHXFS_PROVIDER_NONE	0
#define PHXFS_PROVIDER_NVIDIA	1	/* nvidia_p2p_get_pages, 64 KiB */
#define PHXFS_PROVIDER_PCI_BAR	2	/* any PCI BAR mapped via sysfs */

/**
 * struct phxfs_version - PHXFS_IOC_VERSION: what the module speaks
 * @abi_major:	out: PHXFS_ABI_MAJOR of the module
 * @abi_minor:	out: PHXFS_ABI_MINOR of the module
 * @features:	out: PHXFS_FEATURE_* bits the module supports
 * @flags:	in: must be 0
 * @pad:	must be 0
 */
struct phxfs_version {
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
	__u32 flags;
	__u32 pad;
};

/**
 * struct phxfs_dev_info - PHXFS_IOC_DEV_INFO: the device behind this node
 * @provider:	out: PHXFS_PROVIDER_*
 * @page_shift:	out: log2 of the provider's pinning granule
 * @mem_size:	out: bytes of device memory the module covers
 * @bus_addr:	out: bus address of that memory (the BAR start)
 * @flags:	in: must be 0
 * @pad:	must be 0
 * @name:	out: NUL-terminated device name, e.g. the PCI address
 */
struct phxfs_dev_info {
	__u32 provider;
	__u32 page_shift;
	__u64 mem_size;
	__u64 bus_addr;
	__u32 flags;
	__u32 pad;
	char name[32];
};

/**
 * struct phxfs_map - PHXFS_IOC_MAP: back a VMA of this device with device memory
 * @dev_addr:	in: device memory address (CUDA pointer for nvidia, the
 *		process's mapping of the BAR for pci-bar)
 * @length:	in: bytes from @dev_addr, > 0
 * @user_addr:	in: start of a VMA this process got from mmap() of this
 *		device node, large enough for the pinned range
 * @flags:	in: must be 0
 * @pad:	must be 0
 * @handle:	out: names the mapping for PHXFS_IOC_UNMAP and PHXFS_IOC_QUERY
 * @map_offset:	out: offset of @dev_addr from @user_addr; the host virtual
 *		address for I/O is @user_addr + @map_offset
 */
struct phxfs_map {
	__u64 dev_addr;
	__u64 length;
	__u64 user_addr;
	__u32 flags;
	__u32 pad;
	__u64 handle;
	__u64 map_offset;
};

/**
 * struct phxfs_unmap - PHXFS_IOC_UNMAP: undo one PHXFS_IOC_MAP
 * @handle:	in: the handle PHXFS_IOC_MAP returned
 * @flags:	in: must be 0
 * @pad:	must be 0
 */
struct phxfs_unmap {
	__u64 handle;
	__u32 flags;
	__u32 pad;
};

/* Values of phxfs_query.state. */
#define PHXFS_MAP_LIVE		1
#define PHXFS_MAP_REVOKED	2	/* device memory freed or device gone */

/**
 * struct phxfs_query - PHXFS_IOC_QUERY: state of one mapping
 * @handle:	in: the handle PHXFS_IOC_MAP returned
 * @state:	out: PHXFS_MAP_*
 * @flags:	in: must be 0
 */
struct phxfs_query {
	__u64 handle;
	__u32 state;
	__u32 flags;
};

#define PHXFS_IOC_VERSION	_IOWR(PHXFS_IOCTL_TYPE, 0x00, struct phxfs_version)
#define PHXFS_IOC_DEV_INFO	_IOWR(PHXFS_IOCTL_TYPE, 0x01, struct phxfs_dev_info)
#define PHXFS_IOC_MAP		_IOWR(PHXFS_IOCTL_TYPE, 0x02, struct phxfs_map)
#define PHXFS_IOC_UNMAP		_IOWR(PHXFS_IOCTL_TYPE, 0x03, struct phxfs_unmap)
#define PHXFS_IOC_QUERY		_IOWR(PHXFS_IOCTL_TYPE, 0x04, struct phxfs_query)

#endif /* PHXFS_IOCTL_H */
