/* SPDX-License-Identifier: MIT */
/*
 * The shared data file: made in parallel (each rank writes its piece),
 * or taken as it is when --reuse finds the right size and pattern; its
 * page cache dropped or filled by one rank per node. Every call here is
 * collective.
 */
#ifndef PHXMB_DATAFILE_H
#define PHXMB_DATAFILE_H

#include <stdbool.h>

#include "job.h"
#include "opts.h"

struct datafile {
	char path[4096];
	bool reused;		/* was there already, right */
	bool keep;		/* left in place at the end */
};

/* 0, or -1 with a message from the failing rank on stderr. */
int datafile_prepare(const struct job *j, const struct opts *o,
		     struct datafile *df);
void datafile_done(const struct job *j, const struct datafile *df);

/*
 * Drop the file from the page cache (fdatasync, POSIX_FADV_DONTNEED) or
 * read it all into it. Return: the largest fraction of the file's pages
 * cached afterwards on any node (mincore), or -1 where it cannot tell.
 */
double datafile_drop(const struct job *j, const struct datafile *df);
double datafile_warm(const struct job *j, const struct datafile *df);

#endif /* PHXMB_DATAFILE_H */
