// SPDX-License-Identifier: MIT
/*
 * A PHXFS_IOC_MAP that fails part-way. Another mapping holds pages in the
 * middle of the range, so the claim hits EBUSY after the pages before them
 * could have gone in. Afterwards the failing VMA has no pages: touching it
 * raises SIGBUS, O_DIRECT pread into it and vmsplice from it fail with
 * EFAULT and no byte of device memory changes; nothing of the failed MAP
 * stays claimed or counted, so the same VMA takes a later MAP of the pages
 * before the held ones, a new VMA takes the pages after them, and once
 * everything is unmapped the whole range maps in one piece.
 */
#define _GNU_SOURCE
#include <sys/uio.h>

#include "mmtest.h"

#define KIB (1UL << 10)
#define MIB (1UL << 20)
/* The failing MAP's range, and the part of it another mapping holds. */
#define RANGE_OFF (4 * MIB)
#define RANGE_LEN MIB
#define HELD_OFF (RANGE_OFF + 512 * KIB)	/* 128 pages in */
#define HELD_LEN (256 * KIB)
#define HEAD_LEN (HELD_OFF - RANGE_OFF)
#define TAIL_OFF (HELD_OFF + HELD_LEN)
#define TAIL_LEN (RANGE_OFF + RANGE_LEN - TAIL_OFF)
#define MARK MMTEST_MARK

static unsigned char *bar;
static int nvme, node;
static off_t next_disk_off = 8 * MIB;

/* Up to 5 s: the release may come after the call that caused it. */
static void expect_counters(long long mappings, long long bytes,
			    const char *when)
{
	mmtest_expect_counters(mappings, bytes, MMTEST_ANY, 5, when);
}

static void *new_vma(size_t len, off_t offset)
{
	return mmtest_vma(node, len, offset);
}

static int map(void *vma, size_t bar_off, size_t len, uint64_t *handle)
{
	return mmtest_map_aligned(node, bar + bar_off, len, vma, handle);
}

/* O_DIRECT pread into @target lands at @bar_off, byte for byte. */
static void expect_read_lands(unsigned char *target, size_t bar_off,
			      size_t len, const char *when)
{
	free(mmtest_read_lands(nvme, target, bar + bar_off, len,
			       next_disk_off, when));
	next_disk_off += len;
}

static void expect_bar_marked(size_t bar_off, size_t len, const char *when)
{
	for (size_t i = 0; i < len; i++)
		if (bar[bar_off + i] != MARK)
			pt_fail("%s: device memory at BAR+%zu changed to %#x",
				when, bar_off + i, bar[bar_off + i]);
}

/* A read of @p must raise SIGBUS at @p: the VMA is there, its pages not. */
static void expect_sigbus(volatile unsigned char *p, const char *what)
{
	mmtest_expect_fault(p, 0, SIGBUS, what);
}

/* The VMA of the failed MAP reaches nothing. */
static void expect_empty(unsigned char *vma)
{
	struct iovec iov = { vma, 64 * KIB };
	int pfd[2];
	ssize_t n;

	expect_sigbus(vma, "the failed MAP's first page");
	expect_sigbus(vma + HEAD_LEN - 4096,
		      "the failed MAP's page before the held ones");
	expect_sigbus(vma + HEAD_LEN,
		      "the failed MAP's first page the other mapping holds");
	expect_sigbus(vma + RANGE_LEN - 1, "the failed MAP's last byte");

	errno = 0;
	n = pread(nvme, vma, HEAD_LEN, next_disk_off);
	if (n != -1 || errno != EFAULT)
		pt_fail("O_DIRECT pread into the failed MAP's VMA: %zd (%s), expected EFAULT",
			n, n < 0 ? strerror(errno) : "read");
	if (pipe(pfd))
		pt_fail("pipe: %s", strerror(errno));
	errno = 0;
	n = vmsplice(pfd[1], &iov, 1, 0);
	close(pfd[0]);
	close(pfd[1]);
	if (n != -1 || errno != EFAULT)
		pt_fail("vmsplice from the failed MAP's VMA: %zd (%s), expected EFAULT",
			n, n < 0 ? strerror(errno) : "spliced");
	expect_bar_marked(RANGE_OFF, HEAD_LEN, "after I/O on the failed VMA");
	expect_bar_marked(TAIL_OFF, TAIL_LEN, "after I/O on the failed VMA");
}

