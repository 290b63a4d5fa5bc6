// SPDX-License-Identifier: MIT
/*
 * phxfs_read() and phxfs_write() with host buffers, on a device opened in
 * compat mode: buffered and O_DIRECT descriptors, 1 byte to 64 MiB + odd,
 * unaligned buffers and file offsets, short reads at the end of the file,
 * writes past it, and every errno of the header. Reads are checked byte
 * for byte against the file's known contents, writes against a model of
 * the file; nothing outside a request's buffer may change. CTest runs it
 * with the default PHXFS_* knobs and with tiny ones (many pieces).
 */
#define _GNU_SOURCE
#include "iotest.h"

#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <phxfs/phxfs.h>

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define FILE_SIZE (64 * MIB + 12345)
#define GUARD 64		/* bytes checked untouched after a buffer */
#define DEV 0

static unsigned char *alloc_buf(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len)) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

/* phxfs_read() of [off, off + len) into buf + misalign; all checked. */
static void check_read(int fd, const char *kind, uint64_t seed,
		       uint64_t off, size_t len, size_t misalign)
{
	size_t expect = off >= FILE_SIZE ? 0 :
			len < FILE_SIZE - off ? len : FILE_SIZE - off;
	unsigned char *mem = alloc_buf(misalign + len + GUARD);
	long long bad;
	ssize_t got;

	memset(mem, 0xEE, misalign + len + GUARD);
	got = phxfs_read(fd, DEV, mem, misalign, len, (off_t)off);
	PT_CHECK(got == (ssize_t)expect,
	      "%s read %zu at %llu (+%zu): %zd (%s), expected %zu", kind, len,
	      (unsigned long long)off, misalign, got,
	      got < 0 ? strerror(errno) : "ok", expect);
	if (got == (ssize_t)expect) {
		bad = phxfs_pattern_mismatch(mem + misalign, expect, seed, off);
		PT_CHECK(bad < 0, "%s read %zu at %llu (+%zu): byte %lld wrong",
		      kind, len, (unsigned long long)off, misalign, bad);
	}
	for (size_t i = 0; i < misalign; i++)
		PT_CHECK(mem[i] == 0xEE, "%s read %zu at %llu: wrote before buf",
		      kind, len, (unsigned long long)off);
	for (size_t i = 0; i < GUARD; i++)
		PT_CHECK(mem[misalign + len + i] == 0xEE,
		      "%s read %zu at %llu: wrote past the buffer", kind, len,
		      (unsigned long long)off);
	free(mem);
}

static void reads(int fd, const char *kind)
{
	static const size_t small[] = { 1, 7, 511, 512, 513, 4095, 4096,
					4097, 64 * KIB + 3, MIB - 1, MIB,
					MIB + 1, 3 * MIB + 777 };
	static const uint64_t offs[] = { 0, 1, 511, 512, 4095, 4096,
					 MIB + 17 };
	static const size_t misaligns[] = { 0, 1, 512 };

	for (size_t s = 0; s < sizeof(small) / sizeof(small[0]); s++)
		for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
			for (size_t m = 0; m < 3; m++)
				check_read(fd, kind, 1, offs[o], small[s],
					   misaligns[m]);
	/* Large: many pieces, unaligned at both ends or not at all. */
	check_read(fd, kind, 1, 0, FILE_SIZE, 0);
	check_read(fd, kind, 1, 4097, 33 * MIB + 4095, 1);
	check_read(fd, kind, 1, 512, 17 * MIB + 5, 0);
	/* The end of the file: short, and nothing past it. */
	check_read(fd, kind, 1, FILE_SIZE - 100, 1000, 0);
	check_read(fd, kind, 1, FILE_SIZE - 20 * MIB - 3, 40 * MIB, 1);
	check_read(fd, kind, 1, FILE_SIZE - 1, 1, 0);
	check_read(fd, kind, 1, FILE_SIZE, 4096, 0);
	check_read(fd, kind, 1, FILE_SIZE + 5000, 20 * MIB, 0);
	check_read(fd, kind, 1, 1ULL << 40, 10, 0);
}

