// SPDX-License-Identifier: MIT
/* What the connector did: counters, and a line on stderr if asked. */
#include <stdatomic.h>
#include <stdio.h>

#include "vol_internal.h"

static _Atomic uint64_t count[PHXVOL_STAT_COUNT], bytes[PHXVOL_STAT_COUNT];

void phxvol_stat_add(enum phxvol_stat which, uint64_t n)
{
	atomic_fetch_add(&count[which], 1);
	atomic_fetch_add(&bytes[which], n);
}

void phxfs_vol_get_stats(struct phxfs_vol_stats *s)
{
	s->direct_reads = count[PHXVOL_DIRECT_READ];
	s->direct_read_bytes = bytes[PHXVOL_DIRECT_READ];
	s->direct_writes = count[PHXVOL_DIRECT_WRITE];
	s->direct_write_bytes = bytes[PHXVOL_DIRECT_WRITE];
	s->fallback_reads = count[PHXVOL_FALLBACK_READ];
	s->fallback_writes = count[PHXVOL_FALLBACK_WRITE];
	s->bounced_reads = count[PHXVOL_BOUNCED_READ];
	s->bounced_writes = count[PHXVOL_BOUNCED_WRITE];
	s->collective_reads = count[PHXVOL_COLLECTIVE_READ];
	s->collective_writes = count[PHXVOL_COLLECTIVE_WRITE];
}

void phxvol_stats_print(void)
{
	struct phxfs_vol_stats s;

	phxfs_vol_get_stats(&s);
	fprintf(stderr,
		"phxfs_vol: direct_reads=%llu direct_read_bytes=%llu direct_writes=%llu direct_write_bytes=%llu fallback_reads=%llu fallback_writes=%llu bounced_reads=%llu bounced_writes=%llu collective_reads=%llu collective_writes=%llu\n",
		(unsigned long long)s.direct_reads,
		(unsigned long long)s.direct_read_bytes,
		(unsigned long long)s.direct_writes,
		(unsigned long long)s.direct_write_bytes,
		(unsigned long long)s.fallback_reads,
		(unsigned long long)s.fallback_writes,
		(unsigned long long)s.bounced_reads,
		(unsigned long long)s.bounced_writes,
		(unsigned long long)s.collective_reads,
		(unsigned long long)s.collective_writes);
}
