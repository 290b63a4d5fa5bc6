// SPDX-License-Identifier: GPL-2.0-only
/*
 * ZONE_DEVICE struct pages over a device memory BAR, so that user mappings
 * of device memory hold real pages that GUP (and so O_DIRECT) accepts.
 *
 * Page lifetime. memremap_pages() leaves every page with one reference and
 * takes one pgmap reference per page. When a page goes into a user mapping
 * its initial reference is handed to the PTE and the mapping takes a pgmap
 * reference of its own. When the last user lets go (the PTE, and any GUP
 * pin of I/O still in flight), the page count drops to zero and the kernel
 * calls page_free(): the pgmap reference goes and the page may be mapped
 * again. Device removal therefore waits in memunmap_pages() until no page is
 * in use, instead of freeing struct pages under a DMA.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "phxfs_compat.h"
#include "phxfs_internal.h"

static struct phxfs_bar *phxfs_page_bar(struct page *page)
{
	return container_of(page->pgmap, struct phxfs_bar, pgmap);
}

/* Any context: the last put_page() may come from an I/O completion. */
static void phxfs_page_free(struct page *page)
{
	struct phxfs_bar *bar = phxfs_page_bar(page);
	unsigned long flags;

	spin_lock_irqsave(&bar->lock, flags);
	__clear_bit(page_to_pfn(page) - bar->base_pfn, bar->in_use);
	spin_unlock_irqrestore(&bar->lock, flags);
	if (wq_has_sleeper(&bar->idle_wq))
		wake_up_all(&bar->idle_wq);
	percpu_ref_put(&bar->pgmap.ref);
}

static const struct dev_pagemap_ops phxfs_pagemap_ops = {
	.page_free = phxfs_page_free,
};

/*
 * memremap_pages() maps the memory into the kernel's direct map, and memory
 * hotplug refuses what the direct map cannot reach ("exceeds maximum
 * addressable range"): beyond 64 TiB with 4-level paging, and, on kernels
 * that size the direct map to installed memory when they randomise their
 * memory layout (CONFIG_RANDOMIZE_MEMORY: 6.11 to 6.14, and the 6.1.y and
 * 6.12.y stables between the backports of "x86/kaslr: Expose and use the
 * end of the physical memory address space" and of "x86/kaslr: Reduce
 * KASLR entropy on most x86 systems", 6.1.147 and 6.12.32, which keep it
 * whole with CONFIG_ZONE_DEVICE), beyond installed memory plus a padding.
 * A GPU's BAR high up in a server's physical address space can be there.
 * Say so before trying, in words the user can act on.
 */
static int phxfs_bar_check_range(struct device *dev, phys_addr_t start,
				 resource_size_t size)
{
#ifdef HAVE_MHP_GET_PLUGGABLE_RANGE
	struct range r = mhp_get_pluggable_range(true);
	u64 end = start + size - 1;

	if (start >= r.start && end <= r.end)
		return 0;
	dev_err(dev, "memory %pa+%pa is outside %#llx-%#llx, the range memory hotplug can map: cannot create struct pages (the direct map ends there: 64 TiB with 4-level paging, less on kernels that shrink it for KASLR: nokaslr)\n",
		&start, &size, (u64)r.start, (u64)r.end);
	return -ERANGE;
#else
	return 0;
#endif
}

/**
 * phxfs_bar_init() - create struct pages over device memory
 * @dev: the device that owns the memory, for the kernel log
 * @bar: to fill in; phxfs_bar_exit() undoes it
 * @start: physical start of the memory (a BAR)
 * @size: its length
 *
 * Return: 0 or a negative errno, with the reason in the kernel log.
 */
