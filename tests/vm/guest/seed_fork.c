// SPDX-License-Identifier: MIT
/*
 * fork() with live registrations. The child gets none of them: the target
 * address faults (SIGSEGV), O_DIRECT I/O into it fails with EFAULT and
 * changes no byte of device memory, and the inherited file of
 * /dev/phxfs_dev0 refuses MAP, UNMAP, QUERY and mmap (EACCES), so the
 * library state copied into the child cannot touch the parent's
 * registration. The parent's registration stays live and keeps working.
 * When the registering process exits first while its child still holds the
 * file, the registration goes with the registrant's address space. Each
 * transfer is compared in the guest with a plain O_DIRECT read into host
 * memory; the final contents go to the host check as REGION lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <phxfs/phxfs.h>
#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"

#define MIB (1UL << 20)
#define REG_LEN (8 * MIB)

/* BAR and disk offsets of the two scenarios. */
#define LIVE_BAR_OFF (0 * MIB)
#define LIVE_DISK_OFF (16 * MIB)	/* read before fork() */
#define LIVE_DISK_OFF2 (64 * MIB)	/* read after the child is gone */
#define ORPHAN_BAR_OFF (16 * MIB)
#define ORPHAN_DISK_OFF (128 * MIB)

static unsigned char *bar;
static int nvme;

/* What the drive holds at @disk_off, read into host memory. */
static unsigned char *host_read(size_t disk_off)
{
	unsigned char *host;

	if (posix_memalign((void **)&host, 4096, REG_LEN))
		pt_fail("no host memory");
	if (pread(nvme, host, REG_LEN, (off_t)disk_off) != (ssize_t)REG_LEN)
		pt_fail("pread into host memory: %s", strerror(errno));
	return host;
}

static void expect_bar(size_t bar_off, const unsigned char *want,
		       const char *when)
{
	if (memcmp(bar + bar_off, want, REG_LEN))
		pt_fail("%s: device memory at %zu holds other bytes", when,
			bar_off);
}

/* pread of REG_LEN bytes into @target, checked against host memory. */
static void read_into(void *target, size_t bar_off, size_t disk_off)
{
	unsigned char *want = host_read(disk_off);
	ssize_t n;

	memset(bar + bar_off, 0xa5, REG_LEN);
	n = pread(nvme, target, REG_LEN, (off_t)disk_off);
	if (n != (ssize_t)REG_LEN)
		pt_fail("pread into the target: %zd (%s)", n,
			n < 0 ? strerror(errno) : "short");
	expect_bar(bar_off, want, "after pread into the target");
	free(want);
}

/* The inherited descriptor of /dev/phxfs_dev0, found as a user would. */
static int phxfs_fd(void)
{
	struct dirent *de;
	char link[64];
	int found = -1;
	ssize_t n;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		pt_fail("opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d)) != NULL) {
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, "/dev/" PHXFS_DEVNAME_PREFIX "0"))
			found = atoi(de->d_name);
	}
	closedir(d);
	if (found < 0)
		pt_fail("no descriptor of /dev/" PHXFS_DEVNAME_PREFIX "0");
	return found;
}

static int query(int fd, uint64_t handle, uint32_t *state)
{
	struct phxfs_query q = { .handle = handle };
	int ret = ioctl(fd, PHXFS_IOC_QUERY, &q);

	*state = q.state;
	return ret;
}

/* Every way into the module through a file another process opened. */
static void expect_file_refused(int fd, uint64_t handle, void *dev_addr)
{
	struct phxfs_map map = {
		.dev_addr = (uintptr_t)dev_addr,
		.length = 4096,
		.user_addr = (uintptr_t)dev_addr,
	};
	struct phxfs_unmap unmap = { .handle = handle };
	uint32_t state;
	void *p;

	PHXTEST_EXPECT_ERR(ioctl(fd, PHXFS_IOC_MAP, &map), EACCES);
	PHXTEST_EXPECT_ERR(ioctl(fd, PHXFS_IOC_UNMAP, &unmap), EACCES);
	PHXTEST_EXPECT_ERR(query(fd, handle, &state), EACCES);
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED || errno != EACCES)
		pt_fail("mmap of the inherited file: %p, errno %d (%s), expected EACCES",
			p, errno, strerror(errno));
}

static sigjmp_buf fault_jmp;
static void *volatile fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(fault_jmp, 1);
}

/* A read (or write) of @p must fault with SIGSEGV at @p. */
static void expect_segv(volatile unsigned char *p, int write)
{
	struct sigaction sa = { .sa_sigaction = on_segv,
				.sa_flags = SA_SIGINFO };
	unsigned char v = 0;

	sigaction(SIGSEGV, &sa, NULL);
	fault_addr = NULL;
	if (!sigsetjmp(fault_jmp, 1)) {
		if (write)
			*p = 0x5a;
		else
			v = *p;
		pt_fail("%s of the parent's target did not fault (read %#x)",
			write ? "write" : "read", v);
	}
	signal(SIGSEGV, SIG_DFL);
	if (fault_addr != (void *)p || fault_code != SEGV_MAPERR)
		pt_fail("fault at %p code %d, expected %p SEGV_MAPERR",
			fault_addr, fault_code, (void *)p);
}

