// SPDX-License-Identifier: MIT
/*
 * Attributes, named datatypes, groups, links and objects: handed to the
 * connector beneath unchanged, with objects unwrapped on the way down and
 * new ones (and requests) wrapped on the way up.
 */
#include "vol_callbacks.h"
#include "vol_internal.h"

#define UNDER(o) (((struct phxvol_obj *)(o))->under)
#define UVOL(o) (((struct phxvol_obj *)(o))->under_vol_id)
#define DEV(o) (((struct phxvol_obj *)(o))->device_id)

/* Wraps a new object from the connector beneath, and the request. */
static void *wrap_new(void *under, const struct phxvol_obj *parent, void **req)
{
	if (!under)
		return NULL;
	phxvol_wrap_request(req, parent->under_vol_id, parent->device_id);
	return phxvol_obj_new(under, parent->under_vol_id, parent->device_id);
}

static herr_t done(herr_t ret, const void *obj, void **req)
{
	if (ret >= 0)
		phxvol_wrap_request(req, UVOL(obj), DEV(obj));
	return ret;
}

/* Closing: the wrapper goes once the object beneath is closed. */
static herr_t close_done(herr_t ret, void *obj, void **req)
{
	if (ret >= 0) {
		phxvol_wrap_request(req, UVOL(obj), DEV(obj));
		phxvol_obj_free(obj);
	}
	return ret;
}

/* ---- H5A ---- */

void *phxvol_attr_create(void *obj, const H5VL_loc_params_t *loc,
			 const char *name, hid_t type, hid_t space, hid_t acpl,
			 hid_t aapl, hid_t dxpl, void **req)
{
	return wrap_new(H5VLattr_create(UNDER(obj), loc, UVOL(obj), name, type,
					space, acpl, aapl, dxpl, req),
			obj, req);
}

void *phxvol_attr_open(void *obj, const H5VL_loc_params_t *loc,
		       const char *name, hid_t aapl, hid_t dxpl, void **req)
{
	return wrap_new(H5VLattr_open(UNDER(obj), loc, UVOL(obj), name, aapl,
				      dxpl, req),
			obj, req);
}

herr_t phxvol_attr_read(void *attr, hid_t mem_type, void *buf, hid_t dxpl,
			void **req)
{
	return done(H5VLattr_read(UNDER(attr), UVOL(attr), mem_type, buf, dxpl,
				  req),
		    attr, req);
}

herr_t phxvol_attr_write(void *attr, hid_t mem_type, const void *buf,
			 hid_t dxpl, void **req)
{
	return done(H5VLattr_write(UNDER(attr), UVOL(attr), mem_type, buf, dxpl,
				   req),
		    attr, req);
}

herr_t phxvol_attr_get(void *obj, H5VL_attr_get_args_t *args, hid_t dxpl,
		       void **req)
{
	return done(H5VLattr_get(UNDER(obj), UVOL(obj), args, dxpl, req), obj,
		    req);
}

herr_t phxvol_attr_specific(void *obj, const H5VL_loc_params_t *loc,
			    H5VL_attr_specific_args_t *args, hid_t dxpl,
			    void **req)
{
	return done(H5VLattr_specific(UNDER(obj), loc, UVOL(obj), args, dxpl,
				      req),
		    obj, req);
}

herr_t phxvol_attr_optional(void *obj, H5VL_optional_args_t *args, hid_t dxpl,
			    void **req)
{
	return done(H5VLattr_optional(UNDER(obj), UVOL(obj), args, dxpl, req),
		    obj, req);
}

herr_t phxvol_attr_close(void *attr, hid_t dxpl, void **req)
{
	return close_done(H5VLattr_close(UNDER(attr), UVOL(attr), dxpl, req),
			  attr, req);
}

/* ---- H5T (committed datatypes) ---- */

void *phxvol_datatype_commit(void *obj, const H5VL_loc_params_t *loc,
			     const char *name, hid_t type, hid_t lcpl,
			     hid_t tcpl, hid_t tapl, hid_t dxpl, void **req)
{
	return wrap_new(H5VLdatatype_commit(UNDER(obj), loc, UVOL(obj), name,
					    type, lcpl, tcpl, tapl, dxpl, req),
			obj, req);
}

