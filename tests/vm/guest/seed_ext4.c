// SPDX-License-Identifier: MIT
/*
 * The same data path through a regular file on ext4 on the NVMe drive:
 * O_DIRECT pread of the file into registered device memory, and pwrite
 * from it into the file, checked byte for byte through the BAR and by
 * reading the file back.
 */
#define _GNU_SOURCE
#include <sys/mount.h>

#include <phxfs/phxfs.h>

#include "phxtest.h"

#define FILE_SIZE (24u << 20)

static unsigned char pattern(size_t i, unsigned int seed)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL ^ seed;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (unsigned char)(x >> 29);
}

static void run(const char *cmd)
{
	if (system(cmd))
		vmtest_fail("'%s' failed", cmd);
}

int main(void)
{
	const char *path = "/tmp/mnt/data.bin";
	size_t bar_size, len = 5u << 20;
	off_t off = 3 * 4096 + (1 << 20);
	unsigned char *bar, *buf, *back;
	void *target;
	char cmd[256];
	int fd;

	vmtest_name = "seed_ext4";
	bar = phxtest_map_bar(&bar_size);
	snprintf(cmd, sizeof(cmd), "modprobe ext4 && mkfs.ext4 -q -F %s && mkdir -p /tmp/mnt && mount -t ext4 %s /tmp/mnt",
		 vmtest_env("PHXVM_NVME"), vmtest_env("PHXVM_NVME"));
	run(cmd);

	/* The file, written and synced through the page cache. */
	buf = malloc(FILE_SIZE);
	back = aligned_alloc(4096, len);
	if (!buf || !back)
		vmtest_fail("malloc");
	for (size_t i = 0; i < FILE_SIZE; i++)
		buf[i] = pattern(i, 1);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, buf, FILE_SIZE) != FILE_SIZE || fsync(fd) ||
	    close(fd))
		vmtest_fail("write %s: %s", path, strerror(errno));

	fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0)
		vmtest_fail("open O_DIRECT: %s", strerror(errno));
	PHXTEST_OK(phxfs_open(0));
	memset(bar, 0, len);
	PHXTEST_OK(phxfs_regmem(0, bar, len, &target));

	/* File -> device memory. */
	if (pread(fd, target, len, off) != (ssize_t)len)
		vmtest_fail("pread: %s", strerror(errno));
	if (memcmp(bar, buf + off, len))
		vmtest_fail("device memory differs from the file after pread");

	/* Device memory -> file, then read back past the page cache. */
	for (size_t i = 0; i < len; i++)
		bar[i] = pattern(i, 2);
	if (pwrite(fd, target, len, 8 << 20) != (ssize_t)len)
		vmtest_fail("pwrite: %s", strerror(errno));
	if (pread(fd, back, len, 8 << 20) != (ssize_t)len)
		vmtest_fail("read back: %s", strerror(errno));
	if (memcmp(back, bar, len))
		vmtest_fail("the file differs from device memory after pwrite");

	PHXTEST_OK(phxfs_deregmem(0, bar, len));
	PHXTEST_OK(phxfs_close(0));
	close(fd);
	if (umount("/tmp/mnt"))
		vmtest_fail("umount: %s", strerror(errno));
	vmtest_note("ext4: %zu MiB file -> device memory and back, byte for byte",
		    len >> 20);
	return 0;
}
