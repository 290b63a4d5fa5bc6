// SPDX-License-Identifier: MIT
/*
 * Batches and stream-ordered I/O with real GPU memory (compat mode):
 * - a batch of 1000 requests, reads into GPU memory and host memory
 *   mixed, 4 KiB random and 1 MiB sequential, every byte compared;
 * - phxfs_read_async in stream order: a cudaMemsetAsync queued before it
 *   must not clobber what it reads, a cudaMemcpyAsync queued after it must
 *   see its bytes, and bytes_done must hold the count when the stream is
 *   synchronised (the published artifact's async path never wrote it);
 * - phxfs_write_async after a kernel-free producer (cudaMemcpyAsync of a
 *   pattern) on the same stream writes the produced bytes;
 * - both on the legacy default stream too (NULL).
 * Skips (77) where there is no GPU, saying so.
 */
#define _GNU_SOURCE
#include "iotest.h"
#include "../common/phxcuda.h"

#include <phxfs/phxfs.h>

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define FILE_SIZE (64 * MIB + 777)
#define NREQ 1000
#define DEV 0

static int cuda_ok(cudaError_t err, const char *what)
{
	PT_CHECK(err == cudaSuccess, "%s: %s", what, cudaGetErrorString(err));
	return err == cudaSuccess;
}

