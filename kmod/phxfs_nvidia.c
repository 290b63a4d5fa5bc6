// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nvidia provider: GPU memory named by its CUDA address, pinned with
 * nvidia_p2p_get_pages() and backed by ZONE_DEVICE pages over the GPU's
 * memory BAR (BAR 1, or what nvidia_bar names).
 *
 * The driver's nvidia_p2p_* symbols are resolved when the module loads
 * (symbol_get), so phoenix-fs loads, and serves other providers, on
 * machines without the NVIDIA driver; load that driver first to use GPUs.
 *
 * Pins are persistent where the driver and GPU support it (data-centre
 * GPUs): nothing then takes the memory back behind the module, and it is
 * unpinned once no page of it is referenced any more (phxfs_pages.c).
 * Elsewhere the non-persistent call is used: freeing GPU memory before
 * deregistering it makes the driver call phxfs_nv_free_callback(), under
 * its own locks. The callback revokes the mapping, serialised with its
 * insertion by the mapping's lock, and lets DMA in flight complete, as the
 * driver's contract asks, but waits at most PHXFS_NV_DMA_WAIT for it: a
 * holder that keeps pages longer (a pipe, an io_uring buffer) must not
 * stall the driver. The driver takes the memory back when it returns,
 * such a holder included, which is why persistent pins are preferred.
 *
 * Only GPUs bound to the driver that exports these calls (nvidia_driver)
 * are served: not one handed to vfio-pci or nouveau.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "phxfs_internal.h"
#include "phxfs_nv_p2p.h"

#define PHXFS_NV_MAX_GPUS	16
/* How long a free callback lets DMA in flight on the memory complete. */
#define PHXFS_NV_DMA_WAIT	(2 * HZ)
#define PHXFS_NV_PAGES_PER_GPU_PAGE \
	(1UL << (PHXFS_NV_GPU_PAGE_SHIFT - PAGE_SHIFT))

static char *nvidia_driver = "nvidia";
module_param(nvidia_driver, charp, 0444);
MODULE_PARM_DESC(nvidia_driver,
		 "Name of the PCI driver whose GPUs are served: the one exporting nvidia_p2p_get_pages (default nvidia)");

static char *nvidia_bar;
module_param(nvidia_bar, charp, 0444);
MODULE_PARM_DESC(nvidia_bar,
		 "GPU memory BARs to serve instead of BAR 1 of every NVIDIA GPU, as DOMAIN:BUS:DEV.FN/BAR[,...]");

/* The driver's entry points, resolved at load time. */
static struct {
	int (*get_pages)(u64 p2p_token, u32 va_space, u64 virtual_address,
			 u64 length, struct nvidia_p2p_page_table **page_table,
			 void (*free_callback)(void *data), void *data);
	int (*put_pages)(u64 p2p_token, u32 va_space, u64 virtual_address,
			 struct nvidia_p2p_page_table *page_table);
	int (*free_page_table)(struct nvidia_p2p_page_table *page_table);
	/* Optional: drivers before 465 and some GPUs have no persistent pins. */
	int (*get_pages_persistent)(u64 virtual_address, u64 length,
				    struct nvidia_p2p_page_table **page_table,
				    u32 flags);
	int (*put_pages_persistent)(u64 virtual_address,
				    struct nvidia_p2p_page_table *page_table,
				    u32 flags);
} nv;

/**
 * struct phxfs_nv_gpu - one GPU served
 * @node:	in phxfs_nv_gpus
 * @pci:	the GPU, referenced
 * @bar:	struct pages over its memory BAR
 * @pdev:	its /dev/phxfs_devN
 * @no_persistent: the driver refused a persistent pin on it (-ENOTSUPP)
 */
struct phxfs_nv_gpu {
	struct list_head node;
	struct pci_dev *pci;
	struct phxfs_bar bar;
	struct phxfs_dev *pdev;
	bool no_persistent;
};

static LIST_HEAD(phxfs_nv_gpus);
static DEFINE_MUTEX(phxfs_nv_lock);	/* protects phxfs_nv_gpus */
static bool phxfs_nv_notifier_registered;
static struct phxfs_bar_slot phxfs_nv_slots[PHXFS_NV_MAX_GPUS];
static int phxfs_nv_nr_slots;

