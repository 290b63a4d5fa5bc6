// SPDX-License-Identifier: MIT
/*
 * The threads of a run: which request comes next, the timing of each, and
 * verification around it. Setup (buffers, registration) happens before a
 * barrier and is not timed; t0 is taken once every thread is ready.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"
#include "run.h"

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void run_fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&r->err_lock);
	if (!r->err[0]) {
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof(r->err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&r->err_lock);
	atomic_store(&r->stop, true);
}

static uint64_t next_random(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

bool worker_next(struct worker *w, off_t *off)
{
	struct run *r = w->r;
	uint64_t k, block;

	if (atomic_load_explicit(&r->stop, memory_order_relaxed))
		return false;
	if (r->deadline_ns && now_ns() >= r->deadline_ns)
		return false;
	k = atomic_fetch_add_explicit(&r->claimed, 1, memory_order_relaxed);
	if (k >= r->max_ops)
		return false;
	/* Sequential: the threads stream through the file together. */
	if (io_is_random(r->o->io))
		block = next_random(&w->rng) % r->nblocks;
	else
		block = k % r->nblocks;
	*off = (off_t)(block * r->o->io_size);
	return true;
}

void worker_done(struct worker *w, uint64_t ns, size_t bytes)
{
	w->ops++;
	w->bytes += bytes;
	lathist_add(&w->lat, ns);
	atomic_fetch_add_explicit(&w->r->done_bytes, bytes,
				  memory_order_relaxed);
}

static int pread_full(int fd, void *buf, size_t len, off_t off)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int compare(struct worker *w, const unsigned char *got,
		   const unsigned char *exp, off_t off, size_t len)
{
	ssize_t i = first_difference(got, exp, len);

	if (i < 0) {
		w->verified++;
		return 0;
	}
	worker_fail(w, "verify: %s at file offset %lld differs: byte %lld is 0x%02x, expected 0x%02x",
		    w->r->write ? "data written" : "data read",
		    (long long)off, (long long)(off + i), got[i], exp[i]);
	return -1;
}

int worker_verify_before(struct worker *w, unsigned int slot, off_t off,
			 size_t len)
{
	struct run *r = w->r;
	unsigned char *exp = w->vexp + (size_t)slot * r->o->io_size;

	/* Reads of a file: the file says what to expect, afterwards. */
	if (!r->o->verify || (!r->write && r->ops->needs_file))
		return 0;
	pattern_fill(exp, off, len, r->seed);
	if (r->ops->fill(w, slot, exp, len))
		return -1;
	return 0;
}

int worker_verify_after(struct worker *w, unsigned int slot, off_t off,
			size_t len)
{
	struct run *r = w->r;
	unsigned char *exp = w->vexp + (size_t)slot * r->o->io_size;

	if (!r->o->verify)
		return 0;
	if (r->write && r->ops->needs_file) {
		if (pread_full(r->vfd, w->vgot, len, off)) {
			worker_fail(w, "verify: reading back %zu bytes at %lld: %s",
				    len, (long long)off, strerror(errno));
			return -1;
		}
	} else {
		if (r->ops->fetch(w, slot, w->vgot, len))
			return -1;
		if (r->ops->needs_file && pread_full(r->vfd, exp, len, off)) {
			worker_fail(w, "verify: reading the file's %zu bytes at %lld: %s",
				    len, (long long)off, strerror(errno));
			return -1;
		}
	}
	return compare(w, w->vgot, exp, off, len);
}

static int sync_loop(struct worker *w)
{
	size_t len = w->r->o->io_size;
	off_t off;

	while (worker_next(w, &off)) {
		int64_t t;
		ssize_t n;

		if (worker_verify_before(w, 0, off, len))
			return -1;
		t = now_ns();
		n = w->r->ops->io(w, 0, off, len);
		if (n < 0)
			return -1;
		worker_done(w, (uint64_t)(now_ns() - t), (size_t)n);
		if ((size_t)n != len) {
			worker_fail(w, "short transfer at %lld: %zd of %zu bytes",
				    (long long)off, n, len);
			return -1;
		}
		if (worker_verify_after(w, 0, off, len))
			return -1;
	}
	return 0;
}

static int verify_buffers(struct worker *w)
{
	const struct opts *o = w->r->o;

	if (!o->verify)
		return 0;
	w->vexp = malloc(o->io_size * o->batch);
	w->vgot = malloc(o->io_size);
	if (!w->vexp || !w->vgot) {
		worker_fail(w, "no memory for verify buffers");
		return -1;
	}
	return 0;
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	bool ok = !verify_buffers(w) && !r->ops->setup(w);

	pthread_barrier_wait(&r->ready);
	pthread_barrier_wait(&r->go);
	if (ok) {
		if (r->ops->loop && r->o->batch > 1)
			r->ops->loop(w);
		else
			sync_loop(w);
	}
	w->end_ns = now_ns();
	r->ops->teardown(w);
	free(w->vexp);
	free(w->vgot);
	atomic_fetch_sub(&r->running, 1);
	return NULL;
}

int run_threads(struct run *r, struct worker *w, void (*tick)(struct run *))
{
	unsigned int n = r->o->threads, started;
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	int err;

	pthread_barrier_init(&r->ready, NULL, n + 1);
	pthread_barrier_init(&r->go, NULL, n + 1);
	atomic_store(&r->running, n);
	for (started = 0; started < n; started++) {
		w[started].r = r;
		w[started].id = started;
		/* xorshift state: never 0 */
		w[started].rng = (r->seed ^
				  (0x9e3779b97f4a7c15ULL * (started + 1))) | 1;
		err = pthread_create(&w[started].thread, NULL, thread_main,
				     &w[started]);
		if (err) {
			/* The barriers count on every thread: give up. */
			fprintf(stderr, "phxfs-io: cannot start thread %u: %s\n",
				started, strerror(err));
			exit(1);
		}
	}
	pthread_barrier_wait(&r->ready);
	r->t0_ns = now_ns();
	if (r->o->seconds > 0)
		r->deadline_ns = r->t0_ns + (int64_t)(r->o->seconds * 1e9);
	pthread_barrier_wait(&r->go);
	while (atomic_load(&r->running)) {
		nanosleep(&pause, NULL);
		if (tick)
			tick(r);
	}
	for (unsigned int i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	pthread_barrier_destroy(&r->ready);
	pthread_barrier_destroy(&r->go);
	return r->err[0] ? -1 : 0;
}
