// SPDX-License-Identifier: MIT
/*
 * The HDF5 the connector builds against is 1.14 with the VOL API and MPI-IO:
 * every rank writes its hyperslab of a shared dataset collectively, then
 * every rank reads the whole dataset back and checks every element.
 */
#include <stdio.h>
#include <stdlib.h>

#include <hdf5.h>
#include <mpi.h>

#define PER_RANK (1u << 18)

static int value(int rank, hsize_t i)
{
	return (int)(rank * 1000003u + (unsigned int)i * 2654435761u);
}

static int fail(int rank, const char *what)
{
	fprintf(stderr, "FAIL rank %d: %s\n", rank, what);
	return 1;
}

static int write_file(const char *path, int rank, int size)
{
	hsize_t dims = (hsize_t)size * PER_RANK, start = (hsize_t)rank * PER_RANK;
	hsize_t count = PER_RANK;
	int *buf = malloc(PER_RANK * sizeof(int));
	hid_t fapl, file, space, mem, dset, dxpl;
	herr_t st;

	if (!buf)
		return fail(rank, "malloc");
	for (hsize_t i = 0; i < PER_RANK; i++)
		buf[i] = value(rank, start + i);
	fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
	file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	space = H5Screate_simple(1, &dims, NULL);
	dset = H5Dcreate2(file, "data", H5T_NATIVE_INT, space, H5P_DEFAULT,
			  H5P_DEFAULT, H5P_DEFAULT);
	H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL, &count, NULL);
	mem = H5Screate_simple(1, &count, NULL);
	dxpl = H5Pcreate(H5P_DATASET_XFER);
	H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
	st = H5Dwrite(dset, H5T_NATIVE_INT, mem, space, dxpl, buf);
	H5Pclose(dxpl);
	H5Sclose(mem);
	H5Dclose(dset);
	H5Sclose(space);
	H5Fclose(file);
	H5Pclose(fapl);
	free(buf);
	return st < 0 || file < 0 ? fail(rank, "collective write") : 0;
}

static int check_file(const char *path, int rank, int size)
{
	hsize_t n = (hsize_t)size * PER_RANK;
	int *buf = malloc(n * sizeof(int));
	hid_t fapl, file, dset;
	herr_t st;
	int bad = 0;

	if (!buf)
		return fail(rank, "malloc");
	fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
	file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	dset = H5Dopen2(file, "data", H5P_DEFAULT);
	st = H5Dread(dset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
	for (hsize_t i = 0; st >= 0 && i < n; i++)
		bad += buf[i] != value((int)(i / PER_RANK), i);
	H5Dclose(dset);
	H5Fclose(file);
	H5Pclose(fapl);
	free(buf);
	if (st < 0)
		return fail(rank, "read");
	if (bad) {
		fprintf(stderr, "FAIL rank %d: %d elements wrong\n", rank, bad);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int maj, min, rel;
	int rank, size, err = 0, any_err = 0;
	char path[4096];

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	H5get_libversion(&maj, &min, &rel);
	if (maj * 100 + min < 114)
		err = fail(rank, "HDF5 older than 1.14: no VOL connector API");
	else if (H5VLis_connector_registered_by_name("native") <= 0)
		err = fail(rank, "the native VOL connector is not registered");
	snprintf(path, sizeof(path), "%s/h5_parallel_roundtrip.np%d.h5",
		 argc > 1 ? argv[1] : ".", size);
	if (!err)
		err = write_file(path, rank, size);
	MPI_Allreduce(&err, &any_err, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	if (!any_err)
		err = check_file(path, rank, size);
	MPI_Allreduce(&err, &any_err, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	if (rank == 0) {
		if (!any_err)
			printf("HDF5 %u.%u.%u parallel round trip: %d ranks x %u ints, all match\n",
			       maj, min, rel, size, PER_RANK);
		remove(path);
	}
	MPI_Finalize();
	return any_err;
}
