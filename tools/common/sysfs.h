/* SPDX-License-Identifier: MIT */
/*
 * Small files of sysfs and procfs, and which /dev/phxfs_devN serves a PCI
 * device: the module makes the PCI device the parent of its class device,
 * so /sys/class/phxfs/phxfs_devN/device links to it.
 */
#ifndef PHXTOOL_SYSFS_H
#define PHXTOOL_SYSFS_H

#include <stddef.h>

#define PHXFS_SYSFS_CLASS "/sys/class/phxfs"
#define PHXFS_SYS_MODULE "/sys/module/phxfs"
#define PCI_ADDR_LEN 16		/* "dddd:bb:dd.f" and NUL */

/*
 * Read the text file @path into @buf (NUL-terminated, trailing newlines
 * dropped). Bytes read, or -1 with errno.
 */
int read_text(const char *path, char *buf, size_t len);

/*
 * Canonical "dddd:bb:dd.f" (lower case, 4-digit domain) of a PCI address
 * as CUDA ("00000000:65:00.0") or sysfs ("0000:65:00.0") writes it. 0, or
 * -1 if @in is not one.
 */
int pci_addr_canon(const char *in, char *out, size_t len);

/* PCI address of /dev/phxfs_dev@index's device, or -1. */
int phxfs_dev_pci_addr(int index, char *out, size_t len);

/* Index N of the /dev/phxfs_devN serving PCI device @addr, or -1. */
int phxfs_dev_for_pci(const char *addr);

#endif /* PHXTOOL_SYSFS_H */