void *phxvol_datatype_open(void *obj, const H5VL_loc_params_t *loc,
			   const char *name, hid_t tapl, hid_t dxpl, void **req)
{
	return wrap_new(H5VLdatatype_open(UNDER(obj), loc, UVOL(obj), name,
					  tapl, dxpl, req),
			obj, req);
}

herr_t phxvol_datatype_get(void *dt, H5VL_datatype_get_args_t *args,
			   hid_t dxpl, void **req)
{
	return done(H5VLdatatype_get(UNDER(dt), UVOL(dt), args, dxpl, req), dt,
		    req);
}

herr_t phxvol_datatype_specific(void *obj, H5VL_datatype_specific_args_t *args,
				hid_t dxpl, void **req)
{
	return done(H5VLdatatype_specific(UNDER(obj), UVOL(obj), args, dxpl,
					  req),
		    obj, req);
}

herr_t phxvol_datatype_optional(void *obj, H5VL_optional_args_t *args,
				hid_t dxpl, void **req)
{
	return done(H5VLdatatype_optional(UNDER(obj), UVOL(obj), args, dxpl,
					  req),
		    obj, req);
}

herr_t phxvol_datatype_close(void *dt, hid_t dxpl, void **req)
{
	return close_done(H5VLdatatype_close(UNDER(dt), UVOL(dt), dxpl, req),
			  dt, req);
}

/* ---- H5G ---- */

void *phxvol_group_create(void *obj, const H5VL_loc_params_t *loc,
			  const char *name, hid_t lcpl, hid_t gcpl, hid_t gapl,
			  hid_t dxpl, void **req)
{
	return wrap_new(H5VLgroup_create(UNDER(obj), loc, UVOL(obj), name, lcpl,
					 gcpl, gapl, dxpl, req),
			obj, req);
}

void *phxvol_group_open(void *obj, const H5VL_loc_params_t *loc,
			const char *name, hid_t gapl, hid_t dxpl, void **req)
{
	return wrap_new(H5VLgroup_open(UNDER(obj), loc, UVOL(obj), name, gapl,
				       dxpl, req),
			obj, req);
}

herr_t phxvol_group_get(void *obj, H5VL_group_get_args_t *args, hid_t dxpl,
			void **req)
{
	return done(H5VLgroup_get(UNDER(obj), UVOL(obj), args, dxpl, req), obj,
		    req);
}

herr_t phxvol_group_specific(void *obj, H5VL_group_specific_args_t *args,
			     hid_t dxpl, void **req)
{
	H5VL_group_specific_args_t my = *args;

	/* Mounting names a second file: the one beneath is mounted. */
	if (args->op_type == H5VL_GROUP_MOUNT && args->args.mount.child_file)
		my.args.mount.child_file = UNDER(args->args.mount.child_file);
	return done(H5VLgroup_specific(UNDER(obj), UVOL(obj), &my, dxpl, req),
		    obj, req);
}

herr_t phxvol_group_optional(void *obj, H5VL_optional_args_t *args,
			     hid_t dxpl, void **req)
{
	return done(H5VLgroup_optional(UNDER(obj), UVOL(obj), args, dxpl, req),
		    obj, req);
}

herr_t phxvol_group_close(void *grp, hid_t dxpl, void **req)
{
	return close_done(H5VLgroup_close(UNDER(grp), UVOL(grp), dxpl, req),
			  grp, req);
}

/* ---- H5L ---- */

herr_t phxvol_link_create(H5VL_link_create_args_t *args, void *obj,
			  const H5VL_loc_params_t *loc, hid_t lcpl, hid_t lapl,
			  hid_t dxpl, void **req)
{
	struct phxvol_obj *o = obj;
	H5VL_link_create_args_t under_args = *args;

	/* A hard link's target is ours too; obj may be NULL (H5Llink). */
	if (args->op_type == H5VL_LINK_CREATE_HARD &&
	    args->args.hard.curr_obj) {
		struct phxvol_obj *cur = args->args.hard.curr_obj;

		under_args.args.hard.curr_obj = cur->under;
		if (!o)
			o = cur;
	}
	if (!o) {
		PHXVOL_ERR("link create without an object");
		return -1;
	}
	return done(H5VLlink_create(&under_args, obj ? o->under : NULL, loc,
				    o->under_vol_id, lcpl, lapl, dxpl, req),
		    o, req);
}

