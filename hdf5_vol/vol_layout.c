// SPDX-License-Identifier: MIT
/* Layout and file queries for the direct path (vol_layout.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_DIRECT; HDF5's flags usually define it */
#endif
#include "vol_layout.h"

/* Chunk and contiguous addresses with the user block counted in. */
#if !H5_VERSION_GE(1, 14, 4)
#error "HDF5 1.14.4 or later is needed (chunk addresses with the user block)"
#endif

#include <errno.h>
#include <fcntl.h>
#include <phxfs/phxfs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static hid_t dataset_get_id(struct phxvol_obj *d, H5VL_dataset_get_t op)
{
	H5VL_dataset_get_args_t args = { .op_type = op };
	hid_t id;

	if (H5VLdataset_get(d->under, d->under_vol_id, &args, H5P_DATASET_XFER_DEFAULT,
			    NULL) < 0)
		return H5I_INVALID_HID;
	switch (op) {
	case H5VL_DATASET_GET_TYPE:
		id = args.args.get_type.type_id;
		break;
	case H5VL_DATASET_GET_DCPL:
		id = args.args.get_dcpl.dcpl_id;
		break;
	case H5VL_DATASET_GET_SPACE:
		id = args.args.get_space.space_id;
		break;
	default:
		id = H5I_INVALID_HID;
	}
	return id;
}

/*
 * A native dataset operation whose failure only means "not directly": no
 * error is printed or left on the stack.
 */
static herr_t native_dataset_op(struct phxvol_obj *d, int op,
				H5VL_native_dataset_optional_args_t *nargs)
{
	H5VL_optional_args_t args = { .op_type = op, .args = nargs };
	herr_t ret = -1;

	H5E_BEGIN_TRY {
		ret = H5VLdataset_optional(d->under, d->under_vol_id, &args,
					   H5P_DATASET_XFER_DEFAULT, NULL);
	} H5E_END_TRY
	return ret;
}

/*
 * Whether the file holds the elements themselves: not variable-length data
 * or references (heap IDs, tokens), at any depth of compounds and arrays.
 */
static bool stored_as_is(hid_t type)
{
	H5T_class_t cls = H5Tget_class(type);
	bool ok = true;

	switch (cls) {
	case H5T_VLEN:
	case H5T_REFERENCE:
	case H5T_NO_CLASS:
		return false;
	case H5T_STRING:
		return H5Tis_variable_str(type) == 0;
	case H5T_ARRAY:
	case H5T_ENUM: {
		hid_t base = H5Tget_super(type);

		ok = base >= 0 && stored_as_is(base);
		if (base >= 0)
			H5Tclose(base);
		return ok;
	}
	case H5T_COMPOUND: {
		int n = H5Tget_nmembers(type);

		if (n < 0)
			return false;
		for (unsigned i = 0; ok && i < (unsigned)n; i++) {
			hid_t member = H5Tget_member_type(type, i);

			ok = member >= 0 && stored_as_is(member);
			if (member >= 0)
				H5Tclose(member);
		}
		return ok;
	}
	default:
		return true;
	}
}

int phxvol_layout_query(struct phxvol_obj *dset, hid_t mem_type,
			struct phxvol_layout *l, const char **why)
{
	H5VL_class_value_t value = -1;
	hid_t ftype = H5I_INVALID_HID, dcpl = H5I_INVALID_HID,
	      space = H5I_INVALID_HID;
	int ret = -1;

	memset(l, 0, sizeof(*l));
	l->dset = dset;
	if (H5VLget_value(dset->under_vol_id, &value) < 0)
		return -1;
	if (value != H5_VOL_NATIVE) {
		*why = "the connector beneath is not the native one";
		return 0;
	}
	if (phxvol_file_facts(dset) < 0)
		return -1;
	ftype = dataset_get_id(dset, H5VL_DATASET_GET_TYPE);
	dcpl = dataset_get_id(dset, H5VL_DATASET_GET_DCPL);
	space = dataset_get_id(dset, H5VL_DATASET_GET_SPACE);
	if (ftype < 0 || dcpl < 0 || space < 0)
		goto out;

