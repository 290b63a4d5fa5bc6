/* SPDX-License-Identifier: MIT */
/*
 * The I/O tests' toolkit: the project's (tests/common/phxcheck.h: checks,
 * scratch files, files of the one data pattern), and a model of a file
 * that writes change. Include it first, after defining _GNU_SOURCE.
 */
#ifndef PHXFS_IOTEST_H
#define PHXFS_IOTEST_H

#include "../common/phxcheck.h"

#include <sys/stat.h>

/* The bytes a file must hold. */
struct iotest_model {
	unsigned char *bytes;
	size_t size;
};

/* The file @fd against the model over [@from, @to), and its size. */
static inline void iotest_check_file(int fd, const struct iotest_model *m,
				     uint64_t from, uint64_t to,
				     const char *what)
{
	unsigned char *buf;
	struct stat st;

	PT_CHECK(!fstat(fd, &st) && (size_t)st.st_size == m->size,
		 "%s: file size %lld, expected %zu", what,
		 (long long)st.st_size, m->size);
	if (to > m->size)
		to = m->size;
	if (from >= to)
		return;
	buf = malloc(to - from);
	PT_CHECK(buf && pread(fd, buf, to - from, (off_t)from) ==
			     (ssize_t)(to - from), "%s: pread back", what);
	for (uint64_t i = from; buf && i < to; i++)
		if (buf[i - from] != m->bytes[i]) {
			pt_failed_at(__FILE__, __LINE__,
				     "%s: byte at %llu is %#x, expected %#x",
				     what, (unsigned long long)i,
				     buf[i - from], m->bytes[i]);
			break;
		}
	free(buf);
}

#endif /* PHXFS_IOTEST_H */
