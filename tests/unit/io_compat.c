// SPDX-License-Identifier: MIT
/*
 * The compat path without a GPU: phxfs_read() and phxfs_write() with
 * buffers in a fake device (fakedev.c) whose copies run at once or only at
 * the stream's sync. Every byte is checked against the file (reads) or a
 * model of it (writes), for buffered and O_DIRECT descriptors, unaligned
 * heads and tails, the end of the file, two contexts, concurrent callers;
 * and injected copy and sync pt_failures must fail the request, leave nothing
 * in flight and spoil nothing after. The two bounce buffers must alternate
 * and be allocated once per thread. A piece is cut in steps (xfer.c's
 * rule, copied here): sizes around the steps' edges must come whole, and
 * with deferred copies every step but a piece's last must have its copy
 * overlapped by the file I/O of the next, one stream sync a step; a
 * caller's current context is not set twice. CTest runs it with the
 * default knobs and with tiny ones.
 */
#define _GNU_SOURCE
#include "iotest.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>

#include <phxfs/phxfs.h>

#include "fakedev.h"
#include "file.h"
#include "knobs.h"
#include "memops.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define FILE_SIZE (64 * MIB + 12345)
#define SPAN (72 * MIB)		/* fake memory per context */
#define GUARD 64
#define DEV 0
#define CALLERS 4

static const struct phxfs_knobs *knobs;
static bool concurrent_callers;	/* others' copies may be in flight */

/* Pieces of a request, as io.c splits it (1 if it runs in the caller). */
static size_t pieces(uint64_t off, size_t len, size_t align)
{
	uint64_t base = off - off % align;
	size_t chunk = knobs->chunk_size - knobs->chunk_size % align;

	if (len <= knobs->small_io)
		return 1;
	return (size_t)((off + len - base + chunk - 1) / chunk);
}

static uint64_t round_up(uint64_t v, size_t align)
{
	return v + (align - v % align) % align;
}

/* Steps of a piece, as xfer.c cuts it (through device memory). */
static size_t piece_steps(uint64_t off, size_t len, size_t align)
{
	size_t span = knobs->bounce_size - knobs->bounce_size % align;
	uint64_t ext = round_up(off + len, align) - (off - off % align);
	uint64_t step = span;

	if (len > knobs->pipeline_step) {
		step = round_up((ext + 3) / 4, align);
		if (step < round_up(knobs->pipeline_step, align))
			step = round_up(knobs->pipeline_step, align);
		if (step > span)
			step = span;
	}
	return (size_t)((ext + step - 1) / step);
}

/* Steps of a request, over its pieces as io.c splits it. */
static size_t steps(uint64_t off, size_t len, size_t align)
{
	uint64_t end = off + len, base = off - off % align;
	size_t chunk = knobs->chunk_size - knobs->chunk_size % align, n = 0;

	if (len <= knobs->small_io)
		return piece_steps(off, len, align);
	if (!chunk)
		chunk = align;
	for (uint64_t from = base; from < end; from += chunk) {
		uint64_t a = from < off ? off : from;
		uint64_t b = from + chunk < end ? from + chunk : end;

		n += piece_steps(a, (size_t)(b - a), align);
	}
	return n;
}

static void guard_check(const unsigned char *p, size_t len, const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0xEE) {
			PT_CHECK(0, "%s: byte %zu outside the buffer written",
			      what, i);
			return;
		}
}

struct read_case {
	int fd;
	const char *kind;
	int ctx;
	size_t dev_off;		/* where in the context's memory */
	uint64_t off;
	size_t len;
};

static void check_read(const struct read_case *c)
{
	size_t expect = c->off >= FILE_SIZE ? 0 :
			c->len < FILE_SIZE - c->off ? c->len :
						      FILE_SIZE - c->off;
	char *dev = fakedev_addr(c->ctx, c->dev_off);
	unsigned char *back = fakedev_backing(dev);
	char what[160];
	long long bad;
	ssize_t got;

	snprintf(what, sizeof(what), "%s read %zu at %llu into ctx %d +%zu",
		 c->kind, c->len, (unsigned long long)c->off, c->ctx,
		 c->dev_off);
	memset(back - GUARD, 0xEE, c->len + 2 * GUARD);
	/* The buffer's start and an offset into it, as the API allows. */
	got = phxfs_read(c->fd, DEV, dev - 5, 5, c->len, (off_t)c->off);
	PT_CHECK(got == (ssize_t)expect, "%s: %zd (%s), expected %zu", what, got,
	      got < 0 ? strerror(errno) : "ok", expect);
	if (got == (ssize_t)expect) {
		bad = phxfs_pattern_mismatch(back, expect, 1, c->off);
		PT_CHECK(bad < 0, "%s: byte %lld wrong", what, bad);
	}
	guard_check(back - GUARD, GUARD, what);
	guard_check(back + c->len, GUARD, what);
	PT_CHECK(concurrent_callers || !fakedev_stats.in_flight,
	      "%s: copies left in flight", what);
}

