// SPDX-License-Identifier: MIT
/*
 * -x 6: the one-time costs the throughput runs leave out. phxfs_open(),
 * then phxfs_regmem() of 64 KiB and of 16 MiB of cudaMalloc memory; and,
 * where libcufile is present, cuFileDriverOpen() and cuFileBufRegister() of
 * the same buffers. In compat mode there is nothing to register: what the
 * path prepares is the calling thread's pinned buffers and stream, made at
 * its first I/O, so "open" is phxfs_open() plus a first 4 KiB phxfs_read(),
 * and "register" is a 4 KiB phxfs_read() at the end of each buffer (an
 * upper bound: it includes the read). Opens are timed once (the first is the one that costs);
 * registrations are repeated and the median taken. The CUDA context exists
 * before anything is timed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cuda_runtime_api.h>

#include "../common/json.h"
#include "../common/phxfs_weak.h"
#include "cufile_abi.h"
#include "regcost.h"
#include "report.h"
#include "run.h"

#define REPS 16
#define NSIZES 2

static const size_t sizes[NSIZES] = { 64u << 10, 16u << 20 };
static const char *const size_names[NSIZES] = { "64K", "16M" };

struct cost {
	bool ok;
	const char *path;	/* "direct", "compat", "cuFile" */
	double open_us;
	double first_us[NSIZES];
	double median_us[NSIZES];
	char err[256];
	int phxfs_dev;		/* for phx_reg */
	struct cufile_api *api;	/* for cufile_reg */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double since_us(int64_t t)
{
	return (double)(now_ns() - t) / 1e3;
}

/* Register @len bytes at @dev (timed into *@us), then undo it. */
typedef int (*reg_fn)(struct cost *c, void *dev, size_t len, double *us);

static int time_sizes(struct cost *c, reg_fn fn, void *dev)
{
	double t[REPS];

	for (int s = 0; s < NSIZES; s++) {
		for (int i = 0; i < REPS; i++)
			if (fn(c, dev, sizes[s], &t[i]))
				return -1;
		c->first_us[s] = t[0];
		c->median_us[s] = median(t, REPS);
	}
	return 0;
}

static int phx_reg(struct cost *c, void *dev, size_t len, double *us)
{
	void *target;
	int64_t t = now_ns();

	if (phxfs_regmem(c->phxfs_dev, dev, len, &target)) {
		snprintf(c->err, sizeof(c->err), "phxfs_regmem(%zu): %s", len,
			 strerror(errno));
		return -1;
	}
	*us = since_us(t);
	phxfs_deregmem(c->phxfs_dev, dev, len);
	return 0;
}

/* A page-cached file to read 4 KiB from: this program. */
static int compat_fd = -1;

static int compat_read(struct cost *c, void *dev, size_t at)
{
	if (phxfs_read(compat_fd, c->phxfs_dev, dev, at, 4096, 0) == 4096)
		return 0;
	snprintf(c->err, sizeof(c->err), "phxfs_read(4K at +%zu): %s", at,
		 strerror(errno));
	return -1;
}

static int compat_reg(struct cost *c, void *dev, size_t len, double *us)
{
	int64_t t = now_ns();

	if (compat_read(c, dev, len - 4096))
		return -1;
	*us = since_us(t);
	return 0;
}

static int cufile_reg(struct cost *c, void *dev, size_t len, double *us)
{
	struct phx_cufile_error e;
	int64_t t = now_ns();
	char buf[128];

	e = c->api->buf_register(dev, len, 0);
	if (e.err) {
		snprintf(c->err, sizeof(c->err), "cuFileBufRegister(%zu): %s",
			 len, cufile_err_str(e, buf, sizeof(buf)));
		return -1;
	}
	*us = since_us(t);
	c->api->buf_deregister(dev);
	return 0;
}

static void measure_phxfs(struct cost *c, void *dev)
{
	int64_t t;
	int mode;

	if (c->phxfs_dev < 0) {
		snprintf(c->err, sizeof(c->err),
			 "phoenix-fs is loaded but does not serve this GPU (phxfs-info says why; -p N to choose a device)");
		return;
	}
	t = now_ns();
	if (phxfs_open(c->phxfs_dev)) {
		snprintf(c->err, sizeof(c->err), "phxfs_open(%d): %s",
			 c->phxfs_dev, strerror(errno));
		return;
	}
	c->open_us = since_us(t);
	/* Without phxfs_mode (older library) only direct mode exists. */
	mode = PHXFS_HAS(phxfs_mode) ? phxfs_mode(c->phxfs_dev) :
				       PHXFS_MODE_DIRECT;
	c->path = mode == PHXFS_MODE_COMPAT ? "compat" : "direct";
	if (mode == PHXFS_MODE_COMPAT) {
		compat_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		if (compat_fd < 0) {
			snprintf(c->err, sizeof(c->err), "open self: %s",
				 strerror(errno));
			goto out;
		}
		t = now_ns();
		if (compat_read(c, dev, 0))
			goto out;
		c->open_us += since_us(t);
	}
	c->ok = !time_sizes(c, mode == PHXFS_MODE_COMPAT ? compat_reg :
			    phx_reg, dev);
out:
	if (compat_fd >= 0)
		close(compat_fd);
	compat_fd = -1;
	phxfs_close(c->phxfs_dev);
}

