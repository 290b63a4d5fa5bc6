/* SPDX-License-Identifier: MIT */
/*
 * The PHXFS_* environment variables (documented in phxfs.h): a pure parser,
 * easy to test and fuzz, and the values of this process, read once.
 */
#ifndef PHXFS_KNOBS_H
#define PHXFS_KNOBS_H

#include <stddef.h>

enum phxfs_compat {
	PHXFS_COMPAT_AUTO,	/* the module where loaded, else compat */
	PHXFS_COMPAT_ON,	/* always compat */
	PHXFS_COMPAT_OFF,	/* the module or ENODEV */
};

enum phxfs_knob {
	PHXFS_KNOB_COMPAT,
	PHXFS_KNOB_THREADS,
	PHXFS_KNOB_CHUNK_SIZE,
	PHXFS_KNOB_BOUNCE_SIZE,
	PHXFS_KNOB_SMALL_IO,
	PHXFS_KNOB_PIPELINE_STEP,
	PHXFS_KNOB_COUNT
};

struct phxfs_knobs {
	enum phxfs_compat compat;
	unsigned int threads;
	size_t chunk_size;	/* a multiple of 4 KiB */
	size_t bounce_size;	/* a multiple of 4 KiB */
	size_t small_io;
	size_t pipeline_step;	/* a multiple of 4 KiB */
};

/* The defaults, for a machine with @online_cpus CPUs. */
void phxfs_knobs_default(struct phxfs_knobs *k, long online_cpus);

/* The environment variable of @knob, e.g. "PHXFS_THREADS". */
const char *phxfs_knob_name(enum phxfs_knob knob);

/*
 * Set @knob in @k from @text; NULL or "" leaves the default. Pure. 0, or
 * -1 when @text is malformed or out of bounds, with *@why (if @why is not
 * NULL) saying what is expected.
 */
int phxfs_knob_parse(struct phxfs_knobs *k, enum phxfs_knob knob,
		     const char *text, const char **why);

/*
 * This process's values, read from the environment at the first call.
 * NULL with errno EINVAL if one is malformed (said once, on stderr).
 */
const struct phxfs_knobs *phxfs_knobs(void);

#endif /* PHXFS_KNOBS_H */
