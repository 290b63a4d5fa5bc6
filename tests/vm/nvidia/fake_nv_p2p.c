// SPDX-License-Identifier: GPL-2.0-only
/*
 * phxfs_fake_nvidia: a test double of the NVIDIA driver's peer-to-peer
 * interface, so that phoenix-fs's nvidia provider runs in the QEMU test bed,
 * which has no GPU. Test only: it exports the driver's symbols, so it must
 * never be loaded next to the real driver.
 *
 * It binds the ivshmem device and serves its BAR 2 as "GPU memory": CUDA
 * address va_base + off is BAR offset off, in 64 KiB GPU pages. Sysfs files
 * on the PCI device play the application: "VA LEN" written to free is
 * cudaFree() (page tables pinning any of it are taken back through their
 * free callbacks, as the driver does), written to alloc is a new cudaMalloc()
 * of the range; pinned and callbacks count live tables and callbacks fired.
 * Unbinding the device is the driver going away: every live table is taken
 * back the same way.
 *
 * Persistent tables (nvidia_p2p_get_pages_persistent(), data-centre GPUs;
 * module parameter persistent=0 models a GPU without them) have no
 * callback: memory the application frees stays the table's, so a new
 * cudaMalloc() overlapping it fails (EBUSY) until the caller puts the table.
 * The driver going away with one still pinned is the caller's bug: warned
 * about once, and the table freed. persistent_pinned counts them; pinned
 * counts both kinds.
 *
 * The symbols are GPL-only, as the current driver exports them: symbol_get(),
 * which phoenix-fs resolves them with, refuses any other since Linux 6.6 and
 * its stable backports (Debian's 6.1 included).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "phxfs_nv_p2p.h"

#define FAKE_NV_IVSHMEM_DEVICE	0x1110
#define FAKE_NV_BAR		2
#define FAKE_NV_PAGE_SHIFT	PHXFS_NV_GPU_PAGE_SHIFT
#define FAKE_NV_PAGE_SIZE	PHXFS_NV_GPU_PAGE_SIZE

static u64 va_base = 0x100000000000ULL;
module_param(va_base, ullong, 0444);
MODULE_PARM_DESC(va_base,
		 "CUDA address of BAR offset 0, 64 KiB aligned (default 0x100000000000)");

static bool persistent = true;
module_param(persistent, bool, 0444);
MODULE_PARM_DESC(persistent,
		 "Support persistent page tables (default 1); 0: nvidia_p2p_get_pages_persistent() fails with -ENOTSUPP");

/**
 * struct fake_nv_table - a page table nvidia_p2p_get_pages() or
 *	nvidia_p2p_get_pages_persistent() handed out
 * @node:	in fake_nv.tables while the caller owns it
 * @pt:		what the caller got
 * @entries:	the pages @pt.pages points to
 * @va:		CUDA address of the first GPU page
 * @length:	bytes pinned
 * @persistent:	from nvidia_p2p_get_pages_persistent(): never taken back
 * @free_callback: the caller's, called when the memory is taken back; NULL
 *	if @persistent
 * @data:	for @free_callback
 */
struct fake_nv_table {
	struct list_head node;
	struct nvidia_p2p_page_table pt;
	struct nvidia_p2p_page *entries;
	u64 va;
	u64 length;
	bool persistent;
	void (*free_callback)(void *data);
	void *data;
};

/**
 * struct fake_nv_gpu - the one "GPU": the ivshmem device while bound
 * @pci:	the device, or NULL while none is bound
 * @bar_start:	physical start of its BAR 2
 * @bar_len:	length of BAR 2
 * @freed:	a bit per GPU page the application freed
 * @tables:	live page tables
 * @callbacks:	free callbacks fired since the module loaded
 */
struct fake_nv_gpu {
	struct pci_dev *pci;
	phys_addr_t bar_start;
	u64 bar_len;
	unsigned long *freed;
	struct list_head tables;
	unsigned long callbacks;
};

static struct fake_nv_gpu fake_nv = {
	.tables = LIST_HEAD_INIT(fake_nv.tables),
};

