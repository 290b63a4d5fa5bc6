// SPDX-License-Identifier: MIT
#include "lathist.h"

#define SUB (1u << LATHIST_SUB_BITS)

static unsigned int bucket_of(uint64_t v)
{
	unsigned int msb;

	if (v < SUB)
		return (unsigned int)v;
	msb = 63 - (unsigned int)__builtin_clzll(v);
	return ((msb - LATHIST_SUB_BITS + 1) << LATHIST_SUB_BITS) +
	       (unsigned int)((v >> (msb - LATHIST_SUB_BITS)) & (SUB - 1));
}

/* The middle of bucket @b's range of values. */
static double bucket_mid(unsigned int b)
{
	unsigned int group = b >> LATHIST_SUB_BITS;
	unsigned int shift;
	double lo;

	if (group == 0)
		return b;
	shift = group - 1;
	lo = (double)((uint64_t)(SUB + (b & (SUB - 1))) << shift);
	return lo + (double)((uint64_t)1 << shift) / 2;
}

void lathist_add(struct lathist *h, uint64_t ns)
{
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->bucket[bucket_of(ns)]++;
}

void lathist_merge(struct lathist *into, const struct lathist *from)
{
	into->count += from->count;
	into->sum_ns += from->sum_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	for (unsigned int i = 0; i < LATHIST_BUCKETS; i++)
		into->bucket[i] += from->bucket[i];
}

double lathist_quantile(const struct lathist *h, double p)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	rank = (uint64_t)(p * (double)h->count + 0.999999);
	if (rank == 0)
		rank = 1;
	for (unsigned int i = 0; i < LATHIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			double mid = bucket_mid(i);
			double max = (double)h->max_ns;

			return mid > max ? max : mid;
		}
	}
	return (double)h->max_ns;
}
