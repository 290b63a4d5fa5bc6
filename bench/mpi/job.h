/* SPDX-License-Identifier: MIT */
/* Where each rank runs: its rank, its node, its node-local rank. */
#ifndef PHXMB_JOB_H
#define PHXMB_JOB_H

#include <stdbool.h>

#include <mpi.h>

struct job {
	int rank, size;
	int local;		/* node-local rank */
	int node;		/* node number: nodes in order of lowest rank */
	int nodes;
	MPI_Comm node_comm;	/* the ranks of this node */
};

int job_init(struct job *j);
void job_free(struct job *j);

/* True on every rank when @ok is true on every rank. */
bool job_all(const struct job *j, bool ok);

/* Rank 0 says it (stdout), with a newline; the others say nothing. */
void job_say(const struct job *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* PHXMB_JOB_H */
