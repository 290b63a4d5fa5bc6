// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mappings: a VMA from mmap() of /dev/phxfs_devN, backed by PHXFS_IOC_MAP
 * with the struct pages of pinned device memory, so that stock O_DIRECT I/O
 * on its addresses DMAs straight to and from the device.
 *
 * A mapping has three lifetimes (the top of phxfs_pages.c has the pages'):
 * - its owner's: from MAP until UNMAP, or until the last VMA of the owner
 *   that points to it closes (munmap, exit). Then it is destroyed: its PTEs
 *   are revoked and its handle is gone, without waiting for anyone;
 * - its memory's: until no page of it is referenced any more; then the
 *   release work unclaims and unpins it (the provider gets it back);
 * - its structure's: a kref, held by the file's list, by each VMA of the
 *   owner that points to it and by the release work.
 *
 * What the kernel does to the VMA: it never splits (may_split refuses, so
 * partial munmap, mprotect and madvise fail). mremap moves it whole: the
 * core copies it (->open, one more VMA), moves the PTEs and closes the old
 * one, so the mapping follows its pages. A VMA copied into another process
 * (fork after MADV_DOFORK undid VM_DONTCOPY) is revoked there in ->open.
 *
 * Locking, outermost first: phxfs_dev.remove_sem (read, across a MAP), the
 * process's mmap lock, phxfs_file.lock, phxfs_mapping.lock, the file's
 * i_mmap lock (unmap_mapping_range()). The provider pins before the mmap
 * lock is taken; its revocation (from a driver's callback, under the
 * driver's locks) takes only the mapping's lock, which nothing holds while
 * it waits for the driver, and never waits for other holders of the pages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "phxfs_compat.h"
#include "phxfs_internal.h"

static struct workqueue_struct *phxfs_release_wq;

/* VMA pages come only from PHXFS_IOC_MAP: a fault means no device memory. */
static vm_fault_t phxfs_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

/* One VMA, one mapping: no partial munmap, mprotect or madvise split. */
static int phxfs_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static void phxfs_mapping_free(struct kref *ref)
{
	kfree(container_of(ref, struct phxfs_mapping, ref));
}

static void phxfs_mapping_put(struct phxfs_mapping *m)
{
	kref_put(&m->ref, phxfs_mapping_free);
}

/* Every PTE of the mapping's offsets in its file, in any process. */
static void phxfs_mapping_zap(struct phxfs_mapping *m)
{
	unmap_mapping_range(&m->pf->mapping, (loff_t)m->pgoff << PAGE_SHIFT,
			    (loff_t)m->nr_pages << PAGE_SHIFT, 1);
}

/* Pages per run at most: rescheduling between runs bounds the latency. */
#define PHXFS_RUN_MAX	BIT(18)

/* The first @n pages of @m as runs of contiguous page frames. */
static void phxfs_mapping_for_runs(struct phxfs_mapping *m, unsigned long n,
				   int (*fn)(struct phxfs_bar *bar,
					     unsigned long pfn,
					     unsigned long len),
				   unsigned long *done)
{
	const struct phxfs_provider_ops *ops = m->pdev->ops;
	unsigned long i = 0, len, first;

	*done = 0;
	while (i < n) {
		first = ops->pfn(m, i);
		for (len = 1; i + len < n && len < PHXFS_RUN_MAX &&
		     ops->pfn(m, i + len) == first + len; len++)
			;
		if (fn(m->pdev->bar, first, len))
			return;
		i += len;
		*done = i;
		cond_resched();
	}
}

static int phxfs_unclaim_run(struct phxfs_bar *bar, unsigned long pfn,
			     unsigned long len)
{
	phxfs_bar_unclaim(bar, pfn, len);
	return 0;
}

/* All pages or none: a page already claimed makes the MAP fail -EBUSY. */
static int phxfs_mapping_claim(struct phxfs_mapping *m)
{
	unsigned long done, undone;

	phxfs_mapping_for_runs(m, m->nr_pages, phxfs_bar_claim, &done);
	if (done == m->nr_pages) {
		m->nr_claimed = done;
		return 0;
	}
	phxfs_mapping_for_runs(m, done, phxfs_unclaim_run, &undone);
	return -EBUSY;
}

/*
 * No page of the mapping is referenced any more: give the memory back. The
 * pgmap reference goes last, so that the device's removal, which waits for
 * it, cannot free what this uses.
 */
static void phxfs_mapping_release(struct work_struct *work)
{
	struct phxfs_mapping *m = container_of(work, struct phxfs_mapping,
					       release_work);
	struct phxfs_dev *pdev = m->pdev;
	struct phxfs_bar *bar = pdev->bar;
	unsigned long done;
	bool destroyed;

	mutex_lock(&m->lock);
	m->released = true;
	destroyed = m->destroyed;
	mutex_unlock(&m->lock);

	phxfs_mapping_for_runs(m, m->nr_claimed, phxfs_unclaim_run, &done);
	pdev->ops->unpin(m);
	atomic64_dec(&pdev->stats.mappings);
	atomic64_sub(m->length, &pdev->stats.pinned_bytes);
	if (destroyed)
		atomic64_dec(&pdev->stats.releasing);
	phxfs_mapping_put(m);

	atomic_long_dec(&bar->mappings);
	wake_up_all(&bar->released_wq);
	percpu_ref_put(&bar->pgmap.ref);
	put_device(&pdev->dev);
	/* The work runs to its end before the module's exit can return. */
	module_put(THIS_MODULE);
}

/**
 * phxfs_mapping_unuse() - one use of a mapping's memory ends
 * @m: the mapping
 *
 * A page inserted for @m is referenced no more (page_free, in any context),
 * or @m's own use or a MAP in progress ends. The last one releases it.
 */
void phxfs_mapping_unuse(struct phxfs_mapping *m)
{
	if (atomic_long_dec_and_test(&m->users)) {
		/* Before the release can free @m. */
		wake_up_var(&m->users);
		queue_work(phxfs_release_wq, &m->release_work);
	}
}

/*
 * The same from a caller that may sleep and holds none of the mapping's
 * locks: without other holders, the memory is back (and may be mapped
 * again) when UNMAP, munmap or a failed MAP returns.
 */
static void phxfs_mapping_unuse_sync(struct phxfs_mapping *m)
{
	if (atomic_long_dec_and_test(&m->users)) {
		wake_up_var(&m->users);
		phxfs_mapping_release(&m->release_work);
	}
}

/*
 * The mapping's own use of its memory ends; under m->lock. Return: whether
 * the caller has to drop that use (phxfs_mapping_unuse*()) after unlocking.
 */
static bool phxfs_mapping_drop_claim(struct phxfs_mapping *m)
{
	lockdep_assert_held(&m->lock);
	if (!m->claim_held)
		return false;
	m->claim_held = false;
	return true;
}

/*
 * Its owner gives it up: the PTEs go now, the memory once nobody else holds
 * its pages. Does not wait for them.
 */
static void phxfs_mapping_give_up(struct phxfs_mapping *m)
{
	bool drop;

	/* The release may run as soon as the claim goes: keep @m till then. */
	kref_get(&m->ref);
	mutex_lock(&m->lock);
	m->destroyed = true;
	/* The pages' references go with their PTEs, before the claim. */
	if (m->inserted)
		phxfs_mapping_zap(m);
	if (!m->released)
		atomic64_inc(&m->pdev->stats.releasing);
	drop = phxfs_mapping_drop_claim(m);
	mutex_unlock(&m->lock);
	if (drop)
		phxfs_mapping_unuse_sync(m);
	phxfs_mapping_put(m);
}

static void phxfs_mapping_destroy(struct phxfs_mapping *m)
{
	lockdep_assert_held(&m->pf->lock);
	list_del(&m->node);
	phxfs_mapping_give_up(m);
	phxfs_mapping_put(m);
}

/*
 * A new VMA pointing to a mapping: mremap's copy of it, or fork's copy into
 * a child when MADV_DOFORK cleared VM_DONTCOPY. The child gets no device
 * memory. Some kernels call ->open before copy_page_range() (6.12), where
 * VM_WIPEONFORK on the copy makes fork skip its PTEs; others after (6.1):
 * then zap the copy's PTEs (that child's VMA only: the parent's stay).
 * Both run with the child's mmap lock held for writing.
 */
static void phxfs_vm_open(struct vm_area_struct *vma)
{
	struct phxfs_file *pf = vma->vm_file->private_data;
	struct phxfs_mapping *m = vma->vm_private_data;

	if (!m)
		return;
	if (vma->vm_mm != pf->owner_mm) {
		vma->vm_private_data = NULL;
		phxfs_vm_flags_set(vma, VM_WIPEONFORK);
		phxfs_zap_vma(vma);
		return;
	}
	mutex_lock(&pf->lock);
	m->vmas++;
	kref_get(&m->ref);
	mutex_unlock(&pf->lock);
}

/* munmap(), exit, or the old VMA of an mremap() move. */
static void phxfs_vm_close(struct vm_area_struct *vma)
{
	struct phxfs_file *pf = vma->vm_file->private_data;
	struct phxfs_mapping *m = vma->vm_private_data;

	if (!m)
		return;
	vma->vm_private_data = NULL;
	mutex_lock(&pf->lock);
	if (!--m->vmas && !m->destroyed)
		phxfs_mapping_destroy(m);
	mutex_unlock(&pf->lock);
	phxfs_mapping_put(m);
}

static const struct vm_operations_struct phxfs_vm_ops = {
	.open = phxfs_vm_open,
	.close = phxfs_vm_close,
	.fault = phxfs_vm_fault,
	.may_split = phxfs_vm_may_split,
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
	 * into a child by default; ->open revokes a copy MADV_DOFORK allows.
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
 * Insert the claimed pages into @vma; under m->lock, so that a revocation
 * waits until they are all in (and then zaps them). A fatal signal ends it:
 * inserting a whole BAR1 takes long.
 */
static int phxfs_insert_pages(struct phxfs_mapping *m,
			      struct vm_area_struct *vma)
{
	const struct phxfs_provider_ops *ops = m->pdev->ops;
	struct page *pages[PHXFS_INSERT_BATCH];
	unsigned long done = 0, n, i, left;
	int ret;

	lockdep_assert_held(&m->lock);
	m->inserted = true;
	while (done < m->nr_pages) {
		if (fatal_signal_pending(current))
			return -EINTR;
		n = min_t(unsigned long, m->nr_pages - done,
			  PHXFS_INSERT_BATCH);
		for (i = 0; i < n; i++)
			pages[i] = pfn_to_page(ops->pfn(m, done + i));

		/* Counted first: page_free may run as soon as one is in. */
		atomic_long_add(n, &m->users);
		/* On return @left counts the pages it did not insert. */
		left = n;
		ret = vm_insert_pages(vma, vma->vm_start + (done << PAGE_SHIFT),
				      pages, &left);
		for (i = 0; i < n - left; i++)
			phxfs_bar_page_mapped(pages[i], m);
		/* Never reaches zero here: this MAP still counts. */
		atomic_long_sub(left, &m->users);
		done += n - left;
		if (ret || left)
			return ret ?: -EFAULT;
		cond_resched();
	}
	return 0;
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

/*
 * The VMA PHXFS_IOC_MAP may fill: ours, this file's, starting at @addr, and
 * without a live mapping (one its owner unmapped lets go of it here).
 */
static struct vm_area_struct *phxfs_map_vma(struct phxfs_file *pf,
					    unsigned long addr)
{
	struct vm_area_struct *vma = vma_lookup(current->mm, addr);
	struct phxfs_mapping *old;

	if (!vma || vma->vm_start != addr || vma->vm_ops != &phxfs_vm_ops ||
	    vma->vm_file->private_data != pf)
		return ERR_PTR(-EINVAL);
	old = vma->vm_private_data;
	if (old) {
		if (!old->destroyed)
			return ERR_PTR(-EBUSY);
		vma->vm_private_data = NULL;
		old->vmas--;
		phxfs_mapping_put(old);
	}
	return vma;
}

static long phxfs_map_locked(struct phxfs_file *pf, struct phxfs_mapping *m,
			     unsigned long user_addr)
{
	struct vm_area_struct *vma;
	int ret;

	vma = phxfs_map_vma(pf, user_addr);
	if (IS_ERR(vma))
		return PTR_ERR(vma);
	if (m->nr_pages > vma_pages(vma) ||
	    phxfs_pgoff_in_use(pf, vma->vm_pgoff, vma_pages(vma)))
		return -EINVAL;
	/* No more rights through us than the memory's own mapping gives. */
	if (m->read_only && (vma->vm_flags & VM_MAYWRITE))
		return -EACCES;
	m->pgoff = vma->vm_pgoff;

	ret = phxfs_mapping_claim(m);
	if (ret)
		return ret;

	mutex_lock(&m->lock);
	/* The provider may have taken the memory back since it pinned it. */
	ret = m->revoked ? -EFAULT : phxfs_insert_pages(m, vma);
	if (!ret) {
		m->handle = ++pf->next_handle;
		list_add_tail(&m->node, &pf->mappings);
		kref_get(&m->ref);
		m->vmas = 1;
		kref_get(&m->ref);
		vma->vm_private_data = m;
		atomic64_inc(&pf->pdev->stats.map_calls);
	}
	mutex_unlock(&m->lock);
	return ret;
}

/**
 * phxfs_ioc_map() - PHXFS_IOC_MAP: pin device memory into a VMA of ours
 * @pf: the file
 * @arg: struct phxfs_map, kernel copy
 *
 * Return: 0 or a negative errno; on failure the VMA holds no device memory.
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
	kref_init(&m->ref);	/* the release work's */
	m->pf = pf;
	m->pdev = pdev;
	mutex_init(&m->lock);
	INIT_WORK(&m->release_work, phxfs_mapping_release);
	/* Its own use, and this MAP's: nothing releases it under our feet. */
	m->claim_held = true;
	atomic_long_set(&m->users, 2);
	m->dev_addr = req->dev_addr;
	m->length = req->length;

	/* Removal sets gone, then revokes each file's mappings. */
	down_read(&pdev->remove_sem);
	ret = -ENODEV;
	if (pdev->gone)
		goto err_free;
	ret = pdev->ops->pin(m);
	if (ret)
		goto err_free;

	/* From here on the release work undoes everything. */
	get_device(&pdev->dev);
	__module_get(THIS_MODULE);
	percpu_ref_get(&pdev->bar->pgmap.ref);
	atomic_long_inc(&pdev->bar->mappings);
	atomic64_inc(&pdev->stats.mappings);
	atomic64_add(m->length, &pdev->stats.pinned_bytes);

	mmap_read_lock(current->mm);
	mutex_lock(&pf->lock);
	ret = phxfs_map_locked(pf, m, req->user_addr);
	if (ret) {
		phxfs_mapping_give_up(m);
	} else {
		req->handle = m->handle;
		req->map_offset = m->map_offset;
	}
	mutex_unlock(&pf->lock);
	mmap_read_unlock(current->mm);
	up_read(&pdev->remove_sem);
	/* Not a word of @m after this: it may be released at once. */
	phxfs_mapping_unuse_sync(m);
	if (ret)
		atomic64_inc(&pdev->stats.errors);
	return ret;

err_free:
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
 * The VMA stays, empty (touching it raises SIGBUS), until munmap(); it may
 * be mapped again. Returns without waiting for other holders of the pages:
 * the memory goes back to its provider when the last of them lets go.
 *
 * Return: 0 or a negative errno.
 */
long phxfs_ioc_unmap(struct phxfs_file *pf, void *arg)
{
	struct phxfs_unmap *req = arg;
	struct phxfs_mapping *m;
	long ret = 0;

	if (req->flags || req->pad)
		return -EINVAL;

	mutex_lock(&pf->lock);
	m = phxfs_find_handle(pf, req->handle);
	if (m) {
		phxfs_mapping_destroy(m);
		atomic64_inc(&pf->pdev->stats.unmap_calls);
	} else {
		ret = -ENOENT;
		atomic64_inc(&pf->pdev->stats.errors);
	}
	mutex_unlock(&pf->lock);
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
 * @m: the mapping; its caller keeps it alive until this returns (the file's
 *     list holds it, or the provider's unpin waits for its own revocation)
 *
 * Zaps the PTEs, so that later accesses raise SIGBUS and new I/O on the
 * addresses fails with EFAULT, and drops the mapping's own use of the
 * memory. Does not wait for I/O in flight or other holders of the pages:
 * the release follows when they let go. Callable from a provider's
 * callback, under the provider's locks: it takes only the mapping's lock,
 * which only a MAP's insertion holds for long, and the file's i_mmap lock.
 */
void phxfs_mapping_revoke(struct phxfs_mapping *m)
{
	bool drop;

	mutex_lock(&m->lock);
	if (!m->revoked) {
		m->revoked = true;
		atomic64_inc(&m->pdev->stats.revoked);
	}
	/* Once destroyed the offsets may be another mapping's: no zap. */
	if (m->inserted && !m->destroyed)
		phxfs_mapping_zap(m);
	drop = phxfs_mapping_drop_claim(m);
	mutex_unlock(&m->lock);
	/* Never the release itself here: it would call into the provider. */
	if (drop)
		phxfs_mapping_unuse(m);
}

/**
 * phxfs_mapping_wait_unused() - wait, bounded, until no page is referenced
 * @m: a revoked mapping, kept alive by the caller
 * @timeout: in jiffies
 *
 * For a provider whose revocation must let DMA in flight complete. Holders
 * that keep pages longer (a pipe, an io_uring buffer) end the wait at
 * @timeout, not the provider's caller.
 *
 * Return: true if no page of @m is referenced any more.
 */
bool phxfs_mapping_wait_unused(struct phxfs_mapping *m, long timeout)
{
	return wait_var_event_timeout(&m->users, !atomic_long_read(&m->users),
				      timeout) > 0 ||
	       !atomic_long_read(&m->users);
}

/**
 * phxfs_revoke_file() - take device memory out of every mapping of a file
 * @pf: the file
 *
 * Used when the device goes away; the device's teardown then waits for the
 * release of each mapping (phxfs_bar_exit()).
 */
void phxfs_revoke_file(struct phxfs_file *pf)
{
	struct phxfs_mapping *m;

	mutex_lock(&pf->lock);
	list_for_each_entry(m, &pf->mappings, node)
		phxfs_mapping_revoke(m);
	mutex_unlock(&pf->lock);
}

/**
 * phxfs_map_wq_init() - the workqueue mappings are released on
 *
 * Return: 0 or -ENOMEM.
 */
int phxfs_map_wq_init(void)
{
	phxfs_release_wq = alloc_workqueue("phxfs_release", WQ_UNBOUND, 0);
	return phxfs_release_wq ? 0 : -ENOMEM;
}

/**
 * phxfs_map_wq_exit() - wait for releases still running, then free it
 *
 * Each mapping holds a module reference until its release has run, so
 * only the end of the last release's work function can be left.
 */
void phxfs_map_wq_exit(void)
{
	destroy_workqueue(phxfs_release_wq);
}
