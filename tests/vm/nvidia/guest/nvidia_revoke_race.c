// SPDX-License-Identifier: MIT
/*
 * nvidia_revoke_race - the driver's free callback racing a MAP that is
 * still inserting pages, with the nvidia provider over phxfs_fake_nvidia
 * loaded persistent=0 (pins with a free callback).
 *
 * Each round a thread MAPs 64 MiB of GPU memory while this one frees the
 * range (cudaFree, which calls the callback) at a random moment of the MAP.
 * Once the free has returned, the memory is the driver's again: no page of
 * it may be left in the VMA (touching it raises SIGBUS) and no O_DIRECT
 * read into the target may write the BAR, neither right away, while the
 * MAP may still be running, nor after it ended. The MAP either failed
 * (EINVAL: the memory was freed before the pin; EFAULT: freed while it
 * went in) or succeeded and QUERY says REVOKED. The range is then
 * allocated again; every round ends with nothing mapped or pinned.
 *
 * Loads both modules itself: run under phxvm --kmod phxfs.ko --no-insmod as
 * nvidia_revoke_race PATH/phxfs_fake_nvidia.ko [SEED].
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "nvtest.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define R_OFF (64 * MIB)
#define R_LEN (64 * MIB)
#define PROBE_LEN (256 * KIB)
#define DISK_PROBE (16 * MIB)
#define ROUNDS 32

static unsigned char *bar;
static int nvme = -1;
static int phx = -1;

/**
 * struct mapper - the thread doing the MAP
 * @go:		both threads start the round here
 * @vma:	the VMA it maps into
 * @handle:	out: the mapping, if @ret is 0
 * @ret:	out: the ioctl's return value
 * @err:	out: its errno
 * @start:	out: when the ioctl was entered
 * @end:	out: when it returned
 * @done:	set once it returned
 */
struct mapper {
	pthread_barrier_t go;
	unsigned char *vma;
	uint64_t handle;
	int ret;
	int err;
	double start;
	double end;
	atomic_int done;
};

static void *mapper(void *arg)
{
	struct mapper *m = arg;

	pthread_barrier_wait(&m->go);
	m->start = nvt_now();
	m->ret = nvt_map(phx, m->vma, R_OFF, R_LEN, &m->handle);
	m->err = errno;
	m->end = nvt_now();
	atomic_store(&m->done, 1);
	return NULL;
}

/*
 * The page at @off of @vma is gone: touching it raises SIGBUS, and an
 * O_DIRECT read into it fails (EFAULT) and leaves the BAR's pattern.
 */
static void expect_revoked_at(unsigned char *vma, size_t off,
			      unsigned char pattern, int round,
			      const char *when)
{
	unsigned char byte;
	int sig = nvt_touch(vma + off, &byte);
	ssize_t n;

	if (!sig)
		pt_fail("round %d, %s: the target at +%zu MiB still reads (0x%02x): memory the driver took back is still mapped",
			round, when, off >> 20, byte);
	if (sig != SIGBUS)
		pt_fail("round %d, %s: touching the target at +%zu MiB: %s, expected SIGBUS",
			round, when, off >> 20, strsignal(sig));

	memset(bar + R_OFF + off, pattern, PROBE_LEN);
	errno = 0;
	n = pread(nvme, vma + off, PROBE_LEN, DISK_PROBE);
	if (n != -1 || errno != EFAULT)
		pt_fail("round %d, %s: O_DIRECT pread into the target at +%zu MiB: %zd (%s), expected EFAULT",
			round, when, off >> 20, n,
			n < 0 ? strerror(errno) : "read");
	for (size_t i = 0; i < PROBE_LEN; i++)
		if (bar[R_OFF + off + i] != pattern)
			pt_fail("round %d, %s: BAR byte %#zx is 0x%02x, not the pattern 0x%02x: a pread into revoked memory wrote it",
				round, when, R_OFF + off + i,
				bar[R_OFF + off + i], pattern);
}

/* Up to 5 s for this round's mapping to be let go on both sides. */
static void wait_round_released(int round)
{
	struct timespec ms = { 0, 10 * 1000 * 1000 };
	long long m = -1, b = -1, p = -1;

	for (int i = 0; i < 500; i++) {
		m = phxtest_counter("mappings");
		b = phxtest_counter("pinned_bytes");
		p = nvt_fake_counter("pinned");
		if (!m && !b && !p)
			return;
		nanosleep(&ms, NULL);
	}
	pt_fail("round %d: 5 s after it ended, phxfs mappings %lld pinned_bytes %lld, %s pinned %lld; expected 0",
		round, m, b, NVT_FAKE, p);
}

/* How long a MAP of R_LEN takes here, unraced: the longest of two. */
static double time_map(void)
{
	double longest = 0;

	for (int i = 0; i < 2; i++) {
		unsigned char *vma = mmap(NULL, R_LEN, PROT_READ | PROT_WRITE,
					  MAP_SHARED, phx, 0);
		uint64_t handle;
		double t0 = nvt_now(), dt;

		if (vma == MAP_FAILED)
			pt_fail("mmap of %s: %s", NVT_DEV, strerror(errno));
		if (nvt_map(phx, vma, R_OFF, R_LEN, &handle))
			pt_fail("MAP of 64 MiB: %s", strerror(errno));
		dt = nvt_now() - t0;
		if (dt > longest)
			longest = dt;
		if (nvt_unmap(phx, handle))
			pt_fail("UNMAP: %s", strerror(errno));
		munmap(vma, R_LEN);
		wait_round_released(0);
	}
	return longest;
}

