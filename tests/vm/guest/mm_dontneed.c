// SPDX-License-Identifier: MIT
/*
 * madvise() on a VMA that PHXFS_IOC_MAP filled: MADV_DONTNEED, and on a
 * fresh mapping each MADV_FREE, MADV_REMOVE, MADV_COLD, MADV_PAGEOUT and
 * MADV_HUGEPAGE. The advice may be taken or refused, but it never frees the
 * claim behind the mapping's back: after MADV_DONTNEED the pages are gone
 * from the VMA (SIGBUS), yet while the mapping exists a second MAP of any
 * of its device memory, by this process or another, gets EBUSY and the
 * counters still count it; its UNMAP returns promptly (under 1 s); then the
 * counters are 0 and the same device memory maps again. Where the advice
 * left the pages, O_DIRECT into them still lands in device memory, byte for
 * byte.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "mmtest.h"

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define MIB (1UL << 20)
#define MAP_LEN MIB
#define BAR_OFF (4 * MIB)

struct advice {
	int advice;
	const char *name;
	int drops_pages;	/* if taken, the VMA loses its pages */
};

static const struct advice advices[] = {
	{ MADV_DONTNEED, "MADV_DONTNEED", 1 },
	{ MADV_FREE, "MADV_FREE", 0 },
	{ MADV_REMOVE, "MADV_REMOVE", 0 },
	{ MADV_COLD, "MADV_COLD", 0 },
	{ MADV_PAGEOUT, "MADV_PAGEOUT", 0 },
	{ MADV_HUGEPAGE, "MADV_HUGEPAGE", 0 },
};

static unsigned char *bar;
static int nvme, node;
static off_t next_disk_off = 8 * MIB;

/* Up to 5 s: a release may come after the call that caused it. */
static void expect_counters(long long mappings, long long bytes,
			    const char *name, const char *when)
{
	char what[160];

	snprintf(what, sizeof(what), "%s: %s", name, when);
	/* Once no mapping is left, none may be releasing either. */
	mmtest_expect_counters(mappings, bytes, mappings ? MMTEST_ANY : 0, 5,
			       what);
}

static int map(void *vma, size_t bar_off, size_t len, uint64_t *handle)
{
	return mmtest_map(node, bar + bar_off, len, vma, handle, NULL);
}

static void *new_vma(off_t offset)
{
	return mmtest_vma(node, MAP_LEN, offset);
}

/*
 * O_DIRECT pread into @target. @must_land: it must land in the BAR, byte
 * for byte; else it may also fail with EFAULT, and then change no byte.
 */
static void check_read(unsigned char *target, int must_land,
		       const char *name, const char *when)
{
	off_t disk_off = next_disk_off;
	unsigned char *want = mmtest_host_read(nvme, disk_off, MAP_LEN);
	ssize_t n;

	next_disk_off += MAP_LEN;
	memset(bar + BAR_OFF, MMTEST_MARK, MAP_LEN);
	errno = 0;
	n = pread(nvme, target, MAP_LEN, disk_off);
	if (n == (ssize_t)MAP_LEN) {
		if (memcmp(bar + BAR_OFF, want, MAP_LEN))
			mmtest_failed("%s: %s: pread into the target did not land in device memory",
				      name, when);
	} else if (must_land || n != -1 || errno != EFAULT) {
		mmtest_failed("%s: %s: pread into the target: %zd (%s)", name,
			      when, n, n < 0 ? strerror(errno) : "short");
	} else {
		for (size_t i = 0; i < MAP_LEN; i++)
			if (bar[BAR_OFF + i] != MMTEST_MARK) {
				mmtest_failed("%s: %s: a failed pread changed device memory",
					      name, when);
				break;
			}
	}
	free(want);
}

/* Read @p: 1 if it raised SIGBUS at @p, 0 if it read @p's BAR byte. */
static int touch_faults(volatile unsigned char *p, size_t bar_off,
			const char *name)
{
	struct mmtest_fault f;

	if (mmtest_touch(p, 0, &f)) {
		if (f.sig != SIGBUS || f.addr != (void *)p)
			mmtest_failed("%s: touch: SIG%s at %p, expected SIGBUS at %p",
				      name, sigabbrev_np(f.sig), f.addr,
				      (void *)p);
		return 1;
	}
	if (f.byte != bar[bar_off])
		mmtest_failed("%s: the target reads %#x, device memory holds %#x",
			      name, f.byte, bar[bar_off]);
	return 0;
}

