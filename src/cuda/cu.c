// SPDX-License-Identifier: MIT
/*
 * The CUDA driver seam (cu.h): one loader, one errno mapping, one context
 * switch and one pointer classification for every part of Phoenix.
 */
#define _GNU_SOURCE
#include "cu.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CU_ERROR_INVALID_VALUE		1
#define CU_ERROR_OUT_OF_MEMORY		2
#define CU_ERROR_NOT_INITIALIZED	3
#define CU_ERROR_DEINITIALIZED		4
#define CU_ERROR_NO_DEVICE		100
#define CU_ERROR_INVALID_DEVICE		101

/* Devices whose primary context a copy may need: the ordinal bound. */
#define PHXFS_CU_MAX_DEVICES		64

static const struct {
	const char *name;
	size_t offset;
	bool optional;
} cu_entries[] = {
#define REQ(n, f) { n, offsetof(struct phxfs_cu, f), false }
#define OPT(n, f) { n, offsetof(struct phxfs_cu, f), true }
	REQ("cuInit", init),
	REQ("cuDriverGetVersion", driver_get_version),
	REQ("cuGetErrorString", get_error_string),
	REQ("cuDeviceGetCount", device_get_count),
	REQ("cuDeviceGet", device_get),
	REQ("cuDeviceGetName", device_get_name),
	REQ("cuDeviceGetPCIBusId", device_get_pci_bus_id),
	REQ("cuDeviceTotalMem_v2", device_total_mem),
	REQ("cuPointerGetAttributes", pointer_get_attributes),
	REQ("cuDevicePrimaryCtxRetain", device_primary_ctx_retain),
	REQ("cuCtxGetCurrent", ctx_get_current),
	REQ("cuCtxSetCurrent", ctx_set_current),
	REQ("cuCtxSynchronize", ctx_synchronize),
	REQ("cuMemAlloc_v2", mem_alloc),
	REQ("cuMemFree_v2", mem_free),
	REQ("cuMemHostAlloc", mem_host_alloc),
	REQ("cuMemFreeHost", mem_free_host),
	REQ("cuMemHostGetDevicePointer_v2", mem_host_get_device_pointer),
	REQ("cuStreamCreate", stream_create),
	REQ("cuStreamDestroy_v2", stream_destroy),
	REQ("cuStreamSynchronize", stream_synchronize),
	REQ("cuMemcpyHtoD_v2", memcpy_htod),
	REQ("cuMemcpyDtoH_v2", memcpy_dtoh),
	REQ("cuMemcpyHtoDAsync_v2", memcpy_htod_async),
	REQ("cuMemcpyDtoHAsync_v2", memcpy_dtoh_async),
	OPT("cuLaunchHostFunc", launch_host_func),
	OPT("cuStreamWaitValue32_v2", stream_wait_value32),
#undef REQ
#undef OPT
};

static struct phxfs_cu cu;
static bool cu_usable;
static int cu_version;
static char cu_why[160];
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;

static void cu_load(void)
{
	void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	cu_result res;

	if (!lib) {
		snprintf(cu_why, sizeof(cu_why), "no NVIDIA driver: %s",
			 dlerror());
		return;
	}
	for (size_t i = 0; i < sizeof(cu_entries) / sizeof(cu_entries[0]);
	     i++) {
		void *sym = dlsym(lib, cu_entries[i].name);

		if (!sym && !cu_entries[i].optional) {
			snprintf(cu_why, sizeof(cu_why),
				 "libcuda.so.1 has no %s (a driver too old)",
				 cu_entries[i].name);
			return;
		}
		/* POSIX: a data pointer from dlsym() holds the function. */
		memcpy((char *)&cu + cu_entries[i].offset, &sym, sizeof(sym));
	}
	cu.driver_get_version(&cu_version);
	res = cu.init(0);
	if (res) {
		snprintf(cu_why, sizeof(cu_why), "cuInit: %s",
			 phxfs_cu_strerror(res));
		return;
	}
	cu_usable = true;
}

const struct phxfs_cu *phxfs_cu(void)
{
	pthread_once(&cu_once, cu_load);
	return cu_usable ? &cu : NULL;
}

const char *phxfs_cu_why(void)
{
	pthread_once(&cu_once, cu_load);
	return cu_why;
}

