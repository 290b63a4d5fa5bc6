// SPDX-License-Identifier: MIT
/*
 * Batches: many requests in flight, completions in any order.
 *
 * Requests whose bytes can go straight between the file and a host address
 * (registered device memory, host memory) become io_uring reads and
 * writes, @depth of them in flight. The rest (device memory reached through
 * pinned host buffers, O_DIRECT requests the file's alignment rules out)
 * run on the batch's own worker threads through the synchronous engine.
 * Workers announce completions on an eventfd that the ring itself watches,
 * so one io_uring wait covers both kinds. Without liburing, every request
 * takes the worker path.
 *
 * A batch is used by one thread at a time, like an io_uring ring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#ifdef PHXFS_HAVE_URING
#include <liburing.h>
#endif

#include <phxfs/phxfs.h>

#include "io.h"

#define BATCH_DEFAULT_DEPTH	128
#define BATCH_MAX_DEPTH		4096
#define BATCH_MAX_WORKERS	32
/* One io_uring read or write moves at most this; larger ones use workers. */
#define BATCH_MAX_RING_IO	(1u << 30)

/* A request in flight: io_uring's user_data points here. */
struct slot {
	struct phxfs_io_req req;
	void *host;		/* where the bytes go */
	size_t done;		/* moved so far (short transfers resubmit) */
};

/* FIFO of pending requests, growing. */
struct reqq {
	struct phxfs_io_req *v;
	size_t head, count, cap;
};

/* Events completed by workers, waiting for reap. */
struct eventq {
	struct phxfs_io_event *v;
	size_t count, cap;
};

struct phxfs_batch {
	unsigned int depth;
	struct reqq pending;	/* waiting for a ring slot */
	unsigned int ring_inflight;
	struct slot *slots;	/* depth of them */
	struct slot **free_slots;
	unsigned int nfree;
#ifdef PHXFS_HAVE_URING
	struct io_uring ring;
	bool have_ring;
	uint64_t efd_value;	/* target of the armed eventfd read */
	bool efd_armed;
#endif
	int efd;		/* workers -> reaper */

	pthread_mutex_t lock;	/* protects all below */
	pthread_cond_t work_cv;
	pthread_cond_t done_cv;
	struct reqq work;	/* for the workers */
	struct eventq done;	/* from the workers */
	unsigned int work_inflight;	/* queued or running on workers */
	pthread_t workers[BATCH_MAX_WORKERS];
	unsigned int nworkers;
	bool stopping;
};

/* io_uring user_data of the eventfd read; slots are pointers. */
#define EFD_TAG ((uint64_t)1)

