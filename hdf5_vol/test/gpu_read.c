// SPDX-License-Identifier: MIT
/*
 * Dataset reads and writes through the connector with GPU memory: the
 * direct path (phxfs_read/phxfs_write) where the layout allows, the host
 * bounce elsewhere (and for many short runs, unless PHXFS_VOL_MIN_RUN=0);
 * every byte compared with native host reads, and each transfer's path
 * checked in the connector's statistics. Skips (77) where there is no GPU
 * or driver, saying so.
 *
 *	hdf5.vol_gpu_read DIR
 */
/* _GNU_SOURCE: from HDF5's compile definitions. */
#include "phxcheck.h"
#include "phxcuda.h"

#include <stdbool.h>

#include <hdf5.h>

#include "phxfs_vol.h"

#define NX 123
#define NY 77

struct layout {
	const char *name;
	hsize_t chunk_cols;	/* 0: contiguous; chunks of 20 rows */
	int deflate;
	int direct;		/* the direct path can read it */
	int whole_in_few_runs;	/* all of it: a few long runs */
};

static const struct layout layouts[] = {
	{ "contiguous", 0, 0, 1, 1 },
	{ "chunked", 16, 0, 1, 0 },
	{ "chunked_rows", NY, 0, 1, 1 },
	{ "chunked_deflate", 16, 1, 0, 0 },
};

/*
 * Many short runs (the hyperslabs here: a run per row and chunk) go
 * through HDF5 and one copy, unless PHXFS_VOL_MIN_RUN=0.
 */
static int every_run_direct(void)
{
	const char *v = getenv("PHXFS_VOL_MIN_RUN");

	return v && !strcmp(v, "0");
}

static void make(const char *path, const int *data)
{
	hsize_t dims[2] = { NX, NY };
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	hid_t s = H5Screate_simple(2, dims, NULL);

	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		hsize_t chunk[2] = { 20, layouts[i].chunk_cols };
		hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), d;

		if (layouts[i].chunk_cols)
			H5Pset_chunk(dcpl, 2, chunk);
		if (layouts[i].deflate)
			H5Pset_deflate(dcpl, 4);
		H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
		d = H5Dcreate2(f, layouts[i].name, H5T_NATIVE_INT, s, H5P_DEFAULT, dcpl,
			       H5P_DEFAULT);
		PT_CHECK(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0,
			 "%s: native write", layouts[i].name);
		H5Dclose(d);
		H5Pclose(dcpl);
	}
	H5Sclose(s);
	H5Fclose(f);
}

/*
 * A hyperslab of the dataset (all of it, @whole) into device memory,
 * against the host's.
 */
static void read_one(hid_t fv, hid_t fn, const struct layout *l, bool whole)
{
	hsize_t start[2] = { whole ? 0 : 11, whole ? 0 : 5 };
	hsize_t count[2] = { whole ? NX : 97, whole ? NY : 60 };
	size_t bytes = count[0] * count[1] * sizeof(int);
	bool direct = l->direct &&
		      (every_run_direct() || (whole && l->whole_in_few_runs));
	const char *what = whole ? "all" : "hyperslab";
	int *host = malloc(bytes), *back = malloc(bytes);
	void *dev = NULL;
	hid_t dv = H5Dopen2(fv, l->name, H5P_DEFAULT), dn = H5Dopen2(fn, l->name, H5P_DEFAULT);
	hid_t fs = H5Dget_space(dv), ms = H5Screate_simple(2, count, NULL);
	struct phxfs_vol_stats a, b;

	H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
	PT_CHECK(H5Dread(dn, H5T_NATIVE_INT, ms, fs, H5P_DEFAULT, host) >= 0, "native read");
	PT_CUDA(cudaMalloc(&dev, bytes));
	PT_CUDA(cudaMemset(dev, 0xEE, bytes));
	phxfs_vol_get_stats(&a);
	PT_CHECK(H5Dread(dv, H5T_NATIVE_INT, ms, fs, H5P_DEFAULT, dev) >= 0,
		 "%s, %s: read into device memory", l->name, what);
	phxfs_vol_get_stats(&b);
	PT_CUDA(cudaMemcpy(back, dev, bytes, cudaMemcpyDeviceToHost));
	PT_CHECK(!memcmp(host, back, bytes), "%s, %s: device bytes differ from the native read",
		 l->name, what);
	if (direct)
		PT_CHECK(b.direct_reads == a.direct_reads + 1, "%s, %s: not read directly",
			 l->name, what);
	else
		PT_CHECK(b.bounced_reads == a.bounced_reads + 1, "%s, %s: not bounced",
			 l->name, what);
	printf("%-16s %-9s read  %s\n", l->name, what, direct ? "direct" : "bounced");
	cudaFree(dev);
	free(host);
	free(back);
	H5Sclose(fs);
	H5Sclose(ms);
	H5Dclose(dv);
	H5Dclose(dn);
}

