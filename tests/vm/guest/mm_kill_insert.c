// SPDX-License-Identifier: MIT
/*
 * SIGKILL during a MAP of the whole BAR: inserting every page of a large
 * BAR takes seconds, and a process killed while it is inside the ioctl
 * must die promptly, well before the whole insert would have finished.
 * Afterwards nothing stays pinned (counters 0 once it is reaped) and the
 * whole BAR maps again, with the drive's bytes landing in it. The first,
 * uninterrupted runs measure what a full insert and a plain exit cost;
 * the harness's final rmmod shows no page reference was left behind.
 * Raw ioctls on the pci-bar provider.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/wait.h>

#include "mmtest.h"

#define MIB (1UL << 20)

static unsigned char *bar;
static size_t bar_size;

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* Up to 5 s for nothing to stay mapped or pinned. */
static void wait_released(const char *when)
{
	mmtest_expect_counters(0, 0, MMTEST_ANY, 5, when);
}

/* A phxfs VMA over the whole BAR; MAP of all of it: 0 or -1 (errno). */
static int map_whole(int fd, unsigned char **vma, uint64_t *handle)
{
	*vma = mmtest_vma(fd, bar_size, 0);
	return mmtest_map(fd, bar, bar_size, *vma, handle, NULL);
}

/* The syscall @pid is in, as /proc/PID/syscall says it ("running", "16"). */
static void syscall_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	snprintf(buf, len, "?");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fscanf(f, "%31s", buf) != 1)
		snprintf(buf, len, "?");
	fclose(f);
}

struct run {
	double entered;		/* the child is about to enter MAP */
	double killed;		/* SIGKILL sent (0: not killed) */
	double reaped;		/* waitpid returned */
	int status;
	char in[32];		/* its syscall at the kill */
};

/*
 * A child MAPs the whole BAR (@do_map), then exits; with @kill_after > 0
 * it gets SIGKILL that many seconds after it announced the ioctl.
 */
static void child_run(int do_map, double kill_after, struct run *r)
{
	int go[2], done[2];
	struct pollfd pfd;
	char c;
	pid_t pid;

	if (pipe(go) || pipe(done))
		pt_fail("pipe: %s", strerror(errno));
	pid = phxtest_fork();
	if (!pid) {
		int fd = mmtest_open_node();
		unsigned char *vma;
		uint64_t handle;

		pt_name = "mm_kill_insert (child)";
		close(go[0]);
		close(done[0]);
		if (write(go[1], "g", 1) != 1)
			_exit(3);
		if (do_map && map_whole(fd, &vma, &handle))
			pt_fail("MAP of the whole BAR: %s", strerror(errno));
		if (write(done[1], "d", 1) != 1)
			_exit(3);
		_exit(0);	/* the mapping goes with the process */
	}
	close(go[1]);
	close(done[1]);
	if (read(go[0], &c, 1) != 1)
		pt_fail("the child died before MAP");
	r->entered = phxtest_now();
	r->killed = 0;
	snprintf(r->in, sizeof(r->in), "-");
	if (kill_after > 0) {
		sleep_s(kill_after);
		syscall_of(pid, r->in, sizeof(r->in));
		pfd = (struct pollfd){ .fd = done[0], .events = POLLIN };
		if (poll(&pfd, 1, 0) == 1)
			pt_fail("MAP of the whole BAR returned within %.0f ms: too quick to interrupt (use a larger --bar-size)",
				kill_after * 1e3);
		r->killed = phxtest_now();
		kill(pid, SIGKILL);
	}
	if (waitpid(pid, &r->status, 0) != pid)
		pt_fail("waitpid: %s", strerror(errno));
	r->reaped = phxtest_now();
	close(go[0]);
	close(done[0]);
}

/* The whole BAR maps and serves I/O: a read lands at its last MiB. */
static double map_and_read(const char *when)
{
	int fd = mmtest_open_node(), nvme = mmtest_open_nvme(O_RDONLY);
	unsigned char *vma;
	uint64_t handle;
	size_t at = bar_size - MIB;
	double t0, took;

	t0 = phxtest_now();
	if (map_whole(fd, &vma, &handle))
		pt_fail("%s: MAP of the whole BAR: %s", when,
			strerror(errno));
	took = phxtest_now() - t0;
	free(mmtest_read_lands(nvme, vma + at, bar + at, MIB, 16 * MIB, when));
	mmtest_unmap_ok(fd, handle);
	munmap(vma, bar_size);
	close(fd);
	close(nvme);
	wait_released(when);
	return took;
}

int main(void)
{
	static const double kill_after[] = { 0.05, 0.1, 0.2 };
	double insert, full, base, limit;
	struct run r;

	pt_name = "mm_kill_insert";
	bar = phxtest_map_bar(&bar_size);
	pt_note("BAR of %zu MiB", bar_size / MIB);

	/* What the uninterrupted work costs. */
	insert = map_and_read("uninterrupted");
	child_run(0, 0, &r);
	base = r.reaped - r.entered;
	child_run(1, 0, &r);
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status))
		pt_fail("the uninterrupted child failed (status %#x)",
			r.status);
	full = r.reaped - r.entered;
	wait_released("uninterrupted child reaped");
	pt_note("MAP of the whole BAR: %.2f s; child MAP and exit: %.2f s; child exit without MAP: %.2f s",
		insert, full, base);
	if (insert < 1.0)
		pt_fail("a whole-BAR MAP takes only %.2f s: too quick to show an interrupted one (use a larger --bar-size)",
			insert);
	/* A killed child may take its plain exit and a quarter of a MAP. */
	limit = base + insert / 4;

	for (size_t i = 0; i < sizeof(kill_after) / sizeof(kill_after[0]); i++) {
		double reap;

		child_run(1, kill_after[i], &r);
		reap = r.reaped - r.killed;
		pt_note("SIGKILL %.0f ms into MAP (syscall %s): reaped %.2f s later",
			kill_after[i] * 1e3, r.in, reap);
		if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGKILL)
			pt_fail("the killed child: status %#x, expected death by SIGKILL",
				r.status);
		if (reap > limit)
			pt_fail("killed %.0f ms into a MAP of the whole BAR, the child was reaped only %.2f s later (limit %.2f s; an uninterrupted MAP and exit take %.2f s)",
				kill_after[i] * 1e3, reap, limit, full);
		wait_released("killed child reaped");
	}

	map_and_read("after the kills");
	pt_note("killed during MAP: reaped within %.2f s, nothing pinned, the BAR maps again",
		limit);
	return 0;
}
