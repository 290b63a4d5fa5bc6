/* SPDX-License-Identifier: MIT */
/*
 * Collective dataset reads with the MPI-IO driver, through libphxfs_mpi:
 * the ranks decide together whether all of them can read directly, so
 * that none waits in a collective call the others never make.
 */
#ifndef PHXFS_VOL_COLLECTIVE_H
#define PHXFS_VOL_COLLECTIVE_H

#include <stddef.h>

#include "vol_direct.h"

/*
 * phxvol_collective_read() - a collective H5Dread (@count datasets of one
 * file, H5Dread_multi) on a file of the MPI-IO driver, read with one
 * phxfs_mpi_readv_at_all() per dataset if every rank of the file's
 * communicator can read its selections directly, with as many datasets
 * Return: 1 done; 0 not such a read, or some rank cannot (every rank then
 * returns 0 and leaves the read to HDF5); -1 error.
 */
int phxvol_collective_read(const struct phxvol_xfer *x, size_t count);

/* The file beneath is closing (collectively): its MPI state goes too. */
void phxvol_collective_file_close(void *under_file);

#endif /* PHXFS_VOL_COLLECTIVE_H */
