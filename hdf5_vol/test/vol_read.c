// SPDX-License-Identifier: MIT
/*
 * Dataset reads through the connector give exactly the bytes of native
 * reads, for every layout, type and selection below; and each read took
 * the path it should: direct where the layout allows (with
 * PHXFS_VOL_FORCE_DIRECT=1, host buffers take it too), the connector
 * beneath otherwise. Also: a file open for writing is flushed before a
 * direct read, and a direct write lands where HDF5 reads it back.
 *
 *	hdf5.vol_read DIR [DEVICE]
 *
 * DEVICE: the connector info's device; the direct reads must then have
 * opened that phxfs device (or PHXFS_VOL_DEVICE's), and no other.
 */
/* _GNU_SOURCE: from HDF5's compile definitions. */
#include "phxcheck.h"

#include <hdf5.h>

#include <phxfs/phxfs.h>

#include "phxfs_vol.h"

static char dir[1024];
static int force_direct;

/*
 * Pattern bytes (tools/common/pattern.h); but floating-point data from
 * them would hold NaNs: use numbers.
 */
static void fill_typed(hid_t type, void *buf, size_t n, unsigned seed)
{
	if (H5Tget_class(type) == H5T_FLOAT) {
		if (H5Tget_size(type) == 8)
			for (size_t i = 0; i < n; i++)
				((double *)buf)[i] = (double)(i * 7 + seed) / 3.0;
		else
			for (size_t i = 0; i < n; i++)
				((float *)buf)[i] = (float)(i * 5 + seed) / 7.0f;
	} else {
		phxfs_pattern_fill(buf, n * H5Tget_size(type), seed, 0);
	}
}

static int info_device = -1;	/* the device= of the connector info */
static int want_dev = -1;	/* the device direct reads must use */

static hid_t fapl_of(int through_connector)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);

	if (through_connector && phxfs_vol_set_fapl(fapl, info_device) < 0)
		pt_fail("phxfs_vol_set_fapl");
	return fapl;
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s.h5", dir, name);
}

enum sel_kind { SEL_ALL, SEL_BLOCK, SEL_STRIDED, SEL_POINTS, SEL_SAME, SEL_SHIFTED,
		SEL_MEM_STRIDED };

struct read_case {
	const char *name;
	int rank;
	hsize_t dims[3];
	hsize_t chunk[3];	/* 0: contiguous */
	int deflate;
	int compact;
	int userblock;
	int partial_write;	/* only the first row block written */
	int no_write;		/* never written: fill values */
	hid_t (*file_type)(void);
	hid_t (*mem_type)(void);
	enum sel_kind sel;
	int expect_direct;	/* with PHXFS_VOL_FORCE_DIRECT=1 */
	int latest;		/* newest file format: other chunk indexes */
	int unlimited;		/* dimensions that can grow (from the first) */
	int early;		/* storage allocated at creation */
};

static hid_t t_int(void) { return H5Tcopy(H5T_NATIVE_INT); }
static hid_t t_short(void) { return H5Tcopy(H5T_NATIVE_SHORT); }
static hid_t t_double(void) { return H5Tcopy(H5T_NATIVE_DOUBLE); }
static hid_t t_float(void) { return H5Tcopy(H5T_NATIVE_FLOAT); }
static hid_t t_uchar(void) { return H5Tcopy(H5T_NATIVE_UCHAR); }
static hid_t t_llong_be(void) { return H5Tcopy(H5T_STD_I64BE); }
static hid_t t_llong(void) { return H5Tcopy(H5T_NATIVE_LLONG); }

static hid_t t_str12(void)
{
	hid_t t = H5Tcopy(H5T_C_S1);

	H5Tset_size(t, 12);
	return t;
}

static hid_t t_compound(void)
{
	struct rec { int a; double b; char c[3]; };
	hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(struct rec)), s = H5Tcopy(H5T_C_S1);

	H5Tset_size(s, 3);
	H5Tinsert(t, "a", offsetof(struct rec, a), H5T_NATIVE_INT);
	H5Tinsert(t, "b", offsetof(struct rec, b), H5T_NATIVE_DOUBLE);
	H5Tinsert(t, "c", offsetof(struct rec, c), s);
	H5Tclose(s);
	return t;
}

static hsize_t npoints(const struct read_case *c)
{
	hsize_t n = 1;

	for (int d = 0; d < c->rank; d++)
		n *= c->dims[d];
	return n;
}

