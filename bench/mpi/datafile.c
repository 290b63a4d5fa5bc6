// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datafile.h"
#include "tools/common/pattern.h"

#define CHUNK (8u << 20)	/* bytes per pread/pwrite when making it */
#define SAMPLES 64		/* words checked before reusing a file */

/* Does the file hold @o's size and pattern? Sampled, by rank 0. */
static bool looks_right(const char *path, const struct opts *o)
{
	struct stat st;
	bool ok;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	ok = !fstat(fd, &st) && (uint64_t)st.st_size == o->size;
	for (int i = 0; ok && i <= SAMPLES; i++) {
		uint64_t off = i < SAMPLES ? o->size / SAMPLES * i : o->size - 8;
		unsigned char got[8], want[8];
		size_t n = o->size - off < 8 ? o->size - off : 8;

		off = off / 8 * 8;
		phxfs_pattern_fill(want, n, o->seed, off);
		ok = pread(fd, got, n, (off_t)off) == (ssize_t)n &&
		     !memcmp(got, want, n);
	}
	close(fd);
	return ok;
}

/* This rank's piece of the file, written. 0 or an errno. */
static int write_piece(const char *path, const struct job *j,
		       const struct opts *o)
{
	uint64_t piece = o->size / (uint64_t)j->size;
	uint64_t lo = piece * (uint64_t)j->rank, hi = lo + piece;
	unsigned char *buf = malloc(CHUNK);
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (j->rank == j->size - 1)
		hi = o->size;
	if (!buf || fd < 0)
		err = !buf ? ENOMEM : errno;
	for (uint64_t off = lo; !err && off < hi; off += CHUNK) {
		size_t n = hi - off < CHUNK ? (size_t)(hi - off) : CHUNK;

		phxfs_pattern_fill(buf, n, o->seed, off);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			err = errno ? errno : EIO;
	}
	/* On the disk, so that dropping the cache later can drop it all. */
	if (!err && fdatasync(fd))
		err = errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

int datafile_prepare(const struct job *j, const struct opts *o,
		     struct datafile *df)
{
	int reuse = 0, err = 0;

	if (o->file)
		snprintf(df->path, sizeof(df->path), "%s", o->file);
	else
		snprintf(df->path, sizeof(df->path), "%s/phxfs-mpi-bench.dat",
			 o->dir);
	df->keep = o->reuse;
	if (j->rank == 0) {
		reuse = o->reuse && looks_right(df->path, o);
		if (!reuse) {
			int fd = open(df->path, O_WRONLY | O_CREAT | O_TRUNC |
					      O_CLOEXEC, 0644);

			if (fd < 0 || ftruncate(fd, (off_t)o->size))
				err = errno;
			if (fd >= 0)
				close(fd);
			if (err)
				fprintf(stderr, "phxfs-mpi-bench: %s: %s\n",
					df->path, strerror(err));
		}
	}
	MPI_Bcast(&reuse, 1, MPI_INT, 0, MPI_COMM_WORLD);
	df->reused = reuse;
	if (!job_all(j, !err))
		return -1;
	if (!reuse) {
		err = write_piece(df->path, j, o);
		if (err)
			fprintf(stderr, "phxfs-mpi-bench: rank %d: writing %s: %s\n",
				j->rank, df->path, strerror(err));
	}
	return job_all(j, !err) ? 0 : -1;
}

void datafile_done(const struct job *j, const struct datafile *df)
{
	MPI_Barrier(MPI_COMM_WORLD);
	if (j->rank == 0 && !df->keep)
		unlink(df->path);
}

/* Fraction of @fd's pages in the page cache, or -1. */
static double cached(int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	unsigned char *vec;
	size_t pages, in = 0;
	void *map;

	if (fstat(fd, &st) || st.st_size == 0)
		return -1;
	pages = ((size_t)st.st_size + (size_t)page - 1) / (size_t)page;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	vec = malloc(pages);
	if (vec && !mincore(map, (size_t)st.st_size, vec))
		for (size_t i = 0; i < pages; i++)
			in += vec[i] & 1;
	munmap(map, (size_t)st.st_size);
	if (!vec)
		return -1;
	free(vec);
	return (double)in / (double)pages;
}

/*
 * One rank per node drops or (@warm) fills the cache. Return: cold, the
 * most cached node's fraction; warm, the least cached one's; -1: unknown.
 */
static double on_each_node(const struct job *j, const struct datafile *df,
			   bool warm)
{
	double frac = -1, mine[2], all[2];

	if (j->local == 0) {
		int fd = open(df->path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0 && warm) {
			char *buf = malloc(CHUNK);
			off_t off = 0;
			ssize_t n = 1;

			while (buf && n > 0) {
				n = pread(fd, buf, CHUNK, off);
				off += n > 0 ? n : 0;
			}
			free(buf);
		} else if (fd >= 0) {
			fdatasync(fd);
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		}
		if (fd >= 0) {
			frac = cached(fd);
			close(fd);
		}
	}
	/* One MAX gives both ends: the largest, and minus the smallest. */
	mine[0] = frac;
	mine[1] = frac >= 0 ? -frac : -2;
	MPI_Allreduce(mine, all, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	if (warm)
		return all[1] == -2 ? -1 : -all[1];
	return all[0];
}

double datafile_drop(const struct job *j, const struct datafile *df)
{
	return on_each_node(j, df, false);
}

double datafile_warm(const struct job *j, const struct datafile *df)
{
	return on_each_node(j, df, true);
}
