/* SPDX-License-Identifier: MIT */
/* The class table's callbacks that live outside vol_connector.c. */
#ifndef PHXFS_VOL_CALLBACKS_H
#define PHXFS_VOL_CALLBACKS_H

#include <hdf5.h>

/* wrap callbacks (vol_object.c) */
void *phxvol_get_object(const void *obj);
herr_t phxvol_get_wrap_ctx(const void *obj, void **wrap_ctx);
void *phxvol_wrap_object(void *obj, H5I_type_t type, void *wrap_ctx);
void *phxvol_unwrap_object(void *obj);
herr_t phxvol_free_wrap_ctx(void *wrap_ctx);

/* attributes, datatypes, groups, links, objects (vol_passthru.c) */
void *phxvol_attr_create(void *obj, const H5VL_loc_params_t *loc,
			 const char *name, hid_t type, hid_t space, hid_t acpl,
			 hid_t aapl, hid_t dxpl, void **req);
void *phxvol_attr_open(void *obj, const H5VL_loc_params_t *loc,
		       const char *name, hid_t aapl, hid_t dxpl, void **req);
herr_t phxvol_attr_read(void *attr, hid_t mem_type, void *buf, hid_t dxpl,
			void **req);
herr_t phxvol_attr_write(void *attr, hid_t mem_type, const void *buf,
			 hid_t dxpl, void **req);
herr_t phxvol_attr_get(void *obj, H5VL_attr_get_args_t *args, hid_t dxpl,
		       void **req);
herr_t phxvol_attr_specific(void *obj, const H5VL_loc_params_t *loc,
			    H5VL_attr_specific_args_t *args, hid_t dxpl,
			    void **req);
herr_t phxvol_attr_optional(void *obj, H5VL_optional_args_t *args, hid_t dxpl,
			    void **req);
herr_t phxvol_attr_close(void *attr, hid_t dxpl, void **req);
void *phxvol_datatype_commit(void *obj, const H5VL_loc_params_t *loc,
			     const char *name, hid_t type, hid_t lcpl,
			     hid_t tcpl, hid_t tapl, hid_t dxpl, void **req);
void *phxvol_datatype_open(void *obj, const H5VL_loc_params_t *loc,
			   const char *name, hid_t tapl, hid_t dxpl, void **req);
herr_t phxvol_datatype_get(void *dt, H5VL_datatype_get_args_t *args,
			   hid_t dxpl, void **req);
herr_t phxvol_datatype_specific(void *obj, H5VL_datatype_specific_args_t *args,
				hid_t dxpl, void **req);
herr_t phxvol_datatype_optional(void *obj, H5VL_optional_args_t *args,
				hid_t dxpl, void **req);
herr_t phxvol_datatype_close(void *dt, hid_t dxpl, void **req);
void *phxvol_group_create(void *obj, const H5VL_loc_params_t *loc,
			  const char *name, hid_t lcpl, hid_t gcpl, hid_t gapl,
			  hid_t dxpl, void **req);
void *phxvol_group_open(void *obj, const H5VL_loc_params_t *loc,
			const char *name, hid_t gapl, hid_t dxpl, void **req);
herr_t phxvol_group_get(void *obj, H5VL_group_get_args_t *args, hid_t dxpl,
			void **req);
herr_t phxvol_group_specific(void *obj, H5VL_group_specific_args_t *args,
			     hid_t dxpl, void **req);
herr_t phxvol_group_optional(void *obj, H5VL_optional_args_t *args,
			     hid_t dxpl, void **req);
herr_t phxvol_group_close(void *grp, hid_t dxpl, void **req);
herr_t phxvol_link_create(H5VL_link_create_args_t *args, void *obj,
			  const H5VL_loc_params_t *loc, hid_t lcpl, hid_t lapl,
			  hid_t dxpl, void **req);
herr_t phxvol_link_copy(void *src, const H5VL_loc_params_t *loc1, void *dst,
			const H5VL_loc_params_t *loc2, hid_t lcpl, hid_t lapl,
			hid_t dxpl, void **req);
herr_t phxvol_link_move(void *src, const H5VL_loc_params_t *loc1, void *dst,
			const H5VL_loc_params_t *loc2, hid_t lcpl, hid_t lapl,
			hid_t dxpl, void **req);