	ret = 0;
	if (H5Tequal(mem_type, ftype) <= 0) {
		*why = "the memory type differs from the stored type";
		goto out;
	}
	if (!stored_as_is(ftype)) {
		*why = "variable-length or reference data";
		goto out;
	}
	l->esize = H5Tget_size(ftype);
	l->rank = H5Sget_simple_extent_dims(space, l->dims, NULL);
	if (l->rank < 1 || l->esize == 0) {
		*why = "a scalar or empty dataspace";
		goto out;
	}
	if (H5Pget_external_count(dcpl) > 0) {
		*why = "external storage";
		goto out;
	}
	switch (H5Pget_layout(dcpl)) {
	case H5D_CONTIGUOUS: {
		H5VL_native_dataset_optional_args_t nargs;
		haddr_t addr = HADDR_UNDEF;

		nargs.get_offset.offset = &addr;
		if (native_dataset_op(dset, H5VL_NATIVE_DATASET_GET_OFFSET,
				      &nargs) < 0 || addr == HADDR_UNDEF) {
			/* Not allocated yet: the fill value is HDF5's business. */
			*why = "contiguous storage not allocated";
			goto out;
		}
		l->addr = addr;
		memcpy(l->chunk, l->dims, sizeof(l->dims));
		break;
	}
	case H5D_CHUNKED:
		if (H5Pget_nfilters(dcpl) != 0) {
			*why = "filtered chunks";
			goto out;
		}
		if (H5Pget_chunk(dcpl, l->rank, l->chunk) != l->rank) {
			ret = -1;
			goto out;
		}
		l->chunked = true;
		l->chunk_bytes = l->esize;
		for (int d = 0; d < l->rank; d++)
			l->chunk_bytes *= l->chunk[d];
		break;
	default:
		*why = "compact or virtual layout";
		goto out;
	}
	ret = 1;
out:
	if (ftype >= 0)
		H5Tclose(ftype);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (space >= 0)
		H5Sclose(space);
	return ret;
}

/* The chunk at @coords (its first element) in the row-major grid. */
static hsize_t grid_index(const struct phxvol_layout *l, const hsize_t *coords)
{
	hsize_t at = 0;

	for (int d = 0; d < l->rank; d++)
		at = at * l->grid[d] + coords[d] / l->chunk[d];
	return at;
}

/* Chunks read directly: allocated, whole, unfiltered. */
static haddr_t usable(const struct phxvol_layout *l, haddr_t addr,
		      hsize_t size, unsigned mask)
{
	/* Unallocated (fill values), or not stored whole: not ours to read. */
	if (addr == HADDR_UNDEF || size != l->chunk_bytes || mask)
		return HADDR_UNDEF;
	return addr;
}

static int table_add(const hsize_t *offset, unsigned mask, haddr_t addr,
		     hsize_t size, void *data)
{
	struct phxvol_layout *l = data;

	for (int d = 0; d < l->rank; d++)
		if (offset[d] % l->chunk[d] || offset[d] / l->chunk[d] >= l->grid[d])
			return H5_ITER_CONT;	/* not of the grid: never asked */
	l->table[grid_index(l, offset)] = usable(l, addr, size, mask);
	return H5_ITER_CONT;
}

/* At most this many chunks in a table: 32 MiB of addresses. */
#define TABLE_MAX ((hsize_t)1 << 22)

int phxvol_chunk_table_load(struct phxvol_layout *l, hsize_t touched)
{
	H5VL_native_dataset_optional_args_t nargs;
	hsize_t total = 1;

	if (!l->chunked || touched < 64)
		return 0;
	for (int d = 0; d < l->rank; d++) {
		l->grid[d] = (l->dims[d] + l->chunk[d] - 1) / l->chunk[d];
		if (!l->grid[d] || l->grid[d] > TABLE_MAX / total)
			return 0;
		total *= l->grid[d];
	}
	/* The walk visits every chunk: the selection must touch enough. */
	if (total > 8 * touched)
		return 0;
	l->table = malloc(total * sizeof(*l->table));
	if (!l->table)
		return -1;
	for (hsize_t i = 0; i < total; i++)
		l->table[i] = HADDR_UNDEF;
	nargs.chunk_iter.op = table_add;
	nargs.chunk_iter.op_data = l;
	if (native_dataset_op(l->dset, H5VL_NATIVE_DATASET_CHUNK_ITER,
			      &nargs) < 0) {
		free(l->table);
		l->table = NULL;
		return 0;
	}
	return 1;
}

void phxvol_layout_free(struct phxvol_layout *l)
{
	free(l->table);
	l->table = NULL;
}

