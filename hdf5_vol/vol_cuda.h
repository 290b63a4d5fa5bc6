/* SPDX-License-Identifier: MIT */
/*
 * The CUDA driver (src/cuda/cu.h: loaded with dlopen() at the first use):
 * without it every buffer is host memory.
 */
#ifndef PHXFS_VOL_CUDA_H
#define PHXFS_VOL_CUDA_H

#include <stdbool.h>
#include <stddef.h>

/* Whether @p is device memory; if so its device and context. */
bool phxvol_cuda_is_device(const void *p, int *device, void **ctx);

/* Copies in @ctx: 0 or an errno value (src/cuda/cu.h maps the driver's). */
int phxvol_cuda_htod(void *ctx, void *dev, const void *host, size_t len);
int phxvol_cuda_dtoh(void *ctx, void *host, const void *dev, size_t len);

#endif /* PHXFS_VOL_CUDA_H */
