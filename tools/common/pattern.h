/* SPDX-License-Identifier: MIT */
/*
 * pattern.h - the one data pattern of Phoenix's tools, benchmarks and
 * tests. Byte o of contents @seed is byte (o & 7) (little-endian) of word
 * phxfs_pattern_word(seed, o >> 3): a function of the file offset and the
 * seed only. So any range checks without a copy of the file, threads that
 * write the same block write the same bytes, and a file one program wrote
 * (phxfs-io, the MPI benchmark, a test) is verified by any other.
 */
#ifndef PHXFS_PATTERN_H
#define PHXFS_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Word @n (file bytes 8n .. 8n + 7) of contents @seed: splitmix64. */
static inline uint64_t phxfs_pattern_word(uint64_t seed, uint64_t n)
{
	uint64_t x = seed * 0x100000001b3ULL ^ n;

	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The byte at file offset @off of contents @seed. */
static inline unsigned char phxfs_pattern_byte(uint64_t seed, uint64_t off)
{
	return (unsigned char)(phxfs_pattern_word(seed, off >> 3) >>
			       ((off & 7) * 8));
}

/* File bytes [@off, @off + @len) of contents @seed, into @buf. */
static inline void phxfs_pattern_fill(void *buf, size_t len, uint64_t seed,
				      uint64_t off)
{
	unsigned char *p = buf;

	/* Byte by byte to a word boundary, then whole words. */
	for (; len && (off & 7); len--, off++)
		*p++ = phxfs_pattern_byte(seed, off);
	for (; len >= 8; len -= 8, off += 8, p += 8) {
		uint64_t w = phxfs_pattern_word(seed, off >> 3);
		unsigned char b[8];

		for (int i = 0; i < 8; i++)
			b[i] = (unsigned char)(w >> (8 * i));
		memcpy(p, b, 8);
	}
	for (; len; len--, off++)
		*p++ = phxfs_pattern_byte(seed, off);
}

/*
 * Index of the first byte of @buf that is not file byte @off + index of
 * contents @seed, or -1 when all @len bytes are.
 */
static inline long long phxfs_pattern_mismatch(const void *buf, size_t len,
					       uint64_t seed, uint64_t off)
{
	const unsigned char *p = buf;
	uint64_t w = 0;

	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (i == 0 || !(o & 7))
			w = phxfs_pattern_word(seed, o >> 3);
		if (p[i] != (unsigned char)(w >> ((o & 7) * 8)))
			return (long long)i;
	}
	return -1;
}

#endif /* PHXFS_PATTERN_H */
