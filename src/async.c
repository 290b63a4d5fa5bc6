// SPDX-License-Identifier: MIT
/*
 * Stream-ordered reads and writes.
 *
 * A request becomes three operations on the caller's CUDA stream:
 *   1. a host function that hands the request to one of our threads (it
 *      makes no CUDA call and does not block, as host functions must not);
 *   2. a wait until a 32-bit flag in pinned host memory turns 1, which our
 *      thread sets after it has done the I/O and written *bytes_done;
 *   3. a host function that recycles the flag.
 * So the I/O starts only after the work queued before it, and the work
 * queued after it starts only once the bytes are in place. Our thread
 * copies on non-blocking streams of its own, never on the caller's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <phxfs/phxfs.h>

#include "cu.h"
#include "io.h"

#define ASYNC_THREADS	4
#define ASYNC_FLAGS	4096

#define CU_STREAM_WAIT_VALUE_GEQ	0x0
#define CU_MEMHOSTALLOC_DEVICEMAP	0x02

struct async_job {
	struct phxfs_io_req req;
	ssize_t *bytes_done;
	uint32_t flag;		/* index into flags */
	struct async_job *next;
};

static struct {
	pthread_once_t once;
	bool ok;
	const struct phxfs_cu *cu;	/* with both optional calls */
	volatile uint32_t *flags;	/* pinned, device-mapped */
	unsigned long long flags_dev;	/* their device address */

	pthread_mutex_t lock;		/* protects all below */
	pthread_cond_t cv;
	uint32_t free_flags[ASYNC_FLAGS];
	unsigned int nfree;
	struct async_job *head, *tail;	/* for the threads */
	unsigned int nthreads;
} as = {
	.once = PTHREAD_ONCE_INIT,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

/* Needs a current CUDA context: the caller's, which owns its stream. */
static void async_init(void)
{
	const struct phxfs_cu *cu = phxfs_cu();
	void *p;

	if (!cu || !cu->launch_host_func || !cu->stream_wait_value32)
		return;
	if (cu->mem_host_alloc(&p, ASYNC_FLAGS * sizeof(uint32_t),
			       CU_MEMHOSTALLOC_PORTABLE |
			       CU_MEMHOSTALLOC_DEVICEMAP))
		return;
	if (cu->mem_host_get_device_pointer(&as.flags_dev, p, 0))
		return;		/* kept: a few KiB for the process's life */
	as.cu = cu;
	as.flags = p;
	for (uint32_t i = 0; i < ASYNC_FLAGS; i++)
		as.free_flags[i] = ASYNC_FLAGS - 1 - i;
	as.nfree = ASYNC_FLAGS;
	as.ok = true;
}

static void *async_thread(void *arg)
{
	(void)arg;
	for (;;) {
		struct async_job *job;
		ssize_t res;

		pthread_mutex_lock(&as.lock);
		while (!as.head)
			pthread_cond_wait(&as.cv, &as.lock);
		job = as.head;
		as.head = job->next;
		if (!as.head)
			as.tail = NULL;
		pthread_mutex_unlock(&as.lock);

		res = phxfs_io_run_as(&job->req, true);
		*job->bytes_done = res < 0 ? -errno : res;
		/* Release: *bytes_done is visible before the stream goes on. */
		__atomic_store_n(&as.flags[job->flag], 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Step 1, on CUDA's thread: no CUDA calls, no blocking. */
static void async_start(void *arg)
{
	struct async_job *job = arg;

	pthread_mutex_lock(&as.lock);
	job->next = NULL;
	if (as.tail)
		as.tail->next = job;
	else
		as.head = job;
	as.tail = job;
	pthread_cond_signal(&as.cv);
	pthread_mutex_unlock(&as.lock);
}

/* Step 3: the stream is past the wait; the flag can serve again. */
static void async_finish(void *arg)
{
	struct async_job *job = arg;

	pthread_mutex_lock(&as.lock);
	as.free_flags[as.nfree++] = job->flag;
	pthread_cond_broadcast(&as.cv);
	pthread_mutex_unlock(&as.lock);
	free(job);
}

/* A free flag, set to 0; waits while all are in use by queued requests. */
static int take_flag(uint32_t *flag)
{
	pthread_mutex_lock(&as.lock);
	while (!as.nfree)
		pthread_cond_wait(&as.cv, &as.lock);
	*flag = as.free_flags[--as.nfree];
	while (as.nthreads < ASYNC_THREADS) {
		pthread_t t;

		if (pthread_create(&t, NULL, async_thread, NULL))
			break;
		pthread_detach(t);
		as.nthreads++;
	}
	pthread_mutex_unlock(&as.lock);
	if (!as.nthreads) {
		pthread_mutex_lock(&as.lock);
		as.free_flags[as.nfree++] = *flag;
		pthread_mutex_unlock(&as.lock);
		errno = EAGAIN;
		return -1;
	}
	as.flags[*flag] = 0;
	return 0;
}

static int enqueue(const struct phxfs_io_req *req, ssize_t *bytes_done,
		   void *stream)
{
	struct phxfs_target t;
	struct async_job *job;

	if (!bytes_done || !req->buf || req->file_offset < 0 ||
	    req->size > SSIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* Fail now, not in stream order, for what is known now. */
	if (phxfs_io_resolve(req->device_id, req->buf, req->buf_offset,
			     req->size, &t))
		return -1;
	pthread_once(&as.once, async_init);
	if (!as.ok) {
		errno = ENOTSUP;
		return -1;
	}
	job = malloc(sizeof(*job));
	if (!job)
		return -1;
	job->req = *req;
	job->bytes_done = bytes_done;
	if (take_flag(&job->flag)) {
		free(job);
		return -1;
	}
	if (as.cu->launch_host_func(stream, async_start, job))
		goto err_flag;
	/*
	 * From here the job is queued: a failure of the next steps cannot
	 * take it back, so it is reported and the flag leaks rather than be
	 * reused under a request still running.
	 */
	if (as.cu->stream_wait_value32(stream, as.flags_dev +
				       job->flag * sizeof(uint32_t), 1,
				       CU_STREAM_WAIT_VALUE_GEQ) ||
	    as.cu->launch_host_func(stream, async_finish, job)) {
		errno = EIO;
		return -1;
	}
	return 0;

err_flag:
	pthread_mutex_lock(&as.lock);
	as.free_flags[as.nfree++] = job->flag;
	pthread_mutex_unlock(&as.lock);
	free(job);
	errno = EIO;
	return -1;
}

int phxfs_read_async(int fd, int device_id, void *buf, size_t buf_offset,
		     size_t size, off_t file_offset, ssize_t *bytes_done,
		     void *stream)
{
	struct phxfs_io_req req = {
		.opcode = PHXFS_OP_READ, .fd = fd, .device_id = device_id,
		.buf = buf, .buf_offset = buf_offset, .size = size,
		.file_offset = file_offset,
	};

	return enqueue(&req, bytes_done, stream);
}

int phxfs_write_async(int fd, int device_id, const void *buf,
		      size_t buf_offset, size_t size, off_t file_offset,
		      ssize_t *bytes_done, void *stream)
{
	struct phxfs_io_req req = {
		.opcode = PHXFS_OP_WRITE, .fd = fd, .device_id = device_id,
		.buf = (void *)buf, .buf_offset = buf_offset, .size = size,
		.file_offset = file_offset,
	};

	return enqueue(&req, bytes_done, stream);
}
