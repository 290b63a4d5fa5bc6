// SPDX-License-Identifier: MIT
/*
 * Batches: thousands of requests through a batch of depth 8 (more than
 * io_uring's ring and than 256), host memory (io_uring) and fake device
 * memory (the workers) mixed in one batch, buffered and O_DIRECT, reads
 * and writes, short reads at the end of the file, I/O errors as events,
 * malformed submissions refused whole, reap's min/max/timeout,
 * phxfs_batch_run's results in request order, and a batch destroyed with
 * requests still in flight. Every byte is checked.
 */
#define _GNU_SOURCE
#include "iotest.h"

#include <stdbool.h>
#include <time.h>

#include <phxfs/phxfs.h>

#include "fakedev.h"
#include "memops.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define FILE_SIZE (8 * MIB + 1234)
#define NREQ 2000
#define SLOT (4 * KIB)		/* each request's own buffer span */
#define DEV 0

struct expect {
	size_t len;		/* bytes it must report */
	bool seen;
};

static struct expect expect[NREQ];

/* Reap until every request of [0, @n) has reported, checking results. */
static void reap_all(phxfs_batch_t *b, int n, const char *what)
{
	struct phxfs_io_event ev[64];
	int got = 0, rounds = 0;

	while (got < n && rounds++ < 100000) {
		int r = phxfs_batch_reap(b, ev, 1, 64, NULL);

		PT_CHECK(r >= 1, "%s: reap returned %d (%s)", what, r,
		      strerror(errno));
		if (r < 1)
			return;
		for (int i = 0; i < r; i++) {
			uintptr_t k = (uintptr_t)ev[i].user_data;

			PT_CHECK(k < (uintptr_t)n && !expect[k].seen,
			      "%s: unknown or repeated user_data %zu", what,
			      (size_t)k);
			if (k >= (uintptr_t)n || expect[k].seen)
				continue;
			expect[k].seen = true;
			PT_CHECK(ev[i].result == (ssize_t)expect[k].len,
			      "%s: request %zu: result %zd, expected %zu",
			      what, (size_t)k, ev[i].result, expect[k].len);
		}
		got += r;
	}
	PT_CHECK(got == n, "%s: %d of %d events", what, got, n);
}

/* Request @k's file range: varied sizes, some unaligned, some at EOF. */
static void request_range(int k, bool aligned, uint64_t *off, size_t *len)
{
	*len = aligned ? (size_t)(1 + k % 4) * 512 : (size_t)(1 + (k * 37) % SLOT);
	*off = aligned ? (uint64_t)(k * 7919 % (FILE_SIZE / 512)) * 512 :
			 (uint64_t)k * 4099 % (FILE_SIZE + 100);
	if (k % 97 == 0)	/* straddles or starts past the end */
		*off = aligned ? FILE_SIZE / 512 * 512 :
				 FILE_SIZE - (size_t)k % 300;
}

static size_t clip(uint64_t off, size_t len)
{
	if (off >= FILE_SIZE)
		return 0;
	return len < FILE_SIZE - off ? len : (size_t)(FILE_SIZE - off);
}

/*
 * NREQ reads into host memory (io_uring where the alignment allows, the
 * workers otherwise) and, on odd requests, fake device memory (workers).
 */
