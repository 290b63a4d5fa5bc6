// SPDX-License-Identifier: MIT
/*
 * mremap() of a VMA that PHXFS_IOC_MAP filled. A move of the whole VMA
 * (MREMAP_MAYMOVE | MREMAP_FIXED) succeeds and the registration follows
 * it: O_DIRECT into the new address lands in device memory, the old
 * address is no longer mapped (SIGSEGV), and both UNMAP by handle and
 * munmap() of the new address release everything. Growing it (EFAULT),
 * shrinking it or moving part of it (EINVAL) and MREMAP_DONTUNMAP (EINVAL)
 * are refused and leave the mapping whole and working. Every transfer is
 * compared with what the drive holds, read into host memory.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define MIB (1UL << 20)
#define MAP_LEN MIB
#define BAR_OFF (4 * MIB)

static unsigned char *bar;
static int nvme, node;
static off_t next_disk_off = 8 * MIB;	/* fresh drive data for each read */

/* Up to 5 s: the release may come after the call that caused it. */
static void expect_counters(long long mappings, long long bytes,
			    const char *when)
{
	mmtest_expect_counters(mappings, bytes, MMTEST_ANY, 5, when);
}

static uint64_t map(void *vma, size_t bar_off)
{
	uint64_t handle;

	if (mmtest_map_aligned(node, bar + bar_off, MAP_LEN, vma, &handle))
		pt_fail("MAP of BAR+%zu: %s", bar_off, strerror(errno));
	return handle;
}

static void *new_vma(off_t offset)
{
	return mmtest_vma(node, MAP_LEN, offset);
}

/* Free address space to move to: mremap(MREMAP_FIXED) replaces it. */
static void *reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	if (p == MAP_FAILED)
		pt_fail("mmap PROT_NONE: %s", strerror(errno));
	return p;
}

/* The VMA around @p, from /proc/self/maps, must be exactly [p, p + len). */
static void expect_vma(const unsigned char *p, size_t len, const char *when)
{
	unsigned long start, end, want = (uintptr_t)p;
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		pt_fail("open /proc/self/maps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    want >= start && want < end) {
			found = 1;
			break;
		}
	fclose(f);
	if (!found)
		pt_fail("%s: nothing mapped at %p", when, (void *)p);
	if (start != want || end != want + len)
		pt_fail("%s: the VMA is %#lx-%#lx, expected %p-%p", when,
			start, end, (void *)p, (void *)(p + len));
}

/* The mapping @handle is live and @target shows device memory. */
static void expect_intact(unsigned char *target, uint64_t handle,
			  const char *when)
{
	expect_vma(target, MAP_LEN, when);
	expect_counters(1, MAP_LEN, when);
	mmtest_expect_live(node, handle, when);
	if (memcmp(target, bar + BAR_OFF, MAP_LEN))
		pt_fail("%s: the target shows other bytes than device memory",
			when);
}

/* O_DIRECT pread into @target lands in the BAR, byte for byte. */
static void expect_read_lands(unsigned char *target, const char *when)
{
	unsigned char *want = mmtest_read_lands(nvme, target, bar + BAR_OFF,
						MAP_LEN, next_disk_off, when);

	next_disk_off += MAP_LEN;
	if (memcmp(target, want, MAP_LEN))
		pt_fail("%s: the target does not show what the drive holds",
			when);
	free(want);
}

