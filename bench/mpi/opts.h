/* SPDX-License-Identifier: MIT */
/* phxfs-mpi-bench's command line. */
#ifndef PHXMB_OPTS_H
#define PHXMB_OPTS_H

#include <stdbool.h>
#include <stdint.h>

enum mode {
	MODE_COLLECTIVE,	/* phxfs_mpi_read_at_all, one piece per rank */
	MODE_INTERLEAVED,	/* phxfs_mpi_readv_at_all, round-robin blocks */
	MODE_INDEPENDENT,	/* phxfs_mpi_read_at, one rank at a time */
	MODE_INDEPENDENT_ALL,	/* phxfs_mpi_read_at, all ranks at once */
	MODE_MPIIO_HOST,	/* MPI_File_read_at_all to host + copy */
	MODE_MPIIO_INTERLEAVED,	/* the same, round-robin blocks */
	MODE_COUNT
};

enum mem { MEM_AUTO, MEM_CUDA, MEM_HOST };

#define OPTS_MAX_HINTS 16

struct opts {
	const char *dir;	/* where the data file lives */
	const char *file;	/* or the file itself */
	uint64_t size;		/* bytes read per repetition, all ranks */
	uint64_t block;		/* interleaved layouts' block */
	unsigned int reps;
	bool reuse;		/* keep the file, take it if it is right */
	bool cold;		/* page cache dropped before each repetition */
	bool o_direct;
	bool modes[MODE_COUNT];
	enum mem mem;
	uint64_t seed;
	uint64_t check_seed;	/* the seed buffers are checked against */
	const char *tag;
	char *hints[OPTS_MAX_HINTS];	/* "key=value" for the MPI layer */
	int nhints;
};

const char *mode_name(enum mode m);

/*
 * Parse argv into @o. Return: -1 go on; else the exit status (0 after
 * --help, 2 after a usage error, said on stderr by rank 0 only: @quiet).
 */
int opts_parse(int argc, char **argv, struct opts *o, bool quiet);

#endif /* PHXMB_OPTS_H */