/**
 * struct phxfs_nv_pin - GPU memory pinned for one mapping
 * @m:		the mapping
 * @va:		CUDA address of the first GPU page
 * @pt:		the driver's page table; the driver's again once @freed
 * @pfns:	first page frame of each GPU page, copied from @pt so that
 *		nothing reads @pt after pinning
 * @persistent:	pinned with nvidia_p2p_get_pages_persistent(): no callback
 * @table_lock:	protects @freed; held while @pt is read
 * @freed:	the driver called the free callback
 * @callback_done: the free callback has returned
 */
struct phxfs_nv_pin {
	struct phxfs_mapping *m;
	u64 va;
	struct nvidia_p2p_page_table *pt;
	unsigned long *pfns;
	bool persistent;
	struct mutex table_lock;	/* protects freed */
	bool freed;
	struct completion callback_done;
};

/*
 * Under the driver's locks: takes only the pin's and the mapping's locks,
 * and waits for a MAP's insertion in progress and, bounded, for DMA.
 */
static void phxfs_nv_free_callback(void *data)
{
	struct phxfs_nv_pin *pin = data;
	struct nvidia_p2p_page_table *pt;

	mutex_lock(&pin->table_lock);
	pin->freed = true;
	pt = pin->pt;
	mutex_unlock(&pin->table_lock);

	phxfs_mapping_revoke(pin->m);
	if (!phxfs_mapping_wait_unused(pin->m, PHXFS_NV_DMA_WAIT))
		pr_warn_ratelimited("GPU memory at %#llx freed while its pages are still referenced (a pipe, an io_uring or RDMA registration?): the driver takes it back regardless\n",
				    pin->va);
	/* Frees the table on older drivers; a no-op on current ones. */
	nv.free_page_table(pt);
	complete(&pin->callback_done);
}

/* Copy the bus addresses out, checking they are this GPU's 64 KiB pages. */
static int phxfs_nv_read_table(struct phxfs_nv_gpu *gpu,
			       struct phxfs_nv_pin *pin, unsigned long n)
{
	const struct nvidia_p2p_page_table *pt = pin->pt;
	struct phxfs_bar *bar = &gpu->bar;
	unsigned long i, pfn;

	if (!phxfs_nv_page_table_compatible(pt->version) ||
	    pt->page_size != NVIDIA_P2P_PAGE_SIZE_64KB || pt->entries != n) {
		dev_err_ratelimited(&gpu->pci->dev, "nvidia_p2p page table version %#x, page size type %u, %u entries: expected %#x, 64 KiB, %lu\n",
				    pt->version, pt->page_size, pt->entries,
				    NVIDIA_P2P_PAGE_TABLE_VERSION, n);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		u64 addr = pt->pages[i]->physical_address;

		pfn = PHYS_PFN(addr);
		if (!IS_ALIGNED(addr, PHXFS_NV_GPU_PAGE_SIZE) ||
		    pfn < bar->base_pfn ||
		    pfn - bar->base_pfn >
		    bar->nr_pages - PHXFS_NV_PAGES_PER_GPU_PAGE) {
			/* Most likely memory of another GPU than this node's. */
			dev_err_ratelimited(&gpu->pci->dev, "GPU page at %#llx is outside this GPU's memory BAR\n",
					    addr);
			return -EINVAL;
		}
		pin->pfns[i] = pfn;
	}
	return 0;
}

static void phxfs_nv_release(struct phxfs_nv_pin *pin)
{
	bool freed;
	int ret;

	mutex_lock(&pin->table_lock);
	freed = pin->freed;
	mutex_unlock(&pin->table_lock);

	if (pin->persistent) {
		ret = nv.put_pages_persistent(pin->va, pin->pt, 0);
		if (ret)
			pr_warn_ratelimited("nvidia_p2p_put_pages_persistent(%#llx): %d\n",
					    pin->va, ret);
	} else if (freed) {
		wait_for_completion(&pin->callback_done);
	} else {
		ret = nv.put_pages(0, 0, pin->va, pin->pt);
		if (ret)
			pr_warn_ratelimited("nvidia_p2p_put_pages(%#llx): %d\n",
					    pin->va, ret);
	}
	kvfree(pin->pfns);
	kfree(pin);
}

