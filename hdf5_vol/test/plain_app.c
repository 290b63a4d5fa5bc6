// SPDX-License-Identifier: MIT
/*
 * An ordinary HDF5 program: plain HDF5 calls, nothing of Phoenix. The
 * tests run it with the connector loaded through the environment
 * (HDF5_PLUGIN_PATH, HDF5_VOL_CONNECTOR). It writes a contiguous and a
 * chunked dataset, reads them back while the file is open for writing,
 * then again after reopening it read-only, whole and in part, and checks
 * every value.
 *
 *	hdf5_plain_app FILE
 */
#include <stdio.h>
#include <stdlib.h>

#include <hdf5.h>

#define NX 300
#define NY 170

static int failures;

static double value(int i, int j)
{
	return i * 1000.0 + j + 0.25;
}

static void check_all(hid_t d, const char *what)
{
	static double buf[NX][NY];
	int bad = 0;

	if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
		printf("FAIL: %s: H5Dread\n", what);
		failures++;
		return;
	}
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NY; j++)
			bad += buf[i][j] != value(i, j);
	if (bad) {
		printf("FAIL: %s: %d wrong values\n", what, bad);
		failures++;
	}
}

static void check_part(hid_t d, const char *what)
{
	hsize_t start[2] = { 17, 33 }, count[2] = { 101, 77 };
	static double buf[101][77];
	hid_t fs = H5Dget_space(d), ms = H5Screate_simple(2, count, NULL);
	int bad = 0;

	H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
	if (H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) < 0) {
		printf("FAIL: %s: H5Dread of a hyperslab\n", what);
		failures++;
	} else {
		for (int i = 0; i < 101; i++)
			for (int j = 0; j < 77; j++)
				bad += buf[i][j] != value(i + 17, j + 33);
		if (bad) {
			printf("FAIL: %s: %d wrong values in a hyperslab\n", what, bad);
			failures++;
		}
	}
	H5Sclose(ms);
	H5Sclose(fs);
}

int main(int argc, char **argv)
{
	static double data[NX][NY];
	hsize_t dims[2] = { NX, NY }, chunk[2] = { 64, 50 };
	hid_t f, s, dcpl, dc, dk;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NY; j++)
			data[i][j] = value(i, j);

	f = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	if (f < 0) {
		printf("FAIL: H5Fcreate\n");
		return 1;
	}
	s = H5Screate_simple(2, dims, NULL);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	dc = H5Dcreate2(f, "contiguous", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT,
			H5P_DEFAULT);
	H5Pset_chunk(dcpl, 2, chunk);
	dk = H5Dcreate2(f, "chunked", H5T_IEEE_F64LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	if (H5Dwrite(dc, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ||
	    H5Dwrite(dk, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
		printf("FAIL: H5Dwrite\n");
		return 1;
	}
	check_all(dc, "contiguous, file open for writing");
	check_all(dk, "chunked, file open for writing");
	H5Dclose(dc);
	H5Dclose(dk);
	H5Pclose(dcpl);
	H5Sclose(s);
	H5Fclose(f);

	f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
	dc = H5Dopen2(f, "contiguous", H5P_DEFAULT);
	dk = H5Dopen2(f, "chunked", H5P_DEFAULT);
	check_all(dc, "contiguous");
	check_all(dk, "chunked");
	check_part(dc, "contiguous");
	check_part(dk, "chunked");
	H5Dclose(dc);
	H5Dclose(dk);
	H5Fclose(f);
	if (failures)
		return 1;
	printf("PASS: plain HDF5 program\n");
	return 0;
}
