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
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define MIB (1UL << 20)
#define MAP_LEN MIB
#define BAR_OFF (4 * MIB)

static unsigned char *bar;
static int nvme, node;
static off_t next_disk_off = 8 * MIB;	/* fresh drive data for each read */

static void expect_counters(long long mappings, long long bytes,
			    const char *when)
{
	long long m, b;

	/* Up to 5 s: the release may come after the call that caused it. */
	for (int i = 0;; i++) {
		m = phxtest_counter("mappings");
		b = phxtest_counter("pinned_bytes");
		if (m == mappings && b == bytes)
			return;
		if (i == 250)
			break;
		usleep(20000);
	}
	vmtest_fail("%s: %lld mappings, %lld bytes pinned; expected %lld, %lld",
		    when, m, b, mappings, bytes);
}

static sigjmp_buf fault_jmp;
static volatile int fault_sig;
static void *volatile fault_addr;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	fault_sig = sig;
	fault_addr = si->si_addr;
	siglongjmp(fault_jmp, 1);
}

/* A read (or write) of @p must raise @sig at @p. */
static void expect_signal(volatile unsigned char *p, int write, int sig,
			  const char *what)
{
	struct sigaction sa = { .sa_sigaction = on_fault,
				.sa_flags = SA_SIGINFO };
	volatile unsigned char v = 0;

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	fault_sig = 0;
	fault_addr = NULL;
	if (!sigsetjmp(fault_jmp, 1)) {
		if (write)
			*p = 0x5a;
		else
			v = *p;
	}
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	if (!fault_sig)
		vmtest_fail("%s of %s at %p did not fault (read %#x), expected %s",
			    write ? "write" : "read", what, (void *)p, v,
			    strsignal(sig));
	if (fault_sig != sig || fault_addr != (void *)p)
		vmtest_fail("%s of %s: %s at %p, expected %s at %p",
			    write ? "write" : "read", what,
			    strsignal(fault_sig), fault_addr, strsignal(sig),
			    (void *)p);
}

static uint64_t map(void *vma, size_t bar_off)
{
	struct phxfs_map m = {
		.dev_addr = (uintptr_t)(bar + bar_off),
		.length = MAP_LEN,
		.user_addr = (uintptr_t)vma,
	};

	if (ioctl(node, PHXFS_IOC_MAP, &m))
		vmtest_fail("MAP of BAR+%zu: %s", bar_off, strerror(errno));
	if (m.map_offset)
		vmtest_fail("page-aligned MAP got map_offset %llu",
			    (unsigned long long)m.map_offset);
	return m.handle;
}

static void unmap(uint64_t handle)
{
	struct phxfs_unmap u = { .handle = handle };

	if (ioctl(node, PHXFS_IOC_UNMAP, &u))
		vmtest_fail("UNMAP of handle %llu: %s",
			    (unsigned long long)handle, strerror(errno));
}

static void *new_vma(off_t offset)
{
	void *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		       node, offset);

	if (p == MAP_FAILED)
		vmtest_fail("mmap of the node: %s", strerror(errno));
	return p;
}

/* Free address space to move to: mremap(MREMAP_FIXED) replaces it. */
static void *reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	if (p == MAP_FAILED)
		vmtest_fail("mmap PROT_NONE: %s", strerror(errno));
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
		vmtest_fail("open /proc/self/maps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    want >= start && want < end) {
			found = 1;
			break;
		}
	fclose(f);
	if (!found)
		vmtest_fail("%s: nothing mapped at %p", when, (void *)p);
	if (start != want || end != want + len)
		vmtest_fail("%s: the VMA is %#lx-%#lx, expected %p-%p", when,
			    start, end, (void *)p, (void *)(p + len));
}

/* The mapping @handle is live and @target shows device memory. */
static void expect_intact(unsigned char *target, uint64_t handle,
			  const char *when)
{
	struct phxfs_query q = { .handle = handle };

	expect_vma(target, MAP_LEN, when);
	expect_counters(1, MAP_LEN, when);
	if (ioctl(node, PHXFS_IOC_QUERY, &q) || q.state != PHXFS_MAP_LIVE)
		vmtest_fail("%s: QUERY: %s, state %u", when, strerror(errno),
			    q.state);
	if (memcmp(target, bar + BAR_OFF, MAP_LEN))
		vmtest_fail("%s: the target shows other bytes than device memory",
			    when);
}

