// SPDX-License-Identifier: MIT
/*
 * libFuzzer: phxfs_read()/phxfs_write() with fuzzed arguments, in compat
 * mode on host memory, against a model of the file. Requests that fit the
 * buffer must move exactly the model's bytes (any size, offset and
 * alignment, buffered or O_DIRECT, split over tiny pieces); bad arguments
 * must fail with their documented errno and touch nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <phxfs/phxfs.h>

#define ARENA (96 << 10)
#define MAX_FILE (160 << 10)

enum { FD_BUFFERED, FD_DIRECT, FD_RDONLY, FD_WRONLY, FD_BAD, FD_COUNT };

static int fds[FD_COUNT];
static unsigned char model[MAX_FILE + ARENA];
static size_t model_size;
static unsigned char *arena, *shadow;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_io_args: %s (errno %d)\n", what, errno);
	abort();
}

static void setup(void)
{
	char path[] = "/var/tmp/phxfs-fuzz-XXXXXX";
	int fd = mkstemp(path);

	/* Tiny pieces and bounces: every request of some size splits. */
	setenv("PHXFS_COMPAT", "on", 1);
	setenv("PHXFS_CHUNK_SIZE", "8K", 1);
	setenv("PHXFS_BOUNCE_SIZE", "8K", 1);
	setenv("PHXFS_SMALL_IO", "4K", 1);
	setenv("PHXFS_THREADS", "3", 1);
	if (fd < 0)
		die("mkstemp");
	model_size = 64 << 10;
	for (size_t i = 0; i < model_size; i++)
		model[i] = (unsigned char)(i * 7 + (i >> 9));
	if (write(fd, model, model_size) != (ssize_t)model_size)
		die("write");
	fds[FD_BUFFERED] = open(path, O_RDWR);
	fds[FD_DIRECT] = open(path, O_RDWR | O_DIRECT);
	if (fds[FD_DIRECT] < 0)	/* a file system without O_DIRECT */
		fds[FD_DIRECT] = open(path, O_RDWR);
	fds[FD_RDONLY] = open(path, O_RDONLY);
	fds[FD_WRONLY] = open(path, O_WRONLY);
	fds[FD_BAD] = 1000;
	unlink(path);
	close(fd);
	arena = aligned_alloc(4096, ARENA);
	shadow = malloc(ARENA);
	if (!arena || !shadow || phxfs_open(0))
		die("setup");
}

static uint64_t take(const uint8_t **p, size_t *left, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && *left; i++, (*left)--)
		v |= (uint64_t)*(*p)++ << (8 * i);
	return v;
}

static void expect_err(ssize_t got, int err, const char *what)
{
	if (got != -1 || errno != err) {
		fprintf(stderr, "%s: %zd errno %d, want -1 errno %d\n", what,
			got, errno, err);
		abort();
	}
	if (memcmp(arena, shadow, ARENA))
		die("a refused request changed the buffer");
}

/* libFuzzer calls this for every input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	uint64_t op, which, boff, len, foff;
	size_t expect;
	ssize_t got;
	int fd;

	if (!ready++)
		setup();
	op = take(&data, &size, 1);
	which = take(&data, &size, 1) % FD_COUNT;
	boff = take(&data, &size, 3) % ARENA;
	len = take(&data, &size, 3) % (ARENA - boff + 1);
	foff = take(&data, &size, 3) % MAX_FILE;
	fd = fds[which];
	memset(arena, 0x5a, ARENA);
	memcpy(shadow, arena, ARENA);

	switch (op % 8) {
	case 0:	/* arguments every call must refuse */
		expect_err(phxfs_read(fd, 0, NULL, boff, len, (off_t)foff),
			   EINVAL, "NULL buffer");
		expect_err(phxfs_read(fd, 0, arena, boff, len, -1 - (off_t)foff),
			   EINVAL, "negative offset");
		expect_err(phxfs_read(fd, 0, arena, SIZE_MAX - boff, len + 1,
				      0), EINVAL, "buffer wraps");
		expect_err(phxfs_read(fds[FD_BUFFERED], 5, arena, boff, len,
				      (off_t)foff), ENODEV, "device not open");
		return 0;
	case 1:
		if (which == FD_BAD || which == FD_WRONLY)
			expect_err(phxfs_read(fd, 0, arena, boff, len | 1,
					      (off_t)foff), EBADF, "bad fd");
		return 0;
	case 2: /* writes, into the model too */
	case 3:
		if (which != FD_BUFFERED && which != FD_DIRECT)
			return 0;
		for (size_t i = 0; i < len; i++)
			arena[boff + i] = (unsigned char)(op + i * 13);
		got = phxfs_write(fd, 0, arena, boff, len, (off_t)foff);
		if (got != (ssize_t)len)
			die("write");
		/* pwrite of nothing leaves the file as it was, even past EOF */
		if (len && foff > model_size)
			memset(model + model_size, 0, foff - model_size);
		memcpy(model + foff, arena + boff, len);
		if (len && foff + len > model_size)
			model_size = foff + len;
		if (lseek(fds[FD_BUFFERED], 0, SEEK_END) != (off_t)model_size)
			die("the file's size is not the model's");
		return 0;
	default: /* reads */
		if (which == FD_BAD || which == FD_WRONLY)
			return 0;
		got = phxfs_read(fd, 0, arena, boff, len, (off_t)foff);
		expect = foff >= model_size ? 0 :
			 len < model_size - foff ? len : model_size - foff;
		if (got != (ssize_t)expect)
			die("read count");
		if (memcmp(arena + boff, model + foff, expect))
			die("read bytes");
		memcpy(shadow + boff, model + foff, expect);
		/*
		 * Past the end of the file, an O_DIRECT read may fill the
		 * rest of the request's range, as pread's DMA does.
		 */
		if (which == FD_DIRECT && expect < len)
			memcpy(shadow + boff + expect, arena + boff + expect,
			       len - expect);
		if (memcmp(arena, shadow, ARENA))
			die("a read wrote outside its range");
		return 0;
	}
}
