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

int main(void)
{
	const char *mnt;
	char path[300];
	size_t bar_size, len = 5u << 20;
	off_t off = 3 * 4096 + (1 << 20);
	unsigned char *bar, *buf, *back;
	void *target;
	int fd;

	pt_name = "seed_ext4";
	bar = phxtest_map_bar(&bar_size);
	mnt = phxtest_mount_ext4("", "");
	snprintf(path, sizeof(path), "%s/data.bin", mnt);

	/* The file, written and synced through the page cache. */
	buf = malloc(FILE_SIZE);
	back = aligned_alloc(4096, len);
	if (!buf || !back)
		pt_fail("malloc");
	phxfs_pattern_fill(buf, FILE_SIZE, 1, 0);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, buf, FILE_SIZE) != FILE_SIZE || fsync(fd) ||
	    close(fd))
		pt_fail("write %s: %s", path, strerror(errno));

	fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0)
		pt_fail("open O_DIRECT: %s", strerror(errno));
	PT_OK(phxfs_open(0));
	memset(bar, 0, len);
	PT_OK(phxfs_regmem(0, bar, len, &target));

	/* File -> device memory. */
	if (pread(fd, target, len, off) != (ssize_t)len)
		pt_fail("pread: %s", strerror(errno));
	if (memcmp(bar, buf + off, len))
		pt_fail("device memory differs from the file after pread");

	/* Device memory -> file, then read back past the page cache. */
	phxfs_pattern_fill(bar, len, 2, 8 << 20);
	if (pwrite(fd, target, len, 8 << 20) != (ssize_t)len)
		pt_fail("pwrite: %s", strerror(errno));
	if (pread(fd, back, len, 8 << 20) != (ssize_t)len)
		pt_fail("read back: %s", strerror(errno));
	if (memcmp(back, bar, len))
		pt_fail("the file differs from device memory after pwrite");

	PT_OK(phxfs_deregmem(0, bar, len));
	PT_OK(phxfs_close(0));
	close(fd);
	if (umount(mnt))
		pt_fail("umount: %s", strerror(errno));
	pt_note("ext4: %zu MiB file -> device memory and back, byte for byte",
		len >> 20);
	return 0;
}
