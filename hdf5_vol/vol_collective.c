// SPDX-License-Identifier: MIT
/*
 * Collective reads and writes with the MPI-IO driver (vol_collective.h).
 * A file keeps, from its first collective transfer on, a duplicate of its
 * communicator, and from its first direct one a libphxfs_mpi context and
 * file: every rank creates and frees them in the same collective calls
 * (H5Dread/H5Dwrite, H5Fclose), which is what makes them collective-safe.
 */
#include "vol_collective.h"

#ifdef H5_HAVE_PARALLEL
#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <phxfs/phxfs.h>
#include <phxfs/phxfs_mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vol_layout.h"
#include "vol_runs.h"

struct coll_file {
	void *under;		/* the file beneath: the key */
	MPI_Comm comm;		/* a duplicate of the file's communicator */
	phxfs_mpi_t *ctx;	/* opened at the first direct transfer */
	phxfs_mpi_file_t *file;
	int device;
	bool coll_md;		/* metadata reads are collective */
	bool broken;		/* opening failed (on every rank): never again */
	struct coll_file *next;
};

static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;
static struct coll_file *files;

static struct coll_file *unlink_file(void *under)
{
	struct coll_file **p, *cf = NULL;

	pthread_mutex_lock(&files_lock);
	for (p = &files; *p; p = &(*p)->next) {
		if ((*p)->under == under) {
			cf = *p;
			*p = cf->next;
			break;
		}
	}
	pthread_mutex_unlock(&files_lock);
	return cf;
}

/*
 * The state of @dset's file, made at its first collective transfer
 * (every rank is in it: duplicating the communicator is collective, and
 * so is HDF5's copy of the file's access property list).
 */
static struct coll_file *file_state(struct phxvol_obj *dset)
{
	void *under = phxvol_under_file(dset);
	struct coll_file *cf;
	MPI_Info info = MPI_INFO_NULL;
	hid_t fapl;

	if (!under)
		return NULL;
	pthread_mutex_lock(&files_lock);
	for (cf = files; cf && cf->under != under; cf = cf->next)
		;
	pthread_mutex_unlock(&files_lock);
	if (cf)
		return cf;
	cf = calloc(1, sizeof(*cf));
	fapl = phxvol_file_fapl(dset);
	if (!cf || fapl < 0 ||
	    H5Pget_fapl_mpio(fapl, &cf->comm, &info) < 0) {
		if (fapl >= 0)
			H5Pclose(fapl);
		free(cf);
		return NULL;
	}
	cf->coll_md = true;	/* unknown: as if set */
	H5Pget_all_coll_metadata_ops(fapl, &cf->coll_md);
	H5Pclose(fapl);
	if (info != MPI_INFO_NULL)
		MPI_Info_free(&info);
	cf->under = under;
	cf->device = -1;
	pthread_mutex_lock(&files_lock);
	cf->next = files;
	files = cf;
	pthread_mutex_unlock(&files_lock);
	return cf;
}

/*
 * Open libphxfs_mpi on the file's ranks (collective): this rank's device,
 * O_DIRECT only where the module serves it (through the page cache, as the
 * independent path, otherwise).
 */
static int open_mpi(struct coll_file *cf, int device, const char *path,
		    bool rdwr)
{
	char dev[16];
	MPI_Info info;
	int ret;

	snprintf(dev, sizeof(dev), "%d", device);
	MPI_Info_create(&info);
	MPI_Info_set(info, PHXFS_MPI_INFO_DEVICE, dev);
	MPI_Info_set(info, "phxfs_o_direct",
		     phxfs_mode(device) == PHXFS_MODE_DIRECT ? "automatic" :
							       "disable");
	ret = phxfs_mpi_init(cf->comm, info, &cf->ctx);
	if (!ret) {
		ret = phxfs_mpi_file_open(cf->ctx, path,
					  rdwr ? MPI_MODE_RDWR : MPI_MODE_RDONLY,
					  info, &cf->file);
		if (ret) {
			phxfs_mpi_finalize(cf->ctx);
			cf->ctx = NULL;
		}
	}
	MPI_Info_free(&info);
	if (!ret)
		cf->device = device;
	return ret;
}

/* One dataset's runs in a collective read. */
struct part {
	struct phxvol_run *runs;
	size_t nruns;
};

/*
 * Whether this rank can read dataset @x directly: in @cf's file, a buffer
 * the direct path takes, on @device (the one the file's context uses),
 * runs planned (without chunk index lookups when metadata reads are
 * collective: the ranks would make different ones) and worth it.
 */
static bool can_move(const struct phxvol_xfer *x, bool write,
		     const struct coll_file *cf, int device, struct part *p)
{
	uint64_t bytes = 0;

	if (!x->candidate || phxvol_under_file(x->dset) != cf->under ||
	    phxvol_pick_device(x) != device)
		return false;
	if (phxvol_plan(x, write, PHXVOL_PLAN_COLLECTIVE |
			(cf->coll_md ? PHXVOL_PLAN_NO_INDEX : 0),
			&p->runs, &p->nruns) != 1)
		return false;
	for (size_t i = 0; i < p->nruns; i++)
		bytes += p->runs[i].len;
	return phxvol_worth_direct(x, p->nruns, bytes);
}

