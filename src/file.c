// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the kernel cannot say: the sector size every device handles. */
#define FALLBACK_ALIGN 512

static void probe_dio_align(struct phxfs_file *f)
{
	struct stat st;
	int lbs;

#ifdef STATX_DIOALIGN
	struct statx stx;

	if (!statx(f->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) &&
	    (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align) {
		f->mem_align = stx.stx_dio_mem_align;
		f->off_align = stx.stx_dio_offset_align;
		return;
	}
#endif
	f->mem_align = f->off_align = FALLBACK_ALIGN;
	if (!fstat(f->fd, &st) && S_ISBLK(st.st_mode) &&
	    !ioctl(f->fd, BLKSSZGET, &lbs) && lbs > 0)
		f->mem_align = f->off_align = (size_t)lbs;
}

int phxfs_file_probe(int fd, struct phxfs_file *f)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	f->fd = fd;
	f->readable = (flags & O_ACCMODE) != O_WRONLY;
	f->writable = (flags & O_ACCMODE) != O_RDONLY;
	f->direct = flags & O_DIRECT;
	f->mem_align = f->off_align = 1;
	if (f->direct)
		probe_dio_align(f);
	return 0;
}

bool phxfs_file_aligned(const struct phxfs_file *f, const void *p, size_t len,
			off_t off)
{
	return !((uintptr_t)p & (f->mem_align - 1)) &&
	       !((len | (size_t)off) & (f->off_align - 1));
}

ssize_t phxfs_file_read(const struct phxfs_file *f, void *p, size_t len,
			off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(f->fd, (char *)p + done, len - done,
				  off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
		/* O_DIRECT reads come short at end of file, maybe unaligned. */
		if (!phxfs_file_aligned(f, (char *)p + done, len - done,
					off + (off_t)done))
			break;
	}
	return (ssize_t)done;
}

int phxfs_file_write(const struct phxfs_file *f, const void *p, size_t len,
		     off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(f->fd, (const char *)p + done, len - done,
				   off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
		/* No progress, or an O_DIRECT rest that cannot be issued. */
		if (n == 0 || (done < len &&
			       !phxfs_file_aligned(f, (const char *)p + done,
						   len - done,
						   off + (off_t)done))) {
			errno = EIO;
			return -1;
		}
	}
	return 0;
}
