// SPDX-License-Identifier: MIT
/*
 * The modes' I/O. Each rank's destination is its device buffer; the
 * MPI-IO modes go through a host buffer and one cudaMemcpy, timed
 * together, as a program without GPU direct storage would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define MPIIO_CHUNK (1u << 30)	/* MPI counts are int: at most this a call */

bool mode_interleaved(enum mode m)
{
	return m == MODE_INTERLEAVED || m == MODE_MPIIO_INTERLEAVED;
}

static void failed(struct rep *r, int err, const char *what)
{
	if (r->err)
		return;
	r->err = err ? err : EIO;
	snprintf(r->what, sizeof(r->what), "%s", what);
}

/* Between a barrier and the slowest rank's end, the same on all ranks. */
static double since(double t0)
{
	double t = MPI_Wtime() - t0, slowest;

	MPI_Allreduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	return slowest;
}

static off_t my_offset(const struct bench *b)
{
	return (off_t)(b->piece * (size_t)b->j->rank);
}

static void collective(struct bench *b, struct rep *r)
{
	size_t got = 0;
	double t0;

	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	if (phxfs_mpi_read_at_all(b->f, my_offset(b), b->buf.p, b->piece,
				  &got))
		failed(r, errno, "phxfs_mpi_read_at_all");
	else if (got != b->piece)
		failed(r, EIO, "phxfs_mpi_read_at_all: short read");
	r->seconds = since(t0);
}

static void interleaved(struct bench *b, struct rep *r)
{
	size_t got = 0;
	double t0;

	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	if (phxfs_mpi_readv_at_all(b->f, b->buf.p, b->ext, b->next, &got))
		failed(r, errno, "phxfs_mpi_readv_at_all");
	else if (got != b->piece)
		failed(r, EIO, "phxfs_mpi_readv_at_all: short read");
	r->seconds = since(t0);
}

/* Each rank alone, in rank order; the others wait at the barrier. */
static void independent(struct bench *b, struct rep *r)
{
	for (int turn = 0; turn < b->j->size; turn++) {
		if (b->o->cold) {
			double c = datafile_drop(b->j, b->df);

			if (c > r->cached)
				r->cached = c;
		}
		MPI_Barrier(MPI_COMM_WORLD);
		if (turn == b->j->rank) {
			size_t got = 0;
			double t0 = MPI_Wtime();

			if (phxfs_mpi_read_at(b->f, my_offset(b), b->buf.p,
					      b->piece, &got))
				failed(r, errno, "phxfs_mpi_read_at");
			else if (got != b->piece)
				failed(r, EIO, "phxfs_mpi_read_at: short read");
			r->seconds = MPI_Wtime() - t0;
		}
	}
	MPI_Barrier(MPI_COMM_WORLD);
}

/* Every rank its piece at the same time, each on its own. */
static void independent_all(struct bench *b, struct rep *r)
{
	size_t got = 0;
	double t0;

	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	if (phxfs_mpi_read_at(b->f, my_offset(b), b->buf.p, b->piece, &got))
		failed(r, errno, "phxfs_mpi_read_at");
	else if (got != b->piece)
		failed(r, EIO, "phxfs_mpi_read_at: short read");
	r->seconds = since(t0);
}

/*
 * MPI_File_read_at_all of the piece into host memory, in calls of at
 * most MPIIO_CHUNK (every rank makes as many: the pieces are equal),
 * offsets in the file view's bytes.
 */
static void mpiio_read(struct bench *b, MPI_Offset base, struct rep *r)
{
	for (size_t done = 0; done < b->piece; done += MPIIO_CHUNK) {
		size_t n = b->piece - done < MPIIO_CHUNK ? b->piece - done :
							   MPIIO_CHUNK;
		MPI_Status st;
		int count = 0;

		if (MPI_File_read_at_all(b->mf, base + (MPI_Offset)done,
					 b->host + done, (int)n, MPI_BYTE,
					 &st)) {
			failed(r, EIO, "MPI_File_read_at_all");
			continue;	/* the others are in the next call */
		}
		MPI_Get_count(&st, MPI_BYTE, &count);
		if ((size_t)count != n)
			failed(r, EIO, "MPI_File_read_at_all: short read");
	}
}

static void mpiio(struct bench *b, MPI_Offset base, struct rep *r)
{
	double t0;

	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	mpiio_read(b, base, r);
	if (devbuf_from_host(&b->buf, 0, b->piece, b->host))
		failed(r, EIO, "cudaMemcpy");
	r->seconds = since(t0);
}

void mode_run(struct bench *b, enum mode m, struct rep *r)
{
	*r = (struct rep){ .cached = -1 };
	switch (m) {
	case MODE_COLLECTIVE:
		collective(b, r);
		break;
	case MODE_INTERLEAVED:
		interleaved(b, r);
		break;
	case MODE_INDEPENDENT:
		independent(b, r);
		break;
	case MODE_INDEPENDENT_ALL:
		independent_all(b, r);
		break;
	case MODE_MPIIO_HOST:
		mpiio(b, (MPI_Offset)my_offset(b), r);
		break;
	case MODE_MPIIO_INTERLEAVED:
		mpiio(b, 0, r);	/* the view starts at the rank's first block */
		break;
	default:
		failed(r, EINVAL, "no such mode");
	}
}
