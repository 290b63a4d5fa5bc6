/* SPDX-License-Identifier: MIT */
/*
 * phxmpi.h - phxcheck.h for programs that run under mpiexec: messages name
 * the rank, a fatal failure stops every rank (MPI_Abort), a skip finalizes
 * MPI and exits 77 (a reason absent on one rank is absent on all), and
 * the summary counts the failures of all ranks.
 *
 * After MPI_Init, call pt_mpi_init(argv[0]); at the end, pt_mpi_summary()
 * on every rank, then MPI_Finalize, and return what it gave.
 */
#ifndef PHXFS_PHXMPI_H
#define PHXFS_PHXMPI_H

#include <mpi.h>

#include "phxcheck.h"

static int pt_rank, pt_ranks;

static inline void pt_mpi_stop(void)
{
	if (pt_stop_code == PT_SKIP_CODE) {
		MPI_Finalize();
		return;
	}
	MPI_Abort(MPI_COMM_WORLD, pt_stop_code);
}

static inline void pt_mpi_init(const char *argv0)
{
	static char name[128];

	pt_init(argv0);
	MPI_Comm_rank(MPI_COMM_WORLD, &pt_rank);
	MPI_Comm_size(MPI_COMM_WORLD, &pt_ranks);
	snprintf(name, sizeof(name), "%s rank %d", pt_name, pt_rank);
	pt_name = name;
	pt_abort_hook = pt_mpi_stop;
}

/*
 * Collective: 1 where any rank counted a failure, else 0. Each rank that
 * failed says how often; rank 0 says when all passed.
 */
static inline int pt_mpi_summary(void)
{
	int all = 0;

	MPI_Allreduce(&pt_failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	if (pt_failures || (!all && pt_rank == 0))
		pt_summary();
	return all ? 1 : 0;
}

#endif /* PHXFS_PHXMPI_H */
