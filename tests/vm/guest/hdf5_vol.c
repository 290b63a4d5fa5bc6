// SPDX-License-Identifier: MIT
/*
 * The HDF5 connector on the module's direct path: a file on ext4 on the
 * NVMe drive, written natively from host memory, read through the
 * connector with H5Dread straight into registered device memory (the
 * ivshmem BAR: the drive DMAs into it) and compared with native reads:
 *  - contiguous 1-D bytes of an odd size, whole and a hyperslab;
 *  - a contiguous 2-D int32 dataset, a block of rows and columns;
 *  - a chunked 2-D int32 dataset with partial edge chunks (many runs: one
 *    phxfs batch), whole and a hyperslab across chunks;
 *  - an H5Dwrite from the BAR into contiguous storage, read back natively;
 *  - a deflated chunked dataset: left to HDF5, which decompresses into
 *    the BAR;
 *  - a host buffer the application did not register: left to HDF5.
 * The buffers are found direct because they are registered
 * (phxfs_registered()), with no testing knob; the connector's statistics
 * must count every read above as direct, and the module must have mapped
 * the BAR throughout.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <sys/mount.h>

#include <hdf5.h>
#include <phxfs/phxfs.h>

#include "phxfs_vol.h"
#include "phxtest.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)


#define BYTES_LEN (5 * MIB + 321)	/* contiguous 1-D uint8 */
#define ROWS 700			/* 2-D int32, contiguous and chunked */
#define COLS 900
#define CROWS 64			/* chunks: edges partial both ways */
#define CCOLS 100

#define REG_LEN (32 * MIB)
#define POISON 0x5a

static unsigned char *bar;
/* The mounted file system, and the file of the test in it. */
static const char *mnt;
static char path[300];

static int value(size_t i)
{
	return (int)(i * 2654435761u >> 3);
}

static unsigned char byte_at(size_t i)
{
	return (unsigned char)(i * 131 + (i >> 12));
}

static void create_file(void)
{
	hsize_t blen = BYTES_LEN, dims[2] = { ROWS, COLS }, cdims[2] = { CROWS, CCOLS };
	unsigned char *bytes = malloc(BYTES_LEN);
	int *ints = malloc(ROWS * COLS * sizeof(int));
	hid_t f, s1, s2, dcpl, d;

	if (!bytes || !ints)
		pt_fail("out of memory");
	for (size_t i = 0; i < BYTES_LEN; i++)
		bytes[i] = byte_at(i);
	for (size_t i = 0; i < ROWS * COLS; i++)
		ints[i] = value(i);
	f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	s1 = H5Screate_simple(1, &blen, NULL);
	s2 = H5Screate_simple(2, dims, NULL);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (f < 0 || s1 < 0 || s2 < 0 || dcpl < 0 ||
	    H5Pset_chunk(dcpl, 2, cdims) < 0)
		pt_fail("cannot create %s", path);
	d = H5Dcreate2(f, "bytes", H5T_NATIVE_UCHAR, s1, H5P_DEFAULT,
		       H5P_DEFAULT, H5P_DEFAULT);
	if (d < 0 || H5Dwrite(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL,
			      H5P_DEFAULT, bytes) < 0 || H5Dclose(d) < 0)
		pt_fail("cannot write 'bytes'");
	d = H5Dcreate2(f, "ints", H5T_NATIVE_INT, s2, H5P_DEFAULT, H5P_DEFAULT,
		       H5P_DEFAULT);
	if (d < 0 || H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL,
			      H5P_DEFAULT, ints) < 0 || H5Dclose(d) < 0)
		pt_fail("cannot write 'ints'");
	d = H5Dcreate2(f, "chunked", H5T_NATIVE_INT, s2, H5P_DEFAULT, dcpl,
		       H5P_DEFAULT);
	if (d < 0 || H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL,
			      H5P_DEFAULT, ints) < 0 || H5Dclose(d) < 0)
		pt_fail("cannot write 'chunked'");
	d = H5Pset_deflate(dcpl, 6) < 0 ? H5I_INVALID_HID :
	    H5Dcreate2(f, "deflated", H5T_NATIVE_INT, s2, H5P_DEFAULT, dcpl,
		       H5P_DEFAULT);
	if (d < 0 || H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL,
			      H5P_DEFAULT, ints) < 0 || H5Dclose(d) < 0)
		pt_fail("cannot write 'deflated'");
	H5Pclose(dcpl);
	H5Sclose(s1);
	H5Sclose(s2);
	if (H5Fclose(f) < 0)
		pt_fail("cannot close %s", path);
	free(bytes);
	free(ints);
}

