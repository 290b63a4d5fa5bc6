// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the HDF5 connector's info string parser. Any string either
 * parses into sane fields (a device from -1 to 63, a value >= 0, names
 * and under_info that are proper strings) or fails with a message; the
 * parser must never read past the string or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vol_info_parse.h"

/* libFuzzer calls this for every input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct phxvol_info_spec spec;
	char err[256] = "";
	char *str = malloc(size + 1);

	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	if (phxvol_info_parse(str, &spec, err, sizeof(err))) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
	} else {
		if (spec.device < -1 || spec.device > PHXVOL_MAX_DEVICE ||
		    (spec.has_value && spec.value < 0) ||
		    (spec.under_info && strlen(spec.under_info) > size) ||
		    (spec.name && strlen(spec.name) > size))
			abort();
		phxvol_info_spec_free(&spec);
	}
	free(str);
	return 0;
}