/* This rank's vote: every dataset movable directly (runs in @parts). */
static int vote(const struct phxvol_xfer *x, size_t count, bool write,
		const struct coll_file *cf, struct part *parts, char **path)
{
	int device = phxvol_pick_device(&x[0]);

	if (cf->broken || (cf->ctx && device != cf->device) ||
	    phxvol_device_get(device) < 0)
		return 0;
	for (size_t i = 0; i < count; i++)
		if (!can_move(&x[i], write, cf, device, &parts[i]))
			return 0;
	if (!cf->ctx && !(*path = phxvol_file_name(x[0].dset)))
		return 0;
	return 1;
}

static int move_runs(struct coll_file *cf, const struct phxvol_xfer *x,
		     bool write, const struct phxvol_run *runs, size_t nruns)
{
	struct phxfs_mpi_extent *ext = calloc(nruns ? nruns : 1, sizeof(*ext));
	size_t bytes = 0, want = 0;
	bool oom = !ext;
	int ret;

	/* Every rank reaches the collective call, this one with nothing. */
	if (oom)
		nruns = 0;
	for (size_t i = 0; i < nruns; i++) {
		ext[i] = (struct phxfs_mpi_extent){
			.file_offset = (off_t)runs[i].file_off,
			.buf_offset = runs[i].mem_off,
			.len = runs[i].len,
		};
		want += runs[i].len;
	}
	ret = write ?
		phxfs_mpi_writev_at_all(cf->file, x->buf, ext, nruns, &bytes) :
		phxfs_mpi_readv_at_all(cf->file, x->buf, ext, nruns, &bytes);
	free(ext);
	if (oom) {
		PHXVOL_ERR("out of memory for a collective transfer");
		return -1;
	}
	if (ret) {
		PHXVOL_ERR("%s: %s", write ? "phxfs_mpi_writev_at_all" :
				     "phxfs_mpi_readv_at_all", strerror(errno));
		return -1;
	}
	if (bytes != want) {
		PHXVOL_ERR("collective %s of %zu bytes: %zu moved",
			   write ? "write" : "read", want, bytes);
		return -1;
	}
	phxvol_stat_add(write ? PHXVOL_DIRECT_WRITE : PHXVOL_DIRECT_READ, want);
	phxvol_stat_add(write ? PHXVOL_COLLECTIVE_WRITE :
				PHXVOL_COLLECTIVE_READ, want);
	return 1;
}

/*
 * A file open for writing: HDF5's own copies of raw data written out first
 * (its flush is collective: every rank calls it, and they agree on how it
 * went). 0, or -1 on every rank.
 */
static int flush_together(const struct phxvol_xfer *x, struct coll_file *cf)
{
	int bad;

	if (!x->dset->file_rdwr)
		return 0;
	bad = phxvol_file_flush(x->dset, x->dxpl) < 0;
	MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, cf->comm);
	if (bad)
		PHXVOL_ERR("flushing the file before a collective transfer failed");
	return bad ? -1 : 0;
}

int phxvol_collective_transfer(const struct phxvol_xfer *x, size_t count,
			       bool write)
{
	struct part *parts;
	struct coll_file *cf;
	char *path = NULL;
	int ret = 1, v[3];
	bool go;

	/*
	 * Every rank of a collective transfer sees the same transfer mode and
	 * file: these tests agree without a word.
	 */
	if (!count || !phxvol_collective(x[0].dxpl) ||
	    phxvol_file_facts(x[0].dset) < 0 || !x[0].dset->file_mpio)
		return 0;
	cf = file_state(x[0].dset);
	parts = calloc(count, sizeof(*parts));
	if (!cf || !parts) {
		free(parts);
		PHXVOL_ERR("out of memory for a collective transfer");
		return -1;
	}
	/* All can, with as many datasets each (H5D*_multi). */
	v[0] = vote(x, count, write, cf, parts, &path);
	v[1] = count > INT_MAX ? INT_MAX : (int)count;
	v[2] = -v[1];
	MPI_Allreduce(MPI_IN_PLACE, v, 3, MPI_INT, MPI_MIN, cf->comm);
	if (!v[0] || v[1] != -v[2])
		ret = 0;
	else if (!cf->ctx && open_mpi(cf, phxvol_pick_device(x), path,
				      x[0].dset->file_rdwr))
		ret = 0, cf->broken = true;	/* on every rank: the calls agree */
	else if (flush_together(x, cf) < 0)
		ret = -1;
	/* One collective call per dataset on every rank, failed or not. */
	go = ret > 0;
	for (size_t i = 0; go && i < count; i++)
		if (move_runs(cf, &x[i], write, parts[i].runs,
			      parts[i].nruns) < 0)
			ret = -1;
	for (size_t i = 0; i < count; i++)
		free(parts[i].runs);
	free(parts);
	free(path);
	return ret;
}

void phxvol_collective_file_close(void *under_file)
{
	struct coll_file *cf = unlink_file(under_file);
	int finalized = 1;

	if (!cf)
		return;
	/* After MPI_Finalize nothing can be freed collectively: left. */
	MPI_Finalized(&finalized);
	if (!finalized) {
		if (cf->file)
			phxfs_mpi_file_close(cf->file);
		if (cf->ctx)
			phxfs_mpi_finalize(cf->ctx);
		MPI_Comm_free(&cf->comm);
	}
	free(cf);
}

#else /* !H5_HAVE_PARALLEL */

int phxvol_collective_transfer(const struct phxvol_xfer *x, size_t count,
			       bool write)
{
	(void)x;
	(void)count;
	(void)write;
	return 0;
}

void phxvol_collective_file_close(void *under_file)
{
	(void)under_file;
}

#endif
