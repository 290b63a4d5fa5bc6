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
		pt_fail("open %s: %s", path, strerror(errno));
	p = mmap(at, len, prot, MAP_SHARED | (at ? MAP_FIXED : 0), fd,
		 (off_t)off);
	if (p == MAP_FAILED)
		pt_fail("mmap %s at %#zx (prot %d): %s", path, off, prot,
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
		pt_fail("fork: %s", strerror(errno));
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
		pt_fail("read %s", path);
	fclose(f);
	return v;
}

/*
 * The module's counters say @mappings mappings and @bytes bytes pinned
 * (@bytes < 0: any), or the test fails naming @when.
 */
static inline void phxtest_expect_counters(long long mappings,
					   long long bytes, const char *when)
{
	long long m = phxtest_counter("mappings");
	long long b = phxtest_counter("pinned_bytes");

	if (m != mappings || (bytes >= 0 && b != bytes))
		pt_fail("%s: %lld mappings, %lld bytes pinned; expected %lld, %lld",
			when, m, b, mappings, bytes);
}

/* Where phxtest_mount_ext4() mounts: $PHXVM_SCRATCH/mnt. */
static inline const char *phxtest_mnt(void)
{
	static char mnt[256];

	if (!*mnt)
		vmtest_scratch(mnt, sizeof(mnt), "mnt");
	return mnt;
}

/*
 * ext4 made on the NVMe drive (mkfs.ext4 @opts, and @size: "" for the
 * whole drive) and mounted at phxtest_mnt(); returns that path.
 */
static inline const char *phxtest_mount_ext4(const char *opts,
					     const char *size)
{
	const char *dev = vmtest_env("PHXVM_NVME"), *mnt = phxtest_mnt();
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "modprobe ext4 && mkfs.ext4 -q -F %s %s %s && mkdir -p %s && mount -t ext4 %s %s",
		 opts, dev, size, mnt, dev, mnt);
	if (system(cmd))
		pt_fail("'%s' failed", cmd);
	return mnt;
}

/* @call returns -1 with errno @err, or the test stops there. */
#define PHXTEST_EXPECT_ERR(call, err)					\
	do {								\
		errno = 0;						\
		if ((call) != -1 || errno != (err))			\
			pt_fail("%s: errno %d (%s), expected %s",	\
				#call, errno, strerror(errno), #err);	\
	} while (0)

#endif /* PHXFS_PHXTEST_H */
