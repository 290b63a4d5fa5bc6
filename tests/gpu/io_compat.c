// SPDX-License-Identifier: MIT
/*
 * phxfs_read() and phxfs_write() with real cudaMalloc() buffers, in compat
 * mode (pinned host buffers, the CUDA driver loaded at run time): 4 KiB to
 * 256 MiB and unaligned sizes, offsets and device offsets, buffered and
 * O_DIRECT. Every byte is copied back from the GPU and compared with the
 * file; writes are read back from the file and compared with a model.
 * Skips (77) where there is no GPU or driver, saying so.
 */
#define _GNU_SOURCE
#include "iotest.h"
#include "../common/phxcuda.h"

#include <sys/stat.h>

#include <phxfs/phxfs.h>

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define FILE_SIZE (256 * MIB + 12345)
#define GUARD 4096
#define DEV_SIZE (FILE_SIZE + 2 * GUARD + 64)
#define DEV 0

static unsigned char *dev;	/* cudaMalloc'ed, DEV_SIZE bytes */
static unsigned char *host;	/* what came back, DEV_SIZE bytes */

static int cuda_ok(cudaError_t err, const char *what)
{
	PT_CHECK(err == cudaSuccess, "%s: %s", what, cudaGetErrorString(err));
	return err == cudaSuccess;
}

static void check_read(int fd, const char *kind, uint64_t off, size_t len,
		       size_t dev_off)
{
	size_t expect = off >= FILE_SIZE ? 0 :
			len < FILE_SIZE - off ? len : FILE_SIZE - off;
	size_t span = len + 2 * GUARD;
	unsigned char *at = host + GUARD;
	long long bad;
	ssize_t got;

	if (!cuda_ok(cudaMemset(dev + dev_off, 0xEE, span), "memset"))
		return;
	got = phxfs_read(fd, DEV, dev, dev_off + GUARD, len, (off_t)off);
	PT_CHECK(got == (ssize_t)expect,
	      "%s read %zu at %llu (+%zu): %zd (%s), expected %zu", kind, len,
	      (unsigned long long)off, dev_off, got,
	      got < 0 ? strerror(errno) : "ok", expect);
	if (got != (ssize_t)expect ||
	    !cuda_ok(cudaMemcpy(host, dev + dev_off, span,
				cudaMemcpyDeviceToHost), "D2H"))
		return;
	bad = phxfs_pattern_mismatch(at, expect, 1, off);
	PT_CHECK(bad < 0, "%s read %zu at %llu (+%zu): byte %lld wrong in GPU memory",
	      kind, len, (unsigned long long)off, dev_off, bad);
	for (size_t i = 0; i < GUARD; i++)
		if (host[i] != 0xEE || at[len + i] != 0xEE) {
			PT_CHECK(0, "%s read %zu at %llu: GPU memory outside the buffer written",
			      kind, len, (unsigned long long)off);
			break;
		}
}

