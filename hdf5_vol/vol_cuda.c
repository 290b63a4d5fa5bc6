// SPDX-License-Identifier: MIT
/*
 * The few CUDA driver entry points the connector needs, declared from the
 * driver's documented ABI: no CUDA header or library at build time.
 */
#include "vol_cuda.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

typedef int cu_result;			/* CUresult; 0 is CUDA_SUCCESS */
typedef unsigned long long cu_devptr;	/* CUdeviceptr */

#define CU_POINTER_ATTRIBUTE_CONTEXT		1
#define CU_POINTER_ATTRIBUTE_MEMORY_TYPE	2
#define CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL	9
#define CU_MEMORYTYPE_DEVICE			2

static struct {
	cu_result (*init)(unsigned int flags);
	cu_result (*pointer_get_attributes)(unsigned int n, int *attrs,
					    void **data, cu_devptr p);
	cu_result (*ctx_get_current)(void **ctx);
	cu_result (*ctx_set_current)(void *ctx);
	cu_result (*memcpy_htod)(cu_devptr dst, const void *src, size_t len);
	cu_result (*memcpy_dtoh)(void *dst, cu_devptr src, size_t len);
} cu;

static bool loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static bool resolve(void *lib, const char *name, void *slot)
{
	void *sym = dlsym(lib, name);

	/* POSIX: a data pointer from dlsym() holds the function. */
	memcpy(slot, &sym, sizeof(sym));
	return sym != NULL;
}

/* A driver that fails to load or initialise stays loaded (see src/cudadrv.c). */
static void load(void)
{
	void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		return;
	if (resolve(lib, "cuInit", &cu.init) &&
	    resolve(lib, "cuPointerGetAttributes", &cu.pointer_get_attributes) &&
	    resolve(lib, "cuCtxGetCurrent", &cu.ctx_get_current) &&
	    resolve(lib, "cuCtxSetCurrent", &cu.ctx_set_current) &&
	    resolve(lib, "cuMemcpyHtoD_v2", &cu.memcpy_htod) &&
	    resolve(lib, "cuMemcpyDtoH_v2", &cu.memcpy_dtoh) && cu.init(0) == 0)
		loaded = true;
}

bool phxvol_cuda_is_device(const void *p, int *device, void **ctx)
{
	int attrs[] = { CU_POINTER_ATTRIBUTE_CONTEXT,
			CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
			CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL };
	void *owner = NULL;
	unsigned int type = 0;
	int ordinal = 0;
	void *data[] = { &owner, &type, &ordinal };

	pthread_once(&once, load);
	if (!loaded || !p)
		return false;
	/* Memory the driver does not know fails or reads as type 0: host. */
	if (cu.pointer_get_attributes(3, attrs, data, (cu_devptr)(uintptr_t)p) ||
	    type != CU_MEMORYTYPE_DEVICE)
		return false;
	*device = ordinal;
	*ctx = owner;
	return true;
}

/* Runs a copy with @ctx current, restoring the thread's own after. */
static int in_context(void *ctx, cu_result res_of_copy(void *), void *arg)
{
	void *prev = NULL;
	cu_result res;

	if (cu.ctx_get_current(&prev) || cu.ctx_set_current(ctx))
		return -1;
	res = res_of_copy(arg);
	cu.ctx_set_current(prev);
	return res ? -1 : 0;
}

struct copy {
	void *dst;
	const void *src;
	size_t len;
};

static cu_result do_htod(void *arg)
{
	struct copy *c = arg;

	return cu.memcpy_htod((cu_devptr)(uintptr_t)c->dst, c->src, c->len);
}

static cu_result do_dtoh(void *arg)
{
	struct copy *c = arg;

	return cu.memcpy_dtoh(c->dst, (cu_devptr)(uintptr_t)c->src, c->len);
}

int phxvol_cuda_htod(void *ctx, void *dev, const void *host, size_t len)
{
	struct copy c = { dev, host, len };

	return loaded ? in_context(ctx, do_htod, &c) : -1;
}

int phxvol_cuda_dtoh(void *ctx, void *host, const void *dev, size_t len)
{
	struct copy c = { host, dev, len };

	return loaded ? in_context(ctx, do_dtoh, &c) : -1;
}
