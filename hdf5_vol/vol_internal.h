/* SPDX-License-Identifier: MIT */
/*
 * Internals of the connector shared by its files: the wrapped object, the
 * settings, the statistics, and each file's entry points.
 */
#ifndef PHXFS_VOL_INTERNAL_H
#define PHXFS_VOL_INTERNAL_H

#include <hdf5.h>
#include <stdbool.h>

#include "phxfs_vol.h"

/*
 * Every object the connector hands to HDF5: the object of the connector
 * beneath, that connector (one reference held), and what the direct path
 * keeps per dataset.
 */
struct phxvol_obj {
	void *under;
	hid_t under_vol_id;
	int device_id;		/* from the file's info; -1: the default */
	int fd;			/* datasets: the file for direct I/O, or -1 */
	bool file_known;	/* datasets: the facts below are set */
	bool file_rdwr;		/* opened for writing: flush before reading */
	bool file_mpio;		/* the MPI-IO driver: flushes are collective */
	bool file_named;	/* its driver keeps the data in the named file */
	bool file_sec2;		/* sec2 or direct driver: a POSIX descriptor */
	bool file_paged;	/* HDF5's page buffer may cache raw data */
	bool fd_failed;		/* that file could not be opened: never direct */
};

/* The wrap context: what objects HDF5 wraps on its own need. */
struct phxvol_wrap_ctx {
	void *under_wrap_ctx;
	hid_t under_vol_id;
	int device_id;
};

/*
 * Runs of device memory the direct path moves through pinned host buffers
 * (CUDA memory phxfs has not registered) cost a request each, some 10 us:
 * when a transfer has many, averaging under this, HDF5's own read and one
 * copy to the device are faster.
 */
#define PHXVOL_MIN_RUN_DEFAULT (8u << 10)

/* Settings read once from the environment (vol_env.c). */
struct phxvol_env {
	int device_id;		/* PHXFS_VOL_DEVICE, or -1 */
	bool force_direct;	/* PHXFS_VOL_FORCE_DIRECT=1 */
	bool print_stats;	/* PHXFS_VOL_STATS=1 */
	uint64_t min_run;	/* PHXFS_VOL_MIN_RUN, bytes */
};

extern const H5VL_class_t phxvol_class;
extern struct phxvol_env phxvol_env;

/* vol_env.c */
herr_t phxvol_env_load(void);

/* vol_errors.c: messages on HDF5's error stack, under our own class. */
void phxvol_error(const char *file, const char *func, unsigned line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define PHXVOL_ERR(...) phxvol_error(__FILE__, __func__, __LINE__, __VA_ARGS__)

/* vol_stats.c */
enum phxvol_stat {
	PHXVOL_DIRECT_READ, PHXVOL_DIRECT_WRITE,
	PHXVOL_FALLBACK_READ, PHXVOL_FALLBACK_WRITE,
	PHXVOL_BOUNCED_READ, PHXVOL_BOUNCED_WRITE,
	PHXVOL_COLLECTIVE_READ, PHXVOL_COLLECTIVE_WRITE,
	PHXVOL_STAT_COUNT
};
void phxvol_stat_add(enum phxvol_stat which, uint64_t bytes);
void phxvol_stats_print(void);

/* vol_object.c: wrapping and unwrapping. */
struct phxvol_obj *phxvol_obj_new(void *under, hid_t under_vol_id,
				  int device_id);
void phxvol_obj_free(struct phxvol_obj *obj);
/* Wraps a request the connector beneath returned, if any. */
void phxvol_wrap_request(void **req, hid_t under_vol_id, int device_id);

/* vol_info.c: the info class callbacks. */
void *phxvol_info_copy(const void *info);
herr_t phxvol_info_cmp(int *cmp, const void *a, const void *b);
herr_t phxvol_info_free(void *info);
herr_t phxvol_info_to_str(const void *info, char **str);
herr_t phxvol_info_from_str(const char *str, void **info);

/* vol_device.c: phxfs devices, opened on first use, closed at the end. */
int phxvol_device_get(int device_id);
void phxvol_devices_close(void);

/* vol_dataset.c: the dataset callbacks. */
void *phxvol_dataset_create(void *obj, const H5VL_loc_params_t *loc,
			    const char *name, hid_t lcpl, hid_t type,
			    hid_t space, hid_t dcpl, hid_t dapl, hid_t dxpl,
			    void **req);
void *phxvol_dataset_open(void *obj, const H5VL_loc_params_t *loc,
			  const char *name, hid_t dapl, hid_t dxpl, void **req);
herr_t phxvol_dataset_read(size_t count, void *dset[], hid_t mem_type[],
			   hid_t mem_space[], hid_t file_space[], hid_t dxpl,
			   void *buf[], void **req);
herr_t phxvol_dataset_write(size_t count, void *dset[], hid_t mem_type[],
			    hid_t mem_space[], hid_t file_space[], hid_t dxpl,
			    const void *buf[], void **req);
herr_t phxvol_dataset_get(void *dset, H5VL_dataset_get_args_t *args,
			  hid_t dxpl, void **req);
herr_t phxvol_dataset_specific(void *obj, H5VL_dataset_specific_args_t *args,
			       hid_t dxpl, void **req);
herr_t phxvol_dataset_optional(void *obj, H5VL_optional_args_t *args,
			       hid_t dxpl, void **req);
herr_t phxvol_dataset_close(void *dset, hid_t dxpl, void **req);

#endif /* PHXFS_VOL_INTERNAL_H */
