// SPDX-License-Identifier: MIT
/*
 * The seed API's errors where no device can be opened (no module, or a
 * device number that does not exist): -1 and the documented errno, and
 * nothing left open behind. PHXFS_COMPAT=off: the module or nothing, as
 * the seed API was (compat mode has its own test, unit.compat_open).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <phxfs/phxfs.h>

static int failures;

static void expect_err(const char *what, int ret, int err)
{
	if (ret != -1 || errno != err) {
		fprintf(stderr, "FAIL %s: returned %d errno %d (%s), expected -1 errno %d (%s)\n",
			what, ret, errno, strerror(errno), err, strerror(err));
		failures++;
	}
}

int main(void)
{
	char buf[64];
	void *target = NULL;

	/* Read at the first call: before it. */
	setenv("PHXFS_COMPAT", "off", 1);
	/* 63 is a valid number the test VMs never create; 64 is out of range. */
	errno = 0;
	expect_err("open(-1)", phxfs_open(-1), ENODEV);
	expect_err("open(64)", phxfs_open(64), ENODEV);
	expect_err("open(63)", phxfs_open(63), ENODEV);
	expect_err("close(63) never opened", phxfs_close(63), ENODEV);
	expect_err("close(-5)", phxfs_close(-5), ENODEV);
	expect_err("regmem on a closed device",
		   phxfs_regmem(63, buf, sizeof(buf), &target), ENODEV);
	expect_err("deregmem on a closed device",
		   phxfs_deregmem(63, buf, sizeof(buf)), ENODEV);
	expect_err("regmem NULL addr", phxfs_regmem(63, NULL, 64, &target),
		   EINVAL);
	expect_err("regmem zero length", phxfs_regmem(63, buf, 0, &target),
		   EINVAL);
	expect_err("regmem NULL target", phxfs_regmem(63, buf, 64, NULL),
		   EINVAL);
	expect_err("regmem wrapping range",
		   phxfs_regmem(63, (void *)-4096L, 8192, &target), EINVAL);
	expect_err("deregmem NULL addr", phxfs_deregmem(63, NULL, 64), EINVAL);
	expect_err("deregmem zero length", phxfs_deregmem(63, buf, 0), EINVAL);
	if (target) {
		fprintf(stderr, "FAIL: target_addr written on failure\n");
		failures++;
	}
	if (failures)
		return 1;
	printf("seed API errors: 13 cases, each -1 with the documented errno\n");
	return 0;
}
