// SPDX-License-Identifier: MIT
/* Direct dataset reads and writes, and the host bounce (vol_direct.h). */
#include "vol_direct.h"

#include <errno.h>
#include <limits.h>
#include <phxfs/phxfs.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vol_cuda.h"
#include "vol_layout.h"
#include "vol_runs.h"

/* A data transform (H5Pset_data_transform): left to the library. */
static bool has_transform(hid_t dxpl)
{
	ssize_t transform = 0;

	if (dxpl == H5P_DEFAULT)
		return false;
	/* It fails when there is none: quietly (HDF5 would print that). */
	H5E_BEGIN_TRY {
		transform = H5Pget_data_transform(dxpl, NULL, 0);
	} H5E_END_TRY
	return transform > 0;
}

bool phxvol_collective(hid_t dxpl)
{
#ifdef H5_HAVE_PARALLEL
	H5FD_mpio_xfer_t mode = H5FD_MPIO_INDEPENDENT;
	herr_t got = -1;

	if (dxpl == H5P_DEFAULT)
		return false;
	H5E_BEGIN_TRY {
		got = H5Pget_dxpl_mpio(dxpl, &mode);
	} H5E_END_TRY
	return got >= 0 && mode == H5FD_MPIO_COLLECTIVE;
#else
	(void)dxpl;
	return false;
#endif
}

int phxvol_pick_device(const struct phxvol_xfer *x)
{
	if (x->dset->device_id >= 0)
		return x->dset->device_id;
	if (phxvol_env.device_id >= 0)
		return phxvol_env.device_id;
	return x->on_device ? x->cuda_device : 0;
}

static hid_t dataset_space(struct phxvol_obj *d)
{
	H5VL_dataset_get_args_t args = { .op_type = H5VL_DATASET_GET_SPACE };

	if (H5VLdataset_get(d->under, d->under_vol_id, &args,
			    H5P_DATASET_XFER_DEFAULT, NULL) < 0)
		return H5I_INVALID_HID;
	return args.args.get_space.space_id;
}

/* The chunks the bounding box of @sel touches (saturating). */
static hsize_t touched_chunks(const struct phxvol_sel *sel,
			      const struct phxvol_layout *l)
{
	hsize_t n = 1;

	for (int d = 0; d < sel->rank; d++) {
		size_t k = sel->nint[d];
		hsize_t lo, hi, span;

		if (!k)
			return 0;
		lo = sel->start[d][0];
		hi = sel->start[d][k - 1] + sel->len[d][k - 1] - 1;
		span = hi / l->chunk[d] - lo / l->chunk[d] + 1;
		n = span > HSIZE_UNDEF / n ? HSIZE_UNDEF : n * span;
	}
	return n;
}

int phxvol_plan(const struct phxvol_xfer *x, bool write, unsigned int how,
		struct phxvol_run **runs, size_t *nruns)
{
	struct phxvol_sel sel, msel = { 0 };
	struct phxvol_layout layout, *l = &layout;
	enum phxvol_mem_map map;
	bool remap = false;
	const char *why = NULL;
	hid_t fspace;
	int ret;

	*runs = NULL;
	*nruns = 0;
	if (has_transform(x->dxpl) ||
	    (phxvol_collective(x->dxpl) && !(how & PHXVOL_PLAN_COLLECTIVE)))
		return 0;
	ret = phxvol_layout_query(x->dset, x->mem_type, l, &why);
	if (ret <= 0)
		return ret;
	if (l->chunked && (how & PHXVOL_PLAN_NO_INDEX))
		return 0;
	if (!x->dset->file_named)
		return 0;
	/* The MPI-IO driver's flush is collective: not from one rank alone. */
	if (x->dset->file_rdwr && x->dset->file_mpio &&
	    !(how & PHXVOL_PLAN_COLLECTIVE))
		return 0;
	/*
	 * Writes: into allocated contiguous storage of a writable file, and
	 * not under HDF5's page buffer, which would keep the old bytes.
	 */
	if (write && (l->chunked || !x->dset->file_rdwr || x->dset->file_paged))
		return 0;

