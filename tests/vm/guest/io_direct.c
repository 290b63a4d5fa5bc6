// SPDX-License-Identifier: MIT
/*
 * The direct path of phxfs_read, phxfs_write and batches: a buffer inside a
 * phxfs_regmem registration (the BAR address itself plus buf_offset) goes
 * by pread/pwrite straight through the module's mapping, io_uring for
 * batches. On the raw NVMe drive (O_DIRECT) and on a file of ext4 on it
 * (O_DIRECT and buffered):
 *  - reads of 4 KiB, 1 MiB + 512 and 40 MiB, aligned and at unaligned file
 *    and buffer offsets (O_DIRECT heads and tails through a bounce, or all
 *    of it where buffer and file are out of step), put in the BAR exactly
 *    what a plain pread reads, and nothing around it; again with
 *    PHXFS_CHUNK_SIZE=1M and 4 threads in a second process (re-executed),
 *    whose registration lives beside this one's;
 *  - writes, aligned and unaligned, put the BAR's bytes on storage and
 *    keep the bytes around them (read-modify-write); one past the end of a
 *    file sets its size;
 *  - reads across the end of the file return the bytes up to it; at or
 *    past it, 0;
 *  - a batch of 300 reads at depth 8 (io_uring; workers for unaligned
 *    ones) completes each request once with 65536, bytes right; a closed
 *    fd is an -EBADF event; opcode 7 fails the submit with EINVAL and
 *    queues nothing;
 *  - after phxfs_deregmem the BAR address is plain host memory (a PFNMAP
 *    mapping) to the library: O_DIRECT cannot pin it (EFAULT) and goes
 *    through a bounce copied by the CPU, buffered I/O goes straight; the
 *    bytes are right and the module maps nothing; the old target address
 *    is unmapped (EFAULT);
 *  - phxfs_registered() knows the registration, and nothing past it;
 *  - the module's counters return to 0.
 * Every transfer is compared in the guest with plain O_DIRECT preads into
 * host memory; raw-drive transfers whose bytes stay in place also print
 * REGION lines for the host check (tests/vm/check_regions.sh).
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <phxfs/phxfs.h>

#include "phxtest.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define BIG (40 * MIB)

/* BAR areas, inside the registration of REG_LEN at the BAR's start. */
#define REG_LEN (128 * MIB)
#define BAR_SCRATCH 0			/* 41 MiB, checked at once, reused */
#define BAR_RAW_BIG (41 * MIB)		/* 41 MiB, the last read stays */
#define BAR_SMALL (82 * MIB)		/* 2 MiB, reused */
#define BAR_WSRC (84 * MIB)		/* 23 MiB, sources of the writes */
#define BAR_BATCH (107 * MIB)		/* NREQ * REQ_STRIDE */
/* The second process's registration, after this one's. */
#define CHILD_BAR REG_LEN
#define CHILD_LEN (41 * MIB)

/* The drive: ext4 on its first 192 MiB, raw I/O above 256 MiB. */
#define DISK_READ (256 * MIB)		/* read only, random since boot */
#define DISK_WRITE (300 * MIB)
#define DISK_BATCH (330 * MIB)
#define DISK_DEREG (360 * MIB)

#define FILE_SIZE (44 * MIB + 1234)	/* ends inside a block */

#define NREQ 300
#define REQ_LEN (64 * KIB)
#define REQ_STRIDE (68 * KIB)

#define GUARD 64			/* poisoned bytes checked around reads */
#define POISON 0xa5

struct kind {
	const char *name;
	int fd;			/* under test */
	int ref;		/* O_DIRECT, for the plain reads */
	bool direct;
	bool raw;		/* the drive: print REGION lines */
	uint64_t rbase, wbase;	/* where its reads and writes go */
};

static unsigned char *bar;
static size_t bar_size;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *xalloc(size_t n)
{
	void *p;

	if (posix_memalign(&p, 4096, n ? n : 1))
		pt_fail("no host memory for %zu bytes", n);
	return p;
}

