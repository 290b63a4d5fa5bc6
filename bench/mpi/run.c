// SPDX-License-Identifier: MIT
/*
 * The repetitions of one mode. Before each: the page cache dropped (cold)
 * and the buffer poisoned, so that a repetition that moved nothing cannot
 * pass the check after the last one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

#define GiB (1024.0 * 1024 * 1024)

static int by_value(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The first failing rank's error on every rank; 0 if none failed. */
static int agree(const struct rep *rep, char *msg, size_t len)
{
	int in[2], out[2], rank;

	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	in[0] = rep->err ? rank : INT32_MAX;
	in[1] = rep->err;
	MPI_Allreduce(in, out, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD);
	if (out[0] == INT32_MAX)
		return 0;
	if (rank == out[0])
		fprintf(stderr, "phxfs-mpi-bench: rank %d: %s: %s\n", rank,
			rep->what, strerror(rep->err));
	snprintf(msg, len, "rank %d: %s", out[0], strerror(out[1]));
	return out[1];
}

/* Sums of every rank's counts since @before. */
static void count(const struct bench *b, const struct phxfs_mpi_stats *before,
		  struct phxfs_mpi_stats *sum)
{
	struct phxfs_mpi_stats now;
	unsigned long long d[8], all[8];

	phxfs_mpi_get_stats(b->ctx, &now);
	d[0] = now.direct_bytes - before->direct_bytes;
	d[1] = now.two_phase_bytes - before->two_phase_bytes;
	d[2] = now.exchanged_host_bytes - before->exchanged_host_bytes;
	d[3] = now.exchanged_device_bytes - before->exchanged_device_bytes;
	d[4] = now.staged_bytes - before->staged_bytes;
	d[5] = now.independent_bytes - before->independent_bytes;
	d[6] = now.direct_calls - before->direct_calls;
	d[7] = now.two_phase_calls - before->two_phase_calls;
	MPI_Allreduce(d, all, 8, MPI_UNSIGNED_LONG_LONG, MPI_SUM,
		      MPI_COMM_WORLD);
	*sum = (struct phxfs_mpi_stats){
		.cuda_aware = now.cuda_aware,
		.direct_bytes = all[0], .two_phase_bytes = all[1],
		.exchanged_host_bytes = all[2],
		.exchanged_device_bytes = all[3], .staged_bytes = all[4],
		.independent_bytes = all[5], .direct_calls = all[6],
		.two_phase_calls = all[7],
	};
}

/* MPI-IO's view for the interleaved layout: this rank's blocks only. */
static int set_view(struct bench *b, bool interleaved)
{
	MPI_Datatype blocks;
	int err;
	size_t nblocks = b->piece / b->o->block;
	uint64_t stride = b->o->block * (uint64_t)b->j->size;

	if (!interleaved)
		return MPI_File_set_view(b->mf, 0, MPI_BYTE, MPI_BYTE,
					 "native", MPI_INFO_NULL) ? -1 : 0;
	if (nblocks > INT32_MAX || stride > INT32_MAX)
		return -1;
	if (MPI_Type_vector((int)nblocks, (int)b->o->block, (int)stride,
			    MPI_BYTE, &blocks) || MPI_Type_commit(&blocks))
		return -1;
	err = MPI_File_set_view(b->mf,
				(MPI_Offset)(b->o->block * (uint64_t)b->j->rank),
				MPI_BYTE, blocks, "native", MPI_INFO_NULL);
	MPI_Type_free(&blocks);
	return err ? -1 : 0;
}

