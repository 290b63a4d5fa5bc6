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

#ifndef HAVE_PGMAP_RANGE
#error "phoenix-fs needs struct dev_pagemap with range and nr_range (Linux 5.10 or later)"
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

#endif /* PHXFS_COMPAT_H */
