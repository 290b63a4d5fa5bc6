/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * phoenix-fs internals shared by the module's files.
 */
#ifndef PHXFS_INTERNAL_H
#define PHXFS_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/memremap.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <phxfs/phxfs_ioctl.h>

#define PHXFS_MAX_DEVICES	64

struct phxfs_mapping;

/**
 * struct phxfs_bar - ZONE_DEVICE struct pages over device memory
 * @pgmap:	the kernel's description of the pages
 * @base_pfn:	first page frame of the memory
 * @nr_pages:	number of pages
 * @in_use:	a bit per page that is in a user mapping or still pinned
 * @lock:	protects @in_use; taken from page_free, so IRQ-safe
 * @idle_wq:	woken when a page stops being in use
 */
struct phxfs_bar {
	struct dev_pagemap pgmap;
	unsigned long base_pfn;
	unsigned long nr_pages;
	unsigned long *in_use;
	spinlock_t lock;	/* protects in_use */
	wait_queue_head_t idle_wq;
};

/**
 * struct phxfs_provider_ops - how one kind of device memory is pinned
 * @pin:	validate [m->dev_addr, +m->length) for the calling process,
 *		pin it, set m->nr_pages and m->map_offset; called with none
 *		of our locks nor the mmap lock held (take it if needed)
 * @pfn:	page frame of the @idx-th PAGE_SIZE page of a pinned range
 * @unpin:	undo @pin; called exactly once per successful @pin, after
 *		the mapping's pages are out of the VMA and out of any I/O.
 *		If the provider revoked the mapping (phxfs_mapping_revoke()),
 *		@unpin must wait until that call has returned.
 */
struct phxfs_provider_ops {
	int (*pin)(struct phxfs_mapping *m);
	unsigned long (*pfn)(struct phxfs_mapping *m, unsigned long idx);
	void (*unpin)(struct phxfs_mapping *m);
};

/**
 * struct phxfs_stats - counters shown in sysfs
 * @mappings:	live mappings
 * @pinned_bytes: bytes of device memory in live mappings
 * @map_calls:	successful MAP ioctls
 * @unmap_calls: successful UNMAP ioctls
 * @revoked:	mappings revoked by the provider or device removal
 * @errors:	failed MAP and UNMAP ioctls
 */
struct phxfs_stats {
	atomic64_t mappings;
	atomic64_t pinned_bytes;
	atomic64_t map_calls;
	atomic64_t unmap_calls;
	atomic64_t revoked;
	atomic64_t errors;
};

/**
 * struct phxfs_dev - one device whose memory phoenix-fs can map
 * @dev:	the class device behind /dev/phxfs_devN; owns the lifetime
 * @cdev:	the character device
 * @index:	N in phxfs_devN
 * @remove_sem: protects @gone; held for reading across a whole MAP, so
 *		that removal waits for MAPs in progress before the provider
 *		frees what their pin uses
 * @gone:	the provider removed the device; open files get -ENODEV
 * @files_lock:	protects @files; taken before any file's lock
 * @files:	open files, to revoke their mappings on removal
 * @ops:	the provider's pinning operations
 * @bar:	struct pages over the device memory
 * @stats:	counters for sysfs
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
	struct rw_semaphore remove_sem;	/* protects gone */
	bool gone;
	struct mutex files_lock;	/* protects files */
	struct list_head files;
	const struct phxfs_provider_ops *ops;
	struct phxfs_bar *bar;
	struct phxfs_stats stats;
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
 * @ops:	the provider's pinning operations
 * @bar:	struct pages over the memory, set up by the provider
 */
struct phxfs_dev_desc {
	struct device *parent;
	u32 provider;
	u32 page_shift;
	u64 mem_size;
	u64 bus_addr;
	const char *name;
	void *provider_data;
	const struct phxfs_provider_ops *ops;
	struct phxfs_bar *bar;
};

/**
 * struct phxfs_file - state of one open of /dev/phxfs_devN
 * @pdev:	the device, referenced for as long as the file is open
 * @owner_mm:	address space of the opener; other processes are refused
 * @mapping:	this file's own address space, so that revoking one mapping
 *		zaps exactly its VMA (unmap_mapping_range) without taking
 *		the process's mmap lock
 * @lock:	protects @mappings, @next_handle and every mapping's state
 * @mappings:	live mappings made through this file
 * @next_handle: handle of the next mapping
 * @dev_node:	in pdev->files
 */
