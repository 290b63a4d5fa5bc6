// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module parameters that name PCI BARs, as DOMAIN:BUS:DEV.FN/BAR[,...]:
 * pci_bar (the pci-bar provider) and nvidia_bar (GPUs whose memory BAR is
 * not the usual BAR 1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "phxfs_internal.h"

static int phxfs_parse_bar_slot(const char *s, struct phxfs_bar_slot *slot)
{
	unsigned int domain, bus, dev, fn, bar;
	char end;

	if (sscanf(s, "%x:%x:%x.%x/%u%c", &domain, &bus, &dev, &fn, &bar,
		   &end) != 5)
		return -EINVAL;
	/* Domains above 0xffff exist (VMD); the kernel's is an int. */
	if (domain > INT_MAX || bus > 0xff || dev > 0x1f || fn > 7 ||
	    bar >= PCI_STD_NUM_BARS)
		return -EINVAL;
	slot->domain = domain;
	slot->bus = bus;
	slot->devfn = PCI_DEVFN(dev, fn);
	slot->bar = bar;
	return 0;
}

/**
 * phxfs_parse_bar_list() - parse a DOMAIN:BUS:DEV.FN/BAR[,...] parameter
 * @param: the parameter's name, for the kernel log
 * @value: its value; NULL or empty is an empty list
 * @slots: filled in
 * @max: room in @slots
 *
 * Return: the number of entries, or -EINVAL (logged) or -ENOMEM.
 */
int phxfs_parse_bar_list(const char *param, const char *value,
			 struct phxfs_bar_slot *slots, int max)
{
	char *copy, *cur, *tok;
	int n = 0;

	if (!value || !*value)
		return 0;
	copy = kstrdup(value, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = copy;
	while ((tok = strsep(&cur, ",")) != NULL) {
		if (!*tok)
			continue;
		if (n == max) {
			pr_err("%s: more than %d entries\n", param, max);
			n = -EINVAL;
			break;
		}
		if (phxfs_parse_bar_slot(tok, &slots[n])) {
			pr_err("%s: '%s' is not DOMAIN:BUS:DEV.FN/BAR (BAR 0-%d)\n",
			       param, tok, PCI_STD_NUM_BARS - 1);
			n = -EINVAL;
			break;
		}
		n++;
	}
	kfree(copy);
	return n;
}

/**
 * phxfs_find_bar_slot() - the entry of a parsed list that names a device
 * @slots: the list
 * @n: its length
 * @dev: the device
 *
 * Return: the entry, or NULL.
 */
const struct phxfs_bar_slot *
phxfs_find_bar_slot(const struct phxfs_bar_slot *slots, int n,
		    struct pci_dev *dev)
{
	int i;

	for (i = 0; i < n; i++) {
		if (slots[i].domain == pci_domain_nr(dev->bus) &&
		    slots[i].bus == dev->bus->number &&
		    slots[i].devfn == dev->devfn)
			return &slots[i];
	}
	return NULL;
}
