// SPDX-License-Identifier: MIT
/*
 * The wrapped object and the wrap callbacks: HDF5 wraps objects the
 * connector beneath made on its own (iteration callbacks, H5Iget_file_id)
 * through these.
 */
#include <stdlib.h>

#include "vol_callbacks.h"
#include "vol_internal.h"

#include <unistd.h>

struct phxvol_obj *phxvol_obj_new(void *under, hid_t under_vol_id,
				  int device_id)
{
	struct phxvol_obj *obj = calloc(1, sizeof(*obj));

	if (!obj) {
		PHXVOL_ERR("out of memory wrapping an object");
		return NULL;
	}
	obj->under = under;
	obj->under_vol_id = under_vol_id;
	obj->device_id = device_id;
	obj->fd = -1;
	H5Iinc_ref(under_vol_id);
	return obj;
}

void phxvol_obj_free(struct phxvol_obj *obj)
{
	if (!obj)
		return;
	if (obj->fd >= 0)
		close(obj->fd);
	/* Keep an error stack the caller is building: H5Idec_ref resets it. */
	hid_t err = H5Eget_current_stack();

	H5Idec_ref(obj->under_vol_id);
	H5Eset_current_stack(err);
	free(obj);
}

void phxvol_wrap_request(void **req, hid_t under_vol_id, int device_id)
{
	if (req && *req)
		*req = phxvol_obj_new(*req, under_vol_id, device_id);
}

void *phxvol_get_object(const void *obj)
{
	const struct phxvol_obj *o = obj;

	return H5VLget_object(o->under, o->under_vol_id);
}

herr_t phxvol_get_wrap_ctx(const void *obj, void **wrap_ctx)
{
	const struct phxvol_obj *o = obj;
	struct phxvol_wrap_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx) {
		PHXVOL_ERR("out of memory for a wrap context");
		return -1;
	}
	ctx->under_vol_id = o->under_vol_id;
	ctx->device_id = o->device_id;
	H5Iinc_ref(ctx->under_vol_id);
	if (H5VLget_wrap_ctx(o->under, o->under_vol_id, &ctx->under_wrap_ctx) < 0) {
		H5Idec_ref(ctx->under_vol_id);
		free(ctx);
		return -1;
	}
	*wrap_ctx = ctx;
	return 0;
}

void *phxvol_wrap_object(void *obj, H5I_type_t type, void *wrap_ctx)
{
	struct phxvol_wrap_ctx *ctx = wrap_ctx;
	void *under = H5VLwrap_object(obj, type, ctx->under_vol_id,
				      ctx->under_wrap_ctx);

	return under ? phxvol_obj_new(under, ctx->under_vol_id, ctx->device_id) :
		       NULL;
}

void *phxvol_unwrap_object(void *obj)
{
	struct phxvol_obj *o = obj;
	void *under = H5VLunwrap_object(o->under, o->under_vol_id);

	if (under)
		phxvol_obj_free(o);
	return under;
}

herr_t phxvol_free_wrap_ctx(void *wrap_ctx)
{
	struct phxvol_wrap_ctx *ctx = wrap_ctx;
	hid_t err = H5Eget_current_stack();
	herr_t ret = 0;

	if (ctx->under_wrap_ctx &&
	    H5VLfree_wrap_ctx(ctx->under_wrap_ctx, ctx->under_vol_id) < 0)
		ret = -1;
	H5Idec_ref(ctx->under_vol_id);
	H5Eset_current_stack(err);
	free(ctx);
	return ret;
}
