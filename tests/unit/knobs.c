// SPDX-License-Identifier: MIT
/*
 * The PHXFS_* knobs: the parser on good and bad values of each (bounds,
 * suffixes, overflow, junk), the defaults; and in child processes, a
 * malformed variable failing phxfs_open() with EINVAL and one line on
 * stderr naming it, and the values read once.
 */
#define _GNU_SOURCE
#include "iotest.h"

#include <sys/wait.h>

#include <phxfs/phxfs.h>

#include "knobs.h"

#define KIB (1ULL << 10)
#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

struct parse_case {
	enum phxfs_knob knob;
	const char *text;
	int ok;
	unsigned long long value;	/* when ok */
};

static const struct parse_case cases[] = {
	{ PHXFS_KNOB_COMPAT, "auto", 1, PHXFS_COMPAT_AUTO },
	{ PHXFS_KNOB_COMPAT, "on", 1, PHXFS_COMPAT_ON },
	{ PHXFS_KNOB_COMPAT, "off", 1, PHXFS_COMPAT_OFF },
	{ PHXFS_KNOB_COMPAT, "AUTO", 0, 0 },
	{ PHXFS_KNOB_COMPAT, "yes", 0, 0 },
	{ PHXFS_KNOB_COMPAT, "on ", 0, 0 },
	{ PHXFS_KNOB_COMPAT, "1", 0, 0 },
	{ PHXFS_KNOB_THREADS, "1", 1, 1 },
	{ PHXFS_KNOB_THREADS, "16", 1, 16 },
	{ PHXFS_KNOB_THREADS, "256", 1, 256 },
	{ PHXFS_KNOB_THREADS, "007", 1, 7 },
	{ PHXFS_KNOB_THREADS, "0", 0, 0 },
	{ PHXFS_KNOB_THREADS, "257", 0, 0 },
	{ PHXFS_KNOB_THREADS, "-1", 0, 0 },
	{ PHXFS_KNOB_THREADS, "+4", 0, 0 },
	{ PHXFS_KNOB_THREADS, " 4", 0, 0 },
	{ PHXFS_KNOB_THREADS, "4 ", 0, 0 },
	{ PHXFS_KNOB_THREADS, "4K", 0, 0 },
	{ PHXFS_KNOB_THREADS, "0x10", 0, 0 },
	{ PHXFS_KNOB_THREADS, "99999999999999999999999", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "4K", 1, 4 * KIB },
	{ PHXFS_KNOB_CHUNK_SIZE, "4k", 1, 4 * KIB },
	{ PHXFS_KNOB_CHUNK_SIZE, "16M", 1, 16 * MIB },
	{ PHXFS_KNOB_CHUNK_SIZE, "1g", 1, GIB },
	{ PHXFS_KNOB_CHUNK_SIZE, "1073741824", 1, GIB },
	{ PHXFS_KNOB_CHUNK_SIZE, "8192", 1, 8192 },
	{ PHXFS_KNOB_CHUNK_SIZE, "0", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "4095", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "5000", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "2G", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "1073745920", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "1.5M", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "16MB", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "16MiB", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "M", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "16T", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "18446744073709551616", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "18014398509481984K", 0, 0 },
	{ PHXFS_KNOB_CHUNK_SIZE, "17179869184G", 0, 0 },
	{ PHXFS_KNOB_BOUNCE_SIZE, "4M", 1, 4 * MIB },
	{ PHXFS_KNOB_BOUNCE_SIZE, "64K", 1, 64 * KIB },
	{ PHXFS_KNOB_BOUNCE_SIZE, "1K", 0, 0 },
	{ PHXFS_KNOB_BOUNCE_SIZE, "4097", 0, 0 },
	{ PHXFS_KNOB_SMALL_IO, "0", 1, 0 },
	{ PHXFS_KNOB_SMALL_IO, "1", 1, 1 },
	{ PHXFS_KNOB_SMALL_IO, "1000", 1, 1000 },
	{ PHXFS_KNOB_SMALL_IO, "1G", 1, GIB },
	{ PHXFS_KNOB_SMALL_IO, "1025M", 0, 0 },
	{ PHXFS_KNOB_SMALL_IO, "-0", 0, 0 },
	{ PHXFS_KNOB_SMALL_IO, "1KK", 0, 0 },
	{ PHXFS_KNOB_PIPELINE_STEP, "128K", 1, 128 * KIB },
	{ PHXFS_KNOB_PIPELINE_STEP, "4K", 1, 4 * KIB },
	{ PHXFS_KNOB_PIPELINE_STEP, "256k", 1, 256 * KIB },
	{ PHXFS_KNOB_PIPELINE_STEP, "1G", 1, GIB },
	{ PHXFS_KNOB_PIPELINE_STEP, "0", 0, 0 },
	{ PHXFS_KNOB_PIPELINE_STEP, "2K", 0, 0 },
	{ PHXFS_KNOB_PIPELINE_STEP, "131073", 0, 0 },
	{ PHXFS_KNOB_PIPELINE_STEP, "1025M", 0, 0 },
	{ PHXFS_KNOB_PIPELINE_STEP, "128KB", 0, 0 },
};