/*
 * Protects fake_nv. Held across free callbacks: the driver calls them under
 * its own locks too, and that is what serialises them with put_pages.
 */
static DEFINE_MUTEX(fake_nv_lock);

/* BAR offset of [va, va + length): whole GPU pages inside the BAR. */
static int fake_nv_range(u64 va, u64 length, u64 *off)
{
	lockdep_assert_held(&fake_nv_lock);
	if (!fake_nv.pci || !length ||
	    !IS_ALIGNED(va | length, FAKE_NV_PAGE_SIZE) || va < va_base ||
	    va - va_base >= fake_nv.bar_len ||
	    length > fake_nv.bar_len - (va - va_base))
		return -EINVAL;
	*off = va - va_base;
	return 0;
}

static void fake_nv_free_table(struct fake_nv_table *t)
{
	if (!t)
		return;
	kvfree(t->pt.pages);
	kvfree(t->entries);
	kfree(t);
}

static struct fake_nv_table *fake_nv_alloc_table(unsigned long n)
{
	struct fake_nv_table *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	/* Up to the whole BAR: 32768 entries for 2 GiB. */
	t->pt.pages = kvmalloc_array(n, sizeof(*t->pt.pages), GFP_KERNEL);
	t->entries = kvcalloc(n, sizeof(*t->entries), GFP_KERNEL);
	if (!t->pt.pages || !t->entries) {
		fake_nv_free_table(t);
		return NULL;
	}
	return t;
}

/* The memory goes back to the application: tell the table's owner. */
static void fake_nv_take_back(struct fake_nv_table *t)
{
	lockdep_assert_held(&fake_nv_lock);
	list_del(&t->node);
	t->free_callback(t->data);
	fake_nv.callbacks++;
	/* The current driver frees the table itself once the callback returned. */
	fake_nv_free_table(t);
}

/* Pin [va, va + length) of live memory into a new table on fake_nv.tables. */
static int fake_nv_pin(u64 va, u64 length,
		       struct nvidia_p2p_page_table **page_table,
		       bool is_persistent, void (*free_callback)(void *data),
		       void *data)
{
	struct fake_nv_table *t;
	unsigned long first, n, i;
	u64 off;
	int ret;

	mutex_lock(&fake_nv_lock);
	ret = fake_nv_range(va, length, &off);
	if (ret)
		goto out;
	first = off >> FAKE_NV_PAGE_SHIFT;
	n = length >> FAKE_NV_PAGE_SHIFT;
	if (find_next_bit(fake_nv.freed, first + n, first) < first + n) {
		ret = -EINVAL;
		goto out;
	}
	t = fake_nv_alloc_table(n);
	if (!t) {
		ret = -ENOMEM;
		goto out;
	}
	t->pt.version = NVIDIA_P2P_PAGE_TABLE_VERSION;
	t->pt.page_size = NVIDIA_P2P_PAGE_SIZE_64KB;
	t->pt.entries = n;
	for (i = 0; i < n; i++) {
		t->entries[i].physical_address = fake_nv.bar_start + off +
			((u64)i << FAKE_NV_PAGE_SHIFT);
		t->pt.pages[i] = &t->entries[i];
	}
	t->va = va;
	t->length = length;
	t->persistent = is_persistent;
	t->free_callback = free_callback;
	t->data = data;
	list_add_tail(&t->node, &fake_nv.tables);
	/* Before a free can take it back: the caller never sees a stale one. */
	*page_table = &t->pt;
out:
	mutex_unlock(&fake_nv_lock);
	return ret;
}

/* The live table @pt pinned at @va, or NULL. */
static struct fake_nv_table *fake_nv_find(u64 va,
					  struct nvidia_p2p_page_table *pt)
{
	struct fake_nv_table *t;

	lockdep_assert_held(&fake_nv_lock);
	list_for_each_entry(t, &fake_nv.tables, node) {
		if (&t->pt == pt && t->va == va)
			return t;
	}
	return NULL;
}

/* Whether a persistent table pins any of [va, va + length). */
static bool fake_nv_pinned_persistently(u64 va, u64 length)
{
	struct fake_nv_table *t;

	lockdep_assert_held(&fake_nv_lock);
	list_for_each_entry(t, &fake_nv.tables, node) {
		if (t->persistent && t->va < va + length &&
		    va < t->va + t->length)
			return true;
	}
	return false;
}