static void make_file(const struct read_case *c, const char *path)
{
	hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
	hid_t ftype = c->file_type(), mtype = c->mem_type();
	hid_t f, s, d;
	size_t bytes = npoints(c) * H5Tget_size(mtype);
	void *data = malloc(bytes ? bytes : 1);

	if (c->userblock)
		H5Pset_userblock(fcpl, 512);
	if (c->chunk[0]) {
		H5Pset_chunk(dcpl, c->rank, c->chunk);
		if (c->deflate)
			H5Pset_deflate(dcpl, 6);
	} else if (c->compact) {
		H5Pset_layout(dcpl, H5D_COMPACT);
	}
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	hsize_t maxdims[3];

	for (int dd = 0; dd < c->rank; dd++)
		maxdims[dd] = dd < c->unlimited ? H5S_UNLIMITED : c->dims[dd];
	if (c->latest)
		H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
	if (c->early)
		H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
	f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
	H5Pclose(fapl);
	s = H5Screate_simple(c->rank, c->dims, maxdims);
	d = H5Dcreate2(f, "data", ftype, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	PT_CHECK(d >= 0, "%s: create", c->name);
	fill_typed(mtype, data, npoints(c), 11);
	if (c->partial_write) {
		hsize_t start[3] = { 0 }, count[3];

		memcpy(count, c->dims, sizeof(count));
		count[0] = c->chunk[0];
		H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, count, NULL);
		hid_t ms = H5Screate_simple(c->rank, count, NULL);

		PT_CHECK(H5Dwrite(d, mtype, ms, s, H5P_DEFAULT, data) >= 0,
			 "%s: write", c->name);
		H5Sclose(ms);
	} else if (!c->no_write) {
		PT_CHECK(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0,
			 "%s: write", c->name);
	}
	H5Dclose(d);
	H5Sclose(s);
	H5Fclose(f);
	H5Pclose(fcpl);
	H5Pclose(dcpl);
	H5Tclose(ftype);
	H5Tclose(mtype);
	free(data);
}

/* The file selection of a case, and the memory space that matches it. */
static void selections(const struct read_case *c, hid_t fspace, hid_t *mspace,
		       hid_t *fsel, size_t *mem_elems)
{
	hsize_t start[3], stride[3], count[3], block[3], n = 1;

	*fsel = H5S_ALL;
	*mspace = H5S_ALL;
	*mem_elems = npoints(c);
	switch (c->sel) {
	case SEL_ALL:
		return;
	case SEL_BLOCK:
	case SEL_SAME:
	case SEL_SHIFTED:
	case SEL_MEM_STRIDED: {
		hssize_t shift[3] = { 1, 2, 3 };

		for (int d = 0; d < c->rank; d++) {
			start[d] = c->dims[d] / 4;
			count[d] = c->dims[d] / 2 + 1;
			n *= count[d];
		}
		H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
		if (c->sel == SEL_SHIFTED)
			H5Soffset_simple(fspace, shift);
		break;
	}
	case SEL_STRIDED:
		for (int d = 0; d < c->rank; d++) {
			start[d] = 1;
			block[d] = d + 1 < c->rank ? 2 : 3;
			stride[d] = block[d] + 1 + (hsize_t)d;
			count[d] = (c->dims[d] - start[d]) / stride[d];
			n *= count[d] * block[d];
		}
		H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, stride, count, block);
		break;
	case SEL_POINTS: {
		hsize_t coords[4 * 3];

		for (int p = 0; p < 4; p++)
			for (int d = 0; d < c->rank; d++)
				coords[p * c->rank + d] = (c->dims[d] - 1) * (hsize_t)p / 3;
		H5Sselect_elements(fspace, H5S_SELECT_SET, 4, coords);
		n = 4;
		break;
	}
	}
	*fsel = fspace;
	if (c->sel == SEL_SAME)
		return;		/* H5S_ALL memory: the file's extent */
	if (c->sel == SEL_MEM_STRIDED) {
		/* 2-D: every other row, every third column of a larger array. */
		hsize_t mdims[2] = { 2 * count[0] + 3, 3 * count[1] + 1 },
			mstart[2] = { 1, 2 }, mstride[2] = { 2, 3 };

		*mspace = H5Screate_simple(2, mdims, NULL);
		H5Sselect_hyperslab(*mspace, H5S_SELECT_SET, mstart, mstride, count, NULL);
		*mem_elems = mdims[0] * mdims[1];
		return;
	}
	*mspace = H5Screate_simple(1, &n, NULL);
	*mem_elems = n;
}

/* One read of the case, natively or through the connector, into @buf. */
static int read_case(const struct read_case *c, const char *path,
		     int connector, void *buf, size_t bytes)
{
	hid_t fapl = fapl_of(connector), f, d, fspace, mspace, fsel, mtype;
	size_t elems;
	herr_t ret;

	memset(buf, 0xEE, bytes);
	f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	if (f < 0)
		return -1;
	d = H5Dopen2(f, "data", H5P_DEFAULT);
	fspace = H5Dget_space(d);
	selections(c, fspace, &mspace, &fsel, &elems);
	mtype = c->mem_type();
	ret = H5Dread(d, mtype, mspace, fsel, H5P_DEFAULT, buf);
	H5Tclose(mtype);
	if (mspace != H5S_ALL)
		H5Sclose(mspace);
	H5Sclose(fspace);
	H5Dclose(d);
	H5Fclose(f);
	return ret < 0 ? -1 : 0;
}

