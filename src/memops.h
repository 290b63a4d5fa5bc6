/* SPDX-License-Identifier: MIT */
/*
 * What the I/O engine needs from the GPU runtime, as a table: the CUDA
 * driver (cudadrv.c), nothing at all (no libcuda: all memory is host
 * memory), or a unit test's fake device on the CPU.
 *
 * Every int-returning op returns 0 or an errno value. Copies are
 * asynchronous: their buffers stay in use until stream_sync() returns.
 */
#ifndef PHXFS_MEMOPS_H
#define PHXFS_MEMOPS_H

#include <stdbool.h>
#include <stddef.h>

enum phxfs_mem_kind {
	PHXFS_MEM_HOST,		/* the CPU can address it */
	PHXFS_MEM_DEVICE,	/* only copies reach it */
};

struct phxfs_mem_ops {
	/*
	 * Devices there are (compat mode opens ordinals below this), or -1
	 * when the runtime cannot tell (then any ordinal is accepted).
	 */
	int (*device_count)(void);
	/*
	 * What [p, p + len) is, and for device memory the context owning it.
	 * EFAULT: the range runs past the end of a device allocation.
	 */
	int (*classify)(const void *p, size_t len, enum phxfs_mem_kind *kind,
			void **ctx);
	/* Make @ctx current in this thread; the one it replaces in *prev. */
	int (*set_context)(void *ctx, void **prev);
	/* Page-aligned host memory any context may copy from; NULL: none. */
	void *(*pinned_alloc)(size_t size);
	void (*pinned_free)(void *p);
	/*
	 * A stream of the current context; @ordered: one whose work waits
	 * for what was queued before on the legacy default stream.
	 */
	int (*stream_create)(void **stream, bool ordered);
	void (*stream_destroy)(void *stream);
	int (*h2d)(void *dev, const void *host, size_t len, void *stream);
	int (*d2h)(void *host, const void *dev, size_t len, void *stream);
	int (*stream_sync)(void *stream);
};

/* The table in use: a test's, else CUDA's if libcuda loads, else none. */
const struct phxfs_mem_ops *phxfs_mem_ops(void);

/* For unit tests, before any I/O: use @ops from now on (NULL: default). */
void phxfs_mem_ops_override(const struct phxfs_mem_ops *ops);

#endif /* PHXFS_MEMOPS_H */