/* phxfs_write() of contents @seed to [off, off + len), checked. */
static void check_write(int fd, int check_fd, struct iotest_model *m,
			const char *kind, uint64_t seed, uint64_t off,
			size_t len, size_t misalign)
{
	unsigned char *mem = alloc_buf(misalign + len);
	char what[128];
	ssize_t got;

	snprintf(what, sizeof(what), "%s write %zu at %llu (+%zu)", kind, len,
		 (unsigned long long)off, misalign);
	phxfs_pattern_fill(mem + misalign, len, seed, off);
	got = phxfs_write(fd, DEV, mem, misalign, len, (off_t)off);
	PT_CHECK(got == (ssize_t)len, "%s: %zd (%s)", what, got,
	      got < 0 ? strerror(errno) : "short");
	if (off > m->size)
		memset(m->bytes + m->size, 0, off - m->size);
	memcpy(m->bytes + off, mem + misalign, len);
	if (off + len > m->size)
		m->size = off + len;
	iotest_check_file(check_fd, m, off > 8192 ? off - 8192 : 0,
		   off + len + 8192, what);
	free(mem);
}

static void writes(int fd, int check_fd, struct iotest_model *m,
		   const char *kind)
{
	uint64_t seed = 100;

	check_write(fd, check_fd, m, kind, seed++, 4097, 1, 0);
	check_write(fd, check_fd, m, kind, seed++, 513, 511, 1);
	check_write(fd, check_fd, m, kind, seed++, 4096, 4096, 0);
	check_write(fd, check_fd, m, kind, seed++, 4095, 4097, 512);
	check_write(fd, check_fd, m, kind, seed++, 12345, MIB + 3, 7);
	check_write(fd, check_fd, m, kind, seed++, 3, 17 * MIB + 5, 0);
	check_write(fd, check_fd, m, kind, seed++, 8192, 3 * MIB, 0);
	/* Across the end, then past it: a hole reads as zeros. */
	check_write(fd, check_fd, m, kind, seed++, m->size - 100, 5000, 0);
	check_write(fd, check_fd, m, kind, seed++, m->size + 10000, 3001, 1);
	check_write(fd, check_fd, m, kind, seed++, m->size + 4096, 4096, 0);
	check_write(fd, check_fd, m, kind, seed++, 7, FILE_SIZE, 3);
}

static void errors(const char *path, const char *dir)
{
	unsigned char buf[8192];
	int rd = open(path, O_RDONLY), wr = open(path, O_WRONLY);
	int rd_direct = open(path, O_RDONLY | O_DIRECT);
	int wr_direct = open(path, O_WRONLY | O_DIRECT);
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY), pipefd[2] = { -1, -1 };
	int closed = open(path, O_RDONLY);
	void *gone = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	PT_CHECK(rd >= 0 && wr >= 0 && dirfd >= 0 && closed >= 0 &&
	      !pipe(pipefd) && gone != MAP_FAILED, "setup: %s",
	      strerror(errno));
	close(closed);
	munmap(gone, 65536);

	PT_CHECK_ERR(phxfs_read(-1, DEV, buf, 0, 10, 0), EBADF);
	PT_CHECK_ERR(phxfs_read(closed, DEV, buf, 0, 10, 0), EBADF);
	PT_CHECK_ERR(phxfs_read(wr, DEV, buf, 0, 10, 0), EBADF);
	PT_CHECK_ERR(phxfs_write(rd, DEV, buf, 0, 10, 0), EBADF);
	PT_CHECK_ERR(phxfs_write(-1, DEV, buf, 0, 10, 0), EBADF);

	PT_CHECK_ERR(phxfs_read(rd, DEV, NULL, 0, 10, 0), EINVAL);
	PT_CHECK_ERR(phxfs_read(rd, DEV, NULL, 0, 0, 0), EINVAL);
	PT_CHECK_ERR(phxfs_read(rd, DEV, buf, 0, 10, -1), EINVAL);
	PT_CHECK_ERR(phxfs_read(rd, DEV, buf, 0, (size_t)SSIZE_MAX + 1, 0),
		  EINVAL);
	PT_CHECK_ERR(phxfs_read(rd, DEV, (void *)(uintptr_t)-4096, 8192, 10, 0),
		  EINVAL);
	PT_CHECK_ERR(phxfs_read(rd, DEV, buf, 0, 100, INT64_MAX - 10), EINVAL);
	PT_CHECK_ERR(phxfs_write(wr, DEV, NULL, 0, 10, 0), EINVAL);
	PT_CHECK_ERR(phxfs_write(wr, DEV, buf, 0, 10, -4096), EINVAL);

	PT_CHECK_ERR(phxfs_read(rd, 7, buf, 0, 10, 0), ENODEV);
	PT_CHECK_ERR(phxfs_read(rd, -1, buf, 0, 10, 0), ENODEV);
	PT_CHECK_ERR(phxfs_write(wr, 64, buf, 0, 10, 0), ENODEV);
	PT_CHECK_ERR(phxfs_mode(7), ENODEV);

	/* Unmapped memory, buffered (the copy) and O_DIRECT (the pinning). */
	PT_CHECK_ERR(phxfs_read(rd, DEV, gone, 0, 8192, 0), EFAULT);
	PT_CHECK_ERR(phxfs_write(wr, DEV, gone, 0, 8192, 0), EFAULT);
	if (wr_direct >= 0 && rd_direct >= 0) {
		PT_CHECK_ERR(phxfs_read(rd_direct, DEV, gone, 0, 8192, 0),
			  EFAULT);
		PT_CHECK_ERR(phxfs_write(wr_direct, DEV, gone, 0, 8192, 0),
			  EFAULT);
	}

	/* pread()'s own. */
	PT_CHECK_ERR(phxfs_read(dirfd, DEV, buf, 0, 10, 0), EISDIR);
	PT_CHECK_ERR(phxfs_read(pipefd[0], DEV, buf, 0, 10, 0), ESPIPE);

	/* An unaligned O_DIRECT write must read its partial blocks. */
	if (wr_direct >= 0) {
		PT_CHECK_ERR(phxfs_write(wr_direct, DEV, buf, 0, 100, 1), EBADF);
		phxfs_pattern_fill(buf, 4096, 1, 4096);
		PT_CHECK(phxfs_write(wr_direct, DEV, buf, 0, 4096, 4096) == 4096,
		      "aligned write on O_WRONLY|O_DIRECT: %s",
		      strerror(errno));
	}

	PT_CHECK(phxfs_read(rd, DEV, buf, 0, 0, 0) == 0, "read of 0 bytes");
	PT_CHECK(phxfs_mode(DEV) == PHXFS_MODE_COMPAT, "mode %d",
	      phxfs_mode(DEV));
	close(rd);
	close(wr);
	if (wr_direct >= 0)
		close(wr_direct);
	if (rd_direct >= 0)
		close(rd_direct);
	close(dirfd);
	close(pipefd[0]);
	close(pipefd[1]);
}

