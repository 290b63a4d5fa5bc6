/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * phoenix-fs internals shared by the module's files.
 */
#ifndef PHXFS_INTERNAL_H
#define PHXFS_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/memremap.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <phxfs/phxfs_ioctl.h>

#define PHXFS_MAX_DEVICES	64

struct phxfs_mapping;

/**
 * struct phxfs_bar - ZONE_DEVICE struct pages over device memory
 * @pgmap:	the kernel's description of the pages
 * @base_pfn:	first page frame of the memory
 * @nr_pages:	number of pages
 * @claimed:	a bit per page that belongs to a mapping, from its MAP until
 *		the mapping is released (see the top of phxfs_pages.c)
 * @lock:	protects @claimed
 * @mappings:	mappings of these pages not yet released
 * @released_wq: woken when one is released
 */
struct phxfs_bar {
	struct dev_pagemap pgmap;
	unsigned long base_pfn;
	unsigned long nr_pages;
	unsigned long *claimed;
	spinlock_t lock;	/* protects claimed */
	atomic_long_t mappings;
	wait_queue_head_t released_wq;
};

/**
 * struct phxfs_provider_ops - how one kind of device memory is pinned
 * @pin:	validate [m->dev_addr, +m->length) for the calling process,
 *		pin it, set m->nr_pages and m->map_offset; called with the
 *		device's remove_sem held for reading, but neither the mmap
 *		lock nor any other lock of ours (take the mmap lock if needed)
 * @pfn:	page frame of the @idx-th PAGE_SIZE page of a pinned range
 * @unpin:	undo @pin; called exactly once per successful @pin, from the
 *		release work, once no page of the mapping is referenced any
 *		more (not in a VMA, not under I/O, not held by anyone); may
 *		sleep. If the provider revoked the mapping
 *		(phxfs_mapping_revoke()), @unpin must wait until that call
 *		has returned.
 */
struct phxfs_provider_ops {
	int (*pin)(struct phxfs_mapping *m);
	unsigned long (*pfn)(struct phxfs_mapping *m, unsigned long idx);
	void (*unpin)(struct phxfs_mapping *m);
};

/**
 * struct phxfs_stats - counters shown in sysfs
 * @mappings:	mappings not yet released: their memory is still pinned
 * @pinned_bytes: bytes of device memory they pin
 * @releasing:	of those, mappings their owner gave up whose pages someone
 *		else still references (a pipe, an io_uring buffer, I/O)
 * @map_calls:	successful MAP ioctls
 * @unmap_calls: successful UNMAP ioctls
 * @revoked:	mappings revoked by the provider or device removal
 * @errors:	failed MAP and UNMAP ioctls
 */
struct phxfs_stats {
	atomic64_t mappings;
	atomic64_t pinned_bytes;
	atomic64_t releasing;
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
 * @remove_sem: protects @gone; held for reading across a whole MAP (the
 *		provider's pin included), so that removal waits for MAPs in
 *		progress before it revokes
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
 * @lock:	protects @mappings, @next_handle and each mapping's @node and
 *		@vmas; taken after the mmap lock, before a mapping's lock
 * @mappings:	mappings made through this file and not destroyed
 * @next_handle: handle of the next mapping
 * @dev_node:	in pdev->files
 */
struct phxfs_file {
	struct phxfs_dev *pdev;
	struct mm_struct *owner_mm;
	struct address_space mapping;
	struct mutex lock;	/* protects mappings, next_handle */
	struct list_head mappings;
	u64 next_handle;
	struct list_head dev_node;
};

/**
 * struct phxfs_mapping - device memory backing one VMA
 * @ref:	lifetime of this structure: one for @node, one per VMA of
 *		the owner that points to it, one until the release work ran
 * @pf:		the file it was made through; valid until @destroyed
 * @pdev:	the device, referenced until released
 * @node:	in pf->mappings until destroyed; under pf->lock
 * @vmas:	VMAs of the owner pointing to it; under pf->lock
 * @handle:	what user space names it by
 * @dev_addr:	device address as user space gave it
 * @length:	bytes as user space gave them
 * @pgoff:	the VMA's offset in @pf->mapping
 * @nr_pages:	PAGE_SIZE pages pinned
 * @map_offset:	offset of @dev_addr from the VMA's start
 * @nr_claimed:	pages claimed in the BAR (the first ones of the pin)
 * @lock:	protects the flags below; held across insertion, taken by
 *		phxfs_mapping_revoke() (from a provider's callback)
 * @inserted:	the pages went into the VMA
 * @revoked:	the provider or the device's removal took the memory back
 * @destroyed:	its owner gave it up (UNMAP, munmap, exit, failed MAP)
 * @released:	the release work ran: unpinned, pages unclaimed
 * @claim_held:	@users still counts the mapping's own use
 * @read_only:	set by the provider: the memory's own mapping cannot be
 *		written, so ours must not be writable either
 * @users:	the mapping's own use (until destroyed or revoked), one
 *		while a MAP is in progress, and one per page handed to a
 *		user mapping and not yet freed (page_free); the memory is
 *		released at zero
 * @release_work: unpins and unclaims, in process context
 * @base_pfn:	pci-bar: first page frame (the range is contiguous)
 * @provider_data: the provider's pin state
 */
struct phxfs_mapping {
	struct kref ref;
	struct phxfs_file *pf;
	struct phxfs_dev *pdev;
	struct list_head node;
	unsigned int vmas;
	u64 handle;
	u64 dev_addr;
	u64 length;
	pgoff_t pgoff;
	unsigned long nr_pages;
	unsigned long map_offset;
	unsigned long nr_claimed;
	struct mutex lock;	/* protects the flags below */
	bool inserted;
	bool revoked;
	bool destroyed;
	bool released;
	bool claim_held;
	bool read_only;
	atomic_long_t users;
	struct work_struct release_work;
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
int phxfs_bar_claim(struct phxfs_bar *bar, unsigned long pfn, unsigned long n);
void phxfs_bar_unclaim(struct phxfs_bar *bar, unsigned long pfn,
		       unsigned long n);
void phxfs_bar_page_mapped(struct page *page, struct phxfs_mapping *m);

int phxfs_mmap(struct file *file, struct vm_area_struct *vma);
long phxfs_ioc_map(struct phxfs_file *pf, void *arg);
long phxfs_ioc_unmap(struct phxfs_file *pf, void *arg);
long phxfs_ioc_query(struct phxfs_file *pf, void *arg);
void phxfs_revoke_file(struct phxfs_file *pf);
void phxfs_mapping_revoke(struct phxfs_mapping *m);
void phxfs_mapping_unuse(struct phxfs_mapping *m);
bool phxfs_mapping_wait_unused(struct phxfs_mapping *m, long timeout);
int phxfs_map_wq_init(void);
void phxfs_map_wq_exit(void);
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
