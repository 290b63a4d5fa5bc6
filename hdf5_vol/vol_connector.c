// SPDX-License-Identifier: MIT
/*
 * The phxfs VOL connector: its class table, HDF5's two plugin entry
 * points, and the public helpers of phxfs_vol.h.
 */
#include <H5PLextern.h>
#include <pthread.h>

#include "vol_callbacks.h"
#include "vol_direct.h"
#include "vol_internal.h"

static herr_t phxvol_initialize(hid_t vipl)
{
	(void)vipl;
	return phxvol_env_load();
}

static herr_t phxvol_terminate(void)
{
	if (phxvol_env.print_stats)
		phxvol_stats_print();
	/*
	 * No HDF5 calls here: terminate also runs when a failed info string
	 * releases the connector, and an API call would clear the error
	 * stack that says why. The error class lives until HDF5 closes.
	 */
	phxvol_batch_close();
	phxvol_devices_close();
	return 0;
}

const H5VL_class_t phxvol_class = {
	.version = H5VL_VERSION,		/* class struct version: 3 in HDF5 1.14 */
	.value = PHXFS_VOL_VALUE,		/* from the testing range: phxfs_vol.h */
	.name = PHXFS_VOL_NAME,			/* "phxfs": HDF5_VOL_CONNECTOR's first word */
	.conn_version = PHXFS_VOL_VERSION,	/* this connector's own version */
	.cap_flags = H5VL_CAP_FLAG_NONE,	/* the real flags: get_cap_flags, from beneath */
	.initialize = phxvol_initialize,	/* reads the PHXFS_VOL_* environment */
	.terminate = phxvol_terminate,		/* stats line, the batch, phxfs_close */
	.info_cls = {
		.size = sizeof(struct phxfs_vol_info),	/* the info struct of phxfs_vol.h */
		.copy = phxvol_info_copy,		/* holds a reference to the connector beneath */
		.cmp = phxvol_info_cmp,			/* connector beneath, its info, device */
		.free = phxvol_info_free,		/* drops that reference */
		.to_str = phxvol_info_to_str,		/* "under_vol=N;under_info={...}[;device=N]" */
		.from_str = phxvol_info_from_str,	/* the parser of vol_info_parse.c */
	},
	.wrap_cls = {
		.get_object = phxvol_get_object,	/* the library object beneath */
		.get_wrap_ctx = phxvol_get_wrap_ctx,	/* what wrapping needs: connector, device */
		.wrap_object = phxvol_wrap_object,	/* wraps objects made beneath on their own */
		.unwrap_object = phxvol_unwrap_object,	/* the reverse, freeing our wrapper */
		.free_wrap_ctx = phxvol_free_wrap_ctx,	/* drops the context's reference */
	},
	.attr_cls = {
		.create = phxvol_attr_create,		/* pass-through, wraps the new attribute */
		.open = phxvol_attr_open,		/* pass-through, wraps it */
		.read = phxvol_attr_read,		/* pass-through: attributes are small, host-side */
		.write = phxvol_attr_write,		/* pass-through */
		.get = phxvol_attr_get,			/* pass-through */
		.specific = phxvol_attr_specific,	/* pass-through */
		.optional = phxvol_attr_optional,	/* pass-through */
		.close = phxvol_attr_close,		/* pass-through, frees the wrapper */
	},
	.dataset_cls = {
		.create = phxvol_dataset_create,	/* pass-through, wraps the new dataset */
		.open = phxvol_dataset_open,		/* pass-through, wraps it */
		.read = phxvol_dataset_read,		/* the direct path where it applies: vol_direct.c */
		.write = phxvol_dataset_write,		/* the direct path where it applies */
		.get = phxvol_dataset_get,		/* pass-through */
		.specific = phxvol_dataset_specific,	/* pass-through (set_extent, flush, refresh) */
		.optional = phxvol_dataset_optional,	/* pass-through (native chunk ops) */
		.close = phxvol_dataset_close,		/* closes the direct-I/O descriptor too */
	},
	.datatype_cls = {
		.commit = phxvol_datatype_commit,	/* pass-through, wraps the committed type */
		.open = phxvol_datatype_open,		/* pass-through, wraps it */
		.get = phxvol_datatype_get,		/* pass-through */
		.specific = phxvol_datatype_specific,	/* pass-through */
		.optional = phxvol_datatype_optional,	/* pass-through */
		.close = phxvol_datatype_close,		/* pass-through, frees the wrapper */
	},
	.file_cls = {
		.create = phxvol_file_create,		/* FAPL re-pointed at the connector beneath */
		.open = phxvol_file_open,		/* likewise */
		.get = phxvol_file_get,			/* pass-through */
		.specific = phxvol_file_specific,	/* FAPLs re-pointed, reopen wrapped */
		.optional = phxvol_file_optional,	/* pass-through (native file ops) */
		.close = phxvol_file_close,		/* pass-through, frees the wrapper */
	},
	.group_cls = {
		.create = phxvol_group_create,		/* pass-through, wraps the new group */
		.open = phxvol_group_open,		/* pass-through, wraps it */
		.get = phxvol_group_get,		/* pass-through */
		.specific = phxvol_group_specific,	/* pass-through */
		.optional = phxvol_group_optional,	/* pass-through */
		.close = phxvol_group_close,		/* pass-through, frees the wrapper */
	},
	.link_cls = {
		.create = phxvol_link_create,		/* hard links: the target unwrapped too */
		.copy = phxvol_link_copy,		/* pass-through, either end may be NULL */
		.move = phxvol_link_move,		/* likewise */
		.get = phxvol_link_get,			/* pass-through */
		.specific = phxvol_link_specific,	/* pass-through */
		.optional = phxvol_link_optional,	/* pass-through */
	},
	.object_cls = {
		.open = phxvol_object_open,		/* pass-through, wraps what it opened */
		.copy = phxvol_object_copy,		/* pass-through, both ends unwrapped */
		.get = phxvol_object_get,		/* pass-through */
		.specific = phxvol_object_specific,	/* pass-through */
		.optional = phxvol_object_optional,	/* pass-through */
	},
	.introspect_cls = {
		.get_conn_cls = phxvol_introspect_get_conn_cls,	/* ours, or the terminal one's */
		.get_cap_flags = phxvol_introspect_get_cap_flags, /* the connector beneath's */
		.opt_query = phxvol_introspect_opt_query,	/* pass-through */
	},
	.request_cls = {
		.wait = phxvol_request_wait,		/* pass-through (async connectors beneath) */
		.notify = phxvol_request_notify,	/* pass-through */
		.cancel = phxvol_request_cancel,	/* pass-through */
		.specific = phxvol_request_specific,	/* pass-through */
		.optional = phxvol_request_optional,	/* pass-through */
		.free = phxvol_request_free,		/* pass-through, frees the wrapper */
	},
	.blob_cls = {
		.put = phxvol_blob_put,			/* pass-through (vlen data, references) */
		.get = phxvol_blob_get,			/* pass-through */
		.specific = phxvol_blob_specific,	/* pass-through */
		.optional = phxvol_blob_optional,	/* pass-through */
	},
	.token_cls = {
		.cmp = phxvol_token_cmp,		/* pass-through */
		.to_str = phxvol_token_to_str,		/* pass-through */
		.from_str = phxvol_token_from_str,	/* pass-through */
	},
	.optional = phxvol_optional,			/* catch-all: pass-through */
};

