/* SPDX-License-Identifier: MIT */
/* What every mode of phxfs-mpi-bench works with, and the modes. */
#ifndef PHXMB_BENCH_H
#define PHXMB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <phxfs/phxfs_mpi.h>

#include "datafile.h"
#include "devbuf.h"
#include "job.h"
#include "opts.h"

struct bench {
	const struct opts *o;
	const struct job *j;
	const struct datafile *df;
	phxfs_mpi_t *ctx;
	phxfs_mpi_file_t *f;	/* the file through libphxfs_mpi */
	MPI_File mf;		/* the same file through MPI-IO */
	struct devbuf buf;	/* this rank's piece lands here */
	unsigned char *host;	/* MPI-IO's host buffer (malloc) */
	size_t piece;		/* bytes per rank */
	struct phxfs_mpi_extent *ext;	/* interleaved: this rank's blocks */
	size_t next;
};

/* One repetition's result on this rank. */
struct rep {
	double seconds;		/* the slowest rank's (independent: own) */
	double cached;		/* independent, cold: most cached after a drop */
	int err;		/* errno-style, 0 if it went well */
	char what[160];		/* the failing call, when err */
};

/*
 * Run one repetition of @m (collective: every rank). Timed modes time
 * themselves between an MPI_Barrier and the slowest rank's end;
 * independent runs the ranks one at a time, each timing itself, and
 * drops the page cache before each turn when @cold.
 */
void mode_run(struct bench *b, enum mode m, struct rep *r);

/* Is block i of rank r's buffer at file block i*N + r (else contiguous)? */
bool mode_interleaved(enum mode m);

/* Does this rank's buffer hold its bytes of the file after @m? 0 or -1. */
int verify_buffer(const struct bench *b, enum mode m);

#endif /* PHXMB_BENCH_H */
