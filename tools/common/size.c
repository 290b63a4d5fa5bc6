// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "size.h"

int size_parse(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		for (int i = 0; units[i]; i++)
			if (toupper((unsigned char)*end) == units[i])
				shift = 10 * (i + 1);
		if (!shift)
			return -1;
		end++;
		if (strcasecmp(end, "") && strcasecmp(end, "B") &&
		    strcasecmp(end, "iB"))
			return -1;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

const char *size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "\0KMGT";
	int i = 0;

	while (i < 4 && bytes && !(bytes & 1023)) {
		bytes >>= 10;
		i++;
	}
	if (i)
		snprintf(buf, len, "%llu%c", (unsigned long long)bytes,
			 units[i]);
	else
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return buf;
}
