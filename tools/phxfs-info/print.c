// SPDX-License-Identifier: MIT
/* phxfs-info's two outputs: text in the manner of gdscheck -p, and JSON. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <phxfs/phxfs.h>
#include <phxfs/phxfs_ioctl.h>

#include "../common/hostinfo.h"
#include "../common/json.h"
#include "info.h"

static const char *mode_name(int mode)
{
	return mode == PHXFS_MODE_DIRECT ? "direct" :
	       mode == PHXFS_MODE_COMPAT ? "compat" : NULL;
}

static void text_module(const struct info *in)
{
	const struct module_info *m = &in->module;

	if (!m->loaded) {
		printf(" phoenix-fs module  : not loaded (/sys/module/phxfs absent)\n");
		return;
	}
	printf(" phoenix-fs module  : loaded, version %s, srcversion %s, refcnt %s\n",
	       m->version[0] ? m->version : "(none declared)",
	       m->srcversion[0] ? m->srcversion : "?",
	       m->refcnt[0] ? m->refcnt : "?");
	if (m->abi_known)
		printf("   ioctl ABI        : %u.%u (this library %d.%d), features %#llx\n",
		       m->abi_major, m->abi_minor, PHXFS_ABI_MAJOR,
		       PHXFS_ABI_MINOR, m->features);
	else
		printf("   ioctl ABI        : unknown (%s)\n", m->abi_err);
	for (int i = 0; i < m->nparams; i++)
		printf("   parameter        : %s = %s\n", m->params[i].name,
		       m->params[i].value[0] ? m->params[i].value : "(empty)");
	printf(" phxfs devices      : %d\n", in->ndevs);
	for (int i = 0; i < in->ndevs; i++) {
		const struct dev_info *d = &in->devs[i];

		printf("   /dev/" PHXFS_DEVNAME_PREFIX "%-6d : PCI %s",
		       d->index, d->pci[0] ? d->pci : "?");
		if (d->gpu >= 0)
			printf(" (CUDA GPU %d)", d->gpu);
		if (d->node_ok)
			printf(", bus address %#llx, pin granule %u KiB",
			       d->bus_addr, (1u << d->page_shift) >> 10);
		else
			printf(", node: %s", d->node_err);
		printf(", IOMMU group %s\n",
		       d->iommu_group_type[0] ? d->iommu_group_type : "none");
		printf("                      ");
		for (int a = 0; a < d->nattrs; a++)
			printf("%s%s %s", a ? ", " : "", d->attrs[a].name,
			       d->attrs[a].value);
		printf("\n");
	}
}

static void text_iommu(const struct iommu_info *io)
{
	static const char *const names[3] = {
		"iommu", "intel_iommu", "amd_iommu"
	};

	printf(" IOMMU              : %s\n", io->verdict);
	printf("   units            : %d", io->nunits);
	for (int i = 0; i < io->nunits; i++)
		printf("%s%s", i ? ", " : " (", io->units[i]);
	printf("%s\n", io->nunits ? ")" : "");
	for (int i = 0; i < 3; i++)
		if (io->cmdline[i][0])
			printf("   kernel command line : %s=%s\n", names[i],
			       io->cmdline[i]);
	for (int i = 0; i < io->ntypes; i++)
		printf("   groups of type %-8s : %d\n", io->types[i].type,
		       io->types[i].groups);
}

static void text_log(const struct log_info *l)
{
	if (!l->readable) {
		printf(" kernel log         : %s\n", l->err);
		return;
	}
	printf(" kernel log         : %d line(s) about phoenix-fs; %d PAT/cache-type conflict(s), %d failure(s) to create struct pages, %d BAR(s) beyond what memory hotplug can map\n",
	       l->total, l->pat_conflicts, l->struct_page_failures,
	       l->hotplug_range);
	for (int i = 0; i < l->nlines; i++)
		printf("   %s\n", l->lines[i]);
	if (l->hotplug_range)
		printf("   -> a device's memory lies beyond the kernel's direct map (64 TiB with 4-level paging; on some kernels, installed memory plus a padding when memory randomisation (KASLR) is on): that device is not served; boot with nokaslr if that is the cause, or have the firmware place its BAR lower\n");
}

static void text_cuda(const struct cuda_info *c)
{
	if (!c->available) {
		printf(" CUDA               : not available (%s)\n", c->err);
		return;
	}
	printf(" CUDA               : driver %d.%d, %d device(s)\n",
	       c->driver_version / 1000, c->driver_version % 1000 / 10,
	       c->count);
	for (int i = 0; i < c->count; i++) {
		const struct gpu_dev *g = &c->gpus[i];

		printf("   GPU %-12d : %s, PCI %s, %llu MiB -> ", g->ordinal,
		       g->name, g->pci[0] ? g->pci : "?", g->memory >> 20);
		if (g->phxfs_dev >= 0)
			printf("/dev/" PHXFS_DEVNAME_PREFIX "%d\n", g->phxfs_dev);
		else
			printf("no phxfs device\n");
	}
}

static void text_env(const struct env_info *e)
{
	printf(" environment        :\n");
	for (int i = 0; i < e->nknobs; i++) {
		const struct knob *k = &e->knobs[i];

		if (k->value && k->dflt)
			printf("   %-17s: %s\n", k->name, k->value);
		else if (k->dflt)
			printf("   %-17s: unset (default %s)\n", k->name,
			       k->dflt);
		else
			printf("   %-17s: %s (not a LibPhoenix variable: a typo?)\n",
			       k->name, k->value);
	}
}

static void text_paths(const struct info *in)
{
	printf(" paths (PHXFS_COMPAT=auto%s%s):\n",
	       in->env.user_compat ? "; yours is " : "",
	       in->env.user_compat ? in->env.user_compat : "");
	for (int i = 0; i < in->npaths; i++) {
		const struct path_info *p = &in->paths[i];
		char what[64];

		if (p->phxfs_dev >= 0)
			snprintf(what, sizeof(what), "phxfs_dev%d", p->phxfs_dev);
		else if (p->gpu >= 0)
			snprintf(what, sizeof(what), "GPU %d", p->gpu);
		else
			snprintf(what, sizeof(what), "device %d", p->device_id);
		printf("   %-16s : %s\n", what, p->why);
	}
}

void print_text(const struct info *in)
{
	printf(" Phoenix configuration (phxfs-info, LibPhoenix %d.%d)\n",
	       PHXFS_VERSION_MAJOR, PHXFS_VERSION_MINOR);
	printf(" ==================================================\n");
	printf(" libphxfs calls     :");
	for (int i = 0; i < in->lib.nfns; i++)
		printf(" %s%s", in->lib.fns[i].name,
		       in->lib.fns[i].present ? "" : " (missing)");
	printf("\n");
	text_module(in);
	text_iommu(&in->iommu);
	text_log(&in->log);
	text_cuda(&in->cuda);
	text_env(&in->env);
	text_paths(in);
	printf(" verdict            : %s (exit %d)\n", in->verdict,
	       in->exit_code);
}

/* sysfs values that are numbers go out as numbers. */
static void json_value(struct json *j, const char *key, const char *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (*v >= '0' && *v <= '9' && !*end && !errno)
		json_uint(j, key, n);
	else
		json_str(j, key, v);
}