static void run_case(const struct read_case *c)
{
	char path[1200];
	hid_t mt = c->mem_type();
	/* Room for a memory array larger than the dataset (SEL_MEM_STRIDED). */
	size_t bytes = 4 * npoints(c) * H5Tget_size(mt);
	unsigned char *native = malloc(bytes), *mine = malloc(bytes);
	struct phxfs_vol_stats before, after;
	int direct;

	H5Tclose(mt);
	path_of(path, sizeof(path), c->name);
	make_file(c, path);
	PT_CHECK(read_case(c, path, 0, native, bytes) == 0, "%s: native read", c->name);
	phxfs_vol_get_stats(&before);
	PT_CHECK(read_case(c, path, 1, mine, bytes) == 0, "%s: read through the connector",
		 c->name);
	phxfs_vol_get_stats(&after);
	PT_CHECK(!memcmp(native, mine, bytes), "%s: bytes differ from the native read",
		 c->name);
	direct = after.direct_reads > before.direct_reads;
	if (force_direct)
		PT_CHECK(direct == c->expect_direct, "%s: %s, expected %s", c->name,
			 direct ? "direct" : "not direct",
			 c->expect_direct ? "direct" : "the connector beneath");
	else
		PT_CHECK(!direct, "%s: a host buffer took the direct path", c->name);
	PT_CHECK(direct || after.fallback_reads > before.fallback_reads,
		 "%s: neither path counted", c->name);
	printf("%-28s %s\n", c->name, direct ? "direct" : "fallback");
	free(native);
	free(mine);
}