int main(void)
{
	unsigned char *held_vma, *vma, *tail_vma, *whole_vma;
	uint64_t held, head, tail, whole, h;

	pt_name = "mm_partial_map";
	bar = mmtest_map_bar(RANGE_OFF + RANGE_LEN);
	nvme = mmtest_open_nvme(O_RDWR);
	node = mmtest_open_node();

	/* The other mapping, in the middle of the range. */
	held_vma = new_vma(HELD_LEN, 0);
	if (map(held_vma, HELD_OFF, HELD_LEN, &held))
		pt_fail("MAP of the held pages: %s", strerror(errno));
	expect_read_lands(held_vma, HELD_OFF, HELD_LEN, "the holding mapping");
	expect_counters(1, HELD_LEN, "with the holding mapping");

	vma = new_vma(RANGE_LEN, 4 * MIB);
	memset(bar + RANGE_OFF, MARK, HEAD_LEN);
	memset(bar + TAIL_OFF, MARK, TAIL_LEN);
	errno = 0;
	if (map(vma, RANGE_OFF, RANGE_LEN, &h) != -1 || errno != EBUSY)
		pt_fail("MAP over held pages: errno %d (%s), expected EBUSY",
			errno, strerror(errno));
	expect_counters(1, HELD_LEN, "after the failed MAP");
	expect_empty(vma);
	pt_note("the failed MAP left its VMA empty: SIGBUS, EFAULT, device memory unchanged");

	/* The same VMA takes a MAP of the free pages before the held ones. */
	if (map(vma, RANGE_OFF, HEAD_LEN, &head))
		pt_fail("MAP of the free head into the failed VMA: %s",
			strerror(errno));
	expect_read_lands(vma, RANGE_OFF, HEAD_LEN, "the head, mapped again");
	/* And a fresh one the pages after them. */
	tail_vma = new_vma(TAIL_LEN, 8 * MIB);
	if (map(tail_vma, TAIL_OFF, TAIL_LEN, &tail))
		pt_fail("MAP of the free tail: %s", strerror(errno));
	expect_read_lands(tail_vma, TAIL_OFF, TAIL_LEN, "the tail");
	expect_counters(3, RANGE_LEN, "head, held pages and tail mapped");
	/* The holder was not disturbed by any of it. */
	expect_read_lands(held_vma, HELD_OFF, HELD_LEN, "the holding mapping, later");

	mmtest_unmap_ok(node, head);
	mmtest_unmap_ok(node, tail);
	mmtest_unmap_ok(node, held);
	expect_counters(0, 0, "after every UNMAP");
	munmap(held_vma, HELD_LEN);
	munmap(vma, RANGE_LEN);
	munmap(tail_vma, TAIL_LEN);

	/* Nothing stayed claimed: the whole range maps in one piece. */
	whole_vma = new_vma(RANGE_LEN, 12 * MIB);
	if (map(whole_vma, RANGE_OFF, RANGE_LEN, &whole))
		pt_fail("MAP of the whole range at the end: %s",
			strerror(errno));
	expect_read_lands(whole_vma, RANGE_OFF, RANGE_LEN, "the whole range");
	expect_counters(1, RANGE_LEN, "the whole range mapped");
	mmtest_unmap_ok(node, whole);
	munmap(whole_vma, RANGE_LEN);
	close(node);
	expect_counters(0, 0, "at the end");
	close(nvme);
	pt_note("the failed VMA mapped again; nothing stayed claimed; counters 0");
	return 0;
}