static void reads(int fd, const char *kind)
{
	static const size_t sizes[] = { 1, 511, 4096, 4097, MIB - 1, MIB + 1,
					3 * MIB + 777, 9 * MIB };
	static const uint64_t offs[] = { 0, 1, 4095, 4096, 12345 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
			check_read(&(struct read_case){
				fd, kind, (int)(s + o) % 2, GUARD + o * 3,
				offs[o], sizes[s] });
	check_read(&(struct read_case){ fd, kind, 0, GUARD, 0, FILE_SIZE });
	check_read(&(struct read_case){ fd, kind, 1, GUARD + 1, 4097,
					33 * MIB + 4095 });
	check_read(&(struct read_case){ fd, kind, 0, GUARD, FILE_SIZE - 100,
					1000 });
	check_read(&(struct read_case){ fd, kind, 1, GUARD + 3,
					FILE_SIZE - 20 * MIB - 3, 40 * MIB });
	check_read(&(struct read_case){ fd, kind, 0, GUARD, FILE_SIZE,
					4096 });
	check_read(&(struct read_case){ fd, kind, 1, GUARD, FILE_SIZE + 1,
					20 * MIB });
}

static void check_write(int fd, int check_fd, struct iotest_model *m,
			const char *kind, int ctx, uint64_t seed, uint64_t off,
			size_t len)
{
	char *dev = fakedev_addr(ctx, GUARD + seed % 7);
	unsigned char *back = fakedev_backing(dev);
	char what[160];
	ssize_t got;

	snprintf(what, sizeof(what), "%s write %zu at %llu from ctx %d",
		 kind, len, (unsigned long long)off, ctx);
	phxfs_pattern_fill(back, len, seed, off);
	got = phxfs_write(fd, DEV, dev, 0, len, (off_t)off);
	PT_CHECK(got == (ssize_t)len, "%s: %zd (%s)", what, got,
	      got < 0 ? strerror(errno) : "short");
	if (off > m->size)
		memset(m->bytes + m->size, 0, off - m->size);
	memcpy(m->bytes + off, back, len);
	if (off + len > m->size)
		m->size = off + len;
	iotest_check_file(check_fd, m, off > 8192 ? off - 8192 : 0, off + len + 8192,
		   what);
	PT_CHECK(!fakedev_stats.in_flight, "%s: copies left in flight", what);
}

static void writes(int fd, int check_fd, struct iotest_model *m,
		   const char *kind)
{
	uint64_t seed = 100;

	check_write(fd, check_fd, m, kind, 0, seed++, 4097, 1);
	check_write(fd, check_fd, m, kind, 1, seed++, 513, 511);
	check_write(fd, check_fd, m, kind, 0, seed++, 4096, 8192);
	check_write(fd, check_fd, m, kind, 1, seed++, 4095, 3 * MIB + 2);
	check_write(fd, check_fd, m, kind, 0, seed++, 3, 17 * MIB + 5);
	check_write(fd, check_fd, m, kind, 1, seed++, m->size - 100, 5000);
	check_write(fd, check_fd, m, kind, 0, seed++, m->size + 10000, 3001);
	check_write(fd, check_fd, m, kind, 1, seed++, 7, 40 * MIB + 1);
}

/* The bounce buffers alternate: a repeat only where a piece starts. */
static void double_buffering(int fd, const char *kind, size_t align)
{
	uint64_t off = 4097;
	size_t len = 24 * MIB + 3;
	int copies = fakedev_stats.copies, repeats = fakedev_stats.same_bounce;

	check_read(&(struct read_case){ fd, kind, 0, GUARD, off, len });
	copies = fakedev_stats.copies - copies;
	repeats = fakedev_stats.same_bounce - repeats;
	PT_CHECK(copies > (int)pieces(off, len, align) &&
	      repeats <= (int)pieces(off, len, align),
	      "%s: %d copies, %d from the bounce of the one before, %zu pieces",
	      kind, copies, repeats, pieces(off, len, align));
}

/* Injected pt_failures fail the request, and the next one is whole. */
static void failures_injected(int fd, int wfd, int check_fd,
			      struct iotest_model *m, const char *kind)
{
	char *dev = fakedev_addr(0, GUARD);

	fakedev_fail_copy(3);
	PT_CHECK_ERR(phxfs_read(fd, DEV, dev, 0, 9 * MIB, 5), EIO);
	fakedev_fail_copy(0);
	PT_CHECK(!fakedev_stats.in_flight, "%s: copies in flight after a failure",
	      kind);
	check_read(&(struct read_case){ fd, kind, 0, GUARD, 5, 9 * MIB });

	fakedev_fail_sync(2);
	PT_CHECK_ERR(phxfs_write(wfd, DEV, dev, 0, 5 * MIB, 4096), EIO);
	fakedev_fail_sync(0);
	PT_CHECK(!fakedev_stats.in_flight, "%s: copies in flight after a failure",
	      kind);
	/* What the failed write left is unknown: write it whole, check. */
	check_write(wfd, check_fd, m, kind, 0, 999, 4096, 5 * MIB);

	/* A range past the end of the device allocation. */
	PT_CHECK_ERR(phxfs_read(fd, DEV, fakedev_addr(0, SPAN - 4096), 0, 8192,
			     0), EFAULT);
}

/* What the fake device counted over one request. */
struct counts {
	int copies, syncs, overlapped_h2d, overlapped_d2h, contexts_set;
};

static struct counts counts_now(void)
{
	return (struct counts){
		fakedev_stats.copies, fakedev_stats.syncs,
		fakedev_stats.overlapped_h2d, fakedev_stats.overlapped_d2h,
		fakedev_stats.contexts_set,
	};
}

static struct counts counts_since(const struct counts *c)
{
	struct counts now = counts_now();

	return (struct counts){
		now.copies - c->copies, now.syncs - c->syncs,
		now.overlapped_h2d - c->overlapped_h2d,
		now.overlapped_d2h - c->overlapped_d2h,
		now.contexts_set - c->contexts_set,
	};
}

/*
 * A request of @len at @off (inside the file) as steps: a copy and a sync
 * each, and with deferred copies, each but a piece's last overlapped by
 * the file I/O of the next step.
 */
static void check_steps(const struct counts *got, bool write, uint64_t off,
			size_t len, size_t align, const char *kind)
{
	int n = (int)steps(off, len, align), p = (int)pieces(off, len, align);
	int overlapped = write ? got->overlapped_d2h : got->overlapped_h2d;
	bool seen = fakedev_sees_file_io();

	PT_CHECK(got->copies == n && got->syncs == n,
	      "%s %s %zu at %llu: %d copies and %d syncs, expected %d steps",
	      kind, write ? "write" : "read", len, (unsigned long long)off,
	      got->copies, got->syncs, n);
	PT_CHECK(!fakedev_watching || !seen || overlapped == n - p,
	      "%s %s %zu at %llu: %d copies overlapped by file I/O, expected %d (%d steps, %d pieces)",
	      kind, write ? "write" : "read", len, (unsigned long long)off,
	      overlapped, n - p, n, p);
}

/*
 * Sizes around the edges of the steps (PHXFS_PIPELINE_STEP M, the file's
 * alignment A, the bounce buffer B), reads and writes at offsets on and
 * off the alignment: bytes whole, steps as the rule says.
 */
static void pipelining(int fd, int wfd, int check_fd, struct iotest_model *m,
		       const char *kind, size_t align)
{
	const size_t M = knobs->pipeline_step, A = align,
		     B = knobs->bounce_size - knobs->bounce_size % align;
	const size_t sizes[] = {
		1, M - 1, M, M + 1, 2 * M - 1, 2 * M, 2 * M + 1, 4 * M - 1,
		4 * M, 4 * M + 1, 4 * M + A - 1, 4 * M + A, 4 * M + A + 1,
		6 * M + 5, 8 * M - 1, 8 * M, 8 * M + 1, B - 1, B + 1,
		4 * B + A + 1,
	};
	/* Offsets at and around an O_DIRECT block even where buffered. */
	const size_t unit = A > 1 ? A : 4096;
	const uint64_t offs[] = { 0, 1, unit - 1, unit };
	uint64_t wbase = 8 * MIB, seed = 500;

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
			size_t len = sizes[s];
			struct counts c;

			/* The largest: one offset, deferred only. */
			if (len > 2 * MIB && (o || !fakedev_deferred))
				continue;
			c = counts_now();
			check_read(&(struct read_case){ fd, kind, (int)o % 2,
							GUARD + o, offs[o],
							len });
			c = counts_since(&c);
			check_steps(&c, false, offs[o], len, align, kind);
			c = counts_now();
			check_write(wfd, check_fd, m, kind, (int)s % 2, seed++,
				    wbase + offs[o], len);
			c = counts_since(&c);
			check_steps(&c, true, wbase + offs[o], len, align,
				    kind);
		}
}