/* Another process, with a node of its own, cannot MAP the claimed pages. */
static void second_map_by_child(const char *name)
{
	int status;
	uint64_t handle;
	void *vma;
	pid_t pid;

	pid = phxtest_fork();
	if (pid == 0) {
		/* The BAR mapping came along; the node is the child's own. */
		pt_name = "mm_dontneed (other process)";
		/* Its own verdict, not the parent's so far. */
		pt_failures = 0;
		node = mmtest_open_node();
		vma = mmtest_vma(node, MAP_LEN, 0);
		errno = 0;
		if (!map(vma, BAR_OFF, MAP_LEN, &handle))
			mmtest_failed("%s: another process's MAP of the same device memory succeeded (two owners)",
				      name);
		else if (errno != EBUSY)
			mmtest_failed("%s: another process's MAP: %s, expected EBUSY",
				      name, strerror(errno));
		_exit(pt_failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		mmtest_failed("%s: the other process's check failed (status %#x)",
			      name, status);
}

static void one_advice(const struct advice *a, off_t vma_offset)
{
	uint64_t first, second = 0;
	unsigned char *vma, *other;
	int ret, err, dropped;
	double t;

	vma = new_vma(vma_offset);
	if (map(vma, BAR_OFF, MAP_LEN, &first)) {
		mmtest_failed("%s: MAP of the range: %s", a->name,
			      strerror(errno));
		munmap(vma, MAP_LEN);
		return;
	}
	check_read(vma, 1, a->name, "before the advice");

	errno = 0;
	ret = madvise(vma, MAP_LEN, a->advice);
	err = errno;
	pt_note("%s on the mapping: %s", a->name,
		ret ? strerror(err) : "accepted");
	dropped = touch_faults(vma, BAR_OFF, a->name);
	if (!ret && a->drops_pages && !dropped)
		mmtest_failed("%s was taken but the VMA still has its pages",
			      a->name);
	check_read(vma, !dropped, a->name, "after the advice");
	expect_counters(1, MAP_LEN, a->name, "after the advice");

	/* The claim is the first mapping's until it is unmapped. */
	second_map_by_child(a->name);
	expect_counters(1, MAP_LEN, a->name, "after the other process");
	other = new_vma(vma_offset + MAP_LEN);
	errno = 0;
	if (!map(other, BAR_OFF, MAP_LEN, &second))
		mmtest_failed("%s: a second MAP of the same device memory succeeded (two owners)",
			      a->name);
	else if (errno != EBUSY)
		mmtest_failed("%s: second MAP: %s, expected EBUSY", a->name,
			      strerror(errno));
	else {
		second = 0;
		/* Not a page of it either. */
		errno = 0;
		if (!map(other, BAR_OFF + MAP_LEN / 2, 4096, &second))
			mmtest_failed("%s: a second MAP of one page of it succeeded",
				      a->name);
		else if (errno != EBUSY)
			mmtest_failed("%s: second MAP of one page: %s, expected EBUSY",
				      a->name, strerror(errno));
		else
			second = 0;
	}
	if (!second)
		expect_counters(1, MAP_LEN, a->name, "after the second MAP");

	t = phxtest_now();
	ret = mmtest_unmap(node, first);
	err = errno;
	t = phxtest_now() - t;
	if (ret)
		mmtest_failed("%s: UNMAP: %s", a->name, strerror(err));
	if (t >= 1.0)
		mmtest_failed("%s: UNMAP took %.1f s, expected well under 1 s",
			      a->name, t);
	if (second && mmtest_unmap(node, second))
		mmtest_failed("%s: UNMAP of the second mapping: %s", a->name,
			      strerror(errno));
	expect_counters(0, 0, a->name, "after UNMAP");
	if (!touch_faults(vma, BAR_OFF, a->name))
		mmtest_failed("%s: the target still reads after UNMAP",
			      a->name);
	munmap(vma, MAP_LEN);
	munmap(other, MAP_LEN);
	expect_counters(0, 0, a->name, "after munmap");
	pt_note("%s: UNMAP in %.3f s", a->name, t);
}

int main(void)
{
	unsigned char *vma;
	uint64_t handle;

	pt_name = "mm_dontneed";
	mmtest_go_on = 1;	/* every advice gets its own verdict */
	bar = mmtest_map_bar(BAR_OFF + MAP_LEN);
	nvme = mmtest_open_nvme(O_RDWR);
	node = mmtest_open_node();

	for (size_t i = 0; i < sizeof(advices) / sizeof(advices[0]); i++)
		one_advice(&advices[i], (off_t)(2 * i * MAP_LEN));

	/* After all of it the same device memory maps and works again. */
	vma = new_vma(64 * MAP_LEN);
	if (map(vma, BAR_OFF, MAP_LEN, &handle)) {
		mmtest_failed("MAP of the range at the end: %s",
			      strerror(errno));
	} else {
		check_read(vma, 1, "end", "mapped again");
		if (mmtest_unmap(node, handle))
			mmtest_failed("UNMAP at the end: %s", strerror(errno));
	}
	munmap(vma, MAP_LEN);
	close(node);
	expect_counters(0, 0, "end", "after close");
	close(nvme);
	mmtest_check_flaws();
	pt_note("no advice freed the claim; UNMAP prompt; the range maps again");
	return 0;
}
