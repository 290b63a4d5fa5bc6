/* SPDX-License-Identifier: MIT */
/*
 * Where a request's bytes go: what the I/O engine (io.c) resolves and a
 * piece's mover (xfer.c) uses.
 */
#ifndef PHXFS_TARGET_H
#define PHXFS_TARGET_H

#include <stdbool.h>

enum phxfs_target_kind {
	/*
	 * Host-addressable: the module's mapping of registered device
	 * memory, or host memory. pread()/pwrite() go straight into it.
	 */
	PHXFS_TARGET_HOST,
	/* Device memory the module does not map: pinned host buffers. */
	PHXFS_TARGET_BOUNCE,
};

struct phxfs_target {
	enum phxfs_target_kind kind;
	void *host;		/* HOST: address of buf + buf_offset */
	/*
	 * HOST: @host is the module's mapping, which the kernel can always
	 * pin: EFAULT there means revoked, never a cue to copy by the CPU.
	 */
	bool registered;
	void *dev;		/* BOUNCE: buf + buf_offset */
	void *ctx;		/* BOUNCE: the CUDA context owning @dev */
};

#endif /* PHXFS_TARGET_H */
