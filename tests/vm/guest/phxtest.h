/* SPDX-License-Identifier: MIT */
/*
 * phxtest.h - what the guest tests of LibPhoenix share: the BAR that stands
 * in for device memory, mapped through sysfs as a user would, and the
 * module's counters.
 */
#ifndef PHXFS_PHXTEST_H
#define PHXFS_PHXTEST_H

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmtest.h"

/* The sysfs file of the ivshmem BAR: /sys/bus/pci/devices/BDF/resourceN. */
static inline const char *phxtest_bar_path(void)
{
	static char path[128];

	if (!*path)
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/resource%s",
			 vmtest_env("PHXVM_BAR_BDF"),
			 vmtest_env("PHXVM_BAR_INDEX"));
	return path;
}

/*
 * @len bytes of the BAR from @off, through its sysfs file opened with
 * @flags (O_RDWR, or O_RDONLY to hold no right to write), mapped @prot;
 * at @at (MAP_FIXED) unless that is NULL. Tests that need a part of the
 * BAR, or less than read-write, map it this way.
 */
static inline unsigned char *phxtest_map_bar_part(int flags, int prot,
						  size_t off, size_t len,
						  void *at)
{
	const char *path = phxtest_bar_path();
	unsigned char *p;
	int fd = open(path, flags | O_SYNC);

	if (fd < 0)
		vmtest_fail("open %s: %s", path, strerror(errno));
	p = mmap(at, len, prot, MAP_SHARED | (at ? MAP_FIXED : 0), fd,
		 (off_t)off);
	if (p == MAP_FAILED)
		vmtest_fail("mmap %s at %#zx (prot %d): %s", path, off, prot,
			    strerror(errno));
	close(fd);
	return p;
}

/* The ivshmem BAR, mapped read-write; its size in *size. */
static inline unsigned char *phxtest_map_bar(size_t *size)
{
	*size = vmtest_env_u64("PHXVM_BAR_SIZE");
	return phxtest_map_bar_part(O_RDWR, PROT_READ | PROT_WRITE, 0, *size,
				    NULL);
}

/* CLOCK_MONOTONIC in seconds: how long a call took. */
static inline double phxtest_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * fork(), failing the test if it fails; stdio is flushed first so that
 * the child does not print the parent's buffered lines again.
 */
static inline pid_t phxtest_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		vmtest_fail("fork: %s", strerror(errno));
	return pid;
}

/* A counter of /sys/class/phxfs/phxfs_dev0/. */
static inline long long phxtest_counter(const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/phxfs/phxfs_dev0/%s", name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lld", &v) != 1)
		vmtest_fail("read %s", path);
	fclose(f);
	return v;
}

#define PHXTEST_EXPECT_ERR(call, err)					\
	do {								\
		errno = 0;						\
		if ((call) != -1 || errno != (err))			\
			vmtest_fail("%s: errno %d (%s), expected %s",	\
				    #call, errno, strerror(errno), #err); \
	} while (0)

#define PHXTEST_OK(call)						\
	do {								\
		if ((call) != 0)					\
			vmtest_fail("%s: %s", #call, strerror(errno));	\
	} while (0)

#endif /* PHXFS_PHXTEST_H */
