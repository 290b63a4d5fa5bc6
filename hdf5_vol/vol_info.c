// SPDX-License-Identifier: MIT
/*
 * The info class callbacks: the info names the connector beneath (one
 * reference held on its id) and carries that connector's own info.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vol_callbacks.h"
#include "vol_info_parse.h"
#include "vol_internal.h"

void *phxvol_info_copy(const void *info)
{
	const struct phxfs_vol_info *src = info;
	struct phxfs_vol_info *dst = calloc(1, sizeof(*dst));

	if (!dst) {
		PHXVOL_ERR("out of memory copying the connector info");
		return NULL;
	}
	dst->under_vol_id = src->under_vol_id;
	dst->device_id = src->device_id;
	H5Iinc_ref(dst->under_vol_id);
	if (src->under_vol_info &&
	    H5VLcopy_connector_info(dst->under_vol_id, &dst->under_vol_info,
				    src->under_vol_info) < 0) {
		H5Idec_ref(dst->under_vol_id);
		free(dst);
		return NULL;
	}
	return dst;
}

herr_t phxvol_info_cmp(int *cmp, const void *a, const void *b)
{
	const struct phxfs_vol_info *x = a, *y = b;

	*cmp = 0;
	if (H5VLcmp_connector_cls(cmp, x->under_vol_id, y->under_vol_id) < 0)
		return -1;
	if (*cmp)
		return 0;
	if (H5VLcmp_connector_info(cmp, x->under_vol_id, x->under_vol_info,
				   y->under_vol_info) < 0)
		return -1;
	if (*cmp)
		return 0;
	*cmp = (x->device_id > y->device_id) - (x->device_id < y->device_id);
	return 0;
}

herr_t phxvol_info_free(void *info)
{
	struct phxfs_vol_info *i = info;
	hid_t err = H5Eget_current_stack();

	if (!i)
		return 0;
	if (i->under_vol_info)
		H5VLfree_connector_info(i->under_vol_id, i->under_vol_info);
	H5Idec_ref(i->under_vol_id);
	H5Eset_current_stack(err);
	free(i);
	return 0;
}

herr_t phxvol_info_to_str(const void *info, char **str)
{
	const struct phxfs_vol_info *i = info;
	H5VL_class_value_t value = -1;
	char *under = NULL;
	size_t len;

	if (H5VLget_value(i->under_vol_id, &value) < 0)
		return -1;
	if (H5VLconnector_info_to_str(i->under_vol_info, i->under_vol_id,
				      &under) < 0)
		return -1;
	len = 64 + (under ? strlen(under) : 0);
	/* HDF5 frees the string with H5free_memory. */
	*str = H5allocate_memory(len, false);
	if (!*str) {
		H5free_memory(under);
		PHXVOL_ERR("out of memory for the connector info string");
		return -1;
	}
	if (i->device_id >= 0)
		snprintf(*str, len, "under_vol=%d;under_info={%s};device=%d",
			 (int)value, under ? under : "", i->device_id);
	else
		snprintf(*str, len, "under_vol=%d;under_info={%s}", (int)value,
			 under ? under : "");
	H5free_memory(under);
	return 0;
}

/*
 * From the string (NULL or empty: the native connector beneath). A bad
 * string fails with a message naming what is wrong on HDF5's error stack.
 */
herr_t phxvol_info_from_str(const char *str, void **info_out)
{
	struct phxvol_info_spec spec;
	struct phxfs_vol_info *info;
	char err[256];

	*info_out = NULL;
	if (phxvol_info_parse(str, &spec, err, sizeof(err))) {
		PHXVOL_ERR("bad connector info string \"%s\": %s", str, err);
		return -1;
	}
	info = calloc(1, sizeof(*info));
	if (!info) {
		phxvol_info_spec_free(&spec);
		PHXVOL_ERR("out of memory for the connector info");
		return -1;
	}
	info->device_id = spec.device;
	if (spec.name)
		info->under_vol_id = H5VLregister_connector_by_name(spec.name,
								    H5P_DEFAULT);
	else
		info->under_vol_id = H5VLregister_connector_by_value(
			spec.has_value ? spec.value : H5_VOL_NATIVE, H5P_DEFAULT);
	if (info->under_vol_id < 0) {
		if (spec.name)
			PHXVOL_ERR("connector info: no VOL connector named '%s' can be loaded",
				   spec.name);
		else
			PHXVOL_ERR("connector info: no VOL connector with value %d can be loaded",
				   spec.value);
		goto fail;
	}
	if (spec.under_info && spec.under_info[0] &&
	    H5VLconnector_str_to_info(spec.under_info, info->under_vol_id,
				      &info->under_vol_info) < 0) {
		PHXVOL_ERR("connector info: the connector beneath refused under_info={%s}",
			   spec.under_info);
		H5VLclose(info->under_vol_id);
		goto fail;
	}
	phxvol_info_spec_free(&spec);
	*info_out = info;
	return 0;
fail:
	phxvol_info_spec_free(&spec);
	free(info);
	return -1;
}
