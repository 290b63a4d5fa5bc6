// SPDX-License-Identifier: MIT
/*
 * io_retry_once - a small phxfs_read()/phxfs_write() into registered memory
 * that the single direct call cannot finish (O_DIRECT refuses an offset
 * that is not a multiple of the drive's block) goes down the general path,
 * and gets the right bytes, without the same refused call being issued
 * twice: the test's command runs this under strace and counts the calls.
 *
 *   io_retry_once: register 64 KiB of the BAR, phxfs_read() 4 KiB from
 *   the drive at offset 1 (O_DIRECT), phxfs_write() them back at offset
 *   8193; check the BAR and the drive against plain reads.
 */
#define _GNU_SOURCE
#include <phxfs/phxfs.h>

#include "phxtest.h"

#define REG_LEN (64 << 10)
#define IO_LEN 4096

int main(void)
{
	unsigned char *bar, *want, *back;
	size_t bar_size;
	void *target;
	int nvme, plain;
	ssize_t n;

	pt_name = "io_retry_once";
	bar = phxtest_map_bar(&bar_size);
	nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT);
	plain = open(vmtest_env("PHXVM_NVME"), O_RDWR);
	if (nvme < 0 || plain < 0)
		pt_fail("open %s: %s", vmtest_env("PHXVM_NVME"),
			strerror(errno));
	want = malloc(IO_LEN);
	back = malloc(IO_LEN);
	if (!want || !back || pread(plain, want, IO_LEN, 1) != IO_LEN)
		pt_fail("plain pread: %s", strerror(errno));

	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar, REG_LEN, &target));
	memset(bar, 0x5a, IO_LEN);
	n = phxfs_read(nvme, 0, bar, 0, IO_LEN, 1);
	if (n != IO_LEN)
		pt_fail("phxfs_read of %d bytes at offset 1: %zd (%s)",
			IO_LEN, n, n < 0 ? strerror(errno) : "short");
	if (memcmp(bar, want, IO_LEN))
		pt_fail("the BAR holds other bytes than the drive at offset 1");
	n = phxfs_write(nvme, 0, bar, 0, IO_LEN, 8193);
	if (n != IO_LEN)
		pt_fail("phxfs_write of %d bytes at offset 8193: %zd (%s)",
			IO_LEN, n, n < 0 ? strerror(errno) : "short");
	if (pread(plain, back, IO_LEN, 8193) != IO_LEN ||
	    memcmp(back, want, IO_LEN))
		pt_fail("the drive at offset 8193 holds other bytes than were written");
	PT_OK(phxfs_deregmem(0, bar, REG_LEN));
	PT_OK(phxfs_close(0));
	pt_note("a refused O_DIRECT read and write of registered memory went the general path, bytes right");
	return 0;
}
