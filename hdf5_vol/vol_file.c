// SPDX-License-Identifier: MIT
/*
 * Files: the access property list handed down names the connector beneath
 * (and its info) instead of this one.
 */
#include <stdlib.h>

#include "vol_callbacks.h"
#include "vol_collective.h"
#include "vol_internal.h"

#define UNDER(o) (((struct phxvol_obj *)(o))->under)
#define UVOL(o) (((struct phxvol_obj *)(o))->under_vol_id)
#define DEV(o) (((struct phxvol_obj *)(o))->device_id)

/*
 * The FAPL for the connector beneath, from ours; its info is returned
 * (free with phxvol_info_free) so that the caller knows the device.
 */
static hid_t under_fapl(hid_t fapl, bool writable,
			struct phxfs_vol_info **info_out)
{
	struct phxfs_vol_info *info = NULL;
	hid_t under;

	if (H5Pget_vol_info(fapl, (void **)&info) < 0)
		return H5I_INVALID_HID;
	if (!info && phxvol_info_from_str(NULL, (void **)&info) < 0)
		return H5I_INVALID_HID;
	under = H5Pcopy(fapl);
	/*
	 * A direct write bypasses the library, whose sieve buffer (small
	 * pieces of contiguous datasets, kept after they are read or
	 * written) would then go stale: files open for writing do without.
	 */
	if (under < 0 ||
	    (writable && H5Pset_sieve_buf_size(under, 0) < 0) ||
	    H5Pset_vol(under, info->under_vol_id, info->under_vol_info) < 0) {
		if (under >= 0)
			H5Pclose(under);
		phxvol_info_free(info);
		return H5I_INVALID_HID;
	}
	*info_out = info;
	return under;
}

static void *file_wrap(void *under, const struct phxfs_vol_info *info,
		       void **req)
{
	if (!under)
		return NULL;
	phxvol_wrap_request(req, info->under_vol_id, info->device_id);
	return phxvol_obj_new(under, info->under_vol_id, info->device_id);
}

void *phxvol_file_create(const char *name, unsigned flags, hid_t fcpl,
			 hid_t fapl, hid_t dxpl, void **req)
{
	struct phxfs_vol_info *info;
	hid_t ufapl = under_fapl(fapl, true, &info);
	void *file;

	if (ufapl < 0)
		return NULL;
	file = file_wrap(H5VLfile_create(name, flags, fcpl, ufapl, dxpl, req),
			 info, req);
	H5Pclose(ufapl);
	phxvol_info_free(info);
	return file;
}

void *phxvol_file_open(const char *name, unsigned flags, hid_t fapl,
		       hid_t dxpl, void **req)
{
	struct phxfs_vol_info *info;
	hid_t ufapl = under_fapl(fapl, (flags & H5F_ACC_RDWR) != 0, &info);
	void *file;

	if (ufapl < 0)
		return NULL;
	file = file_wrap(H5VLfile_open(name, flags, ufapl, dxpl, req), info,
			 req);
	H5Pclose(ufapl);
	phxvol_info_free(info);
	return file;
}

herr_t phxvol_file_get(void *file, H5VL_file_get_args_t *args, hid_t dxpl,
		       void **req)
{
	herr_t ret = H5VLfile_get(UNDER(file), UVOL(file), args, dxpl, req);

	if (ret >= 0)
		phxvol_wrap_request(req, UVOL(file), DEV(file));
	return ret;
}

/*
 * Accessibility and deletion come without a file object: the FAPL says
 * which connector is beneath. Reopen makes a new file object; equality
 * compares two of ours.
 */
herr_t phxvol_file_specific(void *file, H5VL_file_specific_args_t *args,
			    hid_t dxpl, void **req)
{
	H5VL_file_specific_args_t my = *args;
	struct phxfs_vol_info *info = NULL;
	hid_t ufapl = H5I_INVALID_HID, uvol;
	void *under = file ? UNDER(file) : NULL;
	int dev = file ? DEV(file) : -1;
	herr_t ret;

	if (args->op_type == H5VL_FILE_IS_ACCESSIBLE ||
	    args->op_type == H5VL_FILE_DELETE) {
		hid_t fapl = args->op_type == H5VL_FILE_IS_ACCESSIBLE ?
				     args->args.is_accessible.fapl_id :
				     args->args.del.fapl_id;

		ufapl = under_fapl(fapl, false, &info);
		if (ufapl < 0)
			return -1;
		if (args->op_type == H5VL_FILE_IS_ACCESSIBLE)
			my.args.is_accessible.fapl_id = ufapl;
		else
			my.args.del.fapl_id = ufapl;
		uvol = info->under_vol_id;
		dev = info->device_id;
	} else {
		uvol = UVOL(file);
	}
	if (args->op_type == H5VL_FILE_IS_EQUAL && args->args.is_equal.obj2)
		my.args.is_equal.obj2 = UNDER(args->args.is_equal.obj2);

	ret = H5VLfile_specific(under, uvol, &my, dxpl, req);
	if (ret >= 0) {
		phxvol_wrap_request(req, uvol, dev);
		if (args->op_type == H5VL_FILE_REOPEN &&
		    *args->args.reopen.file)
			*args->args.reopen.file = phxvol_obj_new(
				*args->args.reopen.file, uvol, dev);
	}
	if (ufapl >= 0)
		H5Pclose(ufapl);
	if (info)
		phxvol_info_free(info);
	return ret;
}

herr_t phxvol_file_optional(void *file, H5VL_optional_args_t *args,
			    hid_t dxpl, void **req)
{
	herr_t ret = H5VLfile_optional(UNDER(file), UVOL(file), args, dxpl,
				       req);

	if (ret >= 0)
		phxvol_wrap_request(req, UVOL(file), DEV(file));
	return ret;
}

herr_t phxvol_file_close(void *file, hid_t dxpl, void **req)
{
	herr_t ret;

	/* Collective, like the close itself with the MPI-IO driver. */
	phxvol_collective_file_close(UNDER(file));
	ret = H5VLfile_close(UNDER(file), UVOL(file), dxpl, req);

	if (ret >= 0) {
		phxvol_wrap_request(req, UVOL(file), DEV(file));
		phxvol_obj_free(file);
	}
	return ret;
}
