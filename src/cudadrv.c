// SPDX-License-Identifier: MIT
/*
 * The memory ops of the I/O engine (memops.h) over the CUDA driver seam
 * (src/cuda/cu.h).
 */
#include "cudadrv.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "cu.h"

/* Set once (cuda_once): every I/O thread asks for the ops. */
static const struct phxfs_cu *cu;
static pthread_once_t cuda_once = PTHREAD_ONCE_INIT;

static int cuda_device_count(void)
{
	int count = 0;

	return cu->device_get_count(&count) ? 0 : count;
}

static int cuda_classify(const void *p, size_t len, enum phxfs_mem_kind *kind,
			 void **ctx)
{
	struct phxfs_cu_ptr ptr;
	int err = phxfs_cu_classify(p, len, &ptr);

	*kind = ptr.device ? PHXFS_MEM_DEVICE : PHXFS_MEM_HOST;
	if (ptr.device)
		*ctx = ptr.ctx;
	return err;
}

static int cuda_set_context(void *ctx, void **prev)
{
	if (prev && cu->ctx_get_current(prev))
		return EIO;
	return phxfs_cu_errno(cu->ctx_set_current(ctx));
}

static void *cuda_pinned_alloc(size_t size)
{
	void *p = NULL;

	return cu->mem_host_alloc(&p, size, CU_MEMHOSTALLOC_PORTABLE) ? NULL :
									 p;
}

/* Teardown ops: at process exit the driver may be gone (DEINITIALIZED). */
static void cuda_pinned_free(void *p)
{
	cu->mem_free_host(p);
}

/*
 * Ordered: a blocking stream, whose copies wait for the work queued before
 * them on the legacy default stream (a cudaMemset or a kernel the caller
 * just launched there), as a cudaMemcpy's would. Else non-blocking: the
 * stream-ordered calls' copies run while the caller's stream, maybe the
 * legacy one, waits for them.
 */
static int cuda_stream_create(void **stream, bool ordered)
{
	return phxfs_cu_errno(cu->stream_create(stream, ordered ?
						CU_STREAM_DEFAULT :
						CU_STREAM_NON_BLOCKING));
}

static void cuda_stream_destroy(void *stream)
{
	cu->stream_destroy(stream);
}

static int cuda_h2d(void *dev, const void *host, size_t len, void *stream)
{
	return phxfs_cu_errno(cu->memcpy_htod_async((cu_devptr)(uintptr_t)dev,
						    host, len, stream));
}

static int cuda_d2h(void *host, const void *dev, size_t len, void *stream)
{
	return phxfs_cu_errno(cu->memcpy_dtoh_async(host,
						    (cu_devptr)(uintptr_t)dev,
						    len, stream));
}

static int cuda_stream_sync(void *stream)
{
	return phxfs_cu_errno(cu->stream_synchronize(stream));
}

static const struct phxfs_mem_ops cuda_ops = {
	.device_count = cuda_device_count,
	.classify = cuda_classify,
	.set_context = cuda_set_context,
	.pinned_alloc = cuda_pinned_alloc,
	.pinned_free = cuda_pinned_free,
	.stream_create = cuda_stream_create,
	.stream_destroy = cuda_stream_destroy,
	.h2d = cuda_h2d,
	.d2h = cuda_d2h,
	.stream_sync = cuda_stream_sync,
};

static void cuda_init(void)
{
	cu = phxfs_cu();
}

const struct phxfs_mem_ops *phxfs_cuda_ops(void)
{
	pthread_once(&cuda_once, cuda_init);
	return cu ? &cuda_ops : NULL;
}
