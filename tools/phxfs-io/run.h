/* SPDX-License-Identifier: MIT */
/*
 * One benchmark run: the shared state of its threads, each thread's own,
 * and the transfer types (struct xfer_ops) that move the bytes.
 */
#ifndef PHXIO_RUN_H
#define PHXIO_RUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lathist.h"
#include "opts.h"

struct worker;
struct run;

struct xfer_ops {
	const char *name;	/* gdsio's XferType */
	bool needs_file;
	bool needs_gpu;
	/* Once per run, before and after the threads (optional). */
	int (*open)(struct run *r);
	void (*close)(struct run *r);
	/* Per thread: buffers for io_size * batch bytes, registrations. */
	int (*setup)(struct worker *w);
	void (*teardown)(struct worker *w);
	/* One request on buffer slot @slot: bytes, or -1 after worker_fail. */
	ssize_t (*io)(struct worker *w, unsigned int slot, off_t off,
		      size_t len);
	/* Verify: put @src where a request takes its bytes from ... */
	int (*fill)(struct worker *w, unsigned int slot, const void *src,
		    size_t len);
	/* ... and fetch what a request left in its destination buffer. */
	int (*fetch)(struct worker *w, unsigned int slot, void *dst,
		     size_t len);
	/* The whole loop of a thread instead of io() (optional: batches). */
	int (*loop)(struct worker *w);
};

extern const struct xfer_ops xfer_phxfs_ops;
extern const struct xfer_ops xfer_cpu_gpu_ops;
extern const struct xfer_ops xfer_cufile_ops;
extern const struct xfer_ops xfer_cpuonly_ops;
extern const struct xfer_ops xfer_h2d_ops;

struct run {
	const struct opts *o;
	const struct xfer_ops *ops;
	const char *xfer_name;	/* ops->name, or GPU_COMPAT */
	bool write;
	bool have_gpu;		/* a CUDA device is usable */
	int fd;			/* for the I/O: O_DIRECT with -D 1 */
	int vfd;		/* buffered, for verification */
	uint64_t file_size;
	uint64_t nblocks;	/* io_size blocks in the file */
	uint64_t max_ops;	/* UINT64_MAX: until the time is up */
	uint64_t seed;
	int64_t t0_ns;		/* start of the timed part */
	int64_t deadline_ns;	/* 0: none */
	int phxfs_dev;
	int phxfs_mode;		/* PHXFS_MODE_*, 0 before open */
	void *priv;		/* the transfer type's, per run */
	atomic_uint_fast64_t claimed;	/* requests handed out */
	atomic_uint_fast64_t done_bytes; /* for the progress line */
	atomic_bool stop;	/* an error: everyone stops */
	atomic_uint running;	/* threads not finished */
	pthread_barrier_t ready; /* every thread set up ... */
	pthread_barrier_t go;	/* ... and t0 taken */
	pthread_mutex_t err_lock;
	char err[512];		/* the first error */
};

struct worker {
	struct run *r;
	unsigned int id;
	pthread_t thread;
	uint64_t rng;
	void *priv;		/* the transfer type's, per thread */
	unsigned char *vexp;	/* verify: expected bytes, one per slot */
	unsigned char *vgot;	/* verify: what arrived */
	uint64_t ops;
	uint64_t bytes;
	uint64_t verified;
	int64_t end_ns;
	struct lathist lat;
};

int64_t now_ns(void);

/* Record the run's first error (printf format) and stop every thread. */
void run_fail(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define worker_fail(w, ...) run_fail((w)->r, __VA_ARGS__)

/* The next request of this thread: false when the run is over. */
bool worker_next(struct worker *w, off_t *off);
/* Account one completed request that took @ns. */
void worker_done(struct worker *w, uint64_t ns, size_t bytes);
/* Verify around a request on @slot: 0, or -1 after worker_fail. */
int worker_verify_before(struct worker *w, unsigned int slot, off_t off,
			 size_t len);
int worker_verify_after(struct worker *w, unsigned int slot, off_t off,
			size_t len);

/* A thread's life: setup, the start barrier, its loop, teardown. */
int run_threads(struct run *r, struct worker *w, void (*tick)(struct run *));

#endif /* PHXIO_RUN_H */