static unsigned long long value_of(const struct phxfs_knobs *k,
				   enum phxfs_knob knob)
{
	switch (knob) {
	case PHXFS_KNOB_COMPAT:
		return k->compat;
	case PHXFS_KNOB_THREADS:
		return k->threads;
	case PHXFS_KNOB_CHUNK_SIZE:
		return k->chunk_size;
	case PHXFS_KNOB_BOUNCE_SIZE:
		return k->bounce_size;
	case PHXFS_KNOB_SMALL_IO:
		return k->small_io;
	case PHXFS_KNOB_PIPELINE_STEP:
		return k->pipeline_step;
	default:
		return ~0ULL;
	}
}

static void parser(void)
{
	struct phxfs_knobs def, k;

	phxfs_knobs_default(&def, 8);
	PT_CHECK(def.compat == PHXFS_COMPAT_AUTO && def.threads == 8 &&
	      def.chunk_size == 4 * MIB && def.bounce_size == 4 * MIB &&
	      def.small_io == MIB && def.pipeline_step == 4 * MIB,
	      "defaults for 8 CPUs");
	phxfs_knobs_default(&k, 64);
	PT_CHECK(k.threads == 16, "threads for 64 CPUs: %u", k.threads);
	phxfs_knobs_default(&k, -1);
	PT_CHECK(k.threads == 1, "threads when the CPUs are unknown: %u",
	      k.threads);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		const char *why = NULL;
		int ret;

		k = def;
		ret = phxfs_knob_parse(&k, c->knob, c->text, &why);
		PT_CHECK(ret == (c->ok ? 0 : -1), "%s=\"%s\": returned %d",
		      phxfs_knob_name(c->knob), c->text, ret);
		if (c->ok) {
			PT_CHECK(value_of(&k, c->knob) == c->value,
			      "%s=\"%s\": %llu, expected %llu",
			      phxfs_knob_name(c->knob), c->text,
			      value_of(&k, c->knob), c->value);
		} else {
			PT_CHECK(why && *why, "%s=\"%s\": no reason given",
			      phxfs_knob_name(c->knob), c->text);
			PT_CHECK(value_of(&k, c->knob) == value_of(&def, c->knob),
			      "%s=\"%s\": value changed on failure",
			      phxfs_knob_name(c->knob), c->text);
		}
		/* No other knob moves. */
		for (int o = 0; o < PHXFS_KNOB_COUNT; o++)
			PT_CHECK(o == (int)c->knob ||
			      value_of(&k, o) == value_of(&def, o),
			      "%s=\"%s\" changed %s", phxfs_knob_name(c->knob),
			      c->text, phxfs_knob_name(o));
	}
	for (int o = 0; o < PHXFS_KNOB_COUNT; o++) {
		k = def;
		PT_CHECK(!phxfs_knob_parse(&k, o, NULL, NULL) &&
		      !phxfs_knob_parse(&k, o, "", NULL) &&
		      !memcmp(&k, &def, sizeof(k)),
		      "%s unset or empty is not the default",
		      phxfs_knob_name(o));
	}
	PT_CHECK(!strcmp(phxfs_knob_name(PHXFS_KNOB_SMALL_IO), "PHXFS_SMALL_IO") &&
	      !strcmp(phxfs_knob_name(PHXFS_KNOB_PIPELINE_STEP),
		      "PHXFS_PIPELINE_STEP"), "knob name");
}

