// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pci-bar provider: device memory is one BAR of a PCI device named by
 * the pci_bar module parameter (an ivshmem BAR in the test VM; an NVMe CMB
 * or an FPGA BAR in real life).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "phxfs_compat.h"
#include "phxfs_internal.h"

#define PHXFS_PCIBAR_MAX	16

static char *pci_bar;
module_param(pci_bar, charp, 0444);
MODULE_PARM_DESC(pci_bar,
		 "PCI BARs to serve, as DOMAIN:BUS:DEV.FN/BAR[,...], e.g. 0000:00:04.0/2");

static struct phxfs_bar_slot phxfs_slots[PHXFS_PCIBAR_MAX];
static int phxfs_nr_slots;
static bool phxfs_pcibar_registered;

/*
 * The process passes the address of its own mapping of the BAR (sysfs
 * resourceN, a remap_pfn_range() VMA). Translating every page through its
 * page tables is also the permission check: a process can map only memory
 * it could already reach, and through us with no more rights than there.
 */
static int phxfs_pcibar_pin(struct phxfs_mapping *m)
{
	struct phxfs_bar *bar = m->pf->pdev->bar;
	unsigned long first = m->dev_addr & PAGE_MASK;
	unsigned long last = (m->dev_addr + m->length - 1) & PAGE_MASK;
	unsigned long pfn_first, pfn, addr, n;
	struct vm_area_struct *vma;
	int ret = -EFAULT;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, first);
	if (!vma || last >= vma->vm_end)
		goto out;
	/* Ordinary memory (malloc, a file) is not device memory at all. */
	ret = -EINVAL;
	if (!(vma->vm_flags & (VM_IO | VM_PFNMAP)))
		goto out;
	ret = -EACCES;
	if (!(vma->vm_flags & VM_MAYREAD))
		goto out;
	m->read_only = !(vma->vm_flags & VM_MAYWRITE);

	ret = -EFAULT;
	if (phxfs_follow_pfn(vma, first, &pfn_first))
		goto out;
	n = ((last - first) >> PAGE_SHIFT) + 1;
	ret = -EINVAL;
	if (pfn_first < bar->base_pfn || n > bar->nr_pages ||
	    pfn_first - bar->base_pfn > bar->nr_pages - n)
		goto out;
	/* Every page, not the ends only: a PFN map need not be contiguous. */
	for (addr = first + PAGE_SIZE; addr <= last; addr += PAGE_SIZE) {
		ret = -EFAULT;
		if (phxfs_follow_pfn(vma, addr, &pfn))
			goto out;
		ret = -EINVAL;
		if (pfn != pfn_first + ((addr - first) >> PAGE_SHIFT))
			goto out;
		if (!((addr >> PAGE_SHIFT) & 1023)) {
			ret = -EINTR;
			if (fatal_signal_pending(current))
				goto out;
			cond_resched();
		}
	}
	m->base_pfn = pfn_first;
	m->nr_pages = n;
	m->map_offset = m->dev_addr & ~PAGE_MASK;
	ret = 0;
out:
	mmap_read_unlock(current->mm);
	return ret;
}

static unsigned long phxfs_pcibar_pfn(struct phxfs_mapping *m,
				      unsigned long idx)
{
	return m->base_pfn + idx;
}

/* Nothing to give back: the BAR is the device's, not lent to us. */
static void phxfs_pcibar_unpin(struct phxfs_mapping *m)
{
}

static const struct phxfs_provider_ops phxfs_pcibar_ops = {
	.pin = phxfs_pcibar_pin,
	.pfn = phxfs_pcibar_pfn,
	.unpin = phxfs_pcibar_unpin,
};

static void phxfs_pcibar_bar_exit(void *bar)
{
	phxfs_bar_exit(bar);
}

