// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "knobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)

#define MAX_THREADS 256
#define EXPECT_SIZE "a size from 4K to 1G, a multiple of 4K (suffixes K, M, G)"

static const char *const knob_names[PHXFS_KNOB_COUNT] = {
	[PHXFS_KNOB_COMPAT] = "PHXFS_COMPAT",
	[PHXFS_KNOB_THREADS] = "PHXFS_THREADS",
	[PHXFS_KNOB_CHUNK_SIZE] = "PHXFS_CHUNK_SIZE",
	[PHXFS_KNOB_BOUNCE_SIZE] = "PHXFS_BOUNCE_SIZE",
	[PHXFS_KNOB_SMALL_IO] = "PHXFS_SMALL_IO",
	[PHXFS_KNOB_PIPELINE_STEP] = "PHXFS_PIPELINE_STEP",
};

void phxfs_knobs_default(struct phxfs_knobs *k, long online_cpus)
{
	k->compat = PHXFS_COMPAT_AUTO;
	k->threads = online_cpus < 1 ? 1 :
		     online_cpus > 16 ? 16 : (unsigned int)online_cpus;
	k->chunk_size = 4 * MIB;
	k->bounce_size = 4 * MIB;
	k->small_io = 1 * MIB;
	k->pipeline_step = 4 * MIB;
}

const char *phxfs_knob_name(enum phxfs_knob knob)
{
	return knob < PHXFS_KNOB_COUNT ? knob_names[knob] : NULL;
}

/* Decimal digits, then at most one of K, M, G (either case). */
static int parse_number(const char *s, bool suffixes, uint64_t *out)
{
	uint64_t v = 0, unit = 1;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (suffixes && *s) {
		switch (*s++) {
		case 'k': case 'K': unit = KIB; break;
		case 'm': case 'M': unit = MIB; break;
		case 'g': case 'G': unit = GIB; break;
		default: return -1;
		}
	}
	if (*s || v > UINT64_MAX / unit)
		return -1;
	*out = v * unit;
	return 0;
}

static int parse_size(const char *s, uint64_t min, uint64_t max,
		      uint64_t multiple, size_t *out)
{
	uint64_t v;

	if (parse_number(s, true, &v) || v < min || v > max || v % multiple)
		return -1;
	*out = (size_t)v;
	return 0;
}

int phxfs_knob_parse(struct phxfs_knobs *k, enum phxfs_knob knob,
		     const char *text, const char **why)
{
	const char *expected = "a known variable";
	uint64_t n;
	int ret = -1;

	if (!text || !*text)
		return 0;
	switch (knob) {
	case PHXFS_KNOB_COMPAT:
		expected = "auto, on or off";
		ret = 0;
		if (!strcmp(text, "auto"))
			k->compat = PHXFS_COMPAT_AUTO;
		else if (!strcmp(text, "on"))
			k->compat = PHXFS_COMPAT_ON;
		else if (!strcmp(text, "off"))
			k->compat = PHXFS_COMPAT_OFF;
		else
			ret = -1;
		break;
	case PHXFS_KNOB_THREADS:
		expected = "a number of threads from 1 to 256";
		if (!parse_number(text, false, &n) && n >= 1 &&
		    n <= MAX_THREADS) {
			k->threads = (unsigned int)n;
			ret = 0;
		}
		break;
	case PHXFS_KNOB_CHUNK_SIZE:
		expected = EXPECT_SIZE;
		ret = parse_size(text, 4 * KIB, GIB, 4 * KIB, &k->chunk_size);
		break;
	case PHXFS_KNOB_BOUNCE_SIZE:
		expected = EXPECT_SIZE;
		ret = parse_size(text, 4 * KIB, GIB, 4 * KIB, &k->bounce_size);
		break;
	case PHXFS_KNOB_SMALL_IO:
		expected = "a size from 0 to 1G (suffixes K, M, G)";
		ret = parse_size(text, 0, GIB, 1, &k->small_io);
		break;
	case PHXFS_KNOB_PIPELINE_STEP:
		expected = EXPECT_SIZE;
		ret = parse_size(text, 4 * KIB, GIB, 4 * KIB,
				 &k->pipeline_step);
		break;
	case PHXFS_KNOB_COUNT:
		break;
	}
	if (ret && why)
		*why = expected;
	return ret;
}

static struct phxfs_knobs knobs;
static bool knobs_bad;
static pthread_once_t knobs_once = PTHREAD_ONCE_INIT;

static void knobs_read(void)
{
	phxfs_knobs_default(&knobs, sysconf(_SC_NPROCESSORS_ONLN));
	for (int i = 0; i < PHXFS_KNOB_COUNT; i++) {
		const char *text = getenv(knob_names[i]), *why;

		if (phxfs_knob_parse(&knobs, i, text, &why)) {
			fprintf(stderr, "libphxfs: %s=\"%s\" is malformed: expected %s\n",
				knob_names[i], text, why);
			knobs_bad = true;
			return;
		}
	}
}

const struct phxfs_knobs *phxfs_knobs(void)
{
	pthread_once(&knobs_once, knobs_read);
	if (knobs_bad) {
		errno = EINVAL;
		return NULL;
	}
	return &knobs;
}
