/* SPDX-License-Identifier: MIT */
/* Sizes on the command line and in the environment: 4096, 64K, 1M, 8G. */
#ifndef PHXTOOL_SIZE_H
#define PHXTOOL_SIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse @s: a decimal number with an optional K, M, G or T suffix (powers
 * of 1024; "KiB", "k" and "KB" mean the same). 0 and *@out, or -1 on
 * anything else or on overflow.
 */
int size_parse(const char *s, uint64_t *out);

/* @bytes in the largest unit that divides it evenly, e.g. "64K", "8G". */
const char *size_str(uint64_t bytes, char *buf, size_t len);

#endif /* PHXTOOL_SIZE_H */