static void reads(int fd, const char *kind)
{
	static const size_t sizes[] = { 4 * KIB, 4 * KIB + 1, MIB - 1,
					MIB + 1, 17 * MIB + 5, 64 * MIB + 4095,
					256 * MIB };
	static const uint64_t offs[] = { 0, 1, 4096 + 7 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
			check_read(fd, kind, offs[o], sizes[s], o * 3);
	check_read(fd, kind, 0, FILE_SIZE, 0);
	check_read(fd, kind, FILE_SIZE - 100, 1000, 5);
	check_read(fd, kind, FILE_SIZE - 30 * MIB - 3, 64 * MIB, 0);
	check_read(fd, kind, FILE_SIZE, 4096, 0);
}

struct model {
	unsigned char *bytes;
	size_t size;
};

static void check_write(int fd, int check_fd, struct model *m,
			const char *kind, uint64_t seed, uint64_t off,
			size_t len)
{
	unsigned char *back;
	struct stat st;
	ssize_t got;

	phxfs_pattern_fill(host, len, seed, off);
	if (!cuda_ok(cudaMemcpy(dev + 3, host, len, cudaMemcpyHostToDevice),
		     "H2D"))
		return;
	got = phxfs_write(fd, DEV, dev, 3, len, (off_t)off);
	PT_CHECK(got == (ssize_t)len, "%s write %zu at %llu: %zd (%s)", kind, len,
	      (unsigned long long)off, got,
	      got < 0 ? strerror(errno) : "short");
	if (off > m->size)
		memset(m->bytes + m->size, 0, off - m->size);
	memcpy(m->bytes + off, host, len);
	if (off + len > m->size)
		m->size = off + len;
	PT_CHECK(!fstat(check_fd, &st) && (size_t)st.st_size == m->size,
	      "%s write %zu at %llu: file size %lld, expected %zu", kind, len,
	      (unsigned long long)off, (long long)st.st_size, m->size);
	back = malloc(m->size);
	PT_CHECK(back && pread(check_fd, back, m->size, 0) == (ssize_t)m->size,
	      "read back");
	PT_CHECK(back && !memcmp(back, m->bytes, m->size),
	      "%s write %zu at %llu: the file is not what was written", kind,
	      len, (unsigned long long)off);
	free(back);
}

static void writes(int fd, int check_fd, struct model *m, const char *kind)
{
	uint64_t seed = 10;

	check_write(fd, check_fd, m, kind, seed++, 4097, 4 * KIB);
	check_write(fd, check_fd, m, kind, seed++, 1, 4 * KIB + 1);
	check_write(fd, check_fd, m, kind, seed++, 4096, MIB + 1);
	check_write(fd, check_fd, m, kind, seed++, 3, 64 * MIB + 4095);
	check_write(fd, check_fd, m, kind, seed++, 0, 256 * MIB);
	check_write(fd, check_fd, m, kind, seed++, m->size - 10, 5 * MIB + 1);
}

int main(int argc, char **argv)
{
	char path[4096], wpath[4096];
	struct model m = { .bytes = malloc(FILE_SIZE + 16 * MIB) };
	int fd, direct, wfd, check_fd;

	(void)argc;
	pt_init(argv[0]);
	pt_require_cuda(0);
	setenv("PHXFS_COMPAT", "on", 1);
	host = malloc(DEV_SIZE);
	pt_path(path, sizeof(path), "gpu-read");
	pt_path(wpath, sizeof(wpath), "gpu-write");
	if (!host || !m.bytes || pt_create_pattern(path, FILE_SIZE, 1) ||
	    pt_create_pattern(wpath, 0, 0) ||
	    !cuda_ok(cudaMalloc((void **)&dev, DEV_SIZE), "cudaMalloc") ||
	    phxfs_open(DEV)) {
		fprintf(stderr, "FAIL setup: %s\n", strerror(errno));
		return 1;
	}
	PT_CHECK(phxfs_mode(DEV) == PHXFS_MODE_COMPAT, "mode %d", phxfs_mode(DEV));

	fd = open(path, O_RDONLY);
	direct = open(path, O_RDONLY | O_DIRECT);
	reads(fd, "buffered");
	if (direct >= 0)
		reads(direct, "O_DIRECT");
	check_fd = open(wpath, O_RDONLY);
	wfd = open(wpath, O_RDWR);
	writes(wfd, check_fd, &m, "buffered");
	close(wfd);
	wfd = open(wpath, O_RDWR | O_DIRECT);
	if (wfd >= 0) {
		writes(wfd, check_fd, &m, "O_DIRECT");
		close(wfd);
	}

	close(fd);
	if (direct >= 0)
		close(direct);
	close(check_fd);
	phxfs_close(DEV);
	cudaFree(dev);
	unlink(path);
	unlink(wpath);
	free(host);
	free(m.bytes);
	if (pt_failures)
		return 1;
	printf("GPU compat I/O: reads and writes up to 256 MiB, buffered%s: every byte as expected\n",
	       direct >= 0 ? " and O_DIRECT" : "");
	return 0;
}
