// SPDX-License-Identifier: MIT
/*
 * The few CUDA driver calls the MPI layer needs, declared here from the
 * driver's documented ABI (no cuda.h needed to build). Copies run with the
 * context that owns the device pointer made current, then restored: the
 * caller's thread may have none (the runtime makes it current lazily).
 */
#define _GNU_SOURCE
#include "devmem.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int cu_result;			/* CUresult; 0 is CUDA_SUCCESS */
typedef unsigned long long cu_devptr;	/* CUdeviceptr (64-bit) */

#define CU_POINTER_ATTRIBUTE_CONTEXT	 1
#define CU_POINTER_ATTRIBUTE_MEMORY_TYPE 2
#define CU_MEMORYTYPE_DEVICE		 2
#define CU_MEMHOSTALLOC_PORTABLE	 1

static struct {
	cu_result (*init)(unsigned int flags);
	cu_result (*device_get_count)(int *count);
	cu_result (*pointer_get_attribute)(void *data, int attr, cu_devptr p);
	cu_result (*ctx_get_current)(void **ctx);
	cu_result (*ctx_set_current)(void *ctx);
	cu_result (*ctx_synchronize)(void);
	cu_result (*htod)(cu_devptr dst, const void *src, size_t len);
	cu_result (*dtoh)(void *dst, cu_devptr src, size_t len);
	cu_result (*mem_alloc)(cu_devptr *p, size_t len);
	cu_result (*mem_free)(cu_devptr p);
	cu_result (*host_alloc)(void **p, size_t len, unsigned int flags);
	cu_result (*host_free)(void *p);
} cu;

static const char *const cu_names[] = {
	"cuInit", "cuDeviceGetCount", "cuPointerGetAttribute",
	"cuCtxGetCurrent", "cuCtxSetCurrent", "cuCtxSynchronize",
	"cuMemcpyHtoD_v2", "cuMemcpyDtoH_v2", "cuMemAlloc_v2",
	"cuMemFree_v2", "cuMemHostAlloc", "cuMemFreeHost",
};

_Static_assert(sizeof(cu) == sizeof(cu_names) / sizeof(cu_names[0]) *
	       sizeof(void *), "one name per entry point");

static bool have_cuda;
static pthread_once_t cuda_once = PTHREAD_ONCE_INIT;

/* A driver that fails to load stays loaded: see src/cudadrv.c. */
static void cuda_load(void)
{
	void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	void *syms[sizeof(cu_names) / sizeof(cu_names[0])];

	if (!handle)
		return;
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		syms[i] = dlsym(handle, cu_names[i]);
		if (!syms[i])
			return;
	}
	/* POSIX: a data pointer from dlsym() holds the function. */
	memcpy(&cu, syms, sizeof(cu));
	have_cuda = cu.init(0) == 0;
}

static bool cuda(void)
{
	pthread_once(&cuda_once, cuda_load);
	return have_cuda;
}

static int cu_errno(cu_result res)
{
	return res == 0 ? 0 : res == 2 ? ENOMEM : EIO;
}

bool phxfs_mpi_is_device(const void *p)
{
	unsigned int type = 0;

	return p && cuda() &&
	       !cu.pointer_get_attribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
					 (cu_devptr)(uintptr_t)p) &&
	       type == CU_MEMORYTYPE_DEVICE;
}

int phxfs_mpi_cuda_devices(void)
{
	int n = 0;

	return cuda() && !cu.device_get_count(&n) ? n : 0;
}

/* Make the context owning @dev current; @prev gets what was. */
static int enter(const void *dev, void **prev)
{
	void *owner = NULL;

	if (!cuda())
		return ENODEV;
	if (cu.ctx_get_current(prev) ||
	    cu.pointer_get_attribute(&owner, CU_POINTER_ATTRIBUTE_CONTEXT,
				     (cu_devptr)(uintptr_t)dev))
		return EFAULT;
	return owner == *prev ? 0 : cu_errno(cu.ctx_set_current(owner));
}

static void leave(const void *dev, void *prev)
{
	void *now = NULL;

	(void)dev;
	if (!cu.ctx_get_current(&now) && now != prev)
		cu.ctx_set_current(prev);
}

int phxfs_mpi_copy(void *dst, const void *src, size_t len, bool to_device)
{
	const void *dev = to_device ? dst : src;
	void *prev = NULL;
	int err;

	if (!len)
		return 0;
	err = enter(dev, &prev);
	if (err)
		return err;
	if (to_device)
		err = cu_errno(cu.htod((cu_devptr)(uintptr_t)dst, src, len));
	else
		err = cu_errno(cu.dtoh(dst, (cu_devptr)(uintptr_t)src, len));
	/* A copy from pageable memory may still be in flight: finish it. */
	if (!err)
		err = cu_errno(cu.ctx_synchronize());
	leave(dev, prev);
	return err;
}

void *phxfs_mpi_host_alloc(size_t len)
{
	size_t round = (len + 4095) & ~(size_t)4095;
	void *p = NULL;

	if (!len)
		round = 4096;
	if (cuda() && !cu.host_alloc(&p, round, CU_MEMHOSTALLOC_PORTABLE))
		return p;
	return aligned_alloc(4096, round);
}

void phxfs_mpi_host_free(void *p, size_t len)
{
	unsigned int type = 0;

	(void)len;
	if (!p)
		return;
	/* Pinned memory is host memory the driver knows: ask it. */
	if (cuda() && !cu.pointer_get_attribute(&type,
					       CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
					       (cu_devptr)(uintptr_t)p) &&
	    !cu.host_free(p))
		return;
	free(p);
}

void *phxfs_mpi_dev_alloc(size_t len, const void *near)
{
	cu_devptr p = 0;
	void *prev = NULL;

	if (enter(near, &prev))
		return NULL;
	if (cu.mem_alloc(&p, len ? len : 1))
		p = 0;
	leave(near, prev);
	return (void *)(uintptr_t)p;
}

void phxfs_mpi_dev_free(void *p)
{
	if (p && cuda())
		cu.mem_free((cu_devptr)(uintptr_t)p);
}
