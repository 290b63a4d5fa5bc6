// SPDX-License-Identifier: MIT
/*
 * Datasets: reads and writes try the direct path for device buffers (and
 * for host buffers with PHXFS_VOL_FORCE_DIRECT=1), one dataset at a time,
 * or all ranks together for a collective one; the rest goes to the
 * connector beneath as it came.
 */
#include <phxfs/phxfs.h>
#include <stdlib.h>

#include "vol_callbacks.h"
#include "vol_collective.h"
#include "vol_cuda.h"
#include "vol_direct.h"
#include "vol_internal.h"

#define UNDER(o) (((struct phxvol_obj *)(o))->under)
#define UVOL(o) (((struct phxvol_obj *)(o))->under_vol_id)
#define DEV(o) (((struct phxvol_obj *)(o))->device_id)

void *phxvol_dataset_create(void *obj, const H5VL_loc_params_t *loc,
			    const char *name, hid_t lcpl, hid_t type,
			    hid_t space, hid_t dcpl, hid_t dapl, hid_t dxpl,
			    void **req)
{
	void *under = H5VLdataset_create(UNDER(obj), loc, UVOL(obj), name, lcpl,
					 type, space, dcpl, dapl, dxpl, req);

	if (!under)
		return NULL;
	phxvol_wrap_request(req, UVOL(obj), DEV(obj));
	return phxvol_obj_new(under, UVOL(obj), DEV(obj));
}

void *phxvol_dataset_open(void *obj, const H5VL_loc_params_t *loc,
			  const char *name, hid_t dapl, hid_t dxpl, void **req)
{
	void *under = H5VLdataset_open(UNDER(obj), loc, UVOL(obj), name, dapl,
				       dxpl, req);

	if (!under)
		return NULL;
	phxvol_wrap_request(req, UVOL(obj), DEV(obj));
	return phxvol_obj_new(under, UVOL(obj), DEV(obj));
}

/*
 * Whether any buffer may take the direct path: CUDA device memory, memory
 * registered with phxfs (device memory of any kind the module serves), or
 * any with PHXFS_VOL_FORCE_DIRECT=1. Fills where each lives.
 */
static bool any_candidate(size_t count, struct phxvol_xfer *x)
{
	bool any = false;

	for (size_t i = 0; i < count; i++) {
		x[i].on_device = phxvol_cuda_is_device(x[i].buf,
						       &x[i].cuda_device,
						       &x[i].cuda_ctx);
		x[i].registered = phxfs_registered(phxvol_pick_device(&x[i]),
						   x[i].buf, 1) == 1;
		x[i].candidate = x[i].on_device || x[i].registered ||
				 phxvol_env.force_direct;
		any |= x[i].candidate;
	}
	return any;
}

/*
 * The call as it came, for the connector beneath: H5VLdataset_read or
 * H5VLdataset_write on the objects beneath @dset.
 */
static herr_t pass(bool write, size_t count, void *dset[], hid_t mem_type[],
		   hid_t mem_space[], hid_t file_space[], hid_t dxpl,
		   void *buf[], void **req)
{
	void **under = malloc((count ? count : 1) * sizeof(void *));
	herr_t ret;

	if (!under) {
		PHXVOL_ERR("out of memory");
		return -1;
	}
	for (size_t i = 0; i < count; i++)
		under[i] = UNDER(dset[i]);
	ret = write ? H5VLdataset_write(count, under, UVOL(dset[0]), mem_type,
					mem_space, file_space, dxpl,
					(const void **)buf, req) :
		      H5VLdataset_read(count, under, UVOL(dset[0]), mem_type,
				       mem_space, file_space, dxpl, buf, req);
	if (ret >= 0)
		phxvol_wrap_request(req, UVOL(dset[0]), DEV(dset[0]));
	free(under);
	return ret;
}

/*
 * Each transfer straight between the file and @buf where it can, else
 * through a host bounce; all beneath when none of the buffers could go
 * straight.
 */
