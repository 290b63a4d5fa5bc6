/* SPDX-License-Identifier: MIT */
/*
 * Verification data: a function of the file offset only, so that threads
 * writing the same block (random writes) write the same bytes and a read
 * back is right whichever write landed last.
 */
#ifndef PHXIO_PATTERN_H
#define PHXIO_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Fill @buf with the pattern of file bytes [@off, @off + @len). */
void pattern_fill(void *buf, off_t off, size_t len, uint64_t seed);

/* Random bytes (xorshift), for file data; advances *@state. */
void random_fill(void *buf, size_t len, uint64_t *state);

/* Index of the first byte where @a and @b differ, or -1 when equal. */
ssize_t first_difference(const void *a, const void *b, size_t len);

#endif /* PHXIO_PATTERN_H */
