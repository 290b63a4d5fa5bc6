/* SPDX-License-Identifier: MIT */
/* What a run prints: gdsio's line on stdout, a JSON object with --json. */
#ifndef PHXIO_REPORT_H
#define PHXIO_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/json.h"
#include "gpu.h"
#include "opts.h"

struct report {
	const struct opts *o;
	const struct gpu_info *gpu;
	const char *xfer_name;
	int phxfs_dev;		/* -1: not used */
	int phxfs_mode;		/* PHXFS_MODE_*, 0: not used */
	uint64_t file_size;
	double cached_pct;	/* at the start; < 0 unknown */
	bool drop_tried;
	bool dropped;
	const char *drop_note;
	uint64_t bytes;
	uint64_t ops;
	uint64_t verified;
	double seconds;
	double avg_us;
	double p99_us;
	double max_us;
	const char *error;	/* NULL: the run succeeded */
};

/* IoType: READ XferType: GPUD Threads: 8 DataSetSize: ... */
void report_line(const struct report *rep);
/* Append one line of JSON to o->json: 0, or -1 said on stderr. */
int report_json(const struct report *rep);

/* Members every JSON record starts with: tool, date, host, GPU. */
void report_json_common(struct json *j, const struct opts *o,
			const struct gpu_info *gpu);

#endif /* PHXIO_REPORT_H */