	fspace = x->file_space == H5S_ALL ? dataset_space(x->dset) :
					    x->file_space;
	if (fspace < 0)
		return -1;
	ret = phxvol_sel_from_space(fspace, &sel);
	if (ret <= 0)
		goto out;
	ret = 0;
	/* A file space of another extent than the dataset's: HDF5's error. */
	if (sel.rank != l->rank ||
	    memcmp(sel.dims, l->dims, (size_t)l->rank * sizeof(hsize_t)))
		goto out_sel;
	if (x->mem_space == H5S_ALL) {
		map = PHXVOL_MEM_SAME;
	} else if (x->mem_space == H5S_BLOCK) {
		map = PHXVOL_MEM_PACKED;
	} else if (x->mem_space == H5S_PLIST) {
		goto out_sel;
	} else if (H5Sget_select_type(x->mem_space) == H5S_SEL_ALL &&
		   H5Sget_select_npoints(x->mem_space) == (hssize_t)sel.npoints) {
		map = PHXVOL_MEM_PACKED;
	} else {
		/* A regular hyperslab of memory: the packed runs, re-aimed. */
		ret = phxvol_sel_from_space(x->mem_space, &msel);
		if (ret <= 0)
			goto out_sel;
		ret = 0;
		if (msel.npoints != sel.npoints)
			goto out_sel;
		map = PHXVOL_MEM_PACKED;
		remap = true;
	}
	ret = phxvol_chunk_table_load(l, touched_chunks(&sel, l));
	if (ret >= 0)
		ret = phxvol_runs(&sel, l->chunk, l->esize, map,
				  phxvol_chunk_addr, l, runs, nruns);
	if (ret == 1 && remap &&
	    phxvol_runs_to_memory(&msel, l->esize, runs, nruns) < 0) {
		free(*runs);
		*runs = NULL;
		ret = -1;
	}
	if (ret < 0)
		PHXVOL_ERR("out of memory planning a direct transfer");
out_sel:
	phxvol_sel_free(&msel);
	phxvol_sel_free(&sel);
out:
	phxvol_layout_free(l);
	if (x->file_space == H5S_ALL)
		H5Sclose(fspace);
	return ret;
}

/*
 * Many runs (chunks, strided hyperslabs) go as one batch, in flight
 * together; a few small ones, one after another. A few large ones (chunks
 * that lie end to end merge into a few long runs) go as a batch too: one
 * after another, each one's last pieces would leave libphxfs's workers
 * idle until the next run starts. One batch serves the process: HDF5
 * calls connectors one at a time, but the lock keeps that an assumption
 * nobody has to trust.
 */
#define BATCH_FROM_RUNS 8
#define BATCH_FROM_BYTES (16u << 20)

static pthread_mutex_t batch_lock = PTHREAD_MUTEX_INITIALIZER;
static phxfs_batch_t *batch;

void phxvol_batch_close(void)
{
	pthread_mutex_lock(&batch_lock);
	if (batch)
		phxfs_batch_destroy(batch);
	batch = NULL;
	pthread_mutex_unlock(&batch_lock);
}

static int run_failed(bool write, const struct phxvol_run *r, ssize_t n)
{
	PHXVOL_ERR("%s of %llu bytes at file offset %llu: %s",
		   write ? "phxfs_write" : "phxfs_read",
		   (unsigned long long)r->len, (unsigned long long)r->file_off,
		   n < 0 ? strerror((int)-n) : "short transfer");
	return -1;
}

static int move_one_by_one(int fd, int dev, void *buf,
			   const struct phxvol_run *runs, size_t nruns,
			   bool write)
{
	for (size_t i = 0; i < nruns; i++) {
		ssize_t n = write ?
			phxfs_write(fd, dev, buf, runs[i].mem_off, runs[i].len,
				    (off_t)runs[i].file_off) :
			phxfs_read(fd, dev, buf, runs[i].mem_off, runs[i].len,
				   (off_t)runs[i].file_off);

		if (n != (ssize_t)runs[i].len)
			return run_failed(write, &runs[i], n < 0 ? -errno : n);
	}
	return 0;
}

