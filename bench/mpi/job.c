// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "job.h"

int job_init(struct job *j)
{
	int leader, first;

	MPI_Comm_rank(MPI_COMM_WORLD, &j->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &j->size);
	if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
				MPI_INFO_NULL, &j->node_comm))
		return -1;
	MPI_Comm_rank(j->node_comm, &j->local);
	/* Number the nodes by counting leaders of lower rank. */
	leader = j->local == 0;
	MPI_Exscan(&leader, &first, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	if (j->rank == 0)
		first = 0;
	j->node = leader ? first : 0;
	MPI_Bcast(&j->node, 1, MPI_INT, 0, j->node_comm);
	MPI_Allreduce(&leader, &j->nodes, 1, MPI_INT, MPI_SUM,
		      MPI_COMM_WORLD);
	return 0;
}

void job_free(struct job *j)
{
	MPI_Comm_free(&j->node_comm);
}

bool job_all(const struct job *j, bool ok)
{
	int in = ok, out = 0;

	(void)j;
	MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
	return out;
}

void job_say(const struct job *j, const char *fmt, ...)
{
	va_list ap;

	if (j->rank)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}