/**
 * nvidia_p2p_get_pages() - pin GPU memory for peer-to-peer DMA
 * @p2p_token: unused, as with the current driver
 * @va_space: unused, as with the current driver
 * @virtual_address: CUDA address, 64 KiB aligned
 * @length: bytes, a non-zero multiple of 64 KiB
 * @page_table: out: the bus address of each 64 KiB page
 * @free_callback: called with @data when the application frees the memory
 *	or the GPU goes away; the table is the driver's again afterwards
 * @data: for @free_callback
 *
 * Return: 0, -EINVAL for a range that is not live memory of the GPU, or
 * -ENOMEM.
 */
int nvidia_p2p_get_pages(u64 p2p_token, u32 va_space, u64 virtual_address,
			 u64 length, struct nvidia_p2p_page_table **page_table,
			 void (*free_callback)(void *data), void *data)
{
	if (!page_table || !free_callback)
		return -EINVAL;
	return fake_nv_pin(virtual_address, length, page_table, false,
			   free_callback, data);
}
EXPORT_SYMBOL_GPL(nvidia_p2p_get_pages);

/**
 * nvidia_p2p_put_pages() - unpin what nvidia_p2p_get_pages() pinned
 * @p2p_token: unused
 * @va_space: unused
 * @virtual_address: the address the table was pinned at
 * @page_table: the table
 *
 * A table its free callback already took back is not touched. A persistent
 * table is refused and stays pinned: the caller unpinned it the wrong way.
 *
 * Return: 0, as the current driver does in both cases; -EINVAL for a
 * persistent table.
 */
int nvidia_p2p_put_pages(u64 p2p_token, u32 va_space, u64 virtual_address,
			 struct nvidia_p2p_page_table *page_table)
{
	struct fake_nv_table *found;

	mutex_lock(&fake_nv_lock);
	found = fake_nv_find(virtual_address, page_table);
	if (found && found->persistent) {
		mutex_unlock(&fake_nv_lock);
		pr_err("%s(%#llx) of a persistent page table\n", __func__,
		       virtual_address);
		return -EINVAL;
	}
	if (found)
		list_del(&found->node);
	mutex_unlock(&fake_nv_lock);
	fake_nv_free_table(found);
	return 0;
}
EXPORT_SYMBOL_GPL(nvidia_p2p_put_pages);

/**
 * nvidia_p2p_get_pages_persistent() - pin GPU memory for good
 * @virtual_address: CUDA address, 64 KiB aligned
 * @length: bytes, a non-zero multiple of 64 KiB
 * @page_table: out: the bus address of each 64 KiB page
 * @flags: must be 0
 *
 * No free callback: memory the application frees stays the table's, and
 * no new allocation gets it, until nvidia_p2p_put_pages_persistent().
 *
 * Return: 0, -ENOTSUPP where persistent pins are not supported (module
 * parameter persistent=0), -EINVAL for bad @flags or a range that is not
 * live memory of the GPU, or -ENOMEM.
 */
int nvidia_p2p_get_pages_persistent(u64 virtual_address, u64 length,
				    struct nvidia_p2p_page_table **page_table,
				    u32 flags)
{
	if (!page_table || flags)
		return -EINVAL;
	if (!persistent)
		return -ENOTSUPP;
	return fake_nv_pin(virtual_address, length, page_table, true, NULL,
			   NULL);
}
EXPORT_SYMBOL_GPL(nvidia_p2p_get_pages_persistent);

/**
 * nvidia_p2p_put_pages_persistent() - unpin a persistent table
 * @virtual_address: the address the table was pinned at
 * @page_table: the table nvidia_p2p_get_pages_persistent() returned
 * @flags: must be 0
 *
 * Freed memory the table pinned can then be allocated again.
 *
 * Return: 0, or -EINVAL for bad @flags or a table that is not a live
 * persistent one.
 */
