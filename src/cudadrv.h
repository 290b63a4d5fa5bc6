/* SPDX-License-Identifier: MIT */
/*
 * The I/O engine's memory ops over the CUDA driver (src/cuda/cu.h), which
 * is optional at run time: loaded with dlopen() at the first use.
 */
#ifndef PHXFS_CUDADRV_H
#define PHXFS_CUDADRV_H

#include "memops.h"

/* The memory ops over the driver; NULL without a usable driver. */
const struct phxfs_mem_ops *phxfs_cuda_ops(void);

#endif /* PHXFS_CUDADRV_H */