haddr_t phxvol_chunk_addr(void *layout, const hsize_t *coords)
{
	struct phxvol_layout *l = layout;
	H5VL_native_dataset_optional_args_t nargs;
	unsigned mask = 0;
	haddr_t addr = HADDR_UNDEF;
	hsize_t size = 0;

	if (!l->chunked)
		return l->addr;
	if (l->table)
		return l->table[grid_index(l, coords)];
	nargs.get_chunk_info_by_coord.offset = coords;
	nargs.get_chunk_info_by_coord.filter_mask = &mask;
	nargs.get_chunk_info_by_coord.addr = &addr;
	nargs.get_chunk_info_by_coord.size = &size;
	if (native_dataset_op(l->dset, H5VL_NATIVE_DATASET_GET_CHUNK_INFO_BY_COORD,
			      &nargs) < 0)
		return HADDR_UNDEF;
	/* Absolute, user block included, like the contiguous offset. */
	return usable(l, addr, size, mask);
}

/* The file object beneath @dset (owned by the library: not closed). */
void *phxvol_under_file(struct phxvol_obj *dset)
{
	H5VL_object_get_args_t args = { .op_type = H5VL_OBJECT_GET_FILE };
	H5VL_loc_params_t loc = { .type = H5VL_OBJECT_BY_SELF,
				  .obj_type = H5I_DATASET };
	void *file = NULL;

	args.args.get_file.file = &file;
	if (H5VLobject_get(dset->under, &loc, dset->under_vol_id, &args,
			   H5P_DATASET_XFER_DEFAULT, NULL) < 0)
		return NULL;
	return file;
}

hid_t phxvol_file_fapl(struct phxvol_obj *dset)
{
	H5VL_file_get_args_t args = { .op_type = H5VL_FILE_GET_FAPL };
	void *file = phxvol_under_file(dset);

	if (!file || H5VLfile_get(file, dset->under_vol_id, &args,
				  H5P_DATASET_XFER_DEFAULT, NULL) < 0)
		return H5I_INVALID_HID;
	return args.args.get_fapl.fapl_id;
}

#ifdef H5_HAVE_PARALLEL
/*
 * Whether @file has an MPI driver, asked without its FAPL: HDF5's copy of
 * an MPI file's FAPL duplicates the communicator (MPI_Comm_dup, collective)
 * while the direct path may run on some ranks only (independent I/O), and
 * would then wait forever. Only MPI drivers have an atomicity mode, and
 * reading it is local.
 */
static bool mpi_driver(struct phxvol_obj *dset, void *file)
{
	H5VL_native_file_optional_args_t nargs;
	H5VL_optional_args_t args = {
		.op_type = H5VL_NATIVE_FILE_GET_MPI_ATOMICITY, .args = &nargs
	};
	hbool_t atomic = false;
	herr_t ret = -1;

	nargs.get_mpi_atomicity.flag = &atomic;
	H5E_BEGIN_TRY {
		ret = H5VLfile_optional(file, dset->under_vol_id, &args,
					H5P_DATASET_XFER_DEFAULT, NULL);
	} H5E_END_TRY
	return ret >= 0;
}
#endif

int phxvol_file_facts(struct phxvol_obj *dset)
{
	H5VL_file_get_args_t args;
	void *file;
	unsigned intent = 0, min_meta = 0, min_raw = 0;
	size_t page_buf = 0;
	hid_t fapl, driver;

	if (dset->file_known)
		return 0;
	file = phxvol_under_file(dset);
	if (!file)
		return -1;
	args = (H5VL_file_get_args_t){ .op_type = H5VL_FILE_GET_INTENT };
	args.args.get_intent.flags = &intent;
	if (H5VLfile_get(file, dset->under_vol_id, &args,
			 H5P_DATASET_XFER_DEFAULT, NULL) < 0)
		return -1;
	dset->file_rdwr = (intent & H5F_ACC_RDWR) != 0;
#ifdef H5_HAVE_PARALLEL
	if (mpi_driver(dset, file)) {
		dset->file_mpio = true;
		dset->file_sec2 = false;
#if defined(H5_HAVE_SUBFILING_VFD) || defined(H5_HAVE_IOC_VFD)
		/* Perhaps subfiling, its data in other files: not ours. */
		dset->file_named = false;
#else
		dset->file_named = true;	/* MPI-IO, the only one */
#endif
		/* Parallel HDF5 refuses a page buffer. */
		dset->file_paged = false;
		dset->file_known = true;
		return 0;
	}
#endif
	fapl = phxvol_file_fapl(dset);
	if (fapl < 0)
		return -1;
	driver = H5Pget_driver(fapl);
	/*
	 * Only drivers that keep the data, at its addresses, in the file
	 * HDF5 was given: not core (memory), family, multi or split.
	 */
	dset->file_sec2 = driver == H5FD_SEC2 || driver == H5FD_DIRECT;
	dset->file_named = dset->file_sec2 || dset->file_mpio;
	dset->file_paged = H5Pget_page_buffer_size(fapl, &page_buf, &min_meta,
						   &min_raw) < 0 ||
			   page_buf > 0;
	H5Pclose(fapl);
	dset->file_known = true;
	return 0;
}