struct tally {
	int map_einval;		/* freed before the pin */
	int map_efault;		/* freed while the pages went in */
	int map_revoked;	/* mapped, then revoked */
	int raced;		/* the free began while the MAP ran */
	int map_running;	/* ... and the MAP still ran when it returned */
};

static void round_of(int round, double max_delay, unsigned int *seed,
		     struct tally *tally)
{
	unsigned char pattern = (unsigned char)(0x11 + round);
	struct mapper m = { .done = 0 };
	double delay, free_start, free_end;
	struct timespec ts;
	pthread_t th;
	int err, running;

	m.vma = mmap(NULL, R_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, phx,
		     (off_t)round * (off_t)R_LEN);
	if (m.vma == MAP_FAILED)
		pt_fail("mmap of %s: %s", NVT_DEV, strerror(errno));
	pthread_barrier_init(&m.go, NULL, 2);
	if (pthread_create(&th, NULL, mapper, &m))
		pt_fail("pthread_create");

	/* Some rounds free before the MAP gets going, most during it. */
	delay = max_delay * (rand_r(seed) % 1001) / 1000.0;
	ts.tv_sec = (time_t)delay;
	ts.tv_nsec = (long)((delay - (double)ts.tv_sec) * 1e9);
	pthread_barrier_wait(&m.go);
	nanosleep(&ts, NULL);
	free_start = nvt_now();
	err = nvt_fake_range("free", R_OFF, R_LEN);
	free_end = nvt_now();
	running = !atomic_load(&m.done);
	if (err)
		pt_fail("round %d: free: %s", round, strerror(err));

	/* The memory is the driver's now, whatever the MAP is doing. */
	expect_revoked_at(m.vma, 0, pattern, round,
			  running ? "free returned, MAP still running" :
				    "free returned, MAP done");
	pthread_join(th, NULL);
	pthread_barrier_destroy(&m.go);

	if (m.ret == 0) {
		if (nvt_query(phx, m.handle) != PHXFS_MAP_REVOKED)
			pt_fail("round %d: MAP succeeded and QUERY says LIVE after the memory was freed",
				round);
		tally->map_revoked++;
	} else if (m.err == EINVAL) {
		tally->map_einval++;
	} else if (m.err == EFAULT) {
		tally->map_efault++;
	} else {
		pt_fail("round %d: MAP: %s, expected success, EFAULT or EINVAL",
			round, strerror(m.err));
	}
	if (free_start > m.start && free_start < m.end)
		tally->raced++;
	tally->map_running += running;

	expect_revoked_at(m.vma, 0, pattern ^ 0xff, round, "after the MAP");
	expect_revoked_at(m.vma, R_LEN / 2, pattern, round, "after the MAP");
	expect_revoked_at(m.vma, R_LEN - PROBE_LEN, pattern, round,
			  "after the MAP");
	if (m.ret == 0 && nvt_unmap(phx, m.handle))
		pt_fail("round %d: UNMAP of the revoked mapping: %s", round,
			strerror(errno));
	munmap(m.vma, R_LEN);
	err = nvt_fake_range("alloc", R_OFF, R_LEN);
	if (err)
		pt_fail("round %d: alloc: %s", round, strerror(err));
	wait_round_released(round);
	if (round < 4 || round % 8 == 0)
		pt_note("round %d: free at %+.1f ms of the MAP (which took %.1f ms), returned after %.1f ms%s; MAP %s",
			round, (free_start - m.start) * 1e3,
			(m.end - m.start) * 1e3,
			(free_end - free_start) * 1e3,
			running ? ", MAP still running" : "",
			m.ret ? strerrorname_np(m.err) : "ok, REVOKED");
}

int main(int argc, char **argv)
{
	unsigned int seed = (unsigned int)time(NULL);
	struct tally tally = { 0 };
	double map_time;
	size_t bar_size;

	pt_name = "nvidia_revoke_race";
	if (argc < 2 || argc > 3)
		pt_fail("usage: nvidia_revoke_race PATH/%s.ko [SEED] (under phxvm --kmod phxfs.ko --no-insmod)",
			NVT_FAKE);
	if (argc == 3)
		seed = (unsigned int)strtoul(argv[2], NULL, 0);
	nvt_catch_faults();
	nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT | O_CLOEXEC);
	if (nvme < 0)
		pt_fail("open %s: %s", vmtest_env("PHXVM_NVME"),
			strerror(errno));
	nvt_load(argv[1], "persistent=0");
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < R_OFF + R_LEN)
		pt_fail("BAR of %zu MiB: this test needs %zu MiB",
			bar_size >> 20, (R_OFF + R_LEN) >> 20);
	phx = open(NVT_DEV, O_RDWR | O_CLOEXEC);
	if (phx < 0)
		pt_fail("open %s: %s", NVT_DEV, strerror(errno));

	map_time = time_map();
	pt_note("an unraced MAP of 64 MiB takes %.1f ms; %d rounds, seed %u",
		map_time * 1e3, ROUNDS, seed);
	for (int round = 1; round <= ROUNDS; round++)
		round_of(round, map_time * 1.25, &seed, &tally);

	nvt_wait_nothing_pinned("after all rounds");
	pt_note("%d rounds: MAP EINVAL %d, EFAULT %d, ok then REVOKED %d; %d frees began during the MAP, %d returned before it",
		ROUNDS, tally.map_einval, tally.map_efault,
		tally.map_revoked, tally.raced, tally.map_running);
	if (!tally.raced)
		pt_fail("no free began while a MAP ran: the race was not exercised");
	close(phx);
	nvt_unload();
	pt_note("PASS");
	return 0;
}