static herr_t transfer(bool write, size_t count, void *dset[],
		       hid_t mem_type[], hid_t mem_space[], hid_t file_space[],
		       hid_t dxpl, void *buf[], void **req)
{
	struct phxvol_xfer *x = calloc(count ? count : 1, sizeof(*x));
	herr_t ret = 0;
	int direct;
	bool any;

	if (!x) {
		PHXVOL_ERR("out of memory");
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		x[i].dset = dset[i];
		x[i].mem_type = mem_type[i];
		x[i].mem_space = mem_space[i];
		x[i].file_space = file_space[i];
		x[i].dxpl = dxpl;
		x[i].buf = buf[i];
	}
	any = any_candidate(count, x);
	/* Collective transfers: every rank direct, or every rank as below. */
	direct = phxvol_collective_transfer(x, count, write);
	if (direct) {
		ret = direct < 0 ? -1 : 0;
		goto done;
	}
	if (!any) {
		for (size_t i = 0; i < count; i++)
			phxvol_stat_add(write ? PHXVOL_FALLBACK_WRITE :
						PHXVOL_FALLBACK_READ, 0);
		ret = pass(write, count, dset, mem_type, mem_space, file_space,
			   dxpl, buf, req);
		goto out;
	}
	for (size_t i = 0; i < count && ret >= 0; i++) {
		direct = !x[i].candidate ? 0 :
			 write ? phxvol_direct_write(&x[i]) :
				 phxvol_direct_read(&x[i]);
		if (direct < 0)
			ret = -1;
		else if (direct == 0)
			ret = write ? phxvol_bounce_write(&x[i], NULL) :
				      phxvol_bounce_read(&x[i], NULL);
	}
done:
	/* Done synchronously: the library waits for no request. */
	if (req)
		*req = NULL;
out:
	free(x);
	return ret;
}

herr_t phxvol_dataset_read(size_t count, void *dset[], hid_t mem_type[],
			   hid_t mem_space[], hid_t file_space[], hid_t dxpl,
			   void *buf[], void **req)
{
	return transfer(false, count, dset, mem_type, mem_space, file_space,
			dxpl, buf, req);
}

/* HDF5 hands writes const buffers; the transfer only reads them. */
herr_t phxvol_dataset_write(size_t count, void *dset[], hid_t mem_type[],
			    hid_t mem_space[], hid_t file_space[], hid_t dxpl,
			    const void *buf[], void **req)
{
	return transfer(true, count, dset, mem_type, mem_space, file_space,
			dxpl, (void **)buf, req);
}

herr_t phxvol_dataset_get(void *dset, H5VL_dataset_get_args_t *args,
			  hid_t dxpl, void **req)
{
	herr_t ret = H5VLdataset_get(UNDER(dset), UVOL(dset), args, dxpl, req);

	if (ret >= 0)
		phxvol_wrap_request(req, UVOL(dset), DEV(dset));
	return ret;
}

herr_t phxvol_dataset_specific(void *obj, H5VL_dataset_specific_args_t *args,
			       hid_t dxpl, void **req)
{
	herr_t ret = H5VLdataset_specific(UNDER(obj), UVOL(obj), args, dxpl,
					  req);

	if (ret >= 0)
		phxvol_wrap_request(req, UVOL(obj), DEV(obj));
	return ret;
}

herr_t phxvol_dataset_optional(void *obj, H5VL_optional_args_t *args,
			       hid_t dxpl, void **req)
{
	herr_t ret = H5VLdataset_optional(UNDER(obj), UVOL(obj), args, dxpl,
					  req);

	if (ret >= 0)
		phxvol_wrap_request(req, UVOL(obj), DEV(obj));
	return ret;
}

herr_t phxvol_dataset_close(void *dset, hid_t dxpl, void **req)
{
	herr_t ret = H5VLdataset_close(UNDER(dset), UVOL(dset), dxpl, req);

	if (ret >= 0) {
		phxvol_wrap_request(req, UVOL(dset), DEV(dset));
		phxvol_obj_free(dset);
	}
	return ret;
}
