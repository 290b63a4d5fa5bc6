// SPDX-License-Identifier: MIT
/*
 * phxfs_mpi_init() and friends: the communicator, where each rank is
 * (node, node-local rank), which device it opens, and how every rank
 * agrees on one result.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devmem.h"

int phxfs_mpi_agree(phxfs_mpi_t *ctx, int err)
{
	/* MINLOC on (rank or INT_MAX, errno): the lowest failing rank. */
	int in[2] = { err ? ctx->rank : INT_MAX, err };
	int out[2];

	if (MPI_Allreduce(in, out, 1, MPI_2INT, MPI_MINLOC, ctx->comm)) {
		out[0] = ctx->rank;
		out[1] = EIO;
	}
	if (out[0] == INT_MAX) {
		ctx->err_rank = -1;
		ctx->err = 0;
		return 0;
	}
	ctx->err_rank = out[0];
	ctx->err = out[1];
	errno = out[1];
	return -1;
}

/* Devices of this node: the module's nodes, else CUDA's, else one. */
static int device_count(void)
{
	const char *compat = getenv("PHXFS_COMPAT");
	int n = 0;
	DIR *d;

	if (!compat || strcmp(compat, "on")) {
		d = opendir("/dev");
		for (struct dirent *e; d && (e = readdir(d));)
			n += !strncmp(e->d_name, "phxfs_dev", 9);
		if (d)
			closedir(d);
	}
	if (!n)
		n = phxfs_mpi_cuda_devices();
	return n ? n : 1;
}

static int choose_device(phxfs_mpi_t *ctx, MPI_Info info, int local)
{
	char v[MPI_MAX_INFO_VAL + 1];
	const char *s = NULL;
	int flag = 0;

	if (info != MPI_INFO_NULL) {
		MPI_Info_get(info, PHXFS_MPI_INFO_DEVICE, MPI_MAX_INFO_VAL, v,
			     &flag);
		if (flag)
			s = v;
	}
	if (!s && getenv("PHXFS_MPI_DEVICE") && *getenv("PHXFS_MPI_DEVICE"))
		s = getenv("PHXFS_MPI_DEVICE");
	if (!s) {
		ctx->device = local % device_count();
		return 0;
	}
	ctx->device = phxfs_mpi_parse_device(s, local);
	if (ctx->device < 0) {
		fprintf(stderr, "phxfs_mpi: bad device choice \"%s\" (%s)\n",
			s, s == v ? "info " PHXFS_MPI_INFO_DEVICE :
				    "PHXFS_MPI_DEVICE");
		return EINVAL;
	}
	return 0;
}

/* Node numbers: nodes in the order of their lowest rank. */
static int locate(phxfs_mpi_t *ctx)
{
	int me[2], leader, local;
	int *all;
	MPI_Comm node;

	if (MPI_Comm_split_type(ctx->comm, MPI_COMM_TYPE_SHARED, 0,
				MPI_INFO_NULL, &node))
		return EIO;
	MPI_Comm_rank(node, &local);
	leader = ctx->rank;
	MPI_Bcast(&leader, 1, MPI_INT, 0, node);
	MPI_Comm_free(&node);

	all = malloc(sizeof(int) * 2 * (size_t)ctx->size);
	ctx->node_of = malloc(sizeof(int) * (size_t)ctx->size);
	ctx->local_of = malloc(sizeof(int) * (size_t)ctx->size);
	me[0] = leader;
	me[1] = local;
	/* Collective before any check: every rank must take part. */
	if (MPI_Allgather(me, 2, MPI_INT, all ? all : me, all ? 2 : 0,
			  MPI_INT, ctx->comm) || !all || !ctx->node_of ||
	    !ctx->local_of) {
		free(all);
		return ENOMEM;
	}
	ctx->nodes = 0;
	for (int r = 0; r < ctx->size; r++) {
		if (all[2 * r] == r)
			ctx->node_of[r] = ctx->nodes++;
		else
			ctx->node_of[r] = ctx->node_of[all[2 * r]];
		ctx->local_of[r] = all[2 * r + 1];
	}
	free(all);
	return 0;
}

static void ctx_free(phxfs_mpi_t *ctx)
{
	if (ctx->comm != MPI_COMM_NULL)
		MPI_Comm_free(&ctx->comm);
	free(ctx->node_of);
	free(ctx->local_of);
	free(ctx);
}

int phxfs_mpi_init(MPI_Comm comm, MPI_Info info, phxfs_mpi_t **out)
{
	phxfs_mpi_t *ctx;
	int err, aware, opened = 0;

	if (comm == MPI_COMM_NULL || !out) {
		errno = EINVAL;
		return -1;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		/* Nothing to agree with: a few bytes short, the job is lost. */
		errno = ENOMEM;
		return -1;
	}
	if (MPI_Comm_dup(comm, &ctx->comm)) {
		free(ctx);
		errno = EIO;
		return -1;
	}
	MPI_Comm_rank(ctx->comm, &ctx->rank);
	MPI_Comm_size(ctx->comm, &ctx->size);
	phxfs_mpi_hints_default(&ctx->hints);

	err = locate(ctx);
	if (!err)
		err = phxfs_mpi_hints_parse(info, &ctx->hints);
	if (!err)
		err = choose_device(ctx, info, ctx->local_of[ctx->rank]);
	if (!err) {
		opened = !phxfs_open(ctx->device);
		err = opened ? 0 : errno;
	}
	aware = phxfs_mpi_cuda_aware();
	MPI_Allreduce(MPI_IN_PLACE, &aware, 1, MPI_INT, MPI_MIN, ctx->comm);
	ctx->mpi_cuda = aware;
	if (phxfs_mpi_agree(ctx, err)) {
		err = errno;
		if (opened)
			phxfs_close(ctx->device);
		ctx_free(ctx);
		errno = err;
		return -1;
	}
	*out = ctx;
	return 0;
}

int phxfs_mpi_finalize(phxfs_mpi_t *ctx)
{
	int err;

	if (!ctx) {
		errno = EINVAL;
		return -1;
	}
	err = phxfs_close(ctx->device) ? errno : 0;
	err = phxfs_mpi_agree(ctx, err) ? errno : 0;
	ctx_free(ctx);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int phxfs_mpi_device(const phxfs_mpi_t *ctx)
{
	if (!ctx) {
		errno = EINVAL;
		return -1;
	}
	return ctx->device;
}

int phxfs_mpi_get_stats(const phxfs_mpi_t *ctx, struct phxfs_mpi_stats *st)
{
	if (!ctx || !st) {
		errno = EINVAL;
		return -1;
	}
	*st = ctx->stats;
	st->cuda_aware = ctx->mpi_cuda;
	return 0;
}

void phxfs_mpi_last_error(const phxfs_mpi_t *ctx, int *rank, int *err)
{
	if (rank)
		*rank = ctx ? ctx->err_rank : -1;
	if (err)
		*err = ctx ? ctx->err : EINVAL;
}
