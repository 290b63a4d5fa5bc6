// SPDX-License-Identifier: MIT
/*
 * Device unbind while O_DIRECT reads are streaming into registered device
 * memory: the unbind completes (it waits for the I/O in flight, never
 * hangs), the reader's next read fails with EFAULT, nothing oopses, and
 * after a rebind the device serves correct bytes again with the module's
 * counters back at zero. Three rounds, unbinding after 1, 2 and 3 reads.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>

#include <phxfs/phxfs.h>

#include "phxtest.h"

#define SPAN (64u << 20)

static unsigned char *bar;
static int nvme_fd;
static void *target;
static atomic_int reads_done;
static int reader_errno;
static int short_reads;

/* Reads alternate between two disk regions until the memory goes away. */
static void *reader(void *arg)
{
	(void)arg;
	for (int i = 0;; i++) {
		ssize_t n = pread(nvme_fd, target, SPAN, (off_t)(i % 2) * SPAN);

		if (n < 0) {
			reader_errno = errno;
			return NULL;
		}
		if (n != SPAN)
			short_reads++;
		atomic_fetch_add(&reads_done, 1);
	}
}

static void sysfs_driver(const char *what)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "echo %s > /sys/bus/pci/drivers/phxfs_pci_bar/%s",
		 vmtest_env("PHXVM_BAR_BDF"), what);
	if (system(cmd))
		pt_fail("%s failed", what);
}

/* After a rebind: a fresh registration gets exactly the drive's bytes. */
static void check_serves_again(void)
{
	const size_t len = 4u << 20;
	unsigned char *host;
	void *t;

	if (posix_memalign((void **)&host, 4096, len))
		pt_fail("posix_memalign");
	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar + SPAN, len, &t));
	if (pread(nvme_fd, t, len, 3 * (off_t)SPAN) != (ssize_t)len ||
	    pread(nvme_fd, host, len, 3 * (off_t)SPAN) != (ssize_t)len)
		pt_fail("pread after rebind: %s", strerror(errno));
	if (memcmp(bar + SPAN, host, len))
		pt_fail("device memory differs from the drive after rebind");
	PT_OK(phxfs_deregmem(0, bar + SPAN, len));
	PT_OK(phxfs_close(0));
	free(host);
	if (phxtest_counter("mappings") || phxtest_counter("pinned_bytes"))
		pt_fail("counters not zero after rebind");
}

static void round_after(int reads)
{
	pthread_t th;

	atomic_store(&reads_done, 0);
	reader_errno = 0;
	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar, SPAN, &target));
	if (pthread_create(&th, NULL, reader, NULL))
		pt_fail("pthread_create");
	while (atomic_load(&reads_done) < reads)
		usleep(1000);
	sysfs_driver("unbind");
	pthread_join(th, NULL);
	if (reader_errno != EFAULT)
		pt_fail("reader ended with errno %d (%s), expected EFAULT",
			reader_errno, strerror(reader_errno));
	PT_OK(phxfs_deregmem(0, bar, SPAN));
	PT_OK(phxfs_close(0));
	PHXTEST_EXPECT_ERR(phxfs_open(0), ENODEV);
	sysfs_driver("bind");
	check_serves_again();
	pt_note("unbind after %d read(s) of 64 MiB (%d in all, %d short): reader got EFAULT; rebind serves correct bytes",
		reads, atomic_load(&reads_done), short_reads);
}

int main(void)
{
	size_t bar_size;

	pt_name = "seed_unbind_io";
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < 2 * (size_t)SPAN)
		pt_fail("BAR too small");
	nvme_fd = open(vmtest_env("PHXVM_NVME"), O_RDONLY | O_DIRECT);
	if (nvme_fd < 0)
		pt_fail("open nvme: %s", strerror(errno));
	for (int reads = 1; reads <= 3; reads++)
		round_after(reads);
	close(nvme_fd);
	return 0;
}
