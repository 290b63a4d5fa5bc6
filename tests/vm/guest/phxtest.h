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

/* The ivshmem BAR, mapped read-write; its size in *size. */
static inline unsigned char *phxtest_map_bar(size_t *size)
{
	char path[128];
	unsigned char *bar;
	int fd;

	*size = vmtest_env_u64("PHXVM_BAR_SIZE");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%s",
		 vmtest_env("PHXVM_BAR_BDF"), vmtest_env("PHXVM_BAR_INDEX"));
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		vmtest_fail("open %s: %s", path, strerror(errno));
	bar = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bar == MAP_FAILED)
		vmtest_fail("mmap %s: %s", path, strerror(errno));
	close(fd);
	return bar;
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
