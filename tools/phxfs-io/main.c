// SPDX-License-Identifier: MIT
/*
 * phxfs-io: a gdsio-like benchmark of storage <-> GPU memory transfers,
 * LibPhoenix against cuFile, the naive pread+cudaMemcpy and the two
 * ceilings (storage alone, PCIe copy alone). --help says how.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <phxfs/phxfs.h>

#include "datafile.h"
#include "gpu.h"
#include "opts.h"
#include "regcost.h"
#include "report.h"
#include "run.h"

#define DEFAULT_H2D_SIZE (1ULL << 30)

static const struct xfer_ops *const xfer_table[] = {
	[XFER_PHXFS] = &xfer_phxfs_ops,
	[XFER_PHXFS_COMPAT] = &xfer_phxfs_ops,
	[XFER_CPU_GPU] = &xfer_cpu_gpu_ops,
	[XFER_CUFILE] = &xfer_cufile_ops,
	[XFER_CPUONLY] = &xfer_cpuonly_ops,
	[XFER_H2D] = &xfer_h2d_ops,
};

/* The progress line: every second once a run is past 2 s. */
static struct {
	bool on;
	bool tty;
	bool printed;
	int64_t last_ns;
	uint64_t last_bytes;
} progress;

static void tick(struct run *r)
{
	int64_t now = now_ns(), elapsed = now - r->t0_ns;
	uint64_t bytes;
	double rate;

	if (!progress.on || elapsed < 2000000000LL ||
	    now - progress.last_ns < 1000000000LL)
		return;
	bytes = atomic_load_explicit(&r->done_bytes, memory_order_relaxed);
	if (!progress.last_ns)
		progress.last_ns = r->t0_ns;
	rate = (double)(bytes - progress.last_bytes) /
	       ((double)(now - progress.last_ns) / 1e9) / (1 << 30);
	fprintf(stderr, "%sphxfs-io: %s %s %.0f s: %.2f GiB, %.3f GiB/s%s",
		progress.tty ? "\r" : "", io_type_name(r->o->io),
		r->xfer_name, (double)elapsed / 1e9,
		(double)bytes / (1 << 30), rate, progress.tty ? "  " : "\n");
	progress.printed = true;
	progress.last_ns = now;
	progress.last_bytes = bytes;
}

/*
 * The phxfs device of the run: -p, else the /dev/phxfs_devN serving the
 * GPU, else (no module: compat) the CUDA ordinal. -1 where the module is
 * loaded but does not serve the GPU: its device ids are then not CUDA's.
 */
static int pick_phxfs_dev(const struct opts *o, const struct gpu_info *gpu)
{
	int n;

	if (o->phxfs_dev >= 0)
		return o->phxfs_dev;
	if (o->xfer == XFER_PHXFS_COMPAT)
		return o->gpu;
	n = gpu->pci[0] ? phxfs_dev_for_pci(gpu->pci) : -1;
	if (n >= 0)
		return n;
	return access(PHXFS_SYS_MODULE, F_OK) ? o->gpu : -1;
}

static int fail(struct report *rep, const char *err)
{
	fprintf(stderr, "phxfs-io: %s\n", err);
	rep->error = err;
	report_json(rep);
	return 1;
}

static void collect(struct report *rep, const struct run *r,
		    const struct worker *w)
{
	struct lathist *lat = calloc(1, sizeof(*lat));
	int64_t end = r->t0_ns;

	for (unsigned int i = 0; i < r->o->threads; i++) {
		rep->bytes += w[i].bytes;
		rep->ops += w[i].ops;
		rep->verified += w[i].verified;
		if (w[i].end_ns > end)
			end = w[i].end_ns;
		if (lat)
			lathist_merge(lat, &w[i].lat);
	}
	rep->seconds = (double)(end - r->t0_ns) / 1e9;
	if (lat && lat->count) {
		rep->avg_us = (double)lat->sum_ns / (double)lat->count / 1e3;
		rep->p99_us = lathist_quantile(lat, 0.99) / 1e3;
		rep->max_us = (double)lat->max_ns / 1e3;
	}
	free(lat);
}

static uint64_t max_ops(const struct opts *o, uint64_t nblocks)
{
	if (o->total)
		return (o->total + o->io_size - 1) / o->io_size;
	/* Without limits: one pass over the file. */
	return o->seconds > 0 ? UINT64_MAX : nblocks;
}