static void reads(int fd, bool direct, unsigned char *host, const char *what)
{
	struct phxfs_io_req *reqs = calloc(NREQ, sizeof(*reqs));
	phxfs_batch_t *b = phxfs_batch_create(8);

	PT_CHECK(b && reqs, "%s: create: %s", what, strerror(errno));
	if (!b || !reqs)
		return;
	memset(host, 0xEE, (size_t)NREQ * SLOT);
	for (int k = 0; k < NREQ; k++) {
		bool on_dev = k % 2;
		uint64_t off;
		size_t len;

		request_range(k, direct && k % 3, &off, &len);
		reqs[k] = (struct phxfs_io_req){
			.opcode = PHXFS_OP_READ, .fd = fd, .device_id = DEV,
			.buf = on_dev ? fakedev_addr(0, 0) : (void *)host,
			.buf_offset = (size_t)k * SLOT, .size = len,
			.file_offset = (off_t)off,
			.user_data = (void *)(uintptr_t)k,
		};
		expect[k] = (struct expect){ .len = clip(off, len) };
	}
	/* In three submissions, the last while the first still run. */
	PT_CHECK(!phxfs_batch_submit(b, reqs, 700), "%s: submit", what);
	PT_CHECK(!phxfs_batch_submit(b, reqs + 700, 300), "%s: submit", what);
	PT_CHECK(!phxfs_batch_submit(b, reqs + 1000, NREQ - 1000), "%s: submit",
	      what);
	reap_all(b, NREQ, what);
	phxfs_batch_destroy(b);

	for (int k = 0; k < NREQ; k++) {
		const struct phxfs_io_req *r = &reqs[k];
		unsigned char *p = r->buf == host ? host + r->buf_offset :
				   fakedev_backing(fakedev_addr(0, r->buf_offset));
		long long bad = phxfs_pattern_mismatch(p, expect[k].len, 1,
						(uint64_t)r->file_offset);

		PT_CHECK(bad < 0, "%s: request %d (%s, %zu at %lld): byte %lld wrong",
		      what, k, r->buf == host ? "host" : "device", r->size,
		      (long long)r->file_offset, bad);
		/* Past EOF O_DIRECT may fill the buffer; never beyond it. */
		if (r->buf == host && r->size < SLOT)
			PT_CHECK(p[r->size] == 0xEE,
			      "%s: request %d wrote past its buffer", what, k);
	}
	free(reqs);
}

/* Writes from host and device memory to disjoint ranges, then checked. */
static void writes(const char *path, int oflags, const char *what)
{
	enum { N = 600, LEN = 4096 };
	struct phxfs_io_req reqs[N];
	unsigned char *host, *check;
	phxfs_batch_t *b = phxfs_batch_create(16);
	int fd = open(path, O_RDWR | oflags);
	int rd = open(path, O_RDONLY);

	if (posix_memalign((void **)&host, 4096, (size_t)N * LEN) ||
	    posix_memalign((void **)&check, 4096, LEN) || !b || fd < 0 ||
	    rd < 0) {
		PT_CHECK(0, "%s: setup: %s", what, strerror(errno));
		return;
	}
	for (int k = 0; k < N; k++) {
		unsigned char *src = k % 2 ?
			fakedev_backing(fakedev_addr(1, (size_t)k * LEN)) :
			host + (size_t)k * LEN;

		phxfs_pattern_fill(src, LEN, 3, (uint64_t)k * LEN);
		reqs[k] = (struct phxfs_io_req){
			.opcode = PHXFS_OP_WRITE, .fd = fd, .device_id = DEV,
			.buf = k % 2 ? fakedev_addr(1, 0) : (void *)host,
			.buf_offset = (size_t)k * LEN, .size = LEN,
			.file_offset = (off_t)k * LEN,
			.user_data = (void *)(uintptr_t)k,
		};
		expect[k] = (struct expect){ .len = LEN };
	}
	PT_CHECK(!phxfs_batch_submit(b, reqs, N), "%s: submit", what);
	reap_all(b, N, what);
	phxfs_batch_destroy(b);
	for (int k = 0; k < N; k++) {
		long long bad;

		PT_CHECK(pread(rd, check, LEN, (off_t)k * LEN) == LEN,
		      "%s: read back %d", what, k);
		bad = phxfs_pattern_mismatch(check, LEN, 3, (uint64_t)k * LEN);
		PT_CHECK(bad < 0, "%s: block %d byte %lld wrong on disk", what, k,
		      bad);
	}
	close(fd);
	close(rd);
	free(host);
	free(check);
}

