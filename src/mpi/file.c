// SPDX-License-Identifier: MIT
/*
 * The shared file: opened by every rank (rank 0 first, so CREATE and EXCL
 * mean what they mean in MPI-IO), with O_DIRECT where the file system
 * takes it; its aggregators; and the independent calls.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static int open_flags(int amode, bool first, int *flags)
{
	int access = amode & (MPI_MODE_RDONLY | MPI_MODE_WRONLY |
			      MPI_MODE_RDWR);

	if (access == MPI_MODE_RDONLY)
		*flags = O_RDONLY;
	else if (access == MPI_MODE_WRONLY || access == MPI_MODE_RDWR)
		*flags = O_RDWR;	/* unaligned O_DIRECT writes read too */
	else
		return EINVAL;
	if ((amode & MPI_MODE_RDONLY) && (amode & MPI_MODE_CREATE))
		return EINVAL;
	if (first && (amode & MPI_MODE_CREATE))
		*flags |= O_CREAT | ((amode & MPI_MODE_EXCL) ? O_EXCL : 0);
	*flags |= O_CLOEXEC;
	return 0;
}

static int open_one(const char *path, int flags, int o_direct, int *fd)
{
	if (o_direct == PHXFS_MPI_DISABLE) {
		*fd = open(path, flags, 0644);
		return *fd < 0 ? errno : 0;
	}
	*fd = open(path, flags | O_DIRECT, 0644);
	/* tmpfs and some others refuse O_DIRECT: buffered still works. */
	if (*fd < 0 && errno == EINVAL && o_direct == PHXFS_MPI_AUTO)
		*fd = open(path, flags, 0644);
	return *fd < 0 ? errno : 0;
}

/*
 * cb_nodes aggregators spread over the nodes: node-local rank 0 of each
 * node first, then rank 1 of each, and so on.
 */
static int pick_aggregators(phxfs_mpi_file_t *f)
{
	phxfs_mpi_t *ctx = f->ctx;
	int want = f->hints.cb_nodes ? f->hints.cb_nodes : ctx->nodes;

	if (want > ctx->size)
		want = ctx->size;
	f->aggs = malloc(sizeof(int) * (size_t)want);
	if (!f->aggs)
		return ENOMEM;
	for (int local = 0; f->naggs < want; local++)
		for (int node = 0; node < ctx->nodes && f->naggs < want; node++)
			for (int r = 0; r < ctx->size; r++)
				if (ctx->node_of[r] == node &&
				    ctx->local_of[r] == local) {
					f->aggs[f->naggs++] = r;
					break;
				}
	return 0;
}

int phxfs_mpi_file_open(phxfs_mpi_t *ctx, const char *path, int amode,
			MPI_Info info, phxfs_mpi_file_t **out)
{
	phxfs_mpi_file_t *f;
	int err = 0, flags = 0, saved;

	if (!ctx) {
		errno = EINVAL;
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		err = ENOMEM;
	else if (!path || !out)
		err = EINVAL;
	if (f) {
		f->fd = -1;
		f->ctx = ctx;
		f->hints = ctx->hints;
	}
	if (!err)
		err = phxfs_mpi_hints_parse(info, &f->hints);
	if (!err)
		err = pick_aggregators(f);
	if (!err)
		err = open_flags(amode, ctx->rank == 0, &flags);
	if (!err && ctx->rank == 0)
		err = open_one(path, flags, f->hints.o_direct, &f->fd);
	if (phxfs_mpi_agree(ctx, err))
		goto fail;
	if (ctx->rank)
		err = open_one(path, flags, f->hints.o_direct, &f->fd);
	if (phxfs_mpi_agree(ctx, err))
		goto fail;
	f->rd = (flags & O_ACCMODE) == O_RDONLY ||
		(amode & MPI_MODE_RDWR);
	f->wr = !(amode & MPI_MODE_RDONLY);
	*out = f;
	return 0;
fail:
	saved = errno;
	if (f && f->fd >= 0)
		close(f->fd);
	if (f)
		free(f->aggs);
	free(f);
	errno = saved;
	return -1;
}

int phxfs_mpi_file_close(phxfs_mpi_file_t *f)
{
	phxfs_mpi_t *ctx;
	int err;

	if (!f) {
		errno = EINVAL;
		return -1;
	}
	ctx = f->ctx;
	phxfs_batch_destroy(f->batch);
	err = close(f->fd) ? errno : 0;
	free(f->aggs);
	free(f);
	return phxfs_mpi_agree(ctx, err);
}

int64_t phxfs_mpi_pio(phxfs_mpi_file_t *f, bool write, void *buf,
		      size_t buf_off, size_t len, int64_t off)
{
	size_t done = 0;

	if (write ? !f->wr : !f->rd)
		return -EBADF;
	while (done < len) {
		ssize_t n = write ?
			phxfs_write(f->fd, f->ctx->device, buf, buf_off + done,
				    len - done, (off_t)(off + (int64_t)done)) :
			phxfs_read(f->fd, f->ctx->device, buf, buf_off + done,
				   len - done, (off_t)(off + (int64_t)done));

		if (n < 0)
			return -errno;
		if (n == 0)
			break;		/* end of file */
		done += (size_t)n;
	}
	return (int64_t)done;
}

static int independent(phxfs_mpi_file_t *f, bool write, void *buf,
		       off_t offset, size_t size, size_t *bytes)
{
	int64_t n;

	if (!f || offset < 0 || (size && !buf)) {
		errno = EINVAL;
		return -1;
	}
	n = size ? phxfs_mpi_pio(f, write, buf, 0, size, offset) : 0;
	if (n < 0) {
		errno = (int)-n;
		return -1;
	}
	f->ctx->stats.independent_bytes += (uint64_t)n;
	if (bytes)
		*bytes = (size_t)n;
	return 0;
}

int phxfs_mpi_read_at(phxfs_mpi_file_t *f, off_t offset, void *buf,
		      size_t size, size_t *bytes)
{
	return independent(f, false, buf, offset, size, bytes);
}

int phxfs_mpi_write_at(phxfs_mpi_file_t *f, off_t offset, const void *buf,
		       size_t size, size_t *bytes)
{
	return independent(f, true, (void *)buf, offset, size, bytes);
}
