// SPDX-License-Identifier: MIT
/*
 * -x 3 CUFILE: NVIDIA's cuFile (GPUDirect Storage), the reference: the
 * driver opened and the file registered once per run, each thread's
 * cudaMalloc buffer registered with cuFileBufRegister.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "cufile_abi.h"
#include "gpu.h"
#include "run.h"

struct cf_run {
	struct cufile_api api;
	void *fh;
	bool driver_open;
};

struct cf_buf {
	unsigned char *dev;
	size_t len;
	bool registered;
};

static int cf_open(struct run *r)
{
	struct cf_run *c = calloc(1, sizeof(*c));
	struct phx_cufile_descr d = {
		.type = PHX_CUFILE_HANDLE_TYPE_OPAQUE_FD,
	};
	struct phx_cufile_error e;
	char why[256], buf[128];

	r->priv = c;
	if (!c) {
		run_fail(r, "out of memory");
		return -1;
	}
	if (cufile_load(&c->api, why, sizeof(why))) {
		run_fail(r, "%s", why);
		return -1;
	}
	e = c->api.driver_open();
	if (e.err) {
		run_fail(r, "cuFileDriverOpen: %s",
			 cufile_err_str(e, buf, sizeof(buf)));
		return -1;
	}
	c->driver_open = true;
	d.handle.fd = r->fd;
	e = c->api.handle_register(&c->fh, &d);
	if (e.err) {
		c->fh = NULL;
		run_fail(r, "cuFileHandleRegister: %s%s",
			 cufile_err_str(e, buf, sizeof(buf)),
			 r->o->o_direct ? "" : " (cuFile wants O_DIRECT: -D 1)");
		return -1;
	}
	return 0;
}

static void cf_close(struct run *r)
{
	struct cf_run *c = r->priv;

	if (!c)
		return;
	if (c->fh)
		c->api.handle_deregister(c->fh);
	if (c->driver_open)
		c->api.driver_close();
	cufile_unload(&c->api);
	free(c);
	r->priv = NULL;
}

static int cf_setup(struct worker *w)
{
	struct cf_run *c = w->r->priv;
	struct cf_buf *b = calloc(1, sizeof(*b));
	struct phx_cufile_error e;
	char why[256];

	w->priv = b;
	if (!b) {
		worker_fail(w, "out of memory");
		return -1;
	}
	b->len = device_alloc_size(w->r->o->io_size);
	if (!gpu_use(w->r->o->gpu, why, sizeof(why)))
		b->dev = device_alloc(b->len, why, sizeof(why));
	if (!b->dev) {
		worker_fail(w, "thread %u: %s", w->id, why);
		return -1;
	}
	e = c->api.buf_register(b->dev, b->len, 0);
	if (e.err) {
		worker_fail(w, "cuFileBufRegister(%zu bytes): %s", b->len,
			    cufile_err_str(e, why, sizeof(why)));
		return -1;
	}
	b->registered = true;
	return 0;
}

static void cf_teardown(struct worker *w)
{
	struct cf_run *c = w->r->priv;
	struct cf_buf *b = w->priv;

	if (!b)
		return;
	if (b->registered)
		c->api.buf_deregister(b->dev);
	device_free(b->dev);
	free(b);
	w->priv = NULL;
}

static ssize_t cf_io(struct worker *w, unsigned int slot, off_t off,
		     size_t len)
{
	struct cf_run *c = w->r->priv;
	struct cf_buf *b = w->priv;
	char why[128];
	ssize_t n;

	(void)slot;
	if (w->r->write)
		n = c->api.write(c->fh, b->dev, len, off, 0);
	else
		n = c->api.read(c->fh, b->dev, len, off, 0);
	if (n < 0)
		worker_fail(w, "%s(%zu bytes at %lld): %s",
			    w->r->write ? "cuFileWrite" : "cuFileRead", len,
			    (long long)off,
			    cufile_ret_str(n, why, sizeof(why)));
	return n;
}

static int cf_fill(struct worker *w, unsigned int slot, const void *src,
		   size_t len)
{
	struct cf_buf *b = w->priv;
	char why[256];

	(void)slot;
	if (copy_to_device(b->dev, src, len, why, sizeof(why))) {
		worker_fail(w, "%s", why);
		return -1;
	}
	return 0;
}

static int cf_fetch(struct worker *w, unsigned int slot, void *dst,
		    size_t len)
{
	struct cf_buf *b = w->priv;
	char why[256];

	(void)slot;
	if (copy_to_host(dst, b->dev, len, why, sizeof(why))) {
		worker_fail(w, "%s", why);
		return -1;
	}
	return 0;
}

const struct xfer_ops xfer_cufile_ops = {
	.name = "CUFILE",
	.needs_file = true,
	.needs_gpu = true,
	.open = cf_open,
	.close = cf_close,
	.setup = cf_setup,
	.teardown = cf_teardown,
	.io = cf_io,
	.fill = cf_fill,
	.fetch = cf_fetch,
};