/* New values from device memory, then read back natively. */
static void write_one(const char *path, const struct layout *l, const int *fresh)
{
	size_t bytes = NX * NY * sizeof(int);
	int *back = malloc(bytes);
	void *dev = NULL;
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f, d;
	struct phxfs_vol_stats a, b;

	phxfs_vol_set_fapl(fapl, -1);
	PT_CUDA(cudaMalloc(&dev, bytes));
	PT_CUDA(cudaMemcpy(dev, fresh, bytes, cudaMemcpyHostToDevice));
	f = H5Fopen(path, H5F_ACC_RDWR, fapl);
	d = H5Dopen2(f, l->name, H5P_DEFAULT);
	phxfs_vol_get_stats(&a);
	PT_CHECK(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, dev) >= 0,
		 "%s: write from device memory", l->name);
	phxfs_vol_get_stats(&b);
	/* Writes go directly to contiguous storage only. */
	if (!l->chunk_cols)
		PT_CHECK(b.direct_writes == a.direct_writes + 1, "%s: not written directly", l->name);
	else
		PT_CHECK(b.bounced_writes == a.bounced_writes + 1, "%s: not bounced", l->name);
	H5Dclose(d);
	H5Fclose(f);
	H5Pclose(fapl);
	cudaFree(dev);

	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	d = H5Dopen2(f, l->name, H5P_DEFAULT);
	PT_CHECK(H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0, "read back");
	PT_CHECK(!memcmp(back, fresh, bytes), "%s: data written from device memory differ",
		 l->name);
	H5Dclose(d);
	H5Fclose(f);
	printf("%-16s write %s\n", l->name, l->chunk_cols ? "bounced" : "direct");
	free(back);
}

int main(int argc, char **argv)
{
	size_t bytes = NX * NY * sizeof(int);
	int *data = malloc(bytes), *fresh = malloc(bytes);
	char path[1100];
	hid_t fapl, fv, fn;

	pt_init(argv[0]);
	pt_require_cuda(0);
	if (argc != 2)
		pt_fail("usage: %s DIR", argv[0]);
	if (!data || !fresh)
		pt_fail("malloc");
	snprintf(path, sizeof(path), "%s/gpu_read.h5", argv[1]);
	/* The file's values, then new ones written over them. */
	phxfs_pattern_fill(data, bytes, 1, 0);
	phxfs_pattern_fill(fresh, bytes, 2, 0);
	make(path, data);

	fapl = H5Pcreate(H5P_FILE_ACCESS);
	phxfs_vol_set_fapl(fapl, -1);
	fv = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	fn = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		read_one(fv, fn, &layouts[i], false);
		read_one(fv, fn, &layouts[i], true);
	}
	H5Fclose(fv);
	H5Fclose(fn);
	H5Pclose(fapl);
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		write_one(path, &layouts[i], fresh);
	free(data);
	free(fresh);
	return pt_summary();
}
