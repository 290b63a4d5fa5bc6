// SPDX-License-Identifier: MIT
/* Selections as runs of contiguous bytes (vol_runs.h). */
#include "vol_runs.h"

#include <stdlib.h>
#include <string.h>

static int sel_dim_alloc(struct phxvol_sel *sel, int d, size_t n)
{
	sel->nint[d] = n;
	sel->start[d] = calloc(n ? n : 1, sizeof(hsize_t));
	sel->len[d] = calloc(n ? n : 1, sizeof(hsize_t));
	sel->before[d] = calloc(n ? n : 1, sizeof(hsize_t));
	return sel->start[d] && sel->len[d] && sel->before[d] ? 0 : -1;
}

void phxvol_sel_free(struct phxvol_sel *sel)
{
	for (int d = 0; d < H5S_MAX_RANK; d++) {
		free(sel->start[d]);
		free(sel->len[d]);
		free(sel->before[d]);
		sel->start[d] = sel->len[d] = sel->before[d] = NULL;
	}
}

int phxvol_sel_from_space(hid_t space, struct phxvol_sel *sel)
{
	hsize_t start[H5S_MAX_RANK], stride[H5S_MAX_RANK],
		count[H5S_MAX_RANK], block[H5S_MAX_RANK];
	H5S_sel_type type;
	int rank;

	memset(sel, 0, sizeof(*sel));
	if (H5Sget_simple_extent_type(space) != H5S_SIMPLE)
		return 0;
	rank = H5Sget_simple_extent_dims(space, sel->dims, NULL);
	if (rank < 1)
		return rank < 0 ? -1 : 0;
	sel->rank = rank;
	type = H5Sget_select_type(space);
	if (type == H5S_SEL_ALL) {
		for (int d = 0; d < rank; d++) {
			start[d] = 0;
			stride[d] = block[d] = sel->dims[d];
			count[d] = 1;
		}
	} else if (type == H5S_SEL_HYPERSLABS &&
		   H5Sis_regular_hyperslab(space) > 0) {
		hsize_t lo[H5S_MAX_RANK], hi[H5S_MAX_RANK];

		if (H5Sget_regular_hyperslab(space, start, stride, count,
					     block) < 0 ||
		    H5Sget_select_bounds(space, lo, hi) < 0)
			return -1;
		/*
		 * The bounds include an offset set with H5Soffset_simple,
		 * the hyperslab does not: leave shifted selections to HDF5.
		 */
		for (int d = 0; d < rank; d++)
			if (lo[d] != start[d])
				return 0;
	} else {
		return 0;
	}
	/* Out of the extent: HDF5 says what is wrong. */
	if (H5Sselect_valid(space) <= 0)
		return 0;

	sel->npoints = 1;
	for (int d = 0; d < rank; d++) {
		/* Blocks that touch merge: one interval. */
		bool merged = count[d] == 1 || stride[d] == block[d];
		size_t n = merged ? 1 : (size_t)count[d];

		if (sel_dim_alloc(sel, d, n)) {
			phxvol_sel_free(sel);
			return -1;
		}
		for (size_t k = 0; k < n; k++) {
			sel->start[d][k] = start[d] + k * stride[d];
			sel->len[d][k] = merged ? count[d] * block[d] : block[d];
			sel->before[d][k] = sel->nsel[d];
			sel->nsel[d] += sel->len[d][k];
		}
		sel->npoints *= sel->nsel[d];
	}
	return 1;
}

/* A growing array of runs, merging a run into the last where it continues. */
struct run_list {
	struct phxvol_run *v;
	size_t n, cap;
};

static int run_add(struct run_list *l, hsize_t file_off, hsize_t mem_off,
		   hsize_t len)
{
	if (l->n) {
		struct phxvol_run *last = &l->v[l->n - 1];

		if (last->file_off + last->len == file_off &&
		    last->mem_off + last->len == mem_off) {
			last->len += len;
			return 0;
		}
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct phxvol_run *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct phxvol_run){ file_off, mem_off, len };
	return 0;
}

