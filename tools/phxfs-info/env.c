// SPDX-License-Identifier: MIT
/* The PHXFS_* environment: LibPhoenix's knobs (phxfs.h) and any other. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "info.h"

extern char **environ;

static const struct {
	const char *name;
	const char *dflt;
} known[] = {
	{ "PHXFS_COMPAT", "auto" },
	{ "PHXFS_THREADS", "online CPUs, at most 16" },
	{ "PHXFS_CHUNK_SIZE", "4M" },
	{ "PHXFS_BOUNCE_SIZE", "4M" },
	{ "PHXFS_SMALL_IO", "1M" },
	{ "PHXFS_PIPELINE_STEP", "4M" },
};

void env_gather(struct env_info *env)
{
	const size_t nknown = sizeof(known) / sizeof(known[0]);

	for (size_t i = 0; i < nknown; i++) {
		struct knob *k = &env->knobs[env->nknobs++];

		k->name = known[i].name;
		k->dflt = known[i].dflt;
		/* Copied: paths_gather() changes PHXFS_COMPAT later. */
		k->value = getenv(k->name);
		if (k->value)
			k->value = strdup(k->value);
	}
	env->user_compat = env->knobs[0].value;
	/* Others: typos of a knob are worth seeing. */
	for (char **e = environ; *e && env->nknobs < MAX_KNOBS; e++) {
		size_t n = strcspn(*e, "=");
		bool is_known = false;

		if (strncmp(*e, "PHXFS_", 6))
			continue;
		for (size_t i = 0; i < nknown; i++)
			if (strlen(known[i].name) == n &&
			    !strncmp(*e, known[i].name, n))
				is_known = true;
		if (is_known)
			continue;
		env->knobs[env->nknobs].name = strndup(*e, n);
		env->knobs[env->nknobs].value = (*e)[n] ? *e + n + 1 : "";
		env->knobs[env->nknobs].dflt = NULL;
		if (env->knobs[env->nknobs].name)
			env->nknobs++;
	}
}
