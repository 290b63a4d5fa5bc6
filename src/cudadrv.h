/* SPDX-License-Identifier: MIT */
/*
 * The CUDA driver, optional at run time: libcuda.so.1 is loaded with
 * dlopen() at the first use, never linked.
 */
#ifndef PHXFS_CUDADRV_H
#define PHXFS_CUDADRV_H

#include "memops.h"

/* The memory ops over the driver; NULL without libcuda or a device. */
const struct phxfs_mem_ops *phxfs_cuda_ops(void);

/*
 * A driver entry point by its exported name (use the versioned names,
 * e.g. "cuStreamDestroy_v2"), or NULL: no such symbol, or no driver.
 */
void *phxfs_cuda_sym(const char *name);

#endif /* PHXFS_CUDADRV_H */