int nvidia_p2p_put_pages_persistent(u64 virtual_address,
				    struct nvidia_p2p_page_table *page_table,
				    u32 flags)
{
	struct fake_nv_table *found;

	if (flags)
		return -EINVAL;
	mutex_lock(&fake_nv_lock);
	found = fake_nv_find(virtual_address, page_table);
	if (found && found->persistent)
		list_del(&found->node);
	else
		found = NULL;
	mutex_unlock(&fake_nv_lock);
	if (!found) {
		pr_err("%s(%#llx) of no persistent page table\n", __func__,
		       virtual_address);
		return -EINVAL;
	}
	fake_nv_free_table(found);
	return 0;
}
EXPORT_SYMBOL_GPL(nvidia_p2p_put_pages_persistent);

/**
 * nvidia_p2p_free_page_table() - free a table inside a free callback
 * @page_table: the table
 *
 * Older drivers let the callback free the table; the current one frees it
 * itself once the callback has returned, which this double models.
 *
 * Return: 0.
 */
int nvidia_p2p_free_page_table(struct nvidia_p2p_page_table *page_table)
{
	return 0;
}
EXPORT_SYMBOL_GPL(nvidia_p2p_free_page_table);

/* "VA LEN": two numbers, hexadecimal (0x...) or decimal. */
static int fake_nv_parse(const char *buf, u64 *va, u64 *length)
{
	char a[24], b[24];
	int end = 0;

	/* 22 characters hold any u64; longer tokens are split by %23s. */
	if (sscanf(buf, "%23s %23s %n", a, b, &end) != 2 || buf[end] ||
	    strlen(a) > 22 || strlen(b) > 22)
		return -EINVAL;
	if (kstrtou64(a, 0, va) || kstrtou64(b, 0, length))
		return -EINVAL;
	return 0;
}

static ssize_t free_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct fake_nv_table *t, *tmp;
	u64 va, length, off;
	int ret;

	ret = fake_nv_parse(buf, &va, &length);
	if (ret)
		return ret;
	mutex_lock(&fake_nv_lock);
	ret = fake_nv_range(va, length, &off);
	if (ret)
		goto out;
	bitmap_set(fake_nv.freed, off >> FAKE_NV_PAGE_SHIFT,
		   length >> FAKE_NV_PAGE_SHIFT);
	/* Persistent tables keep their memory: alloc refuses it meanwhile. */
	list_for_each_entry_safe(t, tmp, &fake_nv.tables, node) {
		if (!t->persistent && t->va < va + length &&
		    va < t->va + t->length)
			fake_nv_take_back(t);
	}
out:
	mutex_unlock(&fake_nv_lock);
	return ret ?: count;
}
static DEVICE_ATTR_WO(free);

static ssize_t alloc_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	u64 va, length, off;
	int ret;

	ret = fake_nv_parse(buf, &va, &length);
	if (ret)
		return ret;
	mutex_lock(&fake_nv_lock);
	ret = fake_nv_range(va, length, &off);
	/* The new owner cannot get memory a persistent table still pins. */
	if (!ret && fake_nv_pinned_persistently(va, length))
		ret = -EBUSY;
	if (!ret)
		bitmap_clear(fake_nv.freed, off >> FAKE_NV_PAGE_SHIFT,
			     length >> FAKE_NV_PAGE_SHIFT);
	mutex_unlock(&fake_nv_lock);
	return ret ?: count;
}
static DEVICE_ATTR_WO(alloc);

/* Live tables; only the persistent ones if @persistent_only. */
static unsigned long fake_nv_count_tables(bool persistent_only)
{
	struct fake_nv_table *t;
	unsigned long n = 0;

	mutex_lock(&fake_nv_lock);
	list_for_each_entry(t, &fake_nv.tables, node)
		if (t->persistent || !persistent_only)
			n++;
	mutex_unlock(&fake_nv_lock);
	return n;
}

static ssize_t pinned_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%lu\n", fake_nv_count_tables(false));
}
static DEVICE_ATTR_RO(pinned);

static ssize_t persistent_pinned_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", fake_nv_count_tables(true));
}
static DEVICE_ATTR_RO(persistent_pinned);

