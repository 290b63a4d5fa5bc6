// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datafile.h"
#include "pattern.h"

#define FILL_CHUNK (8u << 20)

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Append random bytes to @path from @from up to @to. */
static int fill(const char *path, uint64_t from, uint64_t to, uint64_t seed,
		bool progress, char *why, size_t len)
{
	unsigned char *buf = malloc(FILL_CHUNK);
	double t0 = mono_s(), last = t0;
	uint64_t state = seed ^ 0x5deece66dULL, pos = from;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0 || !buf) {
		snprintf(why, len, "creating %s: %s", path,
			 fd < 0 ? strerror(errno) : "out of memory");
		goto fail;
	}
	fprintf(stderr, "phxfs-io: writing %.2f GiB of random data to %s\n",
		(double)(to - from) / (1 << 30), path);
	while (pos < to) {
		size_t n = to - pos < FILL_CHUNK ? to - pos : FILL_CHUNK;
		ssize_t done;

		random_fill(buf, n, &state);
		done = pwrite(fd, buf, n, (off_t)pos);
		if (done <= 0) {
			snprintf(why, len, "writing %s at %llu: %s", path,
				 (unsigned long long)pos,
				 done < 0 ? strerror(errno) : "no progress");
			goto fail;
		}
		pos += (uint64_t)done;
		if (progress && mono_s() - last >= 1) {
			last = mono_s();
			fprintf(stderr, "phxfs-io: %.1f of %.1f GiB written\n",
				(double)pos / (1 << 30),
				(double)to / (1 << 30));
		}
	}
	if (fdatasync(fd)) {
		snprintf(why, len, "fdatasync %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	free(buf);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

double cached_percent(int fd, uint64_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages, resident = 0;
	unsigned char *vec;
	void *map;

	if (!size)
		return 0;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	pages = (size + (uint64_t)page - 1) / (uint64_t)page;
	vec = malloc(pages);
	if (!vec || mincore(map, size, vec)) {
		free(vec);
		munmap(map, size);
		return -1;
	}
	for (size_t i = 0; i < pages; i++)
		resident += vec[i] & 1;
	free(vec);
	munmap(map, size);
	return 100.0 * (double)resident / (double)pages;
}

static void drop_cache(struct datafile *df, const char *path)
{
	int err;

	df->drop_tried = true;
	/* Dirty pages cannot be dropped: write them back first. */
	if (fdatasync(df->vfd))
		snprintf(df->drop_note, sizeof(df->drop_note),
			 "fdatasync: %s; ", strerror(errno));
	err = posix_fadvise(df->vfd, 0, 0, POSIX_FADV_DONTNEED);
	if (err) {
		snprintf(df->drop_note, sizeof(df->drop_note),
			 "posix_fadvise(DONTNEED): %s", strerror(err));
		return;
	}
	df->cached_pct = cached_percent(df->vfd, df->size);
	if (df->cached_pct < 0) {
		snprintf(df->drop_note, sizeof(df->drop_note),
			 "cannot tell what is cached (mincore failed)");
		return;
	}
	if (df->cached_pct >= 1.0) {
		snprintf(df->drop_note, sizeof(df->drop_note),
			 "%.1f%% of %s is still in the page cache (mapped, dirty or locked by another process?)",
			 df->cached_pct, path);
		return;
	}
	df->dropped = true;
	df->drop_note[0] = '\0';
}

static uint64_t size_of(int fd, const struct stat *st)
{
	uint64_t bytes = 0;

	if (S_ISBLK(st->st_mode))
		return ioctl(fd, BLKGETSIZE64, &bytes) ? 0 : bytes;
	return (uint64_t)st->st_size;
}

int datafile_prepare(const struct opts *o, bool write, uint64_t seed,
		     bool progress, struct datafile *df, char *why,
		     size_t len)
{
	int flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	uint64_t have = 0;
	struct stat st;
	bool exists = !stat(o->file, &st);

	*df = (struct datafile){ .fd = -1, .vfd = -1, .cached_pct = -1 };
	if (!exists && errno != ENOENT) {
		snprintf(why, len, "%s: %s", o->file, strerror(errno));
		return -1;
	}
	if (!exists && !o->file_size) {
		snprintf(why, len, "%s does not exist: give its size (-s)",
			 o->file);
		return -1;
	}
	if (exists) {
		int fd = open(o->file, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			snprintf(why, len, "%s: %s", o->file, strerror(errno));
			return -1;
		}
		have = size_of(fd, &st);
		close(fd);
	}
	df->size = o->file_size ? o->file_size : have;
	if (have < df->size) {
		if (exists && !S_ISREG(st.st_mode)) {
			snprintf(why, len, "%s has %llu bytes, fewer than -s",
				 o->file, (unsigned long long)have);
			return -1;
		}
		if (fill(o->file, have, df->size, seed, progress, why, len))
			return -1;
	}
	if (df->size < o->io_size) {
		snprintf(why, len, "%s has %llu bytes, fewer than -i", o->file,
			 (unsigned long long)df->size);
		return -1;
	}
	df->fd = open(o->file, flags | (o->o_direct ? O_DIRECT : 0));
	if (df->fd < 0) {
		snprintf(why, len, "%s: %s%s", o->file, strerror(errno),
			 o->o_direct && errno == EINVAL ?
			 " (the file system has no O_DIRECT: -D 0)" : "");
		return -1;
	}
	df->vfd = open(o->file, O_RDONLY | O_CLOEXEC);
	if (df->vfd < 0) {
		snprintf(why, len, "%s: %s", o->file, strerror(errno));
		return -1;
	}
	if (o->drop_cache)
		drop_cache(df, o->file);
	else
		df->cached_pct = cached_percent(df->vfd, df->size);
	return 0;
}

void datafile_close(struct datafile *df)
{
	if (df->fd >= 0)
		close(df->fd);
	if (df->vfd >= 0)
		close(df->vfd);
	df->fd = df->vfd = -1;
}