int phxfs_cu_driver_version(void)
{
	pthread_once(&cu_once, cu_load);
	return cu_version;
}

int phxfs_cu_errno(cu_result res)
{
	switch (res) {
	case 0:
		return 0;
	case CU_ERROR_INVALID_VALUE:
		return EFAULT;
	case CU_ERROR_OUT_OF_MEMORY:
		return ENOMEM;
	case CU_ERROR_NOT_INITIALIZED:
	case CU_ERROR_DEINITIALIZED:
	case CU_ERROR_NO_DEVICE:
	case CU_ERROR_INVALID_DEVICE:
		return ENODEV;
	default:
		return EIO;
	}
}

const char *phxfs_cu_strerror(cu_result res)
{
	const char *s = NULL;

	if (!cu.get_error_string || cu.get_error_string(res, &s) || !s)
		return "unknown CUDA error";
	return s;
}

/*
 * The primary context of device @ordinal, retained at its first use and
 * kept for the life of the process, as the CUDA runtime keeps it.
 */
static void *primary_ctx(int ordinal)
{
	static void *ctx[PHXFS_CU_MAX_DEVICES];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	cu_device dev;
	void *c;

	if (ordinal < 0 || ordinal >= PHXFS_CU_MAX_DEVICES)
		return NULL;
	pthread_mutex_lock(&lock);
	c = ctx[ordinal];
	if (!c && !cu.device_get(&dev, ordinal) &&
	    !cu.device_primary_ctx_retain(&c, dev))
		ctx[ordinal] = c;
	pthread_mutex_unlock(&lock);
	return c;
}

int phxfs_cu_classify(const void *p, size_t len, struct phxfs_cu_ptr *out)
{
	int attrs[] = { CU_POINTER_ATTRIBUTE_CONTEXT,
			CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
			CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL,
			CU_POINTER_ATTRIBUTE_RANGE_START_ADDR,
			CU_POINTER_ATTRIBUTE_RANGE_SIZE };
	void *owner = NULL;
	unsigned int type = 0;
	int ordinal = 0;
	cu_devptr start = 0;
	size_t size = 0;
	void *data[] = { &owner, &type, &ordinal, &start, &size };
	uintptr_t at = (uintptr_t)p;

	*out = (struct phxfs_cu_ptr){ .device = false };
	if (!phxfs_cu())
		return ENODEV;
	/* Memory the driver does not know fails or reads as type 0: host. */
	if (cu.pointer_get_attributes(5, attrs, data, (cu_devptr)at) ||
	    type != CU_MEMORYTYPE_DEVICE)
		return 0;
	if (size && (at - start > size || len > size - (at - start)))
		return EFAULT;
	/*
	 * Stream-ordered pools (cudaMallocAsync) and cuMemMap'ed memory
	 * belong to no context: copies run in their device's primary one.
	 */
	if (!owner && !(owner = primary_ctx(ordinal)))
		return ENODEV;
	out->device = true;
	out->ctx = owner;
	out->ordinal = ordinal;
	return 0;
}

int phxfs_cu_enter(void *ctx, void **prev)
{
	*prev = NULL;
	if (!phxfs_cu())
		return ENODEV;
	if (cu.ctx_get_current(prev))
		return EIO;
	return *prev == ctx ? 0 : phxfs_cu_errno(cu.ctx_set_current(ctx));
}

void phxfs_cu_leave(void *ctx, void *prev)
{
	if (prev != ctx)
		cu.ctx_set_current(prev);
}

int phxfs_cu_copy(void *ctx, void *dst, const void *src, size_t len,
		  bool to_device)
{
	void *prev = NULL;
	int err = phxfs_cu_enter(ctx, &prev);

	if (err)
		return err;
	if (to_device)
		err = phxfs_cu_errno(cu.memcpy_htod((cu_devptr)(uintptr_t)dst,
						    src, len));
	else
		err = phxfs_cu_errno(cu.memcpy_dtoh(dst,
						    (cu_devptr)(uintptr_t)src,
						    len));
	/* From pageable memory the copy may still be in flight: finish it. */
	if (!err && to_device)
		err = phxfs_cu_errno(cu.ctx_synchronize());
	phxfs_cu_leave(ctx, prev);
	return err;
}
