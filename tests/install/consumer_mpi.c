// SPDX-License-Identifier: MIT
/* Built against an installed libphxfs_mpi: collective set-up and tear-down. */
#include <stdio.h>

#include <mpi.h>
#include <phxfs/phxfs_mpi.h>

int main(int argc, char **argv)
{
	phxfs_mpi_t *ctx;
	int ok;

	MPI_Init(&argc, &argv);
	ok = !phxfs_mpi_init(MPI_COMM_WORLD, MPI_INFO_NULL, &ctx) &&
	     !phxfs_mpi_finalize(ctx);
	if (ok)
		printf("consumer_mpi: phxfs_mpi_init and _finalize worked\n");
	else
		perror("consumer_mpi");
	MPI_Finalize();
	return ok ? 0 : 1;
}
