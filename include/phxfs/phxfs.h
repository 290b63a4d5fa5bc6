/* SPDX-License-Identifier: MIT */
/*
 * phxfs.h - LibPhoenix: direct storage I/O into device (GPU) memory.
 *
 * Every call returns 0 on success and -1 with errno set on failure.
 * Calls are thread-safe.
 *
 * Typical use:
 *
 *	phxfs_open(0);
 *	phxfs_regmem(0, dev_buf, len, &target);      // dev_buf: device memory
 *	fd = open(path, O_RDONLY | O_DIRECT);
 *	pread(fd, target, len, 0);                   // storage -> device memory
 *	phxfs_deregmem(0, dev_buf, len);
 *	phxfs_close(0);
 */
#ifndef PHXFS_H
#define PHXFS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PHXFS_VERSION_MAJOR 0
#define PHXFS_VERSION_MINOR 1

#if defined(__GNUC__)
#define PHXFS_EXPORT __attribute__((visibility("default")))
#else
#define PHXFS_EXPORT
#endif

/**
 * phxfs_open() - open device @device_id (/dev/phxfs_dev<device_id>)
 *
 * Counted: each successful call needs one phxfs_close().
 *
 * Errors: ENODEV no such device (module not loaded, or no device with that
 * number); EACCES no permission on the device node; EPROTO the loaded
 * module speaks another ABI major version; EMFILE, ENFILE, ENOMEM.
 */
PHXFS_EXPORT int phxfs_open(int device_id);

/**
 * phxfs_close() - undo one phxfs_open()
 *
 * The last close deregisters every range still registered on the device.
 *
 * Errors: ENODEV the device is not open in this process.
 */
PHXFS_EXPORT int phxfs_close(int device_id);

/**
 * phxfs_regmem() - make device memory a target of ordinary I/O
 * @device_id: an open device
 * @addr: device memory: a CUDA device pointer (nvidia), or this process's
 *	mapping of the device's BAR (pci-bar)
 * @len: bytes, > 0; any size the device has
 * @target_addr: out: a host virtual address backed by @addr..@addr+@len,
 *	one contiguous range, for pread()/pwrite() on O_DIRECT file
 *	descriptors (the kernel DMAs straight to the device)
 *
 * Errors: ENODEV device not open, or removed; EINVAL NULL pointer, @len 0,
 * range wraps, alignment the device cannot pin, range overlaps one already
 * registered on this device, or @addr is not memory of this device;
 * EFAULT @addr is not mapped in this process; EBUSY the device memory is
 * already registered elsewhere; ENOMEM.
 */
PHXFS_EXPORT int phxfs_regmem(int device_id, const void *addr, size_t len,
			      void **target_addr);

/**
 * phxfs_deregmem() - undo phxfs_regmem(@device_id, @addr, @len, ...)
 *
 * @target_addr becomes invalid. Must name exactly a registered range.
 *
 * Errors: ENODEV device not open; EINVAL NULL @addr or @len 0; ENOENT no
 * range registered at @addr with length @len.
 */
PHXFS_EXPORT int phxfs_deregmem(int device_id, const void *addr, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PHXFS_H */