/* Rank 0: the times of the repetitions, in @r. */
static void summarise(const struct bench *b, struct result *r, double *secs,
		      double *rank_secs)
{
	double total = (double)b->piece * b->j->size / GiB;
	unsigned int n = r->reps;

	if (r->mode != MODE_INDEPENDENT) {
		double best = secs[0];

		for (unsigned int i = 1; i < n; i++)
			best = secs[i] < best ? secs[i] : best;
		r->sec_median = median(secs, n);
		r->sec_best = best;
		r->gibps_median = total / r->sec_median;
		r->gibps_best = total / best;
		return;
	}
	/* Per repetition: the sum of the ranks' rates alone. */
	double *sum = calloc(n, sizeof(double));
	double *serial = calloc(n, sizeof(double));
	double *one = calloc(n, sizeof(double));
	int size = b->j->size;

	r->rank_gibps = calloc((size_t)size, sizeof(double));
	if (!sum || !serial || !one || !r->rank_gibps)
		goto out;
	for (unsigned int i = 0; i < n; i++)
		for (int k = 0; k < size; k++) {
			double t = rank_secs[i * (unsigned int)size + (unsigned int)k];

			sum[i] += (double)b->piece / GiB / t;
			serial[i] += t;
		}
	for (int k = 0; k < size; k++) {
		for (unsigned int i = 0; i < n; i++)
			one[i] = (double)b->piece / GiB /
				 rank_secs[i * (unsigned int)size + (unsigned int)k];
		r->rank_gibps[k] = median(one, n);
	}
	memcpy(secs, serial, n * sizeof(double));
	r->sec_median = median(secs, n);
	r->sec_best = secs[0];
	r->serial_gibps = total / r->sec_median;
	r->gibps_median = median(sum, n);
	r->gibps_best = sum[n - 1];
out:
	free(sum);
	free(serial);
	free(one);
}

int run_mode(struct bench *b, enum mode m, struct result *r)
{
	const struct opts *o = b->o;
	struct phxfs_mpi_stats before;
	double *secs = calloc(o->reps, sizeof(double));
	double *rank_secs = calloc((size_t)o->reps * (size_t)b->j->size,
				   sizeof(double));
	bool mpiio = m == MODE_MPIIO_HOST || m == MODE_MPIIO_INTERLEAVED;
	int err = 0;

	*r = (struct result){ .mode = m, .cached = -1, .ok = true };
	if (!secs || !rank_secs) {
		fprintf(stderr, "phxfs-mpi-bench: out of memory\n");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	phxfs_mpi_get_stats(b->ctx, &before);
	if (!o->cold)
		r->cached = datafile_warm(b->j, b->df);
	if (mpiio && !job_all(b->j, !set_view(b, m == MODE_MPIIO_INTERLEAVED))) {
		snprintf(r->error, sizeof(r->error), "MPI_File_set_view failed");
		err = EIO;
	}
	for (unsigned int i = 0; !err && i < o->reps; i++) {
		struct rep rep;

		if (o->cold && m != MODE_INDEPENDENT) {
			double c = datafile_drop(b->j, b->df);

			r->cached = c > r->cached ? c : r->cached;
		}
		if (!job_all(b->j, !devbuf_poison(&b->buf))) {
			snprintf(r->error, sizeof(r->error), "poisoning the buffer failed");
			err = EIO;
			break;
		}
		mode_run(b, m, &rep);
		if (rep.cached > r->cached)
			r->cached = rep.cached;
		err = agree(&rep, r->error, sizeof(r->error));
		if (err)
			break;
		secs[i] = rep.seconds;
		MPI_Gather(&rep.seconds, 1, MPI_DOUBLE,
			   rank_secs + (size_t)i * (size_t)b->j->size, 1,
			   MPI_DOUBLE, 0, MPI_COMM_WORLD);
		r->reps++;
	}
	if (mpiio)
		set_view(b, false);
	count(b, &before, &r->stats);
	r->ok = !err;
	if (r->ok) {
		r->verified = job_all(b->j, !verify_buffer(b, m));
		if (!r->verified) {
			r->ok = false;
			snprintf(r->error, sizeof(r->error),
				 "verification failed (stderr says where)");
		}
	}
	if (b->j->rank == 0 && r->reps)
		summarise(b, r, secs, rank_secs);
	free(secs);
	free(rank_secs);
	return r->ok ? 0 : -1;
}
