// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mappings: a VMA from mmap() of /dev/phxfs_devN, backed by PHXFS_IOC_MAP
 * with the struct pages of pinned device memory, so that stock O_DIRECT I/O
 * on its addresses DMAs straight to and from the device.
 *
 * Locking, outermost first: phxfs_dev.remove_sem (read, across a MAP), the
 * process's mmap lock, phxfs_file.lock. The provider pins before the mmap
 * lock and the file's lock are taken, and its callbacks take neither, so a
 * driver calling back into us from its own locks cannot deadlock with us.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "phxfs_compat.h"
#include "phxfs_internal.h"

/* VMA pages come only from PHXFS_IOC_MAP: a fault means no device memory. */
static vm_fault_t phxfs_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

/* One VMA, one mapping: no partial munmap, mprotect split or mremap. */
static int phxfs_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static int phxfs_vm_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static bool phxfs_mapping_idle(struct phxfs_bar *bar, void *arg)
{
	struct phxfs_mapping *m = arg;
	const struct phxfs_provider_ops *ops = m->pf->pdev->ops;
	unsigned long i;

	for (i = 0; i < m->nr_pages; i++)
		if (phxfs_bar_page_busy(bar, ops->pfn(m, i)))
			return false;
	return true;
}

/* After the PTEs are gone: wait until I/O in flight lets go of the pages. */
static void phxfs_mapping_drain(struct phxfs_mapping *m)
{
	phxfs_bar_wait_idle(m->pf->pdev->bar, phxfs_mapping_idle, m);
}

static void phxfs_mapping_zap(struct phxfs_mapping *m)
{
	unmap_mapping_range(&m->pf->mapping, (loff_t)m->pgoff << PAGE_SHIFT,
			    (loff_t)m->nr_pages << PAGE_SHIFT, 1);
}

static void phxfs_mapping_destroy(struct phxfs_mapping *m)
{
	struct phxfs_dev *pdev = m->pf->pdev;

	lockdep_assert_held(&m->pf->lock);
	if (!m->unpinned) {
		if (m->inserted)
			phxfs_mapping_drain(m);
		pdev->ops->unpin(m);
	}
	list_del(&m->node);
	atomic64_dec(&pdev->stats.mappings);
	atomic64_sub(m->length, &pdev->stats.pinned_bytes);
	kfree(m);
}

/* munmap() or exit: the core has already zapped the PTEs. */
static void phxfs_vm_close(struct vm_area_struct *vma)
{
	struct phxfs_file *pf = vma->vm_file->private_data;

	mutex_lock(&pf->lock);
	if (vma->vm_private_data)
		phxfs_mapping_destroy(vma->vm_private_data);
	vma->vm_private_data = NULL;
	mutex_unlock(&pf->lock);
}

static const struct vm_operations_struct phxfs_vm_ops = {
	.fault = phxfs_vm_fault,
	.may_split = phxfs_vm_may_split,
	.mremap = phxfs_vm_mremap,
	.close = phxfs_vm_close,
};

/**
 * phxfs_mmap() - reserve user address space for a later PHXFS_IOC_MAP
 * @file: an open /dev/phxfs_devN
 * @vma: the new VMA
 *
 * Return: 0 or a negative errno.
 */
int phxfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct phxfs_file *pf = file->private_data;

	if (current->mm != pf->owner_mm)
		return -EACCES;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	/*
	 * MIXEDMAP, not PFNMAP: GUP must see the struct pages. Not copied
	 * into a child: its pages belong to this process's registration.
	 */
	phxfs_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTCOPY |
			   VM_DONTDUMP);
	phxfs_vm_flags_clear(vma, VM_MAYEXEC);
	/* vm_insert_page() takes this silently: device memory is not WB. */
	vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	vma->vm_ops = &phxfs_vm_ops;
	vma->vm_private_data = NULL;
	return 0;
}

#define PHXFS_INSERT_BATCH	64

/*
 * Claim and insert every page of @m into @vma, all or nothing: on failure
 * the pages already inserted are zapped, which frees them (page_free).
 */
static int phxfs_insert_pages(struct phxfs_mapping *m,
			      struct vm_area_struct *vma)
{
	struct phxfs_dev *pdev = m->pf->pdev;
	struct page *pages[PHXFS_INSERT_BATCH];
	unsigned long done = 0, n, i, left;
	int ret = 0;