/* A dataset's selection (H5S_ALL if @count is NULL), and its element count. */
static hid_t selection(hid_t d, const hsize_t *start, const hsize_t *count,
		       hsize_t *n)
{
	hid_t fs = H5Dget_space(d);

	if (fs < 0)
		pt_fail("H5Dget_space");
	if (count && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL,
					 count, NULL) < 0)
		pt_fail("H5Sselect_hyperslab");
	*n = (hsize_t)H5Sget_select_npoints(fs);
	return fs;
}

/*
 * @name's selection read natively into host memory and through the
 * connector (@fv, the file opened with it) into the BAR at @at, packed:
 * the same bytes, and the poisoned bytes after them untouched.
 */
static void check_read(hid_t fn, hid_t fv, const char *name, hid_t type,
		       const hsize_t *start, const hsize_t *count, size_t at)
{
	hid_t dn = H5Dopen2(fn, name, H5P_DEFAULT);
	hid_t dv = H5Dopen2(fv, name, H5P_DEFAULT);
	size_t esize = H5Tget_size(type), len;
	hsize_t n;
	hid_t fs, ms;
	unsigned char *want;

	if (dn < 0 || dv < 0)
		pt_fail("%s: cannot open", name);
	fs = selection(dn, start, count, &n);
	len = (size_t)n * esize;
	if (at + len + 4 * KIB > REG_LEN)
		pt_fail("%s: %zu bytes do not fit", name, len);
	ms = H5Screate_simple(1, &n, NULL);
	want = malloc(len);
	memset(bar + at, POISON, len + 4 * KIB);
	if (!want || H5Dread(dn, type, ms, fs, H5P_DEFAULT, want) < 0)
		pt_fail("%s: native H5Dread", name);
	if (H5Dread(dv, type, ms, fs, H5P_DEFAULT, bar + at) < 0)
		pt_fail("%s: H5Dread through the connector", name);
	for (size_t i = 0; i < len; i++)
		if (bar[at + i] != want[i])
			pt_fail("%s: byte %zu of %zu in device memory is 0x%02x, expected 0x%02x",
				name, i, len, bar[at + i], want[i]);
	for (size_t i = len; i < len + 4 * KIB; i++)
		if (bar[at + i] != POISON)
			pt_fail("%s: device memory %zu bytes past the read changed",
				name, i - len);
	pt_note("%s: %zu bytes into device memory, right", name, len);
	free(want);
	H5Sclose(ms);
	H5Sclose(fs);
	H5Dclose(dn);
	H5Dclose(dv);
}

/* Host memory nobody registered: left to HDF5, right all the same. */
static void check_host_read(hid_t fv)
{
	hid_t d = H5Dopen2(fv, "bytes", H5P_DEFAULT);
	unsigned char *host = malloc(BYTES_LEN);

	if (!host || d < 0 || H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL,
				      H5P_DEFAULT, host) < 0)
		pt_fail("H5Dread into host memory");
	for (size_t i = 0; i < BYTES_LEN; i++)
		if (host[i] != byte_at(i))
			pt_fail("host read: byte %zu wrong", i);
	free(host);
	H5Dclose(d);
}

