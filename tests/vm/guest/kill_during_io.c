// SPDX-License-Identifier: MIT
/*
 * kill -9 in the middle of I/O: a child registers device memory and
 * streams O_DIRECT reads from the NVMe drive into it from 4 threads (and
 * writes from it), and is killed at varying moments. Each time, the
 * module must let go of everything (counters back to zero), and the
 * memory must serve the next process: a read after the kills lands the
 * drive's bytes, checked through the BAR.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <phxfs/phxfs.h>

#include "phxtest.h"

#define REG_LEN (16u << 20)
#define CHUNK (2u << 20)
#define THREADS 4
#define KILLS 6

static unsigned char *bar;
static const char *drive;

struct streamer {
	int fd;
	char *target;
	int index;
};

static void *stream(void *arg)
{
	const struct streamer *s = arg;
	char *at = s->target + (size_t)s->index * (REG_LEN / THREADS);

	for (unsigned int i = 0;; i++) {
		off_t off = (off_t)((i * THREADS + (unsigned int)s->index) %
				    64) * CHUNK;

		/* Mostly reads into device memory, sometimes writes out. */
		if (i % 5 == 4)
			(void)pwrite(s->fd, at, CHUNK, off + (128 << 20));
		else
			(void)pread(s->fd, at, CHUNK, off);
	}
	return NULL;
}

static void child(void)
{
	struct streamer s[THREADS];
	pthread_t t;
	void *target;
	int fd = open(drive, O_RDWR | O_DIRECT);

	if (fd < 0 || phxfs_open(0) || phxfs_regmem(0, bar, REG_LEN, &target))
		_exit(2);
	for (int i = 0; i < THREADS; i++) {
		s[i] = (struct streamer){ .fd = fd, .target = target,
					  .index = i };
		if (pthread_create(&t, NULL, stream, &s[i]))
			_exit(2);
	}
	for (;;)
		pause();
}

static void wait_released(int round)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	for (int i = 0; i < 100; i++) {
		if (!phxtest_counter("mappings") &&
		    !phxtest_counter("pinned_bytes"))
			return;
		nanosleep(&ts, NULL);
	}
	pt_fail("kill %d: %lld mappings, %lld bytes still pinned after 5 s",
		round, phxtest_counter("mappings"),
		phxtest_counter("pinned_bytes"));
}

/* The memory works for the next process: a read lands the drive's bytes. */
static void read_after(void)
{
	unsigned char *want = aligned_alloc(4096, CHUNK);
	int fd = open(drive, O_RDONLY | O_DIRECT);
	void *target;

	if (!want || fd < 0)
		pt_fail("open %s: %s", drive, strerror(errno));
	if (pread(fd, want, CHUNK, 3 * CHUNK) != CHUNK)
		pt_fail("reference read: %s", strerror(errno));
	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar, REG_LEN, &target));
	memset(bar + CHUNK, 0, CHUNK);
	if (pread(fd, (char *)target + CHUNK, CHUNK, 3 * CHUNK) != CHUNK)
		pt_fail("pread into device memory: %s", strerror(errno));
	if (memcmp(bar + CHUNK, want, CHUNK))
		pt_fail("device memory differs from the drive after the kills");
	PT_OK(phxfs_deregmem(0, bar, REG_LEN));
	PT_OK(phxfs_close(0));
	close(fd);
	free(want);
}

int main(void)
{
	size_t bar_size;
	long long maps_before = 0;

	pt_name = "kill_during_io";
	bar = phxtest_map_bar(&bar_size);
	drive = vmtest_env("PHXVM_NVME");
	if (bar_size < REG_LEN)
		pt_fail("the BAR is smaller than %u bytes", REG_LEN);
	for (int round = 0; round < KILLS; round++) {
		/* 20 ms to 270 ms of I/O before the kill. */
		struct timespec ts = { 0, (20 + 50 * round) * 1000 * 1000 };
		pid_t pid = fork();
		int status;

		if (pid < 0)
			pt_fail("fork: %s", strerror(errno));
		if (!pid)
			child();
		nanosleep(&ts, NULL);
		maps_before += phxtest_counter("map_calls");
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status))
			pt_fail("kill %d: child exited with status %#x "
				"instead of dying in I/O", round, status);
		wait_released(round);
	}
	if (!maps_before)
		pt_fail("no child had registered before its kill");
	read_after();
	pt_note("%d processes killed during I/O; all released, memory serves the next",
		KILLS);
	return 0;
}