#define EXPECT_MREMAP_ERR(old, old_len, new_len, flags, to, err)	\
	do {								\
		void *r_;						\
		errno = 0;						\
		r_ = mremap(old, old_len, new_len, flags, to);		\
		if (r_ != MAP_FAILED || errno != (err))			\
			pt_fail("mremap(%s, %s, %s, %s): %p, errno %d (%s), expected %s", \
				#old, #old_len, #new_len, #flags, r_, \
				errno, strerror(errno), #err);	\
	} while (0)

static unsigned char *move_whole(unsigned char *vma, const char *when)
{
	unsigned char *to = reserve(MAP_LEN), *moved;

	moved = mremap(vma, MAP_LEN, MAP_LEN, MREMAP_MAYMOVE | MREMAP_FIXED,
		       to);
	if (moved == MAP_FAILED)
		pt_fail("%s: mremap(MREMAP_MAYMOVE | MREMAP_FIXED) of the whole VMA: %s",
			when, strerror(errno));
	if (moved != to)
		pt_fail("%s: moved to %p, asked for %p", when,
			(void *)moved, (void *)to);
	/* Nothing is left behind at the old address. */
	mmtest_expect_fault(vma, 0, SIGSEGV, "the old address");
	mmtest_expect_fault(vma + MAP_LEN - 1, 1, SIGSEGV, "the old address");
	return moved;
}

/* Every refused mremap() leaves the moved mapping as it was. */
static void refused_calls(unsigned char *t, uint64_t handle)
{
	unsigned char *spare = reserve(2 * MAP_LEN);
	const size_t half = MAP_LEN / 2;

	EXPECT_MREMAP_ERR(t, MAP_LEN, 2 * MAP_LEN, MREMAP_MAYMOVE, NULL,
			  EFAULT);
	expect_intact(t, handle, "after a refused grow (MAYMOVE)");
	EXPECT_MREMAP_ERR(t, MAP_LEN, 2 * MAP_LEN, 0, NULL, EFAULT);
	expect_intact(t, handle, "after a refused grow in place");
	EXPECT_MREMAP_ERR(t, MAP_LEN, half, 0, NULL, EINVAL);
	expect_intact(t, handle, "after a refused shrink in place");
	EXPECT_MREMAP_ERR(t, MAP_LEN, half, MREMAP_MAYMOVE | MREMAP_FIXED,
			  spare, EINVAL);
	expect_intact(t, handle, "after a refused shrinking move");
	EXPECT_MREMAP_ERR(t, half, half, MREMAP_MAYMOVE | MREMAP_FIXED,
			  spare, EINVAL);
	expect_intact(t, handle, "after a refused move of the first half");
	EXPECT_MREMAP_ERR(t + half, half, half,
			  MREMAP_MAYMOVE | MREMAP_FIXED, spare, EINVAL);
	expect_intact(t, handle, "after a refused move of the second half");
	EXPECT_MREMAP_ERR(t, MAP_LEN, MAP_LEN,
			  MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL, EINVAL);
	expect_intact(t, handle, "after a refused MREMAP_DONTUNMAP");
	EXPECT_MREMAP_ERR(t, MAP_LEN, MAP_LEN,
			  MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
			  spare, EINVAL);
	expect_intact(t, handle, "after a refused MREMAP_DONTUNMAP | FIXED");
	/* A refused MREMAP_FIXED may have unmapped the spare space already. */
	munmap(spare, 2 * MAP_LEN);
}

/* Moved, refused what must be refused, then released by handle. */
static void move_then_unmap_by_handle(void)
{
	unsigned char *vma = new_vma(0), *t;
	uint64_t handle = map(vma, BAR_OFF);

	expect_intact(vma, handle, "before the move");
	expect_read_lands(vma, "before the move");
	t = move_whole(vma, "first move");
	expect_intact(t, handle, "after the move");
	expect_read_lands(t, "after the move");
	refused_calls(t, handle);
	expect_read_lands(t, "after the refused calls");

	mmtest_unmap_ok(node, handle);
	expect_counters(0, 0, "after UNMAP of the moved mapping");
	/* The VMA stays, empty, until munmap(). */
	expect_vma(t, MAP_LEN, "after UNMAP");
	mmtest_expect_fault(t, 0, SIGBUS, "the unmapped target");
	if (munmap(t, MAP_LEN))
		pt_fail("munmap of the moved VMA: %s", strerror(errno));
	expect_counters(0, 0, "after munmap of the emptied VMA");
}

/* Moved, then released by munmap() of the new address alone. */
static void move_then_munmap(void)
{
	unsigned char *vma = new_vma(MAP_LEN), *t;
	uint64_t handle = map(vma, BAR_OFF);

	expect_intact(vma, handle, "second mapping, before the move");
	t = move_whole(vma, "second move");
	expect_intact(t, handle, "second mapping, after the move");
	expect_read_lands(t, "second mapping, after the move");
	if (munmap(t, MAP_LEN))
		pt_fail("munmap of the moved VMA: %s", strerror(errno));
	expect_counters(0, 0, "after munmap of the moved VMA");
	mmtest_expect_fault(t, 0, SIGSEGV, "the munmapped target");
}

int main(void)
{
	unsigned char *vma;
	uint64_t handle;

	pt_name = "mm_mremap";
	bar = mmtest_map_bar(BAR_OFF + MAP_LEN);
	nvme = mmtest_open_nvme(O_RDWR);
	node = mmtest_open_node();

	move_then_unmap_by_handle();
	pt_note("whole move followed; grow, shrink, partial, DONTUNMAP refused; UNMAP by handle released it");
	move_then_munmap();
	pt_note("munmap of the moved VMA released it");

	/* Nothing stayed claimed: the same device memory maps again. */
	vma = new_vma(2 * MAP_LEN);
	handle = map(vma, BAR_OFF);
	expect_read_lands(vma, "mapped again at the end");
	mmtest_unmap_ok(node, handle);
	munmap(vma, MAP_LEN);
	close(node);
	expect_counters(0, 0, "at the end");
	close(nvme);
	pt_note("the range maps again; counters 0");
	return 0;
}
