// SPDX-License-Identifier: MIT
/*
 * The seed API's errors against the real module: every errno of phxfs.h
 * that a wrong call can provoke, and no mapping or pinned byte left over.
 */
#define _GNU_SOURCE
#include <phxfs/phxfs.h>

#include "phxtest.h"

int main(void)
{
	size_t bar_size;
	unsigned char *bar;
	char host_buf[8192];
	void *t1, *t2;

	pt_name = "seed_errors";
	bar = phxtest_map_bar(&bar_size);

	PHXTEST_EXPECT_ERR(phxfs_regmem(0, bar, 4096, &t1), ENODEV);
	PHXTEST_EXPECT_ERR(phxfs_open(1), ENODEV);
	PT_OK(phxfs_open(0));
	PT_OK(phxfs_open(0));			/* counted */

	PHXTEST_EXPECT_ERR(phxfs_regmem(0, NULL, 4096, &t1), EINVAL);
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, bar, 0, &t1), EINVAL);
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, bar, 4096, NULL), EINVAL);
	/* Host memory is not device memory. */
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, host_buf, sizeof(host_buf), &t1),
			   EINVAL);
	/* Past the end of this process's mapping of the BAR. */
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, bar + bar_size - 4096, 8192, &t1),
			   EFAULT);
	/* Not mapped at all. */
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, (void *)4096, 4096, &t1), EFAULT);

	PT_OK(phxfs_regmem(0, bar + 8192, 16384, &t1));
	/* Double registration, and every kind of overlap. */
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, bar + 8192, 16384, &t2), EINVAL);
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, bar + 4096, 8192, &t2), EINVAL);
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, bar + 20480, 8192, &t2), EINVAL);
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, bar + 12288, 512, &t2), EINVAL);
	/* Adjacent ranges are fine, sub-page offsets too. */
	PT_OK(phxfs_regmem(0, bar + 24576, 4096, &t2));
	if ((uintptr_t)t2 % 4096)
		pt_fail("page-aligned memory got an unaligned target");
	PT_OK(phxfs_deregmem(0, bar + 24576, 4096));
	PT_OK(phxfs_regmem(0, bar + 40960 + 512, 1024, &t2));
	if ((uintptr_t)t2 % 4096 != 512)
		pt_fail("target does not keep the sub-page offset");
	if (phxtest_counter("mappings") != 2)
		pt_fail("module counts %lld mappings, expected 2",
			phxtest_counter("mappings"));

	/* Deregistration must name exactly what was registered. */
	PHXTEST_EXPECT_ERR(phxfs_deregmem(0, bar + 8192, 4096), ENOENT);
	PHXTEST_EXPECT_ERR(phxfs_deregmem(0, bar + 12288, 4096), ENOENT);
	PHXTEST_EXPECT_ERR(phxfs_deregmem(0, bar + 65536, 4096), ENOENT);
	PHXTEST_EXPECT_ERR(phxfs_deregmem(0, NULL, 4096), EINVAL);
	PT_OK(phxfs_deregmem(0, bar + 8192, 16384));
	PHXTEST_EXPECT_ERR(phxfs_deregmem(0, bar + 8192, 16384), ENOENT);

	/* The first close keeps the device; the last releases everything. */
	PT_OK(phxfs_close(0));
	if (phxtest_counter("mappings") != 1)
		pt_fail("the first of two closes dropped mappings");
	PT_OK(phxfs_close(0));
	PHXTEST_EXPECT_ERR(phxfs_close(0), ENODEV);
	PHXTEST_EXPECT_ERR(phxfs_deregmem(0, bar + 40960 + 512, 1024), ENODEV);
	if (phxtest_counter("mappings") || phxtest_counter("pinned_bytes"))
		pt_fail("close left %lld mappings, %lld bytes pinned",
			phxtest_counter("mappings"),
			phxtest_counter("pinned_bytes"));
	pt_note("every errno as documented; nothing left mapped");
	return 0;
}