/*
 * The numbers of the default knobs: 64 KiB is one step, 1 MiB four of
 * 256 KiB, each read but the last overlapping the copy before it; and the
 * caller's context, already current, is set once and left.
 */
static void default_steps(int fd)
{
	struct counts c;

	if (knobs->pipeline_step != 128 * KIB ||
	    knobs->bounce_size != 4 * MIB || knobs->small_io < MIB)
		return;
	fakedev_set_current(fakedev_ctx(0));
	c = counts_now();
	check_read(&(struct read_case){ fd, "64K", 0, GUARD, 4096,
					64 * KIB });
	c = counts_since(&c);
	PT_CHECK(c.copies == 1 && c.syncs == 1 && c.contexts_set == 1,
	      "64 KiB read: %d copies, %d syncs, %d context switches, expected 1, 1, 1",
	      c.copies, c.syncs, c.contexts_set);
	PT_CHECK(fakedev_current() == fakedev_ctx(0),
	      "caller's current context not kept");
	fakedev_set_current(NULL);
	c = counts_now();
	check_read(&(struct read_case){ fd, "1M", 0, GUARD, 4096, MIB });
	c = counts_since(&c);
	PT_CHECK(c.copies == 4 && c.syncs == 4 &&
	      (c.overlapped_h2d == 3 || !fakedev_sees_file_io()) &&
	      c.contexts_set == 2,
	      "1 MiB read: %d copies, %d syncs, %d overlapped, %d context switches, expected 4, 4, 3, 2",
	      c.copies, c.syncs, c.overlapped_h2d, c.contexts_set);
	PT_CHECK(fakedev_current() == NULL, "caller's context not restored");
}