/* The range is widened to whole GPU pages; the driver checks it is ours. */
static int phxfs_nv_pin(struct phxfs_mapping *m)
{
	struct phxfs_nv_gpu *gpu = m->pf->pdev->provider_data;
	struct phxfs_nv_pin *pin;
	unsigned long n;
	u64 va, end;
	int ret;

	if (check_add_overflow(m->dev_addr, m->length, &end) ||
	    end > U64_MAX - PHXFS_NV_GPU_PAGE_SIZE)
		return -EINVAL;
	va = round_down(m->dev_addr, PHXFS_NV_GPU_PAGE_SIZE);
	end = round_up(end, PHXFS_NV_GPU_PAGE_SIZE);
	if (end - va > (u64)gpu->bar.nr_pages << PAGE_SHIFT)
		return -EINVAL;
	n = (end - va) >> PHXFS_NV_GPU_PAGE_SHIFT;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	pin->pfns = kvmalloc_array(n, sizeof(*pin->pfns), GFP_KERNEL);
	if (!pin->pfns) {
		kfree(pin);
		return -ENOMEM;
	}
	pin->m = m;
	pin->va = va;
	mutex_init(&pin->table_lock);
	init_completion(&pin->callback_done);

	ret = -ENOTSUPP;
	if (nv.get_pages_persistent && !READ_ONCE(gpu->no_persistent)) {
		ret = nv.get_pages_persistent(va, end - va, &pin->pt, 0);
		pin->persistent = !ret;
		if (ret == -ENOTSUPP || ret == -EOPNOTSUPP) {
			dev_info_once(&gpu->pci->dev, "nvidia: no persistent pins on this GPU: freeing registered memory revokes its mapping\n");
			WRITE_ONCE(gpu->no_persistent, true);
		}
	}
	if (ret)
		ret = nv.get_pages(0, 0, va, end - va, &pin->pt,
				   phxfs_nv_free_callback, pin);
	if (ret) {
		kvfree(pin->pfns);
		kfree(pin);
		/* Not memory the driver can pin (host memory, say): EINVAL. */
		return ret == -ENOTSUPP ? -EOPNOTSUPP : ret;
	}

	mutex_lock(&pin->table_lock);
	ret = pin->freed ? -EFAULT : phxfs_nv_read_table(gpu, pin, n);
	mutex_unlock(&pin->table_lock);
	if (ret) {
		phxfs_nv_release(pin);
		return ret;
	}
	m->provider_data = pin;
	m->nr_pages = n * PHXFS_NV_PAGES_PER_GPU_PAGE;
	m->map_offset = m->dev_addr - va;
	return 0;
}

static unsigned long phxfs_nv_pfn(struct phxfs_mapping *m, unsigned long idx)
{
	struct phxfs_nv_pin *pin = m->provider_data;

	return pin->pfns[idx / PHXFS_NV_PAGES_PER_GPU_PAGE] +
	       idx % PHXFS_NV_PAGES_PER_GPU_PAGE;
}

static void phxfs_nv_unpin(struct phxfs_mapping *m)
{
	phxfs_nv_release(m->provider_data);
}

static const struct phxfs_provider_ops phxfs_nv_ops = {
	.pin = phxfs_nv_pin,
	.pfn = phxfs_nv_pfn,
	.unpin = phxfs_nv_unpin,
};

static void phxfs_nv_remove_gpu(struct phxfs_nv_gpu *gpu)
{
	lockdep_assert_held(&phxfs_nv_lock);
	list_del(&gpu->node);
	phxfs_dev_unregister(gpu->pdev);
	phxfs_bar_exit(&gpu->bar);
	pci_dev_put(gpu->pci);
	kfree(gpu);
}