int main(void)
{
	char path[4096], wpath[4096];
	const char *dir = getenv("PHXFS_TEST_DIR");
	struct iotest_model m = { .bytes = malloc(FILE_SIZE + 32 * MIB),
			   .size = FILE_SIZE };
	int fd, direct, check_fd;

	/* Read at the first call: the I/O calls work with or without GPUs. */
	setenv("PHXFS_COMPAT", "on", 1);
	pt_path(path, sizeof(path), "host-read");
	pt_path(wpath, sizeof(wpath), "host-write");
	if (!m.bytes || pt_create_pattern(path, FILE_SIZE, 1) ||
	    pt_create_pattern(wpath, FILE_SIZE, 2)) {
		fprintf(stderr, "FAIL setup: %s: %s\n", path, strerror(errno));
		return 1;
	}
	phxfs_pattern_fill(m.bytes, FILE_SIZE, 2, 0);
	if (phxfs_open(DEV)) {
		fprintf(stderr, "FAIL phxfs_open: %s\n", strerror(errno));
		return 1;
	}

	fd = open(path, O_RDONLY);
	direct = open(path, O_RDONLY | O_DIRECT);
	reads(fd, "buffered");
	if (direct >= 0)
		reads(direct, "O_DIRECT");
	else
		printf("no O_DIRECT on this file system (%s): buffered only\n",
		       strerror(errno));
	close(fd);

	fd = open(wpath, O_RDWR);
	check_fd = open(wpath, O_RDONLY);
	writes(fd, check_fd, &m, "buffered");
	close(fd);
	if (direct >= 0) {
		fd = open(wpath, O_RDWR | O_DIRECT);
		writes(fd, check_fd, &m, "O_DIRECT");
		close(fd);
		close(direct);
	}
	iotest_check_file(check_fd, &m, 0, m.size, "whole file");
	close(check_fd);

	errors(path, dir ? dir : ".");
	PT_CHECK(phxfs_close(DEV) == 0, "close");
	PT_CHECK_ERR(phxfs_read(0, DEV, path, 0, 1, 0), ENODEV);
	unlink(path);
	unlink(wpath);
	free(m.bytes);
	if (pt_failures)
		return 1;
	printf("host I/O: reads and writes, buffered%s, every byte as expected; errno cases as documented\n",
	       direct >= 0 ? " and O_DIRECT" : "");
	return 0;
}