static void expect_same(const unsigned char *got, const unsigned char *want,
			size_t len, const char *what)
{
	size_t i = 0;

	if (!memcmp(got, want, len))
		return;
	while (got[i] == want[i])
		i++;
	pt_fail("%s: byte %zu of %zu is 0x%02x, expected 0x%02x", what, i,
		len, got[i], want[i]);
}

/*
 * File bytes [@off, @off + @len) through the O_DIRECT descriptor @ref
 * into @out: the aligned blocks around them, read whole. The bytes there,
 * fewer than @len only at end of file.
 */
static size_t ref_read(int ref, uint64_t off, size_t len, unsigned char *out)
{
	uint64_t a = off & ~(uint64_t)4095;
	size_t span = (size_t)(((off + len + 4095) & ~(uint64_t)4095) - a);
	unsigned char *tmp = xalloc(span);
	size_t got = 0, avail = 0;

	while (got < span) {
		ssize_t n = pread(ref, tmp + got, span - got, (off_t)(a + got));

		if (n < 0)
			pt_fail("plain pread of %zu at %" PRIu64 ": %s",
				span - got, a + got, strerror(errno));
		got += (size_t)n;
		if (!n || got % 512)
			break;		/* end of file */
	}
	if (got > off - a)
		avail = got - (size_t)(off - a) < len ? got - (size_t)(off - a) :
							 len;
	memcpy(out, tmp + (off - a), avail);
	free(tmp);
	return avail;
}

static void poison(size_t from, size_t to)
{
	memset(bar + from, POISON, to - from);
}

static void expect_poison(size_t from, size_t to, const char *what)
{
	for (size_t i = from; i < to; i++)
		if (bar[i] != POISON)
			pt_fail("%s: device memory at %zu changed (0x%02x), outside the request",
				what, i, bar[i]);
}

/*
 * phxfs_read(@len at @off of @k) into the BAR at @bar_off: the bytes of a
 * plain read, as many as it got, and no byte outside (but past a short
 * O_DIRECT read, which the kernel may fill up to the end of its blocks).
 * Returns the count.
 */
static ssize_t check_read(const struct kind *k, size_t bar_off, size_t len,
			  uint64_t off)
{
	unsigned char *want = xalloc(len);
	size_t avail = ref_read(k->ref, off, len, want);
	size_t lo = bar_off >= GUARD ? bar_off - GUARD : 0;
	size_t hi = bar_off + len + GUARD;
	char what[160];
	ssize_t n;

	snprintf(what, sizeof(what), "%s: phxfs_read of %zu at %" PRIu64 " to BAR+%zu",
		 k->name, len, off, bar_off);
	if (hi > bar_size)
		pt_fail("%s: does not fit the BAR", what);
	poison(lo, hi);
	n = phxfs_read(k->fd, 0, bar, bar_off, len, (off_t)off);
	if (n != (ssize_t)avail)
		pt_fail("%s: %zd (%s), expected %zu", what, n,
			n < 0 ? strerror(errno) : "count", avail);
	expect_same(bar + bar_off, want, avail, what);
	expect_poison(lo, bar_off, what);
	if (avail == len || !avail || !k->direct)
		expect_poison(bar_off + avail, hi, what);
	free(want);
	return n;
}

/*
 * phxfs_write of BAR bytes [@src, @src + @len) to @off of @k: storage then
 * holds them, and the blocks around hold what they held.
 */
