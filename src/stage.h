/* SPDX-License-Identifier: MIT */
/*
 * A thread's staging resources for I/O that cannot go straight to its
 * buffer: two bounce buffers of PHXFS_BOUNCE_SIZE and a stream per CUDA
 * context, each made at its first use and kept until the thread exits (a
 * pool worker's for the process's life, a caller's for small requests).
 */
#ifndef PHXFS_STAGE_H
#define PHXFS_STAGE_H

#include <stdbool.h>
#include <stddef.h>

struct phxfs_stage;

/* This thread's, created at the first call; NULL with errno ENOMEM. */
struct phxfs_stage *phxfs_stage_get(void);

/* Bytes in each bounce buffer. */
size_t phxfs_stage_bounce_size(const struct phxfs_stage *s);

/*
 * Bounce buffer @i (0 or 1), page-aligned; @pinned: allocated by the
 * memory ops, for copies to and from device memory (needs the context
 * current). NULL with errno ENOMEM.
 */
void *phxfs_stage_bounce(struct phxfs_stage *s, int i, bool pinned);

/*
 * This thread's stream in @ctx, which must be current, ordered after the
 * legacy default stream or not (memops.h); NULL with errno.
 */
void *phxfs_stage_stream(struct phxfs_stage *s, void *ctx, bool ordered);

/* At library unload: free the calling thread's, forget the others'. */
void phxfs_stage_unload(void);

#endif /* PHXFS_STAGE_H */
