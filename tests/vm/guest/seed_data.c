// SPDX-License-Identifier: MIT
/*
 * phxfs_regmem + stock O_DIRECT pread/pwrite on the raw NVMe drive move
 * exactly the right bytes between storage and device memory, for sizes
 * from 4 KiB to 192 MiB, page-aligned and 512-byte-aligned device
 * addresses. Each transfer prints a REGION line; the host check
 * (tests/vm/check_regions.sh) compares the BAR's backing file with the
 * disk image there, outside the VM.
 */
#define _GNU_SOURCE
#include <phxfs/phxfs.h>

#include "phxtest.h"

struct xfer {
	size_t bar_off, disk_off, len;
	int write;	/* device memory -> drive */
};

static const struct xfer xfers[] = {
	{ 0, 0, 4096, 0 },
	{ 64 << 10, 12288, 8192, 0 },
	{ (1 << 20) + 512, 5 << 20, 64 << 10, 0 },	/* 512-byte aligned */
	{ 2 << 20, 1 << 20, 1 << 20, 0 },
	{ 4 << 20, 7 << 20, (16 << 20) + 4096, 0 },
	{ 32 << 20, 64 << 20, 192 << 20, 0 },
	{ 24 << 20, 300 << 20, 4096, 1 },
	{ (25 << 20) + 1536, 310 << 20, (2 << 20) + 512, 1 },
	{ 28 << 20, 320 << 20, 4 << 20, 1 },
};

int main(void)
{
	size_t bar_size, total = 0;
	unsigned char *bar;
	int fd;

	pt_name = "seed_data";
	bar = phxtest_map_bar(&bar_size);
	fd = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT);
	if (fd < 0)
		pt_fail("open nvme: %s", strerror(errno));
	PT_OK(phxfs_open(0));

	for (size_t i = 0; i < sizeof(xfers) / sizeof(xfers[0]); i++) {
		const struct xfer *x = &xfers[i];
		void *target;
		ssize_t n;

		if (x->bar_off + x->len > bar_size)
			pt_fail("transfer %zu does not fit the BAR", i);
		/* Device memory starts different from what must land there. */
		phxfs_pattern_fill(bar + x->bar_off, x->len, 0x1234 + i, 0);
		PT_OK(phxfs_regmem(0, bar + x->bar_off, x->len, &target));
		if (x->write)
			n = pwrite(fd, target, x->len, (off_t)x->disk_off);
		else
			n = pread(fd, target, x->len, (off_t)x->disk_off);
		if (n != (ssize_t)x->len)
			pt_fail("%s of %zu bytes: %zd (%s)",
				x->write ? "pwrite" : "pread", x->len, n,
				n < 0 ? strerror(errno) : "short");
		PT_OK(phxfs_deregmem(0, bar + x->bar_off, x->len));
		printf("REGION %zu %zu %zu %s\n", x->bar_off, x->disk_off,
		       x->len, x->write ? "write" : "read");
		total += x->len;
	}
	PT_OK(phxfs_close(0));
	if (phxtest_counter("mappings") || phxtest_counter("pinned_bytes"))
		pt_fail("mappings left behind");
	pt_note("%zu transfers, %zu MiB between NVMe and device memory",
		sizeof(xfers) / sizeof(xfers[0]), total >> 20);
	return 0;
}
