// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
/*
 * Each thread's copies on its own default stream: on the legacy stream
 * every thread's cudaMemcpy would wait for every other's.
 */
#define CUDA_API_PER_THREAD_DEFAULT_STREAM 1
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cuda_runtime_api.h>

#include "gpu.h"

/*
 * cudaMalloc hands out 2 MiB aligned ranges for allocations of 2 MiB and
 * more: whole GPU pages (64 KiB) for the nvidia provider and cuFile.
 */
#define DEVICE_GRANULE (2u << 20)

static int cuda_ok(cudaError_t e, const char *what, char *why, size_t len)
{
	if (e == cudaSuccess)
		return 0;
	snprintf(why, len, "%s: %s", what, cudaGetErrorString(e));
	return -1;
}

int gpu_probe(int ordinal, struct gpu_info *gi)
{
	struct cudaDeviceProp prop;
	char bus[64];
	int count = 0;
	cudaError_t e;

	memset(gi, 0, sizeof(*gi));
	gi->ordinal = ordinal;
	e = cudaGetDeviceCount(&count);
	if (e != cudaSuccess) {
		snprintf(gi->why, sizeof(gi->why), "no CUDA device: %s",
			 cudaGetErrorString(e));
		return -1;
	}
	if (ordinal >= count) {
		snprintf(gi->why, sizeof(gi->why),
			 "no CUDA device %d (%d present)", ordinal, count);
		return -1;
	}
	if (cuda_ok(cudaSetDevice(ordinal), "cudaSetDevice", gi->why,
		    sizeof(gi->why)) ||
	    cuda_ok(cudaFree(NULL), "creating the CUDA context", gi->why,
		    sizeof(gi->why)))
		return -1;
	if (cudaGetDeviceProperties(&prop, ordinal) == cudaSuccess)
		snprintf(gi->name, sizeof(gi->name), "%s", prop.name);
	if (cudaDeviceGetPCIBusId(bus, sizeof(bus), ordinal) != cudaSuccess ||
	    pci_addr_canon(bus, gi->pci, sizeof(gi->pci)))
		gi->pci[0] = '\0';
	gi->usable = true;
	return 0;
}

int gpu_use(int ordinal, char *why, size_t len)
{
	return cuda_ok(cudaSetDevice(ordinal), "cudaSetDevice", why, len);
}

void *pinned_alloc(size_t len, bool gpu, char *why, size_t why_len)
{
	void *p = NULL;
	int err;

	if (gpu) {
		if (cuda_ok(cudaMallocHost(&p, len), "cudaMallocHost", why,
			    why_len))
			return NULL;
		return p;
	}
	err = posix_memalign(&p, 4096, len);
	if (err) {
		snprintf(why, why_len, "posix_memalign(%zu): %s", len,
			 strerror(err));
		return NULL;
	}
	/*
	 * Locked like pinned memory where RLIMIT_MEMLOCK allows, else at
	 * least resident.
	 */
	if (mlock(p, len))
		memset(p, 0, len);
	return p;
}

void pinned_free(void *p, size_t len, bool gpu)
{
	if (!p)
		return;
	if (gpu) {
		cudaFreeHost(p);
		return;
	}
	munlock(p, len);
	free(p);
}

size_t device_alloc_size(size_t len)
{
	return (len + DEVICE_GRANULE - 1) / DEVICE_GRANULE * DEVICE_GRANULE;
}

void *device_alloc(size_t len, char *why, size_t why_len)
{
	void *p = NULL;

	if (cuda_ok(cudaMalloc(&p, device_alloc_size(len)), "cudaMalloc",
		    why, why_len))
		return NULL;
	if ((uintptr_t)p % DEVICE_GRANULE) {
		snprintf(why, why_len, "cudaMalloc gave %p, not 2 MiB aligned",
			 p);
		cudaFree(p);
		return NULL;
	}
	return p;
}

void device_free(void *p)
{
	if (p)
		cudaFree(p);
}

/*
 * A cudaMemcpy from pageable memory may return before its DMA lands, and
 * phxfs_write() orders itself after the legacy default stream only, not
 * after this thread's: wait for the copy.
 */
int copy_to_device(void *dst, const void *src, size_t len, char *why,
		   size_t why_len)
{
	if (cuda_ok(cudaMemcpy(dst, src, len, cudaMemcpyHostToDevice),
		    "cudaMemcpy H2D", why, why_len))
		return -1;
	return cuda_ok(cudaStreamSynchronize(cudaStreamPerThread),
		       "cudaStreamSynchronize", why, why_len);
}

int copy_to_host(void *dst, const void *src, size_t len, char *why,
		 size_t why_len)
{
	return cuda_ok(cudaMemcpy(dst, src, len, cudaMemcpyDeviceToHost),
		       "cudaMemcpy D2H", why, why_len);
}
