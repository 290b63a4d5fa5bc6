// SPDX-License-Identifier: MIT
/*
 * The few CUDA driver API entry points the I/O engine uses, declared here
 * from the driver's documented ABI (no cuda.h needed to build), and the
 * memory ops over them.
 */
#define _GNU_SOURCE
#include "cudadrv.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef int cu_result;			/* CUresult; 0 is CUDA_SUCCESS */
typedef unsigned long long cu_devptr;	/* CUdeviceptr (64-bit) */

#define CU_ERROR_INVALID_VALUE		1
#define CU_ERROR_OUT_OF_MEMORY		2
#define CU_POINTER_ATTRIBUTE_CONTEXT	1
#define CU_POINTER_ATTRIBUTE_MEMORY_TYPE 2
#define CU_POINTER_ATTRIBUTE_RANGE_START_ADDR 11
#define CU_POINTER_ATTRIBUTE_RANGE_SIZE	12
#define CU_MEMORYTYPE_DEVICE		2
#define CU_MEMHOSTALLOC_PORTABLE	1
#define CU_STREAM_DEFAULT		0
#define CU_STREAM_NON_BLOCKING		1

static struct cu_api {
	cu_result (*init)(unsigned int flags);
	cu_result (*device_get_count)(int *count);
	cu_result (*pointer_get_attributes)(unsigned int n, int *attrs,
					    void **data, cu_devptr p);
	cu_result (*ctx_get_current)(void **ctx);
	cu_result (*ctx_set_current)(void *ctx);
	cu_result (*mem_host_alloc)(void **p, size_t size, unsigned int flags);
	cu_result (*mem_free_host)(void *p);
	cu_result (*stream_create)(void **stream, unsigned int flags);
	cu_result (*stream_destroy)(void *stream);
	cu_result (*stream_synchronize)(void *stream);
	cu_result (*memcpy_htod_async)(cu_devptr dst, const void *src,
				       size_t len, void *stream);
	cu_result (*memcpy_dtoh_async)(void *dst, cu_devptr src, size_t len,
				       void *stream);
} cu;

static const struct {
	const char *name;
	size_t offset;
} cu_entries[] = {
	{ "cuInit", offsetof(struct cu_api, init) },
	{ "cuDeviceGetCount", offsetof(struct cu_api, device_get_count) },
	{ "cuPointerGetAttributes",
	  offsetof(struct cu_api, pointer_get_attributes) },
	{ "cuCtxGetCurrent", offsetof(struct cu_api, ctx_get_current) },
	{ "cuCtxSetCurrent", offsetof(struct cu_api, ctx_set_current) },
	{ "cuMemHostAlloc", offsetof(struct cu_api, mem_host_alloc) },
	{ "cuMemFreeHost", offsetof(struct cu_api, mem_free_host) },
	{ "cuStreamCreate", offsetof(struct cu_api, stream_create) },
	{ "cuStreamDestroy_v2", offsetof(struct cu_api, stream_destroy) },
	{ "cuStreamSynchronize", offsetof(struct cu_api, stream_synchronize) },
	{ "cuMemcpyHtoDAsync_v2", offsetof(struct cu_api, memcpy_htod_async) },
	{ "cuMemcpyDtoHAsync_v2", offsetof(struct cu_api, memcpy_dtoh_async) },
};

static void *libcuda;		/* set once the driver is usable */
static pthread_once_t cuda_once = PTHREAD_ONCE_INIT;

/*
 * A library that fails to resolve or initialise stays loaded: unloading a
 * driver library another part of the process may also use is not safe.
 */
static void cuda_load(void)
{
	void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);

	if (!handle)
		return;
	for (size_t i = 0; i < sizeof(cu_entries) / sizeof(cu_entries[0]);
	     i++) {
		void *sym = dlsym(handle, cu_entries[i].name);

		if (!sym)
			return;
		/* POSIX: a data pointer from dlsym() holds the function. */
		memcpy((char *)&cu + cu_entries[i].offset, &sym, sizeof(sym));
	}
	if (cu.init(0) == 0)
		libcuda = handle;
}

static int cu_errno(cu_result res)
{
	switch (res) {
	case 0:
		return 0;
	case CU_ERROR_INVALID_VALUE:
		return EFAULT;
	case CU_ERROR_OUT_OF_MEMORY:
		return ENOMEM;
	default:
		return EIO;
	}
}

static int cuda_device_count(void)
{
	int count = 0;

	return cu.device_get_count(&count) ? 0 : count;
}

static int cuda_classify(const void *p, size_t len, enum phxfs_mem_kind *kind,
			 void **ctx)
{
	int attrs[] = { CU_POINTER_ATTRIBUTE_CONTEXT,
			CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
			CU_POINTER_ATTRIBUTE_RANGE_START_ADDR,
			CU_POINTER_ATTRIBUTE_RANGE_SIZE };
	void *owner = NULL;
	unsigned int type = 0;
	cu_devptr start = 0;
	size_t size = 0;
	void *data[] = { &owner, &type, &start, &size };
	uintptr_t at = (uintptr_t)p;

	*kind = PHXFS_MEM_HOST;
	/* Memory the driver does not know fails or reads as type 0: host. */
	if (cu.pointer_get_attributes(4, attrs, data, (cu_devptr)at) ||
	    type != CU_MEMORYTYPE_DEVICE)
		return 0;
	if (size && (at - start > size || len > size - (at - start)))
		return EFAULT;
	*kind = PHXFS_MEM_DEVICE;
	*ctx = owner;
	return 0;
}

static int cuda_set_context(void *ctx, void **prev)
{
	if (prev && cu.ctx_get_current(prev))
		return EIO;
	return cu_errno(cu.ctx_set_current(ctx));
}

static void *cuda_pinned_alloc(size_t size)
{
	void *p = NULL;

	return cu.mem_host_alloc(&p, size, CU_MEMHOSTALLOC_PORTABLE) ? NULL : p;
}

/* Teardown ops: at process exit the driver may be gone (DEINITIALIZED). */
static void cuda_pinned_free(void *p)
{
	cu.mem_free_host(p);
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
	return cu_errno(cu.stream_create(stream, ordered ? CU_STREAM_DEFAULT :
							 CU_STREAM_NON_BLOCKING));
}

static void cuda_stream_destroy(void *stream)
{
	cu.stream_destroy(stream);
}

static int cuda_h2d(void *dev, const void *host, size_t len, void *stream)
{
	return cu_errno(cu.memcpy_htod_async((cu_devptr)(uintptr_t)dev, host,
					     len, stream));
}

static int cuda_d2h(void *host, const void *dev, size_t len, void *stream)
{
	return cu_errno(cu.memcpy_dtoh_async(host, (cu_devptr)(uintptr_t)dev,
					     len, stream));
}

static int cuda_stream_sync(void *stream)
{
	return cu_errno(cu.stream_synchronize(stream));
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

const struct phxfs_mem_ops *phxfs_cuda_ops(void)
{
	pthread_once(&cuda_once, cuda_load);
	return libcuda ? &cuda_ops : NULL;
}

void *phxfs_cuda_sym(const char *name)
{
	pthread_once(&cuda_once, cuda_load);
	return libcuda ? dlsym(libcuda, name) : NULL;
}
