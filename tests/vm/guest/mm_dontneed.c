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
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"

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
static int failures;

/* Report a failed check and go on: every advice gets its own verdict. */
__attribute__((format(printf, 1, 2)))
static void check_failed(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: FAIL: ", vmtest_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

/* /sys/class/phxfs/phxfs_dev0/releasing, or -1 where the module has none. */
static long long releasing(void)
{
	return vmtest_exists("/sys/class/phxfs/phxfs_dev0/releasing") ?
	       phxtest_counter("releasing") : -1;
}

static int counters_are(long long mappings, long long bytes)
{
	return phxtest_counter("mappings") == mappings &&
	       phxtest_counter("pinned_bytes") == bytes &&
	       (mappings || releasing() <= 0);
}

/* Up to 5 s: a release may come after the call that caused it. */
static void expect_counters(long long mappings, long long bytes,
			    const char *name, const char *when)
{
	for (int i = 0; i < 250 && !counters_are(mappings, bytes); i++)
		usleep(20000);
	if (!counters_are(mappings, bytes))
		check_failed("%s: %s: %lld mappings, %lld bytes pinned, %lld releasing; expected %lld, %lld, 0",
			     name, when, phxtest_counter("mappings"),
			     phxtest_counter("pinned_bytes"), releasing(),
			     mappings, bytes);
}

static int map(void *vma, size_t bar_off, size_t len, uint64_t *handle)
{
	struct phxfs_map m = {
		.dev_addr = (uintptr_t)(bar + bar_off),
		.length = len,
		.user_addr = (uintptr_t)vma,
	};
	int ret = ioctl(node, PHXFS_IOC_MAP, &m);

	*handle = m.handle;
	return ret;
}

static int unmap(uint64_t handle)
{
	struct phxfs_unmap u = { .handle = handle };

	return ioctl(node, PHXFS_IOC_UNMAP, &u);
}

static void *new_vma(off_t offset)
{
	void *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		       node, offset);

	if (p == MAP_FAILED)
		vmtest_fail("mmap of the node: %s", strerror(errno));
	return p;
}

static unsigned char *host_read(off_t disk_off)
{
	unsigned char *host;

	if (posix_memalign((void **)&host, 4096, MAP_LEN))
		vmtest_fail("no host memory");
	if (pread(nvme, host, MAP_LEN, disk_off) != (ssize_t)MAP_LEN)
		vmtest_fail("pread into host memory: %s", strerror(errno));
	return host;
}

/*
 * O_DIRECT pread into @target. @must_land: it must land in the BAR, byte
 * for byte; else it may also fail with EFAULT, and then change no byte.
 */
