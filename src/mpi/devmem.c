// SPDX-License-Identifier: MIT
/*
 * The few CUDA calls the MPI layer needs, over the driver seam
 * (src/cuda/cu.h). Copies run with the context that owns the device
 * pointer made current, then restored: the caller's thread may have none
 * (the runtime makes it current lazily).
 */
#include "devmem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "cu.h"

bool phxfs_mpi_is_device(const void *p)
{
	struct phxfs_cu_ptr ptr;

	return p && !phxfs_cu_classify(p, 1, &ptr) && ptr.device;
}

int phxfs_mpi_cuda_devices(void)
{
	const struct phxfs_cu *cu = phxfs_cu();
	int n = 0;

	return cu && !cu->device_get_count(&n) ? n : 0;
}

/* Make the context owning @dev current; @ctx and @prev for leave(). */
static int enter(const void *dev, void **ctx, void **prev)
{
	struct phxfs_cu_ptr ptr;
	int err = phxfs_cu_classify(dev, 1, &ptr);

	if (err)
		return err;
	if (!ptr.device)
		return EFAULT;
	*ctx = ptr.ctx;
	return phxfs_cu_enter(ptr.ctx, prev);
}

int phxfs_mpi_copy(void *dst, const void *src, size_t len, bool to_device)
{
	struct phxfs_cu_ptr ptr;
	int err;

	if (!len)
		return 0;
	err = phxfs_cu_classify(to_device ? dst : src, 1, &ptr);
	if (err)
		return err;
	if (!ptr.device)
		return EFAULT;
	return phxfs_cu_copy(ptr.ctx, dst, src, len, to_device);
}

void *phxfs_mpi_host_alloc(size_t len)
{
	const struct phxfs_cu *cu = phxfs_cu();
	size_t round = (len + 4095) & ~(size_t)4095;
	void *p = NULL;

	if (!len)
		round = 4096;
	if (cu && !cu->mem_host_alloc(&p, round, CU_MEMHOSTALLOC_PORTABLE))
		return p;
	return aligned_alloc(4096, round);
}

void phxfs_mpi_host_free(void *p, size_t len)
{
	const struct phxfs_cu *cu = phxfs_cu();
	unsigned int type = 0;
	int attr = CU_POINTER_ATTRIBUTE_MEMORY_TYPE;
	void *data = &type;

	(void)len;
	if (!p)
		return;
	/* Pinned memory is host memory the driver knows: ask it. */
	if (cu && !cu->pointer_get_attributes(1, &attr, &data,
					      (cu_devptr)(uintptr_t)p) &&
	    type == CU_MEMORYTYPE_HOST && !cu->mem_free_host(p))
		return;
	free(p);
}

void *phxfs_mpi_dev_alloc(size_t len, const void *near)
{
	const struct phxfs_cu *cu = phxfs_cu();
	void *ctx = NULL, *prev = NULL;
	cu_devptr p = 0;

	if (enter(near, &ctx, &prev))
		return NULL;
	if (cu->mem_alloc(&p, len ? len : 1))
		p = 0;
	phxfs_cu_leave(ctx, prev);
	return (void *)(uintptr_t)p;
}

void phxfs_mpi_dev_free(void *p)
{
	const struct phxfs_cu *cu = phxfs_cu();

	if (p && cu)
		cu->mem_free((cu_devptr)(uintptr_t)p);
}