/* The selected intervals of dimension @d clipped to [lo, hi). */
struct clip {
	size_t n;
	hsize_t *start, *len, *before;
};

static int clip_dim(const struct phxvol_sel *sel, int d, hsize_t lo,
		    hsize_t hi, struct clip *c)
{
	c->n = 0;
	for (size_t k = 0; k < sel->nint[d]; k++) {
		hsize_t s = sel->start[d][k], e = s + sel->len[d][k];

		if (e <= lo || s >= hi)
			continue;
		if (s < lo)
			s = lo;
		if (e > hi)
			e = hi;
		c->start[c->n] = s;
		c->len[c->n] = e - s;
		c->before[c->n] = sel->before[d][k] + (s - sel->start[d][k]);
		c->n++;
	}
	return c->n ? 1 : 0;
}

/* The chunk indices of dimension @d that hold a selected index. */
static size_t chunks_of_dim(const struct phxvol_sel *sel, int d, hsize_t cd,
			    hsize_t *out)
{
	size_t n = 0;

	for (size_t k = 0; k < sel->nint[d]; k++) {
		hsize_t first = sel->start[d][k] / cd;
		hsize_t last = (sel->start[d][k] + sel->len[d][k] - 1) / cd;

		for (hsize_t c = first; c <= last; c++)
			if (!n || out[n - 1] != c)
				out[n++] = c;
	}
	return n;
}

/* Runs within one chunk: every selected row of its last dimension. */
static int chunk_runs(const struct phxvol_sel *sel, const hsize_t *chunk,
		      const hsize_t *corner, struct clip *clips, size_t esize,
		      enum phxvol_mem_map map, haddr_t addr,
		      struct run_list *out)
{
	int rank = sel->rank, last = rank - 1;
	hsize_t cstride[H5S_MAX_RANK], mstride[H5S_MAX_RANK];
	size_t ki[H5S_MAX_RANK] = { 0 };	/* interval per outer dim */
	hsize_t off[H5S_MAX_RANK] = { 0 };	/* index within it */

	cstride[last] = mstride[last] = 1;
	for (int d = last - 1; d >= 0; d--) {
		cstride[d] = cstride[d + 1] * chunk[d + 1];
		mstride[d] = mstride[d + 1] * (map == PHXVOL_MEM_PACKED ?
						       sel->nsel[d + 1] :
						       sel->dims[d + 1]);
	}
	for (;;) {
		hsize_t floc = 0, mloc = 0;

		for (int d = 0; d < last; d++) {
			hsize_t i = clips[d].start[ki[d]] + off[d];
			hsize_t pos = map == PHXVOL_MEM_PACKED ?
					      clips[d].before[ki[d]] + off[d] : i;

			floc += (i - corner[d]) * cstride[d];
			mloc += pos * mstride[d];
		}
		for (size_t k = 0; k < clips[last].n; k++) {
			hsize_t i = clips[last].start[k];
			hsize_t pos = map == PHXVOL_MEM_PACKED ?
					      clips[last].before[k] : i;

			if (run_add(out, addr + (floc + i - corner[last]) * esize,
				    (mloc + pos) * esize,
				    clips[last].len[k] * esize))
				return -1;
		}
		/* Next row: odometer over the outer dimensions. */
		int d = last - 1;

		for (; d >= 0; d--) {
			if (++off[d] < clips[d].len[ki[d]])
				break;
			off[d] = 0;
			if (++ki[d] < clips[d].n)
				break;
			ki[d] = 0;
		}
		if (d < 0)
			return 0;
	}
}

int phxvol_runs(const struct phxvol_sel *sel, const hsize_t *chunk,
		size_t esize, enum phxvol_mem_map map,
		phxvol_chunk_addr_fn addr_of, void *ctx,
		struct phxvol_run **runs, size_t *nruns)
{
	int rank = sel->rank, ret = -1;
	hsize_t *cidx[H5S_MAX_RANK] = { 0 };
	size_t ncidx[H5S_MAX_RANK], at[H5S_MAX_RANK] = { 0 };
	struct clip clips[H5S_MAX_RANK] = { 0 };
	struct run_list out = { 0 };

