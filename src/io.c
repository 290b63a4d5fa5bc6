// SPDX-License-Identifier: MIT
/*
 * phxfs_read() and phxfs_write(): a request is checked, its buffer
 * resolved (registered, device or host memory), then moved in the calling
 * thread if small, else split into PHXFS_CHUNK_SIZE pieces at the file's
 * alignment and moved by the pool's workers.
 */
#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "device.h"
#include "knobs.h"
#include "memops.h"
#include "pool.h"
#include "stage.h"
#include "xfer.h"

#define OFF_MAX INT64_MAX	/* off_t is 64-bit: see the static assert */

_Static_assert(sizeof(off_t) == sizeof(int64_t), "off_t must be 64-bit");

/* A request split over the pool. */
struct split {
	const struct phxfs_xfer *x;
	uint64_t end;
	uint64_t base;		/* the file's alignment below x->start */
	size_t chunk;		/* a multiple of that alignment */
	pthread_mutex_t lock;
	int err;		/* the first error */
	uint64_t eof;		/* the lowest end of a short piece */
};

int phxfs_io_resolve(int device_id, const void *buf, size_t buf_offset,
		     size_t size, struct phxfs_target *t)
{
	uintptr_t addr = (uintptr_t)buf;
	enum phxfs_mem_kind kind;
	void *target;
	int err;

	if (!buf || !t || buf_offset > UINTPTR_MAX - addr ||
	    size > UINTPTR_MAX - addr - buf_offset) {
		errno = EINVAL;
		return -1;
	}
	addr += buf_offset;
	if (phxfs_device_target(device_id, addr, size, &target))
		return -1;
	*t = (struct phxfs_target){ .kind = PHXFS_TARGET_HOST };
	if (target) {
		t->host = target;
		t->registered = true;
		return 0;
	}
	err = phxfs_mem_ops()->classify((void *)addr, size, &kind, &t->ctx);
	if (err) {
		errno = err;
		return -1;
	}
	if (kind == PHXFS_MEM_DEVICE) {
		t->kind = PHXFS_TARGET_BOUNCE;
		t->dev = (void *)addr;
	} else {
		t->host = (void *)addr;
	}
	return 0;
}

bool phxfs_io_direct_ok(int fd, const void *p, size_t size, off_t off)
{
	struct phxfs_file f;

	return !phxfs_file_probe(fd, &f) &&
	       phxfs_file_aligned(&f, p, size, off);
}

