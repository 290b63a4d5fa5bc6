// SPDX-License-Identifier: MIT
/*
 * nvme_odirect_read - O_DIRECT reads of the guest's NVMe drive, checksummed.
 *
 * Proves the test bed before phxfs is involved: reads ranges of 4 KiB to
 * 4 MiB at several offsets of $PHXVM_NVME with O_DIRECT into a page-aligned
 * buffer and prints an FNV-1a 64 hash per range. The host side computes the
 * same lines from the disk image and compares.
 *
 *   nvme_odirect_read [DEVICE]     in the guest (default $PHXVM_NVME)
 *   nvme_odirect_read --host IMAGE on the host: the same lines from IMAGE
 *   nvme_odirect_read --host-check on the host, as phxvm --host-check: every
 *                                  line for $PHXVM_DISK_IMAGE must be in
 *                                  $PHXVM_GUEST_OUTPUT
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmtest.h"

#define KIB 1024ULL
#define MIB (1024ULL * KIB)
#define MAX_LEN (4 * MIB)
#define MIN_DISK (16 * MIB)

/* FNV-1a, 64 bit, continued from @h (start with FNV_INIT). */
#define FNV_INIT 0xcbf29ce484222325ULL
static uint64_t fnv1a64(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct range {
	uint64_t off;
	uint64_t len;
};

/* The ranges read from a disk of @size bytes; returns how many. */
static size_t make_ranges(uint64_t size, struct range *r)
{
	size_t n = 0;

	r[n++] = (struct range){ 0, 4 * KIB };
	r[n++] = (struct range){ 4 * KIB, 8 * KIB };
	r[n++] = (struct range){ 192 * KIB, 64 * KIB };
	r[n++] = (struct range){ MIB + 12 * KIB, MIB };	/* not 64K-aligned */
	r[n++] = (struct range){ 5 * MIB, 4 * MIB };
	r[n++] = (struct range){ (size / 2 & ~(4 * KIB - 1)) + 28 * KIB, 256 * KIB };
	r[n++] = (struct range){ size - 4 * MIB, 4 * MIB };	/* up to the end */
	r[n++] = (struct range){ size - 4 * KIB, 4 * KIB };
	return n;
}

/* Read exactly @len bytes at @off, or fail. */
static void read_full(int fd, const char *what, void *buf, uint64_t len, uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0)
			pt_fail("pread %s len %" PRIu64 " at %" PRIu64 ": %s",
				what, len - done, off + done, strerror(errno));
		if (n == 0)
			pt_fail("pread %s at %" PRIu64 ": unexpected end of data",
				what, off + done);
		done += (uint64_t)n;
	}
}

/*
 * Format the result lines for @path into @out (NULL: print them). @direct
 * selects O_DIRECT and the block device size ioctl.
 */
static void hash_ranges(const char *path, int direct, char *out, size_t out_size)
{
	struct range r[16];
	uint64_t size;
	size_t n, used = 0;
	void *buf;
	int fd;

	fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
	if (fd < 0)
		pt_fail("open %s%s: %s", path, direct ? " O_DIRECT" : "", strerror(errno));
	if (direct) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0)
			pt_fail("BLKGETSIZE64 %s: %s", path, strerror(errno));
	} else {
		struct stat st;

		if (fstat(fd, &st) < 0)
			pt_fail("stat %s: %s", path, strerror(errno));
		size = (uint64_t)st.st_size;
	}
	if (size < MIN_DISK || size % (4 * KIB))
		pt_fail("%s: %" PRIu64 " bytes; need a multiple of 4 KiB, at least %llu",
			path, size, MIN_DISK);
	if (posix_memalign(&buf, 4096, MAX_LEN))
		pt_fail("posix_memalign %llu bytes failed", MAX_LEN);

	n = make_ranges(size, r);
	for (size_t i = 0; i <= n; i++) {
		char line[128];

		if (i == 0) {
			snprintf(line, sizeof(line), "disk size=%" PRIu64, size);
		} else {
			const struct range *x = &r[i - 1];

			read_full(fd, path, buf, x->len, x->off);
			snprintf(line, sizeof(line),
				 "range %zu off=%" PRIu64 " len=%" PRIu64 " fnv1a64=%016" PRIx64,
				 i, x->off, x->len, fnv1a64(FNV_INIT, buf, x->len));
		}
		if (out) {
			used += (size_t)snprintf(out + used, out_size - used, "%s\n", line);
			if (used >= out_size)
				pt_fail("result buffer too small");
		} else {
			pt_note("%s", line);
		}
	}

	/* Reading at the end returns 0 bytes, not an error. */
	if (direct) {
		ssize_t got = pread(fd, buf, 4 * KIB, (off_t)size);

		if (got != 0)
			pt_fail("pread at the end of %s returned %zd (%s), expected 0",
				path, got, got < 0 ? strerror(errno) : "data");
	}
	free(buf);
	close(fd);
}

/* Read a whole (small) file into a NUL-terminated buffer. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16, len = 0;
	char *s = malloc(cap);

	if (!f)
		pt_fail("open %s: %s", path, strerror(errno));
	if (!s)
		pt_fail("out of memory");
	for (;;) {
		size_t n = fread(s + len, 1, cap - len - 1, f);

		len += n;
		if (len < cap - 1)
			break;
		cap *= 2;
		s = realloc(s, cap);
		if (!s)
			pt_fail("out of memory");
	}
	if (ferror(f))
		pt_fail("read %s: %s", path, strerror(errno));
	fclose(f);
	s[len] = '\0';
	return s;
}

/* Host side of phxvm --host-check: the guest must have printed every line. */
static int host_check(void)
{
	const char *image = vmtest_env("PHXVM_DISK_IMAGE");
	const char *output = vmtest_env("PHXVM_GUEST_OUTPUT");
	char expected[4096], *guest = slurp(output);
	int bad = 0, lines = 0;

	hash_ranges(image, 0, expected, sizeof(expected));
	for (char *line = strtok(expected, "\n"); line; line = strtok(NULL, "\n")) {
		char want[160];

		snprintf(want, sizeof(want), "%s: %s\n", pt_name, line);
		lines++;
		if (!strstr(guest, want)) {
			printf("missing in the guest's output: %s\n", line);
			bad++;
		}
	}
	free(guest);
	if (bad)
		pt_fail("%d of %d lines computed from %s differ from the guest's",
			bad, lines, image);
	printf("%d lines computed from the disk image match the guest's\n", lines);
	return 0;
}

int main(int argc, char **argv)
{
	pt_name = "nvme_odirect_read";

	if (argc == 3 && !strcmp(argv[1], "--host")) {
		hash_ranges(argv[2], 0, NULL, 0);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--host-check"))
		return host_check();
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: %s [DEVICE] | --host IMAGE | --host-check\n", argv[0]);
		return 1;
	}
	hash_ranges(argc == 2 ? argv[1] : vmtest_env("PHXVM_NVME"), 1, NULL, 0);
	return 0;
}
