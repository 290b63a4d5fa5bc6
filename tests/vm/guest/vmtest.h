/* SPDX-License-Identifier: MIT */
/*
 * vmtest.h - helpers shared by the guest test programs of tests/vm.
 *
 * Each program is standalone: exit 0 pass, 1 fail (with a message). The
 * harness (tests/vm/phxvm) gives them PHXVM_* in the environment.
 */
#ifndef PHXFS_VMTEST_H
#define PHXFS_VMTEST_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *vmtest_name = "vmtest";

/* Print "NAME: FAIL: ..." and exit 1. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void vmtest_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: FAIL: ", vmtest_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Print one progress line, flushed, so it lands whole on the console. */
__attribute__((format(printf, 1, 2)))
static inline void vmtest_note(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("%s: %s\n", vmtest_name, line);
	fflush(stdout);
}

/* The value of a variable the harness must set. */
static inline const char *vmtest_env(const char *var)
{
	const char *v = getenv(var);

	if (!v || !*v)
		vmtest_fail("%s is not set (run under tests/vm/phxvm)", var);
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
		vmtest_fail("%s='%s' is not a number", var, v);
	return n;
}

/* FNV-1a, 64 bit, continued from @h (start with VMTEST_FNV_INIT). */
#define VMTEST_FNV_INIT 0xcbf29ce484222325ULL
static inline uint64_t vmtest_fnv1a64(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
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
		vmtest_fail("open %s: %s", path, strerror(errno));
	for (unsigned int i = 0; i <= bar; i++)
		if (!fgets(line, sizeof(line), f))
			vmtest_fail("%s has no line for BAR %u", path, bar);
	fclose(f);
	if (sscanf(line, "%llx", &start) != 1)
		vmtest_fail("%s: cannot parse '%s'", path, line);
	return start;
}

#endif /* PHXFS_VMTEST_H */
