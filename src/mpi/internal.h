/* SPDX-License-Identifier: MIT */
/*
 * libphxfs_mpi internals: the context, the file, the hints, and the
 * helpers the collective calls share.
 */
#ifndef PHXFS_MPI_INTERNAL_H
#define PHXFS_MPI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <phxfs/phxfs_mpi.h>

#define PHXFS_MPI_ALIGN 4096	/* file domains: whole blocks of any fs */

enum phxfs_mpi_switch {
	PHXFS_MPI_AUTO = 0,
	PHXFS_MPI_ENABLE = 1,
	PHXFS_MPI_DISABLE = -1,
};

struct phxfs_mpi_hints {
	int cb_nodes;			/* 0: one per node */
	size_t cb_buffer_size;
	int cb_read, cb_write;		/* enum phxfs_mpi_switch */
	size_t direct_min;
	int cuda_aware;			/* enum phxfs_mpi_switch */
	int o_direct;			/* enum phxfs_mpi_switch */
};

struct phxfs_mpi {
	MPI_Comm comm;			/* our duplicate */
	int rank, size;
	int device;
	int *node_of;			/* each rank's node number */
	int *local_of;			/* each rank's node-local rank */
	int nodes;
	bool mpi_cuda;			/* MPI takes device pointers */
	struct phxfs_mpi_hints hints;
	int err_rank, err;		/* the last collective call's */
	struct phxfs_mpi_stats stats;	/* phxfs_mpi_get_stats() */
};

struct phxfs_mpi_file {
	phxfs_mpi_t *ctx;
	int fd;
	bool rd, wr;
	struct phxfs_mpi_hints hints;
	int *aggs;			/* the aggregators' ranks */
	int naggs;
	phxfs_batch_t *batch;		/* direct pieces, made at first need */
};

/* One piece of a collective request, as every rank sees it. */
struct phxfs_mpi_piece {
	int64_t off;			/* file offset */
	int64_t len;
	int64_t buf;			/* offset in the owner's buffer */
};

/*
 * Every rank's failure folded into one answer: 0, or -1 with errno of the
 * lowest failing rank on every rank (also kept for last_error).
 */
int phxfs_mpi_agree(phxfs_mpi_t *ctx, int err);

/* Hints: defaults, then @info's keys over them; errno-style result. */
void phxfs_mpi_hints_default(struct phxfs_mpi_hints *h);
int phxfs_mpi_hints_parse(MPI_Info info, struct phxfs_mpi_hints *h);
/* One hint @key = @v into @h: 0, EINVAL if malformed; unknown keys: 0. */
int phxfs_mpi_hint_set(struct phxfs_mpi_hints *h, const char *key,
		       const char *v);
/* A size with an optional K/M/G suffix; false if malformed. */
bool phxfs_mpi_parse_size(const char *s, size_t *out);
/* The device of node-local rank @local from "N" or "N,M,..."; -1: bad. */
int phxfs_mpi_parse_device(const char *s, int local);

/*
 * Is @p inside a range registered on this rank's device (by any caller:
 * phxfs_registered())? Such mappings of device memory MPI's shared-memory
 * single copy (process_vm_readv) cannot read: two-phase stages them.
 */
bool phxfs_mpi_registered(const phxfs_mpi_t *ctx, const void *p);

/* Does the MPI library take device pointers (asked at run time)? */
bool phxfs_mpi_cuda_aware(void);

/* How a rank's buffer crosses MPI in two-phase I/O. */
enum phxfs_mpi_exchange {
	PHXFS_MPI_EXCHANGE_HOST,	/* host memory, as it is */
	PHXFS_MPI_EXCHANGE_DEVICE,	/* device memory, MPI is CUDA-aware */
	PHXFS_MPI_EXCHANGE_STAGED,	/* device memory, host staging + copy */
	PHXFS_MPI_EXCHANGE_MAPPED,	/* a registered mapping, staged */
};
enum phxfs_mpi_exchange phxfs_mpi_exchange_of(phxfs_mpi_file_t *f,
					      const void *buf);

/* The collective engine: @write, every rank's pieces of @buf. */
int phxfs_mpi_collective(phxfs_mpi_file_t *f, bool write, void *buf,
			 const struct phxfs_mpi_extent *ext, size_t count,
			 size_t *bytes);
/*
 * Two-phase I/O of @all (every rank's pieces, rank r's at
 * @all[@first[r]] .. @all[@first[r + 1]], sorted by file offset).
 * Return: 0 or an errno of this rank (the caller agrees).
 */
int phxfs_mpi_two_phase(phxfs_mpi_file_t *f, bool write, void *buf,
			const struct phxfs_mpi_piece *all, const int *first);

/* Loop phxfs_read/write until done or end of file: bytes, or -errno. */
int64_t phxfs_mpi_pio(phxfs_mpi_file_t *f, bool write, void *buf,
		      size_t buf_off, size_t len, int64_t off);

#endif /* PHXFS_MPI_INTERNAL_H */
