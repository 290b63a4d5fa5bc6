/* SPDX-License-Identifier: MIT */
/*
 * The data file's pattern: each 8-byte word is its file offset XOR the
 * seed, little-endian. Any byte can be checked from its offset alone, and
 * a byte in the wrong place (or from another seed) never passes.
 */
#ifndef PHXMB_PATTERN_H
#define PHXMB_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* The file's bytes [@off, @off + @len) into @buf. */
void pattern_fill(unsigned char *buf, uint64_t off, size_t len,
		  uint64_t seed);

/*
 * Does @buf hold the file's bytes [@off, @off + @len)? Return: -1 if so,
 * else the index of the first wrong byte.
 */
int64_t pattern_check(const unsigned char *buf, uint64_t off, size_t len,
		      uint64_t seed);

/* The byte at file offset @off. */
unsigned char pattern_byte(uint64_t off, uint64_t seed);

#endif /* PHXMB_PATTERN_H */