static void measure_cufile(struct cost *c, void *dev)
{
	struct cufile_api api;
	struct phx_cufile_error e;
	char buf[128];
	int64_t t;

	c->path = "cuFile";
	if (cufile_load(&api, c->err, sizeof(c->err)))
		return;
	c->api = &api;
	t = now_ns();
	e = api.driver_open();
	if (e.err) {
		snprintf(c->err, sizeof(c->err), "cuFileDriverOpen: %s",
			 cufile_err_str(e, buf, sizeof(buf)));
	} else {
		c->open_us = since_us(t);
		c->ok = !time_sizes(c, cufile_reg, dev);
		api.driver_close();
	}
	cufile_unload(&api);
	c->api = NULL;
}

static double ratio(const struct cost *a, const struct cost *b, double x,
		    double y)
{
	return a->ok && b->ok && y > 0 ? x / y : NAN;
}

static void print(const struct cost *phx, const struct cost *cf,
		  const struct gpu_info *gpu)
{
	const char *reg = phx->path && !strcmp(phx->path, "compat") ?
			  "first 4K phxfs_read (compat)" : "phxfs_regmem";

	printf("RegCost: GPU %d (%s) phxfs device %d, medians of %d\n",
	       gpu->ordinal, gpu->name, phx->phxfs_dev, REPS);
	if (phx->ok)
		printf("RegCost: phxfs_open %.3f usecs (%s), %s 64K %.3f usecs, 16M %.3f usecs\n",
		       phx->open_us, phx->path, reg, phx->median_us[0],
		       phx->median_us[1]);
	else
		printf("RegCost: phxfs: %s\n", phx->err);
	if (cf->ok)
		printf("RegCost: cuFileDriverOpen %.3f usecs, cuFileBufRegister 64K %.3f usecs, 16M %.3f usecs\n",
		       cf->open_us, cf->median_us[0], cf->median_us[1]);
	else
		printf("RegCost: cuFile: %s\n", cf->err);
	if (phx->ok && cf->ok)
		printf("RegCost: ratio phxfs/cuFile: open %.4f, 64K %.4f, 16M %.4f\n",
		       ratio(phx, cf, phx->open_us, cf->open_us),
		       ratio(phx, cf, phx->median_us[0], cf->median_us[0]),
		       ratio(phx, cf, phx->median_us[1], cf->median_us[1]));
}

static void json_cost(struct json *j, const char *key, const struct cost *c)
{
	json_obj_begin(j, key);
	json_bool(j, "ok", c->ok);
	json_str(j, "path", c->path);
	json_num(j, "open_us", c->ok ? c->open_us : NAN);
	for (int s = 0; s < NSIZES; s++) {
		char name[32];

		snprintf(name, sizeof(name), "reg_%s_us", size_names[s]);
		json_num(j, name, c->ok ? c->median_us[s] : NAN);
		snprintf(name, sizeof(name), "reg_%s_first_us", size_names[s]);
		json_num(j, name, c->ok ? c->first_us[s] : NAN);
	}
	json_str(j, "error", c->ok ? NULL : c->err);
	json_obj_end(j);
}

static int write_json(const struct opts *o, const struct gpu_info *gpu,
		      const struct cost *phx, const struct cost *cf)
{
	struct json j;
	FILE *f = fopen(o->json, "a");

	if (!f) {
		fprintf(stderr, "phxfs-io: --json %s: %s\n", o->json,
			strerror(errno));
		return -1;
	}
	json_init(&j, f, false);
	json_obj_begin(&j, NULL);
	report_json_common(&j, o, gpu);
	json_int(&j, "xfer_type", XFER_REGCOST);
	json_str(&j, "xfer_name", "REGCOST");
	json_int(&j, "phxfs_device", phx->phxfs_dev);
	json_int(&j, "reps", REPS);
	json_cost(&j, "phxfs", phx);
	json_cost(&j, "cufile", cf);
	json_obj_begin(&j, "ratio_phxfs_cufile");
	json_num(&j, "open", ratio(phx, cf, phx->open_us, cf->open_us));
	for (int s = 0; s < NSIZES; s++)
		json_num(&j, size_names[s],
			 ratio(phx, cf, phx->median_us[s], cf->median_us[s]));
	json_obj_end(&j);
	json_bool(&j, "ok", phx->ok);
	json_str(&j, "error", phx->ok ? NULL : phx->err);
	json_obj_end(&j);
	fputc('\n', f);
	return fclose(f) ? -1 : 0;
}

int regcost_run(const struct opts *o, const struct gpu_info *gpu,
		int phxfs_dev)
{
	struct cost phx = { .phxfs_dev = phxfs_dev, .path = NULL };
	struct cost cf = { .path = NULL };
	char why[256];
	void *dev;

	/* 16 MiB of one 2 MiB aligned allocation serves both sizes. */
	dev = device_alloc(sizes[NSIZES - 1], why, sizeof(why));
	if (!dev) {
		fprintf(stderr, "phxfs-io: %s\n", why);
		return 1;
	}
	measure_phxfs(&phx, dev);
	measure_cufile(&cf, dev);
	device_free(dev);
	print(&phx, &cf, gpu);
	if (o->json && write_json(o, gpu, &phx, &cf))
		return 1;
	return phx.ok ? 0 : 1;
}
