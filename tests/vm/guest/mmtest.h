/* SPDX-License-Identifier: MIT */
/*
 * mmtest.h - what the memory-management guest tests (mm_*.c) share beyond
 * phxtest.h: the raw ioctls on the node (the tests need the handle), VMAs
 * of the node, the counters of what is mapped and pinned, O_DIRECT reads
 * checked against what the drive holds, and touching an address that may
 * fault.
 *
 * A failed check ends the test at once (pt_fail), or, in a test that
 * sets mmtest_go_on, is reported and counted so that one run shows every
 * difference; such a test ends with mmtest_check_flaws().
 */
#ifndef PHXFS_MMTEST_H
#define PHXFS_MMTEST_H

#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"

#define MMTEST_NODE "/dev/" PHXFS_DEVNAME_PREFIX "0"
/* Device memory holds this before a transfer: one that did not land shows. */
#define MMTEST_MARK 0xa5
/* What mmtest_touch() writes. */
#define MMTEST_TOUCH_BYTE 0x5a
/* A counter mmtest_counters_are() does not look at. */
#define MMTEST_ANY LLONG_MIN

/* Set: a failed check is counted (pt_failures) and the test goes on. */
static int mmtest_go_on __attribute__((unused));

/* A failed check: "NAME: FAIL: ...", then exit 1 unless mmtest_go_on. */
__attribute__((format(printf, 1, 2)))
static inline void mmtest_failed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pt_vprint("FAIL", NULL, 0, fmt, ap);
	va_end(ap);
	pt_failures++;
	if (!mmtest_go_on)
		pt_stop(1);
}

/* The end of a test that went on after failed checks: fail if there were. */
static inline void mmtest_check_flaws(void)
{
	if (pt_failures)
		pt_fail("%d checks failed (see above)", pt_failures);
}

/* The BAR, mapped read-write; the test fails if it is under @need bytes. */
static inline unsigned char *mmtest_map_bar(size_t need)
{
	size_t size;
	unsigned char *bar = phxtest_map_bar(&size);

	if (size < need)
		pt_fail("the BAR (%zu bytes) is smaller than the %zu bytes the test uses",
			size, need);
	return bar;
}

/* A file of the node, of this process. */
static inline int mmtest_open_node(void)
{
	int fd = open(MMTEST_NODE, O_RDWR);

	if (fd < 0)
		pt_fail("open %s: %s", MMTEST_NODE, strerror(errno));
	return fd;
}

/* The drive, opened @flags (O_RDWR or O_RDONLY) with O_DIRECT. */
static inline int mmtest_open_nvme(int flags)
{
	int fd = open(vmtest_env("PHXVM_NVME"), flags | O_DIRECT);

	if (fd < 0)
		pt_fail("open nvme: %s", strerror(errno));
	return fd;
}

/* A VMA of the node file @fd, read-write, at file offset @off: no pages yet. */
static inline unsigned char *mmtest_vma(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		pt_fail("mmap of %zu bytes of the node at %#jx: %s", len,
			(intmax_t)off, strerror(errno));
	return p;
}

/*
 * PHXFS_IOC_MAP of @dev_addr, @len bytes, into the VMA at @vma, through
 * @fd: 0 or -1 (errno). The handle in *@handle (0 after a failure), the
 * offset of @dev_addr in its page in *@map_offset unless that is NULL.
 */
static inline int mmtest_map(int fd, const void *dev_addr, size_t len,
			     void *vma, uint64_t *handle, uint64_t *map_offset)
{
	struct phxfs_map m = {
		.dev_addr = (uintptr_t)dev_addr,
		.length = len,
		.user_addr = (uintptr_t)vma,
	};
	int ret = ioctl(fd, PHXFS_IOC_MAP, &m);

	*handle = m.handle;
	if (map_offset)
		*map_offset = m.map_offset;
	return ret;
}

/* mmtest_map() of a page-aligned @dev_addr: a MAP that works has offset 0. */
static inline int mmtest_map_aligned(int fd, const void *dev_addr, size_t len,
				     void *vma, uint64_t *handle)
{
	uint64_t off;
	int ret = mmtest_map(fd, dev_addr, len, vma, handle, &off);

	if (!ret && off)
		pt_fail("page-aligned MAP got map_offset %" PRIu64, off);
	return ret;
}

/* PHXFS_IOC_UNMAP of @handle: 0 or -1 (errno). */
static inline int mmtest_unmap(int fd, uint64_t handle)
{
	struct phxfs_unmap u = { .handle = handle };

	return ioctl(fd, PHXFS_IOC_UNMAP, &u);
}

/* PHXFS_IOC_UNMAP of @handle, which must work. */
static inline void mmtest_unmap_ok(int fd, uint64_t handle)
{
	if (mmtest_unmap(fd, handle))
		pt_fail("UNMAP of handle %" PRIu64 ": %s", handle,
			strerror(errno));
}

/* QUERY must say the mapping @handle is PHXFS_MAP_LIVE. */
static inline void mmtest_expect_live(int fd, uint64_t handle,
				      const char *when)
{
	struct phxfs_query q = { .handle = handle };

	if (ioctl(fd, PHXFS_IOC_QUERY, &q))
		mmtest_failed("%s: QUERY of handle %" PRIu64 ": %s", when,
			      handle, strerror(errno));
	else if (q.state != PHXFS_MAP_LIVE)
		mmtest_failed("%s: QUERY state %u, expected PHXFS_MAP_LIVE",
			      when, q.state);
}

/* The node's "releasing" counter, or -1 where the module has none. */
static inline long long mmtest_releasing(void)
{
	return vmtest_exists("/sys/class/phxfs/phxfs_dev0/releasing") ?
	       phxtest_counter("releasing") : -1;
}

