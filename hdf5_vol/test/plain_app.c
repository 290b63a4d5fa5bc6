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
/* _GNU_SOURCE: from HDF5's compile definitions. */
#include "phxcheck.h"

#include "h5pair.h"

#define NX 300
#define NY 170

static double value(int i, int j)
{
	return i * 1000.0 + j + 0.25;
}

static void check_all(hid_t d, const char *what)
{
	static double buf[NX][NY];
	int bad = 0;

	if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
		PT_CHECK(0, "%s: H5Dread", what);
		return;
	}
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NY; j++)
			bad += buf[i][j] != value(i, j);
	PT_CHECK(!bad, "%s: %d wrong values", what, bad);
}

static void check_part(hid_t d, const char *what)
{
	hsize_t start[2] = { 17, 33 }, count[2] = { 101, 77 };
	static double buf[101][77];
	hid_t fs = H5Dget_space(d), ms = H5Screate_simple(2, count, NULL);
	int bad = 0;

	H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
	if (H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) < 0) {
		PT_CHECK(0, "%s: H5Dread of a hyperslab", what);
	} else {
		for (int i = 0; i < 101; i++)
			for (int j = 0; j < 77; j++)
				bad += buf[i][j] != value(i + 17, j + 33);
		PT_CHECK(!bad, "%s: %d wrong values in a hyperslab", what, bad);
	}
	H5Sclose(ms);
	H5Sclose(fs);
}

int main(int argc, char **argv)
{
	static double data[NX][NY];
	hsize_t dims[2] = { NX, NY }, chunk[2] = { 64, 50 };
	struct h5pair p;

	pt_init(argv[0]);
	if (argc != 2)
		pt_fail("usage: %s FILE", argv[0]);
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NY; j++)
			data[i][j] = value(i, j);

	p = h5pair_create(argv[1], H5P_DEFAULT, H5T_IEEE_F64LE, dims, chunk);
	if (p.f < 0)
		pt_fail("H5Fcreate %s", argv[1]);
	if (H5Dwrite(p.dc, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ||
	    H5Dwrite(p.dk, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
		pt_fail("H5Dwrite");
	check_all(p.dc, "contiguous, file open for writing");
	check_all(p.dk, "chunked, file open for writing");
	h5pair_close(&p);

	p = h5pair_open(argv[1], H5P_DEFAULT);
	check_all(p.dc, "contiguous");
	check_all(p.dk, "chunked");
	check_part(p.dc, "contiguous");
	check_part(p.dk, "chunked");
	h5pair_close(&p);
	return pt_summary();
}