struct caller {
	pthread_t thread;
	int fd;
	int ctx;
	size_t dev_off;
	uint64_t off;
	size_t len;
};

static void *caller_run(void *arg)
{
	struct caller *c = arg;

	for (int i = 0; i < 4; i++)
		check_read(&(struct read_case){ c->fd, "concurrent", c->ctx,
						c->dev_off, c->off + i,
						c->len });
	return NULL;
}

/* Concurrent requests each get their own bytes. */
static void concurrent(int fd)
{
	struct caller callers[CALLERS];

	concurrent_callers = true;
	for (int i = 0; i < CALLERS; i++) {
		callers[i] = (struct caller){
			.fd = fd, .ctx = i % 2,
			.dev_off = GUARD + (size_t)(i / 2) * 20 * MIB,
			.off = (uint64_t)i * 7 * MIB + 11,
			.len = i ? 13 * MIB + 1 : 4097,
		};
		PT_CHECK(!pthread_create(&callers[i].thread, NULL, caller_run,
				      &callers[i]), "pthread_create");
	}
	for (int i = 0; i < CALLERS; i++)
		pthread_join(callers[i].thread, NULL);
	PT_CHECK(!fakedev_stats.in_flight, "concurrent: copies left in flight");
}

int main(void)
{
	char path[4096], wpath[4096];
	struct iotest_model m = { .bytes = malloc(FILE_SIZE + 48 * MIB),
			   .size = FILE_SIZE };
	int fd, direct, wfd, check_fd, threads;
	struct phxfs_file dio;
	void *sentinel = &m;

	setenv("PHXFS_COMPAT", "on", 1);
	/* Bounce buffers smaller than a piece (unless a run sets them). */
	setenv("PHXFS_BOUNCE_SIZE", "1M", 0);
	phxfs_mem_ops_override(fakedev_init(SPAN));
	knobs = phxfs_knobs();
	pt_path(path, sizeof(path), "compat-read");
	pt_path(wpath, sizeof(wpath), "compat-write");
	if (!knobs || !m.bytes || pt_create_pattern(path, FILE_SIZE, 1) ||
	    pt_create_pattern(wpath, FILE_SIZE, 2) || phxfs_open(DEV)) {
		fprintf(stderr, "FAIL setup: %s\n", strerror(errno));
		return 1;
	}
	phxfs_pattern_fill(m.bytes, FILE_SIZE, 2, 0);
	fd = open(path, O_RDONLY);
	direct = open(path, O_RDONLY | O_DIRECT);
	if (direct < 0)
		printf("no O_DIRECT on this file system (%s): buffered only\n",
		       strerror(errno));

	/* A caller's own context survives a request it runs itself. */
	fakedev_set_current(sentinel);
	check_read(&(struct read_case){ fd, "caller", 1, GUARD, 3, 4096 });
	PT_CHECK(fakedev_current() == sentinel, "caller's context not restored");
	fakedev_set_current(NULL);

	check_fd = open(wpath, O_RDONLY);
	for (int deferred = 0; deferred < 2; deferred++) {
		const char *kinds[2][2] = { { "buffered", "O_DIRECT" },
					    { "buffered, deferred copies",
					      "O_DIRECT, deferred copies" } };

		fakedev_deferred = deferred;
		reads(fd, kinds[deferred][0]);
		wfd = open(wpath, O_RDWR);
		writes(wfd, check_fd, &m, kinds[deferred][0]);
		close(wfd);
		if (direct < 0)
			continue;
		reads(direct, kinds[deferred][1]);
		wfd = open(wpath, O_RDWR | O_DIRECT);
		writes(wfd, check_fd, &m, kinds[deferred][1]);
		close(wfd);
	}
	for (int deferred = 0; deferred < 2; deferred++) {
		const char *kinds[2][2] = { { "pipeline, buffered",
					      "pipeline, O_DIRECT" },
					    { "pipeline, buffered, deferred",
					      "pipeline, O_DIRECT, deferred" } };

		fakedev_deferred = deferred;
		fakedev_watching = deferred;
		wfd = open(wpath, O_RDWR);
		pipelining(fd, wfd, check_fd, &m, kinds[deferred][0], 1);
		close(wfd);
		if (direct < 0 || phxfs_file_probe(direct, &dio))
			continue;
		wfd = open(wpath, O_RDWR | O_DIRECT);
		pipelining(direct, wfd, check_fd, &m, kinds[deferred][1],
			   dio.off_align);
		close(wfd);
	}
	/* Deferred copies from here on, as before the pipeline's tests. */
	fakedev_deferred = fakedev_watching = true;
	default_steps(fd);
	fakedev_watching = false;
	if (!fakedev_sees_file_io())
		printf("no /proc/thread-self/io: overlap of copies not checked\n");
	iotest_check_file(check_fd, &m, 0, m.size, "whole file");

	double_buffering(fd, "buffered", 1);
	wfd = open(wpath, O_RDWR);
	failures_injected(fd, wfd, check_fd, &m, "buffered");
	close(wfd);
	if (direct >= 0 && !phxfs_file_probe(direct, &dio)) {
		double_buffering(direct, "O_DIRECT", dio.off_align);
		wfd = open(wpath, O_RDWR | O_DIRECT);
		failures_injected(direct, wfd, check_fd, &m, "O_DIRECT");
		close(wfd);
	}
	concurrent(direct >= 0 ? direct : fd);

	/* Two bounces and a stream per context, per thread that moved data. */
	threads = (int)knobs->threads + 1 + CALLERS;
	PT_CHECK(fakedev_stats.pinned_allocs <= 2 * threads,
	      "%d pinned allocations for %d threads",
	      (int)fakedev_stats.pinned_allocs, threads);
	PT_CHECK(fakedev_stats.streams <= FAKEDEV_CTXS * threads,
	      "%d streams for %d threads", (int)fakedev_stats.streams,
	      threads);
	PT_CHECK(!fakedev_stats.misuse, "%d misuses of the device",
	      (int)fakedev_stats.misuse);

	close(fd);
	if (direct >= 0)
		close(direct);
	close(check_fd);
	phxfs_close(DEV);
	unlink(path);
	unlink(wpath);
	free(m.bytes);
	if (pt_failures)
		return 1;
	printf("compat I/O on a fake device: every byte as expected; %d copies, %d pinned buffers, %d streams\n",
	       (int)fakedev_stats.copies, (int)fakedev_stats.pinned_allocs,
	       (int)fakedev_stats.streams);
	return 0;
}
