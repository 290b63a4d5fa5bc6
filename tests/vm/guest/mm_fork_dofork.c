// SPDX-License-Identifier: MIT
/*
 * fork() after madvise(MADV_DOFORK) on a VMA that PHXFS_IOC_MAP filled.
 * MADV_DOFORK takes VM_DONTCOPY away, so the child gets a copy of the VMA:
 * the copy must have no pages. In the child, touching the address raises
 * SIGBUS and an O_DIRECT pread into it fails with EFAULT, and no byte of
 * device memory changes. The child's exit leaves the parent's mapping
 * live: QUERY says PHXFS_MAP_LIVE, the counters are unchanged and O_DIRECT
 * into it still lands, until the parent unmaps it. MADV_WIPEONFORK is
 * refused (the VMA is file-backed) and, like MADV_KEEPONFORK, changes
 * nothing. Every transfer is compared with what the drive holds, read into
 * host memory.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "mmtest.h"

#define MIB (1UL << 20)
#define MAP_LEN (2 * MIB)
#define BAR_OFF (8 * MIB)
#define DISK_BEFORE (16 * MIB)	/* read by the parent before fork() */
#define DISK_CHILD (32 * MIB)	/* what the child tries to read */
#define DISK_AFTER (48 * MIB)	/* read by the parent after the child */

static unsigned char *bar;
static int nvme, node;

/* What the counters say now. */
static void expect_counters(long long mappings, long long bytes,
			    const char *when)
{
	mmtest_expect_counters(mappings, bytes, MMTEST_ANY, 0, when);
}

/* After a release: the counters may take a moment to get there. */
static void expect_counters_soon(long long mappings, long long bytes,
				 const char *when)
{
	mmtest_expect_counters(mappings, bytes, MMTEST_ANY, 5, when);
}

static void expect_bar(const unsigned char *want, const char *when)
{
	for (size_t i = 0; i < MAP_LEN; i++)
		if (bar[BAR_OFF + i] != want[i]) {
			mmtest_failed("%s: device memory changed at byte %zu (%#x, expected %#x)",
				      when, i, bar[BAR_OFF + i], want[i]);
			return;
		}
}

/* O_DIRECT pread into @target must land in the BAR; returns the data. */
static unsigned char *read_lands(unsigned char *target, off_t disk_off,
				 const char *when)
{
	return mmtest_read_lands(nvme, target, bar + BAR_OFF, MAP_LEN,
				 disk_off, when);
}

/* A read (or write) of @p must raise SIGBUS at @p. */
static void expect_sigbus(volatile unsigned char *p, int write)
{
	mmtest_expect_fault(p, write, SIGBUS, "the copied target");
}

/* The child: its copy of the VMA must reach no device memory. */
static void child(unsigned char *target, const unsigned char *want)
{
	ssize_t n;

	pt_name = "mm_fork_dofork (child)";
	pt_failures = 0;	/* its own verdict, not the parent's so far */
	expect_sigbus(target, 0);
	expect_sigbus(target + MAP_LEN / 2, 0);
	expect_sigbus(target + MAP_LEN - 1, 1);
	errno = 0;
	n = pread(nvme, target, MAP_LEN, DISK_CHILD);
	if (n != -1 || errno != EFAULT)
		mmtest_failed("O_DIRECT pread into the copied target: %zd (%s), expected EFAULT",
			      n, n < 0 ? strerror(errno) : "read");
	/* The child shares the parent's view of the BAR. */
	expect_bar(want, "after the child's accesses");
	_exit(pt_failures ? 1 : 0);
}

/* MADV_WIPEONFORK / MADV_KEEPONFORK: refused or harmless, never a change. */
static void fork_advice(unsigned char *target, uint64_t handle,
			const unsigned char *want)
{
	errno = 0;
	if (madvise(target, MAP_LEN, MADV_WIPEONFORK) != -1 ||
	    errno != EINVAL)
		mmtest_failed("MADV_WIPEONFORK: errno %d (%s), expected EINVAL",
			      errno, strerror(errno));
	errno = 0;
	if (madvise(target, MAP_LEN, MADV_KEEPONFORK) && errno != EINVAL)
		mmtest_failed("MADV_KEEPONFORK: %s, expected success or EINVAL",
			      strerror(errno));
	else
		pt_note("MADV_KEEPONFORK: %s", errno ? strerror(errno) :
			"accepted (it only clears VM_WIPEONFORK)");
	mmtest_expect_live(node, handle, "after WIPEONFORK/KEEPONFORK");
	expect_counters(1, MAP_LEN, "after WIPEONFORK/KEEPONFORK");
	expect_bar(want, "after WIPEONFORK/KEEPONFORK");
	if (memcmp(target, want, MAP_LEN))
		mmtest_failed("after WIPEONFORK/KEEPONFORK: the target shows other bytes");
}

int main(void)
{
	unsigned char *vma, *target, *want;
	uint64_t handle, map_offset;
	int status;
	pid_t pid;

	pt_name = "mm_fork_dofork";
	mmtest_go_on = 1;	/* one run shows every difference */
	bar = mmtest_map_bar(BAR_OFF + MAP_LEN);
	nvme = mmtest_open_nvme(O_RDWR);
	node = mmtest_open_node();
	vma = mmtest_vma(node, MAP_LEN, 0);
	if (mmtest_map(node, bar + BAR_OFF, MAP_LEN, vma, &handle, &map_offset))
		pt_fail("MAP: %s", strerror(errno));
	target = vma + map_offset;

	want = read_lands(target, DISK_BEFORE, "before fork");
	if (pt_failures)
		pt_fail("the mapping does not work even before fork()");
	fork_advice(target, handle, want);

	/* No VM_DONTCOPY: fork() copies the VMA, and unless stopped its PTEs. */
	if (madvise(target, MAP_LEN, MADV_DOFORK))
		pt_fail("MADV_DOFORK: %s", strerror(errno));
	pid = phxtest_fork();
	if (pid == 0)
		child(target, want);
	if (waitpid(pid, &status, 0) != pid)
		pt_fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		mmtest_failed("the child's checks failed (status %#x)", status);

	/* The child and its copy are gone; the parent's mapping is not. */
	expect_bar(want, "after the child exited");
	expect_counters(1, MAP_LEN, "after the child exited");
	mmtest_expect_live(node, handle, "after the child exited");
	if (memcmp(target, want, MAP_LEN))
		mmtest_failed("after the child exited: the target shows other bytes");
	free(want);
	free(read_lands(target, DISK_AFTER, "after the child exited"));

	if (mmtest_unmap(node, handle))
		mmtest_failed("UNMAP after the child exited: %s",
			      strerror(errno));
	expect_counters_soon(0, 0, "after the parent's UNMAP");
	if (munmap(vma, MAP_LEN))
		mmtest_failed("munmap: %s", strerror(errno));
	close(node);
	expect_counters_soon(0, 0, "after munmap and close");
	close(nvme);
	mmtest_check_flaws();
	pt_note("the child's copy had no pages (SIGBUS, EFAULT, no byte changed); the parent's mapping stayed live");
	return 0;
}