static int phxfs_nv_add_gpu(struct pci_dev *pci, int bar)
{
	struct phxfs_dev_desc desc = {};
	struct phxfs_nv_gpu *gpu;
	int ret;

	lockdep_assert_held(&phxfs_nv_lock);
	if (!(pci_resource_flags(pci, bar) & IORESOURCE_MEM) ||
	    !pci_resource_len(pci, bar)) {
		pci_err(pci, "nvidia: BAR %d is not a memory BAR\n", bar);
		return -EINVAL;
	}
	gpu = kzalloc(sizeof(*gpu), GFP_KERNEL);
	if (!gpu)
		return -ENOMEM;
	ret = phxfs_bar_init(&pci->dev, &gpu->bar,
			     pci_resource_start(pci, bar),
			     pci_resource_len(pci, bar));
	if (ret)
		goto err_free;

	desc.parent = &pci->dev;
	desc.ops = &phxfs_nv_ops;
	desc.bar = &gpu->bar;
	desc.provider = PHXFS_PROVIDER_NVIDIA;
	desc.page_shift = PHXFS_NV_GPU_PAGE_SHIFT;
	desc.mem_size = pci_resource_len(pci, bar);
	desc.bus_addr = pci_bus_address(pci, bar);
	desc.name = pci_name(pci);
	desc.provider_data = gpu;
	/* Before the node goes live: a MAP's messages name the GPU. */
	gpu->pci = pci_dev_get(pci);
	gpu->pdev = phxfs_dev_register(&desc);
	if (IS_ERR(gpu->pdev)) {
		ret = PTR_ERR(gpu->pdev);
		pci_err(pci, "nvidia: cannot create the device node: %d\n",
			ret);
		goto err_bar;
	}
	list_add_tail(&gpu->node, &phxfs_nv_gpus);
	return 0;

err_bar:
	pci_dev_put(gpu->pci);
	phxfs_bar_exit(&gpu->bar);
err_free:
	kfree(gpu);
	return ret;
}

/*
 * The memory BAR to serve of @pci, or -1 if it is not a GPU we serve: one
 * bound to the driver that pins its memory, not to vfio-pci or nouveau.
 */
static int phxfs_nv_gpu_bar(struct pci_dev *pci)
{
	const struct phxfs_bar_slot *slot;

	if (!pci->dev.driver || strcmp(pci->dev.driver->name, nvidia_driver))
		return -1;
	if (phxfs_nv_nr_slots) {
		slot = phxfs_find_bar_slot(phxfs_nv_slots, phxfs_nv_nr_slots,
					   pci);
		return slot ? slot->bar : -1;
	}
	if (pci->vendor == PCI_VENDOR_ID_NVIDIA &&
	    (pci->class >> 8 == PCI_CLASS_DISPLAY_VGA ||
	     pci->class >> 8 == PCI_CLASS_DISPLAY_3D))
		return 1;
	return -1;
}

static struct phxfs_nv_gpu *phxfs_nv_find_gpu(struct pci_dev *pci)
{
	struct phxfs_nv_gpu *gpu;

	list_for_each_entry(gpu, &phxfs_nv_gpus, node)
		if (gpu->pci == pci)
			return gpu;
	return NULL;
}

/*
 * A GPU's driver leaving: revoke everything before it does. A driver
 * binding (again): serve the GPU (again).
 */
static int phxfs_nv_bus_notify(struct notifier_block *nb,
			       unsigned long action, void *data)
{
	struct pci_dev *pci = to_pci_dev(data);
	struct phxfs_nv_gpu *gpu;
	int bar;

	mutex_lock(&phxfs_nv_lock);
	gpu = phxfs_nv_find_gpu(pci);
	switch (action) {
	case BUS_NOTIFY_UNBIND_DRIVER:
	case BUS_NOTIFY_DEL_DEVICE:
		if (gpu) {
			pci_info(pci, "nvidia: GPU driver leaving, mappings revoked\n");
			phxfs_nv_remove_gpu(gpu);
		}
		break;
	case BUS_NOTIFY_BOUND_DRIVER:
		bar = phxfs_nv_gpu_bar(pci);
		if (!gpu && bar >= 0)
			phxfs_nv_add_gpu(pci, bar);
		break;
	}
	mutex_unlock(&phxfs_nv_lock);
	return NOTIFY_DONE;
}