static void check_write(const struct kind *k, size_t src, size_t len,
			uint64_t off)
{
	uint64_t lo = off >= 8192 ? (off & ~(uint64_t)4095) - 4096 : 0;
	uint64_t hi = ((off + len + 4095) & ~(uint64_t)4095) + 4096;
	size_t span = (size_t)(hi - lo), at = (size_t)(off - lo);
	unsigned char *before = xalloc(span), *after = xalloc(span);
	char what[160];
	ssize_t n;

	snprintf(what, sizeof(what), "%s: phxfs_write of %zu from BAR+%zu to %" PRIu64,
		 k->name, len, src, off);
	if (ref_read(k->ref, lo, span, before) != span)
		pt_fail("%s: storage too small", what);
	n = phxfs_write(k->fd, 0, bar, src, len, (off_t)off);
	if (n != (ssize_t)len)
		pt_fail("%s: %zd (%s)", what, n,
			n < 0 ? strerror(errno) : "short");
	if (ref_read(k->ref, lo, span, after) != span)
		pt_fail("%s: read back short", what);
	expect_same(after + at, bar + src, len, what);
	expect_same(after, before, at, "bytes before the write changed");
	expect_same(after + at + len, before + at + len, span - at - len,
		    "bytes after the write changed");
	if (k->raw)
		printf("REGION %zu %" PRIu64 " %zu write\n", src, off, len);
	free(before);
	free(after);
}

/* The data file, on the ext4 of make_fs(). */
static const char *data_path(void)
{
	static char path[300];

	if (!*path)
		snprintf(path, sizeof(path), "%s/data.bin", phxtest_mnt());
	return path;
}

static int xopen(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0)
		pt_fail("open %s: %s", path, strerror(errno));
	return fd;
}

/* The drive raw (O_DIRECT), the data file with and without O_DIRECT. */
static void open_kinds(struct kind *k, int rw)
{
	const char *nvme = vmtest_env("PHXVM_NVME");

	k[0] = (struct kind){ "raw O_DIRECT", xopen(nvme, rw | O_DIRECT),
			      xopen(nvme, O_RDONLY | O_DIRECT), true, true,
			      DISK_READ, DISK_WRITE };
	k[1] = (struct kind){ "ext4 O_DIRECT", xopen(data_path(), rw | O_DIRECT),
			      xopen(data_path(), O_RDONLY | O_DIRECT), true, false,
			      0, 0 };
	k[2] = (struct kind){ "ext4 buffered", xopen(data_path(), rw),
			      xopen(data_path(), O_RDONLY | O_DIRECT), false, false,
			      0, 0 };
}

static void close_kinds(struct kind *k)
{
	for (int i = 0; i < 3; i++) {
		close(k[i].fd);
		close(k[i].ref);
	}
}

/* ext4 on the drive's first 192 MiB, holding the data file. */
static void make_fs(void)
{
	unsigned char *buf = xalloc(FILE_SIZE);
	int fd;

	phxtest_mount_ext4("-E nodiscard", "192M");
	phxfs_pattern_fill(buf, FILE_SIZE, 0xda7a, 0);
	fd = xopen(data_path(), O_CREAT | O_TRUNC | O_WRONLY);
	if (write(fd, buf, FILE_SIZE) != (ssize_t)FILE_SIZE || fsync(fd) ||
	    close(fd))
		pt_fail("write %s: %s", data_path(), strerror(errno));
	free(buf);
}

/* a. Reads of each kind, every size, aligned and not. */
static void test_reads(const struct kind *kinds)
{
	/* File offsets past the kind's base; buffer offsets into an area. */
	static const struct {
		size_t len;
		uint64_t off;
		size_t buf_off;
	} rc[] = {
		{ 4 * KIB, 8192, 0 },
		{ 4 * KIB, 4096 * 3 + 100, 777 },		/* all bounce */
		{ MIB + 512, 4096 * 3 + 100, 4096 + 100 },	/* head, tail */
		{ MIB + 512, 4096 * 3 + 100, 777 },
		{ BIG, 4096 * 3 + 100, 777 },
		{ BIG, 4096 * 3 + 100, 4096 + 100 },	/* last: REGION */
	};
	const size_t nrc = sizeof(rc) / sizeof(rc[0]);

	for (int i = 0; i < 3; i++) {
		const struct kind *k = &kinds[i];
		size_t big_area = k->raw ? BAR_RAW_BIG : BAR_SCRATCH;

		for (size_t j = 0; j < nrc; j++) {
			size_t area = rc[j].len == BIG ? big_area : BAR_SMALL;

			/* Out of step is the same path as in step, buffered. */
			if (!k->direct && rc[j].buf_off == 777 &&
			    rc[j].len == BIG)
				continue;
			check_read(k, area + rc[j].buf_off, rc[j].len,
				   k->rbase + rc[j].off);
		}
		if (k->raw)
			printf("REGION %zu %" PRIu64 " %zu read\n",
			       big_area + rc[nrc - 1].buf_off,
			       k->rbase + rc[nrc - 1].off, rc[nrc - 1].len);
	}
}