static const struct read_case cases[] = {
	{ "contig_int_1d", 1, { 1000 }, { 0 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_ALL, 1, 0, 0, 0 },
	{ "contig_double_2d_block", 2, { 37, 53 }, { 0 }, 0, 0, 0, 0, 0, t_double, t_double, SEL_BLOCK, 1, 0, 0, 0 },
	{ "contig_uchar_3d_strided", 3, { 7, 9, 11 }, { 0 }, 0, 0, 0, 0, 0, t_uchar, t_uchar, SEL_STRIDED, 1, 0, 0, 0 },
	{ "contig_same_positions", 2, { 20, 30 }, { 0 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_SAME, 1, 0, 0, 0 },
	{ "chunked_int_2d_all", 2, { 100, 80 }, { 16, 16 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_ALL, 1, 0, 0, 0 },
	{ "chunked_float_3d_strided", 3, { 20, 30, 40 }, { 7, 8, 9 }, 0, 0, 0, 0, 0, t_float, t_float, SEL_STRIDED, 1, 0, 0, 0 },
	{ "chunked_llong_1d_block", 1, { 5000 }, { 333 }, 0, 0, 0, 0, 0, t_llong, t_llong, SEL_BLOCK, 1, 0, 0, 0 },
	{ "chunked_same_positions", 3, { 9, 10, 11 }, { 4, 3, 5 }, 0, 0, 0, 0, 0, t_short, t_short, SEL_SAME, 1, 0, 0, 0 },
	{ "contig_userblock", 2, { 33, 17 }, { 0 }, 0, 0, 1, 0, 0, t_int, t_int, SEL_BLOCK, 1, 0, 0, 0 },
	{ "chunked_userblock", 2, { 33, 17 }, { 8, 8 }, 0, 0, 1, 0, 0, t_int, t_int, SEL_ALL, 1, 0, 0, 0 },
	{ "contig_fixed_string", 1, { 300 }, { 0 }, 0, 0, 0, 0, 0, t_str12, t_str12, SEL_ALL, 1, 0, 0, 0 },
	{ "contig_compound", 1, { 250 }, { 0 }, 0, 0, 0, 0, 0, t_compound, t_compound, SEL_BLOCK, 1, 0, 0, 0 },
	/* Each chunk index of the newest format, and the default one grown. */
	{ "chunked_fixed_array_index", 2, { 50, 60 }, { 8, 9 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_BLOCK, 1, 1, 0, 0 },
	{ "chunked_ext_array_index", 2, { 50, 60 }, { 8, 9 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_STRIDED, 1, 1, 1, 0 },
	{ "chunked_btree2_index", 2, { 50, 60 }, { 8, 9 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_ALL, 1, 1, 2, 0 },
	{ "chunked_single_chunk_index", 2, { 50, 60 }, { 50, 60 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_BLOCK, 1, 1, 0, 0 },
	{ "chunked_implicit_index", 2, { 50, 60 }, { 8, 9 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_BLOCK, 1, 1, 0, 1 },
	{ "chunked_btree1_unlimited", 3, { 12, 13, 14 }, { 5, 4, 3 }, 0, 0, 0, 0, 0, t_float, t_float, SEL_STRIDED, 1, 0, 3, 0 },
	{ "chunked_deflate", 2, { 64, 64 }, { 16, 16 }, 1, 0, 0, 0, 0, t_int, t_int, SEL_ALL, 0, 0, 0, 0 },
	{ "chunked_unwritten_chunks", 2, { 64, 64 }, { 16, 16 }, 0, 0, 0, 1, 0, t_int, t_int, SEL_ALL, 0, 0, 0, 0 },
	{ "contig_unallocated", 1, { 100 }, { 0 }, 0, 0, 0, 0, 1, t_int, t_int, SEL_ALL, 0, 0, 0, 0 },
	{ "compact", 1, { 100 }, { 0 }, 0, 1, 0, 0, 0, t_int, t_int, SEL_ALL, 0, 0, 0, 0 },
	{ "type_conversion", 2, { 10, 10 }, { 0 }, 0, 0, 0, 0, 0, t_short, t_int, SEL_ALL, 0, 0, 0, 0 },
	{ "big_endian_file", 1, { 100 }, { 0 }, 0, 0, 0, 0, 0, t_llong_be, t_llong, SEL_ALL, 0, 0, 0, 0 },
	{ "point_selection", 2, { 30, 30 }, { 0 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_POINTS, 0, 0, 0, 0 },
	{ "shifted_selection", 2, { 30, 30 }, { 0 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_SHIFTED, 0, 0, 0, 0 },
	{ "contig_into_mem_hyperslab", 2, { 30, 50 }, { 0 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_MEM_STRIDED, 1, 0, 0, 0 },
	{ "chunked_into_mem_hyperslab", 2, { 41, 37 }, { 6, 7 }, 0, 0, 0, 0, 0, t_double, t_double, SEL_MEM_STRIDED, 1, 0, 0, 0 },
	/* 64 chunks and more: their addresses from one walk of the index. */
	{ "many_chunks_btree1", 2, { 120, 130 }, { 7, 9 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_STRIDED, 1, 0, 0, 0 },
	{ "many_chunks_btree2", 2, { 100, 120 }, { 5, 6 }, 0, 0, 1, 0, 0, t_short, t_short, SEL_ALL, 1, 1, 2, 0 },
	{ "many_chunks_fixed_array", 3, { 30, 31, 32 }, { 4, 5, 6 }, 0, 0, 0, 0, 0, t_float, t_float, SEL_BLOCK, 1, 1, 0, 0 },
	{ "many_chunks_unwritten", 2, { 128, 128 }, { 8, 8 }, 0, 0, 0, 1, 0, t_int, t_int, SEL_ALL, 0, 0, 0, 0 },
};

/*
 * @n elements of @type, whose @nwords strings (variable-length, in
 * memory one after another) are @words, written natively and read back
 * through the connector: never direct, and still right.
 */
static void vlen_round_trip(const char *name, hid_t type, hsize_t n,
			    const char *const *words, size_t nwords)
{
	char **back = calloc(nwords, sizeof(*back));
	char path[1200];
	hid_t f, s, d, fapl;
	struct phxfs_vol_stats before, after;

	path_of(path, sizeof(path), name);
	f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	s = H5Screate_simple(1, &n, NULL);
	d = H5Dcreate2(f, "data", type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, words);
	H5Dclose(d);
	H5Fclose(f);
	fapl = fapl_of(1);
	f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	d = H5Dopen2(f, "data", H5P_DEFAULT);
	phxfs_vol_get_stats(&before);
	PT_CHECK(back && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0,
		 "%s: read", name);
	phxfs_vol_get_stats(&after);
	for (size_t i = 0; back && i < nwords; i++)
		PT_CHECK(back[i] && !strcmp(back[i], words[i]), "%s: string %zu",
			 name, i);
	PT_CHECK(after.direct_reads == before.direct_reads, "%s: read directly",
		 name);
	if (back)
		H5Dvlen_reclaim(type, s, H5P_DEFAULT, back);
	free(back);
	H5Dclose(d);
	H5Sclose(s);
	H5Fclose(f);
	H5Pclose(fapl);
	printf("%-28s fallback\n", name);
}

/* Variable-length strings, and arrays of them (one level down). */
static void vlen_strings(void)
{
	const char *words[] = { "alpha", "", "a rather longer string", "z" };
	const char *pairs[] = { "one", "two", "", "three", "four", "x" };
	hsize_t two = 2;
	hid_t str = H5Tcopy(H5T_C_S1), arr;

	H5Tset_size(str, H5T_VARIABLE);
	arr = H5Tarray_create2(str, 1, &two);
	vlen_round_trip("vlen_strings", str, 4, words, 4);
	vlen_round_trip("vlen_string_arrays", arr, 3, pairs, 6);
	H5Tclose(arr);
	H5Tclose(str);
}

/*
 * All of @d read as ints with @dxpl into @got, which must then hold the
 * @bytes of @want; with the direct path forced, directly or not as
 * @want_direct says. Returns whether it went directly.
 */
static int read_ints(hid_t d, hid_t dxpl, void *got, const void *want,
		     size_t bytes, int want_direct, const char *what)
{
	struct phxfs_vol_stats a, b;

	memset(got, 0, bytes);
	phxfs_vol_get_stats(&a);
	PT_CHECK(H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, dxpl, got) >= 0,
		 "%s: read", what);
	phxfs_vol_get_stats(&b);
	PT_CHECK(!memcmp(want, got, bytes), "%s: data differ", what);
	if (force_direct)
		PT_CHECK(b.direct_reads == a.direct_reads + (want_direct ? 1 : 0),
			 "%s: %s", what, want_direct ? "not direct" : "went directly");
	return b.direct_reads > a.direct_reads;
}

/*
 * A file open for writing: data written through HDF5 (still in its chunk
 * cache) is what a direct read then sees; a direct write is what HDF5
 * then reads, small reads that HDF5 caches included.
 */
static void read_write_same_file(void)
{
	char path[1200];
	hsize_t dims[2] = { 40, 50 }, chunk[2] = { 8, 8 }, one = 1;
	int a[40][50], b[40][50], c[40][50], pt;
	hid_t fapl = fapl_of(1), f, s, dc, dk, dcpl, ms;
	hsize_t coord[2] = { 3, 7 };
	struct phxfs_vol_stats before, after;

	path_of(path, sizeof(path), "read_write");
	phxfs_pattern_fill(a, sizeof(a), 1, 0);
	phxfs_pattern_fill(b, sizeof(b), 2, 0);
	f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	s = H5Screate_simple(2, dims, NULL);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
	dc = H5Dcreate2(f, "contig", H5T_NATIVE_INT, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	H5Pset_chunk(dcpl, 2, chunk);
	dk = H5Dcreate2(f, "chunked", H5T_NATIVE_INT, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	H5Pclose(dcpl);

	/* A point read (the library's path) fills HDF5's small-data cache. */
	ms = H5Screate_simple(1, &one, NULL);
	H5Sselect_elements(s, H5S_SELECT_SET, 1, coord);
	PT_CHECK(H5Dread(dc, H5T_NATIVE_INT, ms, s, H5P_DEFAULT, &pt) >= 0, "point read");

	phxfs_vol_get_stats(&before);
	PT_CHECK(H5Dwrite(dc, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a) >= 0,
		 "contiguous write");
	PT_CHECK(H5Dwrite(dk, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, b) >= 0,
		 "chunked write");
	phxfs_vol_get_stats(&after);
	if (force_direct)
		PT_CHECK(after.direct_writes == before.direct_writes + 1,
			 "the contiguous write went directly (and only it)");

	PT_CHECK(H5Dread(dc, H5T_NATIVE_INT, ms, s, H5P_DEFAULT, &pt) >= 0, "point read");
	PT_CHECK(pt == a[3][7], "point read after a direct write: %d, expected %d",
		 pt, a[3][7]);
	read_ints(dk, H5P_DEFAULT, c, b, sizeof(b), 1,
		  "chunked data written then read in one open file");
	memset(c, 0, sizeof(c));
	PT_CHECK(H5Dread(dc, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, c) >= 0,
		 "contiguous read");
	PT_CHECK(!memcmp(a, c, sizeof(a)), "contiguous data written then read in one open file");
	/*
	 * The connector opens phxfs devices in this process, through
	 * libphxfs, and closes them when HDF5 releases it: look while the
	 * file is open.
	 */
	if (want_dev >= 0 && force_direct) {
		PT_CHECK(phxfs_mode(want_dev) > 0, "device %d was not the one used", want_dev);
		PT_CHECK(want_dev == 0 || phxfs_mode(0) < 0, "device 0 was opened too");
	}
	H5Sclose(ms);
	H5Sclose(s);
	H5Dclose(dc);
	H5Dclose(dk);
	H5Fclose(f);
	H5Pclose(fapl);

	/* And natively, from the file. */
	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	dc = H5Dopen2(f, "contig", H5P_DEFAULT);
	dk = H5Dopen2(f, "chunked", H5P_DEFAULT);
	H5Dread(dc, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, c);
	PT_CHECK(!memcmp(a, c, sizeof(a)), "contiguous data read back natively");
	H5Dread(dk, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, c);
	PT_CHECK(!memcmp(b, c, sizeof(b)), "chunked data read back natively");
	H5Dclose(dc);
	H5Dclose(dk);
	H5Fclose(f);
	printf("%-28s ok\n", "read_write_same_file");
}

/* A contiguous dataset "data" of N ints in a file made with @fapl. */
#define N_SMALL 20000
static void make_ints(const char *path, hid_t fapl, int seed)
{
	static int v[N_SMALL];
	hsize_t n = N_SMALL;
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	hid_t sp = H5Screate_simple(1, &n, NULL);
	hid_t d = H5Dcreate2(f, "data", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT,
			     H5P_DEFAULT);

	for (int i = 0; i < N_SMALL; i++)
		v[i] = i * 3 + seed;
	PT_CHECK(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0,
		 "write %s", path);
	H5Dclose(d);
	H5Sclose(sp);
	H5Fclose(f);
}

/* Reads "data" of an open file, checks it, and whether it went directly. */
static void check_ints(hid_t f, hid_t dxpl, int seed, int factor, int want_direct,
		       const char *what)
{
	static int v[N_SMALL], want[N_SMALL];
	hid_t d = H5Dopen2(f, "data", H5P_DEFAULT);
	int direct;

	for (int i = 0; i < N_SMALL; i++)
		want[i] = (i * 3 + seed) * factor;
	direct = read_ints(d, dxpl, v, want, sizeof(v), want_direct, what);
	H5Dclose(d);
	printf("%-28s %s\n", what, direct ? "direct" : "fallback");
}

/*
 * A file whose data are not simply in the named file (family: several
 * files), a data transform on the transfer, and a file replaced at its
 * name while HDF5 has it open: HDF5's path, right data.
 */
static void not_the_named_file(void)
{
	char path[1200], other[1200];
	hid_t fapl, f, dxpl;

	path_of(path, sizeof(path), "family%d");
	fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fapl_family(fapl, 16384, H5P_DEFAULT);
	make_ints(path, fapl, 6);
	H5Pclose(fapl);
	fapl = fapl_of(1);
	H5Pset_fapl_family(fapl, 16384, H5P_DEFAULT);
	f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	check_ints(f, H5P_DEFAULT, 6, 1, 0, "family_driver");
	H5Fclose(f);
	H5Pclose(fapl);

	path_of(path, sizeof(path), "transform");
	make_ints(path, H5P_DEFAULT, 7);
	fapl = fapl_of(1);
	f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	dxpl = H5Pcreate(H5P_DATASET_XFER);
	H5Pset_data_transform(dxpl, "x*2");
	check_ints(f, dxpl, 7, 2, 0, "data_transform");
	check_ints(f, H5P_DEFAULT, 7, 1, 1, "no_data_transform");
	H5Pclose(dxpl);

	/* Replaced: renamed away, another file at the name. */
	path_of(other, sizeof(other), "transform_moved");
	PT_CHECK(rename(path, other) == 0, "rename");
	make_ints(path, H5P_DEFAULT, 8);
	check_ints(f, H5P_DEFAULT, 7, 1, 0, "replaced_file");
	H5Fclose(f);
	H5Pclose(fapl);
}

/*
 * A dataset grown with H5Dset_extent (through the connector, file open for
 * writing), then read through an external link from another file: the
 * data file is the link's target.
 */
static void grown_and_linked(void)
{
	char data[1200], links[1200];
	static int v[300], back[300];
	hsize_t n = 100, max = H5S_UNLIMITED, chunk = 16, start = 100, count = 200;
	hid_t fapl = fapl_of(1), f, sp, dcpl, d, ms;

	for (int i = 0; i < 300; i++)
		v[i] = i * i - 7;
	path_of(data, sizeof(data), "grown");
	path_of(links, sizeof(links), "links");
	f = H5Fcreate(data, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	sp = H5Screate_simple(1, &n, &max);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_chunk(dcpl, 1, &chunk);
	d = H5Dcreate2(f, "data", H5T_NATIVE_INT, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
	n = 300;
	PT_CHECK(H5Dset_extent(d, &n) >= 0, "H5Dset_extent");
	H5Sclose(sp);
	sp = H5Dget_space(d);
	H5Sselect_hyperslab(sp, H5S_SELECT_SET, &start, NULL, &count, NULL);
	ms = H5Screate_simple(1, &count, NULL);
	H5Dwrite(d, H5T_NATIVE_INT, ms, sp, H5P_DEFAULT, v + 100);
	read_ints(d, H5P_DEFAULT, back, v, sizeof(v), 1, "grown dataset");
	H5Sclose(ms);
	H5Sclose(sp);
	H5Pclose(dcpl);
	H5Dclose(d);
	H5Fclose(f);

	f = H5Fcreate(links, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	PT_CHECK(H5Lcreate_external(data, "data", f, "far", H5P_DEFAULT, H5P_DEFAULT) >= 0,
		 "external link");
	d = H5Dopen2(f, "far", H5P_DEFAULT);
	read_ints(d, H5P_DEFAULT, back, v, sizeof(v), 1, "through an external link");
	H5Dclose(d);
	H5Fclose(f);
	H5Pclose(fapl);
	printf("%-28s ok\n", "grown_and_linked");
}

/* The core driver: the file is in memory only, written and read there. */
static void core_driver(void)
{
	char path[1200];
	hid_t fapl = fapl_of(1), f;
	static int v[N_SMALL];
	hsize_t n = N_SMALL;
	hid_t sp, d;

	path_of(path, sizeof(path), "core_only");
	H5Pset_fapl_core(fapl, 1 << 20, 0);
	f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	sp = H5Screate_simple(1, &n, NULL);
	d = H5Dcreate2(f, "data", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT,
		       H5P_DEFAULT);
	for (int i = 0; i < N_SMALL; i++)
		v[i] = i * 3 + 9;
	PT_CHECK(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0,
		 "core write");
	H5Dclose(d);
	H5Sclose(sp);
	check_ints(f, H5P_DEFAULT, 9, 1, 0, "core_driver");
	H5Fclose(f);
	H5Pclose(fapl);
}

/*
 * Writes through the connector (direct into contiguous storage) leave the
 * file exactly as the same writes done natively: whole, hyperslab,
 * strided, from a memory hyperslab, file-extent memory; chunked ones go
 * to HDF5.
 */
static void write_sequence(hid_t f)
{
	static int v[40][60];
	hsize_t start[2] = { 3, 5 }, stride[2] = { 4, 3 }, count[2] = { 9, 18 },
		block[2] = { 2, 2 }, mdims[2] = { 18, 36 };
	const char *names[] = { "contig", "chunked" };

	for (int k = 0; k < 2; k++) {
		hid_t d = H5Dopen2(f, names[k], H5P_DEFAULT);
		hid_t fs = H5Dget_space(d), ms = H5Screate_simple(2, mdims, NULL);

		phxfs_pattern_fill(v, sizeof(v), 20 + k, 0);
		PT_CHECK(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, "write all");
		/* A block, packed in memory. */
		H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
		hsize_t bdims = count[0] * count[1];
		hid_t bs = H5Screate_simple(1, &bdims, NULL);

		phxfs_pattern_fill(v, sizeof(v), 30 + k, 0);
		PT_CHECK(H5Dwrite(d, H5T_NATIVE_INT, bs, fs, H5P_DEFAULT, v) >= 0, "write block");
		H5Sclose(bs);
		/* Strided blocks, packed in memory. */
		H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, stride, count, block);
		phxfs_pattern_fill(v, sizeof(v), 40 + k, 0);
		PT_CHECK(H5Dwrite(d, H5T_NATIVE_INT, ms, fs, H5P_DEFAULT, v) >= 0, "write strided");
		/* A block from a strided hyperslab of a memory array. */
		hsize_t vdims[2] = { 40, 60 }, one[2] = { 1, 1 }, vstride[2] = { 4, 3 };
		hid_t vs = H5Screate_simple(2, vdims, NULL);

		H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
		H5Sselect_hyperslab(vs, H5S_SELECT_SET, one, vstride, count, NULL);
		phxfs_pattern_fill(v, sizeof(v), 60 + k, 0);
		PT_CHECK(H5Dwrite(d, H5T_NATIVE_INT, vs, fs, H5P_DEFAULT, v) >= 0,
			 "write from a memory hyperslab");
		H5Sclose(vs);
		H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, stride, count, block);
		/* Memory laid out as the file: the elements at their places. */
		phxfs_pattern_fill(v, sizeof(v), 50 + k, 0);
		PT_CHECK(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, fs, H5P_DEFAULT, v) >= 0,
			 "write same positions");
		H5Sclose(ms);
		H5Sclose(fs);
		H5Dclose(d);
	}
}

static void make_write_file(const char *path)
{
	hsize_t dims[2] = { 40, 60 }, chunk[2] = { 16, 16 };
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	hid_t sp = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
	hid_t d;

	H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
	d = H5Dcreate2(f, "contig", H5T_NATIVE_INT, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	H5Dclose(d);
	H5Pset_chunk(dcpl, 2, chunk);
	d = H5Dcreate2(f, "chunked", H5T_NATIVE_INT, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	H5Dclose(d);
	H5Pclose(dcpl);
	H5Sclose(sp);
	H5Fclose(f);
}

static void writes(void)
{
	char mine[1200], native[1200];
	static int a[40][60], b[40][60];
	struct phxfs_vol_stats s0, s1;
	hid_t fapl = fapl_of(1), f, g;

	path_of(mine, sizeof(mine), "writes_connector");
	path_of(native, sizeof(native), "writes_native");
	make_write_file(mine);
	make_write_file(native);
	f = H5Fopen(mine, H5F_ACC_RDWR, fapl);
	phxfs_vol_get_stats(&s0);
	write_sequence(f);
	phxfs_vol_get_stats(&s1);
	H5Fclose(f);
	H5Pclose(fapl);
	f = H5Fopen(native, H5F_ACC_RDWR, H5P_DEFAULT);
	write_sequence(f);
	H5Fclose(f);
	if (force_direct)
		PT_CHECK(s1.direct_writes == s0.direct_writes + 5,
			 "%llu direct writes, expected the 5 contiguous ones",
			 (unsigned long long)(s1.direct_writes - s0.direct_writes));
	else
		PT_CHECK(s1.direct_writes == s0.direct_writes, "host writes went directly");

	f = H5Fopen(mine, H5F_ACC_RDONLY, H5P_DEFAULT);
	g = H5Fopen(native, H5F_ACC_RDONLY, H5P_DEFAULT);
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "chunked" : "contig";
		hid_t d1 = H5Dopen2(f, name, H5P_DEFAULT), d2 = H5Dopen2(g, name, H5P_DEFAULT);

		memset(a, 1, sizeof(a));
		memset(b, 2, sizeof(b));
		H5Dread(d1, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a);
		H5Dread(d2, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, b);
		PT_CHECK(!memcmp(a, b, sizeof(a)), "%s: written through the connector differs", name);
		H5Dclose(d1);
		H5Dclose(d2);
	}
	H5Fclose(f);
	H5Fclose(g);
	printf("%-28s ok\n", "writes");
}

/* H5Dread_multi: each dataset takes its own path, all of them right. */
static void read_multi(void)
{
	static const struct read_case parts[] = {
		{ "multi_contig", 2, { 30, 40 }, { 0 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_ALL, 1, 0, 0, 0 },
		{ "multi_deflate", 2, { 30, 40 }, { 8, 8 }, 1, 0, 0, 0, 0, t_int, t_int, SEL_ALL, 0, 0, 0, 0 },
		{ "multi_chunked", 2, { 30, 40 }, { 8, 8 }, 0, 0, 0, 0, 0, t_int, t_int, SEL_ALL, 1, 0, 0, 0 },
	};
	static int got[3][30][40], want[3][30][40];
	hid_t dsets[3], types[3], ms[3], fs[3], fapl = fapl_of(1);
	void *bufs[3];
	char path[1200];
	struct phxfs_vol_stats a, b;

	/* One file holding the three: copy each case's dataset in. */
	path_of(path, sizeof(path), "multi");
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);

	for (int i = 0; i < 3; i++) {
		char one[1200];
		hid_t src;

		path_of(one, sizeof(one), parts[i].name);
		make_file(&parts[i], one);
		src = H5Fopen(one, H5F_ACC_RDONLY, H5P_DEFAULT);
		H5Ocopy(src, "data", f, parts[i].name, H5P_DEFAULT, H5P_DEFAULT);
		H5Fclose(src);
		dsets[i] = H5Dopen2(f, parts[i].name, H5P_DEFAULT);
		H5Dread(dsets[i], H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, want[i]);
		H5Dclose(dsets[i]);
	}
	H5Fclose(f);

	f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	for (int i = 0; i < 3; i++) {
		dsets[i] = H5Dopen2(f, parts[i].name, H5P_DEFAULT);
		types[i] = H5T_NATIVE_INT;
		ms[i] = fs[i] = H5S_ALL;
		bufs[i] = got[i];
	}
	memset(got, 0xEE, sizeof(got));
	phxfs_vol_get_stats(&a);
	PT_CHECK(H5Dread_multi(3, dsets, types, ms, fs, H5P_DEFAULT, bufs) >= 0, "H5Dread_multi");
	phxfs_vol_get_stats(&b);
	PT_CHECK(!memcmp(got, want, sizeof(got)), "H5Dread_multi: data differ");
	if (force_direct)
		PT_CHECK(b.direct_reads == a.direct_reads + 2 &&
			 b.fallback_reads == a.fallback_reads + 1,
			 "H5Dread_multi: %llu direct, %llu fallback; expected 2 and 1",
			 (unsigned long long)(b.direct_reads - a.direct_reads),
			 (unsigned long long)(b.fallback_reads - a.fallback_reads));
	for (int i = 0; i < 3; i++)
		H5Dclose(dsets[i]);
	H5Fclose(f);
	H5Pclose(fapl);
	printf("%-28s ok\n", "read_multi");
}

/* The info as a string and back: what HDF5 does to pass it on. */
static void info_round_trip(void)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), id = H5I_INVALID_HID;
	void *info = NULL, *back = NULL;
	char *str = NULL;
	int cmp = -1;

	PT_CHECK(phxfs_vol_set_fapl(fapl, 7) >= 0, "set_fapl");
	PT_CHECK(H5Pget_vol_id(fapl, &id) >= 0 && H5Pget_vol_info(fapl, &info) >= 0,
		 "the FAPL's connector and info");
	PT_CHECK(H5VLconnector_info_to_str(info, id, &str) >= 0 && str &&
		 !strcmp(str, "under_vol=0;under_info={};device=7"),
		 "info as a string: %s", str ? str : "(none)");
	PT_CHECK(H5VLconnector_str_to_info(str, id, &back) >= 0 && back &&
		 H5VLcmp_connector_info(&cmp, id, info, back) >= 0 && cmp == 0,
		 "the string gives the same info back");
	H5free_memory(str);
	H5VLfree_connector_info(id, info);
	H5VLfree_connector_info(id, back);
	H5VLclose(id);
	H5Pclose(fapl);
	/* And a bad one is refused (the message: hdf5.vol_info_parse). */
	id = phxfs_vol_register();
	H5E_BEGIN_TRY {
		PT_CHECK(H5VLconnector_str_to_info("under_vol=0;device=99", id, &back) < 0,
			 "device=99 accepted");
	} H5E_END_TRY
	H5VLclose(id);
	/* Every id closed: phxfs_vol_set_fapl's registration stays. */
	PT_CHECK(H5VLis_connector_registered_by_value(PHXFS_VOL_VALUE) > 0,
		 "the connector went when its last id closed");
	printf("%-28s ok\n", "info_round_trip");
}

int main(int argc, char **argv)
{
	const char *fd = getenv("PHXFS_VOL_FORCE_DIRECT");

	const char *env_dev = getenv("PHXFS_VOL_DEVICE");

	pt_init(argv[0]);
	if (argc != 2 && argc != 3)
		pt_fail("usage: %s DIR [DEVICE]", argv[0]);
	if (argc == 3)
		want_dev = info_device = atoi(argv[2]);
	else if (env_dev && *env_dev)
		want_dev = atoi(env_dev);
	/* A device this machine lacks (a GPU's ordinal past the last). */
	if (want_dev >= 0) {
		if (phxfs_open(want_dev))
			pt_skip("phxfs device %d cannot be opened here: %s",
				want_dev, strerror(errno));
		phxfs_close(want_dev);
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	force_direct = fd && !strcmp(fd, "1");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	vlen_strings();
	not_the_named_file();
	core_driver();
	grown_and_linked();
	read_write_same_file();
	writes();
	read_multi();
	info_round_trip();
	pt_note("%zu layouts read through the connector%s",
		sizeof(cases) / sizeof(cases[0]) + 2,
		force_direct ? " (direct path forced for host memory)" : "");
	return pt_summary();
}
