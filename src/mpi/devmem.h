/* SPDX-License-Identifier: MIT */
/*
 * Host <-> CUDA device copies and staging memory for the MPI layer,
 * through the CUDA driver loaded with dlopen() at the first use (never
 * linked): libphxfs_mpi runs on machines without CUDA.
 */
#ifndef PHXFS_MPI_DEVMEM_H
#define PHXFS_MPI_DEVMEM_H

#include <stdbool.h>
#include <stddef.h>

/* Is @p CUDA device memory? False without the driver. */
bool phxfs_mpi_is_device(const void *p);
/* Number of CUDA devices this process sees; 0 without the driver. */
int phxfs_mpi_cuda_devices(void);
/*
 * Copies between host memory and CUDA memory (@to_device: host -> device),
 * complete when they return. 0 or an errno.
 */
int phxfs_mpi_copy(void *dst, const void *src, size_t len, bool to_device);

/*
 * Staging memory: pinned host memory where CUDA is (faster copies), else
 * page-aligned; device memory in the context of @near (a device pointer).
 */
void *phxfs_mpi_host_alloc(size_t len);
void phxfs_mpi_host_free(void *p, size_t len);
void *phxfs_mpi_dev_alloc(size_t len, const void *near);
void phxfs_mpi_dev_free(void *p);

#endif /* PHXFS_MPI_DEVMEM_H */
