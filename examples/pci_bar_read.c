// SPDX-License-Identifier: MIT
/*
 * Read a file straight into device memory with LibPhoenix, on any PCI
 * device whose BAR phoenix-fs serves (pci_bar=...): the device memory is
 * this process's mapping of the BAR through sysfs.
 *
 *   pci_bar_read DEVICE_ID BDF BAR FILE SIZE [FILE_OFFSET [BAR_OFFSET]]
 *
 * Prints the bytes moved, the bandwidth, and an FNV-1a hash of what landed
 * in device memory, read back through the BAR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <phxfs/phxfs.h>

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	fprintf(stderr, "pci_bar_read: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char path[128];
	struct stat st;
	unsigned char *bar, *copy;
	void *target;
	int dev, rfd, fd;
	size_t size, bar_off;
	off_t file_off;
	ssize_t got;
	double t0, t1, t2;

	if (argc < 6) {
		fprintf(stderr, "usage: %s DEVICE_ID BDF BAR FILE SIZE [FILE_OFFSET [BAR_OFFSET]]\n",
			argv[0]);
		return 2;
	}
	dev = atoi(argv[1]);
	size = strtoull(argv[5], NULL, 0);
	file_off = argc > 6 ? (off_t)strtoull(argv[6], NULL, 0) : 0;
	bar_off = argc > 7 ? strtoull(argv[7], NULL, 0) : 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%s",
		 argv[2], argv[3]);
	rfd = open(path, O_RDWR | O_SYNC);
	if (rfd < 0 || fstat(rfd, &st))
		return die(path);
	if (bar_off + size > (size_t)st.st_size) {
		fprintf(stderr, "pci_bar_read: %zu bytes at %zu do not fit the %jd-byte BAR\n",
			size, bar_off, (intmax_t)st.st_size);
		return 1;
	}
	bar = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	if (bar == MAP_FAILED)
		return die("mmap of the BAR");
	fd = open(argv[4], O_RDONLY | O_DIRECT);
	if (fd < 0)
		return die(argv[4]);

	t0 = now();
	if (phxfs_open(dev))
		return die("phxfs_open");
	if (phxfs_regmem(dev, bar + bar_off, size, &target))
		return die("phxfs_regmem");
	t1 = now();
	got = pread(fd, target, size, file_off);
	t2 = now();
	if (got < 0)
		return die("pread into device memory");

	/* Hash what the device memory holds, through a host copy of the BAR. */
	copy = malloc(size);
	if (!copy)
		return die("malloc");
	memcpy(copy, bar + bar_off, (size_t)got);
	printf("registered %zu bytes of device memory (%s BAR %s + %zu) in %.1f us\n",
	       size, argv[2], argv[3], bar_off, (t1 - t0) * 1e6);
	printf("read %zd bytes of %s at offset %jd straight into device memory: %.1f ms, %.0f MiB/s\n",
	       got, argv[4], (intmax_t)file_off, (t2 - t1) * 1e3,
	       got / (t2 - t1) / (1 << 20));
	printf("device memory fnv1a %016" PRIx64 "\n", fnv1a(copy, (size_t)got));

	if (phxfs_deregmem(dev, bar + bar_off, size) || phxfs_close(dev))
		return die("phxfs_deregmem/phxfs_close");
	free(copy);
	close(fd);
	return got == (ssize_t)size ? 0 : 1;
}
