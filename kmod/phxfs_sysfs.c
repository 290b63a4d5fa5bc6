// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counters and facts in /sys/class/phxfs/phxfs_devN/, for monitoring and for
 * tests that check nothing is left behind.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "phxfs_internal.h"

static struct phxfs_dev *phxfs_to_dev(struct device *dev)
{
	return container_of(dev, struct phxfs_dev, dev);
}

/**
 * struct phxfs_stat_attr - a sysfs file showing one of struct phxfs_stats
 * @attr:	the attribute
 * @offset:	offset of the counter in struct phxfs_stats
 */
struct phxfs_stat_attr {
	struct device_attribute attr;
	size_t offset;
};

static ssize_t phxfs_stat_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	size_t offset = container_of(attr, struct phxfs_stat_attr, attr)->offset;
	atomic64_t *v = (void *)&phxfs_to_dev(dev)->stats + offset;

	return sysfs_emit(buf, "%lld\n", atomic64_read(v));
}

static struct phxfs_stat_attr phxfs_stat_attrs[] = {
	{ __ATTR(mappings, 0444, phxfs_stat_show, NULL),
	  offsetof(struct phxfs_stats, mappings) },
	{ __ATTR(pinned_bytes, 0444, phxfs_stat_show, NULL),
	  offsetof(struct phxfs_stats, pinned_bytes) },
	{ __ATTR(releasing, 0444, phxfs_stat_show, NULL),
	  offsetof(struct phxfs_stats, releasing) },
	{ __ATTR(map_calls, 0444, phxfs_stat_show, NULL),
	  offsetof(struct phxfs_stats, map_calls) },
	{ __ATTR(unmap_calls, 0444, phxfs_stat_show, NULL),
	  offsetof(struct phxfs_stats, unmap_calls) },
	{ __ATTR(revoked, 0444, phxfs_stat_show, NULL),
	  offsetof(struct phxfs_stats, revoked) },
	{ __ATTR(errors, 0444, phxfs_stat_show, NULL),
	  offsetof(struct phxfs_stats, errors) },
};

static ssize_t mem_size_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n", phxfs_to_dev(dev)->mem_size);
}
static DEVICE_ATTR_RO(mem_size);

static ssize_t provider_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	switch (phxfs_to_dev(dev)->provider) {
	case PHXFS_PROVIDER_NVIDIA:
		return sysfs_emit(buf, "nvidia\n");
	case PHXFS_PROVIDER_PCI_BAR:
		return sysfs_emit(buf, "pci-bar\n");
	default:
		return sysfs_emit(buf, "none\n");
	}
}
static DEVICE_ATTR_RO(provider);

static struct attribute *phxfs_dev_attrs[] = {
	&phxfs_stat_attrs[0].attr.attr,
	&phxfs_stat_attrs[1].attr.attr,
	&phxfs_stat_attrs[2].attr.attr,
	&phxfs_stat_attrs[3].attr.attr,
	&phxfs_stat_attrs[4].attr.attr,
	&phxfs_stat_attrs[5].attr.attr,
	&phxfs_stat_attrs[6].attr.attr,
	&dev_attr_mem_size.attr,
	&dev_attr_provider.attr,
	NULL
};

static const struct attribute_group phxfs_dev_group = {
	.attrs = phxfs_dev_attrs,
};

const struct attribute_group *phxfs_dev_groups[] = {
	&phxfs_dev_group,
	NULL
};