static ssize_t callbacks_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	unsigned long n;

	mutex_lock(&fake_nv_lock);
	n = fake_nv.callbacks;
	mutex_unlock(&fake_nv_lock);
	return sysfs_emit(buf, "%lu\n", n);
}
static DEVICE_ATTR_RO(callbacks);

static struct attribute *fake_nv_attrs[] = {
	&dev_attr_free.attr,
	&dev_attr_alloc.attr,
	&dev_attr_pinned.attr,
	&dev_attr_persistent_pinned.attr,
	&dev_attr_callbacks.attr,
	NULL
};
ATTRIBUTE_GROUPS(fake_nv);

static int fake_nv_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
	resource_size_t len = pci_resource_len(pci, FAKE_NV_BAR);
	unsigned long *freed;
	int ret;

	if (!(pci_resource_flags(pci, FAKE_NV_BAR) & IORESOURCE_MEM) ||
	    !len || !IS_ALIGNED(len, FAKE_NV_PAGE_SIZE) ||
	    len > U64_MAX - va_base) {
		pci_err(pci, "BAR %d cannot stand in for GPU memory\n",
			FAKE_NV_BAR);
		return -EINVAL;
	}
	/* Peers DMA into the BAR: it must decode for as long as it is bound. */
	ret = pcim_enable_device(pci);
	if (ret)
		return ret;
	freed = kvcalloc(BITS_TO_LONGS(len >> FAKE_NV_PAGE_SHIFT),
			 sizeof(*freed), GFP_KERNEL);
	if (!freed)
		return -ENOMEM;

	mutex_lock(&fake_nv_lock);
	if (fake_nv.pci) {
		mutex_unlock(&fake_nv_lock);
		kvfree(freed);
		return -EBUSY;
	}
	fake_nv.pci = pci;
	fake_nv.bar_start = pci_resource_start(pci, FAKE_NV_BAR);
	fake_nv.bar_len = len;
	fake_nv.freed = freed;
	mutex_unlock(&fake_nv_lock);
	pci_info(pci, "test double of an NVIDIA GPU: BAR %d, %llu MiB, at CUDA address %#llx\n",
		 FAKE_NV_BAR, (u64)len >> 20, va_base);
	return 0;
}

/*
 * The driver going away takes back every table still pinned. A persistent
 * one has no callback to tell its owner: that the owner left it pinned is
 * its bug, reported once.
 */
static void fake_nv_remove(struct pci_dev *pci)
{
	struct fake_nv_table *t, *tmp;
	unsigned long leaked = 0;

	mutex_lock(&fake_nv_lock);
	list_for_each_entry_safe(t, tmp, &fake_nv.tables, node) {
		if (!t->persistent) {
			fake_nv_take_back(t);
			continue;
		}
		list_del(&t->node);
		fake_nv_free_table(t);
		leaked++;
	}
	WARN_ONCE(leaked, KBUILD_MODNAME ": device removed with %lu persistent page table(s) still pinned\n",
		  leaked);
	kvfree(fake_nv.freed);
	fake_nv.freed = NULL;
	fake_nv.pci = NULL;
	mutex_unlock(&fake_nv_lock);
}

static const struct pci_device_id fake_nv_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, FAKE_NV_IVSHMEM_DEVICE) },
	{ }
};

static struct pci_driver fake_nv_driver = {
	.name = KBUILD_MODNAME,
	.id_table = fake_nv_ids,
	.probe = fake_nv_probe,
	.remove = fake_nv_remove,
	.dev_groups = fake_nv_groups,
};

static int __init fake_nv_init(void)
{
	if (!IS_ALIGNED(va_base, FAKE_NV_PAGE_SIZE)) {
		pr_err("va_base %#llx is not 64 KiB aligned\n", va_base);
		return -EINVAL;
	}
	return pci_register_driver(&fake_nv_driver);
}

static void __exit fake_nv_exit(void)
{
	pci_unregister_driver(&fake_nv_driver);
}

module_init(fake_nv_init);
module_exit(fake_nv_exit);

MODULE_DESCRIPTION("phoenix-fs test double of the NVIDIA driver's nvidia_p2p_* interface over an ivshmem BAR; test only");
MODULE_LICENSE("GPL");