struct phxfs_file {
	struct phxfs_dev *pdev;
	struct mm_struct *owner_mm;
	struct address_space mapping;
	struct mutex lock;	/* protects mappings, next_handle, each mapping */
	struct list_head mappings;
	u64 next_handle;
	struct list_head dev_node;
};

/**
 * struct phxfs_mapping - device memory backing one VMA
 * @pf:		the file it was made through
 * @node:	in pf->mappings
 * @handle:	what user space names it by
 * @dev_addr:	device address as user space gave it
 * @length:	bytes as user space gave them
 * @vma_start:	start of the VMA it backs
 * @pgoff:	the VMA's offset in @pf->mapping
 * @nr_pages:	PAGE_SIZE pages mapped
 * @map_offset:	offset of @dev_addr from @vma_start
 * @state_lock:	protects @inserted and @revoked, which a provider's
 *		revocation reads without @pf->lock (see phxfs_mapping_revoke())
 * @inserted:	the pages are in the VMA (and @pgoff is valid)
 * @revoked:	the memory was taken back; PTEs are gone or never went in
 * @unpinned:	ops->unpin() has run; under @pf->lock
 * @base_pfn:	pci-bar: first page frame (the range is contiguous)
 * @provider_data: the provider's pin state
 */
struct phxfs_mapping {
	struct phxfs_file *pf;
	struct list_head node;
	u64 handle;
	u64 dev_addr;
	u64 length;
	unsigned long vma_start;
	pgoff_t pgoff;
	unsigned long nr_pages;
	unsigned long map_offset;
	spinlock_t state_lock;	/* protects inserted, revoked */
	bool inserted;
	bool revoked;
	bool unpinned;
	unsigned long base_pfn;
	void *provider_data;
};

int phxfs_chrdev_init(void);
void phxfs_chrdev_exit(void);
struct phxfs_dev *phxfs_dev_register(const struct phxfs_dev_desc *desc);
void phxfs_dev_unregister(struct phxfs_dev *pdev);
bool phxfs_dev_gone(struct phxfs_dev *pdev);

int phxfs_bar_init(struct device *dev, struct phxfs_bar *bar,
		   phys_addr_t start, resource_size_t size);
void phxfs_bar_exit(struct phxfs_bar *bar);
int phxfs_bar_wait_idle(struct phxfs_bar *bar,
			bool (*idle)(struct phxfs_bar *bar, void *arg),
			void *arg);
bool phxfs_bar_page_busy(struct phxfs_bar *bar, unsigned long pfn);
int phxfs_bar_claim(struct phxfs_bar *bar, unsigned long pfn, unsigned long n);
void phxfs_bar_unclaim(struct phxfs_bar *bar, unsigned long pfn,
		       unsigned long n);
void phxfs_bar_page_mapped(struct phxfs_bar *bar, struct page *page);

int phxfs_mmap(struct file *file, struct vm_area_struct *vma);
long phxfs_ioc_map(struct phxfs_file *pf, void *arg);
long phxfs_ioc_unmap(struct phxfs_file *pf, void *arg);
long phxfs_ioc_query(struct phxfs_file *pf, void *arg);
void phxfs_revoke_file(struct phxfs_file *pf);
void phxfs_mapping_revoke(struct phxfs_mapping *m);
extern const struct attribute_group *phxfs_dev_groups[];

/**
 * struct phxfs_bar_slot - one DOMAIN:BUS:DEV.FN/BAR of a module parameter
 * @domain:	PCI domain
 * @bus:	bus number
 * @devfn:	device and function
 * @bar:	BAR index, < PCI_STD_NUM_BARS
 */
struct phxfs_bar_slot {
	int domain;
	unsigned int bus;
	unsigned int devfn;
	int bar;
};

struct pci_dev;
int phxfs_parse_bar_list(const char *param, const char *value,
			 struct phxfs_bar_slot *slots, int max);
const struct phxfs_bar_slot *
phxfs_find_bar_slot(const struct phxfs_bar_slot *slots, int n,
		    struct pci_dev *dev);

int phxfs_pcibar_init(void);
void phxfs_pcibar_exit(void);
int phxfs_nvidia_init(void);
void phxfs_nvidia_exit(void);

#endif /* PHXFS_INTERNAL_H */
