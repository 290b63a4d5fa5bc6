// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <phxfs/phxfs.h>

#include "../common/hostinfo.h"
#include "report.h"

#define GiB (1024.0 * 1024 * 1024)

static uint64_t dataset_bytes(const struct report *rep)
{
	return rep->o->total ? rep->o->total : rep->file_size;
}

void report_line(const struct report *rep)
{
	const struct opts *o = rep->o;
	double secs = rep->seconds > 0 ? rep->seconds : 1e-9;

	printf("IoType: %s XferType: %s Threads: %u DataSetSize: %llu/%llu(KiB) IOSize: %llu(KiB) Throughput: %f GiB/sec, Avg_Latency: %f usecs ops: %llu total_time %f secs\n",
	       io_type_name(o->io), rep->xfer_name, o->threads,
	       (unsigned long long)(rep->bytes >> 10),
	       (unsigned long long)(dataset_bytes(rep) >> 10),
	       (unsigned long long)(o->io_size >> 10),
	       (double)rep->bytes / GiB / secs, rep->avg_us,
	       (unsigned long long)rep->ops, rep->seconds);
	fflush(stdout);
}

static const char *mode_name(int mode)
{
	switch (mode) {
	case PHXFS_MODE_DIRECT:
		return "direct";
	case PHXFS_MODE_COMPAT:
		return "compat";
	default:
		return NULL;
	}
}

void report_json_common(struct json *j, const struct opts *o,
			const struct gpu_info *gpu)
{
	char buf[256];

	json_str(j, "tool", "phxfs-io");
	json_str(j, "tag", o->tag);
	json_str(j, "date", iso_date(buf, sizeof(buf)));
	json_str(j, "host", host_name(buf, sizeof(buf)));
	json_int(j, "gpu_index", o->gpu);
	json_str(j, "gpu", gpu && gpu->usable ? gpu->name : NULL);
	json_str(j, "gpu_pci", gpu && gpu->pci[0] ? gpu->pci : NULL);
}

static void json_params(struct json *j, const struct opts *o)
{
	json_str(j, "file", o->file);
	json_uint(j, "io_size", o->io_size);
	json_uint(j, "threads", o->threads);
	json_int(j, "io_type", o->io);
	json_str(j, "io_type_name", io_type_name(o->io));
	json_int(j, "xfer_type", o->xfer);
	json_uint(j, "batch", o->batch);
	json_bool(j, "o_direct", o->o_direct);
	json_bool(j, "verify", o->verify);
	if (o->seconds > 0)
		json_num(j, "limit_seconds", o->seconds);
	else
		json_null(j, "limit_seconds");
	if (o->total)
		json_uint(j, "limit_bytes", o->total);
	else
		json_null(j, "limit_bytes");
	json_uint(j, "seed", o->seed);
}

int report_json(const struct report *rep)
{
	const struct opts *o = rep->o;
	double secs = rep->seconds > 0 ? rep->seconds : 0;
	struct json j;
	FILE *f;

	if (!o->json)
		return 0;
	f = fopen(o->json, "a");
	if (!f) {
		fprintf(stderr, "phxfs-io: --json %s: %s\n", o->json,
			strerror(errno));
		return -1;
	}
	json_init(&j, f, false);
	json_obj_begin(&j, NULL);
	report_json_common(&j, o, rep->gpu);
	json_params(&j, o);
	json_str(&j, "xfer_name", rep->xfer_name);
	if (rep->phxfs_dev >= 0)
		json_int(&j, "phxfs_device", rep->phxfs_dev);
	else
		json_null(&j, "phxfs_device");
	json_str(&j, "phxfs_mode", mode_name(rep->phxfs_mode));
	json_uint(&j, "file_size", rep->file_size);
	json_uint(&j, "dataset_bytes", dataset_bytes(rep));
	json_num(&j, "cached_pct_at_start",
		 rep->cached_pct >= 0 ? rep->cached_pct : NAN);
	json_bool(&j, "drop_cache", rep->drop_tried);
	if (rep->drop_tried)
		json_bool(&j, "cache_dropped", rep->dropped);
	else
		json_null(&j, "cache_dropped");
	json_str(&j, "drop_cache_note",
		 rep->drop_note && rep->drop_note[0] ? rep->drop_note : NULL);
	json_uint(&j, "bytes", rep->bytes);
	json_uint(&j, "ops", rep->ops);
	json_uint(&j, "verified_ops", rep->verified);
	json_num(&j, "seconds", rep->seconds);
	json_num(&j, "gib_per_s", secs ? rep->bytes / GiB / secs : NAN);
	json_num(&j, "iops", secs ? rep->ops / secs : NAN);
	json_num(&j, "avg_lat_us", rep->ops ? rep->avg_us : NAN);
	json_num(&j, "p99_lat_us", rep->ops ? rep->p99_us : NAN);
	json_num(&j, "max_lat_us", rep->ops ? rep->max_us : NAN);
	json_bool(&j, "ok", !rep->error);
	json_str(&j, "error", rep->error);
	json_obj_end(&j);
	fputc('\n', f);
	if (fclose(f)) {
		fprintf(stderr, "phxfs-io: --json %s: %s\n", o->json,
			strerror(errno));
		return -1;
	}
	return 0;
}
