/* SPDX-License-Identifier: MIT */
/*
 * A fake GPU for the compat path, on the CPU: memory ops (src/memops.h)
 * over two "devices" whose addresses are reserved but never mapped, so a
 * CPU access or a pread() straight into them fails loudly; copies go to a
 * backing store and can be deferred until the stream is synchronised (the
 * worst case of an asynchronous copy). Misuse (a copy without the owner's
 * context current, from memory that is not pinned, too many copies in
 * flight) is counted and said on stderr. Deferred copies also tell
 * whether their thread's file I/O overlapped them (the pipeline works).
 */
#ifndef PHXFS_FAKEDEV_H
#define PHXFS_FAKEDEV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "memops.h"

#define FAKEDEV_CTXS 2

struct fakedev_stats {
	atomic_int misuse;
	atomic_int pinned_allocs, pinned_live;
	atomic_int streams, streams_live;
	atomic_int copies;
	/* Copies that used the same bounce as their stream's previous one. */
	atomic_int same_bounce;
	atomic_int in_flight;	/* queued, not yet synchronised */
	atomic_int syncs;	/* stream_sync calls */
	atomic_int contexts_set;	/* set_context calls */
	/*
	 * Deferred copies during whose flight their thread did file I/O
	 * (h2d: a read call, d2h: a write call), while fakedev_watching,
	 * where the kernel counts a thread's calls: fakedev_sees_file_io().
	 */
	atomic_int overlapped_h2d, overlapped_d2h;
};

extern struct fakedev_stats fakedev_stats;
extern atomic_bool fakedev_deferred;	/* copies run at sync, not at once */
/* Deferred copies count overlapped_* (two reads of /proc a copy). */
extern atomic_bool fakedev_watching;

/* The @n-th h2d/d2h (or sync) from now fails with EIO; 0: none. */
void fakedev_fail_copy(int n);
void fakedev_fail_sync(int n);

/* Whether the overlapped_* are counted (/proc/thread-self/io). */
bool fakedev_sees_file_io(void);

/* Reserve @span bytes of fake memory for each context; the table. */
const struct phxfs_mem_ops *fakedev_init(size_t span);

/* Fake device address @off of context @ctx, and what backs it. */
char *fakedev_addr(int ctx, size_t off);
unsigned char *fakedev_backing(const void *dev);

/* The context token of @ctx, and the one current in this thread. */
void *fakedev_ctx(int ctx);
void *fakedev_current(void);
void fakedev_set_current(void *ctx);

#endif /* PHXFS_FAKEDEV_H */