/* Copy and move: either end may be NULL (the library's "same location"). */
static struct phxvol_obj *either(void *a, void *b)
{
	return a ? a : b;
}

herr_t phxvol_link_copy(void *src, const H5VL_loc_params_t *loc1, void *dst,
			const H5VL_loc_params_t *loc2, hid_t lcpl, hid_t lapl,
			hid_t dxpl, void **req)
{
	struct phxvol_obj *o = either(src, dst);

	return done(H5VLlink_copy(src ? UNDER(src) : NULL, loc1,
				  dst ? UNDER(dst) : NULL, loc2,
				  o->under_vol_id, lcpl, lapl, dxpl, req),
		    o, req);
}

herr_t phxvol_link_move(void *src, const H5VL_loc_params_t *loc1, void *dst,
			const H5VL_loc_params_t *loc2, hid_t lcpl, hid_t lapl,
			hid_t dxpl, void **req)
{
	struct phxvol_obj *o = either(src, dst);

	return done(H5VLlink_move(src ? UNDER(src) : NULL, loc1,
				  dst ? UNDER(dst) : NULL, loc2,
				  o->under_vol_id, lcpl, lapl, dxpl, req),
		    o, req);
}

herr_t phxvol_link_get(void *obj, const H5VL_loc_params_t *loc,
		       H5VL_link_get_args_t *args, hid_t dxpl, void **req)
{
	return done(H5VLlink_get(UNDER(obj), loc, UVOL(obj), args, dxpl, req),
		    obj, req);
}

herr_t phxvol_link_specific(void *obj, const H5VL_loc_params_t *loc,
			    H5VL_link_specific_args_t *args, hid_t dxpl,
			    void **req)
{
	return done(H5VLlink_specific(UNDER(obj), loc, UVOL(obj), args, dxpl,
				      req),
		    obj, req);
}

herr_t phxvol_link_optional(void *obj, const H5VL_loc_params_t *loc,
			    H5VL_optional_args_t *args, hid_t dxpl, void **req)
{
	return done(H5VLlink_optional(UNDER(obj), loc, UVOL(obj), args, dxpl,
				      req),
		    obj, req);
}

/* ---- H5O ---- */

void *phxvol_object_open(void *obj, const H5VL_loc_params_t *loc,
			 H5I_type_t *opened_type, hid_t dxpl, void **req)
{
	return wrap_new(H5VLobject_open(UNDER(obj), loc, UVOL(obj),
					opened_type, dxpl, req),
			obj, req);
}

herr_t phxvol_object_copy(void *src, const H5VL_loc_params_t *loc1,
			  const char *src_name, void *dst,
			  const H5VL_loc_params_t *loc2, const char *dst_name,
			  hid_t ocpypl, hid_t lcpl, hid_t dxpl, void **req)
{
	return done(H5VLobject_copy(UNDER(src), loc1, src_name, UNDER(dst),
				    loc2, dst_name, UVOL(src), ocpypl, lcpl,
				    dxpl, req),
		    src, req);
}

herr_t phxvol_object_get(void *obj, const H5VL_loc_params_t *loc,
			 H5VL_object_get_args_t *args, hid_t dxpl, void **req)
{
	return done(H5VLobject_get(UNDER(obj), loc, UVOL(obj), args, dxpl,
				   req),
		    obj, req);
}

herr_t phxvol_object_specific(void *obj, const H5VL_loc_params_t *loc,
			      H5VL_object_specific_args_t *args, hid_t dxpl,
			      void **req)
{
	return done(H5VLobject_specific(UNDER(obj), loc, UVOL(obj), args, dxpl,
					req),
		    obj, req);
}

herr_t phxvol_object_optional(void *obj, const H5VL_loc_params_t *loc,
			      H5VL_optional_args_t *args, hid_t dxpl,
			      void **req)
{
	return done(H5VLobject_optional(UNDER(obj), loc, UVOL(obj), args, dxpl,
					req),
		    obj, req);
}
