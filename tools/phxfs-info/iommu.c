// SPDX-License-Identifier: MIT
/*
 * Whether the IOMMU lets an NVMe drive DMA into device memory. phoenix-fs
 * hands the block layer pages of device memory; with the IOMMU translating
 * (a DMA domain) the drive's DMA to another device's BAR is not mapped and
 * fails, so the IOMMU must be off or in passthrough (identity) mode.
 * Sources: /sys/class/iommu (the units, present when it is on), each
 * group's type (identity, DMA, DMA-FQ, ...) and /proc/cmdline.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "info.h"

static void units_gather(struct iommu_info *io)
{
	DIR *d = opendir("/sys/class/iommu");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && io->nunits < MAX_IOMMU_UNITS)
		if (e->d_name[0] != '.')
			snprintf(io->units[io->nunits++], sizeof(io->units[0]),
				 "%.31s", e->d_name);
	closedir(d);
}

static void count_type(struct iommu_info *io, const char *type)
{
	for (int i = 0; i < io->ntypes; i++) {
		if (!strcmp(io->types[i].type, type)) {
			io->types[i].groups++;
			return;
		}
	}
	if (io->ntypes < MAX_GROUP_TYPES) {
		snprintf(io->types[io->ntypes].type,
			 sizeof(io->types[0].type), "%s", type);
		io->types[io->ntypes++].groups = 1;
	}
}

static void groups_gather(struct iommu_info *io)
{
	DIR *d = opendir("/sys/kernel/iommu_groups");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX], type[32];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type",
			 e->d_name);
		if (read_text(path, type, sizeof(type)) > 0)
			count_type(io, type);
	}
	closedir(d);
}

/* Value of the first kernel parameter @name= on the command line. */
static void cmdline_param(const char *cmdline, const char *name, char *out,
			  size_t len)
{
	size_t n = strlen(name);
	const char *p = cmdline;

	out[0] = '\0';
	while ((p = strstr(p, name))) {
		if ((p == cmdline || p[-1] == ' ') && p[n] == '=') {
			size_t v = strcspn(p + n + 1, " \n");

			snprintf(out, len, "%.*s", (int)v, p + n + 1);
			return;
		}
		p += n;
	}
}

static bool translating(const char *type)
{
	return type[0] && strcmp(type, "identity");
}

static void judge(struct info *in)
{
	struct iommu_info *io = &in->iommu;
	const char *how = "";
	int translated = 0, checked = 0;

	for (int i = 0; i < in->ndevs; i++) {
		checked++;
		translated += translating(in->devs[i].iommu_group_type);
	}
	for (int i = 0; i < in->cuda.count; i++) {
		const struct gpu_dev *g = &in->cuda.gpus[i];

		if (g->phxfs_dev >= 0)
			continue;	/* counted with its phxfs device */
		checked++;
		translated += translating(g->iommu_group_type);
	}
	if (io->cmdline[0][0] && !strcmp(io->cmdline[0], "pt"))
		how = " (iommu=pt)";
	if (!io->nunits) {
		io->dma_ok = 1;
		snprintf(io->verdict, sizeof(io->verdict),
			 "off (no IOMMU units): devices DMA to each other directly");
	} else if (checked && !translated) {
		io->dma_ok = 1;
		snprintf(io->verdict, sizeof(io->verdict),
			 "on, passthrough for every phxfs device and GPU%s: DMA to device memory works",
			 how);
	} else if (translated) {
		io->dma_ok = 0;
		snprintf(io->verdict, sizeof(io->verdict),
			 "on and translating for %d phxfs device(s) or GPU(s): NVMe DMA into device memory fails; boot with iommu=pt (passthrough) or the IOMMU off",
			 translated);
	} else {
		io->dma_ok = -1;
		snprintf(io->verdict, sizeof(io->verdict),
			 "on%s; no phxfs device or GPU to check: DMA into device memory needs the IOMMU off or in passthrough (iommu=pt)",
			 how);
	}
}

void iommu_gather(struct info *in)
{
	struct iommu_info *io = &in->iommu;
	static const char *const names[3] = {
		"iommu", "intel_iommu", "amd_iommu"
	};
	char cmdline[4096];

	units_gather(io);
	groups_gather(io);
	if (read_text("/proc/cmdline", cmdline, sizeof(cmdline)) >= 0)
		for (int i = 0; i < 3; i++)
			cmdline_param(cmdline, names[i], io->cmdline[i],
				      sizeof(io->cmdline[i]));
	judge(in);
}