static void batch(int fd, const char *kind)
{
	static struct phxfs_io_req reqs[NREQ];
	struct phxfs_io_event ev[64];
	size_t span = (size_t)NREQ * 64 * KIB;
	unsigned char *dev, *host, *back;
	phxfs_batch_t *b = phxfs_batch_create(32);
	int got = 0;

	if (!cuda_ok(cudaMalloc((void **)&dev, span), "cudaMalloc") ||
	    posix_memalign((void **)&host, 4096, span) ||
	    !(back = malloc(span)) || !b) {
		PT_CHECK(0, "%s: setup", kind);
		return;
	}
	for (int k = 0; k < NREQ; k++) {
		size_t len = k % 10 ? 4 * KIB : MIB / 16;
		uint64_t off = k % 10 ? (uint64_t)(k * 7919 % 16000) * 4096 :
					(uint64_t)k * (MIB / 16);

		reqs[k] = (struct phxfs_io_req){
			.opcode = PHXFS_OP_READ, .fd = fd, .device_id = DEV,
			.buf = k % 2 ? (void *)dev : (void *)host,
			.buf_offset = (size_t)k * 64 * KIB, .size = len,
			.file_offset = (off_t)off,
			.user_data = (void *)(uintptr_t)k,
		};
	}
	PT_CHECK(!phxfs_batch_submit(b, reqs, NREQ), "%s: submit: %s", kind,
	      strerror(errno));
	while (got < NREQ) {
		int n = phxfs_batch_reap(b, ev, 1, 64, NULL);

		if (n < 1) {
			PT_CHECK(0, "%s: reap: %s", kind, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			const struct phxfs_io_req *r =
				&reqs[(uintptr_t)ev[i].user_data];

			PT_CHECK(ev[i].result == (ssize_t)r->size,
			      "%s: request %zu: %zd", kind,
			      (size_t)(uintptr_t)ev[i].user_data, ev[i].result);
		}
		got += n;
	}
	phxfs_batch_destroy(b);
	if (!cuda_ok(cudaMemcpy(back, dev, span, cudaMemcpyDeviceToHost),
		     "D2H"))
		return;
	for (int k = 0; k < NREQ; k++) {
		const struct phxfs_io_req *r = &reqs[k];
		const unsigned char *p = (k % 2 ? back : host) + r->buf_offset;
		long long bad = phxfs_pattern_mismatch(p, r->size, 1,
						(uint64_t)r->file_offset);

		PT_CHECK(bad < 0, "%s: request %d (%s): byte %lld wrong", kind, k,
		      k % 2 ? "GPU" : "host", bad);
	}
	cudaFree(dev);
	free(host);
	free(back);
}

static void async_read(int fd, cudaStream_t stream, const char *kind)
{
	const size_t len = 24 * MIB + 4096;
	const uint64_t off = 5 * MIB + 4096;
	unsigned char *dev, *back;
	ssize_t done = -12345;
	long long bad;

	if (!cuda_ok(cudaMalloc((void **)&dev, len), "cudaMalloc") ||
	    !cuda_ok(cudaMallocHost((void **)&back, len), "cudaMallocHost"))
		return;
	/* Queued before the read: must land before it, not over it. */
	cuda_ok(cudaMemsetAsync(dev, 0xAB, len, stream), "memset");
	PT_CHECK(!phxfs_read_async(fd, DEV, dev, 0, len, (off_t)off, &done,
				stream),
	      "%s: read_async: %s", kind, strerror(errno));
	/* Queued after: must see the bytes. */
	cuda_ok(cudaMemcpyAsync(back, dev, len, cudaMemcpyDeviceToHost,
				stream), "D2H async");
	cuda_ok(cudaStreamSynchronize(stream), "sync");
	PT_CHECK(done == (ssize_t)len, "%s: bytes_done %zd, expected %zu", kind,
	      done, len);
	bad = phxfs_pattern_mismatch(back, len, 1, off);
	PT_CHECK(bad < 0, "%s: async read: byte %lld wrong", kind, bad);
	cudaFree(dev);
	cudaFreeHost(back);
}

static void async_write(const char *path, cudaStream_t stream,
			const char *kind)
{
	const size_t len = 8 * MIB;
	unsigned char *dev, *src, *check;
	ssize_t done = -1;
	int fd = open(path, O_RDWR);

	if (fd < 0 || !cuda_ok(cudaMalloc((void **)&dev, len), "cudaMalloc") ||
	    !cuda_ok(cudaMallocHost((void **)&src, len), "cudaMallocHost") ||
	    !(check = malloc(len)))
		return;
	phxfs_pattern_fill(src, len, 9, 0);
	/* The producer, queued before the write on the same stream. */
	cuda_ok(cudaMemcpyAsync(dev, src, len, cudaMemcpyHostToDevice, stream),
		"H2D async");
	PT_CHECK(!phxfs_write_async(fd, DEV, dev, 0, len, 0, &done, stream),
	      "%s: write_async: %s", kind, strerror(errno));
	cuda_ok(cudaStreamSynchronize(stream), "sync");
	PT_CHECK(done == (ssize_t)len, "%s: write bytes_done %zd", kind, done);
	PT_CHECK(pread(fd, check, len, 0) == (ssize_t)len &&
	      phxfs_pattern_mismatch(check, len, 9, 0) < 0,
	      "%s: async write: file differs from the GPU's bytes", kind);
	close(fd);
	cudaFree(dev);
	cudaFreeHost(src);
	free(check);
}

int main(int argc, char **argv)
{
	char path[4096], wpath[4096];
	cudaStream_t stream;
	int fd, direct;

	(void)argc;
	pt_init(argv[0]);
	pt_require_cuda(0);
	pt_path(path, sizeof(path), "gpu-batch");
	pt_path(wpath, sizeof(wpath), "gpu-async-write");
	if (pt_create_pattern(path, FILE_SIZE, 1) || pt_create_pattern(wpath, 0, 0) ||
	    phxfs_open(DEV) || !cuda_ok(cudaStreamCreate(&stream), "stream")) {
		fprintf(stderr, "FAIL setup: %s\n", strerror(errno));
		return 1;
	}
	fd = open(path, O_RDONLY);
	direct = open(path, O_RDONLY | O_DIRECT);

	batch(fd, "buffered batch");
	if (direct >= 0)
		batch(direct, "O_DIRECT batch");
	async_read(fd, stream, "stream");
	async_read(fd, NULL, "legacy default stream");
	async_write(wpath, stream, "stream");
	async_write(wpath, NULL, "legacy default stream");

	phxfs_close(DEV);
	close(fd);
	if (direct >= 0)
		close(direct);
	unlink(path);
	unlink(wpath);
	if (pt_failures) {
		fprintf(stderr, "%d pt_failures\n", pt_failures);
		return 1;
	}
	printf("batch_async: all checks passed\n");
	return 0;
}
