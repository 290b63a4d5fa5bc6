// SPDX-License-Identifier: MIT
/*
 * phxfs-h5-bench --mpi: every rank of mpiexec reads its own contiguous
 * 1/np slice of each dataset into its own buffer (CUDA device rank % the
 * devices it sees), collectively, the same three ways:
 *   raw     phxfs_mpi_read_at_all of the slice (phxfs_mpi_readv_at_all
 *           of the slice's parts of the chunks, for a chunked dataset);
 *   vol     collective H5Dread with the MPI-IO driver, through the
 *           connector (which must take every one through libphxfs_mpi);
 *   native  the same H5Dread without the connector into host memory,
 *           then cudaMemcpy.
 * Rank 0 writes the file. Each repetition runs from a barrier to the
 * slowest rank's end; GiB/s are of all ranks' bytes together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>
#include <hdf5.h>
#include <mpi.h>
#include <phxfs/phxfs.h>
#include <phxfs/phxfs_mpi.h>

#include "h5bench.h"

static phxfs_mpi_t *ctx;
static phxfs_mpi_file_t *file;
static struct phxfs_vol_stats seen;	/* the counts at the last layout */

static void die_errno(const char *what)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(errno));
	die(msg);
}

/* The rank's device: round robin over the CUDA devices it sees. */
static int pick_device(void)
{
	int n = 0;

	if (o.host)
		return 0;
	if (cudaGetDeviceCount(&n) != cudaSuccess || n < 1)
		die("no CUDA device (use --mem host)");
	return o.rank % n;
}

/*
 * libphxfs_mpi on the rank's device, the file opened as the connector
 * opens it (O_DIRECT only where the module serves the device): raw is the
 * floor of the connector's collective path.
 */
static void open_raw(int device)
{
	char dev[16];
	MPI_Info info;
	int ret;

	snprintf(dev, sizeof(dev), "%d", device);
	MPI_Info_create(&info);
	MPI_Info_set(info, PHXFS_MPI_INFO_DEVICE, dev);
	ret = phxfs_mpi_init(MPI_COMM_WORLD, info, &ctx);
	if (!ret) {
		MPI_Info_set(info, "phxfs_o_direct",
			     phxfs_mode(device) == PHXFS_MODE_DIRECT ?
				     "automatic" : "disable");
		ret = phxfs_mpi_file_open(ctx, o.file, MPI_MODE_RDONLY, info,
					  &file);
	}
	MPI_Info_free(&info);
	if (ret)
		die_errno(ctx ? "phxfs_mpi_file_open" : "phxfs_mpi_init");
}

/* The parts of @j's extents inside its slice, at their buffer offsets. */
static size_t slice_extents(const struct job *j, struct phxfs_mpi_extent *x)
{
	uint64_t hi = j->lo + j->len;
	size_t k = 0;

	for (int i = 0; i < j->n; i++) {
		const struct extent *e = &j->e[i];
		uint64_t a = e->mem_off > j->lo ? e->mem_off : j->lo;
		uint64_t b = e->mem_off + e->len < hi ? e->mem_off + e->len : hi;

		if (a < b)
			x[k++] = (struct phxfs_mpi_extent){
				.file_offset = (off_t)(e->file_off + a -
						       e->mem_off),
				.buf_offset = a - j->lo,
				.len = b - a,
			};
	}
	return k;
}

static double raw_mpi(const struct job *j)
{
	struct phxfs_mpi_extent *x = calloc((size_t)j->n, sizeof(*x));
	size_t k, got = 0;
	double t0;
	int ret;

	if (!x)
		die("out of memory");
	k = slice_extents(j, x);
	t0 = clock_start();
	/* One call on every rank: a contiguous dataset is one extent each. */
	if (j->n == 1)
		ret = phxfs_mpi_read_at_all(file, x->file_offset, j->dev,
					    x->len, &got);
	else
		ret = phxfs_mpi_readv_at_all(file, j->dev, x, k, &got);
	t0 = clock_stop(t0);
	free(x);
	if (ret)
		die_errno(j->n == 1 ? "raw: phxfs_mpi_read_at_all" :
				      "raw: phxfs_mpi_readv_at_all");
	if (got != j->len)
		die("raw: a short read");
	return t0;
}

/* Every vol read of the layout went collectively, straight to the buffer. */
static void check_collective(const struct job *j)
{
	struct phxfs_vol_stats st;
	unsigned long long coll, fell;
	char msg[400];

	phxfs_vol_get_stats(&st);
	coll = st.collective_reads - seen.collective_reads;
	fell = st.fallback_reads - seen.fallback_reads;
	seen = st;
	if (coll == o.reps && !fell)
		return;
	snprintf(msg, sizeof(msg),
		 "%s: of %u collective H5Dread calls through the connector, %llu went directly through libphxfs_mpi and %llu through HDF5%s",
		 j->name, o.reps, coll, fell,
		 o.host ? " (host buffers need PHXFS_VOL_FORCE_DIRECT=1)" : "");
	die(msg);
}

/* All ranks' connector statistics, summed at rank 0. */
static void report_all_stats(void)
{
	struct phxfs_vol_stats st;
	unsigned long long mine[3], sum[3];

	phxfs_vol_get_stats(&st);
	mine[0] = st.direct_reads;
	mine[1] = st.fallback_reads;
	mine[2] = st.collective_reads;
	MPI_Reduce(mine, sum, 3, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0,
		   MPI_COMM_WORLD);
	st.direct_reads = sum[0];
	st.fallback_reads = sum[1];
	st.collective_reads = sum[2];
	report_stats(&st);
}

int h5bench_mpi(void)
{
	struct job j = { 0 };

	MPI_Init(NULL, NULL);
	MPI_Comm_rank(MPI_COMM_WORLD, &o.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &o.ranks);
	if (o.size < (uint64_t)o.ranks)
		die("--size smaller than the ranks");
	j.lo = o.size * (uint64_t)o.rank / (uint64_t)o.ranks;
	j.len = o.size * (uint64_t)(o.rank + 1) / (uint64_t)o.ranks - j.lo;
	j.device = pick_device();
	alloc_buffers(&j);
	make_file_unless_reused();
	open_raw(j.device);
	phxfs_vol_get_stats(&seen);
	run_layouts(&j, raw_mpi, check_collective);
	report_all_stats();
	if (phxfs_mpi_file_close(file) || phxfs_mpi_finalize(ctx))
		die_errno("closing libphxfs_mpi");
	/* The connector's collective state goes with HDF5: before MPI. */
	H5close();
	MPI_Finalize();
	return 0;
}
