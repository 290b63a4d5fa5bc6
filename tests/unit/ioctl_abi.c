// SPDX-License-Identifier: MIT
/*
 * Pins the ioctl ABI shared by phoenix-fs and libphxfs: every size, offset
 * and command number. A change here breaks binaries already in the field,
 * so it must be deliberate: append members, never move them.
 */
#define _GNU_SOURCE
#include "../common/phxcheck.h"

#include <stddef.h>

#include <phxfs/phxfs_ioctl.h>

/* A pinned number: @got must be @want. */
#define expect(what, got, want)					\
	do {								\
		unsigned long got_ = (got), want_ = (want);		\
		PT_CHECK(got_ == want_, "%s: %lu (%#lx), expected %lu (%#lx)", \
			 what, got_, got_, want_, want_);		\
	} while (0)

#define SIZE(type, n) expect("sizeof(" #type ")", sizeof(type), n)
#define OFF(type, m, n) expect("offsetof(" #type ", " #m ")", offsetof(type, m), n)
#define CMD(c, n) expect(#c, (unsigned long)(c), n)

int main(void)
{
	pt_init("ioctl_abi");
	SIZE(struct phxfs_version, 24);
	OFF(struct phxfs_version, abi_major, 0);
	OFF(struct phxfs_version, abi_minor, 4);
	OFF(struct phxfs_version, features, 8);
	OFF(struct phxfs_version, flags, 16);
	OFF(struct phxfs_version, pad, 20);

	SIZE(struct phxfs_dev_info, 64);
	OFF(struct phxfs_dev_info, provider, 0);
	OFF(struct phxfs_dev_info, page_shift, 4);
	OFF(struct phxfs_dev_info, mem_size, 8);
	OFF(struct phxfs_dev_info, bus_addr, 16);
	OFF(struct phxfs_dev_info, flags, 24);
	OFF(struct phxfs_dev_info, pad, 28);
	OFF(struct phxfs_dev_info, name, 32);

	SIZE(struct phxfs_map, 48);
	OFF(struct phxfs_map, dev_addr, 0);
	OFF(struct phxfs_map, length, 8);
	OFF(struct phxfs_map, user_addr, 16);
	OFF(struct phxfs_map, flags, 24);
	OFF(struct phxfs_map, pad, 28);
	OFF(struct phxfs_map, handle, 32);
	OFF(struct phxfs_map, map_offset, 40);

	SIZE(struct phxfs_unmap, 16);
	OFF(struct phxfs_unmap, handle, 0);
	OFF(struct phxfs_unmap, flags, 8);
	OFF(struct phxfs_unmap, pad, 12);

	SIZE(struct phxfs_query, 16);
	OFF(struct phxfs_query, handle, 0);
	OFF(struct phxfs_query, state, 8);
	OFF(struct phxfs_query, flags, 12);

	/* _IOWR(0xF5, nr, size): direction 3 << 30, size << 16, type << 8. */
	CMD(PHXFS_IOC_VERSION, 0xC018F500UL);
	CMD(PHXFS_IOC_DEV_INFO, 0xC040F501UL);
	CMD(PHXFS_IOC_MAP, 0xC030F502UL);
	CMD(PHXFS_IOC_UNMAP, 0xC010F503UL);
	CMD(PHXFS_IOC_QUERY, 0xC010F504UL);

	expect("PHXFS_ABI_MAJOR", PHXFS_ABI_MAJOR, 1);
	expect("strlen(PHXFS_DEVNAME_PREFIX)", strlen(PHXFS_DEVNAME_PREFIX), 9);

	return pt_summary();
}