static void errors(int fd)
{
	unsigned char buf[4096];
	struct phxfs_io_event ev[4];
	struct timespec zero = { 0, 0 }, short_wait = { 0, 20 * 1000 * 1000 };
	struct phxfs_io_req good = {
		.opcode = PHXFS_OP_READ, .fd = fd, .device_id = DEV,
		.buf = buf, .size = sizeof(buf), .user_data = (void *)1,
	};
	struct phxfs_io_req bad[2] = { good, good };
	phxfs_batch_t *b = phxfs_batch_create(4);
	int closed = dup(fd);

	close(closed);
	PT_CHECK(b != NULL, "create: %s", strerror(errno));
	if (!b)
		return;
	errno = 0;
	PT_CHECK(!phxfs_batch_create(1 << 20) && errno == EINVAL,
	      "create with depth 1M: errno %d, expected EINVAL", errno);

	/* A malformed request refuses the whole call: nothing runs. */
	bad[1].opcode = 7;
	PT_CHECK_ERR(phxfs_batch_submit(b, bad, 2), EINVAL);
	bad[1] = good;
	bad[1].file_offset = -1;
	PT_CHECK_ERR(phxfs_batch_submit(b, bad, 2), EINVAL);
	bad[1] = good;
	bad[1].buf = NULL;
	PT_CHECK_ERR(phxfs_batch_submit(b, bad, 2), EINVAL);
	PT_CHECK_ERR(phxfs_batch_submit(NULL, bad, 1), EINVAL);
	PT_CHECK(phxfs_batch_reap(b, ev, 0, 4, &zero) == 0,
	      "events after refused submissions");
	PT_CHECK_ERR(phxfs_batch_reap(b, ev, 3, 2, NULL), EINVAL);

	/* Nothing in flight: min 1 returns at once with none. */
	PT_CHECK(phxfs_batch_reap(b, ev, 1, 4, &short_wait) == 0,
	      "reap of an idle batch");

	/* I/O errors are events, not submission pt_failures. */
	bad[0] = good;
	bad[0].fd = closed;
	bad[0].user_data = (void *)2;
	PT_CHECK(!phxfs_batch_submit(b, bad, 1), "submit bad fd: %s",
	      strerror(errno));
	PT_CHECK(phxfs_batch_reap(b, ev, 1, 4, NULL) == 1 &&
	      ev[0].user_data == (void *)2 && ev[0].result == -EBADF,
	      "bad fd: event %zd, expected -EBADF", ev[0].result);
	phxfs_batch_destroy(b);
	phxfs_batch_destroy(NULL);
}

/*
 * phxfs_batch_run: every request's result in its place (host and device
 * memory, one at the end of the file, one on a closed descriptor), the
 * bytes right; refused with requests in flight or bad arguments.
 */
