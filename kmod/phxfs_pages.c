// SPDX-License-Identifier: GPL-2.0-only
/*
 * ZONE_DEVICE struct pages over a device memory BAR, so that user mappings
 * of device memory hold real pages that GUP (and so O_DIRECT) accepts.
 *
 * Lifetime. Device memory goes back to its provider only after the last
 * reference to its pages is gone, never on a timeout:
 *
 * - memremap_pages() leaves every page with one reference, held by us while
 *   the page is idle. MAP claims the pages for one mapping (a bit each in
 *   phxfs_bar.claimed) and inserts them; each inserted page's reference goes
 *   to its PTE, page->zone_device_data names the mapping, and the mapping
 *   counts it in phxfs_mapping.users.
 * - Anything else may take more references: GUP for O_DIRECT, vmsplice
 *   into a pipe, an io_uring fixed buffer, fork copying the PTEs. When the
 *   last one goes, the kernel calls page_free(), which drops the page from
 *   its mapping's count; the kernel resets the page to one reference, ours.
 * - UNMAP, munmap, close and exit revoke the PTEs (unmap_mapping_range())
 *   and drop the mapping's own count; none of them waits for other holders.
 *   A page that MADV_DONTNEED took out of a VMA is freed, but stays claimed:
 *   a claim is the mapping's until the mapping is released.
 * - When the count reaches zero the release work unclaims the pages and
 *   calls the provider's unpin; only then can the memory have a new owner.
 *
 * Each mapping not yet released holds a reference on the pgmap, so device
 * removal (phxfs_bar_exit()) waits for the release of every mapping of the
 * memory, saying why while it waits.
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

/* Any context: the last put_page() may come from an I/O completion. */
static void phxfs_page_free(struct page *page)
{
	struct phxfs_mapping *m = page->zone_device_data;

	page->zone_device_data = NULL;
	if (WARN_ON_ONCE(!m))
		return;
	phxfs_mapping_unuse(m);
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
	atomic_long_set(&bar->mappings, 0);
	init_waitqueue_head(&bar->released_wq);
	bar->base_pfn = PHYS_PFN(start);
	bar->nr_pages = size >> PAGE_SHIFT;
	bar->claimed = kvcalloc(BITS_TO_LONGS(bar->nr_pages),
				sizeof(unsigned long), GFP_KERNEL);
	if (!bar->claimed)
		return -ENOMEM;

	/*
	 * Without CONFIG_PCI_P2PDMA (phxfs_compat.h refuses the others) the
	 * P2PDMA type is a plain device page type that maps the memory
	 * uncached in the kernel.
	 */
	bar->pgmap.type = MEMORY_DEVICE_PCI_P2PDMA;
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
		kvfree(bar->claimed);
		return ret;
	}
	return 0;
}

/**
 * phxfs_bar_exit() - remove the struct pages of phxfs_bar_init()
 * @bar: the memory
 *
 * The caller has revoked every mapping of the memory. Waits until each is
 * released: a page still referenced (by I/O in flight, or held by a pipe,
 * an io_uring buffer or an RDMA registration until its owner lets go) must
 * not lose its struct page. Says every 30 s what it waits for.
 */
void phxfs_bar_exit(struct phxfs_bar *bar)
{
	long left;

	while ((left = atomic_long_read(&bar->mappings)) &&
	       !wait_event_timeout(bar->released_wq,
				   !atomic_long_read(&bar->mappings), 30 * HZ))
		pr_warn("device memory at %#llx: waiting for %ld revoked mapping(s) whose pages are still referenced (a pipe, an io_uring buffer, an RDMA registration): end the process holding them\n",
			(u64)PFN_PHYS(bar->base_pfn), left);
	memunmap_pages(&bar->pgmap);
	kvfree(bar->claimed);
}

/**
 * phxfs_bar_claim() - reserve pages for one mapping
 * @bar: the memory
 * @pfn: first page frame
 * @n: number of pages
 *
 * A page belongs to at most one mapping at a time, from its MAP until that
 * mapping is released (see the top of this file).
 *
 * Return: 0, -EINVAL outside the BAR, -EBUSY if a page is claimed.
 */
int phxfs_bar_claim(struct phxfs_bar *bar, unsigned long pfn, unsigned long n)
{
	unsigned long idx = pfn - bar->base_pfn;
	int ret = 0;

	if (pfn < bar->base_pfn || !n || n > bar->nr_pages ||
	    idx > bar->nr_pages - n)
		return -EINVAL;
	spin_lock(&bar->lock);
	if (find_next_bit(bar->claimed, idx + n, idx) < idx + n)
		ret = -EBUSY;
	else
		bitmap_set(bar->claimed, idx, n);
	spin_unlock(&bar->lock);
	return ret;
}

/**
 * phxfs_bar_unclaim() - give back claimed pages
 * @bar: the memory
 * @pfn: first page frame
 * @n: number of pages
 *
 * Only for pages no user mapping, I/O or other holder references.
 */
void phxfs_bar_unclaim(struct phxfs_bar *bar, unsigned long pfn,
		       unsigned long n)
{
	spin_lock(&bar->lock);
	bitmap_clear(bar->claimed, pfn - bar->base_pfn, n);
	spin_unlock(&bar->lock);
}

/**
 * phxfs_bar_page_mapped() - hand a claimed page's reference to its new PTE
 * @page: a page vm_insert_pages() just put into a VMA of @m
 * @m: its mapping, which has counted the page in its users
 *
 * From now on phxfs_page_free() runs when the last user lets go.
 */
void phxfs_bar_page_mapped(struct page *page, struct phxfs_mapping *m)
{
	page->zone_device_data = m;
	put_page(page);
}