	while (done < m->nr_pages) {
		n = min_t(unsigned long, m->nr_pages - done,
			  PHXFS_INSERT_BATCH);
		for (i = 0; i < n; i++) {
			unsigned long pfn = pdev->ops->pfn(m, done + i);

			ret = phxfs_bar_claim(pdev->bar, pfn, 1);
			if (ret)
				break;
			pages[i] = pfn_to_page(pfn);
		}
		if (ret) {
			while (i--)
				phxfs_bar_unclaim(pdev->bar,
						  page_to_pfn(pages[i]), 1);
			break;
		}

		/* On return @left counts the pages it did not insert. */
		left = n;
		ret = vm_insert_pages(vma, vma->vm_start + (done << PAGE_SHIFT),
				      pages, &left);
		for (i = 0; i < n - left; i++)
			phxfs_bar_page_mapped(pdev->bar, pages[i]);
		for (; i < n; i++)
			phxfs_bar_unclaim(pdev->bar, page_to_pfn(pages[i]), 1);
		done += n - left;
		if (ret || left) {
			ret = ret ?: -EFAULT;
			break;
		}
	}
	if (ret && done)
		zap_vma_ptes(vma, vma->vm_start, done << PAGE_SHIFT);
	return ret;
}

static struct phxfs_mapping *phxfs_find_handle(struct phxfs_file *pf,
					       u64 handle)
{
	struct phxfs_mapping *m;

	list_for_each_entry(m, &pf->mappings, node)
		if (m->handle == handle)
			return m;
	return NULL;
}

/* Each mapping's VMA has its own range of offsets: a zap hits only it. */
static bool phxfs_pgoff_in_use(struct phxfs_file *pf, pgoff_t pgoff,
			       unsigned long nr)
{
	struct phxfs_mapping *m;

	list_for_each_entry(m, &pf->mappings, node)
		if (pgoff < m->pgoff + m->nr_pages && m->pgoff < pgoff + nr)
			return true;
	return false;
}

/* The VMA PHXFS_IOC_MAP may fill: ours, this file's, whole and empty. */
static struct vm_area_struct *phxfs_map_vma(struct phxfs_file *pf,
					    unsigned long addr)
{
	struct vm_area_struct *vma = vma_lookup(current->mm, addr);

	if (!vma || vma->vm_start != addr || vma->vm_ops != &phxfs_vm_ops ||
	    vma->vm_file->private_data != pf)
		return ERR_PTR(-EINVAL);
	if (vma->vm_private_data)
		return ERR_PTR(-EBUSY);
	return vma;
}

static long phxfs_map_locked(struct phxfs_file *pf, struct phxfs_mapping *m)
{
	struct phxfs_dev *pdev = pf->pdev;
	struct vm_area_struct *vma;
	bool revoked;
	int ret;

	vma = phxfs_map_vma(pf, m->vma_start);
	if (IS_ERR(vma))
		return PTR_ERR(vma);
	if (m->nr_pages > vma_pages(vma) ||
	    phxfs_pgoff_in_use(pf, vma->vm_pgoff, vma_pages(vma)))
		return -EINVAL;

	m->pgoff = vma->vm_pgoff;
	ret = phxfs_insert_pages(m, vma);
	if (ret)
		return ret;
	spin_lock(&m->state_lock);
	revoked = m->revoked;
	m->inserted = !revoked;
	spin_unlock(&m->state_lock);
	if (revoked) {
		/* The provider took the memory back while it went in. */
		zap_vma_ptes(vma, vma->vm_start, m->nr_pages << PAGE_SHIFT);
		phxfs_mapping_drain(m);
		return -EFAULT;
	}
	m->handle = ++pf->next_handle;
	vma->vm_private_data = m;
	list_add_tail(&m->node, &pf->mappings);
	atomic64_inc(&pdev->stats.mappings);
	atomic64_add(m->length, &pdev->stats.pinned_bytes);
	atomic64_inc(&pdev->stats.map_calls);
	return 0;
}

/**
 * phxfs_ioc_map() - PHXFS_IOC_MAP: pin device memory into a VMA of ours
 * @pf: the file
 * @arg: struct phxfs_map, kernel copy
 *
 * Return: 0 or a negative errno.
 */
long phxfs_ioc_map(struct phxfs_file *pf, void *arg)
{
	struct phxfs_map *req = arg;
	struct phxfs_dev *pdev = pf->pdev;
	struct phxfs_mapping *m;
	long ret;

	if (req->flags || req->pad || !req->length ||
	    req->dev_addr + req->length < req->dev_addr ||
	    !PAGE_ALIGNED(req->user_addr) || req->user_addr > TASK_SIZE)
		return -EINVAL;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->pf = pf;
	spin_lock_init(&m->state_lock);
	m->dev_addr = req->dev_addr;
	m->length = req->length;
	m->vma_start = req->user_addr;

	/* Removal sets gone, then revokes each file's mappings. */
	down_read(&pdev->remove_sem);
	ret = -ENODEV;
	if (pdev->gone)
		goto err_unlock;
	ret = pdev->ops->pin(m);
	if (ret)
		goto err_unlock;

	mmap_read_lock(current->mm);
	mutex_lock(&pf->lock);
	ret = phxfs_map_locked(pf, m);
	mutex_unlock(&pf->lock);
	mmap_read_unlock(current->mm);
	if (ret)
		goto err_unpin;
	up_read(&pdev->remove_sem);

	req->handle = m->handle;
	req->map_offset = m->map_offset;
	return 0;

err_unpin:
	pdev->ops->unpin(m);
err_unlock:
	up_read(&pdev->remove_sem);
	kfree(m);
	atomic64_inc(&pdev->stats.errors);
	return ret;
}

