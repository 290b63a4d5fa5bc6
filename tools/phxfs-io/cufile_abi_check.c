// SPDX-License-Identifier: MIT
/*
 * Compiled (never linked) only where cufile.h is installed: fails the
 * build if cufile_abi.h does not match NVIDIA's own declarations.
 */
#define _GNU_SOURCE		/* cufile.h uses loff_t */
#include <stddef.h>
#include <sys/types.h>

#include <cufile.h>

#include "cufile_abi.h"

#define SAME(a, b) _Static_assert((a) == (b), #a " != " #b)
#define SAME_AT(mine, theirs, m) SAME(offsetof(mine, m), offsetof(theirs, m))

SAME(sizeof(struct phx_cufile_error), sizeof(CUfileError_t));
SAME_AT(struct phx_cufile_error, CUfileError_t, err);
SAME_AT(struct phx_cufile_error, CUfileError_t, cu_err);
SAME(sizeof(struct phx_cufile_descr), sizeof(CUfileDescr_t));
SAME_AT(struct phx_cufile_descr, CUfileDescr_t, type);
SAME_AT(struct phx_cufile_descr, CUfileDescr_t, handle.fd);
SAME_AT(struct phx_cufile_descr, CUfileDescr_t, fs_ops);
SAME(PHX_CUFILE_HANDLE_TYPE_OPAQUE_FD, CU_FILE_HANDLE_TYPE_OPAQUE_FD);

int cufile_abi_check(void);

/* The entry points have the shapes cufile_abi.h gives them. */
int cufile_abi_check(void)
{
	CUfileError_t (*drv_open)(void) = cuFileDriverOpen;
	CUfileError_t (*drv_close)(void) = cuFileDriverClose;
	CUfileError_t (*h_reg)(CUfileHandle_t *, CUfileDescr_t *) =
		cuFileHandleRegister;
	void (*h_dereg)(CUfileHandle_t) = cuFileHandleDeregister;
	CUfileError_t (*b_reg)(const void *, size_t, int) = cuFileBufRegister;
	CUfileError_t (*b_dereg)(const void *) = cuFileBufDeregister;
	ssize_t (*rd)(void *, void *, size_t, off_t, off_t) = cuFileRead;
	ssize_t (*wr)(void *, const void *, size_t, off_t, off_t) =
		cuFileWrite;

	return !drv_open + !drv_close + !h_reg + !h_dereg + !b_reg +
	       !b_dereg + !rd + !wr;
}
