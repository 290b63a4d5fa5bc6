/* SPDX-License-Identifier: MIT */
/*
 * h5pair.h - the file of the plain HDF5 programs the connector is tested
 * with (plain_app.c, mpi_read.c): one 2-D dataset stored contiguously
 * ("contiguous") and the same chunked ("chunked"). Plain HDF5 calls only.
 */
#ifndef PHXVOL_H5PAIR_H
#define PHXVOL_H5PAIR_H

#include <hdf5.h>

struct h5pair {
	hid_t f, dc, dk;	/* the file, "contiguous", "chunked" */
};

/*
 * @path made (truncated) with @fapl, holding both datasets of @type and
 * @dims, the chunked one in chunks of @chunk; H5I_INVALID_HID in f where
 * the file cannot be made.
 */
static inline struct h5pair h5pair_create(const char *path, hid_t fapl,
					  hid_t type, const hsize_t dims[2],
					  const hsize_t chunk[2])
{
	struct h5pair p = { H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl),
			    H5I_INVALID_HID, H5I_INVALID_HID };
	hid_t s = H5Screate_simple(2, dims, NULL);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);

	if (p.f >= 0) {
		p.dc = H5Dcreate2(p.f, "contiguous", type, s, H5P_DEFAULT,
				  H5P_DEFAULT, H5P_DEFAULT);
		H5Pset_chunk(dcpl, 2, chunk);
		p.dk = H5Dcreate2(p.f, "chunked", type, s, H5P_DEFAULT, dcpl,
				  H5P_DEFAULT);
	}
	H5Pclose(dcpl);
	H5Sclose(s);
	return p;
}

/* @path opened read-only with @fapl, both datasets open. */
static inline struct h5pair h5pair_open(const char *path, hid_t fapl)
{
	struct h5pair p = { H5Fopen(path, H5F_ACC_RDONLY, fapl),
			    H5I_INVALID_HID, H5I_INVALID_HID };

	p.dc = H5Dopen2(p.f, "contiguous", H5P_DEFAULT);
	p.dk = H5Dopen2(p.f, "chunked", H5P_DEFAULT);
	return p;
}

static inline void h5pair_close(const struct h5pair *p)
{
	H5Dclose(p->dc);
	H5Dclose(p->dk);
	H5Fclose(p->f);
}

#endif /* PHXVOL_H5PAIR_H */