/* O_DIRECT pread into @target lands in the BAR, byte for byte. */
static void expect_read_lands(unsigned char *target, const char *when)
{
	off_t disk_off = next_disk_off;
	unsigned char *want;
	ssize_t n;

	next_disk_off += MAP_LEN;
	if (posix_memalign((void **)&want, 4096, MAP_LEN))
		vmtest_fail("no host memory");
	if (pread(nvme, want, MAP_LEN, disk_off) != (ssize_t)MAP_LEN)
		vmtest_fail("pread into host memory: %s", strerror(errno));
	memset(bar + BAR_OFF, 0xa5, MAP_LEN);
	n = pread(nvme, target, MAP_LEN, disk_off);
	if (n != (ssize_t)MAP_LEN)
		vmtest_fail("%s: pread into the target: %zd (%s)", when, n,
			    n < 0 ? strerror(errno) : "short");
	if (memcmp(bar + BAR_OFF, want, MAP_LEN))
		vmtest_fail("%s: device memory does not hold what the drive does",
			    when);
	if (memcmp(target, want, MAP_LEN))
		vmtest_fail("%s: the target does not show what the drive holds",
			    when);
	free(want);
}

#define EXPECT_MREMAP_ERR(old, old_len, new_len, flags, to, err)	\
	do {								\
		void *r_;						\
		errno = 0;						\
		r_ = mremap(old, old_len, new_len, flags, to);		\
		if (r_ != MAP_FAILED || errno != (err))			\
			vmtest_fail("mremap(%s, %s, %s, %s): %p, errno %d (%s), expected %s", \
				    #old, #old_len, #new_len, #flags, r_, \
				    errno, strerror(errno), #err);	\
	} while (0)

static unsigned char *move_whole(unsigned char *vma, const char *when)
{
	unsigned char *to = reserve(MAP_LEN), *moved;

	moved = mremap(vma, MAP_LEN, MAP_LEN, MREMAP_MAYMOVE | MREMAP_FIXED,
		       to);
	if (moved == MAP_FAILED)
		vmtest_fail("%s: mremap(MREMAP_MAYMOVE | MREMAP_FIXED) of the whole VMA: %s",
			    when, strerror(errno));
	if (moved != to)
		vmtest_fail("%s: moved to %p, asked for %p", when,
			    (void *)moved, (void *)to);
	/* Nothing is left behind at the old address. */
	expect_signal(vma, 0, SIGSEGV, "the old address");
	expect_signal(vma + MAP_LEN - 1, 1, SIGSEGV, "the old address");
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

	unmap(handle);
	expect_counters(0, 0, "after UNMAP of the moved mapping");
	/* The VMA stays, empty, until munmap(). */
	expect_vma(t, MAP_LEN, "after UNMAP");
	expect_signal(t, 0, SIGBUS, "the unmapped target");
	if (munmap(t, MAP_LEN))
		vmtest_fail("munmap of the moved VMA: %s", strerror(errno));
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
		vmtest_fail("munmap of the moved VMA: %s", strerror(errno));
	expect_counters(0, 0, "after munmap of the moved VMA");
	expect_signal(t, 0, SIGSEGV, "the munmapped target");
}

int main(void)
{
	size_t bar_size;
	unsigned char *vma;
	uint64_t handle;

	vmtest_name = "mm_mremap";
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < BAR_OFF + MAP_LEN)
		vmtest_fail("BAR too small");
	nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT);
	if (nvme < 0)
		vmtest_fail("open nvme: %s", strerror(errno));
	node = open("/dev/" PHXFS_DEVNAME_PREFIX "0", O_RDWR);
	if (node < 0)
		vmtest_fail("open node: %s", strerror(errno));

	move_then_unmap_by_handle();
	vmtest_note("whole move followed; grow, shrink, partial, DONTUNMAP refused; UNMAP by handle released it");
	move_then_munmap();
	vmtest_note("munmap of the moved VMA released it");

	/* Nothing stayed claimed: the same device memory maps again. */
	vma = new_vma(2 * MAP_LEN);
	handle = map(vma, BAR_OFF);
	expect_read_lands(vma, "mapped again at the end");
	unmap(handle);
	munmap(vma, MAP_LEN);
	close(node);
	expect_counters(0, 0, "at the end");
	close(nvme);
	vmtest_note("the range maps again; counters 0");
	return 0;
}
