// SPDX-License-Identifier: MIT
#include <string.h>

#include "pattern.h"

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static unsigned char byte_at(uint64_t pos, uint64_t seed)
{
	return (unsigned char)(mix((pos >> 3) ^ seed) >> ((pos & 7) * 8));
}

void pattern_fill(void *buf, off_t off, size_t len, uint64_t seed)
{
	unsigned char *p = buf;
	uint64_t pos = (uint64_t)off;

	/* Word by word where aligned, byte by byte at the edges. */
	while (len && (pos & 7)) {
		*p++ = byte_at(pos, seed);
		pos++, len--;
	}
	for (; len >= 8; p += 8, pos += 8, len -= 8) {
		uint64_t w = mix((pos >> 3) ^ seed);

		memcpy(p, &w, 8);
	}
	for (; len; pos++, len--)
		*p++ = byte_at(pos, seed);
}

void random_fill(void *buf, size_t len, uint64_t *state)
{
	unsigned char *p = buf;
	uint64_t x = *state ? *state : 1;

	while (len) {
		size_t n = len < 8 ? len : 8;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p, &x, n);
		p += n;
		len -= n;
	}
	*state = x;
}

ssize_t first_difference(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;

	if (!memcmp(a, b, len))
		return -1;
	for (size_t i = 0; i < len; i++)
		if (x[i] != y[i])
			return (ssize_t)i;
	return -1;
}
