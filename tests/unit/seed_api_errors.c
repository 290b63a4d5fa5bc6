// SPDX-License-Identifier: MIT
/*
 * The seed API's errors where no device can be opened (no module, or a
 * device number that does not exist): -1 and the documented errno, and
 * nothing left open behind. PHXFS_COMPAT=off: the module or nothing, as
 * the seed API was (compat mode has its own test, unit.compat_open).
 */
#define _GNU_SOURCE
#include "../common/phxcheck.h"

#include <phxfs/phxfs.h>

int main(void)
{
	char buf[64];
	void *target = NULL;

	pt_init("seed_api_errors");
	/* Read at the first call: before it. */
	setenv("PHXFS_COMPAT", "off", 1);
	/* 63 is a valid number the test VMs never create; 64 is out of range. */
	PT_CHECK_ERR(phxfs_open(-1), ENODEV);
	PT_CHECK_ERR(phxfs_open(64), ENODEV);
	PT_CHECK_ERR(phxfs_open(63), ENODEV);
	PT_CHECK_ERR(phxfs_close(63), ENODEV);
	PT_CHECK_ERR(phxfs_close(-5), ENODEV);
	PT_CHECK_ERR(phxfs_regmem(63, buf, sizeof(buf), &target), ENODEV);
	PT_CHECK_ERR(phxfs_deregmem(63, buf, sizeof(buf)), ENODEV);
	PT_CHECK_ERR(phxfs_regmem(63, NULL, 64, &target), EINVAL);
	PT_CHECK_ERR(phxfs_regmem(63, buf, 0, &target), EINVAL);
	PT_CHECK_ERR(phxfs_regmem(63, buf, 64, NULL), EINVAL);
	PT_CHECK_ERR(phxfs_regmem(63, (void *)-4096L, 8192, &target), EINVAL);
	PT_CHECK_ERR(phxfs_deregmem(63, NULL, 64), EINVAL);
	PT_CHECK_ERR(phxfs_deregmem(63, buf, 0), EINVAL);
	PT_CHECK(!target, "target_addr written on failure");
	return pt_summary();
}
