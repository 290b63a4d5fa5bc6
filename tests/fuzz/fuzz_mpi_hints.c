// SPDX-License-Identifier: MIT
/*
 * libFuzzer: libphxfs_mpi's hint and device-list parsers. The first byte
 * picks the hint (or the device list), the rest is its value. A hint
 * taken must be within bounds; one refused must change nothing; a device
 * list gives a device from 0 to 63 or -1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const keys[] = {
	"cb_nodes", "cb_buffer_size", "phxfs_direct_min", "romio_cb_read",
	"romio_cb_write", "phxfs_cuda_aware", "phxfs_o_direct", "other_key",
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* libFuzzer calls this for every input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct phxfs_mpi_hints before, h;
	char value[300];
	size_t len, n;
	int dev;

	if (!size)
		return 0;
	len = size - 1 < sizeof(value) - 1 ? size - 1 : sizeof(value) - 1;
	memcpy(value, data + 1, len);
	value[len] = '\0';

	if (data[0] % (NKEYS + 2) == NKEYS) {
		dev = phxfs_mpi_parse_device(value, data[0] >> 4);
		if (dev < -1 || dev > 63)
			abort();
		return 0;
	}
	if (data[0] % (NKEYS + 2) == NKEYS + 1) {
		if (phxfs_mpi_parse_size(value, &n) && !len)
			abort();
		return 0;
	}
	phxfs_mpi_hints_default(&before);
	h = before;
	if (phxfs_mpi_hint_set(&h, keys[data[0] % (NKEYS + 2)], value)) {
		if (memcmp(&h, &before, sizeof(h)))
			abort();
		return 0;
	}
	if (h.cb_nodes < 0 || h.cb_buffer_size < 4096 ||
	    h.cb_buffer_size > (1u << 30) || h.cb_buffer_size % 4096)
		abort();
	for (int i = 0; i < 4; i++) {
		int sw = i == 0 ? h.cb_read : i == 1 ? h.cb_write :
			 i == 2 ? h.cuda_aware : h.o_direct;

		if (sw < -1 || sw > 1)
			abort();
	}
	return 0;
}
