/* SPDX-License-Identifier: MIT */
/*
 * Selections as runs of contiguous bytes: which bytes of the file go to
 * which bytes of the buffer, for a dataset stored in one block
 * (contiguous) or in chunks without filters.
 */
#ifndef PHXFS_VOL_RUNS_H
#define PHXFS_VOL_RUNS_H

#include <hdf5.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A selection that is a product of per-dimension index sets: H5S_ALL or a
 * regular hyperslab. Each dimension's set is sorted, disjoint intervals.
 */
struct phxvol_sel {
	int rank;
	hsize_t dims[H5S_MAX_RANK];
	size_t nint[H5S_MAX_RANK];
	hsize_t *start[H5S_MAX_RANK];	/* interval starts */
	hsize_t *len[H5S_MAX_RANK];	/* interval lengths */
	hsize_t *before[H5S_MAX_RANK];	/* selected indices before each */
	hsize_t nsel[H5S_MAX_RANK];	/* selected indices per dimension */
	hsize_t npoints;
};

/* 1 taken, 0 not such a selection (irregular, points), -1 error. */
int phxvol_sel_from_space(hid_t space, struct phxvol_sel *sel);
void phxvol_sel_free(struct phxvol_sel *sel);

/* Where the selected elements are in memory. */
enum phxvol_mem_map {
	PHXVOL_MEM_PACKED,	/* one after another, in selection order */
	PHXVOL_MEM_SAME,	/* where they are in the file's extent */
};

struct phxvol_run {
	hsize_t file_off;	/* bytes from the start of the file */
	hsize_t mem_off;	/* bytes from the start of the buffer */
	hsize_t len;
};

/*
 * The chunk whose first element is @coords: its file address (absolute),
 * or HADDR_UNDEF if it cannot be read directly (not allocated, filtered).
 */
typedef haddr_t (*phxvol_chunk_addr_fn)(void *ctx, const hsize_t *coords);

/*
 * phxvol_runs() - the runs for @sel over a dataset with chunks of @chunk
 * elements (the whole extent for a contiguous one), @esize bytes each,
 * merged where both sides continue
 * Return: 1 with *@runs (free()) and *@nruns; 0 some chunk is not
 * readable directly; -1 out of memory.
 */
int phxvol_runs(const struct phxvol_sel *sel, const hsize_t *chunk,
		size_t esize, enum phxvol_mem_map map,
		phxvol_chunk_addr_fn addr_of, void *ctx,
		struct phxvol_run **runs, size_t *nruns);

/*
 * phxvol_runs_to_memory() - re-aim runs computed for packed memory
 * (mem_off: bytes into the selection, in its order) at a memory selection
 * @msel of @esize elements: the pieces of both, merged again
 * Return: 0 with *@runs and *@nruns replaced (the old array freed), -1
 * out of memory (*@runs untouched).
 */
int phxvol_runs_to_memory(const struct phxvol_sel *msel, size_t esize,
			  struct phxvol_run **runs, size_t *nruns);

#endif /* PHXFS_VOL_RUNS_H */