static int move_batched(int fd, int dev, void *buf,
			const struct phxvol_run *runs, size_t nruns,
			bool write)
{
	struct phxfs_io_req *reqs = calloc(nruns, sizeof(*reqs));
	ssize_t *res = calloc(nruns, sizeof(*res));
	int ret = 0;

	if (!reqs || !res || nruns > UINT_MAX) {
		free(reqs);
		free(res);
		return move_one_by_one(fd, dev, buf, runs, nruns, write);
	}
	for (size_t i = 0; i < nruns; i++)
		reqs[i] = (struct phxfs_io_req){
			.opcode = write ? PHXFS_OP_WRITE : PHXFS_OP_READ,
			.fd = fd, .device_id = dev, .buf = buf,
			.buf_offset = runs[i].mem_off, .size = runs[i].len,
			.file_offset = (off_t)runs[i].file_off,
		};
	pthread_mutex_lock(&batch_lock);
	if (!batch)
		batch = phxfs_batch_create(0);
	if (!batch ||
	    phxfs_batch_run(batch, reqs, (unsigned int)nruns, res)) {
		pthread_mutex_unlock(&batch_lock);
		ret = move_one_by_one(fd, dev, buf, runs, nruns, write);
		goto out;
	}
	pthread_mutex_unlock(&batch_lock);
	for (size_t i = 0; i < nruns && !ret; i++)
		if (res[i] != (ssize_t)runs[i].len)
			ret = run_failed(write, &runs[i], res[i]);
out:
	free(reqs);
	free(res);
	return ret;
}

/* Many runs of staged device memory, in all their requests. */
#define STAGED_MANY_RUNS 16

bool phxvol_worth_direct(const struct phxvol_xfer *x, size_t nruns,
			 uint64_t bytes)
{
	if (!x->on_device || x->registered || nruns < STAGED_MANY_RUNS)
		return true;
	return bytes / nruns >= phxvol_env.min_run;
}

static int transfer(const struct phxvol_xfer *x, bool write)
{
	struct phxvol_run *runs;
	size_t nruns;
	uint64_t bytes = 0;
	int dev, fd, ret = phxvol_plan(x, write, 0, &runs, &nruns);

	if (ret <= 0)
		return ret;
	for (size_t i = 0; i < nruns; i++)
		bytes += runs[i].len;
	/*
	 * Runs too many and small, a device phxfs cannot open, or a file the
	 * connector cannot open (gone from its name): HDF5 still can, through
	 * its own descriptor.
	 */
	ret = 0;
	if (!phxvol_worth_direct(x, nruns, bytes))
		goto out;
	dev = phxvol_pick_device(x);
	if (phxvol_device_get(dev) < 0)
		goto out;
	fd = phxvol_dataset_fd(x->dset, phxfs_mode(dev) == PHXFS_MODE_DIRECT);
	if (fd < 0)
		goto out;
	ret = -1;
	/* HDF5 may hold raw data not yet written (chunk cache, sieve buffer). */
	if (x->dset->file_rdwr && phxvol_file_flush(x->dset, x->dxpl) < 0)
		goto out;
	if ((nruns >= BATCH_FROM_RUNS ||
	     (nruns > 1 && bytes >= BATCH_FROM_BYTES) ?
		     move_batched(fd, dev, x->buf, runs, nruns, write) :
		     move_one_by_one(fd, dev, x->buf, runs, nruns, write)) < 0)
		goto out;
	phxvol_stat_add(write ? PHXVOL_DIRECT_WRITE : PHXVOL_DIRECT_READ, bytes);
	ret = 1;
out:
	free(runs);
	return ret;
}

int phxvol_direct_read(const struct phxvol_xfer *x)
{
	return transfer(x, false);
}

int phxvol_direct_write(const struct phxvol_xfer *x)
{
	return transfer(x, true);
}

/*
 * The bytes of the buffer the transfer touches: the memory dataspace's
 * extent (H5S_ALL: the file's; H5S_BLOCK: the selected elements), and
 * whether every one of them is written by a read.
 */
static int buffer_extent(const struct phxvol_xfer *x, size_t *bytes,
			 bool *whole)
{
	size_t esize = H5Tget_size(x->mem_type);
	hid_t fspace = x->file_space;
	hssize_t ext, sel;

	if (esize == 0 || x->mem_space == H5S_PLIST)
		return -1;
	if (x->mem_space != H5S_ALL && x->mem_space != H5S_BLOCK) {
		ext = H5Sget_simple_extent_npoints(x->mem_space);
		sel = H5Sget_select_npoints(x->mem_space);
	} else {
		if (fspace == H5S_ALL)
			fspace = dataset_space(x->dset);
		if (fspace < 0)
			return -1;
		ext = H5Sget_simple_extent_npoints(fspace);
		sel = H5Sget_select_npoints(fspace);
		if (x->mem_space == H5S_BLOCK)
			ext = sel;
		if (x->file_space == H5S_ALL)
			H5Sclose(fspace);
	}
	if (ext < 0 || sel < 0)
		return -1;
	*bytes = (size_t)ext * esize;
	*whole = sel == ext;
	return 0;
}