static struct notifier_block phxfs_nv_bus_nb = {
	.notifier_call = phxfs_nv_bus_notify,
};

static void phxfs_nv_put_symbols(void)
{
	if (nv.get_pages)
		symbol_put(nvidia_p2p_get_pages);
	if (nv.put_pages)
		symbol_put(nvidia_p2p_put_pages);
	if (nv.free_page_table)
		symbol_put(nvidia_p2p_free_page_table);
	if (nv.get_pages_persistent)
		symbol_put(nvidia_p2p_get_pages_persistent);
	if (nv.put_pages_persistent)
		symbol_put(nvidia_p2p_put_pages_persistent);
	memset(&nv, 0, sizeof(nv));
}

/* Every GPU named by nvidia_bar, else BAR 1 of every NVIDIA GPU. */
static void phxfs_nv_add_gpus(void)
{
	struct pci_dev *pci = NULL;
	int bar;

	mutex_lock(&phxfs_nv_lock);
	for_each_pci_dev(pci) {
		bar = phxfs_nv_gpu_bar(pci);
		if (bar >= 0)
			phxfs_nv_add_gpu(pci, bar);
	}
	mutex_unlock(&phxfs_nv_lock);
}

/**
 * phxfs_nvidia_init() - serve the GPUs, if the NVIDIA driver is loaded
 *
 * Return: 0 (also without the driver, unless nvidia_bar asks for GPUs) or
 * a negative errno.
 */
int phxfs_nvidia_init(void)
{
	int ret;

	ret = phxfs_parse_bar_list("nvidia_bar", nvidia_bar, phxfs_nv_slots,
				   PHXFS_NV_MAX_GPUS);
	if (ret < 0)
		return ret;
	phxfs_nv_nr_slots = ret;

	nv.get_pages = symbol_get(nvidia_p2p_get_pages);
	nv.put_pages = symbol_get(nvidia_p2p_put_pages);
	nv.free_page_table = symbol_get(nvidia_p2p_free_page_table);
	if (!nv.get_pages || !nv.put_pages || !nv.free_page_table) {
		phxfs_nv_put_symbols();
		if (!phxfs_nv_nr_slots)
			return 0;
		/* symbol_get() takes only GPL-only exports since 6.6 (and 6.1.y). */
		pr_err("nvidia_bar is set but nvidia_p2p_get_pages and friends cannot be resolved: load the NVIDIA driver first (one that exports them GPL-only)\n");
		return -ENOENT;
	}
	nv.get_pages_persistent = symbol_get(nvidia_p2p_get_pages_persistent);
	nv.put_pages_persistent = symbol_get(nvidia_p2p_put_pages_persistent);
	if (!nv.get_pages_persistent || !nv.put_pages_persistent) {
		if (nv.get_pages_persistent)
			symbol_put(nvidia_p2p_get_pages_persistent);
		if (nv.put_pages_persistent)
			symbol_put(nvidia_p2p_put_pages_persistent);
		nv.get_pages_persistent = NULL;
		nv.put_pages_persistent = NULL;
		pr_info("nvidia: the driver has no persistent pins: freeing registered memory revokes its mapping\n");
	}

	ret = bus_register_notifier(&pci_bus_type, &phxfs_nv_bus_nb);
	if (ret) {
		phxfs_nv_put_symbols();
		return ret;
	}
	phxfs_nv_notifier_registered = true;
	phxfs_nv_add_gpus();
	return 0;
}

/**
 * phxfs_nvidia_exit() - stop serving GPUs and let go of the driver
 */
void phxfs_nvidia_exit(void)
{
	struct phxfs_nv_gpu *gpu, *tmp;

	if (phxfs_nv_notifier_registered)
		bus_unregister_notifier(&pci_bus_type, &phxfs_nv_bus_nb);
	phxfs_nv_notifier_registered = false;
	mutex_lock(&phxfs_nv_lock);
	list_for_each_entry_safe(gpu, tmp, &phxfs_nv_gpus, node)
		phxfs_nv_remove_gpu(gpu);
	mutex_unlock(&phxfs_nv_lock);
	phxfs_nv_put_symbols();
}
