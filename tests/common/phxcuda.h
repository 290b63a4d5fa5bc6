/* SPDX-License-Identifier: MIT */
/*
 * phxcuda.h - CUDA presence for the tests that need a GPU: they skip, with
 * the reason, where the runtime or a device is absent (CI has no GPU).
 * Include after phxcheck.h; only programs built with the CUDA runtime do.
 */
#ifndef PHXFS_PHXCUDA_H
#define PHXFS_PHXCUDA_H

#include <cuda_runtime_api.h>

#include "phxcheck.h"

/* Device @dev made current, or the test skips saying why it cannot be. */
static inline void pt_require_cuda(int dev)
{
	int n = 0;
	cudaError_t err = cudaGetDeviceCount(&n);

	if (err != cudaSuccess)
		pt_skip("no usable CUDA runtime or driver (%s)",
			cudaGetErrorString(err));
	if (n <= dev)
		pt_skip("needs CUDA device %d, the machine has %d", dev, n);
	err = cudaSetDevice(dev);
	if (err != cudaSuccess)
		pt_fail("cudaSetDevice(%d): %s", dev, cudaGetErrorString(err));
}

/* A CUDA runtime call that must succeed, or the test stops there. */
#define PT_CUDA(call)							\
	do {								\
		cudaError_t e_ = (call);				\
		if (e_ != cudaSuccess)					\
			pt_fail("%s:%d: %s: %s", __FILE__, __LINE__,	\
				#call, cudaGetErrorString(e_));		\
	} while (0)

#endif /* PHXFS_PHXCUDA_H */
