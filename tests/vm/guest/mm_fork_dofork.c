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
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"

#define MIB (1UL << 20)
#define MAP_LEN (2 * MIB)
#define BAR_OFF (8 * MIB)
#define DISK_BEFORE (16 * MIB)	/* read by the parent before fork() */
#define DISK_CHILD (32 * MIB)	/* what the child tries to read */
#define DISK_AFTER (48 * MIB)	/* read by the parent after the child */

static unsigned char *bar;
static int nvme, node;
static int failures;

/* Report a failed check and go on, so one run shows every difference. */
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

static void expect_counters(long long mappings, long long bytes,
			    const char *when)
{
	long long m = phxtest_counter("mappings");
	long long b = phxtest_counter("pinned_bytes");

	if (m != mappings || b != bytes)
		check_failed("%s: %lld mappings, %lld bytes pinned; expected %lld, %lld",
			     when, m, b, mappings, bytes);
}

/* After a release: the counters may take a moment to get there. */
static void expect_counters_soon(long long mappings, long long bytes,
				 const char *when)
{
	for (int i = 0; i < 250; i++) {
		if (phxtest_counter("mappings") == mappings &&
		    phxtest_counter("pinned_bytes") == bytes)
			return;
		usleep(20000);
	}
	expect_counters(mappings, bytes, when);
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

static void expect_bar(const unsigned char *want, const char *when)
{
	for (size_t i = 0; i < MAP_LEN; i++)
		if (bar[BAR_OFF + i] != want[i]) {
			check_failed("%s: device memory changed at byte %zu (%#x, expected %#x)",
				     when, i, bar[BAR_OFF + i], want[i]);
			return;
		}
}

/* O_DIRECT pread into @target must land in the BAR; returns the data. */
static unsigned char *read_lands(unsigned char *target, off_t disk_off,
				 const char *when)
{
	unsigned char *want = host_read(disk_off);
	ssize_t n;

	memset(bar + BAR_OFF, 0xa5, MAP_LEN);
	n = pread(nvme, target, MAP_LEN, disk_off);
	if (n != (ssize_t)MAP_LEN)
		check_failed("%s: pread into the target: %zd (%s)", when, n,
			     n < 0 ? strerror(errno) : "short");
	else if (memcmp(bar + BAR_OFF, want, MAP_LEN))
		check_failed("%s: device memory does not hold what the drive does",
			     when);
	return want;
}

static void expect_live(uint64_t handle, const char *when)
{
	struct phxfs_query q = { .handle = handle };

	if (ioctl(node, PHXFS_IOC_QUERY, &q))
		check_failed("%s: QUERY: %s", when, strerror(errno));
	else if (q.state != PHXFS_MAP_LIVE)
		check_failed("%s: QUERY state %u, expected PHXFS_MAP_LIVE",
			     when, q.state);
}

static sigjmp_buf fault_jmp;
static volatile int fault_sig, fault_code;
static void *volatile fault_addr;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(fault_jmp, 1);
}

/* A read (or write) of @p must raise SIGBUS at @p. */
static void expect_sigbus(volatile unsigned char *p, int write)
{
	struct sigaction sa = { .sa_sigaction = on_fault,
				.sa_flags = SA_SIGINFO };
	volatile unsigned char v = 0;

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	fault_sig = 0;
	if (!sigsetjmp(fault_jmp, 1)) {
		if (write)
			*p = 0x5a;
		else
			v = *p;
	}
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	if (!fault_sig)
		check_failed("%s of the copied target at %p did not fault%s%#x",
			     write ? "write" : "read", (void *)p,
			     write ? ": wrote " : ": read ",
			     write ? 0x5a : v);
	else if (fault_sig != SIGBUS || fault_addr != (void *)p)
		check_failed("%s of the copied target: %s (code %d) at %p, expected SIGBUS at %p",
			     write ? "write" : "read", strsignal(fault_sig),
			     fault_code, fault_addr, (void *)p);
}

/* The child: its copy of the VMA must reach no device memory. */
static void child(unsigned char *target, const unsigned char *want)
{
	ssize_t n;

	vmtest_name = "mm_fork_dofork (child)";
	failures = 0;	/* its own verdict, not the parent's so far */
	expect_sigbus(target, 0);
	expect_sigbus(target + MAP_LEN / 2, 0);
	expect_sigbus(target + MAP_LEN - 1, 1);
	errno = 0;
	n = pread(nvme, target, MAP_LEN, DISK_CHILD);
	if (n != -1 || errno != EFAULT)
		check_failed("O_DIRECT pread into the copied target: %zd (%s), expected EFAULT",
			     n, n < 0 ? strerror(errno) : "read");
	/* The child shares the parent's view of the BAR. */
	expect_bar(want, "after the child's accesses");
	_exit(failures ? 1 : 0);
}

