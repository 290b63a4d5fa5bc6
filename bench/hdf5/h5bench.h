/* SPDX-License-Identifier: MIT */
/*
 * phxfs-h5-bench's parts: the options, the data file, the measuring loop
 * (h5bench.c), and the collective mode under mpiexec (h5bench_mpi.c).
 */
#ifndef PHXFS_H5BENCH_H
#define PHXFS_H5BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "phxfs_vol.h"

struct h5bench_opts {
	const char *file;
	uint64_t size, chunk;
	unsigned int reps;
	bool cold, host, reuse, mpi;
	int rank, ranks;	/* MPI_COMM_WORLD's (0 and 1 without --mpi) */
};

extern struct h5bench_opts o;

enum h5bench_mode { MODE_RAW, MODE_VOL, MODE_NATIVE };

/* Where the file holds the dataset: one extent, or one per chunk. */
struct extent {
	uint64_t file_off, mem_off, len;
};

/* One layout's dataset, and this process's slice of it. */
struct job {
	int layout;			/* of layouts[] in h5bench.c */
	const char *name;		/* the dataset */
	struct extent *e;		/* where the file holds it */
	int n;
	uint64_t lo, len;		/* the slice: all of it, but with --mpi */
	int device;			/* the phxfs (and CUDA) device */
	void *dev;			/* the slice's buffer (host with --mem host) */
	unsigned char *host;		/* host memory as large */
};

/* The seconds of a raw read of @j's slice (the slowest rank's). */
typedef double (*raw_fn)(const struct job *j);

/* A layout done: @j still holds it (may be NULL). */
typedef void (*layout_fn)(const struct job *j);

_Noreturn void die(const char *what);

/*
 * Every layout's three modes into @j's buffers, verified and reported:
 * raw by @raw_read, vol and native by h5read(); @done after each layout.
 */
void run_layouts(struct job *j, raw_fn raw_read, layout_fn done);

/* From just before the read (a barrier first with --mpi)... */
double clock_start(void);
/* ...to its end: the slowest rank's seconds, with --mpi. */
double clock_stop(double t0);

/* Allocate @j's buffers of @j->len bytes on @j->device. */
void alloc_buffers(struct job *j);

/* Write the file unless --reuse finds it there. */
void make_file_unless_reused(void);

/* The line of the connector's statistics @st (with --mpi: all ranks'). */
void report_stats(const struct phxfs_vol_stats *st);

/* The collective mode: MPI_Init to MPI_Finalize. The exit status. */
int h5bench_mpi(void);

#endif /* PHXFS_H5BENCH_H */
