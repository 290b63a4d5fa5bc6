/* SPDX-License-Identifier: MIT */
/*
 * The CUDA driver, one seam for every part of Phoenix: libcuda.so.1 is
 * loaded with dlopen() at the first use, never linked, and its entry
 * points are declared here from the driver API's documented ABI (no
 * cuda.h needed to build). Built as a static library with hidden
 * visibility and linked privately into libphxfs, libphxfs_mpi, the HDF5
 * connector and phxfs-info.
 *
 * Every int-returning call here returns 0 or an errno value, mapped from
 * the driver's CUresult in one place (phxfs_cu_errno()).
 */
#ifndef PHXFS_CUDA_CU_H
#define PHXFS_CUDA_CU_H

#include <stdbool.h>
#include <stddef.h>

typedef int cu_result;			/* CUresult; 0 is CUDA_SUCCESS */
typedef unsigned long long cu_devptr;	/* CUdeviceptr (64-bit) */
typedef int cu_device;			/* CUdevice */

#define CU_POINTER_ATTRIBUTE_CONTEXT		1
#define CU_POINTER_ATTRIBUTE_MEMORY_TYPE	2
#define CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL	9
#define CU_POINTER_ATTRIBUTE_RANGE_START_ADDR	11
#define CU_POINTER_ATTRIBUTE_RANGE_SIZE		12
#define CU_MEMORYTYPE_HOST			1
#define CU_MEMORYTYPE_DEVICE			2
#define CU_MEMHOSTALLOC_PORTABLE		1
#define CU_STREAM_DEFAULT			0
#define CU_STREAM_NON_BLOCKING			1

/*
 * The driver's entry points. The required ones are all there once
 * phxfs_cu() returns the table; an optional one may be NULL (an older
 * driver than the call).
 */
struct phxfs_cu {
	cu_result (*init)(unsigned int flags);
	cu_result (*driver_get_version)(int *version);
	cu_result (*get_error_string)(cu_result err, const char **str);
	cu_result (*device_get_count)(int *count);
	cu_result (*device_get)(cu_device *dev, int ordinal);
	cu_result (*device_get_name)(char *name, int len, cu_device dev);
	cu_result (*device_get_pci_bus_id)(char *id, int len, cu_device dev);
	cu_result (*device_total_mem)(size_t *bytes, cu_device dev);
	cu_result (*pointer_get_attributes)(unsigned int n, int *attrs,
					    void **data, cu_devptr p);
	cu_result (*device_primary_ctx_retain)(void **ctx, cu_device dev);
	cu_result (*ctx_get_current)(void **ctx);
	cu_result (*ctx_set_current)(void *ctx);
	cu_result (*ctx_synchronize)(void);
	cu_result (*mem_alloc)(cu_devptr *p, size_t len);
	cu_result (*mem_free)(cu_devptr p);
	cu_result (*mem_host_alloc)(void **p, size_t len, unsigned int flags);
	cu_result (*mem_free_host)(void *p);
	cu_result (*mem_host_get_device_pointer)(cu_devptr *dptr, void *p,
						 unsigned int flags);
	cu_result (*stream_create)(void **stream, unsigned int flags);
	cu_result (*stream_destroy)(void *stream);
	cu_result (*stream_synchronize)(void *stream);
	cu_result (*memcpy_htod)(cu_devptr dst, const void *src, size_t len);
	cu_result (*memcpy_dtoh)(void *dst, cu_devptr src, size_t len);
	cu_result (*memcpy_htod_async)(cu_devptr dst, const void *src,
				       size_t len, void *stream);
	cu_result (*memcpy_dtoh_async)(void *dst, cu_devptr src, size_t len,
				       void *stream);
	/* Optional. */
	cu_result (*launch_host_func)(void *stream, void (*fn)(void *),
				      void *arg);
	cu_result (*stream_wait_value32)(void *stream, cu_devptr addr,
					 unsigned int value,
					 unsigned int flags);
};

/*
 * The driver, loaded and initialised (cuInit) once per process; NULL when
 * there is none, or it lacks a required entry point, or cuInit failed:
 * phxfs_cu_why() then says which. A driver that fails stays loaded:
 * unloading a library another part of the process may use is not safe.
 */
const struct phxfs_cu *phxfs_cu(void);

/* Why phxfs_cu() returns NULL, in words; "" when it does not. */
const char *phxfs_cu_why(void);

/* The driver's version (e.g. 13000), or 0 without a loadable driver. */
int phxfs_cu_driver_version(void);

/*
 * CUresult to errno: 0; EFAULT for an invalid value (in a copy: an address
 * the driver does not know, as pread says of a bad buffer); ENOMEM; ENODEV
 * (no device, the driver not initialised or deinitialised at exit); EIO
 * for anything else.
 */
int phxfs_cu_errno(cu_result res);

/* The driver's message for @res. */
const char *phxfs_cu_strerror(cu_result res);

/* What a pointer is, for the driver. */
struct phxfs_cu_ptr {
	bool device;	/* device memory: only copies reach it */
	void *ctx;	/* its context, else its device's primary one */
	int ordinal;	/* its device (device memory only) */
};

/*
 * Classify [p, p + len): memory the driver does not know, or host memory
 * it knows (pinned), is host memory. EFAULT: @len runs past the end of the
 * device allocation @p is in. ENODEV: no driver.
 */
int phxfs_cu_classify(const void *p, size_t len, struct phxfs_cu_ptr *out);

/*
 * Make @ctx current in this thread, if it is not already; *prev gets the
 * one it replaced, for phxfs_cu_leave(). The runtime makes a context
 * current lazily: a thread may have none.
 */
int phxfs_cu_enter(void *ctx, void **prev);
void phxfs_cu_leave(void *ctx, void *prev);

/*
 * A synchronous copy between host memory and the device memory of @ctx,
 * with @ctx made current for it (phxfs_cu_enter()/leave()); complete when
 * it returns, also from pageable host memory.
 */
int phxfs_cu_copy(void *ctx, void *dst, const void *src, size_t len,
		  bool to_device);

#endif /* PHXFS_CUDA_CU_H */
