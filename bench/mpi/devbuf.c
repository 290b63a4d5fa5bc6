// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PHXFS_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

#include "devbuf.h"

#define POISON 0xa5

/* CUDA memory on the rank's device; false (and why) where there is none. */
static bool cuda_alloc(struct devbuf *b, int phxfs_device, size_t len)
{
#ifdef PHXFS_HAVE_CUDA
	struct cudaDeviceProp prop;
	cudaError_t e;
	int n = 0;

	e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess || n == 0) {
		snprintf(b->why_host, sizeof(b->why_host), "no CUDA device (%s)",
			 e != cudaSuccess ? cudaGetErrorString(e) : "none");
		return false;
	}
	/* In compat mode the phxfs device is the CUDA ordinal. */
	b->cuda_device = phxfs_device % n;
	e = cudaSetDevice(b->cuda_device);
	if (e == cudaSuccess)
		e = cudaMalloc(&b->p, len ? len : 1);
	if (e != cudaSuccess) {
		snprintf(b->why_host, sizeof(b->why_host),
			 "CUDA device %d: %s", b->cuda_device,
			 cudaGetErrorString(e));
		b->p = NULL;
		return false;
	}
	if (cudaGetDeviceProperties(&prop, b->cuda_device) == cudaSuccess)
		snprintf(b->gpu_name, sizeof(b->gpu_name), "%s", prop.name);
	b->cuda = true;
	return true;
#else
	(void)phxfs_device;
	(void)len;
	snprintf(b->why_host, sizeof(b->why_host), "built without CUDA");
	return false;
#endif
}

int devbuf_init(struct devbuf *b, phxfs_mpi_t *ctx, enum mem mem, size_t len)
{
	int dev = phxfs_mpi_device(ctx), ok;

	*b = (struct devbuf){ .len = len, .cuda_device = -1 };
	if (mem == MEM_HOST)
		snprintf(b->why_host, sizeof(b->why_host), "--mem host");
	else if (!cuda_alloc(b, dev, len))
		b->cuda_device = -1;
	if (!b->cuda && mem == MEM_CUDA)
		fprintf(stderr, "phxfs-mpi-bench: --mem cuda: %s\n",
			b->why_host);
	else if (!b->cuda)
		b->p = malloc(len ? len : 1);
	ok = b->p != NULL;
	MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
	if (!ok) {
		devbuf_free(b, NULL);
		return -1;
	}
	/* Registered, storage DMAs into device memory: only with the module. */
	b->registered = b->cuda && phxfs_mode(dev) == PHXFS_MODE_DIRECT;
	if (phxfs_mpi_regmem(ctx, b->p, b->registered ? len : 0, NULL)) {
		fprintf(stderr, "phxfs-mpi-bench: phxfs_mpi_regmem: %s\n",
			strerror(errno));
		b->registered = false;
		devbuf_free(b, NULL);
		return -1;
	}
	return 0;
}

void devbuf_free(struct devbuf *b, phxfs_mpi_t *ctx)
{
	if (ctx)
		phxfs_mpi_deregmem(ctx, b->p, b->registered ? b->len : 0);
#ifdef PHXFS_HAVE_CUDA
	if (b->cuda)
		cudaFree(b->p);
	else
#endif
		free(b->p);
	b->p = NULL;
}

#ifdef PHXFS_HAVE_CUDA
static int cuda_ok(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return 0;
	fprintf(stderr, "phxfs-mpi-bench: %s: %s\n", what,
		cudaGetErrorString(e));
	return -1;
}
#endif

int devbuf_poison(struct devbuf *b)
{
#ifdef PHXFS_HAVE_CUDA
	if (b->cuda)
		return cuda_ok(cudaMemset(b->p, POISON, b->len), "cudaMemset") ||
		       cuda_ok(cudaDeviceSynchronize(), "cudaMemset");
#endif
	memset(b->p, POISON, b->len);
	return 0;
}

int devbuf_to_host(const struct devbuf *b, size_t off, size_t len, void *dst)
{
#ifdef PHXFS_HAVE_CUDA
	if (b->cuda)
		return cuda_ok(cudaMemcpy(dst, (char *)b->p + off, len,
					  cudaMemcpyDeviceToHost),
			       "cudaMemcpy to host");
#endif
	memcpy(dst, (char *)b->p + off, len);
	return 0;
}

int devbuf_from_host(struct devbuf *b, size_t off, size_t len,
		     const void *src)
{
#ifdef PHXFS_HAVE_CUDA
	if (b->cuda)
		return cuda_ok(cudaMemcpy((char *)b->p + off, src, len,
					  cudaMemcpyHostToDevice),
			       "cudaMemcpy to device");
#endif
	memcpy((char *)b->p + off, src, len);
	return 0;
}
