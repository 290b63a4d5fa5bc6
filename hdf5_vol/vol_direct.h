/* SPDX-License-Identifier: MIT */
/*
 * The fast path of H5Dread/H5Dwrite: elements moved between the file and
 * the buffer with phxfs_read()/phxfs_write(), bypassing the library, and
 * the bounce through host memory for device buffers it does not take.
 */
#ifndef PHXFS_VOL_DIRECT_H
#define PHXFS_VOL_DIRECT_H

#include "vol_internal.h"

/* One dataset's part of a multi-dataset read or write. */
struct phxvol_xfer {
	struct phxvol_obj *dset;
	hid_t mem_type, mem_space, file_space, dxpl;
	void *buf;
	bool on_device;		/* @buf is CUDA device memory */
	bool registered;	/* inside a phxfs registration */
	bool candidate;		/* for the direct path (vol_dataset.c) */
	int cuda_device;	/* its device */
	void *cuda_ctx;		/* and context */
};

struct phxvol_run;

/* Collective transfer mode (MPI-IO driver) on @dxpl. */
bool phxvol_collective(hid_t dxpl);

/* The phxfs device of a transfer: the file's, PHXFS_VOL_DEVICE, the buffer's. */
int phxvol_pick_device(const struct phxvol_xfer *x);

/* phxvol_plan() @how: collective transfers too; no chunk index lookups. */
#define PHXVOL_PLAN_COLLECTIVE	1u
#define PHXVOL_PLAN_NO_INDEX	2u

/*
 * phxvol_plan() - the runs of a transfer, if it can go directly
 * Return: 1 with *@runs (free()) and *@nruns; 0 not directly; -1 error.
 */
int phxvol_plan(const struct phxvol_xfer *x, bool write, unsigned int how,
		struct phxvol_run **runs, size_t *nruns);

/*
 * Whether @nruns runs of @bytes are worth the direct path for @x's buffer
 * (see PHXVOL_MIN_RUN_DEFAULT).
 */
bool phxvol_worth_direct(const struct phxvol_xfer *x, size_t nruns,
			 uint64_t bytes);

/* 1 done directly, 0 not eligible (nothing done), -1 error. */
int phxvol_direct_read(const struct phxvol_xfer *x);
int phxvol_direct_write(const struct phxvol_xfer *x);

/* The batch the direct path keeps for many runs: at the end. */
void phxvol_batch_close(void);

/* Through the connector beneath, via host memory for device buffers. */
herr_t phxvol_bounce_read(const struct phxvol_xfer *x, void **req);
herr_t phxvol_bounce_write(const struct phxvol_xfer *x, void **req);

#endif /* PHXFS_VOL_DIRECT_H */