/*
 * The same with PHXFS_CHUNK_SIZE=1M and PHXFS_THREADS=4 (read once, at the
 * first call: hence a process of its own), into a registration of its own
 * beside the parent's.
 */
static int child_main(void)
{
	const size_t at = CHILD_BAR + 4096 + 300;
	struct kind kinds[3];
	void *target;

	pt_name = "io_direct (1 MiB chunks)";
	bar = phxtest_map_bar(&bar_size);
	open_kinds(kinds, O_RDONLY);
	PT_OK(phxfs_open(0));
	if (phxfs_mode(0) != PHXFS_MODE_DIRECT)
		pt_fail("phxfs_mode: %d, expected direct", phxfs_mode(0));
	PT_OK(phxfs_regmem(0, bar + CHILD_BAR, CHILD_LEN, &target));
	phxtest_expect_counters(2, -1, "with both processes' registrations");

	check_read(&kinds[1], CHILD_BAR + 777, BIG, 4096 * 2 + 5);
	check_read(&kinds[2], CHILD_BAR + 4096 + 33, BIG, 4096 * 7 + 33);
	/* Last in the area: its bytes stay for the host check. */
	check_read(&kinds[0], at, BIG, DISK_READ + 4096 * 9 + 300);
	printf("REGION %zu %zu %zu read\n", at, DISK_READ + 4096 * 9 + 300,
	       BIG);

	PT_OK(phxfs_deregmem(0, bar + CHILD_BAR, CHILD_LEN));
	PT_OK(phxfs_close(0));
	close_kinds(kinds);
	pt_note("3 reads of 40 MiB in 1 MiB pieces on 4 threads");
	return 0;
}

