/* SPDX-License-Identifier: MIT */
/*
 * phxfs_vol.h - Phoenix's HDF5 1.14 VOL connector: a pass-through
 * connector that reads (and writes) dataset elements straight between the
 * file and GPU memory with phxfs_read()/phxfs_write() where the layout
 * allows, and hands everything else to the connector beneath it.
 *
 * Loaded by an unmodified application through the environment:
 *
 *	HDF5_PLUGIN_PATH=<dir of libphxfs_vol.so>
 *	HDF5_VOL_CONNECTOR="phxfs under_vol=0;under_info={}"
 *
 * or from code: phxfs_vol_set_fapl(fapl, -1) before H5Fcreate/H5Fopen.
 *
 * Info string keys, separated by ';' (each at most once):
 *	under_vol=<value>	 the connector beneath, by value (0: native)
 *	under_vol_name=<name>	 or by name (not both)
 *	under_info={<string>}	 that connector's own info string
 *	device=<0..63>		 the phxfs device (default: PHXFS_VOL_DEVICE,
 *				 else the CUDA device owning the buffer, else 0)
 * An empty string means the native connector beneath.
 *
 * Environment (read once, when the connector is initialised):
 *	PHXFS_VOL_DEVICE	 default device, 0 to 63
 *	PHXFS_VOL_FORCE_DIRECT	 1: host buffers take the direct path too
 *				 (through phxfs_read/phxfs_write), so that
 *				 machines without a GPU exercise it
 *	PHXFS_VOL_MIN_RUN	 bytes (suffix K or M; default 8K): a read
 *				 or write of CUDA memory phxfs has not
 *				 registered in 16 or more runs averaging
 *				 less is left to HDF5 (one request per run
 *				 costs more than HDF5's read and one copy);
 *				 0: never
 *	PHXFS_VOL_STATS		 1: print the statistics on stderr when the
 *				 connector is terminated (one line)
 */
#ifndef PHXFS_VOL_H
#define PHXFS_VOL_H

#include <stdint.h>

#include <hdf5.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PHXFS_VOL_EXPORT __attribute__((visibility("default")))
#else
#define PHXFS_VOL_EXPORT
#endif

#define PHXFS_VOL_NAME "phxfs"
/*
 * A value from HDF5's range for testing (256-511), not registered with
 * The HDF Group: registered connectors use 512 and above.
 */
#define PHXFS_VOL_VALUE ((H5VL_class_value_t)361)
#define PHXFS_VOL_VERSION 1

/* The connector's info: what phxfs_vol_set_fapl() and the string give. */
struct phxfs_vol_info {
	hid_t under_vol_id;	/* the connector beneath */
	void *under_vol_info;	/* its info, or NULL */
	int device_id;		/* phxfs device; -1: the default */
};

/* What the connector did, since it was loaded (process-wide). */
struct phxfs_vol_stats {
	uint64_t direct_reads;		/* dataset reads taken directly */
	uint64_t direct_read_bytes;
	uint64_t direct_writes;		/* dataset writes taken directly */
	uint64_t direct_write_bytes;
	uint64_t fallback_reads;	/* reads handed to the connector beneath */
	uint64_t fallback_writes;
	uint64_t bounced_reads;		/* of those, into device memory */
	uint64_t bounced_writes;
	uint64_t collective_reads;	/* of the direct reads, collective ones */
	uint64_t collective_writes;	/* of the direct writes, collective ones */
};

/*
 * phxfs_vol_register() - the connector's id (registering it if needed);
 * close it with H5VLclose(). H5I_INVALID_HID on failure.
 */
PHXFS_VOL_EXPORT hid_t phxfs_vol_register(void);

/*
 * phxfs_vol_set_fapl() - use the connector, over the native one, on @fapl
 * @device_id: the phxfs device, or -1 for the default
 */
PHXFS_VOL_EXPORT herr_t phxfs_vol_set_fapl(hid_t fapl, int device_id);

/*
 * phxfs_vol_get_stats() - copy the statistics (exported by the plugin
 * library itself: an application that loaded the connector through
 * HDF5_PLUGIN_PATH finds it with dlsym()).
 */
PHXFS_VOL_EXPORT void phxfs_vol_get_stats(struct phxfs_vol_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* PHXFS_VOL_H */
