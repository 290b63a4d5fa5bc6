/* SPDX-License-Identifier: MIT */
/*
 * phxcheck.h - the test toolkit every test root shares (tests/, mpi_tests/,
 * hdf5_vol/test/, tools/tests/, bench/, the VM guests): checks that say
 * what failed and where, fatal failures, skips with a reason, one summary,
 * scratch files, and files of the one data pattern (tools/common/pattern.h).
 *
 * A test program calls pt_init(argv[0]) (or sets pt_name), checks with
 * PT_CHECK / PT_CHECK_ERR (counted, the test goes on), stops with
 * pt_fail() where going on makes no sense, and returns pt_summary().
 * Exit codes are CTest's: 0 pass, 1 fail, PT_SKIP_CODE skipped.
 * Include it first, after defining _GNU_SOURCE.
 */
#ifndef PHXFS_PHXCHECK_H
#define PHXFS_PHXCHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/common/pattern.h"

/* CTest's SKIP_RETURN_CODE for every test of the project. */
#define PT_SKIP_CODE 77

static const char *pt_name = "test";
static int pt_failures;
/*
 * Called by pt_fail() instead of exit(1) where one process cannot stop
 * alone (MPI sets MPI_Abort here); must not return. pt_skip() calls it
 * too, with pt_stop_code PT_SKIP_CODE: there it may return (MPI
 * finalizes: every rank skips alike), and the process exits 77.
 */
static void (*pt_abort_hook)(void);
static int pt_stop_code;	/* the exit code pt_stop() is about to give */

static inline void pt_init(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	if (argv0)
		pt_name = slash ? slash + 1 : argv0;
}

__attribute__((format(printf, 4, 0)))
static inline void pt_vprint(const char *kind, const char *file, int line,
			     const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s", pt_name, kind);
	if (file)
		fprintf(stderr, " %s:%d", file, line);
	fputs(": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* One counted failure at @file:@line; the test goes on. */
__attribute__((format(printf, 3, 4)))
static inline void pt_failed_at(const char *file, int line,
				const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pt_vprint("FAIL", file, line, fmt, ap);
	va_end(ap);
	pt_failures++;
}

static inline void pt_stop(int code)
{
	fflush(NULL);
	pt_stop_code = code;
	if (code && pt_abort_hook)
		pt_abort_hook();
	exit(code);
}

/* A failure after which the test cannot go on: print it and exit 1. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void pt_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pt_vprint("FAIL", NULL, 0, fmt, ap);
	va_end(ap);
	pt_stop(1);
	exit(1);
}

/* What the test cannot run without is absent: say what, exit 77. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void pt_skip(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("SKIP: %s: ", pt_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	pt_stop(PT_SKIP_CODE);
	exit(PT_SKIP_CODE);
}

/* One progress line, flushed, so that it lands whole on a console. */
__attribute__((format(printf, 1, 2)))
static inline void pt_note(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("%s: %s\n", pt_name, line);
	fflush(stdout);
}

/* The exit code of a test that counted its failures, with a last line. */
static inline int pt_summary(void)
{
	fflush(stdout);
	if (pt_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", pt_name,
			pt_failures);
		return 1;
	}
	printf("%s: all checks passed\n", pt_name);
	return 0;
}

#define PT_CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			pt_failed_at(__FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

/* @call returns -1 with errno @err, or a failure saying what came. */
#define PT_CHECK_ERR(call, err)						\
	do {								\
		long long ret_;						\
		int errno_;						\
		errno = 0;						\
		ret_ = (long long)(call);				\
		errno_ = errno;						\
		PT_CHECK(ret_ == -1 && errno_ == (err),			\
			 "%s: returned %lld errno %d (%s), expected -1 %s", \
			 #call, ret_, errno_, strerror(errno_), #err);	\
	} while (0)

/* @call returns 0, or a failure naming it and errno. */
#define PT_CHECK_OK(call)						\
	do {								\
		errno = 0;						\
		if ((call) != 0)					\
			pt_failed_at(__FILE__, __LINE__, "%s: %s", #call, \
				     strerror(errno));			\
	} while (0)

/* @call returns 0, or the test stops there. */
#define PT_OK(call)							\
	do {								\
		errno = 0;						\
		if ((call) != 0)					\
			pt_fail("%s:%d: %s: %s", __FILE__, __LINE__,	\
				#call, strerror(errno));		\
	} while (0)

/* @len bytes at @buf are file bytes [@off, ...) of contents @seed. */
#define PT_CHECK_PATTERN(buf, len, seed, off)				\
	do {								\
		long long bad_ = phxfs_pattern_mismatch((buf), (len),	\
							(seed), (off)); \
		PT_CHECK(bad_ < 0, "%s: byte %lld of %zu (file offset " \
			 "%llu) is not pattern %llu", #buf, bad_,	\
			 (size_t)(len),					\
			 (unsigned long long)(off) + (unsigned long long)bad_, \
			 (unsigned long long)(seed));			\
	} while (0)

/*
 * A scratch file's path, unique to this process: in $PHXFS_TEST_DIR, else
 * the working directory (CTest's is the build tree: a real file system,
 * where O_DIRECT works; /tmp may be a tmpfs without it).
 */
static inline void pt_path(char *path, size_t len, const char *tag)
{
	const char *dir = getenv("PHXFS_TEST_DIR");

	snprintf(path, len, "%s/phxfs-%s-%ld.tmp", dir && *dir ? dir : ".",
		 tag, (long)getpid());
}

/* Create @path with @size bytes of pattern @seed; 0, or -1 and errno. */
static inline int pt_create_pattern(const char *path, size_t size,
				    uint64_t seed)
{
	size_t block = 1 << 20;
	unsigned char *buf = malloc(block);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int ret = buf && fd >= 0 ? 0 : -1;

	for (size_t off = 0; !ret && off < size; off += block) {
		size_t n = size - off < block ? size - off : block;

		phxfs_pattern_fill(buf, n, seed, off);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			ret = -1;
	}
	if (fd >= 0 && close(fd) && !ret)
		ret = -1;
	free(buf);
	return ret;
}

/*
 * Check @size bytes of @path against pattern @seed; 0, or -1 with a
 * counted failure naming the first bad offset.
 */
static inline int pt_verify_pattern(const char *path, size_t size,
				    uint64_t seed)
{
	size_t block = 1 << 20;
	unsigned char *buf = malloc(block);
	int fd = open(path, O_RDONLY);
	int ret = 0;

	if (!buf || fd < 0) {
		pt_failed_at(__FILE__, __LINE__, "open %s: %s", path,
			     strerror(errno));
		ret = -1;
	}
	for (size_t off = 0; !ret && off < size; off += block) {
		size_t n = size - off < block ? size - off : block;
		long long bad;

		if (pread(fd, buf, n, (off_t)off) != (ssize_t)n) {
			pt_failed_at(__FILE__, __LINE__, "%s: short read at %zu",
				     path, off);
			ret = -1;
		} else if ((bad = phxfs_pattern_mismatch(buf, n, seed,
							 off)) >= 0) {
			pt_failed_at(__FILE__, __LINE__,
				     "%s: byte %llu is not pattern %llu", path,
				     (unsigned long long)(off + (size_t)bad),
				     (unsigned long long)seed);
			ret = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

#endif /* PHXFS_PHXCHECK_H */