static void run_child(const char *self)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		pt_fail("fork: %s", strerror(errno));
	if (!pid) {
		setenv("PHXFS_CHUNK_SIZE", "1M", 1);
		setenv("PHXFS_THREADS", "4", 1);
		execl(self, self, "chunk1m", (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", self, strerror(errno));
		_exit(1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		pt_fail("the 1 MiB chunk process failed (status 0x%x)",
			status);
}

/* A file of 10000 bytes; phxfs_write of 3000 at 20007 sets its size. */
static void check_grow(int flags, size_t src)
{
	unsigned char *want = xalloc(23007), *got = xalloc(23007);
	char path[300];
	struct stat st;
	int fd, ref;

	snprintf(path, sizeof(path), "%s/grow.bin", phxtest_mnt());
	phxfs_pattern_fill(want, 10000, 0x600d, 0);
	fd = xopen(path, O_CREAT | O_TRUNC | O_WRONLY);
	if (write(fd, want, 10000) != 10000 || fsync(fd) || close(fd))
		pt_fail("write %s: %s", path, strerror(errno));
	fd = xopen(path, O_RDWR | flags);
	if (phxfs_write(fd, 0, bar, src, 3000, 20007) != 3000)
		pt_fail("phxfs_write past the end of the file: %s",
			strerror(errno));
	if (fstat(fd, &st) || st.st_size != 23007)
		pt_fail("file size after a write past its end: %lld, expected 23007",
			(long long)st.st_size);
	memset(want + 10000, 0, 10007);
	memcpy(want + 20007, bar + src, 3000);
	ref = xopen(path, O_RDONLY | O_DIRECT);
	if (ref_read(ref, 0, 23007, got) != 23007)
		pt_fail("read back of the grown file short");
	expect_same(got, want, 23007, "file grown by phxfs_write");
	close(ref);
	close(fd);
	unlink(path);
	free(want);
	free(got);
}

/* b. Writes of each kind from the BAR, aligned and not. */
static void test_writes(const struct kind *kinds)
{
	/* The same offset in the sources and the file: in step. */
	static const struct {
		size_t len;
		uint64_t off;
		size_t src;
	} wc[] = {
		{ 4 * KIB, 0, 0 },
		{ 2 * MIB, MIB, MIB },
		{ MIB + 512, 3 * MIB + 4096 * 5 + 100, 3 * MIB + 777 },
		{ 17 * MIB + 300, 5 * MIB + 4096 * 7 + 100,
		  5 * MIB + 4096 * 7 + 100 },	/* two pieces */
	};

	phxfs_pattern_fill(bar + BAR_WSRC, 23 * MIB, 0x5eed, 0);
	for (int i = 0; i < 3; i++)
		for (size_t j = 0; j < sizeof(wc) / sizeof(wc[0]); j++)
			check_write(&kinds[i], BAR_WSRC + wc[j].src, wc[j].len,
				    kinds[i].wbase + wc[j].off);
	check_grow(O_DIRECT, BAR_WSRC + 333);
	check_grow(0, BAR_WSRC + 4444);
}

/* c. Reads across and at the end of the file. */
static void test_eof(const struct kind *kinds)
{
	const uint64_t from = FILE_SIZE - 17 * MIB - 77;

	for (int i = 1; i < 3; i++) {
		const struct kind *k = &kinds[i];
		ssize_t n;

		if ((n = check_read(k, BAR_SCRATCH + 777, MIB,
				    FILE_SIZE - 5000)) != 5000 ||
		    (n = check_read(k, BAR_SCRATCH + 4096 + from % 4096, BIG,
				    from)) != (ssize_t)(17 * MIB + 77) ||
		    (n = check_read(k, BAR_SCRATCH + 4096, 4096,
				    FILE_SIZE)) != 0 ||
		    (n = check_read(k, BAR_SCRATCH + 4096, BIG,
				    FILE_SIZE)) != 0 ||
		    (n = check_read(k, BAR_SCRATCH + 100, MIB,
				    FILE_SIZE + 100 * MIB)) != 0)
			pt_fail("%s: read at the end of the file: %zd bytes",
				k->name, n);
	}
}

/* d. A batch of NREQ reads at depth 8, then a bad fd and a bad opcode. */
static void test_batch(const struct kind *raw)
{
	const struct timespec patience = { .tv_sec = 30 }, none = { 0 };
	const size_t span = NREQ * REQ_STRIDE + 4096;
	struct phxfs_io_req *reqs = calloc(NREQ, sizeof(*reqs));
	struct phxfs_io_req bad[2];
	unsigned char *want = xalloc(span);
	struct phxfs_io_event ev[64];
	bool seen[NREQ] = { false };
	phxfs_batch_t *b;
	unsigned int done = 0;
	int dead, n;

	if (!reqs)
		pt_fail("no memory");
	if (ref_read(raw->ref, DISK_BATCH, span, want) != span)
		pt_fail("plain read of the batch's blocks short");
	poison(BAR_BATCH, BAR_BATCH + NREQ * REQ_STRIDE);
	for (size_t i = 0; i < NREQ; i++) {
		/* Disk blocks shuffled; each tenth unaligned (workers). */
		size_t shift = i % 10 == 9 ? 100 : 0;
		size_t disk = (i * 7 % NREQ) * REQ_STRIDE + shift;

		reqs[i] = (struct phxfs_io_req){
			.opcode = PHXFS_OP_READ, .fd = raw->fd, .buf = bar,
			.buf_offset = BAR_BATCH + i * REQ_STRIDE + shift,
			.size = REQ_LEN, .file_offset = (off_t)(DISK_BATCH + disk),
			.user_data = (void *)(uintptr_t)i,
		};
	}

	b = phxfs_batch_create(8);
	if (!b)
		pt_fail("phxfs_batch_create(8): %s", strerror(errno));
	PT_OK(phxfs_batch_submit(b, reqs, NREQ));
	while (done < NREQ) {
		n = phxfs_batch_reap(b, ev, 1, 64, &patience);
		if (n < 1)
			pt_fail("batch: reap gave %d after %u of %d events (%s)",
				n, done, NREQ,
				n < 0 ? strerror(errno) : "30 s");
		for (int i = 0; i < n; i++) {
			uintptr_t idx = (uintptr_t)ev[i].user_data;

			if (idx >= NREQ || seen[idx])
				pt_fail("batch: event for request %" PRIuPTR " %s",
					idx, idx >= NREQ ? "unknown" : "again");
			seen[idx] = true;
			if (ev[i].result != (ssize_t)REQ_LEN)
				pt_fail("batch: request %" PRIuPTR ": result %zd",
					idx, ev[i].result);
		}
		done += (unsigned int)n;
	}
	if ((n = phxfs_batch_reap(b, ev, 1, 64, &none)) != 0)
		pt_fail("batch: %d events more than requests", n);
	for (size_t i = 0; i < NREQ; i++) {
		const struct phxfs_io_req *r = &reqs[i];

		expect_same(bar + r->buf_offset,
			    want + ((uint64_t)r->file_offset - DISK_BATCH),
			    REQ_LEN, "batch: device memory after the reads");
		expect_poison(r->buf_offset - (i % 10 == 9 ? 100 : 0),
			      r->buf_offset, "batch");
		expect_poison(r->buf_offset + REQ_LEN,
			      BAR_BATCH + (i + 1) * REQ_STRIDE, "batch");
	}

	/* An fd closed just before: the error comes as an event. */
	dead = xopen("/dev/null", O_RDONLY);
	close(dead);
	bad[0] = reqs[0];
	bad[0].fd = dead;
	bad[0].user_data = (void *)(uintptr_t)0xbad;
	PT_OK(phxfs_batch_submit(b, bad, 1));
	n = phxfs_batch_reap(b, ev, 1, 64, &patience);
	if (n != 1 || ev[0].user_data != (void *)(uintptr_t)0xbad ||
	    ev[0].result != -EBADF)
		pt_fail("batch: closed fd gave %d events, result %zd, expected -EBADF",
			n, n > 0 ? ev[0].result : 0);

	/* A bad opcode refuses the whole submit: nothing of it queued. */
	bad[0] = reqs[1];
	bad[1] = reqs[2];
	bad[1].opcode = 7;
	PHXTEST_EXPECT_ERR(phxfs_batch_submit(b, bad, 2), EINVAL);
	if ((n = phxfs_batch_reap(b, ev, 1, 64, &none)) != 0)
		pt_fail("batch: a refused submit queued %d requests", n);
	phxfs_batch_destroy(b);
	free(reqs);
	free(want);
}

/*
 * e. The BAR address after phxfs_deregmem: the library sees host memory
 * (the sysfs PFNMAP mapping). O_DIRECT cannot pin it: the kernel answers
 * EFAULT and the library copies through a bounce buffer; buffered I/O
 * goes straight. Either way the bytes must be right, and the module must
 * map nothing. The old target address is gone: EFAULT. A read just
 * before deregistering leaves this thread's lookup hint on the
 * registration: the reads after must not follow it.
 */
static void test_deregistered(const struct kind *kinds, void *target)
{
	unsigned char *back = xalloc(64 * KIB + 512);

	check_read(&kinds[0], BAR_SCRATCH, 4 * KIB, DISK_READ);
	PT_OK(phxfs_deregmem(0, bar, REG_LEN));
	if (phxfs_registered(0, bar, 1) != 0)
		pt_fail("phxfs_registered: the BAR still registered");
	/* First: no allocation may take the target's addresses. */
	PHXTEST_EXPECT_ERR(phxfs_read(kinds[0].fd, 0, target, 0, 4096,
				      (off_t)DISK_READ), EFAULT);
	PHXTEST_EXPECT_ERR(phxfs_read(kinds[2].fd, 0, target, 0, 4096, 0),
			   EFAULT);
	phxtest_expect_counters(0, 0, "after phxfs_deregmem");

	check_read(&kinds[0], BAR_SCRATCH + 4096, 4 * KIB, DISK_READ + 8192);
	check_read(&kinds[0], BAR_SCRATCH + 8192 + 100, MIB + 512,
		   DISK_READ + 4096 * 5 + 100);
	check_read(&kinds[0], BAR_SCRATCH + 4 * MIB, 3 * MIB,
		   DISK_READ + 7 * MIB);		/* split */
	check_read(&kinds[1], BAR_SCRATCH + 777, MIB + 512, 4096 * 3 + 100);
	check_read(&kinds[2], BAR_SCRATCH + 777, MIB + 512, 4096 * 3 + 100);
	check_read(&kinds[2], BAR_SCRATCH + 8 * MIB, 3 * MIB, 5 * MIB);

	/* And the other way, from the BAR address to the drive. */
	if (phxfs_write(kinds[0].fd, 0, bar, BAR_SCRATCH + 4 * MIB,
			64 * KIB + 512, (off_t)DISK_DEREG) !=
	    (ssize_t)(64 * KIB + 512))
		pt_fail("phxfs_write from the deregistered BAR: %s",
			strerror(errno));
	if (ref_read(kinds[0].ref, DISK_DEREG, 64 * KIB + 512, back) !=
	    64 * KIB + 512)
		pt_fail("read back short");
	expect_same(back, bar + BAR_SCRATCH + 4 * MIB, 64 * KIB + 512,
		    "write from the deregistered BAR");
	phxtest_expect_counters(0, 0, "after I/O on the deregistered BAR");
	free(back);
}

int main(int argc, char **argv)
{
	struct kind kinds[3];
	double t0 = now(), t;
	void *target;

	pt_name = "io_direct";
	if (argc == 2 && !strcmp(argv[1], "chunk1m"))
		return child_main();
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < CHILD_BAR + CHILD_LEN)
		pt_fail("the BAR (%zu bytes) is too small", bar_size);
	make_fs();
	open_kinds(kinds, O_RDWR);

	PT_OK(phxfs_open(0));
	if (phxfs_mode(0) != PHXFS_MODE_DIRECT)
		pt_fail("phxfs_mode: %d, expected direct", phxfs_mode(0));
	PT_OK(phxfs_regmem(0, bar, REG_LEN, &target));
	phxtest_expect_counters(1, REG_LEN, "after phxfs_regmem");
	if (phxfs_registered(0, bar, REG_LEN) != 1 ||
	    phxfs_registered(0, bar + REG_LEN - 1, 1) != 1 ||
	    phxfs_registered(0, bar + 4096, REG_LEN) != 0 ||
	    phxfs_registered(0, bar + REG_LEN, 1) != 0)
		pt_fail("phxfs_registered: wrong about the registration");
	pt_note("set up in %.1f s", (t = now()) - t0);

	test_reads(kinds);
	pt_note("a. reads: %.1f s", now() - t);
	t = now();
	run_child("/proc/self/exe");
	phxtest_expect_counters(1, REG_LEN, "after the second process");
	pt_note("a. reads, 1 MiB chunks: %.1f s", now() - t);
	t = now();
	test_writes(kinds);
	pt_note("b. writes: %.1f s", now() - t);
	t = now();
	test_eof(kinds);
	pt_note("c. end of file: %.1f s", now() - t);
	t = now();
	test_batch(&kinds[0]);
	pt_note("d. batch: %.1f s", now() - t);
	t = now();
	test_deregistered(kinds, target);
	pt_note("e. deregistered: %.1f s", now() - t);

	PT_OK(phxfs_close(0));
	phxtest_expect_counters(0, 0, "at the end");
	close_kinds(kinds);
	if (umount(phxtest_mnt()))
		pt_fail("umount: %s", strerror(errno));
	pt_note("direct path right byte for byte in %.1f s", now() - t0);
	return 0;
}