/* Rows 100-399 of 'ints' from the BAR, through the connector (direct). */
static void check_write(void)
{
	hsize_t start[2] = { 100, 0 }, count[2] = { 300, COLS }, n;
	size_t len = 300 * COLS * sizeof(int);
	int *src = (int *)(bar + 8 * MIB), *back = malloc(len);
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f, d, fs, ms;

	if (!back || phxfs_vol_set_fapl(fapl, 0) < 0)
		pt_fail("write: set-up");
	for (size_t i = 0; i < 300 * COLS; i++)
		src[i] = -value(i) - 1;
	f = H5Fopen(path, H5F_ACC_RDWR, fapl);
	d = H5Dopen2(f, "ints", H5P_DEFAULT);
	fs = selection(d, start, count, &n);
	ms = H5Screate_simple(1, &n, NULL);
	if (d < 0 || H5Dwrite(d, H5T_NATIVE_INT, ms, fs, H5P_DEFAULT, src) < 0)
		pt_fail("H5Dwrite from device memory");
	H5Dclose(d);
	H5Fclose(f);
	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	d = H5Dopen2(f, "ints", H5P_DEFAULT);
	if (d < 0 || H5Dread(d, H5T_NATIVE_INT, ms, fs, H5P_DEFAULT, back) < 0)
		pt_fail("native read-back");
	if (memcmp(back, src, len))
		pt_fail("the rows written from device memory read back wrong");
	pt_note("ints: %zu bytes written from device memory, right", len);
	H5Dclose(d);
	H5Fclose(f);
	H5Sclose(ms);
	H5Sclose(fs);
	H5Pclose(fapl);
	free(back);
}

int main(void)
{
	hsize_t b_start = 777777, b_count = 3 * MIB + 5;
	hsize_t i_start[2] = { 33, 17 }, i_count[2] = { 400, 555 };
	hsize_t c_start[2] = { 50, 90 }, c_count[2] = { 333, 701 };
	struct phxfs_vol_stats st;
	size_t bar_size;
	hid_t fapl, fn, fv;
	void *target;

	pt_name = "hdf5_vol";
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < REG_LEN)
		pt_fail("the BAR (%zu bytes) is too small", bar_size);
	mnt = phxtest_mount_ext4("-E nodiscard", "128M");
	snprintf(path, sizeof(path), "%s/data.h5", mnt);
	create_file();

	PT_OK(phxfs_open(0));
	if (phxfs_mode(0) != PHXFS_MODE_DIRECT)
		pt_fail("phxfs_mode: %d, expected direct", phxfs_mode(0));
	PT_OK(phxfs_regmem(0, bar, REG_LEN, &target));

	fapl = H5Pcreate(H5P_FILE_ACCESS);
	if (fapl < 0 || phxfs_vol_set_fapl(fapl, 0) < 0)
		pt_fail("phxfs_vol_set_fapl");
	fn = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	fv = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	if (fn < 0 || fv < 0)
		pt_fail("cannot open %s", path);
	check_read(fn, fv, "bytes", H5T_NATIVE_UCHAR, NULL, NULL, 0);
	check_read(fn, fv, "bytes", H5T_NATIVE_UCHAR, &b_start, &b_count,
		   6 * MIB + 3);
	check_read(fn, fv, "ints", H5T_NATIVE_INT, i_start, i_count, 12 * MIB);
	check_read(fn, fv, "chunked", H5T_NATIVE_INT, NULL, NULL, 16 * MIB);
	check_read(fn, fv, "chunked", H5T_NATIVE_INT, c_start, c_count,
		   20 * MIB + 4 * KIB);
	phxfs_vol_get_stats(&st);
	if (st.direct_reads != 5 || st.fallback_reads)
		pt_fail("%llu direct reads and %llu through HDF5; expected 5 and 0",
			(unsigned long long)st.direct_reads,
			(unsigned long long)st.fallback_reads);
	/* Filtered: HDF5 decompresses, into device memory all the same. */
	check_read(fn, fv, "deflated", H5T_NATIVE_INT, c_start, c_count,
		   24 * MIB);
	check_host_read(fv);
	phxfs_vol_get_stats(&st);
	if (st.direct_reads != 5 || st.fallback_reads != 2)
		pt_fail("the deflated and host reads were not left to HDF5");
	if (phxtest_counter("mappings") != 1)
		pt_fail("the module does not map the registration");
	H5Fclose(fn);
	H5Fclose(fv);
	H5Pclose(fapl);

	check_write();
	phxfs_vol_get_stats(&st);
	if (st.direct_writes != 1)
		pt_fail("%llu direct writes; expected 1",
			(unsigned long long)st.direct_writes);

	PT_OK(phxfs_deregmem(0, bar, REG_LEN));
	PT_OK(phxfs_close(0));
	H5close();
	if (umount(mnt))
		pt_fail("umount: %s", strerror(errno));
	pt_note("HDF5 datasets straight into device memory, byte for byte");
	return 0;
}
