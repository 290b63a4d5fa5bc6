/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the libphxfs_mpi tests: the ranks' buffers, which live where
 * PHXFS_MPI_TEST_MEM says (host: malloc, the default; bar: this rank's
 * part of a PCI BAR, PHXFS_MPI_TEST_BAR=/sys/.../resourceN, registered
 * collectively; cuda: cudaMalloc). Checks, failures naming the rank and
 * skips are phxmpi.h's, the data tools/common/pattern.h's.
 */
#ifndef PHXFS_MPITEST_H
#define PHXFS_MPITEST_H

#include "phxmpi.h"

#include <phxfs/phxfs_mpi.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifdef PHXFS_HAVE_CUDA
#include "phxcuda.h"
#endif

enum mt_mem { MT_HOST, MT_BAR, MT_CUDA };
static enum mt_mem mt_mem;
static size_t mt_len;
static unsigned char *mt_mirror;	/* host copy of the buffer */

/*
 * This rank's part of the BAR that PHXFS_MPI_TEST_BAR names (each rank
 * its own: disjoint ranges), at least @len bytes, mapped, not registered.
 */
static inline void *mt_bar_part(size_t len)
{
	const char *path = getenv("PHXFS_MPI_TEST_BAR");
	struct stat st;
	unsigned char *bar;
	int fd = path ? open(path, O_RDWR | O_SYNC) : -1;

	if (fd < 0 || fstat(fd, &st))
		pt_fail("open BAR %s: %s", path ? path : "(unset)",
			strerror(errno));
	if ((size_t)st.st_size / (size_t)pt_ranks < len)
		pt_fail("BAR of %lld bytes too small for %d x %zu",
			(long long)st.st_size, pt_ranks, len);
	bar = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED)
		pt_fail("mmap BAR: %s", strerror(errno));
	return bar + (size_t)st.st_size / (size_t)pt_ranks * (size_t)pt_rank;
}

/* This rank's buffer of @len bytes; a skip where its memory kind is absent. */
static inline void *mt_buffer(phxfs_mpi_t *ctx, size_t len)
{
	const char *kind = getenv("PHXFS_MPI_TEST_MEM");
	void *p = NULL;

	mt_len = len;
	mt_mirror = malloc(len);
	if (!mt_mirror)
		pt_fail("malloc");
	if (!kind || !*kind || !strcmp(kind, "host")) {
		mt_mem = MT_HOST;
		p = malloc(len);
	} else if (!strcmp(kind, "bar")) {
		mt_mem = MT_BAR;
		p = mt_bar_part(len);
		PT_OK(phxfs_mpi_regmem(ctx, p, len, NULL));
	} else if (!strcmp(kind, "cuda")) {
#ifdef PHXFS_HAVE_CUDA
		int n = 0;

		mt_mem = MT_CUDA;
		if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0)
			pt_skip("PHXFS_MPI_TEST_MEM=cuda: no CUDA device");
		PT_CUDA(cudaSetDevice(phxfs_mpi_device(ctx) % n));
		PT_CUDA(cudaMalloc(&p, len));
#else
		pt_skip("PHXFS_MPI_TEST_MEM=cuda: built without CUDA");
#endif
	} else {
		pt_fail("PHXFS_MPI_TEST_MEM=%s: host, bar or cuda", kind);
	}
	if (!p)
		pt_fail("no buffer");
	return p;
}

static inline void mt_buffer_free(phxfs_mpi_t *ctx, void *p)
{
	if (mt_mem == MT_HOST)
		free(p);
	else if (mt_mem == MT_BAR)
		PT_OK(phxfs_mpi_deregmem(ctx, p, mt_len));
#ifdef PHXFS_HAVE_CUDA
	else
		cudaFree(p);
#endif
	free(mt_mirror);
}

/* Buffer <-> host: @to_buf copies mt_mirror[off..] into the buffer. */
static inline void mt_sync(void *buf, size_t off, size_t len, int to_buf)
{
	unsigned char *b = (unsigned char *)buf + off;

	if (mt_mem != MT_CUDA) {
		if (to_buf)
			memcpy(b, mt_mirror + off, len);
		else
			memcpy(mt_mirror + off, b, len);
		return;
	}
#ifdef PHXFS_HAVE_CUDA
	PT_CUDA(cudaMemcpy(to_buf ? (void *)b : mt_mirror + off,
			   to_buf ? (void *)(mt_mirror + off) : (void *)b, len,
			   to_buf ? cudaMemcpyHostToDevice :
				    cudaMemcpyDeviceToHost));
#endif
}

#endif /* PHXFS_MPITEST_H */
