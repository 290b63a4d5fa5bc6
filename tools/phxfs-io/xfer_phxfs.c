// SPDX-License-Identifier: MIT
/*
 * -x 0 and 1: LibPhoenix's phxfs_read()/phxfs_write() into cudaMalloc
 * memory. Where the device opened in direct mode the buffers are registered
 * first, so requests go from storage to the GPU by DMA; in compat mode the
 * library stages them through its pinned host buffers. With -b > 1 each
 * thread keeps that many requests in flight through phxfs_batch_*.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/phxfs_weak.h"
#include "gpu.h"
#include "run.h"

struct phx_buf {
	unsigned char *dev;
	size_t len;
	bool registered;
};

static int phx_open(struct run *r)
{
	if (!PHXFS_HAS(phxfs_read) || !PHXFS_HAS(phxfs_write) ||
	    !PHXFS_HAS(phxfs_mode)) {
		run_fail(r, "this libphxfs has no phxfs_read/phxfs_write/phxfs_mode yet");
		return -1;
	}
	if (r->o->batch > 1 &&
	    (!PHXFS_HAS(phxfs_batch_create) || !PHXFS_HAS(phxfs_batch_submit) ||
	     !PHXFS_HAS(phxfs_batch_reap) || !PHXFS_HAS(phxfs_batch_destroy))) {
		run_fail(r, "this libphxfs has no phxfs_batch_* yet (-b %u)",
			 r->o->batch);
		return -1;
	}
	if (phxfs_open(r->phxfs_dev)) {
		run_fail(r, "phxfs_open(%d): %s", r->phxfs_dev, strerror(errno));
		return -1;
	}
	r->phxfs_mode = phxfs_mode(r->phxfs_dev);
	r->xfer_name = r->phxfs_mode == PHXFS_MODE_DIRECT ? "GPUD" :
							    "GPU_COMPAT";
	return 0;
}

static void phx_close(struct run *r)
{
	if (r->phxfs_mode > 0)
		phxfs_close(r->phxfs_dev);
}

static int phx_setup(struct worker *w)
{
	struct run *r = w->r;
	struct phx_buf *b = calloc(1, sizeof(*b));
	char why[256];
	void *target;

	w->priv = b;
	if (!b) {
		worker_fail(w, "out of memory");
		return -1;
	}
	b->len = device_alloc_size(r->o->io_size * r->o->batch);
	if (!gpu_use(r->o->gpu, why, sizeof(why)))
		b->dev = device_alloc(b->len, why, sizeof(why));
	if (!b->dev) {
		worker_fail(w, "thread %u: %s", w->id, why);
		return -1;
	}
	if (r->phxfs_mode != PHXFS_MODE_DIRECT)
		return 0;
	/* phxfs_read() finds the registration from the device pointer. */
	if (phxfs_regmem(r->phxfs_dev, b->dev, b->len, &target)) {
		worker_fail(w, "phxfs_regmem(%d, %zu bytes): %s (-x 1 for compat)",
			    r->phxfs_dev, b->len, strerror(errno));
		return -1;
	}
	b->registered = true;
	return 0;
}

static void phx_teardown(struct worker *w)
{
	struct phx_buf *b = w->priv;

	if (!b)
		return;
	if (b->registered)
		phxfs_deregmem(w->r->phxfs_dev, b->dev, b->len);
	device_free(b->dev);
	free(b);
	w->priv = NULL;
}

static ssize_t phx_io(struct worker *w, unsigned int slot, off_t off,
		      size_t len)
{
	struct run *r = w->r;
	struct phx_buf *b = w->priv;
	size_t at = (size_t)slot * r->o->io_size;
	ssize_t n;

	if (r->write)
		n = phxfs_write(r->fd, r->phxfs_dev, b->dev, at, len, off);
	else
		n = phxfs_read(r->fd, r->phxfs_dev, b->dev, at, len, off);
	if (n < 0)
		worker_fail(w, "%s(%zu bytes at %lld): %s",
			    r->write ? "phxfs_write" : "phxfs_read", len,
			    (long long)off, strerror(errno));
	return n;
}

static int phx_fill(struct worker *w, unsigned int slot, const void *src,
		    size_t len)
{
	struct phx_buf *b = w->priv;
	char why[256];

	if (copy_to_device(b->dev + (size_t)slot * w->r->o->io_size, src, len,
			   why, sizeof(why))) {
		worker_fail(w, "%s", why);
		return -1;
	}
	return 0;
}

static int phx_fetch(struct worker *w, unsigned int slot, void *dst,
		     size_t len)
{
	struct phx_buf *b = w->priv;
	char why[256];

	if (copy_to_host(dst, b->dev + (size_t)slot * w->r->o->io_size, len,
			 why, sizeof(why))) {
		worker_fail(w, "%s", why);
		return -1;
	}
	return 0;
}