static int reqq_push(struct reqq *q, const struct phxfs_io_req *r, size_t n)
{
	if (q->count + n > q->cap) {
		size_t cap = q->cap ? q->cap : 64;
		struct phxfs_io_req *v;

		while (cap < q->count + n)
			cap *= 2;
		v = malloc(cap * sizeof(*v));
		if (!v)
			return -1;
		for (size_t i = 0; i < q->count; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->cap = cap;
		q->head = 0;
	}
	for (size_t i = 0; i < n; i++)
		q->v[(q->head + q->count + i) % q->cap] = r[i];
	q->count += n;
	return 0;
}

static struct phxfs_io_req reqq_pop(struct reqq *q)
{
	struct phxfs_io_req r = q->v[q->head];

	q->head = (q->head + 1) % q->cap;
	q->count--;
	return r;
}

static int eventq_push(struct eventq *q, void *user_data, ssize_t result)
{
	if (q->count == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		struct phxfs_io_event *v = realloc(q->v, cap * sizeof(*v));

		if (!v)
			return -1;
		q->v = v;
		q->cap = cap;
	}
	q->v[q->count].user_data = user_data;
	q->v[q->count].result = result;
	q->count++;
	return 0;
}

static void *worker_main(void *arg)
{
	struct phxfs_batch *b = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		struct phxfs_io_req r;
		ssize_t res;

		while (!b->work.count && !b->stopping)
			pthread_cond_wait(&b->work_cv, &b->lock);
		if (!b->work.count)
			break;
		r = reqq_pop(&b->work);
		pthread_mutex_unlock(&b->lock);

		res = phxfs_io_run(&r);
		if (res < 0)
			res = -errno;

		pthread_mutex_lock(&b->lock);
		/* Out of memory for the event: report it in its place. */
		while (eventq_push(&b->done, r.user_data, res)) {
			pthread_mutex_unlock(&b->lock);
			usleep(1000);
			pthread_mutex_lock(&b->lock);
		}
		b->work_inflight--;
		pthread_cond_broadcast(&b->done_cv);
		if (write(b->efd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow at our rates. */
		}
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* Hand @n requests to the workers, starting workers as needed. */
static int to_workers(struct phxfs_batch *b, const struct phxfs_io_req *r,
		      size_t n)
{
	unsigned int want;
	int ret = 0;

	pthread_mutex_lock(&b->lock);
	if (reqq_push(&b->work, r, n)) {
		pthread_mutex_unlock(&b->lock);
		errno = ENOMEM;
		return -1;
	}
	b->work_inflight += n;
	want = b->work_inflight < BATCH_MAX_WORKERS ? b->work_inflight :
						      BATCH_MAX_WORKERS;
	if (want > b->depth)
		want = b->depth;
	while (b->nworkers < want) {
		if (pthread_create(&b->workers[b->nworkers], NULL, worker_main,
				   b)) {
			/* Fewer workers still drain the queue. */
			if (!b->nworkers) {
				ret = -1;
				errno = EAGAIN;
			}
			break;
		}
		b->nworkers++;
	}
	if (ret) {
		b->work.count -= n;
		b->work_inflight -= n;
	}
	pthread_cond_broadcast(&b->work_cv);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

#ifdef PHXFS_HAVE_URING
static void arm_efd(struct phxfs_batch *b)
{
	struct io_uring_sqe *sqe;

	if (b->efd_armed)
		return;
	sqe = io_uring_get_sqe(&b->ring);
	if (!sqe)
		return;		/* armed at the next submit */
	io_uring_prep_read(sqe, b->efd, &b->efd_value, sizeof(b->efd_value),
			   0);
	io_uring_sqe_set_data64(sqe, EFD_TAG);
	b->efd_armed = true;
}

static void prep_slot(struct phxfs_batch *b, struct slot *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
	char *p = (char *)s->host + s->done;
	unsigned int len = (unsigned int)(s->req.size - s->done);
	off_t off = s->req.file_offset + (off_t)s->done;

	/* Never NULL: the ring has depth + 1 entries and so many slots. */
	if (s->req.opcode == PHXFS_OP_READ)
		io_uring_prep_read(sqe, s->req.fd, p, len, (uint64_t)off);
	else
		io_uring_prep_write(sqe, s->req.fd, p, len, (uint64_t)off);
	io_uring_sqe_set_data(sqe, s);
}
#endif

/* Whether @r can be one io_uring transfer; its host address in *@host. */
static bool ring_eligible(struct phxfs_batch *b, const struct phxfs_io_req *r,
			  void **host)
{
	struct phxfs_target t;

#ifdef PHXFS_HAVE_URING
	if (!b->have_ring)
		return false;
#else
	(void)b;
#endif
	if (!r->size || r->size > BATCH_MAX_RING_IO)
		return false;
	if (phxfs_io_resolve(r->device_id, r->buf, r->buf_offset, r->size,
			     &t) || t.kind != PHXFS_TARGET_HOST)
		return false;
	if (!phxfs_io_direct_ok(r->fd, t.host, r->size, r->file_offset))
		return false;
	*host = t.host;
	return true;
}

/* Move pending requests into the ring or to the workers. */
static int pump(struct phxfs_batch *b)
{
	while (b->pending.count) {
		struct phxfs_io_req r = b->pending.v[b->pending.head];
		void *host;

		if (ring_eligible(b, &r, &host)) {
#ifdef PHXFS_HAVE_URING
			struct slot *s;

			if (!b->nfree)
				break;	/* in order: wait for a free slot */
			s = b->free_slots[--b->nfree];
			s->req = r;
			s->host = host;
			s->done = 0;
			prep_slot(b, s);
			b->ring_inflight++;
#endif
		} else if (to_workers(b, &r, 1)) {
			return -1;
		}
		reqq_pop(&b->pending);
	}
#ifdef PHXFS_HAVE_URING
	if (b->have_ring) {
		arm_efd(b);
		io_uring_submit(&b->ring);
	}
#endif
	return 0;
}

static bool req_valid(const struct phxfs_io_req *r)
{
	uintptr_t end;

	if (r->opcode != PHXFS_OP_READ && r->opcode != PHXFS_OP_WRITE)
		return false;
	if (r->fd < 0 || !r->buf || r->file_offset < 0 ||
	    r->size > SSIZE_MAX)
		return false;
	if (__builtin_add_overflow((uintptr_t)r->buf, r->buf_offset, &end) ||
	    __builtin_add_overflow(end, r->size, &end))
		return false;
	return (uint64_t)r->file_offset <= (uint64_t)INT64_MAX - r->size;
}

phxfs_batch_t *phxfs_batch_create(unsigned int depth)
{
	struct phxfs_batch *b;

	if (depth > BATCH_MAX_DEPTH) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->depth = depth ? depth : BATCH_DEFAULT_DEPTH;
	b->slots = calloc(b->depth, sizeof(*b->slots));
	b->free_slots = calloc(b->depth, sizeof(*b->free_slots));
	if (!b->slots || !b->free_slots)
		goto err_free;
	for (unsigned int i = 0; i < b->depth; i++)
		b->free_slots[i] = &b->slots[i];
	b->nfree = b->depth;
	/* Blocking: io_uring fails a read of a non-blocking one with EAGAIN. */
	b->efd = eventfd(0, EFD_CLOEXEC);
	if (b->efd < 0)
		goto err_free;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->work_cv, NULL);
	pthread_cond_init(&b->done_cv, NULL);
#ifdef PHXFS_HAVE_URING
	/* A kernel without io_uring (or a seccomp'ed one): workers only. */
	b->have_ring = !io_uring_queue_init(b->depth + 1, &b->ring, 0);
#endif
	return b;

err_free:
	free(b->slots);
	free(b->free_slots);
	free(b);
	errno = ENOMEM;
	return NULL;
}

int phxfs_batch_submit(phxfs_batch_t *b, const struct phxfs_io_req *reqs,
		       unsigned int n)
{
	if (!b || (n && !reqs)) {
		errno = EINVAL;
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (!req_valid(&reqs[i])) {
			errno = EINVAL;
			return -1;
		}
	}
	if (reqq_push(&b->pending, reqs, n)) {
		errno = ENOMEM;
		return -1;
	}
	return pump(b);
}

/* Take worker events into @ev, up to @max. */
static unsigned int take_done(struct phxfs_batch *b, struct phxfs_io_event *ev,
			      unsigned int max)
{
	unsigned int n;

	pthread_mutex_lock(&b->lock);
	n = b->done.count < max ? (unsigned int)b->done.count : max;
	if (!n) {
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	memcpy(ev, b->done.v, n * sizeof(*ev));
	memmove(b->done.v, b->done.v + n, (b->done.count - n) * sizeof(*ev));
	b->done.count -= n;
	pthread_mutex_unlock(&b->lock);
	return n;
}

#ifdef PHXFS_HAVE_URING
/* One ring completion: an event in @ev (1), or none (0, resubmitted). */
static int ring_complete(struct phxfs_batch *b, struct io_uring_cqe *cqe,
			 struct phxfs_io_event *ev)
{
	struct slot *s;

	if (cqe->user_data == EFD_TAG) {
		b->efd_armed = false;
		return 0;
	}
	s = io_uring_cqe_get_data(cqe);
	if (cqe->res > 0) {
		s->done += (size_t)cqe->res;
		/* Short but not at EOF (a buffered read can be): go on. */
		if (s->done < s->req.size) {
			prep_slot(b, s);
			return 0;
		}
	}
	ev->user_data = s->req.user_data;
	ev->result = cqe->res < 0 && !s->done ? cqe->res : (ssize_t)s->done;
	b->free_slots[b->nfree++] = s;
	b->ring_inflight--;
	return 1;
}
#endif

static unsigned int take_ring(struct phxfs_batch *b, struct phxfs_io_event *ev,
			      unsigned int max)
{
	unsigned int n = 0;
#ifdef PHXFS_HAVE_URING
	struct io_uring_cqe *cqe;

	while (b->have_ring && n < max && !io_uring_peek_cqe(&b->ring, &cqe)) {
		n += ring_complete(b, cqe, &ev[n]);
		io_uring_cqe_seen(&b->ring, cqe);
	}
	/* Resubmissions of short transfers: no syscall when there are none. */
	if (b->have_ring)
		io_uring_submit(&b->ring);
#else
	(void)b;
	(void)ev;
	(void)max;
#endif
	return n;
}

static bool deadline_passed(const struct timespec *deadline)
{
	struct timespec now;

	if (!deadline)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec &&
		now.tv_nsec >= deadline->tv_nsec);
}

/* Sleep until something may have completed, or the deadline. */
static void wait_some(struct phxfs_batch *b, const struct timespec *deadline)
{
#ifdef PHXFS_HAVE_URING
	if (b->have_ring) {
		struct __kernel_timespec ts = { .tv_sec = 1 };
		struct io_uring_cqe *cqe;

		if (deadline) {
			struct timespec now;
			int64_t ns;

			clock_gettime(CLOCK_MONOTONIC, &now);
			ns = (deadline->tv_sec - now.tv_sec) * 1000000000LL +
			     (deadline->tv_nsec - now.tv_nsec);
			if (ns < 0)
				ns = 0;
			ts.tv_sec = ns / 1000000000LL;
			ts.tv_nsec = ns % 1000000000LL;
		}
		arm_efd(b);
		io_uring_submit_and_wait_timeout(&b->ring, &cqe, 1, &ts, NULL);
		return;
	}
#endif
	pthread_mutex_lock(&b->lock);
	if (!b->done.count) {
		struct timespec ts;

		if (deadline) {
			/* done_cv runs on CLOCK_REALTIME: convert. */
			struct timespec now, real;

			clock_gettime(CLOCK_MONOTONIC, &now);
			clock_gettime(CLOCK_REALTIME, &real);
			ts.tv_sec = real.tv_sec + (deadline->tv_sec - now.tv_sec);
			ts.tv_nsec = real.tv_nsec +
				     (deadline->tv_nsec - now.tv_nsec);
			while (ts.tv_nsec < 0) {
				ts.tv_nsec += 1000000000L;
				ts.tv_sec--;
			}
			while (ts.tv_nsec >= 1000000000L) {
				ts.tv_nsec -= 1000000000L;
				ts.tv_sec++;
			}
			pthread_cond_timedwait(&b->done_cv, &b->lock, &ts);
		} else {
			pthread_cond_wait(&b->done_cv, &b->lock);
		}
	}
	pthread_mutex_unlock(&b->lock);
}

static bool idle(struct phxfs_batch *b)
{
	bool none;

	pthread_mutex_lock(&b->lock);
	none = !b->work_inflight && !b->done.count;
	pthread_mutex_unlock(&b->lock);
	return none && !b->ring_inflight && !b->pending.count;
}

int phxfs_batch_reap(phxfs_batch_t *b, struct phxfs_io_event *events,
		     unsigned int min, unsigned int max,
		     const struct timespec *timeout)
{
	struct timespec deadline, *dl = NULL;
	unsigned int n = 0;

	if (!b || !events || min > max || (timeout && timeout->tv_nsec < 0) ||
	    (timeout && timeout->tv_nsec >= 1000000000L) ||
	    max > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (timeout) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout->tv_sec;
		deadline.tv_nsec += timeout->tv_nsec;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_nsec -= 1000000000L;
			deadline.tv_sec++;
		}
		dl = &deadline;
	}
	for (;;) {
		n += take_ring(b, events + n, max - n);
		n += take_done(b, events + n, max - n);
		/* Freed ring slots take the next pending requests. */
		if (b->pending.count && pump(b))
			return n ? (int)n : -1;
		if (n >= min || n == max || idle(b) || deadline_passed(dl))
			return (int)n;
		wait_some(b, dl);
	}
}

int phxfs_batch_run(phxfs_batch_t *b, const struct phxfs_io_req *reqs,
		    unsigned int n, ssize_t *results)
{
	struct phxfs_io_req *mine;
	struct phxfs_io_event ev[64];
	unsigned int left = n;

	if (!b || (n && (!reqs || !results))) {
		errno = EINVAL;
		return -1;
	}
	if (!idle(b)) {
		errno = EBUSY;
		return -1;
	}
	if (!n)
		return 0;
	mine = malloc(n * sizeof(*mine));
	if (!mine) {
		errno = ENOMEM;
		return -1;
	}
	/* Each event names the place of its result. */
	for (unsigned int i = 0; i < n; i++) {
		mine[i] = reqs[i];
		mine[i].user_data = &results[i];
	}
	if (phxfs_batch_submit(b, mine, n)) {
		int err = errno;

		/* Part queued before it failed (ENOMEM): none left running. */
		while (!idle(b))
			phxfs_batch_reap(b, ev, 1, 64, NULL);
		free(mine);
		errno = err;
		return -1;
	}
	free(mine);
	while (left) {
		/* Valid arguments: it cannot fail. */
		int got = phxfs_batch_reap(b, ev, 1, 64, NULL);

		for (int k = 0; k < got; k++)
			*(ssize_t *)ev[k].user_data = ev[k].result;
		left -= got > 0 ? (unsigned int)got : 0;
	}
	return 0;
}

void phxfs_batch_destroy(phxfs_batch_t *b)
{
	struct phxfs_io_event ev[64];

	if (!b)
		return;
	/* Every request runs to its end; its event is dropped. */
	while (!idle(b))
		phxfs_batch_reap(b, ev, 1, 64, NULL);
	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	pthread_cond_broadcast(&b->work_cv);
	pthread_mutex_unlock(&b->lock);
	for (unsigned int i = 0; i < b->nworkers; i++)
		pthread_join(b->workers[i], NULL);
#ifdef PHXFS_HAVE_URING
	if (b->have_ring)
		io_uring_queue_exit(&b->ring);
#endif
	close(b->efd);
	pthread_cond_destroy(&b->work_cv);
	pthread_cond_destroy(&b->done_cv);
	pthread_mutex_destroy(&b->lock);
	free(b->pending.v);
	free(b->work.v);
	free(b->done.v);
	free(b->slots);
	free(b->free_slots);
	free(b);
}
