// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "fakedev.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define QUEUE 4			/* copies a stream holds between syncs */
#define MAX_PINNED 1024

struct fake_copy {
	void *dst;
	const void *src;
	size_t len;
	bool h2d;
	/* Deferred: its thread's file calls (h2d reads, d2h writes). */
	bool watched;
	long long calls;
};

struct fake_stream {
	void *ctx;
	const void *last_bounce;
	struct fake_copy queue[QUEUE];
	int queued;
};

struct fakedev_stats fakedev_stats;
atomic_bool fakedev_deferred;
atomic_bool fakedev_watching;

static char *dev_base;		/* reserved, never mapped */
static unsigned char *backing;
static size_t ctx_span;
static char ctx_tokens[FAKEDEV_CTXS];
static _Thread_local void *current;
static atomic_int copy_calls, sync_calls, fail_copy_at, fail_sync_at;

static pthread_mutex_t pinned_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *p;
	size_t len;
} pinned[MAX_PINNED];

static int misuse(const char *what)
{
	fprintf(stderr, "FAIL fake device: %s\n", what);
	fakedev_stats.misuse++;
	return EINVAL;
}

char *fakedev_addr(int ctx, size_t off)
{
	return dev_base + (size_t)ctx * ctx_span + off;
}

unsigned char *fakedev_backing(const void *dev)
{
	return backing + ((const char *)dev - dev_base);
}

void *fakedev_ctx(int ctx)
{
	return &ctx_tokens[ctx];
}

void *fakedev_current(void)
{
	return current;
}

void fakedev_set_current(void *ctx)
{
	current = ctx;
}

/* The context of fake address @p, or -1 if it is not one. */
static int ctx_of(const void *p)
{
	uintptr_t at = (uintptr_t)p, base = (uintptr_t)dev_base;

	if (at < base || at - base >= FAKEDEV_CTXS * ctx_span)
		return -1;
	return (int)((at - base) / ctx_span);
}

static int fake_device_count(void)
{
	return FAKEDEV_CTXS;
}

static int fake_classify(const void *p, size_t len, enum phxfs_mem_kind *kind,
			 void **ctx)
{
	int c = ctx_of(p);
	size_t off = (size_t)((const char *)p - dev_base) % ctx_span;

	*kind = PHXFS_MEM_HOST;
	if (c < 0)
		return 0;
	if (len > ctx_span - off)
		return EFAULT;
	*kind = PHXFS_MEM_DEVICE;
	*ctx = fakedev_ctx(c);
	return 0;
}

static int fake_set_context(void *ctx, void **prev)
{
	fakedev_stats.contexts_set++;
	if (prev)
		*prev = current;
	current = ctx;
	return 0;
}

/* Like cuMemHostAlloc: a context must be current. */
static void *fake_pinned_alloc(size_t size)
{
	void *p = NULL;

	if (!current) {
		misuse("pinned allocation without a current context");
		return NULL;
	}
	if (posix_memalign(&p, 4096, size))
		return NULL;
	pthread_mutex_lock(&pinned_lock);
	for (int i = 0; i < MAX_PINNED; i++)
		if (!pinned[i].p) {
			pinned[i].p = p;
			pinned[i].len = size;
			break;
		}
	pthread_mutex_unlock(&pinned_lock);
	fakedev_stats.pinned_allocs++;
	fakedev_stats.pinned_live++;
	return p;
}

static void fake_pinned_free(void *p)
{
	pthread_mutex_lock(&pinned_lock);
	for (int i = 0; i < MAX_PINNED; i++)
		if (pinned[i].p == p)
			pinned[i].p = NULL;
	pthread_mutex_unlock(&pinned_lock);
	fakedev_stats.pinned_live--;
	free(p);
}

static bool is_pinned(const void *p, size_t len)
{
	bool found = false;

	pthread_mutex_lock(&pinned_lock);
	for (int i = 0; i < MAX_PINNED && !found; i++)
		found = pinned[i].p && (const char *)p >= pinned[i].p &&
			(const char *)p + len <= pinned[i].p + pinned[i].len;
	pthread_mutex_unlock(&pinned_lock);
	return found;
}

static int fake_stream_create(void **stream, bool ordered)
{
	struct fake_stream *s;

	(void)ordered;		/* no legacy default stream here */
	if (!current)
		return misuse("stream created without a current context");
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->ctx = current;
	*stream = s;
	fakedev_stats.streams++;
	fakedev_stats.streams_live++;
	return 0;
}

static void fake_stream_destroy(void *stream)
{
	struct fake_stream *s = stream;

	if (s->queued)
		misuse("stream destroyed with copies queued");
	fakedev_stats.streams_live--;
	free(s);
}

/*
 * This thread's read and write calls so far, less its reads of
 * /proc/thread-self/io here; -1 where the kernel does not count. The file
 * stays open, a thread's own, until the process ends: only the threads
 * that copy while watched open it.
 */
