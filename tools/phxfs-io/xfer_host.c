// SPDX-License-Identifier: MIT
/*
 * The transfer types that go through host memory, for comparison:
 *  -x 2 CPU_GPU  pread()/pwrite() of pageable memory + cudaMemcpy, what an
 *		 application does without any GPU direct storage;
 *  -x 4 CPUONLY  pread()/pwrite() of pinned memory and nothing else: what
 *		 the storage can give (runs without a GPU);
 *  -x 5 H2D      cudaMemcpy from pinned memory and nothing else: what the
 *		 PCIe link can give.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu.h"
#include "run.h"

struct host_buf {
	unsigned char *host;
	unsigned char *dev;	/* NULL for CPUONLY */
	size_t len;
	bool pinned;
	bool cuda_pinned;
};

static int host_setup(struct worker *w, bool pinned, bool dev)
{
	struct run *r = w->r;
	struct host_buf *b = calloc(1, sizeof(*b));
	char why[256] = "";
	int err;

	w->priv = b;
	if (!b) {
		worker_fail(w, "out of memory");
		return -1;
	}
	b->len = r->o->io_size * r->o->batch;
	if (r->have_gpu && gpu_use(r->o->gpu, why, sizeof(why)))
		goto fail;
	if (dev) {
		b->dev = device_alloc(b->len, why, sizeof(why));
		if (!b->dev)
			goto fail;
	}
	if (pinned) {
		b->pinned = true;
		b->cuda_pinned = r->have_gpu;
		b->host = pinned_alloc(b->len, r->have_gpu, why, sizeof(why));
		if (!b->host)
			goto fail;
		return 0;
	}
	/* Pageable, aligned for O_DIRECT. */
	err = posix_memalign((void **)&b->host, 4096, b->len);
	if (!err) {
		memset(b->host, 0, b->len);
		return 0;
	}
	snprintf(why, sizeof(why), "posix_memalign: %s", strerror(err));
	b->host = NULL;
fail:
	worker_fail(w, "thread %u: %s", w->id, why);
	return -1;
}

static int cpu_gpu_setup(struct worker *w)
{
	return host_setup(w, false, true);
}

static int cpuonly_setup(struct worker *w)
{
	return host_setup(w, true, false);
}

static int h2d_setup(struct worker *w)
{
	return host_setup(w, true, true);
}

static void host_teardown(struct worker *w)
{
	struct host_buf *b = w->priv;

	if (!b)
		return;
	device_free(b->dev);
	if (b->pinned)
		pinned_free(b->host, b->len, b->cuda_pinned);
	else
		free(b->host);
	free(b);
	w->priv = NULL;
}

static ssize_t file_io(struct worker *w, unsigned char *p, off_t off,
		       size_t len)
{
	struct run *r = w->r;
	ssize_t n;

	do {
		n = r->write ? pwrite(r->fd, p, len, off) :
			       pread(r->fd, p, len, off);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		worker_fail(w, "%s(%zu bytes at %lld): %s",
			    r->write ? "pwrite" : "pread", len, (long long)off,
			    strerror(errno));
	return n;
}

static int copy(struct worker *w, void *dst, const void *src, size_t len,
		bool to_device)
{
	char why[256];
	int ret = to_device ? copy_to_device(dst, src, len, why, sizeof(why)) :
			      copy_to_host(dst, src, len, why, sizeof(why));

	if (ret)
		worker_fail(w, "%s", why);
	return ret;
}

static unsigned char *slot_host(struct worker *w, unsigned int slot)
{
	return ((struct host_buf *)w->priv)->host +
	       (size_t)slot * w->r->o->io_size;
}

static unsigned char *slot_dev(struct worker *w, unsigned int slot)
{
	return ((struct host_buf *)w->priv)->dev +
	       (size_t)slot * w->r->o->io_size;
}

static ssize_t cpu_gpu_io(struct worker *w, unsigned int slot, off_t off,
			  size_t len)
{
	ssize_t n;

	if (w->r->write) {
		if (copy(w, slot_host(w, slot), slot_dev(w, slot), len, false))
			return -1;
		return file_io(w, slot_host(w, slot), off, len);
	}
	n = file_io(w, slot_host(w, slot), off, len);
	if (n > 0 && copy(w, slot_dev(w, slot), slot_host(w, slot),
			  (size_t)n, true))
		return -1;
	return n;
}

/* The GPU buffer is where reads end and writes start. */
static int dev_fill(struct worker *w, unsigned int slot, const void *src,
		    size_t len)
{
	return copy(w, slot_dev(w, slot), src, len, true);
}

static int dev_fetch(struct worker *w, unsigned int slot, void *dst,
		     size_t len)
{
	return copy(w, dst, slot_dev(w, slot), len, false);
}

static ssize_t cpuonly_io(struct worker *w, unsigned int slot, off_t off,
			  size_t len)
{
	return file_io(w, slot_host(w, slot), off, len);
}

static int host_fill(struct worker *w, unsigned int slot, const void *src,
		     size_t len)
{
	memcpy(slot_host(w, slot), src, len);
	return 0;
}

static int host_fetch(struct worker *w, unsigned int slot, void *dst,
		      size_t len)
{
	memcpy(dst, slot_host(w, slot), len);
	return 0;
}

/* "Reads" copy host to device, "writes" device to host. */
static ssize_t h2d_io(struct worker *w, unsigned int slot, off_t off,
		      size_t len)
{
	bool to_dev = !w->r->write;

	(void)off;
	if (copy(w, to_dev ? slot_dev(w, slot) : slot_host(w, slot),
		 to_dev ? slot_host(w, slot) : slot_dev(w, slot), len, to_dev))
		return -1;
	return (ssize_t)len;
}

static int h2d_fill(struct worker *w, unsigned int slot, const void *src,
		    size_t len)
{
	return w->r->write ? dev_fill(w, slot, src, len) :
			     host_fill(w, slot, src, len);
}

static int h2d_fetch(struct worker *w, unsigned int slot, void *dst,
		     size_t len)
{
	return w->r->write ? host_fetch(w, slot, dst, len) :
			     dev_fetch(w, slot, dst, len);
}

const struct xfer_ops xfer_cpu_gpu_ops = {
	.name = "CPU_GPU",
	.needs_file = true,
	.needs_gpu = true,
	.setup = cpu_gpu_setup,
	.teardown = host_teardown,
	.io = cpu_gpu_io,
	.fill = dev_fill,
	.fetch = dev_fetch,
};

const struct xfer_ops xfer_cpuonly_ops = {
	.name = "CPUONLY",
	.needs_file = true,
	.needs_gpu = false,
	.setup = cpuonly_setup,
	.teardown = host_teardown,
	.io = cpuonly_io,
	.fill = host_fill,
	.fetch = host_fetch,
};

const struct xfer_ops xfer_h2d_ops = {
	.name = "H2D",
	.needs_file = false,
	.needs_gpu = true,
	.setup = h2d_setup,
	.teardown = host_teardown,
	.io = h2d_io,
	.fill = h2d_fill,
	.fetch = h2d_fetch,
};