static herr_t under_read(const struct phxvol_xfer *x, void *buf, void **req)
{
	void *obj = x->dset->under;
	hid_t mt = x->mem_type, ms = x->mem_space, fs = x->file_space;

	return H5VLdataset_read(1, &obj, x->dset->under_vol_id, &mt, &ms, &fs,
				x->dxpl, &buf, req);
}

static herr_t under_write(const struct phxvol_xfer *x, const void *buf,
			  void **req)
{
	void *obj = x->dset->under;
	hid_t mt = x->mem_type, ms = x->mem_space, fs = x->file_space;

	return H5VLdataset_write(1, &obj, x->dset->under_vol_id, &mt, &ms, &fs,
				 x->dxpl, &buf, req);
}

herr_t phxvol_bounce_read(const struct phxvol_xfer *x, void **req)
{
	size_t bytes;
	bool whole;
	void *host;
	herr_t ret = -1;

	if (!x->on_device) {
		phxvol_stat_add(PHXVOL_FALLBACK_READ, 0);
		return under_read(x, x->buf, req);
	}
	if (H5Tis_variable_str(x->mem_type) > 0 ||
	    H5Tdetect_class(x->mem_type, H5T_VLEN) > 0 ||
	    buffer_extent(x, &bytes, &whole) < 0) {
		PHXVOL_ERR("cannot read variable-length data or this selection into device memory");
		return -1;
	}
	host = malloc(bytes ? bytes : 1);
	if (!host) {
		PHXVOL_ERR("out of memory for a %zu-byte bounce buffer", bytes);
		return -1;
	}
	/* Unselected elements keep their values: start from the device's. */
	if (!whole && phxvol_cuda_dtoh(x->cuda_ctx, host, x->buf, bytes)) {
		PHXVOL_ERR("copy from device memory failed");
		goto out;
	}
	/* The bounce is synchronous: no request is handed back. */
	if (under_read(x, host, NULL) < 0)
		goto out;
	if (phxvol_cuda_htod(x->cuda_ctx, x->buf, host, bytes)) {
		PHXVOL_ERR("copy to device memory failed");
		goto out;
	}
	(void)req;
	phxvol_stat_add(PHXVOL_FALLBACK_READ, bytes);
	phxvol_stat_add(PHXVOL_BOUNCED_READ, bytes);
	ret = 0;
out:
	free(host);
	return ret;
}

herr_t phxvol_bounce_write(const struct phxvol_xfer *x, void **req)
{
	size_t bytes;
	bool whole;
	void *host;
	herr_t ret = -1;

	if (!x->on_device) {
		phxvol_stat_add(PHXVOL_FALLBACK_WRITE, 0);
		return under_write(x, x->buf, req);
	}
	if (H5Tis_variable_str(x->mem_type) > 0 ||
	    H5Tdetect_class(x->mem_type, H5T_VLEN) > 0 ||
	    buffer_extent(x, &bytes, &whole) < 0) {
		PHXVOL_ERR("cannot write variable-length data or this selection from device memory");
		return -1;
	}
	host = malloc(bytes ? bytes : 1);
	if (!host) {
		PHXVOL_ERR("out of memory for a %zu-byte bounce buffer", bytes);
		return -1;
	}
	if (phxvol_cuda_dtoh(x->cuda_ctx, host, x->buf, bytes)) {
		PHXVOL_ERR("copy from device memory failed");
		goto out;
	}
	if (under_write(x, host, NULL) < 0)
		goto out;
	(void)req;
	phxvol_stat_add(PHXVOL_FALLBACK_WRITE, bytes);
	phxvol_stat_add(PHXVOL_BOUNCED_WRITE, bytes);
	ret = 0;
out:
	free(host);
	return ret;
}
