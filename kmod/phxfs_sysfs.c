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

static ssize_t phxfs_stat_show(struct device *dev, char *buf,
			       size_t offset)
{
	atomic64_t *v = (void *)&phxfs_to_dev(dev)->stats + offset;

	return sysfs_emit(buf, "%lld\n", atomic64_read(v));
}

static ssize_t mappings_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return phxfs_stat_show(dev, buf, offsetof(struct phxfs_stats, mappings));
}
static DEVICE_ATTR_RO(mappings);

static ssize_t pinned_bytes_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return phxfs_stat_show(dev, buf, offsetof(struct phxfs_stats, pinned_bytes));
}
static DEVICE_ATTR_RO(pinned_bytes);

static ssize_t map_calls_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return phxfs_stat_show(dev, buf, offsetof(struct phxfs_stats, map_calls));
}
static DEVICE_ATTR_RO(map_calls);

static ssize_t unmap_calls_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return phxfs_stat_show(dev, buf, offsetof(struct phxfs_stats, unmap_calls));
}
static DEVICE_ATTR_RO(unmap_calls);

static ssize_t revoked_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return phxfs_stat_show(dev, buf, offsetof(struct phxfs_stats, revoked));
}
static DEVICE_ATTR_RO(revoked);

static ssize_t errors_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return phxfs_stat_show(dev, buf, offsetof(struct phxfs_stats, errors));
}
static DEVICE_ATTR_RO(errors);

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
	&dev_attr_mappings.attr,
	&dev_attr_pinned_bytes.attr,
	&dev_attr_map_calls.attr,
	&dev_attr_unmap_calls.attr,
	&dev_attr_revoked.attr,
	&dev_attr_errors.attr,
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
