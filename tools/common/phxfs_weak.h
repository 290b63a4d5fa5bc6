/* SPDX-License-Identifier: MIT */
/*
 * The calls of libphxfs that came after the seed API (open, close, regmem,
 * deregmem), referenced weakly: the tools link against a library that does
 * not have them yet, find them NULL at run time and say so, and need no
 * change once they land. Include instead of <phxfs/phxfs.h>, in every file
 * that calls one of them. tools.weak_exports checks that every export after
 * PHXFS_0.1 in src/libphxfs.map is here (and listed by phxfs-info).
 */
#ifndef PHXTOOL_PHXFS_WEAK_H
#define PHXTOOL_PHXFS_WEAK_H

#include <phxfs/phxfs.h>

#pragma weak phxfs_mode
#pragma weak phxfs_read
#pragma weak phxfs_write
#pragma weak phxfs_batch_create
#pragma weak phxfs_batch_submit
#pragma weak phxfs_batch_reap
#pragma weak phxfs_batch_destroy
#pragma weak phxfs_read_async
#pragma weak phxfs_write_async
#pragma weak phxfs_registered
#pragma weak phxfs_batch_run

/* Whether the library has @fn (a function name). */
#define PHXFS_HAS(fn) ((fn) != NULL)

#endif /* PHXTOOL_PHXFS_WEAK_H */
