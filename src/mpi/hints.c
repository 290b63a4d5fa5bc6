// SPDX-License-Identifier: MIT
/*
 * MPI_Info hints (ROMIO's names where ROMIO has one) and the device
 * choice strings. A malformed value fails the call with EINVAL and one
 * line on stderr that names the key: a silently ignored hint is a
 * performance bug nobody finds.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CB_BUFFER (16u << 20)
#define DEFAULT_DIRECT_MIN (1u << 20)
#define MAX_CB_BUFFER (1u << 30)	/* Alltoallw counts are int */

void phxfs_mpi_hints_default(struct phxfs_mpi_hints *h)
{
	*h = (struct phxfs_mpi_hints){
		.cb_buffer_size = DEFAULT_CB_BUFFER,
		.direct_min = DEFAULT_DIRECT_MIN,
	};
}

bool phxfs_mpi_parse_size(const char *s, size_t *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	}
	if (*end || v > SIZE_MAX / mul)
		return false;
	*out = (size_t)(v * mul);
	return true;
}

int phxfs_mpi_parse_device(const char *s, int local)
{
	int ids[256], n = 0;
	char *end;

	while (n < 256) {
		long v;

		if (*s < '0' || *s > '9')
			return -1;
		v = strtol(s, &end, 10);
		if (v > 63)
			return -1;
		ids[n++] = (int)v;
		if (!*end)
			break;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
	return n ? ids[local % n] : -1;
}

static int parse_switch(const char *v, int *out)
{
	if (!strcmp(v, "enable") || !strcmp(v, "true"))
		*out = PHXFS_MPI_ENABLE;
	else if (!strcmp(v, "disable") || !strcmp(v, "false"))
		*out = PHXFS_MPI_DISABLE;
	else if (!strcmp(v, "automatic"))
		*out = PHXFS_MPI_AUTO;
	else
		return EINVAL;
	return 0;
}

int phxfs_mpi_hint_set(struct phxfs_mpi_hints *h, const char *key,
		       const char *v)
{
	size_t n;

	if (!strcmp(key, "cb_nodes")) {
		if (!phxfs_mpi_parse_size(v, &n) || !n || n > INT_MAX)
			return EINVAL;
		h->cb_nodes = (int)n;
	} else if (!strcmp(key, "cb_buffer_size")) {
		if (!phxfs_mpi_parse_size(v, &n) || n < PHXFS_MPI_ALIGN ||
		    n > MAX_CB_BUFFER || n % PHXFS_MPI_ALIGN)
			return EINVAL;
		h->cb_buffer_size = n;
	} else if (!strcmp(key, "phxfs_direct_min")) {
		if (!phxfs_mpi_parse_size(v, &n))
			return EINVAL;
		h->direct_min = n;
	} else if (!strcmp(key, "romio_cb_read")) {
		return parse_switch(v, &h->cb_read);
	} else if (!strcmp(key, "romio_cb_write")) {
		return parse_switch(v, &h->cb_write);
	} else if (!strcmp(key, "phxfs_cuda_aware")) {
		return parse_switch(v, &h->cuda_aware);
	} else if (!strcmp(key, "phxfs_o_direct")) {
		return parse_switch(v, &h->o_direct);
	}
	return 0;	/* other keys are other layers' hints */
}

int phxfs_mpi_hints_parse(MPI_Info info, struct phxfs_mpi_hints *h)
{
	static const char *const keys[] = {
		"cb_nodes", "cb_buffer_size", "phxfs_direct_min",
		"romio_cb_read", "romio_cb_write", "phxfs_cuda_aware",
		"phxfs_o_direct",
	};
	char v[MPI_MAX_INFO_VAL + 1];

	if (info == MPI_INFO_NULL)
		return 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int flag = 0;

		MPI_Info_get(info, keys[i], MPI_MAX_INFO_VAL, v, &flag);
		if (flag && phxfs_mpi_hint_set(h, keys[i], v)) {
			fprintf(stderr, "phxfs_mpi: bad hint %s=\"%s\"\n",
				keys[i], v);
			return EINVAL;
		}
	}
	return 0;
}