static void json_module(struct json *j, const struct info *in)
{
	const struct module_info *m = &in->module;

	json_obj_begin(j, "module");
	json_bool(j, "loaded", m->loaded);
	json_str(j, "version", m->version[0] ? m->version : NULL);
	json_str(j, "srcversion", m->srcversion[0] ? m->srcversion : NULL);
	if (m->abi_known) {
		json_obj_begin(j, "abi");
		json_uint(j, "major", m->abi_major);
		json_uint(j, "minor", m->abi_minor);
		json_uint(j, "features", m->features);
		json_obj_end(j);
	} else {
		json_null(j, "abi");
	}
	json_str(j, "abi_error", m->abi_known || !m->loaded ? NULL : m->abi_err);
	json_obj_begin(j, "parameters");
	for (int i = 0; i < m->nparams; i++)
		json_str(j, m->params[i].name, m->params[i].value);
	json_obj_end(j);
	json_obj_end(j);

	json_arr_begin(j, "devices");
	for (int i = 0; i < in->ndevs; i++) {
		const struct dev_info *d = &in->devs[i];
		char node[64];

		snprintf(node, sizeof(node), "/dev/" PHXFS_DEVNAME_PREFIX "%d",
			 d->index);
		json_obj_begin(j, NULL);
		json_int(j, "index", d->index);
		json_str(j, "node", node);
		json_str(j, "pci", d->pci[0] ? d->pci : NULL);
		if (d->gpu >= 0)
			json_int(j, "cuda_device", d->gpu);
		else
			json_null(j, "cuda_device");
		for (int a = 0; a < d->nattrs; a++)
			json_value(j, d->attrs[a].name, d->attrs[a].value);
		if (d->node_ok) {
			json_uint(j, "page_shift", d->page_shift);
			json_uint(j, "bus_addr", d->bus_addr);
		}
		json_str(j, "node_error", d->node_ok ? NULL : d->node_err);
		json_str(j, "iommu_group_type",
			 d->iommu_group_type[0] ? d->iommu_group_type : NULL);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_iommu(struct json *j, const struct iommu_info *io)
{
	json_obj_begin(j, "iommu");
	json_arr_begin(j, "units");
	for (int i = 0; i < io->nunits; i++)
		json_str(j, NULL, io->units[i]);
	json_arr_end(j);
	json_obj_begin(j, "cmdline");
	json_str(j, "iommu", io->cmdline[0][0] ? io->cmdline[0] : NULL);
	json_str(j, "intel_iommu", io->cmdline[1][0] ? io->cmdline[1] : NULL);
	json_str(j, "amd_iommu", io->cmdline[2][0] ? io->cmdline[2] : NULL);
	json_obj_end(j);
	json_obj_begin(j, "group_types");
	for (int i = 0; i < io->ntypes; i++)
		json_int(j, io->types[i].type, io->types[i].groups);
	json_obj_end(j);
	if (io->dma_ok < 0)
		json_null(j, "dma_ok");
	else
		json_bool(j, "dma_ok", io->dma_ok);
	json_str(j, "verdict", io->verdict);
	json_obj_end(j);
}

static void json_log(struct json *j, const struct log_info *l)
{
	json_obj_begin(j, "kernel_log");
	json_bool(j, "readable", l->readable);
	json_str(j, "error", l->err[0] ? l->err : NULL);
	json_int(j, "matching_lines", l->total);
	json_int(j, "pat_conflicts", l->pat_conflicts);
	json_int(j, "struct_page_failures", l->struct_page_failures);
	json_int(j, "hotplug_range_failures", l->hotplug_range);
	json_arr_begin(j, "lines");
	for (int i = 0; i < l->nlines; i++)
		json_str(j, NULL, l->lines[i]);
	json_arr_end(j);
	json_obj_end(j);
}

static void json_cuda(struct json *j, const struct cuda_info *c)
{
	json_obj_begin(j, "cuda");
	json_bool(j, "available", c->available);
	json_str(j, "error", c->available ? NULL : c->err);
	json_int(j, "driver_version", c->driver_version);
	json_int(j, "device_count", c->count);
	json_arr_begin(j, "devices");
	for (int i = 0; i < c->count; i++) {
		const struct gpu_dev *g = &c->gpus[i];

		json_obj_begin(j, NULL);
		json_int(j, "ordinal", g->ordinal);
		json_str(j, "name", g->name);
		json_str(j, "pci", g->pci[0] ? g->pci : NULL);
		json_uint(j, "memory", g->memory);
		if (g->phxfs_dev >= 0)
			json_int(j, "phxfs_device", g->phxfs_dev);
		else
			json_null(j, "phxfs_device");
		json_str(j, "iommu_group_type",
			 g->iommu_group_type[0] ? g->iommu_group_type : NULL);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void json_env_paths(struct json *j, const struct info *in)
{
	json_obj_begin(j, "environment");
	for (int i = 0; i < in->env.nknobs; i++) {
		const struct knob *k = &in->env.knobs[i];

		json_obj_begin(j, k->name);
		json_str(j, "value", k->value);
		json_str(j, "default", k->dflt);
		json_bool(j, "known", k->dflt != NULL);
		json_obj_end(j);
	}
	json_obj_end(j);

	json_arr_begin(j, "paths");
	for (int i = 0; i < in->npaths; i++) {
		const struct path_info *p = &in->paths[i];

		json_obj_begin(j, NULL);
		if (p->device_id >= 0)
			json_int(j, "device_id", p->device_id);
		else
			json_null(j, "device_id");
		if (p->phxfs_dev >= 0)
			json_int(j, "phxfs_device", p->phxfs_dev);
		else
			json_null(j, "phxfs_device");
		if (p->gpu >= 0)
			json_int(j, "cuda_device", p->gpu);
		else
			json_null(j, "cuda_device");
		json_bool(j, "opened", p->tried && !p->err);
		json_str(j, "mode", mode_name(p->mode));
		json_str(j, "error", p->err ? strerror(p->err) : NULL);
		json_bool(j, "iommu_blocks", p->iommu_blocks);
		json_str(j, "why", p->why);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void print_json(const struct info *in)
{
	struct json j;
	char buf[256];

	json_init(&j, stdout, true);
	json_obj_begin(&j, NULL);
	json_str(&j, "tool", "phxfs-info");
	json_str(&j, "date", iso_date(buf, sizeof(buf)));
	json_str(&j, "host", host_name(buf, sizeof(buf)));
	json_obj_begin(&j, "libphxfs");
	snprintf(buf, sizeof(buf), "%d.%d", PHXFS_VERSION_MAJOR,
		 PHXFS_VERSION_MINOR);
	json_str(&j, "version", buf);
	for (int i = 0; i < in->lib.nfns; i++)
		json_bool(&j, in->lib.fns[i].name, in->lib.fns[i].present);
	json_obj_end(&j);
	json_module(&j, in);
	json_iommu(&j, &in->iommu);
	json_log(&j, &in->log);
	json_cuda(&j, &in->cuda);
	json_env_paths(&j, in);
	json_str(&j, "verdict", in->verdict);
	json_int(&j, "exit_code", in->exit_code);
	json_obj_end(&j);
}
