/* SPDX-License-Identifier: MIT */
/*
 * phxfs_mpi.h - LibPhoenix for MPI jobs (libphxfs_mpi): per-rank device
 * buffers registered and filled collectively.
 *
 *	phxfs_mpi_t *ctx;
 *	phxfs_mpi_file_t *f;
 *
 *	phxfs_mpi_init(MPI_COMM_WORLD, MPI_INFO_NULL, &ctx); // opens a device
 *	phxfs_mpi_regmem(ctx, dev_buf, len, NULL);	    // all or nothing
 *	phxfs_mpi_file_open(ctx, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &f);
 *	phxfs_mpi_read_at_all(f, my_offset, dev_buf, len, &got);
 *	phxfs_mpi_file_close(f);
 *	phxfs_mpi_deregmem(ctx, dev_buf, len);
 *	phxfs_mpi_finalize(ctx);
 *
 * Every call returns 0 or -1 with errno set, like phxfs.h. Collective
 * calls must be made by every rank of the context's communicator, and
 * return the same result on every rank: when some ranks fail, all return
 * -1 with the errno of the lowest failing rank, and
 * phxfs_mpi_last_error() tells which rank that was.
 *
 * Buffers may be registered device memory (storage DMAs straight into
 * it), CUDA device memory that is not registered (through pinned host
 * buffers), or host memory.
 *
 * Device choice (phxfs_mpi_init): the "phxfs_device" info key, else the
 * environment variable PHXFS_MPI_DEVICE, else the rank's node-local rank
 * modulo the devices of the node (/dev/phxfs_dev<N> nodes where the module
 * is loaded, else the CUDA devices the process sees, else device 0). The
 * key and variable take a device number, or a comma-separated list of
 * them indexed by node-local rank ("0,0,1,1").
 *
 * Collective I/O hints (MPI_Info, at phxfs_mpi_init or
 * phxfs_mpi_file_open; the file's win), as in ROMIO:
 *	cb_nodes	  aggregators of two-phase I/O (default: one per node)
 *	cb_buffer_size	  bytes an aggregator moves per round (default 16M,
 *			  4K to 1G, a multiple of 4K)
 *	romio_cb_read	  enable: always two-phase; disable: never;
 *	romio_cb_write	  automatic (default): two-phase unless every piece
 *			  of every rank is at least phxfs_direct_min (reads;
 *			  a rank's pieces then go in flight together), or
 *			  every rank asks for one such piece (writes)
 *	phxfs_direct_min  smallest piece read or written straight by its
 *			  owner (default 1M)
 *	phxfs_cuda_aware  enable / disable / automatic (default): exchange
 *			  device memory through MPI when the library is
 *			  CUDA-aware (checked at run time)
 *	phxfs_o_direct	  enable: open with O_DIRECT or fail (EINVAL where
 *			  the file system refuses it); disable: through the
 *			  page cache; automatic (default): O_DIRECT where
 *			  the file system takes it
 * Sizes take a K, M or G suffix (powers of 1024).
 */
#ifndef PHXFS_MPI_H
#define PHXFS_MPI_H

#include <stddef.h>
#include <sys/types.h>

#include <mpi.h>

#include "phxfs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* phxfs_mpi_init()'s MPI_Info key of the device choice (see above). */
#define PHXFS_MPI_INFO_DEVICE "phxfs_device"

typedef struct phxfs_mpi phxfs_mpi_t;
typedef struct phxfs_mpi_file phxfs_mpi_file_t;

/**
 * phxfs_mpi_init() - collective: pick and open this rank's device
 * @comm: the ranks taking part (duplicated: @comm may be freed after)
 * @info: hints (see above), or MPI_INFO_NULL
 * @ctx: out: the context
 *
 * Errors: EINVAL a malformed hint, variable or argument; those of
 * phxfs_open(); ENOMEM.
 */
PHXFS_EXPORT int phxfs_mpi_init(MPI_Comm comm, MPI_Info info,
				phxfs_mpi_t **ctx);

