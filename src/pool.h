/* SPDX-License-Identifier: MIT */
/*
 * The I/O calls' worker threads: PHXFS_THREADS of them, started at the
 * first request that needs them, joined at library unload.
 */
#ifndef PHXFS_POOL_H
#define PHXFS_POOL_H

#include <stddef.h>

/*
 * Run @fn(@arg, i) for i = 0 .. @n - 1 on the workers, pieces starting in
 * index order, and wait for those of this call only. @fn returns nonzero
 * to cancel the pieces not started yet. Where no worker can be had, the
 * calling thread runs the pieces itself.
 */
void phxfs_pool_run(int (*fn)(void *arg, size_t i), void *arg, size_t n);

/* Stop the workers (each ends the piece it runs) and join them. */
void phxfs_pool_shutdown(void);

#endif /* PHXFS_POOL_H */
