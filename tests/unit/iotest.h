/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the I/O tests: failure counting, file contents that are a
 * function of the offset (so any range can be checked without a copy),
 * and scratch files under the build tree. Include it first, after
 * defining _GNU_SOURCE.
 */
#ifndef PHXFS_IOTEST_H
#define PHXFS_IOTEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "FAIL line %d: ", __LINE__);	\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

/* -1 and @err, or a failure saying what came instead. */
#define CHECK_ERR(call, err)						\
	do {								\
		long long ret_ = (long long)(call);			\
		int errno_ = errno;					\
		CHECK(ret_ == -1 && errno_ == (err),			\
		      "%s: returned %lld errno %d (%s), expected -1 %s", \
		      #call, ret_, errno_, strerror(errno_), #err);	\
	} while (0)

/* Word @n (bytes 8n .. 8n + 7) of contents @seed. */
static inline uint64_t iotest_word(uint64_t seed, uint64_t n)
{
	uint64_t x = seed * 0x100000001b3ULL ^ n;

	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Bytes [@off, @off + @len) of contents @seed into @p. */
static inline void iotest_fill(unsigned char *p, size_t len, uint64_t seed,
			       uint64_t off)
{
	uint64_t w = 0;

	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (i == 0 || !(o & 7))
			w = iotest_word(seed, o >> 3);
		p[i] = (unsigned char)(w >> ((o & 7) * 8));
	}
}

/* Index of the first byte of @p that is not contents @seed at @off, or -1. */
static inline long long iotest_mismatch(const unsigned char *p, size_t len,
					uint64_t seed, uint64_t off)
{
	uint64_t w = 0;

	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (i == 0 || !(o & 7))
			w = iotest_word(seed, o >> 3);
		if (p[i] != (unsigned char)(w >> ((o & 7) * 8)))
			return (long long)i;
	}
	return -1;
}

/*
 * A scratch file's path: in $PHXFS_TEST_DIR, else the working directory
 * (CTest's is the build tree: a real file system, O_DIRECT works there).
 */
static inline void iotest_path(char *path, size_t len, const char *name)
{
	const char *dir = getenv("PHXFS_TEST_DIR");

	snprintf(path, len, "%s/phxfs-%s-%ld.tmp", dir ? dir : ".", name,
		 (long)getpid());
}

/* Create @path with @size bytes of contents @seed; 0 or -1. */
static inline int iotest_create(const char *path, size_t size, uint64_t seed)
{
	size_t block = 1 << 20;
	unsigned char *buf = malloc(block);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int ret = buf && fd >= 0 ? 0 : -1;

	for (size_t off = 0; !ret && off < size; off += block) {
		size_t n = size - off < block ? size - off : block;

		iotest_fill(buf, n, seed, off);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			ret = -1;
	}
	if (fd >= 0 && close(fd))
		ret = -1;
	free(buf);
	return ret;
}

#endif /* PHXFS_IOTEST_H */