static void check_read(unsigned char *target, int must_land,
		       const char *name, const char *when)
{
	off_t disk_off = next_disk_off;
	unsigned char *want = host_read(disk_off);
	ssize_t n;

	next_disk_off += MAP_LEN;
	memset(bar + BAR_OFF, 0xa5, MAP_LEN);
	errno = 0;
	n = pread(nvme, target, MAP_LEN, disk_off);
	if (n == (ssize_t)MAP_LEN) {
		if (memcmp(bar + BAR_OFF, want, MAP_LEN))
			check_failed("%s: %s: pread into the target did not land in device memory",
				     name, when);
	} else if (must_land || n != -1 || errno != EFAULT) {
		check_failed("%s: %s: pread into the target: %zd (%s)", name,
			     when, n, n < 0 ? strerror(errno) : "short");
	} else {
		for (size_t i = 0; i < MAP_LEN; i++)
			if (bar[BAR_OFF + i] != 0xa5) {
				check_failed("%s: %s: a failed pread changed device memory",
					     name, when);
				break;
			}
	}
	free(want);
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

/* Read @p: 1 if it raised SIGBUS at @p, 0 if it read @p's BAR byte. */
static int touch_faults(volatile unsigned char *p, size_t bar_off,
			const char *name)
{
	struct sigaction sa = { .sa_sigaction = on_fault,
				.sa_flags = SA_SIGINFO };
	volatile unsigned char v = 0;

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	fault_sig = 0;
	if (!sigsetjmp(fault_jmp, 1))
		v = *p;
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	if (fault_sig) {
		if (fault_sig != SIGBUS || fault_addr != (void *)p)
			check_failed("%s: touch: %s at %p, expected SIGBUS at %p",
				     name, strsignal(fault_sig), fault_addr,
				     (void *)p);
		return 1;
	}
	if (v != bar[bar_off])
		check_failed("%s: the target reads %#x, device memory holds %#x",
			     name, v, bar[bar_off]);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Another process, with a node of its own, cannot MAP the claimed pages. */
static void second_map_by_child(const char *name)
{
	int status, fd;
	uint64_t handle;
	void *vma;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		vmtest_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		/* The BAR mapping came along; the node is the child's own. */
		vmtest_name = "mm_dontneed (other process)";
		failures = 0;	/* its own verdict, not the parent's so far */
		fd = open("/dev/" PHXFS_DEVNAME_PREFIX "0", O_RDWR);
		if (fd < 0)
			vmtest_fail("child: open node: %s", strerror(errno));
		vma = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		if (vma == MAP_FAILED)
			vmtest_fail("child: mmap: %s", strerror(errno));
		node = fd;
		errno = 0;
		if (!map(vma, BAR_OFF, MAP_LEN, &handle))
			check_failed("%s: another process's MAP of the same device memory succeeded (two owners)",
				     name);
		else if (errno != EBUSY)
			check_failed("%s: another process's MAP: %s, expected EBUSY",
				     name, strerror(errno));
		_exit(failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		check_failed("%s: the other process's check failed (status %#x)",
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
		check_failed("%s: MAP of the range: %s", a->name,
			     strerror(errno));
		munmap(vma, MAP_LEN);
		return;
	}
	check_read(vma, 1, a->name, "before the advice");

	errno = 0;
	ret = madvise(vma, MAP_LEN, a->advice);
	err = errno;
	vmtest_note("%s on the mapping: %s", a->name,
		    ret ? strerror(err) : "accepted");
	dropped = touch_faults(vma, BAR_OFF, a->name);
	if (!ret && a->drops_pages && !dropped)
		check_failed("%s was taken but the VMA still has its pages",
			     a->name);
	check_read(vma, !dropped, a->name, "after the advice");
	expect_counters(1, MAP_LEN, a->name, "after the advice");

	/* The claim is the first mapping's until it is unmapped. */
	second_map_by_child(a->name);
	expect_counters(1, MAP_LEN, a->name, "after the other process");
	other = new_vma(vma_offset + MAP_LEN);
	errno = 0;
	if (!map(other, BAR_OFF, MAP_LEN, &second))
		check_failed("%s: a second MAP of the same device memory succeeded (two owners)",
			     a->name);
	else if (errno != EBUSY)
		check_failed("%s: second MAP: %s, expected EBUSY", a->name,
			     strerror(errno));
	else {
		second = 0;
		/* Not a page of it either. */
		errno = 0;
		if (!map(other, BAR_OFF + MAP_LEN / 2, 4096, &second))
			check_failed("%s: a second MAP of one page of it succeeded",
				     a->name);
		else if (errno != EBUSY)
			check_failed("%s: second MAP of one page: %s, expected EBUSY",
				     a->name, strerror(errno));
		else
			second = 0;
	}
	if (!second)
		expect_counters(1, MAP_LEN, a->name, "after the second MAP");

	t = now();
	ret = unmap(first);
	err = errno;
	t = now() - t;
	if (ret)
		check_failed("%s: UNMAP: %s", a->name, strerror(err));
	if (t >= 1.0)
		check_failed("%s: UNMAP took %.1f s, expected well under 1 s",
			     a->name, t);
	if (second && unmap(second))
		check_failed("%s: UNMAP of the second mapping: %s", a->name,
			     strerror(errno));
	expect_counters(0, 0, a->name, "after UNMAP");
	if (!touch_faults(vma, BAR_OFF, a->name))
		check_failed("%s: the target still reads after UNMAP",
			     a->name);
	munmap(vma, MAP_LEN);
	munmap(other, MAP_LEN);
	expect_counters(0, 0, a->name, "after munmap");
	vmtest_note("%s: UNMAP in %.3f s", a->name, t);
}

int main(void)
{
	size_t bar_size;
	unsigned char *vma;
	uint64_t handle;

	vmtest_name = "mm_dontneed";
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < BAR_OFF + MAP_LEN)
		vmtest_fail("BAR too small");
	nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT);
	if (nvme < 0)
		vmtest_fail("open nvme: %s", strerror(errno));
	node = open("/dev/" PHXFS_DEVNAME_PREFIX "0", O_RDWR);
	if (node < 0)
		vmtest_fail("open node: %s", strerror(errno));

	for (size_t i = 0; i < sizeof(advices) / sizeof(advices[0]); i++)
		one_advice(&advices[i], (off_t)(2 * i * MAP_LEN));

	/* After all of it the same device memory maps and works again. */
	vma = new_vma(64 * MAP_LEN);
	if (map(vma, BAR_OFF, MAP_LEN, &handle)) {
		check_failed("MAP of the range at the end: %s",
			     strerror(errno));
	} else {
		check_read(vma, 1, "end", "mapped again");
		if (unmap(handle))
			check_failed("UNMAP at the end: %s", strerror(errno));
	}
	munmap(vma, MAP_LEN);
	close(node);
	expect_counters(0, 0, "end", "after close");
	close(nvme);
	if (failures)
		vmtest_fail("%d checks failed (see above)", failures);
	vmtest_note("no advice freed the claim; UNMAP prompt; the range maps again");
	return 0;
}
