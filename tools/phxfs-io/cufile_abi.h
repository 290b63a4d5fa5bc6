/* SPDX-License-Identifier: MIT */
/*
 * The few cuFile entry points phxfs-io calls, declared from NVIDIA's
 * published API documentation (not from its header), and loaded from
 * libcufile.so.0 at run time: phxfs-io neither needs cuFile to build nor
 * to run its other transfer types. cufile_abi_check.c compares these
 * declarations with cufile.h where the build machine has it.
 */
#ifndef PHXIO_CUFILE_ABI_H
#define PHXIO_CUFILE_ABI_H

#include <stddef.h>
#include <sys/types.h>

#define CUFILE_SONAME "libcufile.so.0"

/* CUfileFileHandleType: the handle is a POSIX file descriptor. */
#define PHX_CUFILE_HANDLE_TYPE_OPAQUE_FD 1

/* CUfileError_t: a CUfileOpError (0: success) and a CUresult. */
struct phx_cufile_error {
	int err;
	int cu_err;
};

/* CUfileDescr_t. */
struct phx_cufile_descr {
	int type;
	union {
		int fd;
		void *handle;
	} handle;
	const void *fs_ops;	/* NULL for file descriptors */
};

struct cufile_api {
	void *lib;
	struct phx_cufile_error (*driver_open)(void);
	struct phx_cufile_error (*driver_close)(void);
	struct phx_cufile_error (*handle_register)(void **fh,
						   struct phx_cufile_descr *d);
	void (*handle_deregister)(void *fh);
	struct phx_cufile_error (*buf_register)(const void *dev, size_t len,
						int flags);
	struct phx_cufile_error (*buf_deregister)(const void *dev);
	ssize_t (*read)(void *fh, void *dev, size_t size, off_t file_offset,
			off_t dev_offset);
	ssize_t (*write)(void *fh, const void *dev, size_t size,
			 off_t file_offset, off_t dev_offset);
};

/* dlopen libcufile.so.0 and find the calls: 0, or -1 and @why. */
int cufile_load(struct cufile_api *api, char *why, size_t len);
void cufile_unload(struct cufile_api *api);

/* "cuFile error 5011 (CUDA 0)" */
const char *cufile_err_str(struct phx_cufile_error e, char *buf, size_t len);
/* What cuFileRead/cuFileWrite's negative return means. */
const char *cufile_ret_str(ssize_t ret, char *buf, size_t len);

#endif /* PHXIO_CUFILE_ABI_H */
