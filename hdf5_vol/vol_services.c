// SPDX-License-Identifier: MIT
/*
 * Introspection, asynchronous requests, blobs, tokens and the catch-all
 * optional callback: handed to the connector beneath.
 */
#include "vol_callbacks.h"
#include "vol_internal.h"

#define UNDER(o) (((struct phxvol_obj *)(o))->under)
#define UVOL(o) (((struct phxvol_obj *)(o))->under_vol_id)

/* ---- introspection ---- */

herr_t phxvol_introspect_get_conn_cls(void *obj, H5VL_get_conn_lvl_t lvl,
				      const H5VL_class_t **conn_cls)
{
	if (lvl == H5VL_GET_CONN_LVL_CURR) {
		*conn_cls = &phxvol_class;
		return 0;
	}
	return H5VLintrospect_get_conn_cls(UNDER(obj), UVOL(obj), lvl,
					   conn_cls);
}

/* What the connector can do is what the one beneath can. */
herr_t phxvol_introspect_get_cap_flags(const void *info, uint64_t *cap_flags)
{
	const struct phxfs_vol_info *i = info;
	struct phxfs_vol_info *dflt = NULL;
	herr_t ret;

	if (!i) {
		if (phxvol_info_from_str(NULL, (void **)&dflt) < 0)
			return -1;
		i = dflt;
	}
	ret = H5VLintrospect_get_cap_flags(i->under_vol_info, i->under_vol_id,
					   cap_flags);
	if (dflt)
		phxvol_info_free(dflt);
	return ret;
}

herr_t phxvol_introspect_opt_query(void *obj, H5VL_subclass_t cls,
				   int opt_type, uint64_t *flags)
{
	return H5VLintrospect_opt_query(UNDER(obj), UVOL(obj), cls, opt_type,
					flags);
}

/* ---- requests ---- */

herr_t phxvol_request_wait(void *req, uint64_t timeout,
			   H5VL_request_status_t *status)
{
	return H5VLrequest_wait(UNDER(req), UVOL(req), timeout, status);
}

herr_t phxvol_request_notify(void *req, H5VL_request_notify_t cb, void *ctx)
{
	return H5VLrequest_notify(UNDER(req), UVOL(req), cb, ctx);
}

herr_t phxvol_request_cancel(void *req, H5VL_request_status_t *status)
{
	return H5VLrequest_cancel(UNDER(req), UVOL(req), status);
}

herr_t phxvol_request_specific(void *req, H5VL_request_specific_args_t *args)
{
	return H5VLrequest_specific(UNDER(req), UVOL(req), args);
}

herr_t phxvol_request_optional(void *req, H5VL_optional_args_t *args)
{
	return H5VLrequest_optional(UNDER(req), UVOL(req), args);
}

herr_t phxvol_request_free(void *req)
{
	herr_t ret = H5VLrequest_free(UNDER(req), UVOL(req));

	if (ret >= 0)
		phxvol_obj_free(req);
	return ret;
}

/* ---- blobs (variable-length data, references) ---- */

herr_t phxvol_blob_put(void *obj, const void *buf, size_t size, void *blob_id,
		       void *ctx)
{
	return H5VLblob_put(UNDER(obj), UVOL(obj), buf, size, blob_id, ctx);
}

herr_t phxvol_blob_get(void *obj, const void *blob_id, void *buf, size_t size,
		       void *ctx)
{
	return H5VLblob_get(UNDER(obj), UVOL(obj), blob_id, buf, size, ctx);
}

herr_t phxvol_blob_specific(void *obj, void *blob_id,
			    H5VL_blob_specific_args_t *args)
{
	return H5VLblob_specific(UNDER(obj), UVOL(obj), blob_id, args);
}

herr_t phxvol_blob_optional(void *obj, void *blob_id,
			    H5VL_optional_args_t *args)
{
	return H5VLblob_optional(UNDER(obj), UVOL(obj), blob_id, args);
}

/* ---- object tokens ---- */

herr_t phxvol_token_cmp(void *obj, const H5O_token_t *t1,
			const H5O_token_t *t2, int *cmp)
{
	return H5VLtoken_cmp(UNDER(obj), UVOL(obj), t1, t2, cmp);
}

herr_t phxvol_token_to_str(void *obj, H5I_type_t type, const H5O_token_t *t,
			   char **str)
{
	return H5VLtoken_to_str(UNDER(obj), type, UVOL(obj), t, str);
}

herr_t phxvol_token_from_str(void *obj, H5I_type_t type, const char *str,
			     H5O_token_t *t)
{
	return H5VLtoken_from_str(UNDER(obj), type, UVOL(obj), str, t);
}

/* ---- catch-all ---- */

herr_t phxvol_optional(void *obj, H5VL_optional_args_t *args, hid_t dxpl,
		       void **req)
{
	herr_t ret = H5VLoptional(UNDER(obj), UVOL(obj), args, dxpl, req);

	if (ret >= 0)
		phxvol_wrap_request(req, UVOL(obj),
				    ((struct phxvol_obj *)obj)->device_id);
	return ret;
}
