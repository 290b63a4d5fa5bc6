/* SPDX-License-Identifier: MIT */
/*
 * The I/O engine's interface to the rest of the library (batch, async):
 * where a request's bytes go, and running one request synchronously.
 */
#ifndef PHXFS_IO_H
#define PHXFS_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <phxfs/phxfs.h>

#include "target.h"

/*
 * Resolve where [buf + buf_offset, + size) of @device_id is. 0, or -1 with
 * errno ENODEV (device not open), EINVAL, EFAULT.
 */
int phxfs_io_resolve(int device_id, const void *buf, size_t buf_offset,
		     size_t size, struct phxfs_target *t);

/*
 * Whether one pread()/pwrite() of @size bytes at @off straight into @p is
 * allowed on @fd: always for buffered descriptors, and for O_DIRECT ones
 * when address, size and offset meet the file's alignment.
 */
bool phxfs_io_direct_ok(int fd, const void *p, size_t size, off_t off);

/*
 * phxfs_read() or phxfs_write() of @req, synchronously, any path; large
 * requests wait for the pool's workers, so never call it from a piece
 * running on one (src/pool.h).
 */
ssize_t phxfs_io_run(const struct phxfs_io_req *req);

/*
 * The same; @unordered: device copies wait for nothing on the legacy
 * default stream (xfer.h), for the stream-ordered calls, whose own stream
 * (maybe that one) waits for them.
 */
ssize_t phxfs_io_run_as(const struct phxfs_io_req *req, bool unordered);

#endif /* PHXFS_IO_H */