/*
 * Whether the node counts @mappings mappings and @bytes pinned bytes and,
 * where the module has the counter, @releasing mappings on their way out
 * (MMTEST_ANY: not looked at).
 */
static inline int mmtest_counters_are(long long mappings, long long bytes,
				      long long releasing)
{
	long long rel;

	if (phxtest_counter("mappings") != mappings ||
	    phxtest_counter("pinned_bytes") != bytes)
		return 0;
	if (releasing == MMTEST_ANY)
		return 1;
	rel = mmtest_releasing();
	return rel < 0 || rel == releasing;
}

/*
 * mmtest_counters_are(), within @secs seconds (0: now): a release may
 * come a little after the call that caused it (a holder's last put, a
 * kernel worker).
 */
static inline int mmtest_counters_soon(long long mappings, long long bytes,
				       long long releasing, int secs)
{
	for (int i = 0; i < secs * 50; i++) {
		if (mmtest_counters_are(mappings, bytes, releasing))
			return 1;
		usleep(20000);
	}
	return mmtest_counters_are(mappings, bytes, releasing);
}

/* The counters must get to what mmtest_counters_soon() is told. */
static inline void mmtest_expect_counters(long long mappings, long long bytes,
					  long long releasing, int secs,
					  const char *when)
{
	if (mmtest_counters_soon(mappings, bytes, releasing, secs))
		return;
	if (releasing == MMTEST_ANY)
		mmtest_failed("%s: %lld mappings, %lld bytes pinned; expected %lld, %lld",
			      when, phxtest_counter("mappings"),
			      phxtest_counter("pinned_bytes"), mappings,
			      bytes);
	else
		mmtest_failed("%s: %lld mappings, %lld bytes pinned, %lld releasing; expected %lld, %lld, %lld",
			      when, phxtest_counter("mappings"),
			      phxtest_counter("pinned_bytes"),
			      mmtest_releasing(), mappings, bytes, releasing);
}

/* Page-aligned host memory for @len bytes of I/O; free() it. */
static inline unsigned char *mmtest_host_buf(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		pt_fail("no host memory");
	return p;
}

/* What the drive @nvme holds at @disk_off, read into host memory. */
static inline unsigned char *mmtest_host_read(int nvme, off_t disk_off,
					      size_t len)
{
	unsigned char *host = mmtest_host_buf(len);

	if (pread(nvme, host, len, disk_off) != (ssize_t)len)
		pt_fail("pread into host memory: %s", strerror(errno));
	return host;
}

/*
 * An O_DIRECT pread of @len bytes at @disk_off into @target must land in
 * the device memory behind it, @dev (marked first), byte for byte, as the
 * same read into host memory shows. Returns that host copy (free() it).
 */
static inline unsigned char *mmtest_read_lands(int nvme, void *target,
					       unsigned char *dev, size_t len,
					       off_t disk_off, const char *when)
{
	unsigned char *want = mmtest_host_read(nvme, disk_off, len);
	ssize_t n;

	memset(dev, MMTEST_MARK, len);
	n = pread(nvme, target, len, disk_off);
	if (n != (ssize_t)len)
		mmtest_failed("%s: pread into the target: %zd (%s)", when, n,
			      n < 0 ? strerror(errno) : "short");
	else if (memcmp(dev, want, len))
		mmtest_failed("%s: device memory does not hold what the drive does",
			      when);
	return want;
}

/* What mmtest_touch() saw. */
struct mmtest_fault {
	int sig, code;		/* the signal and its si_code, or 0 */
	void *addr;		/* its si_addr */
	unsigned char byte;	/* what was read or written */
};

static sigjmp_buf mmtest_fault_jmp __attribute__((unused));
static struct mmtest_fault *volatile mmtest_faulting __attribute__((unused));

static inline void mmtest_on_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	mmtest_faulting->sig = sig;
	mmtest_faulting->code = si->si_code;
	mmtest_faulting->addr = si->si_addr;
	siglongjmp(mmtest_fault_jmp, 1);
}

/*
 * Read @p (or write MMTEST_TOUCH_BYTE there) with SIGSEGV and SIGBUS
 * caught: what happened in *@f; the signal, or 0 if the access went
 * through. The handlers are back to SIG_DFL afterwards.
 */
static inline int mmtest_touch(volatile unsigned char *p, int write,
			       struct mmtest_fault *f)
{
	struct sigaction sa = { .sa_sigaction = mmtest_on_fault,
				.sa_flags = SA_SIGINFO };
	volatile unsigned char v = 0;

	*f = (struct mmtest_fault){ 0 };
	mmtest_faulting = f;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (!sigsetjmp(mmtest_fault_jmp, 1)) {
		if (write)
			*p = v = MMTEST_TOUCH_BYTE;
		else
			v = *p;
	}
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	f->byte = v;
	return f->sig;
}

/* A read (or write) of @p, which is @what, must raise @sig at @p. */
static inline void mmtest_expect_fault(volatile unsigned char *p, int write,
				       int sig, const char *what)
{
	const char *op = write ? "write" : "read";
	struct mmtest_fault f;

	if (!mmtest_touch(p, write, &f))
		mmtest_failed("%s of %s at %p did not fault (%s %#x), expected SIG%s",
			      op, what, (void *)p, write ? "wrote" : "read",
			      f.byte, sigabbrev_np(sig));
	else if (f.sig != sig || f.addr != (void *)p)
		mmtest_failed("%s of %s: SIG%s (code %d) at %p, expected SIG%s at %p",
			      op, what, sigabbrev_np(f.sig), f.code, f.addr,
			      sigabbrev_np(sig), (void *)p);
}

#endif /* PHXFS_MMTEST_H */