static void run_all(int fd, unsigned char *host)
{
	enum { N = 40 };
	struct phxfs_io_req reqs[N];
	ssize_t res[N];
	struct phxfs_io_event ev[4];
	phxfs_batch_t *b = phxfs_batch_create(8);
	int closed = dup(fd);

	close(closed);
	PT_CHECK(b != NULL, "create: %s", strerror(errno));
	if (!b)
		return;
	memset(host, 0xEE, (size_t)N * SLOT);
	for (int k = 0; k < N; k++) {
		reqs[k] = (struct phxfs_io_req){
			.opcode = PHXFS_OP_READ, .fd = k == 7 ? closed : fd,
			.device_id = DEV,
			.buf = k % 2 ? fakedev_addr(0, 0) : (void *)host,
			.buf_offset = (size_t)k * SLOT, .size = SLOT,
			.file_offset = k == 9 ? (off_t)FILE_SIZE - 100 :
					       (off_t)k * 5000,
			.user_data = (void *)&res,	/* not used */
		};
		res[k] = -12345;
	}
	PT_CHECK(!phxfs_batch_run(b, reqs, N, res), "run: %s", strerror(errno));
	for (int k = 0; k < N; k++) {
		const struct phxfs_io_req *r = &reqs[k];
		ssize_t want = k == 7 ? -EBADF : k == 9 ? 100 : (ssize_t)SLOT;
		unsigned char *p = r->buf == host ? host + r->buf_offset :
				   fakedev_backing(fakedev_addr(0, r->buf_offset));

		PT_CHECK(res[k] == want, "run: request %d: result %zd, expected %zd",
		      k, res[k], want);
		if (want > 0)
			PT_CHECK(phxfs_pattern_mismatch(p, (size_t)want, 1,
					      (uint64_t)r->file_offset) < 0,
			      "run: request %d: bytes wrong", k);
	}
	/* Something in flight: refused, and it still ends as an event. */
	PT_CHECK(!phxfs_batch_submit(b, reqs, 1), "submit: %s", strerror(errno));
	PT_CHECK_ERR(phxfs_batch_run(b, reqs, N, res), EBUSY);
	PT_CHECK(phxfs_batch_reap(b, ev, 1, 4, NULL) == 1, "the request in flight");
	PT_CHECK_ERR(phxfs_batch_run(b, reqs, N, NULL), EINVAL);
	PT_CHECK_ERR(phxfs_batch_run(NULL, reqs, N, res), EINVAL);
	reqs[3].opcode = 7;
	PT_CHECK_ERR(phxfs_batch_run(b, reqs, N, res), EINVAL);
	PT_CHECK(!phxfs_batch_run(b, reqs, 0, NULL), "nothing to run");
	phxfs_batch_destroy(b);
}

/* Destroying a batch waits for its requests; nothing leaks. */
static void destroy_in_flight(int fd, unsigned char *host)
{
	struct phxfs_io_req reqs[300];
	phxfs_batch_t *b = phxfs_batch_create(8);

	for (int k = 0; k < 300; k++)
		reqs[k] = (struct phxfs_io_req){
			.opcode = PHXFS_OP_READ, .fd = fd, .device_id = DEV,
			.buf = k % 2 ? fakedev_addr(0, 0) : (void *)host,
			.buf_offset = (size_t)k * SLOT, .size = SLOT,
			.file_offset = (off_t)k * SLOT,
		};
	PT_CHECK(b && !phxfs_batch_submit(b, reqs, 300), "submit: %s",
	      strerror(errno));
	phxfs_batch_destroy(b);
	PT_CHECK(!fakedev_stats.in_flight, "copies in flight after destroy");
}

int main(void)
{
	char path[4096], wpath[4096];
	unsigned char *host;
	int fd, direct;

	setenv("PHXFS_COMPAT", "on", 1);
	phxfs_mem_ops_override(fakedev_init((size_t)NREQ * SLOT + MIB));
	pt_path(path, sizeof(path), "batch-read");
	pt_path(wpath, sizeof(wpath), "batch-write");
	if (posix_memalign((void **)&host, 4096, (size_t)NREQ * SLOT) ||
	    pt_create_pattern(path, FILE_SIZE, 1) ||
	    pt_create_pattern(wpath, 8 * MIB, 0) || phxfs_open(DEV)) {
		fprintf(stderr, "FAIL setup: %s\n", strerror(errno));
		return 1;
	}
	fd = open(path, O_RDONLY);
	direct = open(path, O_RDONLY | O_DIRECT);

	reads(fd, false, host, "buffered reads");
	if (direct >= 0) {
		reads(direct, true, host, "O_DIRECT reads");
		writes(wpath, O_DIRECT, "O_DIRECT writes");
	} else {
		printf("no O_DIRECT on this file system: buffered only\n");
	}
	writes(wpath, 0, "buffered writes");
	errors(fd);
	run_all(fd, host);
	destroy_in_flight(fd, host);

	phxfs_close(DEV);
	close(fd);
	if (direct >= 0)
		close(direct);
	unlink(path);
	unlink(wpath);
	free(host);
	if (pt_failures) {
		fprintf(stderr, "%d pt_failures\n", pt_failures);
		return 1;
	}
	printf("batch: all checks passed\n");
	return 0;
}
