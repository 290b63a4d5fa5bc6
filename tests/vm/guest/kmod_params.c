// SPDX-License-Identifier: MIT
/*
 * kmod_params - the pci_bar parameter as an administrator writes it:
 *
 *   a device in a PCI domain above 0xffff (VMD puts its devices there)
 *   beside the real one: the module loads, serves the real one and says
 *   the other is not present;
 *   malformed entries (no BAR, BAR 6, a bus above 0xff, junk): the load
 *   fails with EINVAL and nothing is left behind.
 *
 * Loads the module itself (phxvm --kmod PATH --no-insmod).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <phxfs/phxfs_ioctl.h>

#include "vmtest.h"

#define DEV_PATH "/dev/" PHXFS_DEVNAME_PREFIX "0"

static int load(const char *args)
{
	int fd = open(vmtest_env("PHXVM_KMOD"), O_RDONLY | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		pt_fail("open the module: %s", strerror(errno));
	ret = (int)syscall(SYS_finit_module, fd, args, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static void unload(void)
{
	if (syscall(SYS_delete_module, "phxfs", O_NONBLOCK))
		pt_fail("rmmod phxfs: %s", strerror(errno));
}

int main(void)
{
	static const char *const bad[] = {
		"0000:00:04.0", "0000:00:04.0/6", "0000:100:04.0/2",
		"0000:00:20.0/2", "0000:00:04.8/2", "0000:00:04.0/2x",
		"junk",
	};
	const char *bdf, *bar;
	char args[256];
	int ret;

	pt_name = "kmod_params";
	bdf = vmtest_env("PHXVM_BAR_BDF");
	bar = vmtest_env("PHXVM_BAR_INDEX");

	snprintf(args, sizeof(args), "pci_bar=10000:00:04.0/2,%s/%s", bdf,
		 bar);
	if (load(args))
		pt_fail("load '%s': %s (a domain above 0xffff must parse)",
			args, strerror(errno));
	if (!vmtest_wait_exists(DEV_PATH, 1))
		pt_fail("%s did not appear for %s", DEV_PATH, bdf);
	if (system("dmesg | grep -q 'no PCI device 10000:00:04.0'"))
		pt_fail("the kernel log does not say that 10000:00:04.0 is not present");
	unload();
	pt_note("'%s': loaded, %s served, 10000:00:04.0 reported absent",
		args, bdf);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(args, sizeof(args), "pci_bar=%s", bad[i]);
		ret = load(args);
		if (ret == 0 || errno != EINVAL) {
			if (ret == 0)
				unload();
			pt_fail("load '%s': %s, expected EINVAL", args,
				ret ? strerror(errno) : "loaded");
		}
		if (vmtest_exists("/sys/module/phxfs"))
			pt_fail("'%s' refused, but /sys/module/phxfs exists",
				args);
	}
	pt_note("%zu malformed pci_bar values refused with EINVAL",
		sizeof(bad) / sizeof(bad[0]));
	return 0;
}
