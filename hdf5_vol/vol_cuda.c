// SPDX-License-Identifier: MIT
/*
 * The CUDA calls the connector needs, over the driver seam (src/cuda/cu.h).
 */
#include "vol_cuda.h"

#include "cu.h"

bool phxvol_cuda_is_device(const void *p, int *device, void **ctx)
{
	struct phxfs_cu_ptr ptr;

	if (!p || phxfs_cu_classify(p, 1, &ptr) || !ptr.device)
		return false;
	*device = ptr.ordinal;
	*ctx = ptr.ctx;
	return true;
}

int phxvol_cuda_htod(void *ctx, void *dev, const void *host, size_t len)
{
	return phxfs_cu_copy(ctx, dev, host, len, true);
}

int phxvol_cuda_dtoh(void *ctx, void *host, const void *dev, size_t len)
{
	return phxfs_cu_copy(ctx, host, dev, len, false);
}