int phxvol_file_flush(struct phxvol_obj *dset, hid_t dxpl)
{
	H5VL_file_specific_args_t args = { .op_type = H5VL_FILE_FLUSH };
	void *file = phxvol_under_file(dset);

	if (!file)
		return -1;
	args.args.flush.obj_type = H5I_FILE;
	args.args.flush.scope = H5F_SCOPE_LOCAL;
	return H5VLfile_specific(file, dset->under_vol_id, &args, dxpl, NULL) < 0 ?
		       -1 : 0;
}

/*
 * For the sec2 and direct drivers: whether @fd is the file HDF5 has open
 * (not another one at that name since: renamed, replaced, or a relative
 * name after a chdir).
 */
static bool same_file_as_hdf5(struct phxvol_obj *dset, int fd)
{
	H5VL_native_file_optional_args_t nargs;
	H5VL_optional_args_t args = { .op_type = H5VL_NATIVE_FILE_GET_VFD_HANDLE,
				      .args = &nargs };
	void *file = phxvol_under_file(dset), *handle = NULL;
	struct stat a, b;

	if (!dset->file_sec2)
		return true;
	nargs.get_vfd_handle.fapl_id = H5P_FILE_ACCESS_DEFAULT;
	nargs.get_vfd_handle.file_handle = &handle;
	if (!file)
		return false;
	H5E_BEGIN_TRY {
		if (H5VLfile_optional(file, dset->under_vol_id, &args,
				      H5P_DATASET_XFER_DEFAULT, NULL) < 0)
			handle = NULL;
	} H5E_END_TRY
	if (!handle)
		return false;
	return fstat(*(int *)handle, &a) == 0 && fstat(fd, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

char *phxvol_file_name(struct phxvol_obj *dset)
{
	H5VL_file_get_args_t args = { .op_type = H5VL_FILE_GET_NAME };
	size_t len = 0;
	char *name;

	/* The name, as the file was opened: first its length. */
	args.args.get_name.type = H5I_DATASET;
	args.args.get_name.buf_size = 0;
	args.args.get_name.buf = NULL;
	args.args.get_name.file_name_len = &len;
	if (H5VLfile_get(dset->under, dset->under_vol_id, &args,
			 H5P_DATASET_XFER_DEFAULT, NULL) < 0)
		return NULL;
	name = malloc(len + 1);
	if (!name)
		return NULL;
	args.args.get_name.buf_size = len + 1;
	args.args.get_name.buf = name;
	if (H5VLfile_get(dset->under, dset->under_vol_id, &args,
			 H5P_DATASET_XFER_DEFAULT, NULL) < 0) {
		free(name);
		return NULL;
	}
	return name;
}

int phxvol_dataset_fd(struct phxvol_obj *dset, bool odirect)
{
	char *name;
	int flags;

	if (dset->fd >= 0)
		return dset->fd;
	if (dset->fd_failed)
		return -1;
	dset->fd_failed = true;		/* until it works */
	name = phxvol_file_name(dset);
	if (!name)
		return -1;
	/*
	 * Writes need the descriptor open for reading too (phxfs_write).
	 * O_DIRECT where the module maps device memory, so that the storage
	 * DMAs into it; a file system that refuses it gets a plain open.
	 */
	flags = (dset->file_rdwr ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	if (odirect)
		dset->fd = open(name, flags | O_DIRECT);
	if (dset->fd < 0)
		dset->fd = open(name, flags);
	free(name);
	if (dset->fd >= 0 && !same_file_as_hdf5(dset, dset->fd)) {
		close(dset->fd);
		dset->fd = -1;
	}
	if (dset->fd >= 0)
		dset->fd_failed = false;
	return dset->fd;
}
