// SPDX-License-Identifier: MIT
/*
 * What phxfs_read() adds to a bare pread(), in instructions: a 4 KiB
 * O_DIRECT read from the NVMe drive into registered device memory, done
 * ROUNDS times each way, counted by callgrind (user-space instructions:
 * the same for the same program and input, whatever the machine's load).
 *
 * Run as is, the program runs itself again under callgrind and reads the
 * two counts from its dumps. It fails if a phxfs_read() costs more than
 * MAX_EXTRA instructions above a pread(), or if either read leaves other
 * bytes in device memory than the drive holds.
 */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <valgrind/callgrind.h>

#include <phxfs/phxfs.h>

#include "phxtest.h"

#define BLOCK 4096
#define ROUNDS 2000
/*
 * Instructions one phxfs_read() of a registered block may add to the
 * pread() it makes: the call, its argument checks and the lock-free
 * lookup of the registration (about 80 with gcc 12 -O2 on x86-64).
 */
#define MAX_EXTRA 100

static void check_block(const unsigned char *bar, int fd, off_t off,
			const char *how)
{
	static unsigned char want[BLOCK] __attribute__((aligned(BLOCK)));

	if (pread(fd, want, BLOCK, off) != BLOCK)
		pt_fail("pread into host memory: %s", strerror(errno));
	if (memcmp(bar, want, BLOCK))
		pt_fail("device memory differs from the drive after %s",
			how);
}

/* Under callgrind: the two loops, each counted alone and dumped. */
static int measure(void)
{
	size_t bar_size;
	unsigned char *bar = phxtest_map_bar(&bar_size);
	void *target;
	int fd = open(vmtest_env("PHXVM_NVME"), O_RDONLY | O_DIRECT);

	if (fd < 0)
		pt_fail("open drive: %s", strerror(errno));
	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar, BLOCK, &target));

	/* Warm both paths: the first phxfs_read() takes the lookup's lock. */
	memset(bar, 0, BLOCK);
	if (pread(fd, target, BLOCK, BLOCK) != BLOCK ||
	    phxfs_read(fd, 0, bar, 0, BLOCK, 2 * BLOCK) != BLOCK)
		pt_fail("warm-up read: %s", strerror(errno));
	check_block(bar, fd, 2 * BLOCK, "phxfs_read");

	CALLGRIND_TOGGLE_COLLECT;
	for (int i = 0; i < ROUNDS; i++)
		if (pread(fd, target, BLOCK, (off_t)(i & 63) * BLOCK) != BLOCK)
			pt_fail("pread: %s", strerror(errno));
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("pread");
	check_block(bar, fd, (off_t)((ROUNDS - 1) & 63) * BLOCK, "pread");

	CALLGRIND_TOGGLE_COLLECT;
	for (int i = 0; i < ROUNDS; i++)
		if (phxfs_read(fd, 0, bar, 0, BLOCK,
			       (off_t)(i & 63) * BLOCK) != BLOCK)
			pt_fail("phxfs_read: %s", strerror(errno));
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("phxfs_read");
	check_block(bar, fd, (off_t)((ROUNDS - 1) & 63) * BLOCK, "phxfs_read");

	PT_OK(phxfs_deregmem(0, bar, BLOCK));
	PT_OK(phxfs_close(0));
	close(fd);
	return 0;
}

/* The instructions of callgrind dump @part of @out. */
static unsigned long long dump_total(const char *out, int part)
{
	char path[256], line[512];
	unsigned long long n = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s.%d", out, part);
	f = fopen(path, "r");
	if (!f)
		pt_fail("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "summary: %llu", &n) == 1 ||
		    sscanf(line, "totals: %llu", &n) == 1)
			found = 1;
	fclose(f);
	if (!found || !n)
		pt_fail("no instruction count in %s", path);
	return n;
}

int main(int argc, char **argv)
{
	char out[256], log[256];
	unsigned long long bare, lib;
	double per_bare, per_lib;
	int status;
	pid_t pid;

	pt_name = "read_cost";
	(void)argc;
	if (RUNNING_ON_VALGRIND)
		return measure();
	vmtest_scratch(out, sizeof(out), "read_cost.callgrind");
	vmtest_scratch(log, sizeof(log), "read_cost.valgrind.log");

	pid = fork();
	if (pid < 0)
		pt_fail("fork: %s", strerror(errno));
	if (!pid) {
		char file_opt[300], log_opt[300];

		/*
		 * valgrind's own notes go to a file: the harness fails a run
		 * whose console shows "WARNING", and valgrind warns that it
		 * cannot read debug info from the BAR's sysfs file.
		 */
		snprintf(file_opt, sizeof(file_opt),
			 "--callgrind-out-file=%s", out);
		snprintf(log_opt, sizeof(log_opt), "--log-file=%s", log);
		execlp("valgrind", "valgrind", "--tool=callgrind", "-q",
		       "--collect-atstart=no", file_opt, log_opt, argv[0],
		       (char *)NULL);
		fprintf(stderr, "read_cost: exec valgrind: %s\n",
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "cat %s >&2", log);
		if (system(cmd))
			fprintf(stderr, "read_cost: no valgrind log\n");
		pt_fail("the run under callgrind failed");
	}

	bare = dump_total(out, 1);
	lib = dump_total(out, 2);
	per_bare = (double)bare / ROUNDS;
	per_lib = (double)lib / ROUNDS;
	pt_note("4 KiB O_DIRECT read into registered memory, %d rounds: pread %.1f, phxfs_read %.1f instructions a call (%.2fx, %+.1f)",
		ROUNDS, per_bare, per_lib, per_lib / per_bare,
		per_lib - per_bare);
	if (per_lib - per_bare > MAX_EXTRA)
		pt_fail("phxfs_read adds %.1f instructions to a pread, more than %d",
			per_lib - per_bare, MAX_EXTRA);
	return 0;
}
