// SPDX-License-Identifier: MIT
/*
 * CUDA devices through the driver seam (src/cuda/cu.h), loaded with dlopen
 * so that phxfs-info runs, and says why, where there is no NVIDIA driver.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>

#include "cu.h"
#include "info.h"

static void gpu_gather(const struct phxfs_cu *cu, struct gpu_dev *g, int i)
{
	char bus[64], path[PATH_MAX];
	size_t mem = 0;
	cu_device dev;

	g->ordinal = i;
	g->phxfs_dev = -1;
	if (cu->device_get(&dev, i)) {
		snprintf(g->name, sizeof(g->name), "(cuDeviceGet failed)");
		return;
	}
	if (cu->device_get_name(g->name, sizeof(g->name), dev))
		snprintf(g->name, sizeof(g->name), "(unknown)");
	if (!cu->device_total_mem(&mem, dev))
		g->memory = mem;
	if (cu->device_get_pci_bus_id(bus, sizeof(bus), dev) ||
	    pci_addr_canon(bus, g->pci, sizeof(g->pci)))
		return;
	g->phxfs_dev = phxfs_dev_for_pci(g->pci);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group/type",
		 g->pci);
	if (read_text(path, g->iommu_group_type,
		      sizeof(g->iommu_group_type)) < 0)
		g->iommu_group_type[0] = '\0';
}

void cuda_gather(struct cuda_info *c)
{
	const struct phxfs_cu *cu = phxfs_cu();
	cu_result r;

	c->driver_version = phxfs_cu_driver_version();
	if (!cu) {
		snprintf(c->err, sizeof(c->err), "%s", phxfs_cu_why());
		return;
	}
	r = cu->device_get_count(&c->count);
	if (r) {
		snprintf(c->err, sizeof(c->err), "cuDeviceGetCount: %s",
			 phxfs_cu_strerror(r));
		c->count = 0;
		return;
	}
	c->available = true;
	if (c->count > MAX_GPUS)
		c->count = MAX_GPUS;
	for (int i = 0; i < c->count; i++)
		gpu_gather(cu, &c->gpus[i], i);
}
