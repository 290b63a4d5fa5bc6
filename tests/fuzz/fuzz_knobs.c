// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the PHXFS_* environment parser. The first byte picks the
 * knob, the rest is the text. A value taken must be within the documented
 * bounds and read back the same when printed in bytes; a value refused
 * must leave the knobs as they were and say what was expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knobs.h"

#define KIB ((size_t)1 << 10)
#define GIB ((size_t)1 << 30)

static void check_size(size_t v, size_t min, size_t multiple)
{
	if (v < min || v > GIB || v % multiple)
		abort();
}

/* libFuzzer calls this for every input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct phxfs_knobs before, k, again;
	enum phxfs_knob knob;
	const char *why = NULL;
	char text[64], back[32];
	size_t len, value = 0;

	if (!size)
		return 0;
	knob = (enum phxfs_knob)(data[0] % (PHXFS_KNOB_COUNT + 1));
	len = size - 1 < sizeof(text) - 1 ? size - 1 : sizeof(text) - 1;
	memcpy(text, data + 1, len);
	text[len] = '\0';

	phxfs_knobs_default(&before, 8);
	k = before;
	if (phxfs_knob_parse(&k, knob, text, &why)) {
		if (!why || memcmp(&k, &before, sizeof(k)))
			abort();
		return 0;
	}
	switch (knob) {
	case PHXFS_KNOB_THREADS:
		if (k.threads < 1 || k.threads > 256)
			abort();
		value = k.threads;
		break;
	case PHXFS_KNOB_CHUNK_SIZE:
		check_size(value = k.chunk_size, 4 * KIB, 4 * KIB);
		break;
	case PHXFS_KNOB_BOUNCE_SIZE:
		check_size(value = k.bounce_size, 4 * KIB, 4 * KIB);
		break;
	case PHXFS_KNOB_PIPELINE_STEP:
		check_size(value = k.pipeline_step, 4 * KIB, 4 * KIB);
		break;
	case PHXFS_KNOB_SMALL_IO:
		check_size(value = k.small_io, 0, 1);
		break;
	default:
		return 0;
	}
	/* The value taken, printed in plain units, parses to itself. */
	snprintf(back, sizeof(back), "%zu", value);
	again = before;
	if (phxfs_knob_parse(&again, knob, back, NULL) ||
	    memcmp(&again, &k, sizeof(k)))
		abort();
	return 0;
}