/**
 * phxfs_ioc_unmap() - PHXFS_IOC_UNMAP: take device memory out of its VMA
 * @pf: the file
 * @arg: struct phxfs_unmap, kernel copy
 *
 * The VMA stays, empty (touching it raises SIGBUS), until munmap().
 *
 * Return: 0 or a negative errno.
 */
long phxfs_ioc_unmap(struct phxfs_file *pf, void *arg)
{
	struct phxfs_unmap *req = arg;
	struct vm_area_struct *vma;
	struct phxfs_mapping *m;
	long ret = 0;

	if (req->flags || req->pad)
		return -EINVAL;

	mmap_read_lock(current->mm);
	mutex_lock(&pf->lock);
	m = phxfs_find_handle(pf, req->handle);
	if (!m) {
		ret = -ENOENT;
		goto out;
	}
	if (m->inserted)
		phxfs_mapping_zap(m);
	/* The VMA lives while its mapping does: close() destroys both. */
	vma = vma_lookup(current->mm, m->vma_start);
	if (vma && vma->vm_private_data == m)
		vma->vm_private_data = NULL;
	phxfs_mapping_destroy(m);
	atomic64_inc(&pf->pdev->stats.unmap_calls);
out:
	mutex_unlock(&pf->lock);
	mmap_read_unlock(current->mm);
	if (ret)
		atomic64_inc(&pf->pdev->stats.errors);
	return ret;
}

/**
 * phxfs_ioc_query() - PHXFS_IOC_QUERY: is a mapping still backed?
 * @pf: the file
 * @arg: struct phxfs_query, kernel copy
 *
 * Return: 0, or -ENOENT for an unknown handle.
 */
long phxfs_ioc_query(struct phxfs_file *pf, void *arg)
{
	struct phxfs_query *req = arg;
	struct phxfs_mapping *m;
	long ret = 0;

	if (req->flags)
		return -EINVAL;
	mutex_lock(&pf->lock);
	m = phxfs_find_handle(pf, req->handle);
	if (m)
		req->state = READ_ONCE(m->revoked) ? PHXFS_MAP_REVOKED :
						     PHXFS_MAP_LIVE;
	else
		ret = -ENOENT;
	mutex_unlock(&pf->lock);
	return ret;
}

/**
 * phxfs_mapping_revoke() - the memory behind a mapping is being taken back
 * @m: the mapping; it stays alive until this returns, because the
 *     provider's unpin waits for its own revocation to finish
 *
 * Zaps the PTEs and waits for I/O in flight on the pages, so that once this
 * returns no DMA reaches the memory: later accesses raise SIGBUS and I/O on
 * the addresses fails with EFAULT. Callable from a provider's callback,
 * under the provider's locks: it takes none of our mutexes, only the file's
 * address_space lock (in the zap) and the mapping's state spinlock.
 */
void phxfs_mapping_revoke(struct phxfs_mapping *m)
{
	bool first, inserted;

	spin_lock(&m->state_lock);
	first = !m->revoked;
	inserted = m->inserted;
	m->revoked = true;
	spin_unlock(&m->state_lock);
	/*
	 * Every caller zaps and drains, not just the first: a second one (the
	 * driver's free callback during an unbind) must not return while the
	 * first still waits for I/O in flight.
	 */
	if (inserted) {
		phxfs_mapping_zap(m);
		phxfs_mapping_drain(m);
	}
	if (first)
		atomic64_inc(&m->pf->pdev->stats.revoked);
}

/**
 * phxfs_revoke_file() - take device memory out of every mapping of a file
 * @pf: the file
 *
 * Used when the device goes away: each mapping is revoked and unpinned.
 */
void phxfs_revoke_file(struct phxfs_file *pf)
{
	struct phxfs_mapping *m;

	mutex_lock(&pf->lock);
	list_for_each_entry(m, &pf->mappings, node) {
		phxfs_mapping_revoke(m);
		if (!m->unpinned) {
			pf->pdev->ops->unpin(m);
			m->unpinned = true;
		}
	}
	mutex_unlock(&pf->lock);
}
