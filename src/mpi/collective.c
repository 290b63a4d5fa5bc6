// SPDX-License-Identifier: MIT
/*
 * The collective calls: every rank says what it wants in one small
 * allgather, then either each rank moves its own pieces (large enough:
 * storage straight to its device) or all go through two-phase aggregation
 * (small pieces, and interleaved writes).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * What each rank tells the others first: its number of pieces, the file
 * size, its first piece and its smallest.
 */
enum { H_COUNT, H_EOF, H_OFF, H_LEN, H_MIN, H_WORDS };

static int check(phxfs_mpi_file_t *f, bool write, const void *buf,
		 const struct phxfs_mpi_extent *ext, size_t count)
{
	if (write ? !f->wr : !f->rd)
		return EBADF;
	if (count && !ext)
		return EINVAL;
	if (count > INT_MAX / 3)
		return EINVAL;
	for (size_t i = 0; i < count; i++) {
		if (!ext[i].len)
			continue;
		if (!buf || ext[i].file_offset < 0 ||
		    ext[i].len > (size_t)INT64_MAX ||
		    (int64_t)ext[i].len > INT64_MAX - ext[i].file_offset ||
		    ext[i].buf_offset > SIZE_MAX - ext[i].len ||
		    ext[i].buf_offset > (size_t)INT64_MAX)
			return EINVAL;
	}
	return 0;
}

/*
 * Reads: every piece of every rank large enough (each then moves straight,
 * interleaved with the others' or not). Writes: every rank one piece,
 * large enough, not sharing a block with another's.
 */
static bool go_direct(phxfs_mpi_file_t *f, bool write, const int64_t *hdr)
{
	phxfs_mpi_t *ctx = f->ctx;
	int sw = write ? f->hints.cb_write : f->hints.cb_read;

	if (sw != PHXFS_MPI_AUTO)
		return sw == PHXFS_MPI_DISABLE;
	for (int r = 0; r < ctx->size; r++) {
		const int64_t *h = hdr + r * H_WORDS;

		if ((write && h[H_COUNT] > 1) ||
		    (h[H_COUNT] && (uint64_t)h[H_MIN] < f->hints.direct_min))
			return false;
	}
	if (!write)
		return true;
	/* O_DIRECT writes read-modify-write partial blocks: no sharing. */
	for (int a = 0; a < ctx->size; a++)
		for (int b = 0; b < ctx->size; b++) {
			const int64_t *x = hdr + a * H_WORDS;
			const int64_t *y = hdr + b * H_WORDS;

			if (a == b || !x[H_COUNT] || !y[H_COUNT])
				continue;
			if (x[H_OFF] / PHXFS_MPI_ALIGN <=
			    (y[H_OFF] + y[H_LEN] - 1) / PHXFS_MPI_ALIGN &&
			    y[H_OFF] / PHXFS_MPI_ALIGN <=
			    (x[H_OFF] + x[H_LEN] - 1) / PHXFS_MPI_ALIGN)
				return false;
		}
	return true;
}

/*
 * Several pieces: in flight together through the file's batch (one after
 * another, each would leave libphxfs's workers idle at its end). 0, an
 * errno, or -1: no batch to be had.
 */
static int direct_batched(phxfs_mpi_file_t *f, bool write, void *buf,
			  const struct phxfs_mpi_piece *mine, int n,
			  size_t *bytes)
{
	struct phxfs_io_req *reqs = calloc((size_t)n, sizeof(*reqs));
	ssize_t *res = calloc((size_t)n, sizeof(*res));
	int err = -1;

	if (!f->batch)
		f->batch = phxfs_batch_create(0);
	if (!f->batch || !reqs || !res)
		goto out;
	for (int i = 0; i < n; i++)
		reqs[i] = (struct phxfs_io_req){
			.opcode = write ? PHXFS_OP_WRITE : PHXFS_OP_READ,
			.fd = f->fd, .device_id = f->ctx->device, .buf = buf,
			.buf_offset = (size_t)mine[i].buf,
			.size = (size_t)mine[i].len, .file_offset = mine[i].off,
		};
	if (phxfs_batch_run(f->batch, reqs, (unsigned int)n, res))
		goto out;
	err = 0;
	for (int i = 0; i < n; i++) {
		if (res[i] < 0 && !err)
			err = (int)-res[i];
		else if (res[i] > 0)
			*bytes += (size_t)res[i];
	}
out:
	free(reqs);
	free(res);
	return err;
}

