// SPDX-License-Identifier: MIT
/* The PHXFS_VOL_* environment knobs (phxfs_vol.h), read once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vol_info_parse.h"
#include "vol_internal.h"

struct phxvol_env phxvol_env = { .device_id = -1 };

static int read_bool(const char *name, bool *out)
{
	const char *v = getenv(name);

	*out = false;
	if (!v || !*v || !strcmp(v, "0"))
		return 0;
	if (!strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	PHXVOL_ERR("%s='%s': expected 0 or 1", name, v);
	return -1;
}

/* Decimal bytes, with at most one K or M (binary) after them. */
static int read_size(const char *name, uint64_t *out)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long n;

	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (end != v && *v >= '0' && *v <= '9' && !errno && n <= (1ull << 30)) {
		if (!strcmp(end, "K") || !strcmp(end, "k"))
			n <<= 10, end += 1;
		else if (!strcmp(end, "M") || !strcmp(end, "m"))
			n <<= 20, end += 1;
		if (!*end && n <= (1ull << 30)) {
			*out = n;
			return 0;
		}
	}
	PHXVOL_ERR("%s='%s': expected bytes from 0 to 1G (suffix K or M)",
		   name, v);
	return -1;
}

herr_t phxvol_env_load(void)
{
	const char *dev = getenv("PHXFS_VOL_DEVICE");

	phxvol_env.device_id = -1;
	if (dev && *dev) {
		char *end;
		long n = strtol(dev, &end, 10);

		if (*end || end == dev || n < 0 || n > PHXVOL_MAX_DEVICE) {
			PHXVOL_ERR("PHXFS_VOL_DEVICE='%s': expected a device number from 0 to %d",
				   dev, PHXVOL_MAX_DEVICE);
			return -1;
		}
		phxvol_env.device_id = (int)n;
	}
	phxvol_env.min_run = PHXVOL_MIN_RUN_DEFAULT;
	if (read_bool("PHXFS_VOL_FORCE_DIRECT", &phxvol_env.force_direct) ||
	    read_bool("PHXFS_VOL_STATS", &phxvol_env.print_stats) ||
	    read_size("PHXFS_VOL_MIN_RUN", &phxvol_env.min_run))
		return -1;
	return 0;
}
