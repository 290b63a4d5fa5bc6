/* SPDX-License-Identifier: MIT */
/* The device table as the I/O engine sees it (device.c). */
#ifndef PHXFS_DEVICE_H
#define PHXFS_DEVICE_H

#include <stddef.h>
#include <stdint.h>

/*
 * When [addr, addr + len) lies in one registration of open device @id,
 * the module's address of @addr in *@target, else NULL (always in compat
 * mode). 0, or -1 with errno ENODEV if the device is not open.
 */
int phxfs_device_target(int id, uintptr_t addr, size_t len, void **target);

#endif /* PHXFS_DEVICE_H */
