// SPDX-License-Identifier: MIT
/*
 * MPI-IO works where the MPI layer will run: every rank writes its own
 * block of a shared file collectively, then reads its neighbour's block
 * collectively and checks every byte against the pattern of the file
 * offset.
 */
#define _GNU_SOURCE
#include "phxmpi.h"

#define BLOCK (4u << 20)
#define SEED 0x4d50494fULL

int main(int argc, char **argv)
{
	unsigned char *buf;
	char path[4096];
	MPI_File fh;
	MPI_Status st;
	int peer, ret;

	MPI_Init(&argc, &argv);
	pt_mpi_init(argv[0]);
	if (argc < 2)
		pt_fail("usage: %s DIR", argv[0]);
	snprintf(path, sizeof(path), "%s/mpiio_roundtrip.np%d.dat", argv[1],
		 pt_ranks);
	buf = malloc(BLOCK);
	if (!buf)
		pt_fail("malloc");
	phxfs_pattern_fill(buf, BLOCK, SEED, (uint64_t)pt_rank * BLOCK);

	PT_OK(MPI_File_open(MPI_COMM_WORLD, path,
			    MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL,
			    &fh));
	PT_OK(MPI_File_write_at_all(fh, (MPI_Offset)pt_rank * BLOCK, buf,
				    BLOCK, MPI_BYTE, &st));
	PT_OK(MPI_File_sync(fh));
	MPI_Barrier(MPI_COMM_WORLD);

	peer = (pt_rank + 1) % pt_ranks;
	memset(buf, 0, BLOCK);
	PT_OK(MPI_File_read_at_all(fh, (MPI_Offset)peer * BLOCK, buf, BLOCK,
				   MPI_BYTE, &st));
	PT_CHECK_PATTERN(buf, BLOCK, SEED, (uint64_t)peer * BLOCK);
	PT_OK(MPI_File_close(&fh));

	ret = pt_mpi_summary();
	if (pt_rank == 0)
		MPI_File_delete(path, MPI_INFO_NULL);
	free(buf);
	MPI_Finalize();
	return ret;
}
