/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the libphxfs_mpi tests: the ranks' buffers, which live where
 * PHXFS_MPI_TEST_MEM says (host: malloc, the default; bar: this rank's
 * part of a PCI BAR, PHXFS_MPI_TEST_BAR=/sys/.../resourceN, registered
 * collectively; cuda: cudaMalloc), a byte pattern that is a function of
 * the file offset, and failure reports that name the rank.
 */
#ifndef PHXFS_MPITEST_H
#define PHXFS_MPITEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <phxfs/phxfs_mpi.h>

#ifdef PHXFS_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

static int mt_rank, mt_size;

static inline void mt_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rank %d: FAIL: ", mt_rank);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	MPI_Abort(MPI_COMM_WORLD, 1);
}

static inline void mt_skip(const char *why)
{
	if (mt_rank == 0)
		printf("SKIP: %s\n", why);
	MPI_Finalize();
	exit(77);
}

#define MT_OK(call)							\
	do {								\
		if ((call) != 0)					\
			mt_fail("%s:%d: %s: %s", __FILE__, __LINE__,	\
				#call, strerror(errno));		\
	} while (0)

/* The byte at @off of a file written with @seed. */
static inline unsigned char mt_pattern(int64_t off, unsigned int seed)
{
	uint64_t x = (uint64_t)off * 0x9e3779b97f4a7c15ULL + seed;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (unsigned char)(x >> 29);
}

enum mt_mem { MT_HOST, MT_BAR, MT_CUDA };
static enum mt_mem mt_mem;
static size_t mt_len;
static unsigned char *mt_mirror;	/* host copy of the buffer */

/* This rank's buffer of @len bytes; 77 where the memory kind is absent. */
static inline void *mt_buffer(phxfs_mpi_t *ctx, size_t len)
{
	const char *kind = getenv("PHXFS_MPI_TEST_MEM");
	void *p = NULL;

	mt_len = len;
	mt_mirror = malloc(len);
	if (!mt_mirror)
		mt_fail("malloc");
	if (!kind || !*kind || !strcmp(kind, "host")) {
		mt_mem = MT_HOST;
		p = malloc(len);
	} else if (!strcmp(kind, "bar")) {
		const char *path = getenv("PHXFS_MPI_TEST_BAR");
		struct stat st;
		int fd = path ? open(path, O_RDWR | O_SYNC) : -1;

		mt_mem = MT_BAR;
		if (fd < 0 || fstat(fd, &st))
			mt_fail("open BAR %s: %s", path ? path : "(unset)",
				strerror(errno));
		/* Each rank its own part of the BAR: disjoint ranges. */
		if ((size_t)st.st_size / (size_t)mt_size < len)
			mt_fail("BAR of %lld bytes too small for %d x %zu",
				(long long)st.st_size, mt_size, len);
		unsigned char *bar = mmap(NULL, (size_t)st.st_size,
					  PROT_READ | PROT_WRITE, MAP_SHARED,
					  fd, 0);
		close(fd);
		if (bar == MAP_FAILED)
			mt_fail("mmap BAR: %s", strerror(errno));
		p = bar + (size_t)st.st_size / (size_t)mt_size * (size_t)mt_rank;
		MT_OK(phxfs_mpi_regmem(ctx, p, len, NULL));
	} else if (!strcmp(kind, "cuda")) {
#ifdef PHXFS_HAVE_CUDA
		int n = 0;

		mt_mem = MT_CUDA;
		if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0)
			mt_skip("no CUDA device");
		cudaSetDevice(phxfs_mpi_device(ctx) % n);
		if (cudaMalloc(&p, len) != cudaSuccess)
			mt_fail("cudaMalloc %zu", len);
#else
		mt_skip("built without CUDA");
#endif
	} else {
		mt_fail("PHXFS_MPI_TEST_MEM=%s: host, bar or cuda", kind);
	}
	if (!p)
		mt_fail("no buffer");
	return p;
}

static inline void mt_buffer_free(phxfs_mpi_t *ctx, void *p)
{
	if (mt_mem == MT_HOST)
		free(p);
	else if (mt_mem == MT_BAR)
		MT_OK(phxfs_mpi_deregmem(ctx, p, mt_len));
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
	if (cudaMemcpy(to_buf ? (void *)b : mt_mirror + off,
		       to_buf ? (void *)(mt_mirror + off) : (void *)b, len,
		       to_buf ? cudaMemcpyHostToDevice :
				cudaMemcpyDeviceToHost) != cudaSuccess)
		mt_fail("cudaMemcpy");
#endif
}

#endif /* PHXFS_MPITEST_H */
