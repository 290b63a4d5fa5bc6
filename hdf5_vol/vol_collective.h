/* SPDX-License-Identifier: MIT */
/*
 * Collective dataset reads and writes with the MPI-IO driver, through
 * libphxfs_mpi: the ranks decide together whether all of them can move
 * their data directly, so that none waits in a collective call the others
 * never make.
 */
#ifndef PHXFS_VOL_COLLECTIVE_H
#define PHXFS_VOL_COLLECTIVE_H

#include <stddef.h>

#include "vol_direct.h"

/*
 * phxvol_collective_transfer() - a collective H5Dread or H5Dwrite (@count
 * datasets of one file, H5Dread_multi) on a file of the MPI-IO driver,
 * moved with one phxfs_mpi_readv_at_all() or phxfs_mpi_writev_at_all()
 * per dataset if every rank of the file's communicator can move its
 * selections directly, with as many datasets (writes: allocated contiguous
 * storage); a file open for writing is flushed first, by all together
 * Return: 1 done; 0 not such a transfer, or some rank cannot (every rank
 * then returns 0 and leaves it to HDF5); -1 error.
 */
int phxvol_collective_transfer(const struct phxvol_xfer *x, size_t count,
			       bool write);

/* The file beneath is closing (collectively): its MPI state goes too. */
void phxvol_collective_file_close(void *under_file);

#endif /* PHXFS_VOL_COLLECTIVE_H */
