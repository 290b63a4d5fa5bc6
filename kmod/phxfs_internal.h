/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * phoenix-fs internals shared by the module's files.
 */
#ifndef PHXFS_INTERNAL_H
#define PHXFS_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <phxfs/phxfs_ioctl.h>

#define PHXFS_MAX_DEVICES	64

/**
 * struct phxfs_dev - one device whose memory phoenix-fs can map
 * @dev:	the class device behind /dev/phxfs_devN; owns the lifetime
 * @cdev:	the character device
 * @index:	N in phxfs_devN
 * @lock:	protects @gone
 * @gone:	the provider removed the device; open files get -ENODEV
 * @provider:	PHXFS_PROVIDER_*
 * @page_shift:	log2 of the provider's pinning granule
 * @mem_size:	bytes of device memory covered
 * @bus_addr:	bus address of that memory
 * @name:	human-readable name (PCI address)
 * @provider_data: the provider's own state
 */
struct phxfs_dev {
	struct device dev;
	struct cdev cdev;
	int index;
	struct mutex lock;	/* protects gone */
	bool gone;
	u32 provider;
	u32 page_shift;
	u64 mem_size;
	u64 bus_addr;
	char name[32];
	void *provider_data;
};

/**
 * struct phxfs_dev_desc - what a provider tells phxfs_dev_register()
 * @parent:	the underlying (PCI) device, parent in sysfs
 * @provider:	PHXFS_PROVIDER_*
 * @page_shift:	log2 of the pinning granule
 * @mem_size:	bytes of device memory
 * @bus_addr:	bus address of that memory
 * @name:	human-readable name
 * @provider_data: stored in phxfs_dev.provider_data
 */
struct phxfs_dev_desc {
	struct device *parent;
	u32 provider;
	u32 page_shift;
	u64 mem_size;
	u64 bus_addr;
	const char *name;
	void *provider_data;
};

int phxfs_chrdev_init(void);
void phxfs_chrdev_exit(void);
struct phxfs_dev *phxfs_dev_register(const struct phxfs_dev_desc *desc);
void phxfs_dev_unregister(struct phxfs_dev *pdev);

int phxfs_pcibar_init(void);
void phxfs_pcibar_exit(void);

#endif /* PHXFS_INTERNAL_H */