/* Per thread state of the batch loop: one slot per request in flight. */
struct batch_state {
	phxfs_batch_t *batch;
	struct phxfs_io_req *reqs;
	struct phxfs_io_event *events;
	int64_t *submitted;	/* per slot */
	off_t *offset;		/* per slot */
	unsigned int *free_slots;
	unsigned int nfree;
};

static void batch_free(struct batch_state *s)
{
	if (s->batch)
		phxfs_batch_destroy(s->batch);
	free(s->reqs);
	free(s->events);
	free(s->submitted);
	free(s->offset);
	free(s->free_slots);
}

/* Queue requests on every free slot while the run goes on; 0 or -1. */
static int batch_fill(struct worker *w, struct batch_state *s,
		      unsigned int *inflight)
{
	struct run *r = w->r;
	size_t len = r->o->io_size;
	unsigned int n = 0;
	int64_t t;
	off_t off;

	while (s->nfree && worker_next(w, &off)) {
		unsigned int slot = s->free_slots[--s->nfree];

		if (worker_verify_before(w, slot, off, len))
			return -1;
		s->offset[slot] = off;
		s->reqs[n++] = (struct phxfs_io_req){
			.opcode = r->write ? PHXFS_OP_WRITE : PHXFS_OP_READ,
			.fd = r->fd,
			.device_id = r->phxfs_dev,
			.buf = ((struct phx_buf *)w->priv)->dev,
			.buf_offset = (size_t)slot * len,
			.size = len,
			.file_offset = off,
			.user_data = (void *)(uintptr_t)slot,
		};
	}
	if (!n)
		return 0;
	t = now_ns();
	for (unsigned int i = 0; i < n; i++)
		s->submitted[(uintptr_t)s->reqs[i].user_data] = t;
	if (phxfs_batch_submit(s->batch, s->reqs, n)) {
		worker_fail(w, "phxfs_batch_submit(%u): %s", n,
			    strerror(errno));
		return -1;
	}
	*inflight += n;
	return 0;
}

static int batch_complete(struct worker *w, struct batch_state *s,
			  const struct phxfs_io_event *ev, int64_t t)
{
	unsigned int slot = (unsigned int)(uintptr_t)ev->user_data;
	size_t len = w->r->o->io_size;

	s->free_slots[s->nfree++] = slot;
	if (ev->result < 0) {
		worker_fail(w, "batched %s at %lld: %s",
			    w->r->write ? "write" : "read",
			    (long long)s->offset[slot],
			    strerror((int)-ev->result));
		return -1;
	}
	worker_done(w, (uint64_t)(t - s->submitted[slot]),
		    (size_t)ev->result);
	if ((size_t)ev->result != len) {
		worker_fail(w, "short batched transfer at %lld: %zd of %zu bytes",
			    (long long)s->offset[slot], ev->result, len);
		return -1;
	}
	return worker_verify_after(w, slot, s->offset[slot], len);
}

static int phx_batch_loop(struct worker *w)
{
	unsigned int depth = w->r->o->batch, inflight = 0;
	struct batch_state s = { 0 };
	int ret = -1;

	s.reqs = calloc(depth, sizeof(*s.reqs));
	s.events = calloc(depth, sizeof(*s.events));
	s.submitted = calloc(depth, sizeof(*s.submitted));
	s.offset = calloc(depth, sizeof(*s.offset));
	s.free_slots = calloc(depth, sizeof(*s.free_slots));
	if (!s.reqs || !s.events || !s.submitted || !s.offset ||
	    !s.free_slots) {
		worker_fail(w, "out of memory");
		goto out;
	}
	s.batch = phxfs_batch_create(depth);
	if (!s.batch) {
		worker_fail(w, "phxfs_batch_create(%u): %s", depth,
			    strerror(errno));
		goto out;
	}
	for (unsigned int i = 0; i < depth; i++)
		s.free_slots[s.nfree++] = depth - 1 - i;
	for (;;) {
		int n;
		int64_t t;

		if (batch_fill(w, &s, &inflight))
			goto out;
		if (!inflight)
			break;
		n = phxfs_batch_reap(s.batch, s.events, 1, depth, NULL);
		if (n < 0) {
			worker_fail(w, "phxfs_batch_reap: %s", strerror(errno));
			goto out;
		}
		t = now_ns();
		inflight -= (unsigned int)n;
		for (int i = 0; i < n; i++)
			if (batch_complete(w, &s, &s.events[i], t))
				goto out;
	}
	ret = 0;
out:
	/* Destroy waits for what is still in flight before buffers go. */
	batch_free(&s);
	return ret;
}

const struct xfer_ops xfer_phxfs_ops = {
	.name = "GPUD",
	.needs_file = true,
	.needs_gpu = true,
	.open = phx_open,
	.close = phx_close,
	.setup = phx_setup,
	.teardown = phx_teardown,
	.io = phx_io,
	.fill = phx_fill,
	.fetch = phx_fetch,
	.loop = phx_batch_loop,
};