/**
 * phxfs_mpi_finalize() - collective: close the device, free @ctx
 *
 * Ranges still registered on the device go with it when this is its last
 * open (phxfs_close()).
 */
PHXFS_EXPORT int phxfs_mpi_finalize(phxfs_mpi_t *ctx);

/** phxfs_mpi_device() - this rank's device number, for phxfs.h calls */
PHXFS_EXPORT int phxfs_mpi_device(const phxfs_mpi_t *ctx);

/**
 * struct phxfs_mpi_stats - how this rank's I/O went, since phxfs_mpi_init()
 * @cuda_aware: 1 when the MPI library takes device pointers, asked at run
 *	time (MPIX_Query_cuda_support) and true on every rank; 0 otherwise
 * @direct_bytes: bytes of collective calls this rank moved itself,
 *	straight between the file and its buffer (one large piece per rank)
 * @two_phase_bytes: bytes of this rank's buffer that collective calls
 *	moved through two-phase aggregation; each byte also counts in one of
 *	the three below, by how it crossed MPI:
 * @exchanged_host_bytes: host memory, taken by MPI as it is;
 * @exchanged_device_bytes: device memory, taken by a CUDA-aware MPI;
 * @staged_bytes: device memory (or a registered mapping), staged through
 *	host memory with one copy each way because MPI cannot take it
 * @independent_bytes: bytes of phxfs_mpi_read_at() / phxfs_mpi_write_at()
 * @direct_calls, @two_phase_calls: collective calls that took each path
 *
 * Counts are this rank's, of calls that succeeded, reads and writes
 * together; take differences to measure a stretch of calls.
 */
struct phxfs_mpi_stats {
	int cuda_aware;
	unsigned long long direct_bytes;
	unsigned long long two_phase_bytes;
	unsigned long long exchanged_host_bytes;
	unsigned long long exchanged_device_bytes;
	unsigned long long staged_bytes;
	unsigned long long independent_bytes;
	unsigned long long direct_calls;
	unsigned long long two_phase_calls;
};

/**
 * phxfs_mpi_get_stats() - this rank's counts (not collective)
 *
 * Errors: EINVAL @ctx or @stats NULL.
 */
PHXFS_EXPORT int phxfs_mpi_get_stats(const phxfs_mpi_t *ctx,
				     struct phxfs_mpi_stats *stats);

/**
 * phxfs_mpi_last_error() - who failed the last collective call of @ctx
 * @rank: out (may be NULL): the lowest failing rank, -1 after a success
 * @err: out (may be NULL): its errno, 0 after a success
 */
PHXFS_EXPORT void phxfs_mpi_last_error(const phxfs_mpi_t *ctx, int *rank,
				       int *err);

/**
 * phxfs_mpi_regmem() - collective phxfs_regmem(), all or nothing
 * @target_addr: out, may be NULL
 *
 * If any rank fails, every rank that succeeded deregisters again: nothing
 * stays registered anywhere. A rank with nothing to register passes @len 0
 * (@addr is then ignored).
 *
 * A registration belongs to the rank's device (phxfs_mpi_device()), not
 * to @ctx: it is phxfs_regmem()'s, phxfs_registered() sees it, and
 * phxfs_deregmem() or phxfs_mpi_deregmem() undoes it, whichever made it.
 * Collective I/O asks the device, so a buffer registered with phxfs_regmem()
 * is treated as registered too.
 */
PHXFS_EXPORT int phxfs_mpi_regmem(phxfs_mpi_t *ctx, const void *addr,
				  size_t len, void **target_addr);

/**
 * phxfs_mpi_deregmem() - collective phxfs_deregmem(); @len 0: none
 *
 * Undoes any registration of the range on the rank's device, made
 * through @ctx or by phxfs_regmem(). Errors (any rank's): those of
 * phxfs_deregmem() (ENOENT: no such registration).
 */
PHXFS_EXPORT int phxfs_mpi_deregmem(phxfs_mpi_t *ctx, const void *addr,
				    size_t len);

