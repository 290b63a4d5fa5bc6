/* SPDX-License-Identifier: MIT */
/*
 * What the direct path must know of a dataset and its file, asked of the
 * native connector beneath (its optional operations give file offsets).
 */
#ifndef PHXFS_VOL_LAYOUT_H
#define PHXFS_VOL_LAYOUT_H

#include "vol_internal.h"

struct phxvol_layout {
	int rank;
	hsize_t dims[H5S_MAX_RANK];
	hsize_t chunk[H5S_MAX_RANK];	/* contiguous: the extent */
	size_t esize;			/* bytes per element */
	bool chunked;
	haddr_t addr;			/* contiguous: absolute file offset */
	hsize_t chunk_bytes;
	struct phxvol_obj *dset;
	/*
	 * Chunked, after phxvol_chunk_table_load(): the address of every
	 * chunk of the grid (row-major; HADDR_UNDEF where it cannot be read
	 * directly), found in one walk of the chunk index.
	 */
	haddr_t *table;
	hsize_t grid[H5S_MAX_RANK];	/* chunks per dimension */
};

/*
 * phxvol_layout_query() - whether @dset can move @mem_type elements
 * directly: native beneath, contiguous and allocated or chunked without
 * filters, no external storage, @mem_type identical to the stored type
 * (no conversion) and of fixed size.
 * Return: 1 yes (@l filled), 0 no (*@why says why), -1 error.
 */
int phxvol_layout_query(struct phxvol_obj *dset, hid_t mem_type,
			struct phxvol_layout *l, const char **why);

/* The file facts of @dset (open for writing, MPI-IO driver), once. */
int phxvol_file_facts(struct phxvol_obj *dset);

/*
 * The file's descriptor for direct I/O, opened once per dataset (with
 * O_DIRECT if @odirect, read-write if the file is open for writing); -1
 * if it cannot be had (the dataset then stays with HDF5).
 */
int phxvol_dataset_fd(struct phxvol_obj *dset, bool odirect);

/* The name HDF5 opened @dset's file by (free()), or NULL. */
char *phxvol_file_name(struct phxvol_obj *dset);

/* A copy of the access property list of @dset's file (H5Pclose()). */
hid_t phxvol_file_fapl(struct phxvol_obj *dset);

/* The file object beneath @dset (owned by the library), or NULL. */
void *phxvol_under_file(struct phxvol_obj *dset);

/* Flushes the file beneath (it may be caching raw data); 0 or -1. */
int phxvol_file_flush(struct phxvol_obj *dset, hid_t dxpl);

/* The absolute address of the chunk at @coords, for phxvol_runs(). */
haddr_t phxvol_chunk_addr(void *layout, const hsize_t *coords);

/*
 * phxvol_chunk_table_load() - every chunk's address at once, for a
 * selection that touches about @touched chunks: one walk of the index
 * where asking chunk by chunk would cost more (many chunks, a good part
 * of the grid). 1 loaded, 0 not worth it (or not possible: chunk by
 * chunk then), -1 out of memory. phxvol_layout_free() frees it.
 */
int phxvol_chunk_table_load(struct phxvol_layout *l, hsize_t touched);
void phxvol_layout_free(struct phxvol_layout *l);

#endif /* PHXFS_VOL_LAYOUT_H */