herr_t phxvol_link_get(void *obj, const H5VL_loc_params_t *loc,
		       H5VL_link_get_args_t *args, hid_t dxpl, void **req);
herr_t phxvol_link_specific(void *obj, const H5VL_loc_params_t *loc,
			    H5VL_link_specific_args_t *args, hid_t dxpl,
			    void **req);
herr_t phxvol_link_optional(void *obj, const H5VL_loc_params_t *loc,
			    H5VL_optional_args_t *args, hid_t dxpl, void **req);
void *phxvol_object_open(void *obj, const H5VL_loc_params_t *loc,
			 H5I_type_t *opened_type, hid_t dxpl, void **req);
herr_t phxvol_object_copy(void *src, const H5VL_loc_params_t *loc1,
			  const char *src_name, void *dst,
			  const H5VL_loc_params_t *loc2, const char *dst_name,
			  hid_t ocpypl, hid_t lcpl, hid_t dxpl, void **req);
herr_t phxvol_object_get(void *obj, const H5VL_loc_params_t *loc,
			 H5VL_object_get_args_t *args, hid_t dxpl, void **req);
herr_t phxvol_object_specific(void *obj, const H5VL_loc_params_t *loc,
			      H5VL_object_specific_args_t *args, hid_t dxpl,
			      void **req);
herr_t phxvol_object_optional(void *obj, const H5VL_loc_params_t *loc,
			      H5VL_optional_args_t *args, hid_t dxpl,
			      void **req);

/* files (vol_file.c) */
void *phxvol_file_create(const char *name, unsigned flags, hid_t fcpl,
			 hid_t fapl, hid_t dxpl, void **req);
void *phxvol_file_open(const char *name, unsigned flags, hid_t fapl,
		       hid_t dxpl, void **req);
herr_t phxvol_file_get(void *file, H5VL_file_get_args_t *args, hid_t dxpl,
		       void **req);
herr_t phxvol_file_specific(void *file, H5VL_file_specific_args_t *args,
			    hid_t dxpl, void **req);
herr_t phxvol_file_optional(void *file, H5VL_optional_args_t *args,
			    hid_t dxpl, void **req);
herr_t phxvol_file_close(void *file, hid_t dxpl, void **req);

/* introspection, requests, blobs, tokens, optional (vol_services.c) */
herr_t phxvol_introspect_get_conn_cls(void *obj, H5VL_get_conn_lvl_t lvl,
				      const H5VL_class_t **conn_cls);
herr_t phxvol_introspect_get_cap_flags(const void *info, uint64_t *cap_flags);
herr_t phxvol_introspect_opt_query(void *obj, H5VL_subclass_t cls,
				   int opt_type, uint64_t *flags);
herr_t phxvol_request_wait(void *req, uint64_t timeout,
			   H5VL_request_status_t *status);
herr_t phxvol_request_notify(void *req, H5VL_request_notify_t cb, void *ctx);
herr_t phxvol_request_cancel(void *req, H5VL_request_status_t *status);
herr_t phxvol_request_specific(void *req, H5VL_request_specific_args_t *args);
herr_t phxvol_request_optional(void *req, H5VL_optional_args_t *args);
herr_t phxvol_request_free(void *req);
herr_t phxvol_blob_put(void *obj, const void *buf, size_t size, void *blob_id,
		       void *ctx);
herr_t phxvol_blob_get(void *obj, const void *blob_id, void *buf, size_t size,
		       void *ctx);
herr_t phxvol_blob_specific(void *obj, void *blob_id,
			    H5VL_blob_specific_args_t *args);
herr_t phxvol_blob_optional(void *obj, void *blob_id,
			    H5VL_optional_args_t *args);
herr_t phxvol_token_cmp(void *obj, const H5O_token_t *t1,
			const H5O_token_t *t2, int *cmp);
herr_t phxvol_token_to_str(void *obj, H5I_type_t type, const H5O_token_t *t,
			   char **str);
herr_t phxvol_token_from_str(void *obj, H5I_type_t type, const char *str,
			     H5O_token_t *t);
herr_t phxvol_optional(void *obj, H5VL_optional_args_t *args, hid_t dxpl,
		       void **req);
#endif /* PHXFS_VOL_CALLBACKS_H */
