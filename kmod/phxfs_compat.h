/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interfaces that differ between the kernels phoenix-fs builds for,
 * in one place. phxfs_features.h is generated at build time by
 * conftest.sh, which compiles a small probe per feature against the target
 * kernel's headers (HAVE_*): distributions backport, so version numbers
 * would lie.
 */
#ifndef PHXFS_COMPAT_H
#define PHXFS_COMPAT_H

#include <linux/mm.h>
#include <linux/memremap.h>

#include "phxfs_features.h"

/*
 * With CONFIG_PCI_P2PDMA the block layer maps P2PDMA pages through the
 * P2PDMA provider of their PCI device, which a hand-made pgmap does not
 * have, and GUP refuses them without FOLL_PCI_P2PDMA; the generic type
 * would map device memory write-back. Such kernels need the BAR registered
 * with pci_p2pdma_add_resource(): until then, refuse to build rather than
 * hand out pages that misbehave.
 */
#if IS_ENABLED(CONFIG_PCI_P2PDMA)
#error "phoenix-fs: kernels with CONFIG_PCI_P2PDMA are not supported yet"
#endif

#ifndef HAVE_PGMAP_RANGE
#error "phoenix-fs needs struct dev_pagemap with range and nr_range (Linux 5.10 or later)"
#endif
#if !defined(HAVE_ZAP_PAGE_RANGE_SINGLE) && !defined(HAVE_ZAP_PAGE_RANGE)
#error "phoenix-fs needs zap_page_range_single() or zap_page_range()"
#endif
#if !defined(HAVE_FOLLOW_PFNMAP_START) && !defined(HAVE_FOLLOW_PFN)
#error "phoenix-fs needs follow_pfnmap_start() or follow_pfn() to read PFN mappings"
#endif

/* Since 6.3 vma->vm_flags is read-only: only these helpers change it. */
static inline void phxfs_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#ifdef HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void phxfs_vm_flags_clear(struct vm_area_struct *vma,
					vm_flags_t flags)
{
#ifdef HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * The page frame behind @addr in a VM_IO/VM_PFNMAP mapping; the caller
 * holds the mmap lock. follow_pfn() went in 6.10; follow_pfnmap_start()
 * replaced it in 6.12.
 */
static inline int phxfs_follow_pfn(struct vm_area_struct *vma,
				   unsigned long addr, unsigned long *pfn)
{
#ifdef HAVE_FOLLOW_PFNMAP_START
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };
	int ret;

	ret = follow_pfnmap_start(&args);
	if (ret)
		return ret;
	*pfn = args.pfn;
	follow_pfnmap_end(&args);
	return 0;
#else
	return follow_pfn(vma, addr, pfn);
#endif
}

/*
 * Zap the PTEs of one VMA, whatever maps its file's offsets elsewhere.
 * zap_vma_ptes() would do nothing here: it serves VM_PFNMAP VMAs only.
 */
static inline void phxfs_zap_vma(struct vm_area_struct *vma)
{
#ifdef HAVE_ZAP_PAGE_RANGE_SINGLE
	zap_page_range_single(vma, vma->vm_start, vma->vm_end - vma->vm_start,
			      NULL);
#else
	zap_page_range(vma, vma->vm_start, vma->vm_end - vma->vm_start);
#endif
}

#endif /* PHXFS_COMPAT_H */
