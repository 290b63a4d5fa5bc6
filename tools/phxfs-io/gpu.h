/* SPDX-License-Identifier: MIT */
/* The CUDA side of phxfs-io: which GPU, and memory on both sides. */
#ifndef PHXIO_GPU_H
#define PHXIO_GPU_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/sysfs.h"

struct gpu_info {
	bool usable;		/* CUDA works and the ordinal exists */
	int ordinal;
	char name[256];
	char pci[PCI_ADDR_LEN];	/* canonical, "" if unknown */
	char why[256];		/* when not usable */
};

/*
 * Look at CUDA device @ordinal, make it current and create its context
 * (so that no timed part pays for that). Fills @gi; 0 when usable.
 */
int gpu_probe(int ordinal, struct gpu_info *gi);

/* Make @ordinal current in the calling thread: 0, or -1 and @why. */
int gpu_use(int ordinal, char *why, size_t len);

/*
 * Page-locked host memory: cudaMallocHost where a GPU is usable, else
 * (CPU-only runs) page-aligned memory locked with mlock, best effort.
 * NULL, with @why, on failure.
 */
void *pinned_alloc(size_t len, bool gpu, char *why, size_t why_len);
void pinned_free(void *p, size_t len, bool gpu);

/* Device memory of @len bytes, 2 MiB aligned so it can be registered. */
void *device_alloc(size_t len, char *why, size_t why_len);
void device_free(void *p);

/* cudaMemcpy, both ways: 0, or -1 and @why. */
int copy_to_device(void *dst, const void *src, size_t len, char *why,
		   size_t why_len);
int copy_to_host(void *dst, const void *src, size_t len, char *why,
		 size_t why_len);

/* Round @len up to the registration granule all providers accept. */
size_t device_alloc_size(size_t len);

#endif /* PHXIO_GPU_H */
