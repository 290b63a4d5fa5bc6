/* SPDX-License-Identifier: MIT */
/*
 * Moving one piece of a request between a file and its buffer, in the
 * calling thread: straight where the buffer is host-addressable and the
 * descriptor's alignment allows, else through the thread's bounce buffers
 * (double-buffered for device memory: the file I/O of one step overlaps
 * the copy of the other).
 */
#ifndef PHXFS_XFER_H
#define PHXFS_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "file.h"
#include "target.h"

struct phxfs_xfer {
	bool write;
	struct phxfs_file file;
	struct phxfs_target target;
	uint64_t start;		/* the file offset of the target's first byte */
	/*
	 * Device copies wait for nothing the caller queued: a stream-ordered
	 * call, whose stream waits for them. Else they are ordered after the
	 * legacy default stream, as cudaMemcpy's are.
	 */
	bool unordered;
};

/*
 * Move file bytes [@pos, @pos + @len) of @x. Bytes moved, fewer than @len
 * only for a read that met the end of the file; or -1 with errno.
 */
ssize_t phxfs_xfer_piece(const struct phxfs_xfer *x, uint64_t pos, size_t len);

#endif /* PHXFS_XFER_H */