int phxfs_bar_init(struct device *dev, struct phxfs_bar *bar,
		   phys_addr_t start, resource_size_t size)
{
	void *addr;
	int ret;

	/* Memory hotplug works in 2 MiB subsections; a BAR always is one. */
	if (!IS_ALIGNED(start, SZ_2M) || !IS_ALIGNED(size, SZ_2M)) {
		dev_err(dev, "memory %pa+%pa is not 2 MiB aligned: cannot create struct pages\n",
			&start, &size);
		return -EINVAL;
	}

	ret = phxfs_bar_check_range(dev, start, size);
	if (ret)
		return ret;

	spin_lock_init(&bar->lock);
	init_waitqueue_head(&bar->idle_wq);
	bar->base_pfn = PHYS_PFN(start);
	bar->nr_pages = size >> PAGE_SHIFT;
	bar->in_use = kvcalloc(BITS_TO_LONGS(bar->nr_pages),
			       sizeof(unsigned long), GFP_KERNEL);
	if (!bar->in_use)
		return -ENOMEM;

	/*
	 * Without CONFIG_PCI_P2PDMA the P2PDMA type is a plain device page
	 * type that maps the memory uncached in the kernel; with it, the DMA
	 * API would want a real p2pdma provider, so use the generic type.
	 */
	bar->pgmap.type = IS_ENABLED(CONFIG_PCI_P2PDMA) ?
			  MEMORY_DEVICE_GENERIC : MEMORY_DEVICE_PCI_P2PDMA;
	bar->pgmap.range.start = start;
	bar->pgmap.range.end = start + size - 1;
	bar->pgmap.nr_range = 1;
	bar->pgmap.ops = &phxfs_pagemap_ops;

	addr = memremap_pages(&bar->pgmap, dev_to_node(dev));
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		if (ret == -EINVAL || ret == -EPERM || ret == -EBUSY)
			dev_err(dev, "cannot create struct pages over %pa+%pa (%d): another mapping of this memory with a different cache type (x86 PAT, e.g. a write-combining mapping by a graphics driver), or a range memory hotplug cannot map\n",
				&start, &size, ret);
		else
			dev_err(dev, "cannot create struct pages over %pa+%pa: %d\n",
				&start, &size, ret);
		kvfree(bar->in_use);
		return ret;
	}
	return 0;
}

/**
 * phxfs_bar_exit() - remove the struct pages of phxfs_bar_init()
 * @bar: the memory
 *
 * Waits until no page is in use: I/O in flight on them completes first.
 */
void phxfs_bar_exit(struct phxfs_bar *bar)
{
	memunmap_pages(&bar->pgmap);
	kvfree(bar->in_use);
}

/**
 * phxfs_bar_wait_idle() - wait until pages are in use no more
 * @bar: the memory
 * @idle: true when every page of interest is free; called repeatedly
 * @arg: for @idle
 *
 * A page stays in use while a PTE or an I/O in flight (a GUP pin) holds
 * it. Waiting for that after a zap is what guarantees no DMA reaches the
 * memory once it is given back.
 *
 * Return: 0, or -ETIMEDOUT after 30 s (logged).
 */
int phxfs_bar_wait_idle(struct phxfs_bar *bar,
			bool (*idle)(struct phxfs_bar *bar, void *arg),
			void *arg)
{
	if (wait_event_timeout(bar->idle_wq, idle(bar, arg), 30 * HZ))
		return 0;
	pr_warn("device memory still in use by I/O 30 s after it was unmapped\n");
	return -ETIMEDOUT;
}

/**
 * phxfs_bar_page_busy() - is a page in a user mapping or under I/O?
 * @bar: the memory
 * @pfn: a page frame of it
 *
 * Return: true if in use.
 */
bool phxfs_bar_page_busy(struct phxfs_bar *bar, unsigned long pfn)
{
	return test_bit(pfn - bar->base_pfn, bar->in_use);
}

/**
 * phxfs_bar_claim() - reserve pages for one user mapping
 * @bar: the memory
 * @pfn: first page frame
 * @n: number of pages
 *
 * A page is in at most one user mapping at a time: its reference count is
 * the mapping's (see the top of this file).
 *
 * Return: 0, -EINVAL outside the BAR, -EBUSY if a page is still in use.
 */
int phxfs_bar_claim(struct phxfs_bar *bar, unsigned long pfn, unsigned long n)
{
	unsigned long i, idx = pfn - bar->base_pfn;
	int ret = 0;

	if (pfn < bar->base_pfn || n > bar->nr_pages ||
	    idx > bar->nr_pages - n)
		return -EINVAL;
	spin_lock_irq(&bar->lock);
	for (i = 0; i < n; i++) {
		if (test_bit(idx + i, bar->in_use)) {
			ret = -EBUSY;
			break;
		}
	}
	if (!ret)
		bitmap_set(bar->in_use, idx, n);
	spin_unlock_irq(&bar->lock);
	return ret;
}

/**
 * phxfs_bar_unclaim() - give back claimed pages that were never mapped
 * @bar: the memory
 * @pfn: first page frame
 * @n: number of pages
 */
void phxfs_bar_unclaim(struct phxfs_bar *bar, unsigned long pfn,
		       unsigned long n)
{
	spin_lock_irq(&bar->lock);
	bitmap_clear(bar->in_use, pfn - bar->base_pfn, n);
	spin_unlock_irq(&bar->lock);
}

/**
 * phxfs_bar_page_mapped() - hand a claimed page's reference to its new PTE
 * @bar: the memory
 * @page: a page just inserted into a user mapping
 *
 * From now on phxfs_page_free() runs when the last user lets go.
 */
void phxfs_bar_page_mapped(struct phxfs_bar *bar, struct page *page)
{
	percpu_ref_get(&bar->pgmap.ref);
	put_page(page);
}