static int phxfs_pcibar_probe(struct pci_dev *dev,
			      const struct pci_device_id *id)
{
	const struct phxfs_bar_slot *slot =
		phxfs_find_bar_slot(phxfs_slots, phxfs_nr_slots, dev);
	struct phxfs_dev_desc desc = {};
	struct phxfs_dev *pdev;
	struct phxfs_bar *bar;
	int ret;

	/* The id table matches everything; serve only what we were told. */
	if (!slot)
		return -ENODEV;

	if (!(pci_resource_flags(dev, slot->bar) & IORESOURCE_MEM) ||
	    !pci_resource_len(dev, slot->bar)) {
		pci_err(dev, "BAR %d is not a memory BAR\n", slot->bar);
		return -EINVAL;
	}

	/*
	 * Peers (the NVMe controller) DMA into the BAR: decoding must stay on
	 * until the pages are gone, so the enable is device-managed too and is
	 * undone after them.
	 */
	ret = pcim_enable_device(dev);
	if (ret) {
		pci_err(dev, "cannot enable memory decoding: %d\n", ret);
		return ret;
	}

	/* devm: the pages go when the device unbinds, after remove(). */
	bar = devm_kzalloc(&dev->dev, sizeof(*bar), GFP_KERNEL);
	if (!bar)
		return -ENOMEM;
	ret = phxfs_bar_init(&dev->dev, bar, pci_resource_start(dev, slot->bar),
			     pci_resource_len(dev, slot->bar));
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(&dev->dev, phxfs_pcibar_bar_exit, bar);
	if (ret)
		return ret;

	desc.parent = &dev->dev;
	desc.ops = &phxfs_pcibar_ops;
	desc.bar = bar;
	desc.provider = PHXFS_PROVIDER_PCI_BAR;
	desc.page_shift = PAGE_SHIFT;
	desc.mem_size = pci_resource_len(dev, slot->bar);
	desc.bus_addr = pci_bus_address(dev, slot->bar);
	desc.name = pci_name(dev);
	pdev = phxfs_dev_register(&desc);
	if (IS_ERR(pdev)) {
		pci_err(dev, "cannot create the device node: %ld\n",
			PTR_ERR(pdev));
		return PTR_ERR(pdev);
	}
	pci_set_drvdata(dev, pdev);
	return 0;
}

static void phxfs_pcibar_remove(struct pci_dev *dev)
{
	phxfs_dev_unregister(pci_get_drvdata(dev));
}

static const struct pci_device_id phxfs_pcibar_ids[] = {
	{ PCI_DEVICE(PCI_ANY_ID, PCI_ANY_ID) },
	{ }
};

static struct pci_driver phxfs_pcibar_driver = {
	.name = "phxfs_pci_bar",
	.id_table = phxfs_pcibar_ids,
	.probe = phxfs_pcibar_probe,
	.remove = phxfs_pcibar_remove,
};

/* Say why a named device did not get a node, rather than stay silent. */
static void phxfs_report_unbound(void)
{
	struct pci_dev *dev;
	int i;

	for (i = 0; i < phxfs_nr_slots; i++) {
		const struct phxfs_bar_slot *s = &phxfs_slots[i];

		dev = pci_get_domain_bus_and_slot(s->domain, s->bus, s->devfn);
		if (!dev) {
			pr_warn("pci_bar: no PCI device %04x:%02x:%02x.%d\n",
				s->domain, s->bus, PCI_SLOT(s->devfn),
				PCI_FUNC(s->devfn));
			continue;
		}
		if (!dev->driver)
			pci_warn(dev, "pci_bar: probe failed, see above\n");
		else if (dev->driver != &phxfs_pcibar_driver)
			pci_warn(dev, "pci_bar: bound to %s; unbind it first\n",
				 dev->driver->name);
		pci_dev_put(dev);
	}
}

/**
 * phxfs_pcibar_init() - parse pci_bar and bind the devices it names
 *
 * Return: 0 (also when pci_bar is empty) or a negative errno.
 */
int phxfs_pcibar_init(void)
{
	int ret;

	ret = phxfs_parse_bar_list("pci_bar", pci_bar, phxfs_slots,
				   PHXFS_PCIBAR_MAX);
	if (ret <= 0)
		return ret;
	phxfs_nr_slots = ret;
	ret = pci_register_driver(&phxfs_pcibar_driver);
	if (ret)
		return ret;
	phxfs_pcibar_registered = true;
	phxfs_report_unbound();
	return 0;
}

/**
 * phxfs_pcibar_exit() - unbind every device phxfs_pcibar_init() bound
 */
void phxfs_pcibar_exit(void)
{
	if (phxfs_pcibar_registered)
		pci_unregister_driver(&phxfs_pcibar_driver);
}
