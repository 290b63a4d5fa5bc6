/* SPDX-License-Identifier: MIT */
/* One mode's outcome, and how rank 0 prints it: a line and a JSON object. */
#ifndef PHXMB_REPORT_H
#define PHXMB_REPORT_H

#include <stdbool.h>

#include "bench.h"

/* What does not change from mode to mode: where the ranks run. */
struct setup {
	int gpus;		/* distinct (node, CUDA device) pairs in use */
	int cuda_ranks;		/* ranks with CUDA memory */
	int registered_ranks;	/* ... registered with the module */
	int *device_of;		/* each rank's CUDA ordinal, -1: host */
	int *node_of;		/* each rank's node */
	const char *gpu_name;	/* rank 0's */
	const char *path;	/* "direct" or "compat": rank 0's device */
};

struct result {
	enum mode mode;
	unsigned int reps;	/* done */
	double sec_median, sec_best;
	double gibps_median, gibps_best;
	double serial_gibps;	/* independent: all bytes / sum of times */
	double *rank_gibps;	/* independent: each rank alone (median) */
	double cached;		/* page cache fraction, -1 unknown */
	bool ok, verified;
	char error[256];
	struct phxfs_mpi_stats stats;	/* all ranks' sums, this mode */
};

void report_line(const struct bench *b, const struct setup *s,
		 const struct result *r);
void report_json(const struct bench *b, const struct setup *s,
		 const struct result *r);

#endif /* PHXMB_REPORT_H */
