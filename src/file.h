/* SPDX-License-Identifier: MIT */
/*
 * What I/O on a file descriptor needs: its access mode, whether it is
 * O_DIRECT and then the alignment of addresses, offsets and lengths; and
 * pread()/pwrite() to the end of a range.
 */
#ifndef PHXFS_FILE_H
#define PHXFS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct phxfs_file {
	int fd;
	bool readable;
	bool writable;
	bool direct;		/* O_DIRECT */
	size_t mem_align;	/* buffer addresses; 1 without O_DIRECT */
	size_t off_align;	/* offsets and lengths; 1 without O_DIRECT */
};

/* 0, or -1 with errno EBADF. */
int phxfs_file_probe(int fd, struct phxfs_file *f);

/* Whether one pread()/pwrite() of @len bytes at @off into @p may be issued. */
bool phxfs_file_aligned(const struct phxfs_file *f, const void *p, size_t len,
			off_t off);

/* Bytes read, fewer than @len only at end of file; or -1 with errno. */
ssize_t phxfs_file_read(const struct phxfs_file *f, void *p, size_t len,
			off_t off);

/* 0 when all @len bytes are written, or -1 with errno. */
int phxfs_file_write(const struct phxfs_file *f, const void *p, size_t len,
		     off_t off);

#endif /* PHXFS_FILE_H */
