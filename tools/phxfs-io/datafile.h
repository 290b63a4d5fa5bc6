/* SPDX-License-Identifier: MIT */
/* The data file: made big enough, opened, and its page cache looked at. */
#ifndef PHXIO_DATAFILE_H
#define PHXIO_DATAFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opts.h"

struct datafile {
	int fd;			/* for the I/O: O_DIRECT unless -D 0 */
	int vfd;		/* buffered, read-only */
	uint64_t size;		/* bytes the run uses */
	double cached_pct;	/* in the page cache at start; < 0: unknown */
	bool drop_tried;
	bool dropped;		/* under 1% left cached after dropping */
	char drop_note[200];	/* why not */
};

/*
 * Create or extend o->file with random data up to -s, open it, drop its
 * page cache with --drop-cache. 0, or -1 with @why.
 */
int datafile_prepare(const struct opts *o, bool write, uint64_t seed,
		     bool progress, struct datafile *df, char *why,
		     size_t len);
void datafile_close(struct datafile *df);

/* Percentage of the first @size bytes of @fd in the page cache, or -1. */
double cached_percent(int fd, uint64_t size);

#endif /* PHXIO_DATAFILE_H */