static int thread_calls(long long *reads, long long *writes)
{
	static _Thread_local int fd = -1;
	static _Thread_local long long own;
	char buf[512], *r, *w;
	long long before = own;
	ssize_t n;

	if (fd < 0)
		fd = open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	own++;
	if (n <= 0)
		return -1;
	buf[n] = 0;
	r = strstr(buf, "syscr:");
	w = strstr(buf, "syscw:");
	if (!r || !w)
		return -1;
	*reads = strtoll(r + 6, NULL, 10) - before;
	*writes = strtoll(w + 6, NULL, 10);
	return 0;
}

bool fakedev_sees_file_io(void)
{
	long long r, w;

	return !thread_calls(&r, &w);
}

/*
 * A deferred copy about to wait: its thread's file calls so far. The
 * thread runs one request at a time: calls made while the copy waits are
 * the request's next step (h2d: a read into the other bounce; d2h: the
 * write of the other bounce).
 */
static void watch(struct fake_copy *c)
{
	long long reads, writes;

	if (thread_calls(&reads, &writes))
		return;
	c->watched = true;
	c->calls = c->h2d ? reads : writes;
}

/* The copy runs: did its thread's file I/O happen while it waited? */
static void watched(const struct fake_copy *c)
{
	long long reads, writes;

	if (!c->watched || thread_calls(&reads, &writes))
		return;
	if (c->h2d && reads > c->calls)
		fakedev_stats.overlapped_h2d++;
	if (!c->h2d && writes > c->calls)
		fakedev_stats.overlapped_d2h++;
}

static void run_queue(struct fake_stream *s)
{
	for (int i = 0; i < s->queued; i++) {
		watched(&s->queue[i]);
		memcpy(s->queue[i].dst, s->queue[i].src, s->queue[i].len);
	}
	fakedev_stats.in_flight -= s->queued;
	s->queued = 0;
}

static int fake_copy(struct fake_stream *s, void *dst, const void *src,
		     size_t len, const void *dev, const void *bounce, bool h2d)
{
	int c = ctx_of(dev);
	struct fake_copy *q;

	if (c < 0 || ctx_of((const char *)dev + len - 1) != c)
		return misuse("copy to or from memory that is not the device's");
	if (current != fakedev_ctx(c) || s->ctx != current)
		return misuse("copy without its memory's context current");
	if (!is_pinned(bounce, len))
		return misuse("copy to or from memory that is not pinned");
	if (s->queued == QUEUE)
		return misuse("too many copies queued on one stream");
	if (++copy_calls == fail_copy_at)
		return EIO;
	fakedev_stats.copies++;
	if (s->last_bounce == bounce)
		fakedev_stats.same_bounce++;
	s->last_bounce = bounce;
	q = &s->queue[s->queued++];
	*q = (struct fake_copy){ .dst = dst, .src = src, .len = len,
				 .h2d = h2d };
	fakedev_stats.in_flight++;
	if (!fakedev_deferred)
		run_queue(s);
	else if (fakedev_watching)
		watch(q);
	return 0;
}

static int fake_h2d(void *dev, const void *host, size_t len, void *stream)
{
	return fake_copy(stream, fakedev_backing(dev), host, len, dev, host,
			 true);
}

static int fake_d2h(void *host, const void *dev, size_t len, void *stream)
{
	return fake_copy(stream, host, fakedev_backing(dev), len, dev, host,
			 false);
}

static int fake_stream_sync(void *stream)
{
	struct fake_stream *s = stream;

	if (s->ctx != current)
		return misuse("stream synchronised in another context");
	fakedev_stats.syncs++;
	run_queue(s);
	return ++sync_calls == fail_sync_at ? EIO : 0;
}

void fakedev_fail_copy(int n)
{
	fail_copy_at = n ? copy_calls + n : 0;
}

void fakedev_fail_sync(int n)
{
	fail_sync_at = n ? sync_calls + n : 0;
}

static const struct phxfs_mem_ops fake_ops = {
	.device_count = fake_device_count,
	.classify = fake_classify,
	.set_context = fake_set_context,
	.pinned_alloc = fake_pinned_alloc,
	.pinned_free = fake_pinned_free,
	.stream_create = fake_stream_create,
	.stream_destroy = fake_stream_destroy,
	.h2d = fake_h2d,
	.d2h = fake_d2h,
	.stream_sync = fake_stream_sync,
};

const struct phxfs_mem_ops *fakedev_init(size_t span)
{
	ctx_span = span;
	dev_base = mmap(NULL, FAKEDEV_CTXS * span, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	backing = malloc(FAKEDEV_CTXS * span);
	if (dev_base == MAP_FAILED || !backing) {
		fprintf(stderr, "fake device: no memory\n");
		exit(1);
	}
	return &fake_ops;
}
