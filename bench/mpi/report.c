// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "../../tools/common/hostinfo.h"
#include "../../tools/common/json.h"
#include "report.h"

/* Which way the bytes went, from the MPI layer's counts. */
static const char *branch(const struct result *r)
{
	const struct phxfs_mpi_stats *st = &r->stats;
	int ways = (st->exchanged_host_bytes > 0) +
		   (st->exchanged_device_bytes > 0) + (st->staged_bytes > 0);

	if (r->mode == MODE_MPIIO_HOST || r->mode == MODE_MPIIO_INTERLEAVED)
		return "mpiio_then_copy";
	if (st->two_phase_bytes && st->direct_bytes)
		return "mixed";
	if (ways > 1)
		return "two_phase_mixed";
	if (st->exchanged_device_bytes)
		return "two_phase_cuda_aware";
	if (st->staged_bytes)
		return "two_phase_host_staging";
	if (st->exchanged_host_bytes)
		return "two_phase_host_memory";
	if (st->direct_bytes)
		return "direct";
	if (st->independent_bytes)
		return "independent";
	return "none";
}

static const char *definition(enum mode m)
{
	if (m == MODE_INDEPENDENT)
		return "sum over ranks of piece / that rank's time reading alone";
	return "all ranks' bytes / slowest rank's time after a barrier";
}

static const char *mem_name(const struct setup *s, int ranks)
{
	if (s->cuda_ranks == ranks)
		return "cuda";
	return s->cuda_ranks ? "mixed" : "host";
}

void report_line(const struct bench *b, const struct setup *s,
		 const struct result *r)
{
	const struct opts *o = b->o;
	unsigned long long kib = (unsigned long long)(b->piece >> 10) *
				 (unsigned long long)b->j->size;

	if (b->j->rank)
		return;
	printf("Mode: %s Ranks: %d GPUs: %d Mem: %s Cache: %s O_DIRECT: %d DataSetSize: %llu(KiB) PieceSize: %llu(KiB) Throughput: %f GiB/sec (best %f) total_time %f secs (best %f) reps: %u Branch: %s CUDA-aware: %s Verified: %s%s%s\n",
	       mode_name(r->mode), b->j->size, s->gpus,
	       mem_name(s, b->j->size), o->cold ? "cold" : "warm",
	       o->o_direct && r->mode != MODE_MPIIO_HOST &&
	       r->mode != MODE_MPIIO_INTERLEAVED, kib,
	       (unsigned long long)(b->piece >> 10), r->gibps_median,
	       r->gibps_best, r->sec_median, r->sec_best, r->reps, branch(r),
	       r->stats.cuda_aware ? "yes" : "no",
	       r->verified ? "yes" : "NO", r->ok ? "" : " FAILED: ",
	       r->ok ? "" : r->error);
	fflush(stdout);
}

static void json_stats(struct json *j, const struct phxfs_mpi_stats *st)
{
	json_obj_begin(j, "mpi_layer");
	json_uint(j, "direct_bytes", st->direct_bytes);
	json_uint(j, "two_phase_bytes", st->two_phase_bytes);
	json_uint(j, "exchanged_host_bytes", st->exchanged_host_bytes);
	json_uint(j, "exchanged_device_bytes", st->exchanged_device_bytes);
	json_uint(j, "staged_bytes", st->staged_bytes);
	json_uint(j, "independent_bytes", st->independent_bytes);
	json_uint(j, "direct_calls", st->direct_calls);
	json_uint(j, "two_phase_calls", st->two_phase_calls);
	json_obj_end(j);
}

void report_json(const struct bench *b, const struct setup *s,
		 const struct result *r)
{
	const struct opts *o = b->o;
	bool mpiio = r->mode == MODE_MPIIO_HOST ||
		     r->mode == MODE_MPIIO_INTERLEAVED;
	char buf[256];
	struct json j;

	if (b->j->rank)
		return;
	json_init(&j, stdout, false);
	json_obj_begin(&j, NULL);
	json_str(&j, "tool", "phxfs-mpi-bench");
	json_str(&j, "tag", o->tag);
	json_str(&j, "date", iso_date(buf, sizeof(buf)));
	json_str(&j, "host", host_name(buf, sizeof(buf)));
	json_str(&j, "mode", mode_name(r->mode));
	json_str(&j, "layout", mode_interleaved(r->mode) ? "interleaved" :
							  "contiguous");
	if (mode_interleaved(r->mode))
		json_uint(&j, "block", o->block);
	else
		json_null(&j, "block");
	json_int(&j, "ranks", b->j->size);
	json_int(&j, "nodes", b->j->nodes);
	json_int(&j, "gpus", s->gpus);
	json_str(&j, "gpu", s->gpu_name);
	json_str(&j, "mem", mem_name(s, b->j->size));
	json_arr_begin(&j, "rank_devices");
	for (int i = 0; i < b->j->size; i++)
		json_int(&j, NULL, s->device_of[i]);
	json_arr_end(&j);
	json_str(&j, "phxfs_path", s->path);
	json_bool(&j, "registered", s->registered_ranks == b->j->size);
	json_uint(&j, "bytes", (unsigned long long)b->piece *
			       (unsigned long long)b->j->size);
	json_uint(&j, "piece", b->piece);
	json_str(&j, "file", b->df->path);
	json_str(&j, "cache", o->cold ? "cold" : "warm");
	json_num(&j, "cached_fraction", r->cached);
	json_bool(&j, "o_direct", o->o_direct && !mpiio);
	json_uint(&j, "reps", r->reps);
	json_num(&j, "seconds", r->sec_median);
	json_num(&j, "seconds_best", r->sec_best);
	json_num(&j, "gibps", r->gibps_median);
	json_num(&j, "gibps_best", r->gibps_best);
	json_str(&j, "gibps_definition", definition(r->mode));
	if (r->mode == MODE_INDEPENDENT) {
		json_num(&j, "serial_gibps", r->serial_gibps);
		json_arr_begin(&j, "rank_gibps");
		for (int i = 0; i < b->j->size; i++)
			json_num(&j, NULL, r->rank_gibps ? r->rank_gibps[i] : -1);
		json_arr_end(&j);
	}
	json_bool(&j, "cuda_aware", r->stats.cuda_aware);
	json_str(&j, "branch", branch(r));
	json_stats(&j, &r->stats);
	json_bool(&j, "verified", r->verified);
	json_bool(&j, "ok", r->ok);
	json_str(&j, "error", r->ok ? NULL : r->error);
	json_obj_end(&j);
	putchar('\n');
	fflush(stdout);
}