static int direct(phxfs_mpi_file_t *f, bool write, void *buf,
		  const struct phxfs_mpi_piece *mine, int n, size_t *bytes)
{
	int err;

	*bytes = 0;
	if (n > 1) {
		err = direct_batched(f, write, buf, mine, n, bytes);
		if (err >= 0)
			return err;
	}
	for (int i = 0; i < n; i++) {
		int64_t got = phxfs_mpi_pio(f, write, buf, (size_t)mine[i].buf,
					    (size_t)mine[i].len, mine[i].off);

		if (got < 0)
			return (int)-got;
		*bytes += (size_t)got;
	}
	return 0;
}

static int by_offset(const void *pa, const void *pb)
{
	const struct phxfs_mpi_piece *a = pa, *b = pb;

	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->buf < b->buf ? -1 : a->buf > b->buf;
}

/*
 * Everyone's pieces, each rank's sorted; reads clipped to @eof. Agrees on
 * its own failures: -1 with errno, the same on every rank.
 */
static int gather(phxfs_mpi_t *ctx, const int64_t *hdr,
		  const struct phxfs_mpi_piece *mine, int n, bool clip,
		  int64_t eof, struct phxfs_mpi_piece **all_out,
		  int **first_out)
{
	int *counts = malloc(sizeof(int) * (size_t)ctx->size);
	int *displs = malloc(sizeof(int) * (size_t)ctx->size);
	int *first = malloc(sizeof(int) * ((size_t)ctx->size + 1));
	struct phxfs_mpi_piece *all = NULL;
	int64_t total = 0;
	int err = 0;

	for (int r = 0; r < ctx->size; r++)
		total += hdr[r * H_WORDS + H_COUNT];
	if (total > INT_MAX / 3)
		err = E2BIG;	/* the same on every rank */
	else if (counts && displs && first)
		all = malloc(sizeof(*all) * (size_t)(total ? total : 1));
	if (!err && !all)
		err = ENOMEM;
	if (!phxfs_mpi_agree(ctx, err)) {
		for (int r = 0, at = 0; r < ctx->size; r++) {
			counts[r] = (int)hdr[r * H_WORDS + H_COUNT] * 3;
			displs[r] = at;
			first[r] = at / 3;
			at += counts[r];
		}
		first[ctx->size] = (int)total;
		err = MPI_Allgatherv(mine, n * 3, MPI_INT64_T, all, counts,
				     displs, MPI_INT64_T, ctx->comm);
		err = phxfs_mpi_agree(ctx, err ? EIO : 0);
	} else {
		err = -1;
	}
	free(counts);
	free(displs);
	if (err) {
		err = errno;
		free(all);
		free(first);
		errno = err;
		return -1;
	}
	for (int r = 0; r < ctx->size; r++) {
		int k = first[r];

		qsort(all + first[r], (size_t)(first[r + 1] - first[r]),
		      sizeof(*all), by_offset);
		/* Past the end of the file there is nothing to move. */
		for (int i = first[r]; i < first[r + 1]; i++) {
			struct phxfs_mpi_piece p = all[i];

			if (clip && p.off + p.len > eof)
				p.len = p.off < eof ? eof - p.off : 0;
			if (p.len)
				all[k++] = p;
		}
		/* Compact: ranks after r move down. */
		if (k < first[r + 1]) {
			int gap = first[r + 1] - k;

			memmove(all + k, all + first[r + 1],
				sizeof(*all) * (size_t)(first[ctx->size] -
							first[r + 1]));
			for (int q = r + 1; q <= ctx->size; q++)
				first[q] -= gap;
		}
	}
	*all_out = all;
	*first_out = first;
	return 0;
}

/* phxfs_mpi_get_stats(): a successful call's bytes, by the path taken. */
static void tally(phxfs_mpi_file_t *f, bool direct, const void *buf,
		  size_t done)
{
	struct phxfs_mpi_stats *st = &f->ctx->stats;

	if (direct) {
		st->direct_calls++;
		st->direct_bytes += done;
		return;
	}
	st->two_phase_calls++;
	st->two_phase_bytes += done;
	switch (phxfs_mpi_exchange_of(f, buf)) {
	case PHXFS_MPI_EXCHANGE_HOST:
		st->exchanged_host_bytes += done;
		break;
	case PHXFS_MPI_EXCHANGE_DEVICE:
		st->exchanged_device_bytes += done;
		break;
	case PHXFS_MPI_EXCHANGE_STAGED:
	case PHXFS_MPI_EXCHANGE_MAPPED:
		st->staged_bytes += done;
		break;
	}
}

