// SPDX-License-Identifier: MIT
/* The info string parser (vol_info_parse.h): no HDF5, no globals. */
#include "vol_info_parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *skip_space(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

static char *dup_range(const char *start, const char *end)
{
	char *s = malloc((size_t)(end - start) + 1);

	if (s) {
		memcpy(s, start, (size_t)(end - start));
		s[end - start] = '\0';
	}
	return s;
}

/* A decimal number in [0, max], the whole of [s, e). */
static int parse_uint(const char *s, const char *e, long max, long *out)
{
	long v = 0;

	if (s == e)
		return -1;
	for (const char *p = s; p < e; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* Past the '}' matching the '{' at p, or NULL if it is not closed. */
static const char *match_brace(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p + 1;
	}
	return NULL;
}

static int parse_one(const char *key, size_t klen, const char *v,
		     const char *ve, struct phxvol_info_spec *spec,
		     char *err, size_t len)
{
	long n;

#define KEY_IS(k) (klen == strlen(k) && !strncmp(key, k, klen))
	if (KEY_IS("under_vol")) {
		if (spec->has_value)
			return fail(err, len, "'under_vol' given twice");
		if (parse_uint(v, ve, INT_MAX, &n))
			return fail(err, len,
				    "'under_vol=%.*s': not a connector value (a number from 0 to %d)",
				    (int)(ve - v), v, INT_MAX);
		spec->has_value = true;
		spec->value = (int)n;
	} else if (KEY_IS("under_vol_name")) {
		if (spec->name)
			return fail(err, len, "'under_vol_name' given twice");
		if (v == ve)
			return fail(err, len, "'under_vol_name' is empty");
		for (const char *p = v; p < ve; p++)
			if (isspace((unsigned char)*p) || *p == '{' || *p == '}')
				return fail(err, len,
					    "'under_vol_name=%.*s': a name has no spaces or braces",
					    (int)(ve - v), v);
		spec->name = dup_range(v, ve);
		if (!spec->name)
			return fail(err, len, "out of memory");
	} else if (KEY_IS("device")) {
		if (spec->device >= 0)
			return fail(err, len, "'device' given twice");
		if (parse_uint(v, ve, PHXVOL_MAX_DEVICE, &n))
			return fail(err, len,
				    "'device=%.*s': not a device number from 0 to %d",
				    (int)(ve - v), v, PHXVOL_MAX_DEVICE);
		spec->device = (int)n;
	} else {
		return fail(err, len,
			    "unknown key '%.*s' (keys: under_vol, under_vol_name, under_info, device)",
			    (int)klen, key);
	}
#undef KEY_IS
	return 0;
}

int phxvol_info_parse(const char *str, struct phxvol_info_spec *spec,
		      char *err, size_t len)
{
	const char *p = str ? str : "";
	bool has_info = false;

	memset(spec, 0, sizeof(*spec));
	spec->device = -1;
	if (err && len)
		err[0] = '\0';

	for (p = skip_space(p); *p; p = skip_space(p)) {
		const char *key = p, *v, *ve;
		size_t klen;

		if (*p == ';') {
			phxvol_info_spec_free(spec);
			return fail(err, len, "empty entry before ';' at offset %zu",
				    (size_t)(p - str));
		}
		while (*p && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		klen = (size_t)(p - key);
		p = skip_space(p);
		if (klen == 0 || *p != '=') {
			const char *end = key;

			while (*end && *end != ';' && *end != '=')
				end++;
			phxvol_info_spec_free(spec);
			if (klen == 0)
				return fail(err, len, "expected a key at '%.20s'", key);
			return fail(err, len, "'%.*s': expected '=' after the key",
				    (int)(end - key), key);
		}
		v = skip_space(p + 1);
		if (klen == strlen("under_info") &&
		    !strncmp(key, "under_info", klen)) {
			if (has_info) {
				phxvol_info_spec_free(spec);
				return fail(err, len, "'under_info' given twice");
			}
			if (*v != '{') {
				phxvol_info_spec_free(spec);
				return fail(err, len,
					    "'under_info' must be in braces: under_info={...}");
			}
			ve = match_brace(v);
			if (!ve) {
				phxvol_info_spec_free(spec);
				return fail(err, len,
					    "'under_info': no '}' closes the '{'");
			}
			spec->under_info = dup_range(v + 1, ve - 1);
			if (!spec->under_info) {
				phxvol_info_spec_free(spec);
				return fail(err, len, "out of memory");
			}
			has_info = true;
			p = ve;
		} else {
			ve = v;
			while (*ve && *ve != ';')
				ve++;
			p = ve;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			if (parse_one(key, klen, v, ve, spec, err, len)) {
				phxvol_info_spec_free(spec);
				return -1;
			}
		}
		p = skip_space(p);
		if (*p == ';') {
			p++;
		} else if (*p) {
			phxvol_info_spec_free(spec);
			return fail(err, len,
				    "expected ';' or the end after '%.*s', found '%.20s'",
				    (int)klen, key, p);
		}
	}
	if (spec->has_value && spec->name) {
		phxvol_info_spec_free(spec);
		return fail(err, len,
			    "'under_vol' and 'under_vol_name' both given: name the connector beneath once");
	}
	if (has_info && !spec->has_value && !spec->name) {
		phxvol_info_spec_free(spec);
		return fail(err, len,
			    "'under_info' given without 'under_vol' or 'under_vol_name'");
	}
	return 0;
}

void phxvol_info_spec_free(struct phxvol_info_spec *spec)
{
	free(spec->name);
	free(spec->under_info);
	spec->name = NULL;
	spec->under_info = NULL;
}
