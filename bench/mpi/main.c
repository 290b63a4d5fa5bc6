// SPDX-License-Identifier: MIT
/*
 * phxfs-mpi-bench: a shared file read into every rank's device buffer,
 * through libphxfs_mpi (collective, interleaved, independent) and through
 * MPI-IO into host memory plus a copy, every byte checked. --help.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

static int check_sizes(const struct job *j, const struct opts *o)
{
	uint64_t n = (uint64_t)j->size;
	bool blocks = o->modes[MODE_INTERLEAVED] ||
		      o->modes[MODE_MPIIO_INTERLEAVED];

	if (o->size % n || (blocks && o->size % (n * o->block))) {
		if (j->rank == 0)
			fprintf(stderr, "phxfs-mpi-bench: --size %llu is not a multiple of %s%llu (--help)\n",
				(unsigned long long)o->size,
				blocks ? "ranks x --block = " : "the ranks, ",
				(unsigned long long)(blocks ? n * o->block : n));
		return 2;
	}
	if (o->size / n > SIZE_MAX / 2) {
		if (j->rank == 0)
			fprintf(stderr, "phxfs-mpi-bench: --size too large\n");
		return 2;
	}
	return 0;
}

/* Rank r's blocks: block i of its buffer is block i*N + r of the file. */
static int make_extents(struct bench *b)
{
	size_t nblocks = b->piece / b->o->block;

	b->ext = malloc(sizeof(*b->ext) * (nblocks ? nblocks : 1));
	if (!b->ext)
		return -1;
	for (size_t i = 0; i < nblocks; i++)
		b->ext[i] = (struct phxfs_mpi_extent){
			.file_offset = (off_t)((i * (size_t)b->j->size +
						(size_t)b->j->rank) * b->o->block),
			.buf_offset = i * b->o->block,
			.len = b->o->block,
		};
	b->next = nblocks;
	return 0;
}

static int open_files(struct bench *b)
{
	MPI_Info info;
	int err;

	MPI_Info_create(&info);
	MPI_Info_set(info, "phxfs_o_direct", b->o->o_direct ? "enable" : "disable");
	for (int i = 0; i < b->o->nhints; i++) {
		char key[256];
		char *eq = strchr(b->o->hints[i], '=');

		snprintf(key, sizeof(key), "%.*s", (int)(eq - b->o->hints[i]),
			 b->o->hints[i]);
		MPI_Info_set(info, key, eq + 1);
	}
	err = phxfs_mpi_file_open(b->ctx, b->df->path, MPI_MODE_RDONLY, info,
				  &b->f);
	MPI_Info_free(&info);
	if (err) {
		if (b->j->rank == 0)
			fprintf(stderr, "phxfs-mpi-bench: phxfs_mpi_file_open %s%s: %s\n",
				b->df->path,
				b->o->o_direct ? " (O_DIRECT)" : "",
				strerror(errno));
		return -1;
	}
	if (!b->o->modes[MODE_MPIIO_HOST] && !b->o->modes[MODE_MPIIO_INTERLEAVED])
		return 0;
	b->mf = MPI_FILE_NULL;
	if (MPI_File_open(MPI_COMM_WORLD, b->df->path, MPI_MODE_RDONLY,
			  MPI_INFO_NULL, &b->mf)) {
		if (b->j->rank == 0)
			fprintf(stderr, "phxfs-mpi-bench: MPI_File_open %s failed\n",
				b->df->path);
		return -1;
	}
	return 0;
}

