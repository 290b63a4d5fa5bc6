// SPDX-License-Identifier: MIT
/*
 * Built against an installed Phoenix: phxfs_read() of a file into host
 * memory at odd offsets, in compat mode, checked byte for byte.
 * Usage: consumer FILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <phxfs/phxfs.h>

#define SIZE (3 << 20)

int main(int argc, char **argv)
{
	unsigned char *want = malloc(SIZE), *got = malloc(SIZE + 7);
	ssize_t n;
	int fd;

	if (argc != 2 || !want || !got)
		return 2;
	for (size_t i = 0; i < SIZE; i++)
		want[i] = (unsigned char)(i * 131 + (i >> 12));
	fd = open(argv[1], O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0 || write(fd, want, SIZE) != SIZE) {
		perror("consumer: write");
		return 1;
	}
	if (phxfs_open(0)) {
		perror("consumer: phxfs_open");
		return 1;
	}
	n = phxfs_read(fd, 0, got, 7, SIZE - 5, 5);
	if (n != SIZE - 5 || memcmp(got + 7, want + 5, SIZE - 5)) {
		fprintf(stderr, "consumer: phxfs_read gave %zd, bytes %s\n", n,
			n == SIZE - 5 ? "wrong" : "unchecked");
		return 1;
	}
	printf("consumer: phxfs_read of %d bytes right, mode %d\n", SIZE - 5,
	       phxfs_mode(0));
	phxfs_close(0);
	close(fd);
	unlink(argv[1]);
	free(want);
	free(got);
	return 0;
}
