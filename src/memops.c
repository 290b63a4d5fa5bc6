// SPDX-License-Identifier: MIT
#include "memops.h"

#include "cudadrv.h"

/*
 * Without a GPU runtime every address is host memory, so the engine never
 * asks for the device ops: only these two are needed.
 */
static int none_device_count(void)
{
	return -1;
}

static int none_classify(const void *p, size_t len, enum phxfs_mem_kind *kind,
			 void **ctx)
{
	(void)p;
	(void)len;
	(void)ctx;
	*kind = PHXFS_MEM_HOST;
	return 0;
}

static const struct phxfs_mem_ops none_ops = {
	.device_count = none_device_count,
	.classify = none_classify,
};

/* Set by unit tests before any I/O, so no thread races its reads. */
static const struct phxfs_mem_ops *override_ops;

const struct phxfs_mem_ops *phxfs_mem_ops(void)
{
	const struct phxfs_mem_ops *cuda;

	if (override_ops)
		return override_ops;
	cuda = phxfs_cuda_ops();
	return cuda ? cuda : &none_ops;
}

void phxfs_mem_ops_override(const struct phxfs_mem_ops *ops)
{
	override_ops = ops;
}