/* HDF5_PLUGIN_PATH loading: what kind of plugin, and the class. */
H5PL_type_t H5PLget_plugin_type(void)
{
	return H5PL_TYPE_VOL;
}

const void *H5PLget_plugin_info(void)
{
	return &phxvol_class;
}

hid_t phxfs_vol_register(void)
{
	if (H5VLis_connector_registered_by_value(PHXFS_VOL_VALUE) > 0)
		return H5VLget_connector_id_by_value(PHXFS_VOL_VALUE);
	return H5VLregister_connector(&phxvol_class, H5P_DEFAULT);
}

/*
 * The connector registered once by phxfs_vol_set_fapl() stays until HDF5
 * closes (H5close, or exit): else it went, with its batch threads and open
 * devices, whenever the last file using it closed, and the next file made
 * them again.
 */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static hid_t kept = H5I_INVALID_HID;

static void keep_registered(hid_t id)
{
	pthread_mutex_lock(&kept_lock);
	if (kept < 0 || H5Iis_valid(kept) <= 0) {
		kept = id;
		H5Iinc_ref(kept);
	}
	pthread_mutex_unlock(&kept_lock);
}

herr_t phxfs_vol_set_fapl(hid_t fapl, int device_id)
{
	struct phxfs_vol_info info = { .device_id = device_id };
	hid_t id = phxfs_vol_register();
	herr_t ret;

	if (id < 0)
		return -1;
	keep_registered(id);
	if (device_id < -1 || device_id > 63) {
		PHXVOL_ERR("phxfs_vol_set_fapl: device %d out of range (-1 to 63)",
			   device_id);
		H5VLclose(id);
		return -1;
	}
	info.under_vol_id = H5VLget_connector_id_by_value(H5_VOL_NATIVE);
	if (info.under_vol_id < 0) {
		H5VLclose(id);
		return -1;
	}
	/* H5Pset_vol copies the info (our copy callback). */
	ret = H5Pset_vol(fapl, id, &info);
	H5VLclose(info.under_vol_id);
	H5VLclose(id);
	return ret;
}
