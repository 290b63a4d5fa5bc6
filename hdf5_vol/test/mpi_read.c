// SPDX-License-Identifier: MIT
/*
 * Parallel HDF5 through the connector (loaded through the environment):
 * the ranks write their blocks of rows collectively with the MPI-IO
 * driver (contiguous: direct), read them back while the file is open for
 * writing, then reopen the file read-only and read their own blocks, once
 * independently (the connector's direct path, per rank), once
 * collectively (all ranks direct, through libphxfs_mpi; also both
 * datasets in one H5Dread_multi) and once
 * collectively with rank 0 asking for a type conversion (so that no rank
 * may go direct: all must take the library's path, or hang), contiguous
 * and chunked, then again with collective metadata reads, and check every
 * value. Plain HDF5 and MPI calls only.
 *
 *	mpirun -n N hdf5_vol_mpi_read DIR
 */
/* _GNU_SOURCE: from HDF5's compile definitions. */
#include "phxmpi.h"

#include <stdbool.h>

#include "h5pair.h"

#define ROWS 37		/* per rank: not a multiple of the chunk */
#define COLS 129

static int value(hsize_t i, hsize_t j)
{
	return (int)(i * 100003u + j * 7u + 1);
}

static hid_t fapl_mpio(void)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);

	H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
	return fapl;
}

static void check_read(hid_t d, H5FD_mpio_xfer_t mode, hid_t type,
		       const char *what)
{
	hsize_t start[2] = { (hsize_t)pt_rank * ROWS, 0 }, count[2] = { ROWS, COLS };
	hid_t fs = H5Dget_space(d), ms = H5Screate_simple(2, count, NULL);
	hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
	int *buf = calloc(ROWS * COLS, sizeof(int)), bad = 0;

	H5Pset_dxpl_mpio(dxpl, mode);
	H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
	/* The values are positive: as unsigned int, the same bytes. */
	if (H5Dread(d, type, ms, fs, dxpl, buf) < 0) {
		PT_CHECK(0, "%s: H5Dread", what);
	} else {
		for (hsize_t i = 0; i < ROWS; i++)
			for (hsize_t j = 0; j < COLS; j++)
				bad += buf[i * COLS + j] != value(start[0] + i, j);
		PT_CHECK(!bad, "%s: %d wrong values", what, bad);
	}
	free(buf);
	H5Pclose(dxpl);
	H5Sclose(ms);
	H5Sclose(fs);
}

/* Both datasets in one collective H5Dread_multi. */
static void check_read_multi(hid_t dc, hid_t dk)
{
	hsize_t start[2] = { (hsize_t)pt_rank * ROWS, 0 }, count[2] = { ROWS, COLS };
	hid_t dset[2] = { dc, dk }, type[2] = { H5T_NATIVE_INT, H5T_NATIVE_INT };
	hid_t fs[2], ms[2], dxpl = H5Pcreate(H5P_DATASET_XFER);
	int *buf[2];
	int bad = 0;

	H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
	for (int k = 0; k < 2; k++) {
		fs[k] = H5Dget_space(dset[k]);
		ms[k] = H5Screate_simple(2, count, NULL);
		H5Sselect_hyperslab(fs[k], H5S_SELECT_SET, start, NULL, count, NULL);
		buf[k] = calloc(ROWS * COLS, sizeof(int));
	}
	PT_CHECK(H5Dread_multi(2, dset, type, ms, fs, dxpl, (void **)buf) >= 0,
		 "collective H5Dread_multi");
	for (int k = 0; k < 2; k++) {
		for (hsize_t i = 0; i < ROWS; i++)
			for (hsize_t j = 0; j < COLS; j++)
				bad += buf[k][i * COLS + j] != value(start[0] + i, j);
		free(buf[k]);
		H5Sclose(ms[k]);
		H5Sclose(fs[k]);
	}
	PT_CHECK(!bad, "H5Dread_multi: %d wrong values", bad);
	H5Pclose(dxpl);
}