	*runs = NULL;
	*nruns = 0;
	if (sel->npoints == 0)
		return 1;
	for (int d = 0; d < rank; d++) {
		size_t most = sel->nint[d];

		/* Each interval spans at most len/chunk + 2 chunks. */
		for (size_t k = 0; k < sel->nint[d]; k++)
			most += sel->len[d][k] / chunk[d] + 1;
		cidx[d] = malloc(most * sizeof(hsize_t));
		clips[d].start = malloc(sel->nint[d] * sizeof(hsize_t));
		clips[d].len = malloc(sel->nint[d] * sizeof(hsize_t));
		clips[d].before = malloc(sel->nint[d] * sizeof(hsize_t));
		if (!cidx[d] || !clips[d].start || !clips[d].len ||
		    !clips[d].before)
			goto out;
		ncidx[d] = chunks_of_dim(sel, d, chunk[d], cidx[d]);
	}
	for (;;) {
		hsize_t corner[H5S_MAX_RANK];
		bool any = true;
		haddr_t addr;

		for (int d = 0; d < rank && any; d++) {
			corner[d] = cidx[d][at[d]] * chunk[d];
			any = clip_dim(sel, d, corner[d], corner[d] + chunk[d],
				       &clips[d]);
		}
		if (any) {
			addr = addr_of(ctx, corner);
			if (addr == HADDR_UNDEF) {
				ret = 0;
				goto out;
			}
			if (chunk_runs(sel, chunk, corner, clips, esize, map,
				       addr, &out))
				goto out;
		}
		int d = rank - 1;

		for (; d >= 0; d--) {
			if (++at[d] < ncidx[d])
				break;
			at[d] = 0;
		}
		if (d < 0)
			break;
	}
	*runs = out.v;
	*nruns = out.n;
	out.v = NULL;
	ret = 1;
out:
	free(out.v);
	for (int d = 0; d < rank; d++) {
		free(cidx[d]);
		free(clips[d].start);
		free(clips[d].len);
		free(clips[d].before);
	}
	return ret;
}

static haddr_t at_zero(void *ctx, const hsize_t *coords)
{
	(void)ctx;
	(void)coords;
	return 0;
}

static int by_mem_off(const void *a, const void *b)
{
	const struct phxvol_run *x = a, *y = b;

	return (x->mem_off > y->mem_off) - (x->mem_off < y->mem_off);
}

int phxvol_runs_to_memory(const struct phxvol_sel *msel, size_t esize,
			  struct phxvol_run **runs, size_t *nruns)
{
	struct phxvol_run *f = *runs, *m = NULL;
	struct run_list out = { 0 };
	size_t nf = *nruns, nm = 0, i = 0, j = 0;
	hsize_t fi = 0, mj = 0;

	/*
	 * Where the memory selection's elements are, in its order: its runs
	 * as one block at address 0 (file_off: the buffer offset; mem_off:
	 * the position in the selection).
	 */
	if (phxvol_runs(msel, msel->dims, esize, PHXVOL_MEM_PACKED, at_zero,
			NULL, &m, &nm) != 1)
		return -1;
	/* The file's runs come chunk by chunk: put them in selection order. */
	qsort(f, nf, sizeof(*f), by_mem_off);
	while (i < nf && j < nm) {
		hsize_t len = f[i].len - fi;

		if (m[j].len - mj < len)
			len = m[j].len - mj;
		if (run_add(&out, f[i].file_off + fi, m[j].file_off + mj, len)) {
			free(out.v);
			free(m);
			return -1;
		}
		fi += len;
		mj += len;
		if (fi == f[i].len)
			i++, fi = 0;
		if (mj == m[j].len)
			j++, mj = 0;
	}
	free(m);
	free(f);
	*runs = out.v;
	*nruns = out.n;
	return 0;
}