/* The child of a process with a live registration of [bar, bar + REG_LEN). */
static void child_of_registrant(unsigned char *target, uint64_t handle,
				const unsigned char *want)
{
	pt_name = "seed_fork (child)";

	/* (a) VM_DONTCOPY: the target is not even mapped here. */
	expect_segv(target, 0);
	expect_segv(target + REG_LEN - 1, 1);

	/* (b) Nothing to pin: EFAULT, and device memory is untouched. */
	PHXTEST_EXPECT_ERR(pread(nvme, target, REG_LEN, LIVE_DISK_OFF2),
			   EFAULT);
	expect_bar(LIVE_BAR_OFF, want, "child's pread into the target");

	/* (c) The module, asked directly, refuses this process. */
	expect_file_refused(phxfs_fd(), handle, bar + LIVE_BAR_OFF);
	/* The library's copied table cannot undo the parent's registration. */
	if (!phxfs_deregmem(0, bar + LIVE_BAR_OFF, REG_LEN))
		pt_fail("child deregistered the parent's range");

	/* (d) No cleanup: exit closes the inherited file. */
	_exit(0);
}

static void fork_with_live_mapping(void)
{
	unsigned char *target, *want;
	uint32_t state;
	int fd, status;
	pid_t pid;

	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar + LIVE_BAR_OFF, REG_LEN,
				(void **)&target));
	read_into(target, LIVE_BAR_OFF, LIVE_DISK_OFF);
	want = host_read(LIVE_DISK_OFF);

	/* The file is fresh: its first mapping has the module's handle 1. */
	fd = phxfs_fd();
	if (query(fd, 1, &state) || state != PHXFS_MAP_LIVE)
		pt_fail("handle 1: %s, state %u", strerror(errno), state);

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		pt_fail("fork: %s", strerror(errno));
	if (pid == 0)
		child_of_registrant(target, 1, want);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		pt_fail("child failed (status %#x)", status);

	/* The child's exit closed its copy of the file, not ours. */
	phxtest_expect_counters(1, REG_LEN, "after the child exited");
	if (query(fd, 1, &state) || state != PHXFS_MAP_LIVE)
		pt_fail("after the child: handle 1: %s, state %u",
			strerror(errno), state);
	expect_bar(LIVE_BAR_OFF, want, "after the child exited");
	read_into(target, LIVE_BAR_OFF, LIVE_DISK_OFF2);
	PT_OK(phxfs_deregmem(0, bar + LIVE_BAR_OFF, REG_LEN));
	PT_OK(phxfs_close(0));
	phxtest_expect_counters(0, 0, "after deregmem and close");
	printf("REGION %lu %lu %lu read\n", LIVE_BAR_OFF, LIVE_DISK_OFF2,
	       REG_LEN);
	free(want);
}

/*
 * main -> registrant -> holder. The registrant exits with its registration
 * live right after fork(); the holder, reparented to main (a subreaper),
 * still holds the file. @ready: holder -> main, its checks are done;
 * @go: main -> holder, exit now.
 */
static void registrant(pid_t main_pid, int ready, int go)
{
	void *target;
	pid_t pid;
	char c;

	pt_name = "seed_fork (registrant)";
	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar + ORPHAN_BAR_OFF, REG_LEN, &target));
	read_into(target, ORPHAN_BAR_OFF, ORPHAN_DISK_OFF);
	printf("REGION %lu %lu %lu read\n", ORPHAN_BAR_OFF, ORPHAN_DISK_OFF,
	       REG_LEN);
	fflush(stdout);

	pid = fork();
	if (pid < 0)
		pt_fail("fork: %s", strerror(errno));
	if (pid)
		_exit(0);	/* first, without cleanup */

	pt_name = "seed_fork (holder)";
	/* Reparented once the registrant is gone, and its mm with it. */
	while (getppid() != main_pid)
		usleep(1000);
	phxtest_expect_counters(0, 0, "registrant gone, holder keeps its file");
	expect_file_refused(phxfs_fd(), 1, bar + ORPHAN_BAR_OFF);
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1)
		pt_fail("pipe to main: %s", strerror(errno));
	_exit(0);
}

static void registrant_exits_first(void)
{
	int ready[2], go[2], status;
	pid_t pid, holder;
	char c;

	/* The holder outlives its parent: let it come back to us. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		pt_fail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	if (pipe(ready) || pipe(go))
		pt_fail("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		pt_fail("fork: %s", strerror(errno));
	if (pid == 0)
		registrant(getppid(), ready[1], go[0]);
	close(ready[1]);
	close(go[0]);

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		pt_fail("registrant failed (status %#x)", status);
	/* EOF instead: the holder failed; its status says why below. */
	if (read(ready[0], &c, 1) == 1)
		phxtest_expect_counters(0, 0, "registrant reaped, holder alive");
	if (write(go[1], "g", 1) != 1 && errno != EPIPE)
		pt_fail("pipe to the holder: %s", strerror(errno));
	holder = waitpid(-1, &status, 0);
	if (holder < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		pt_fail("holder failed (status %#x)", status);
	close(ready[0]);
	close(go[1]);
	phxtest_expect_counters(0, 0, "registrant and holder both gone");
}

int main(void)
{
	size_t bar_size;

	pt_name = "seed_fork";
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < ORPHAN_BAR_OFF + REG_LEN)
		pt_fail("BAR too small");
	nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT);
	if (nvme < 0)
		pt_fail("open nvme: %s", strerror(errno));
	/* A write to the holder after it died must fail, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	fork_with_live_mapping();
	pt_note("child: SIGSEGV, EFAULT, EACCES; the parent's registration intact");
	registrant_exits_first();
	pt_note("registrant exited first: its registration went with its mm");
	close(nvme);
	return 0;
}
