/* SPDX-License-Identifier: MIT */
/* Where and when a report was made. */
#ifndef PHXTOOL_HOSTINFO_H
#define PHXTOOL_HOSTINFO_H

#include <stddef.h>

const char *host_name(char *buf, size_t len);
/* Now, UTC, ISO 8601: 2025-11-25T04:14:00Z. */
const char *iso_date(char *buf, size_t len);

#endif /* PHXTOOL_HOSTINFO_H */
