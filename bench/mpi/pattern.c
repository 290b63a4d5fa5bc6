// SPDX-License-Identifier: MIT
#define _DEFAULT_SOURCE
#include <endian.h>
#include <string.h>

#include "pattern.h"

unsigned char pattern_byte(uint64_t off, uint64_t seed)
{
	uint64_t word = (off & ~(uint64_t)7) ^ seed;

	return (unsigned char)(word >> (8 * (off & 7)));
}

void pattern_fill(unsigned char *buf, uint64_t off, size_t len,
		  uint64_t seed)
{
	size_t i = 0;

	for (; i < len && (off + i) % 8; i++)
		buf[i] = pattern_byte(off + i, seed);
	for (; i + 8 <= len; i += 8) {
		uint64_t w = htole64((off + i) ^ seed);

		memcpy(buf + i, &w, 8);
	}
	for (; i < len; i++)
		buf[i] = pattern_byte(off + i, seed);
}

int64_t pattern_check(const unsigned char *buf, uint64_t off, size_t len,
		      uint64_t seed)
{
	size_t i = 0;

	for (; i < len && (off + i) % 8; i++)
		if (buf[i] != pattern_byte(off + i, seed))
			return (int64_t)i;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, buf + i, 8);
		if (w != htole64((off + i) ^ seed))
			break;	/* the byte loop below finds which */
	}
	for (; i < len; i++)
		if (buf[i] != pattern_byte(off + i, seed))
			return (int64_t)i;
	return -1;
}
