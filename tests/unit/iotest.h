/* SPDX-License-Identifier: MIT */
/*
 * The I/O tests' toolkit: the project's (tests/common/phxcheck.h: checks,
 * scratch files, files of the one data pattern). Include it first, after
 * defining _GNU_SOURCE.
 */
#ifndef PHXFS_IOTEST_H
#define PHXFS_IOTEST_H

#include "../common/phxcheck.h"

#endif /* PHXFS_IOTEST_H */
