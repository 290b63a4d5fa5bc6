// SPDX-License-Identifier: MIT
/*
 * kmod_unload - phxfs unloads when unused and refuses while its device is
 * open. Loads the module itself (phxvm --kmod PATH --no-insmod):
 *
 *   load, unload while closed: works, /dev/phxfs_dev0 goes away;
 *   load, open /dev/phxfs_dev0, unload: refused (EAGAIN/EBUSY from
 *   delete_module, "in use" from rmmod), the open file still works;
 *   close, unload: works, the device node and /sys/module/phxfs are gone.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <phxfs/phxfs_ioctl.h>

#include "vmtest.h"

#define MODULE_NAME "phxfs"
#define DEV_PATH "/dev/" PHXFS_DEVNAME_PREFIX "0"

extern char **environ;

static void load(const char *kmod, const char *args)
{
	int fd = open(kmod, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		pt_fail("open %s: %s", kmod, strerror(errno));
	if (syscall(SYS_finit_module, fd, args, 0) < 0)
		pt_fail("finit_module %s '%s': %s", kmod, args, strerror(errno));
	close(fd);
	if (!vmtest_wait_exists(DEV_PATH, 1))
		pt_fail("%s did not appear after loading %s", DEV_PATH, MODULE_NAME);
}

/* delete_module as rmmod(8) does it: 0 or -1 with errno. */
static int unload(void)
{
	return (int)syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK);
}

static void unload_ok(const char *when)
{
	if (unload() < 0)
		pt_fail("unloading %s %s: %s", MODULE_NAME, when, strerror(errno));
	if (!vmtest_wait_exists(DEV_PATH, 0))
		pt_fail("%s still exists after unloading %s", DEV_PATH, MODULE_NAME);
	if (vmtest_exists("/sys/module/" MODULE_NAME))
		pt_fail("/sys/module/%s still exists after unloading", MODULE_NAME);
}

/* Exit status of "rmmod phxfs". */
static int run_rmmod(void)
{
	char *argv[] = { "rmmod", MODULE_NAME, NULL };
	pid_t pid;
	int err, status;

	err = posix_spawnp(&pid, "rmmod", NULL, NULL, argv, environ);
	if (err)
		pt_fail("spawning rmmod: %s", strerror(err));
	if (waitpid(pid, &status, 0) < 0)
		pt_fail("waitpid rmmod: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	const char *kmod = vmtest_env("PHXVM_KMOD");
	const char *args = getenv("PHXVM_KMOD_ARGS");
	struct phxfs_version ver;
	int fd, rc;

	pt_name = "kmod_unload";
	if (!args)
		args = "";
	if (vmtest_exists("/sys/module/" MODULE_NAME))
		pt_fail("%s is loaded already: run with phxvm --kmod PATH --no-insmod",
			MODULE_NAME);

	load(kmod, args);
	unload_ok("while its device is closed");
	pt_note("load, unload while closed: ok, %s removed", DEV_PATH);

	load(kmod, args);
	fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		pt_fail("open %s: %s", DEV_PATH, strerror(errno));
	if (unload() == 0)
		pt_fail("%s unloaded while %s is open", MODULE_NAME, DEV_PATH);
	if (errno != EAGAIN && errno != EBUSY)
		pt_fail("delete_module while open: %s, expected EAGAIN or EBUSY",
			strerror(errno));
	pt_note("delete_module while open: refused (%s)", strerrorname_np(errno));
	rc = run_rmmod();
	if (rc == 0)
		pt_fail("rmmod %s succeeded while %s is open", MODULE_NAME, DEV_PATH);
	if (!vmtest_exists("/sys/module/" MODULE_NAME) ||
	    !vmtest_exists(DEV_PATH))
		pt_fail("%s or %s gone after a refused unload", MODULE_NAME, DEV_PATH);
	memset(&ver, 0, sizeof(ver));
	if (ioctl(fd, PHXFS_IOC_VERSION, &ver) < 0)
		pt_fail("VERSION on the open file after a refused unload: %s",
			strerror(errno));
	pt_note("rmmod while open: refused (exit %d), open file still works", rc);

	if (close(fd) < 0)
		pt_fail("close %s: %s", DEV_PATH, strerror(errno));
	unload_ok("after the last close");
	pt_note("unload after close: ok, %s and /sys/module/%s removed", DEV_PATH,
		MODULE_NAME);
	pt_note("PASS");
	return 0;
}
