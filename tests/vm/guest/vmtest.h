/* SPDX-License-Identifier: MIT */
/*
 * vmtest.h - what the guest test programs of tests/vm add to the shared
 * toolkit (tests/common/phxcheck.h: pt_name, pt_fail, pt_note, pt_skip,
 * exit codes): the PHXVM_* environment the harness (tests/vm/phxvm) gives
 * them, the guest's scratch directory, and sysfs.
 */
#ifndef PHXFS_VMTEST_H
#define PHXFS_VMTEST_H

#include "../../common/phxcheck.h"

#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

/* The value of a variable the harness must set. */
static inline const char *vmtest_env(const char *var)
{
	const char *v = getenv(var);

	if (!v || !*v)
		pt_fail("%s is not set (run under tests/vm/phxvm)", var);
	return v;
}

/* The value of a numeric variable the harness must set. */
static inline uint64_t vmtest_env_u64(const char *var)
{
	const char *v = vmtest_env(var);
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || end == v || *end)
		pt_fail("%s='%s' is not a number", var, v);
	return n;
}

/*
 * @name in the guest's scratch directory (PHXVM_SCRATCH, a tmpfs of the
 * guest's own: the host's trees, /tmp included, are read-only there), into
 * @path of @len bytes; returns @path.
 */
static inline char *vmtest_scratch(char *path, size_t len, const char *name)
{
	if ((size_t)snprintf(path, len, "%s/%s", vmtest_env("PHXVM_SCRATCH"),
			     name) >= len)
		pt_fail("scratch path of %s: longer than %zu bytes", name, len);
	return path;
}

/* Whether @path exists. */
static inline int vmtest_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Wait up to 2 s for @path to (dis)appear; devtmpfs updates are quick. */
static inline int vmtest_wait_exists(const char *path, int want)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 100; i++) {
		if (vmtest_exists(path) == want)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Start address of BAR @bar of PCI device @bdf, from sysfs. */
static inline uint64_t vmtest_bar_start(const char *bdf, unsigned int bar)
{
	char path[128], line[256];
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		pt_fail("open %s: %s", path, strerror(errno));
	for (unsigned int i = 0; i <= bar; i++)
		if (!fgets(line, sizeof(line), f))
			pt_fail("%s has no line for BAR %u", path, bar);
	fclose(f);
	if (sscanf(line, "%llx", &start) != 1)
		pt_fail("%s: cannot parse '%s'", path, line);
	return start;
}

#endif /* PHXFS_VMTEST_H */