/* MADV_WIPEONFORK / MADV_KEEPONFORK: refused or harmless, never a change. */
static void fork_advice(unsigned char *target, uint64_t handle,
			const unsigned char *want)
{
	errno = 0;
	if (madvise(target, MAP_LEN, MADV_WIPEONFORK) != -1 ||
	    errno != EINVAL)
		check_failed("MADV_WIPEONFORK: errno %d (%s), expected EINVAL",
			     errno, strerror(errno));
	errno = 0;
	if (madvise(target, MAP_LEN, MADV_KEEPONFORK) && errno != EINVAL)
		check_failed("MADV_KEEPONFORK: %s, expected success or EINVAL",
			     strerror(errno));
	else
		vmtest_note("MADV_KEEPONFORK: %s", errno ? strerror(errno) :
			    "accepted (it only clears VM_WIPEONFORK)");
	expect_live(handle, "after WIPEONFORK/KEEPONFORK");
	expect_counters(1, MAP_LEN, "after WIPEONFORK/KEEPONFORK");
	expect_bar(want, "after WIPEONFORK/KEEPONFORK");
	if (memcmp(target, want, MAP_LEN))
		check_failed("after WIPEONFORK/KEEPONFORK: the target shows other bytes");
}

int main(void)
{
	struct phxfs_map map = { 0 };
	struct phxfs_unmap unmap = { 0 };
	unsigned char *vma, *target, *want;
	size_t bar_size;
	int status;
	pid_t pid;

	vmtest_name = "mm_fork_dofork";
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < BAR_OFF + MAP_LEN)
		vmtest_fail("BAR too small");
	nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT);
	if (nvme < 0)
		vmtest_fail("open nvme: %s", strerror(errno));
	node = open("/dev/" PHXFS_DEVNAME_PREFIX "0", O_RDWR);
	if (node < 0)
		vmtest_fail("open node: %s", strerror(errno));
	vma = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, node, 0);
	if (vma == MAP_FAILED)
		vmtest_fail("mmap of the node: %s", strerror(errno));
	map.dev_addr = (uintptr_t)(bar + BAR_OFF);
	map.length = MAP_LEN;
	map.user_addr = (uintptr_t)vma;
	if (ioctl(node, PHXFS_IOC_MAP, &map))
		vmtest_fail("MAP: %s", strerror(errno));
	target = vma + map.map_offset;

	want = read_lands(target, DISK_BEFORE, "before fork");
	if (failures)
		vmtest_fail("the mapping does not work even before fork()");
	fork_advice(target, map.handle, want);

	/* No VM_DONTCOPY: fork() copies the VMA, and unless stopped its PTEs. */
	if (madvise(target, MAP_LEN, MADV_DOFORK))
		vmtest_fail("MADV_DOFORK: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		vmtest_fail("fork: %s", strerror(errno));
	if (pid == 0)
		child(target, want);
	if (waitpid(pid, &status, 0) != pid)
		vmtest_fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		check_failed("the child's checks failed (status %#x)", status);

	/* The child and its copy are gone; the parent's mapping is not. */
	expect_bar(want, "after the child exited");
	expect_counters(1, MAP_LEN, "after the child exited");
	expect_live(map.handle, "after the child exited");
	if (memcmp(target, want, MAP_LEN))
		check_failed("after the child exited: the target shows other bytes");
	free(want);
	free(read_lands(target, DISK_AFTER, "after the child exited"));

	unmap.handle = map.handle;
	if (ioctl(node, PHXFS_IOC_UNMAP, &unmap))
		check_failed("UNMAP after the child exited: %s",
			     strerror(errno));
	expect_counters_soon(0, 0, "after the parent's UNMAP");
	if (munmap(vma, MAP_LEN))
		check_failed("munmap: %s", strerror(errno));
	close(node);
	expect_counters_soon(0, 0, "after munmap and close");
	close(nvme);
	if (failures)
		vmtest_fail("%d checks failed (see above)", failures);
	vmtest_note("the child's copy had no pages (SIGBUS, EFAULT, no byte changed); the parent's mapping stayed live");
	return 0;
}
