/* SPDX-License-Identifier: MIT */
/*
 * Latency histogram: log-linear buckets (64 per power of two, under 1.6%
 * error), fixed size, so each thread keeps every sample without memory
 * growing with the run, and percentiles come out after merging.
 */
#ifndef PHXIO_LATHIST_H
#define PHXIO_LATHIST_H

#include <stdint.h>

#define LATHIST_SUB_BITS 6
#define LATHIST_BUCKETS ((64 - LATHIST_SUB_BITS + 1) << LATHIST_SUB_BITS)

struct lathist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
	uint64_t bucket[LATHIST_BUCKETS];
};

void lathist_add(struct lathist *h, uint64_t ns);
void lathist_merge(struct lathist *into, const struct lathist *from);
/* The @p quantile (0 < p <= 1) in ns; 0 when empty. */
double lathist_quantile(const struct lathist *h, double p);

#endif /* PHXIO_LATHIST_H */
