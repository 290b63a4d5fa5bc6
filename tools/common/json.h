/* SPDX-License-Identifier: MIT */
/*
 * A JSON writer just big enough for the tools' reports: objects, arrays,
 * strings (escaped, always valid UTF-8 out), numbers, booleans, null.
 */
#ifndef PHXTOOL_JSON_H
#define PHXTOOL_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	bool pretty;		/* indented, one member a line */
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f, bool pretty);
/* @key is NULL for the top level and for array elements. */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v); /* NULL: null */
void json_int(struct json *j, const char *key, long long v);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_num(struct json *j, const char *key, double v); /* NaN, inf: null */
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

#endif /* PHXTOOL_JSON_H */
