// SPDX-License-Identifier: MIT
/*
 * Byte-for-byte check of a rank's buffer: copied back to the host in
 * pieces, each compared with the pattern at the file offset it came from.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "tools/common/pattern.h"

#define STEP (64u << 20)	/* bytes copied back at a time */

/* The file offset of buffer byte @at, and bytes contiguous from there. */
static uint64_t file_offset(const struct bench *b, enum mode m, size_t at,
			    size_t *run)
{
	uint64_t n = (uint64_t)b->j->size, blk = b->o->block;

	if (!mode_interleaved(m)) {
		*run = b->piece - at;
		return (uint64_t)b->piece * (uint64_t)b->j->rank + at;
	}
	*run = (size_t)(blk - at % blk);
	return (at / blk * n + (uint64_t)b->j->rank) * blk + at % blk;
}

int verify_buffer(const struct bench *b, enum mode m)
{
	unsigned char *host = malloc(STEP);
	int ret = 0;

	if (!host) {
		fprintf(stderr, "rank %d: verify: out of memory\n", b->j->rank);
		return -1;
	}
	for (size_t at = 0; !ret && at < b->piece; at += STEP) {
		size_t len = b->piece - at < STEP ? b->piece - at : STEP;

		if (devbuf_to_host(&b->buf, at, len, host)) {
			ret = -1;
			break;
		}
		for (size_t i = 0, run; i < len; i += run) {
			uint64_t off = file_offset(b, m, at + i, &run);
			long long bad;

			if (run > len - i)
				run = len - i;
			bad = phxfs_pattern_mismatch(host + i, run,
						     b->o->check_seed, off);
			if (bad >= 0) {
				fprintf(stderr,
					"phxfs-mpi-bench: rank %d: %s: MISMATCH at buffer byte %zu (file offset %llu): got 0x%02x, want 0x%02x\n",
					b->j->rank, mode_name(m),
					at + i + (size_t)bad,
					(unsigned long long)(off + (uint64_t)bad),
					host[i + (size_t)bad],
					phxfs_pattern_byte(b->o->check_seed,
							   off + (uint64_t)bad));
				ret = -1;
				break;
			}
		}
	}
	free(host);
	return ret;
}