static int run(const struct opts *o, struct gpu_info *gpu, int phxfs_dev)
{
	const struct xfer_ops *ops = xfer_table[o->xfer];
	struct datafile df = { .fd = -1, .vfd = -1, .cached_pct = -1 };
	struct report rep = {
		.o = o, .gpu = gpu, .xfer_name = ops->name, .phxfs_dev = -1,
		.cached_pct = -1,
	};
	struct run r = {
		.o = o, .ops = ops, .xfer_name = ops->name,
		.write = io_is_write(o->io), .have_gpu = gpu->usable,
		.fd = -1, .vfd = -1, .seed = o->seed, .phxfs_dev = phxfs_dev,
	};
	struct worker *w = NULL;
	char why[512];
	int ret;

	pthread_mutex_init(&r.err_lock, NULL);
	if (o->xfer == XFER_PHXFS || o->xfer == XFER_PHXFS_COMPAT)
		rep.phxfs_dev = phxfs_dev;
	if (ops->needs_gpu && !gpu->usable)
		return fail(&rep, gpu->why);
	if (rep.phxfs_dev == -1 && o->xfer == XFER_PHXFS) {
		snprintf(why, sizeof(why),
			 "phoenix-fs is loaded but serves no device with the PCI address of CUDA device %d (%s): phxfs-info says why; -x 1 for compat, -p N to choose a device",
			 o->gpu, gpu->pci[0] ? gpu->pci : "?");
		return fail(&rep, why);
	}
	if (!gpu->usable)
		fprintf(stderr, "phxfs-io: %s: host buffers locked with mlock, not cudaMallocHost\n",
			gpu->why);
	if (ops->needs_file) {
		if (datafile_prepare(o, r.write, o->seed, progress.on, &df, why,
				     sizeof(why)))
			return fail(&rep, why);
		r.fd = df.fd;
		r.vfd = df.vfd;
		r.file_size = df.size;
		rep.cached_pct = df.cached_pct;
		rep.drop_tried = df.drop_tried;
		rep.dropped = df.dropped;
		rep.drop_note = df.drop_note;
		if (df.drop_tried && !df.dropped)
			fprintf(stderr, "phxfs-io: --drop-cache did not work: %s\n",
				df.drop_note);
	} else {
		r.file_size = o->file_size ? o->file_size : DEFAULT_H2D_SIZE;
	}
	rep.file_size = r.file_size;
	r.nblocks = r.file_size / o->io_size;
	r.max_ops = max_ops(o, r.nblocks);
	w = calloc(o->threads, sizeof(*w));
	if (!w) {
		datafile_close(&df);
		return fail(&rep, "out of memory");
	}
	if (ops->open && ops->open(&r)) {
		rep.xfer_name = r.xfer_name;
		ret = fail(&rep, r.err);
		if (ops->close)
			ops->close(&r);
		goto out;
	}
	rep.xfer_name = r.xfer_name;
	rep.phxfs_mode = r.phxfs_mode;
	run_threads(&r, w, tick);
	if (progress.printed && progress.tty)
		fputc('\n', stderr);
	if (ops->close)
		ops->close(&r);
	collect(&rep, &r, w);
	if (r.err[0]) {
		ret = fail(&rep, r.err);
		goto out;
	}
	report_line(&rep);
	if (o->verify)
		fprintf(stderr, "phxfs-io: verified %llu of %llu requests\n",
			(unsigned long long)rep.verified,
			(unsigned long long)rep.ops);
	ret = report_json(&rep) ? 1 : 0;
out:
	free(w);
	datafile_close(&df);
	pthread_mutex_destroy(&r.err_lock);
	return ret;
}

int main(int argc, char **argv)
{
	struct gpu_info gpu;
	struct opts o;
	int ret = opts_parse(argc, argv, &o);

	if (ret)
		return ret == 1 ? 0 : 2;
	if (!o.seed)
		o.seed = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
	progress.tty = isatty(STDERR_FILENO);
	progress.on = o.progress || progress.tty;
	/* LibPhoenix reads its environment once, at its first call. */
	if (o.xfer == XFER_PHXFS_COMPAT && setenv("PHXFS_COMPAT", "on", 1)) {
		perror("phxfs-io: setenv");
		return 1;
	}
	gpu_probe(o.gpu, &gpu);
	if (o.xfer == XFER_REGCOST) {
		if (!gpu.usable) {
			fprintf(stderr, "phxfs-io: %s\n", gpu.why);
			return 1;
		}
		return regcost_run(&o, &gpu, pick_phxfs_dev(&o, &gpu));
	}
	return run(&o, &gpu, pick_phxfs_dev(&o, &gpu));
}