/* Who reads into which device: gathered for the report. */
static void describe(const struct bench *b, struct setup *s)
{
	int mine[2] = { b->j->node, b->buf.cuda_device };
	int reg = b->buf.registered, *all = malloc(sizeof(int) * 2 *
						   (size_t)b->j->size);

	s->device_of = calloc((size_t)b->j->size, sizeof(int));
	s->node_of = calloc((size_t)b->j->size, sizeof(int));
	if (!all || !s->device_of || !s->node_of) {
		fprintf(stderr, "phxfs-mpi-bench: out of memory\n");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	MPI_Allgather(mine, 2, MPI_INT, all, 2, MPI_INT, MPI_COMM_WORLD);
	MPI_Allreduce(MPI_IN_PLACE, &reg, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	s->registered_ranks = reg;
	for (int r = 0; r < b->j->size; r++) {
		bool seen = false;

		s->node_of[r] = all[2 * r];
		s->device_of[r] = all[2 * r + 1];
		if (s->device_of[r] < 0)
			continue;
		s->cuda_ranks++;
		for (int q = 0; q < r; q++)
			seen |= all[2 * q] == all[2 * r] &&
				all[2 * q + 1] == all[2 * r + 1];
		s->gpus += !seen;
	}
	free(all);
	s->gpu_name = b->buf.gpu_name[0] ? b->buf.gpu_name : NULL;
	s->path = phxfs_mode(phxfs_mpi_device(b->ctx)) == PHXFS_MODE_DIRECT ?
		  "direct" : "compat";
}

static void say_setup(const struct bench *b, const struct setup *s)
{
	const struct job *j = b->j;

	job_say(j, "phxfs-mpi-bench: %d ranks on %d node(s), %d GPU(s)%s%s; file %s (%s, %llu bytes), %s, %s; %u reps",
		j->size, j->nodes, s->gpus, s->gpu_name ? " " : "",
		s->gpu_name ? s->gpu_name : "", b->df->path,
		b->df->reused ? "reused" : "made", (unsigned long long)b->o->size,
		b->o->cold ? "cold" : "warm",
		b->o->o_direct ? "O_DIRECT" : "buffered", b->o->reps);
	if (j->rank == 0 && !s->cuda_ranks)
		printf("phxfs-mpi-bench: host memory buffers: %s\n",
		       b->buf.why_host);
	for (int r = 0; j->rank == 0 && r < j->size; r++)
		printf("phxfs-mpi-bench: rank %d: node %d, %s %d\n", r,
		       s->node_of[r], s->device_of[r] < 0 ? "host memory, phxfs device" :
		       "CUDA device", s->device_of[r] < 0 ?
		       phxfs_mpi_device(b->ctx) : s->device_of[r]);
	fflush(stdout);
}

static int bench_run(struct bench *b)
{
	struct setup s = { 0 };
	int failed = 0;

	describe(b, &s);
	say_setup(b, &s);
	for (int m = 0; m < MODE_COUNT; m++) {
		struct result r;

		if (!b->o->modes[m])
			continue;
		failed |= run_mode(b, (enum mode)m, &r);
		report_line(b, &s, &r);
		report_json(b, &s, &r);
		free(r.rank_gibps);
	}
	free(s.device_of);
	free(s.node_of);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct job j;
	struct datafile df = { .keep = true };
	struct bench b = { .o = &o, .j = &j, .df = &df, .mf = MPI_FILE_NULL };
	int rc;

	MPI_Init(&argc, &argv);
	if (job_init(&j)) {
		fprintf(stderr, "phxfs-mpi-bench: MPI_Comm_split_type failed\n");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	rc = opts_parse(argc, argv, &o, j.rank != 0);
	if (rc < 0)
		rc = check_sizes(&j, &o);
	else if (rc == 0)
		rc = -2;	/* --help: done, successfully */
	if (rc) {
		job_free(&j);
		MPI_Finalize();
		return rc == -2 ? 0 : rc;
	}
	b.piece = (size_t)(o.size / (uint64_t)j.size);
	rc = 1;
	if (phxfs_mpi_init(MPI_COMM_WORLD, MPI_INFO_NULL, &b.ctx)) {
		if (j.rank == 0)
			fprintf(stderr, "phxfs-mpi-bench: phxfs_mpi_init: %s\n",
				strerror(errno));
		goto out;
	}
	if (datafile_prepare(&j, &o, &df))
		goto out_ctx;
	if (devbuf_init(&b.buf, b.ctx, o.mem, b.piece))
		goto out_file;
	/* MPI-IO's host buffer, only where it is used: it is a whole piece. */
	if (o.modes[MODE_MPIIO_HOST] || o.modes[MODE_MPIIO_INTERLEAVED])
		b.host = malloc(b.piece ? b.piece : 1);
	if (!job_all(&j, !make_extents(&b) &&
			 (b.host || (!o.modes[MODE_MPIIO_HOST] &&
				     !o.modes[MODE_MPIIO_INTERLEAVED])))) {
		fprintf(stderr, "phxfs-mpi-bench: out of memory\n");
		goto out_buf;
	}
	if (open_files(&b))
		goto out_buf;
	rc = bench_run(&b);
	phxfs_mpi_file_close(b.f);
	if (b.mf != MPI_FILE_NULL)
		MPI_File_close(&b.mf);
out_buf:
	devbuf_free(&b.buf, b.ctx);
	free(b.host);
	free(b.ext);
out_file:
	datafile_done(&j, &df);
out_ctx:
	phxfs_mpi_finalize(b.ctx);
out:
	job_free(&j);
	MPI_Finalize();
	return rc;
}