/* A child's environment: no PHXFS_* but what it sets. */
static void clear_env(void)
{
	for (int o = 0; o < PHXFS_KNOB_COUNT; o++)
		unsetenv(phxfs_knob_name(o));
}

/*
 * In a child with @var=@value: phxfs_open() fails with EINVAL, twice, and
 * stderr holds one line that names @var.
 */
static void malformed_env(const char *var, const char *value)
{
	char out[1024] = "";
	int fds[2], status = -1, lines = 0;
	ssize_t n, len = 0;
	pid_t pid;

	if (pipe(fds)) {
		PT_CHECK(0, "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		dup2(fds[1], 2);
		clear_env();
		setenv(var, value, 1);
		bad |= phxfs_open(0) != -1 || errno != EINVAL;
		bad |= phxfs_open(0) != -1 || errno != EINVAL;
		bad |= phxfs_knobs() != NULL;
		_exit(bad);
	}
	close(fds[1]);
	while (len < (ssize_t)sizeof(out) - 1 &&
	       (n = read(fds[0], out + len, sizeof(out) - 1 - (size_t)len)) > 0)
		len += n;
	close(fds[0]);
	waitpid(pid, &status, 0);
	for (ssize_t i = 0; i < len; i++)
		lines += out[i] == '\n';
	PT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s=%s: phxfs_open did not fail with EINVAL", var, value);
	PT_CHECK(lines == 1 && strstr(out, var) && strstr(out, value),
	      "%s=%s: stderr is \"%s\", expected one line naming it", var,
	      value, out);
}

/* In a child: values from the environment, read once. */
static void read_once(void)
{
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		const struct phxfs_knobs *k;
		int bad = 0;

		clear_env();
		setenv("PHXFS_THREADS", "5", 1);
		setenv("PHXFS_BOUNCE_SIZE", "64k", 1);
		setenv("PHXFS_SMALL_IO", "", 1);
		setenv("PHXFS_PIPELINE_STEP", "32K", 1);
		k = phxfs_knobs();
		bad |= !k || k->threads != 5 || k->bounce_size != 64 * KIB ||
		       k->small_io != MIB || k->pipeline_step != 32 * KIB;
		setenv("PHXFS_THREADS", "7", 1);
		setenv("PHXFS_CHUNK_SIZE", "junk", 1);
		k = phxfs_knobs();
		bad |= !k || k->threads != 5 || k->chunk_size != 4 * MIB;
		_exit(bad);
	}
	waitpid(pid, &status, 0);
	PT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "values not taken from the environment, or not once");
}

int main(void)
{
	parser();
	malformed_env("PHXFS_CHUNK_SIZE", "12Q");
	malformed_env("PHXFS_COMPAT", "maybe");
	malformed_env("PHXFS_THREADS", "0");
	malformed_env("PHXFS_BOUNCE_SIZE", "2G");
	malformed_env("PHXFS_SMALL_IO", "1T");
	malformed_env("PHXFS_PIPELINE_STEP", "100K1");
	read_once();
	if (pt_failures)
		return 1;
	printf("knobs: %zu values parsed as expected; malformed ones fail phxfs_open with one line\n",
	       sizeof(cases) / sizeof(cases[0]));
	return 0;
}
