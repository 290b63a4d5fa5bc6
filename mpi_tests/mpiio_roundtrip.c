// SPDX-License-Identifier: MIT
/*
 * MPI-IO works where the MPI layer will run: every rank writes its own
 * block of a shared file collectively, then reads its neighbour's block
 * collectively and checks every byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#define BLOCK (4u << 20)

static unsigned char pattern(int rank, size_t i)
{
	uint64_t x = (uint64_t)(rank + 1) * 0x9e3779b97f4a7c15ULL + i;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (unsigned char)x;
}

int main(int argc, char **argv)
{
	int rank, size, bad = 0, total_bad = 0;
	unsigned char *buf;
	char path[4096];
	MPI_File fh;
	MPI_Status st;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc < 2) {
		if (rank == 0)
			fprintf(stderr, "usage: %s DIR\n", argv[0]);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	snprintf(path, sizeof(path), "%s/mpiio_roundtrip.np%d.dat", argv[1],
		 size);
	buf = malloc(BLOCK);
	if (!buf)
		MPI_Abort(MPI_COMM_WORLD, 1);
	for (size_t i = 0; i < BLOCK; i++)
		buf[i] = pattern(rank, i);

	MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_CREATE | MPI_MODE_RDWR,
		      MPI_INFO_NULL, &fh);
	MPI_File_write_at_all(fh, (MPI_Offset)rank * BLOCK, buf, BLOCK,
			      MPI_BYTE, &st);
	MPI_File_sync(fh);
	MPI_Barrier(MPI_COMM_WORLD);

	int peer = (rank + 1) % size;

	memset(buf, 0, BLOCK);
	MPI_File_read_at_all(fh, (MPI_Offset)peer * BLOCK, buf, BLOCK,
			     MPI_BYTE, &st);
	for (size_t i = 0; i < BLOCK; i++)
		bad += buf[i] != pattern(peer, i);
	MPI_File_close(&fh);

	MPI_Allreduce(&bad, &total_bad, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	if (rank == 0) {
		if (total_bad)
			fprintf(stderr, "FAIL: %d bytes wrong across %d ranks\n",
				total_bad, size);
		else
			printf("MPI-IO round trip: %d ranks x %u MiB, all bytes match\n",
			       size, BLOCK >> 20);
		MPI_File_delete(path, MPI_INFO_NULL);
	}
	free(buf);
	MPI_Finalize();
	return total_bad ? 1 : 0;
}
