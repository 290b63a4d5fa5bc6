// SPDX-License-Identifier: MIT
/*
 * Whether the MPI library moves device memory itself. Open MPI answers at
 * run time (MPIX_Query_cuda_support, declared in <mpi-ext.h> whatever the
 * build's MPIX_CUDA_AWARE_SUPPORT says): the library a job runs with may
 * not be the one we were built against, so the run-time answer wins.
 */
#include "internal.h"

#if defined(__has_include)
#if __has_include(<mpi-ext.h>)
#include <mpi-ext.h>
#endif
#endif

bool phxfs_mpi_cuda_aware(void)
{
#if defined(MPIX_CUDA_AWARE_SUPPORT)
	return MPIX_Query_cuda_support() != 0;
#else
	return false;
#endif
}
