// SPDX-License-Identifier: MIT
/*
 * Lifetimes: a process killed with live mappings, the module refusing to
 * unload while memory is mapped, 8 threads registering and deregistering
 * at once, and the unbind of the device under live mappings (I/O then
 * fails with EFAULT instead of reaching the memory). The module's counters
 * return to zero after each.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include <phxfs/phxfs.h>

#include "phxtest.h"

#define THREADS 8
#define ROUNDS 200

static unsigned char *bar;

static void expect_counters_zero(const char *when)
{
	long long m = phxtest_counter("mappings");
	long long b = phxtest_counter("pinned_bytes");

	if (m || b)
		pt_fail("%s: %lld mappings, %lld bytes still pinned", when,
			m, b);
}

static void killed_with_mappings(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		void *t;

		if (phxfs_open(0) || phxfs_regmem(0, bar, 1 << 20, &t) ||
		    phxfs_regmem(0, bar + (2 << 20), 4096, &t))
			_exit(1);
		raise(SIGKILL);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status))
		pt_fail("child did not die by SIGKILL (status %#x)", status);
	expect_counters_zero("after kill -9 with 2 mappings");
}

static void rmmod_refused_while_mapped(void)
{
	void *t;

	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar, 65536, &t));
	if (system("rmmod phxfs 2>/dev/null") == 0)
		pt_fail("rmmod succeeded with a live mapping");
	PT_OK(phxfs_close(0));	/* releases the mapping */
	expect_counters_zero("after close with a live mapping");
}

static void *churn(void *arg)
{
	unsigned char *mine = bar + (size_t)(uintptr_t)arg * (1 << 20);

	for (int i = 0; i < ROUNDS; i++) {
		size_t len = 4096u << (i % 8);
		void *t;

		if (phxfs_regmem(0, mine, len, &t) ||
		    phxfs_deregmem(0, mine, len))
			pt_fail("thread %p round %d: %s", arg, i,
				strerror(errno));
	}
	return NULL;
}

static void threads(void)
{
	pthread_t th[THREADS];

	PT_OK(phxfs_open(0));
	for (uintptr_t i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, churn, (void *)i))
			pt_fail("pthread_create");
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	PT_OK(phxfs_close(0));
	expect_counters_zero("after 8 threads x 200 register/deregister");
	if (phxtest_counter("map_calls") < THREADS * ROUNDS)
		pt_fail("map_calls %lld < %d", phxtest_counter("map_calls"),
			THREADS * ROUNDS);
}

static void unbind_with_mappings(void)
{
	char path[128], cmd[256];
	int fd = open(vmtest_env("PHXVM_NVME"), O_RDONLY | O_DIRECT);
	void *t;

	if (fd < 0)
		pt_fail("open nvme: %s", strerror(errno));
	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar, 1 << 20, &t));
	if (pread(fd, t, 1 << 20, 0) != 1 << 20)
		pt_fail("pread before unbind: %s", strerror(errno));
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/phxfs_pci_bar/unbind");
	snprintf(cmd, sizeof(cmd), "echo %s > %s", vmtest_env("PHXVM_BAR_BDF"),
		 path);
	if (system(cmd))
		pt_fail("unbind failed");
	errno = 0;
	if (pread(fd, t, 1 << 20, 0) != -1 || errno != EFAULT)
		pt_fail("pread after unbind: errno %d, expected EFAULT", errno);
	PT_OK(phxfs_deregmem(0, bar, 1 << 20));
	PT_OK(phxfs_close(0));
	PHXTEST_EXPECT_ERR(phxfs_open(0), ENODEV);
	close(fd);
	/* Bind again so the harness's rmmod finds the module as it left it. */
	snprintf(cmd, sizeof(cmd), "echo %s > /sys/bus/pci/drivers/phxfs_pci_bar/bind",
		 vmtest_env("PHXVM_BAR_BDF"));
	if (system(cmd))
		pt_fail("bind failed");
	expect_counters_zero("after unbind and bind");
}

int main(void)
{
	size_t bar_size;

	pt_name = "seed_lifecycle";
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < (THREADS + 1) << 20)
		pt_fail("BAR too small");

	killed_with_mappings();
	pt_note("kill -9 with live mappings: counters back to zero");
	rmmod_refused_while_mapped();
	pt_note("rmmod refused while mapped; close released the mapping");
	threads();
	pt_note("8 threads x %d regmem/deregmem: clean", ROUNDS);
	unbind_with_mappings();
	pt_note("unbind with a live mapping: pread fails with EFAULT, no oops");
	return 0;
}