/**
 * phxfs_mpi_file_open() - collective: open a shared file on every rank
 * @amode: MPI_MODE_RDONLY, MPI_MODE_WRONLY or MPI_MODE_RDWR, with
 *	MPI_MODE_CREATE and MPI_MODE_EXCL
 * @info: hints overriding those of @ctx, or MPI_INFO_NULL
 *
 * The file is opened with O_DIRECT where its file system takes it (hint
 * phxfs_o_direct). Errors: those of open(2); EINVAL a bad @amode or hint,
 * or O_DIRECT required and refused; ENOMEM.
 */
PHXFS_EXPORT int phxfs_mpi_file_open(phxfs_mpi_t *ctx, const char *path,
				     int amode, MPI_Info info,
				     phxfs_mpi_file_t **file);

/** phxfs_mpi_file_close() - collective: close and free @file */
PHXFS_EXPORT int phxfs_mpi_file_close(phxfs_mpi_file_t *file);

/**
 * struct phxfs_mpi_extent - one piece of a rank's I/O
 * @file_offset: where in the file
 * @buf_offset: where in the rank's buffer
 * @len: bytes
 */
struct phxfs_mpi_extent {
	off_t file_offset;
	size_t buf_offset;
	size_t len;
};

/**
 * phxfs_mpi_read_at_all() - collective read, each rank its own piece
 * @offset, @size: this rank's piece of the file (any alignment; pieces of
 *	ranks may interleave or overlap; @size 0 takes part with nothing)
 * @buf: where it goes (device, registered or host memory)
 * @bytes: out (may be NULL): bytes this rank read, short only at the end
 *	of the file (the buffer's bytes past it are undefined)
 *
 * Errors (any rank's): EBADF the file is not open for reading; EINVAL;
 * those of phxfs_read(); ENOMEM.
 */
PHXFS_EXPORT int phxfs_mpi_read_at_all(phxfs_mpi_file_t *file, off_t offset,
				       void *buf, size_t size, size_t *bytes);

/**
 * phxfs_mpi_write_at_all() - collective write, each rank its own piece
 *
 * Where pieces of ranks overlap, which rank's bytes the file keeps is
 * undefined (as in MPI-IO). @bytes: @size on success.
 */
PHXFS_EXPORT int phxfs_mpi_write_at_all(phxfs_mpi_file_t *file,
					off_t offset, const void *buf,
					size_t size, size_t *bytes);

/**
 * phxfs_mpi_readv_at_all() - collective read of @count pieces per rank
 * @bytes: out: bytes read into the pieces (those before the end of the
 *	file); the buffer's bytes past the end are undefined, as after
 *	phxfs_read() (O_DIRECT reads whole blocks)
 */
PHXFS_EXPORT int phxfs_mpi_readv_at_all(phxfs_mpi_file_t *file, void *buf,
					const struct phxfs_mpi_extent *ext,
					size_t count, size_t *bytes);

/** phxfs_mpi_writev_at_all() - collective write of @count pieces per rank */
PHXFS_EXPORT int phxfs_mpi_writev_at_all(phxfs_mpi_file_t *file,
					 const void *buf,
					 const struct phxfs_mpi_extent *ext,
					 size_t count, size_t *bytes);

/**
 * phxfs_mpi_read_at() - independent read of this rank's piece
 *
 * phxfs_read() on the shared file and this rank's device; not collective.
 */
PHXFS_EXPORT int phxfs_mpi_read_at(phxfs_mpi_file_t *file, off_t offset,
				   void *buf, size_t size, size_t *bytes);

/**
 * phxfs_mpi_write_at() - independent write; not collective
 *
 * As phxfs_write(): ranks writing into one file block at the same time
 * must serialise themselves (unaligned heads and tails of O_DIRECT files
 * are read, modified and written back). The collective calls need not:
 * they never let two ranks write one block.
 */
PHXFS_EXPORT int phxfs_mpi_write_at(phxfs_mpi_file_t *file, off_t offset,
				    const void *buf, size_t size,
				    size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* PHXFS_MPI_H */
