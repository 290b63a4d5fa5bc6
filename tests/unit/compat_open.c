// SPDX-License-Identifier: MIT
/*
 * phxfs_open() without the module, under each PHXFS_COMPAT (one child
 * process each: the knob is read once): auto and on open in compat mode,
 * where phxfs_regmem() is refused with EOPNOTSUPP; off keeps the seed
 * API's ENODEV. The ordinal is checked against the device count where the
 * runtime has one (a fake reporting 2 here), and taken as is where not.
 */
#define _GNU_SOURCE
#include "iotest.h"

#include <sys/wait.h>

#include <phxfs/phxfs.h>

#include "memops.h"

static int two_devices(void)
{
	return 2;
}

static int no_device_memory(const void *p, size_t len,
			    enum phxfs_mem_kind *kind, void **ctx)
{
	(void)p;
	(void)len;
	(void)ctx;
	*kind = PHXFS_MEM_HOST;
	return 0;
}

static const struct phxfs_mem_ops two_gpus = {
	.device_count = two_devices,
	.classify = no_device_memory,
};

static void compat_device(int id)
{
	char buf[8192];
	void *target = NULL;

	PT_CHECK(phxfs_open(id) == 0, "open(%d): %s", id, strerror(errno));
	PT_CHECK(phxfs_open(id) == 0, "open(%d) again", id);
	PT_CHECK(phxfs_mode(id) == PHXFS_MODE_COMPAT, "mode(%d): %d", id,
	      phxfs_mode(id));
	PT_CHECK_ERR(phxfs_regmem(id, buf, sizeof(buf), &target), EOPNOTSUPP);
	PT_CHECK(!target, "regmem wrote target_addr on failure");
	PT_CHECK_ERR(phxfs_deregmem(id, buf, sizeof(buf)), ENOENT);
	PT_CHECK_ERR(phxfs_regmem(id, NULL, sizeof(buf), &target), EINVAL);
	/* Compat mode registers nothing. */
	PT_CHECK(phxfs_registered(id, buf, sizeof(buf)) == 0, "registered(%d)", id);
	PT_CHECK_ERR(phxfs_registered(id, NULL, 1), EINVAL);
	PT_CHECK_ERR(phxfs_registered(id, buf, 0), EINVAL);
	PT_CHECK_ERR(phxfs_registered(id, (void *)-4096L, 8192), EINVAL);
	PT_CHECK(phxfs_close(id) == 0 && phxfs_close(id) == 0, "close(%d)", id);
	PT_CHECK_ERR(phxfs_close(id), ENODEV);
	PT_CHECK_ERR(phxfs_mode(id), ENODEV);
	PT_CHECK_ERR(phxfs_registered(id, buf, sizeof(buf)), ENODEV);
}

/* The checks of one PHXFS_COMPAT value; runs in a child. */
static void mode_checks(const char *compat, int fake)
{
	int count;

	setenv("PHXFS_COMPAT", compat, 1);
	if (fake)
		phxfs_mem_ops_override(&two_gpus);
	count = phxfs_mem_ops()->device_count();
	PT_CHECK_ERR(phxfs_open(-1), ENODEV);
	PT_CHECK_ERR(phxfs_open(64), ENODEV);
	if (!strcmp(compat, "off")) {
		PT_CHECK_ERR(phxfs_open(0), ENODEV);
		PT_CHECK_ERR(phxfs_mode(0), ENODEV);
		return;
	}
	compat_device(0);
	if (count < 0) {
		compat_device(63);	/* no runtime to ask: any ordinal */
	} else {
		compat_device(count - 1);
		PT_CHECK_ERR(phxfs_open(count), ENODEV);
		PT_CHECK_ERR(phxfs_open(63), ENODEV);
	}
}

static void in_child(const char *compat, int fake)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		mode_checks(compat, fake);
		_exit(pt_failures != 0);
	}
	waitpid(pid, &status, 0);
	PT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "PHXFS_COMPAT=%s%s: failed", compat, fake ? " (2 GPUs)" : "");
}

int main(void)
{
	pt_init("compat_open");
	if (!access("/sys/module/phxfs", F_OK))
		pt_skip("the phoenix-fs module is loaded here");
	in_child("auto", 1);
	in_child("on", 1);
	in_child("off", 1);
	in_child("auto", 0);
	in_child("off", 0);
	if (pt_failures)
		return 1;
	printf("compat open: auto and on open in compat mode, regmem EOPNOTSUPP, nothing registered; off ENODEV\n");
	return 0;
}
