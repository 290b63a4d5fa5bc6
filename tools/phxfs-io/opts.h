/* SPDX-License-Identifier: MIT */
/* phxfs-io's command line. */
#ifndef PHXIO_OPTS_H
#define PHXIO_OPTS_H

#include <stdbool.h>
#include <stdint.h>

enum io_type {
	IO_SEQ_READ = 0,
	IO_SEQ_WRITE = 1,
	IO_RAND_READ = 2,
	IO_RAND_WRITE = 3,
};

enum xfer_type {
	XFER_PHXFS = 0,		/* phxfs_read/write (GPUD) */
	XFER_PHXFS_COMPAT = 1,	/* the same with PHXFS_COMPAT=on */
	XFER_CPU_GPU = 2,	/* pread/pwrite + cudaMemcpy, pageable */
	XFER_CUFILE = 3,	/* cuFileRead/cuFileWrite */
	XFER_CPUONLY = 4,	/* pread/pwrite into pinned host memory */
	XFER_H2D = 5,		/* pinned cudaMemcpy only, no file */
	XFER_REGCOST = 6,	/* cost of opening and registering */
	XFER_COUNT
};

struct opts {
	const char *file;
	uint64_t file_size;	/* 0: the file's own */
	uint64_t io_size;
	unsigned int threads;
	enum io_type io;
	enum xfer_type xfer;
	unsigned int batch;	/* requests in flight per thread */
	bool o_direct;
	double seconds;		/* 0: no time limit */
	uint64_t total;		/* bytes of the whole run; 0: no limit */
	int gpu;		/* CUDA ordinal */
	int phxfs_dev;		/* -1: the one serving the GPU */
	bool verify;
	bool drop_cache;
	bool progress;		/* also when stderr is not a terminal */
	const char *json;
	const char *tag;	/* a label for the JSON record */
	uint64_t seed;
};

/* 0: run; 1: done (--help); 2: usage error, said on stderr. */
int opts_parse(int argc, char **argv, struct opts *o);

static inline bool io_is_write(enum io_type t)
{
	return t == IO_SEQ_WRITE || t == IO_RAND_WRITE;
}

static inline bool io_is_random(enum io_type t)
{
	return t == IO_RAND_READ || t == IO_RAND_WRITE;
}

/* gdsio's IoType: READ, WRITE, RANDREAD, RANDWRITE. */
const char *io_type_name(enum io_type t);

#endif /* PHXIO_OPTS_H */