int main(int argc, char **argv)
{
	int ret;
	char path[1100];
	hsize_t dims[2], chunk[2] = { 16, 32 }, start[2], count[2] = { ROWS, COLS };
	hid_t fapl, s, ms, dxpl;
	struct h5pair p;
	int *data;

	MPI_Init(&argc, &argv);
	pt_mpi_init(argv[0]);
	if (argc != 2)
		pt_fail("usage: %s DIR", argv[0]);
	snprintf(path, sizeof(path), "%s/mpi_read.np%d.h5", argv[1], pt_ranks);
	dims[0] = (hsize_t)pt_ranks * ROWS;
	dims[1] = COLS;
	start[0] = (hsize_t)pt_rank * ROWS;
	start[1] = 0;
	data = malloc(ROWS * COLS * sizeof(int));
	for (hsize_t i = 0; i < ROWS; i++)
		for (hsize_t j = 0; j < COLS; j++)
			data[i * COLS + j] = value(start[0] + i, j);

	fapl = fapl_mpio();
	p = h5pair_create(path, fapl, H5T_NATIVE_INT, dims, chunk);
	if (p.f < 0)
		pt_fail("H5Fcreate %s", path);
	s = H5Screate_simple(2, dims, NULL);
	ms = H5Screate_simple(2, count, NULL);
	dxpl = H5Pcreate(H5P_DATASET_XFER);
	H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
	H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, count, NULL);
	if (H5Dwrite(p.dc, H5T_NATIVE_INT, ms, s, dxpl, data) < 0 ||
	    H5Dwrite(p.dk, H5T_NATIVE_INT, ms, s, dxpl, data) < 0)
		PT_CHECK(0, "collective H5Dwrite");
	/*
	 * While open for writing: independently, the library's path (its
	 * flush is collective); collectively, direct after a flush together.
	 */
	check_read(p.dc, H5FD_MPIO_INDEPENDENT, H5T_NATIVE_INT,
		   "contiguous, open for writing");
	check_read(p.dc, H5FD_MPIO_COLLECTIVE, H5T_NATIVE_INT,
		   "contiguous, collective, open for writing");
	H5Pclose(dxpl);
	H5Sclose(ms);
	H5Sclose(s);
	h5pair_close(&p);

	p = h5pair_open(path, fapl);
	check_read_multi(p.dc, p.dk);
	for (int k = 0; k < 2; k++) {
		static const char *const name[] = { "contiguous", "chunked" };
		/* Rank 0 converts (to the same bytes): nobody may go direct. */
		static const struct {
			H5FD_mpio_xfer_t mode;
			bool rank0_converts;
			const char *what;
		} reads[] = {
			{ H5FD_MPIO_INDEPENDENT, false, "independent" },
			{ H5FD_MPIO_COLLECTIVE, false, "collective" },
			{ H5FD_MPIO_COLLECTIVE, true, "collective, rank 0 converting" },
		};
		hid_t d = k ? p.dk : p.dc;

		for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
			char what[128];

			snprintf(what, sizeof(what), "%s, %s", name[k], reads[i].what);
			check_read(d, reads[i].mode,
				   reads[i].rank0_converts && !pt_rank ?
				   H5T_NATIVE_UINT : H5T_NATIVE_INT, what);
		}
	}
	h5pair_close(&p);

	/*
	 * Metadata reads made collective: rank 0 alone reads chunked data
	 * independently (its chunk lookups must not wait for the others);
	 * collectively, chunked data stays with HDF5 (the ranks would look up
	 * different chunks) and contiguous data goes direct.
	 */
	H5Pset_all_coll_metadata_ops(fapl, true);
	p = h5pair_open(path, fapl);
	check_read(pt_rank ? p.dc : p.dk, H5FD_MPIO_INDEPENDENT, H5T_NATIVE_INT,
		   pt_rank ? "contiguous, independent, collective metadata" :
			     "chunked, rank 0 alone, collective metadata");
	check_read(p.dk, H5FD_MPIO_COLLECTIVE, H5T_NATIVE_INT,
		   "chunked, collective, collective metadata");
	check_read(p.dc, H5FD_MPIO_COLLECTIVE, H5T_NATIVE_INT,
		   "contiguous, collective, collective metadata");
	h5pair_close(&p);
	H5Pclose(fapl);
	free(data);

	ret = pt_mpi_summary();
	/* The statistics line comes when HDF5 closes: before MPI does. */
	H5close();
	MPI_Finalize();
	return ret;
}
