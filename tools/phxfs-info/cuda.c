// SPDX-License-Identifier: MIT
/*
 * CUDA devices through the driver API, loaded with dlopen so that
 * phxfs-info runs, and says so, where there is no NVIDIA driver. The few
 * entry points are declared here from the driver API's documentation.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "info.h"

typedef int cu_result;		/* CUresult: 0 is CUDA_SUCCESS */
typedef int cu_device;		/* CUdevice */

struct cu_api {
	cu_result (*init)(unsigned int flags);
	cu_result (*driver_get_version)(int *version);
	cu_result (*device_get_count)(int *count);
	cu_result (*device_get)(cu_device *dev, int ordinal);
	cu_result (*device_get_name)(char *name, int len, cu_device dev);
	cu_result (*device_get_pci_bus_id)(char *id, int len, cu_device dev);
	cu_result (*device_total_mem)(size_t *bytes, cu_device dev);
	cu_result (*get_error_string)(cu_result err, const char **str);
};

static int load(void *lib, struct cu_api *cu, const char **missing)
{
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
		{ "cuInit", offsetof(struct cu_api, init) },
		{ "cuDriverGetVersion",
		  offsetof(struct cu_api, driver_get_version) },
		{ "cuDeviceGetCount", offsetof(struct cu_api, device_get_count) },
		{ "cuDeviceGet", offsetof(struct cu_api, device_get) },
		{ "cuDeviceGetName", offsetof(struct cu_api, device_get_name) },
		{ "cuDeviceGetPCIBusId",
		  offsetof(struct cu_api, device_get_pci_bus_id) },
		{ "cuDeviceTotalMem_v2",
		  offsetof(struct cu_api, device_total_mem) },
		{ "cuGetErrorString", offsetof(struct cu_api, get_error_string) },
	};

	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(lib, syms[i].name);

		if (!p) {
			*missing = syms[i].name;
			return -1;
		}
		/* Object to function pointer, as dlsym allows. */
		memcpy((char *)cu + syms[i].offset, &p, sizeof(p));
	}
	return 0;
}

static const char *err_str(const struct cu_api *cu, cu_result r)
{
	const char *s = NULL;

	if (cu->get_error_string(r, &s) || !s)
		return "unknown error";
	return s;
}

static void gpu_gather(const struct cu_api *cu, struct gpu_dev *g, int i)
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
	const char *missing = NULL;
	struct cu_api cu;
	cu_result r;
	void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		snprintf(c->err, sizeof(c->err), "no NVIDIA driver: %s",
			 dlerror());
		return;
	}
	if (load(lib, &cu, &missing)) {
		snprintf(c->err, sizeof(c->err), "libcuda.so.1 has no %s",
			 missing);
		goto out;
	}
	cu.driver_get_version(&c->driver_version);
	r = cu.init(0);
	if (r) {
		snprintf(c->err, sizeof(c->err), "cuInit: %s", err_str(&cu, r));
		goto out;
	}
	r = cu.device_get_count(&c->count);
	if (r) {
		snprintf(c->err, sizeof(c->err), "cuDeviceGetCount: %s",
			 err_str(&cu, r));
		c->count = 0;
		goto out;
	}
	c->available = true;
	if (c->count > MAX_GPUS)
		c->count = MAX_GPUS;
	for (int i = 0; i < c->count; i++)
		gpu_gather(&cu, &c->gpus[i], i);
out:
	/* Left loaded: LibPhoenix's compat path may use CUDA next. */
	(void)lib;
}