int phxfs_mpi_collective(phxfs_mpi_file_t *f, bool write, void *buf,
			 const struct phxfs_mpi_extent *ext, size_t count,
			 size_t *bytes)
{
	struct phxfs_mpi_piece *mine = NULL, *all = NULL;
	int64_t *hdr, me[H_WORDS] = { 0 }, eof = 0;
	phxfs_mpi_t *ctx;
	size_t done = 0;
	int *first = NULL, n = 0, err;
	bool straight;
	struct stat st;

	if (!f) {
		errno = EINVAL;
		return -1;
	}
	ctx = f->ctx;
	hdr = malloc(sizeof(int64_t) * H_WORDS * (size_t)ctx->size);
	err = hdr ? check(f, write, buf, ext, count) : ENOMEM;
	if (!err && count && !(mine = malloc(sizeof(*mine) * count)))
		err = ENOMEM;
	for (size_t i = 0; !err && i < count; i++)
		if (ext[i].len)
			mine[n++] = (struct phxfs_mpi_piece){
				.off = ext[i].file_offset,
				.len = (int64_t)ext[i].len,
				.buf = (int64_t)ext[i].buf_offset,
			};
	if (!err && !write)
		err = fstat(f->fd, &st) ? errno : 0;
	/* Bad arguments anywhere: nobody moves a byte. */
	if (phxfs_mpi_agree(ctx, err)) {
		err = errno;
		goto out;
	}
	me[H_COUNT] = n;
	me[H_EOF] = write ? 0 : st.st_size;
	me[H_OFF] = n ? mine[0].off : 0;
	me[H_LEN] = n ? mine[0].len : 0;
	me[H_MIN] = me[H_LEN];
	for (int i = 1; i < n; i++)
		if (mine[i].len < me[H_MIN])
			me[H_MIN] = mine[i].len;
	if (MPI_Allgather(me, H_WORDS, MPI_INT64_T, hdr, H_WORDS, MPI_INT64_T,
			  ctx->comm)) {
		err = EIO;
		goto out;
	}
	for (int r = 0; r < ctx->size; r++)
		if (hdr[r * H_WORDS + H_EOF] > eof)
			eof = hdr[r * H_WORDS + H_EOF];

	straight = go_direct(f, write, hdr);
	if (straight) {
		err = direct(f, write, buf, mine, n, &done);
	} else {
		if (gather(ctx, hdr, mine, n, !write, eof, &all, &first)) {
			err = errno;
			goto out;
		}
		for (int i = first[ctx->rank]; i < first[ctx->rank + 1]; i++)
			done += (size_t)all[i].len;
		err = phxfs_mpi_two_phase(f, write, buf, all, first);
	}
	err = phxfs_mpi_agree(ctx, err) ? errno : 0;
	if (!err)
		tally(f, straight, buf, done);
out:
	free(hdr);
	free(mine);
	free(all);
	free(first);
	if (err) {
		errno = err;
		return -1;
	}
	if (bytes)
		*bytes = done;
	return 0;
}

int phxfs_mpi_read_at_all(phxfs_mpi_file_t *f, off_t offset, void *buf,
			  size_t size, size_t *bytes)
{
	struct phxfs_mpi_extent e = { offset, 0, size };

	return phxfs_mpi_collective(f, false, buf, &e, 1, bytes);
}

int phxfs_mpi_write_at_all(phxfs_mpi_file_t *f, off_t offset,
			   const void *buf, size_t size, size_t *bytes)
{
	struct phxfs_mpi_extent e = { offset, 0, size };

	return phxfs_mpi_collective(f, true, (void *)buf, &e, 1, bytes);
}

int phxfs_mpi_readv_at_all(phxfs_mpi_file_t *f, void *buf,
			   const struct phxfs_mpi_extent *ext, size_t count,
			   size_t *bytes)
{
	return phxfs_mpi_collective(f, false, buf, ext, count, bytes);
}

int phxfs_mpi_writev_at_all(phxfs_mpi_file_t *f, const void *buf,
			    const struct phxfs_mpi_extent *ext, size_t count,
			    size_t *bytes)
{
	return phxfs_mpi_collective(f, true, (void *)buf, ext, count, bytes);
}