/* Piece @i of a split request; nonzero cancels the pieces not started. */
static int run_piece(void *arg, size_t i)
{
	struct split *r = arg;
	uint64_t from = r->base + i * r->chunk, to = from + r->chunk;
	ssize_t n;
	int stop;

	if (from < r->x->start)
		from = r->x->start;
	if (to > r->end)
		to = r->end;
	pthread_mutex_lock(&r->lock);
	stop = r->err;
	pthread_mutex_unlock(&r->lock);
	if (stop)
		return 1;

	n = phxfs_xfer_piece(r->x, from, to - from);

	pthread_mutex_lock(&r->lock);
	if (n < 0 && !r->err)
		r->err = errno;
	/* A short piece met the end of the file: the rest lies past it. */
	stop = n < 0 || (uint64_t)n < to - from;
	if (n >= 0 && stop && from + (uint64_t)n < r->eof)
		r->eof = from + (uint64_t)n;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

static ssize_t run_split(const struct phxfs_xfer *x, size_t size,
			 size_t chunk_size)
{
	size_t align = x->file.off_align;
	struct split r = {
		.x = x,
		.end = x->start + size,
		.base = x->start - x->start % align,
		.chunk = chunk_size < align ? align :
					      chunk_size - chunk_size % align,
		.eof = UINT64_MAX,
	};

	pthread_mutex_init(&r.lock, NULL);
	phxfs_pool_run(run_piece, &r, (r.end - r.base + r.chunk - 1) / r.chunk);
	pthread_mutex_destroy(&r.lock);
	if (r.err) {
		errno = r.err;
		return -1;
	}
	return r.eof < r.end ? (ssize_t)(r.eof - x->start) : (ssize_t)size;
}

/*
 * The common case of direct I/O, a small request into a registered buffer:
 * one pread()/pwrite() straight into the module's mapping, without probing
 * the descriptor first. What that call does not finish whole (an O_DIRECT
 * alignment refused, a short count, a revoked mapping, a signal) the
 * general path does again from the start, probing the descriptor: reading
 * again, or writing the same bytes again, is harmless. Any other error is
 * final. REDO: not done here.
 */
#define REDO (-2)

static inline ssize_t registered_once(bool write, int fd, void *p,
				     size_t size, off_t off)
{
	ssize_t n = write ? pwrite(fd, p, size, off) : pread(fd, p, size, off);

	if (n == (ssize_t)size)
		return n;
	if (n < 0 && errno != EINVAL && errno != EFAULT && errno != EINTR)
		return -1;
	return REDO;
}

/*
 * The module's address of a small request's buffer, if this thread's hint
 * knows it (device.h); NULL sends the request down the general path, which
 * also gives any bad argument its errno.
 */
static inline char *hinted_small(int device_id, const void *buf,
				 size_t buf_offset, size_t size,
				 off_t file_offset)
{
	uintptr_t addr = (uintptr_t)buf;

	if (!size || size > phxfs_hint.small_io || file_offset < 0 ||
	    addr > UINTPTR_MAX - buf_offset ||
	    (uint64_t)file_offset > OFF_MAX - size)
		return NULL;
	return phxfs_hinted_target(device_id, addr + buf_offset, size);
}

/*
 * @tried_registered: the caller's hinted path has just issued the single
 * pread/pwrite of a registered buffer (registered_once()) and it asked
 * for the general path: do not issue the same call again.
 */
static ssize_t io_run(const struct phxfs_io_req *req, bool unordered,
		      bool tried_registered)
{
	const struct phxfs_knobs *knobs;
	struct phxfs_xfer x = { .unordered = unordered };

	if (!req || (req->opcode != PHXFS_OP_READ &&
		     req->opcode != PHXFS_OP_WRITE) ||
	    req->file_offset < 0 || req->size > SSIZE_MAX ||
	    req->size > (uint64_t)(OFF_MAX - req->file_offset)) {
		errno = EINVAL;
		return -1;
	}
	knobs = phxfs_knobs();
	if (!knobs ||
	    phxfs_io_resolve(req->device_id, req->buf, req->buf_offset,
			     req->size, &x.target))
		return -1;
	if (!tried_registered && x.target.registered && req->size &&
	    req->size <= knobs->small_io) {
		ssize_t n = registered_once(req->opcode == PHXFS_OP_WRITE,
					    req->fd, x.target.host, req->size,
					    req->file_offset);

		if (n != REDO)
			return n;
	}
	if (phxfs_file_probe(req->fd, &x.file))
		return -1;
	x.write = req->opcode == PHXFS_OP_WRITE;
	if (x.write ? !x.file.writable : !x.file.readable) {
		errno = EBADF;
		return -1;
	}
	if (!req->size)
		return 0;
	x.start = (uint64_t)req->file_offset;
	if (req->size <= knobs->small_io)
		return phxfs_xfer_piece(&x, x.start, req->size);
	return run_split(&x, req->size, knobs->chunk_size);
}

ssize_t phxfs_io_run(const struct phxfs_io_req *req)
{
	return io_run(req, false, false);
}

ssize_t phxfs_io_run_as(const struct phxfs_io_req *req, bool unordered)
{
	return io_run(req, unordered, false);
}

/* The hinted path of phxfs_read() and phxfs_write(), else the general one. */
static inline ssize_t io_call(int opcode, int fd, int device_id, void *buf,
			      size_t buf_offset, size_t size, off_t file_offset)
{
	char *p = hinted_small(device_id, buf, buf_offset, size, file_offset);
	struct phxfs_io_req req;

	if (p) {
		ssize_t n = registered_once(opcode == PHXFS_OP_WRITE, fd, p,
					    size, file_offset);

		if (n != REDO)
			return n;
	}
	req = (struct phxfs_io_req){
		.opcode = opcode,
		.fd = fd,
		.device_id = device_id,
		.buf = buf,
		.buf_offset = buf_offset,
		.size = size,
		.file_offset = file_offset,
	};
	return io_run(&req, false, p != NULL);
}

ssize_t phxfs_read(int fd, int device_id, void *buf, size_t buf_offset,
		   size_t size, off_t file_offset)
{
	return io_call(PHXFS_OP_READ, fd, device_id, buf, buf_offset, size,
		       file_offset);
}

ssize_t phxfs_write(int fd, int device_id, const void *buf, size_t buf_offset,
		    size_t size, off_t file_offset)
{
	return io_call(PHXFS_OP_WRITE, fd, device_id, (void *)buf, buf_offset,
		       size, file_offset);
}

/*
 * Library unload, or exit: the workers free their stages as they end, then
 * this thread's goes, and the key.
 */
__attribute__((destructor)) static void io_unload(void)
{
	phxfs_pool_shutdown();
	phxfs_stage_unload();
}
