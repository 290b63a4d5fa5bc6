// SPDX-License-Identifier: GPL-2.0-only
/*
 * phoenix-fs character devices: one /dev/phxfs_devN per device a provider
 * found, and the ioctl dispatch of the ABI in phxfs/phxfs_ioctl.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "phxfs_internal.h"

static dev_t phxfs_devt;
static DEFINE_IDA(phxfs_index_ida);

static struct class phxfs_class = {
	.name = "phxfs",
};

/**
 * phxfs_dev_gone() - has the provider removed the device?
 * @pdev: the device
 *
 * Return: true once phxfs_dev_unregister() has begun.
 */
bool phxfs_dev_gone(struct phxfs_dev *pdev)
{
	bool gone;

	down_read(&pdev->remove_sem);
	gone = pdev->gone;
	up_read(&pdev->remove_sem);
	return gone;
}

/* The file's own address_space holds no pages: nothing to read or write. */
static const struct address_space_operations phxfs_aops = {};

static int phxfs_open(struct inode *inode, struct file *file)
{
	struct phxfs_dev *pdev = container_of(inode->i_cdev, struct phxfs_dev,
					      cdev);
	struct phxfs_file *pf;

	if (!current->mm)
		return -EPERM;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;

	down_read(&pdev->remove_sem);
	if (pdev->gone) {
		up_read(&pdev->remove_sem);
		kfree(pf);
		return -ENODEV;
	}
	get_device(&pdev->dev);
	up_read(&pdev->remove_sem);

	pf->pdev = pdev;
	pf->owner_mm = current->mm;
	mmgrab(pf->owner_mm);
	mutex_init(&pf->lock);
	INIT_LIST_HEAD(&pf->mappings);
	address_space_init_once(&pf->mapping);
	pf->mapping.host = inode;
	pf->mapping.a_ops = &phxfs_aops;
	file->f_mapping = &pf->mapping;
	file->private_data = pf;

	mutex_lock(&pdev->files_lock);
	list_add(&pf->dev_node, &pdev->files);
	mutex_unlock(&pdev->files_lock);
	return nonseekable_open(inode, file);
}

static int phxfs_release(struct inode *inode, struct file *file)
{
	struct phxfs_file *pf = file->private_data;
	struct phxfs_dev *pdev = pf->pdev;

	/*
	 * Every VMA holds the file, and its close destroys its mapping: none
	 * is left in the list. Their memory may still be held elsewhere; its
	 * release needs the device, not this file.
	 */
	WARN_ON_ONCE(!list_empty(&pf->mappings));
	mutex_lock(&pdev->files_lock);
	list_del(&pf->dev_node);
	mutex_unlock(&pdev->files_lock);
	mmdrop(pf->owner_mm);
	put_device(&pf->pdev->dev);
	kfree(pf);
	return 0;
}

static long phxfs_ioc_version(struct phxfs_file *pf, void *arg)
{
	struct phxfs_version *v = arg;

	if (v->flags || v->pad)
		return -EINVAL;
	v->abi_major = PHXFS_ABI_MAJOR;
	v->abi_minor = PHXFS_ABI_MINOR;
	v->features = PHXFS_FEATURE_MAP;
	return 0;
}

static long phxfs_ioc_dev_info(struct phxfs_file *pf, void *arg)
{
	struct phxfs_dev_info *info = arg;
	struct phxfs_dev *pdev = pf->pdev;

	if (info->flags || info->pad)
		return -EINVAL;
	if (phxfs_dev_gone(pdev))
		return -ENODEV;
	info->provider = pdev->provider;
	info->page_shift = pdev->page_shift;
	info->mem_size = pdev->mem_size;
	info->bus_addr = pdev->bus_addr;
	strscpy(info->name, pdev->name, sizeof(info->name));
	return 0;
}

/**
 * struct phxfs_ioctl_desc - one command of the ABI
 * @cmd:	the command as this module was built with it
 * @min_size:	smallest argument size ever published for it: a number, so
 *		that appending a member to the struct does not change it
 * @handler:	does the work on a kernel copy of the argument
 */
struct phxfs_ioctl_desc {
	unsigned int cmd;
	unsigned int min_size;
	long (*handler)(struct phxfs_file *pf, void *arg);
};

static const struct phxfs_ioctl_desc phxfs_ioctls[] = {
	/* The sizes of ABI 1.0. */
	{ PHXFS_IOC_VERSION, 24, phxfs_ioc_version },
	{ PHXFS_IOC_DEV_INFO, 64, phxfs_ioc_dev_info },
	{ PHXFS_IOC_MAP, 48, phxfs_ioc_map },
	{ PHXFS_IOC_UNMAP, 16, phxfs_ioc_unmap },
	{ PHXFS_IOC_QUERY, 16, phxfs_ioc_query },
};

/* Large enough for every argument struct; checked at build time below. */
#define PHXFS_IOCTL_ARG_MAX	64

static long phxfs_ioctl(struct file *file, unsigned int cmd,
			unsigned long uarg)
{
	struct phxfs_file *pf = file->private_data;
	const struct phxfs_ioctl_desc *desc = NULL;
	void __user *argp = (void __user *)uarg;
	u64 karg[PHXFS_IOCTL_ARG_MAX / sizeof(u64)];
	unsigned int usize, ksize, i;
	long ret;

	BUILD_BUG_ON(sizeof(struct phxfs_dev_info) > sizeof(karg));
	BUILD_BUG_ON(sizeof(struct phxfs_map) > sizeof(karg));
	/* A struct may grow, never shrink below what was published. */
	BUILD_BUG_ON(sizeof(struct phxfs_version) < 24);
	BUILD_BUG_ON(sizeof(struct phxfs_dev_info) < 64);
	BUILD_BUG_ON(sizeof(struct phxfs_map) < 48);
	BUILD_BUG_ON(sizeof(struct phxfs_unmap) < 16);
	BUILD_BUG_ON(sizeof(struct phxfs_query) < 16);

	if (_IOC_TYPE(cmd) != PHXFS_IOCTL_TYPE ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;
	for (i = 0; i < ARRAY_SIZE(phxfs_ioctls); i++) {
		if (_IOC_NR(phxfs_ioctls[i].cmd) == _IOC_NR(cmd)) {
			desc = &phxfs_ioctls[i];
			break;
		}
	}
	if (!desc)
		return -ENOTTY;

	/*
	 * The size is part of cmd. Accept every size a library was ever
	 * built with: older (smaller) structs are zero-extended, newer ones
	 * are accepted only if the members this module does not know are 0.
	 */
	usize = _IOC_SIZE(cmd);
	ksize = _IOC_SIZE(desc->cmd);
	if (usize < desc->min_size)
		return -EINVAL;
	ret = copy_struct_from_user(karg, ksize, argp, usize);
	if (ret)
		return ret;

	/*
	 * A file is bound to the process that opened it: a child after
	 * fork() or a process handed the fd must open the device itself.
	 */
	if (current->mm != pf->owner_mm)
		return -EACCES;

	ret = desc->handler(pf, karg);
	if (ret)
		return ret;

	if (copy_to_user(argp, karg, min(usize, ksize)))
		return -EFAULT;
	return 0;
}

static const struct file_operations phxfs_fops = {
	.owner = THIS_MODULE,
	.open = phxfs_open,
	.release = phxfs_release,
	.unlocked_ioctl = phxfs_ioctl,
	.mmap = phxfs_mmap,
	.compat_ioctl = compat_ptr_ioctl,
};

static void phxfs_dev_release(struct device *dev)
{
	struct phxfs_dev *pdev = container_of(dev, struct phxfs_dev, dev);

	ida_free(&phxfs_index_ida, pdev->index);
	kfree(pdev);
}

/**
 * phxfs_dev_register() - create /dev/phxfs_devN for a provider's device
 * @desc: what the provider found
 *
 * Return: the new device, or an ERR_PTR() on failure.
 */
struct phxfs_dev *phxfs_dev_register(const struct phxfs_dev_desc *desc)
{
	struct phxfs_dev *pdev;
	int index, ret;

	index = ida_alloc_max(&phxfs_index_ida, PHXFS_MAX_DEVICES - 1,
			      GFP_KERNEL);
	if (index < 0)
		return ERR_PTR(index == -ENOSPC ? -EBUSY : index);

	pdev = kzalloc(sizeof(*pdev), GFP_KERNEL);
	if (!pdev) {
		ida_free(&phxfs_index_ida, index);
		return ERR_PTR(-ENOMEM);
	}
	pdev->index = index;
	init_rwsem(&pdev->remove_sem);
	mutex_init(&pdev->files_lock);
	INIT_LIST_HEAD(&pdev->files);
	pdev->ops = desc->ops;
	pdev->bar = desc->bar;
	pdev->provider = desc->provider;
	pdev->page_shift = desc->page_shift;
	pdev->mem_size = desc->mem_size;
	pdev->bus_addr = desc->bus_addr;
	pdev->provider_data = desc->provider_data;
	strscpy(pdev->name, desc->name, sizeof(pdev->name));

	/* From here on the device's release frees pdev and the index. */
	device_initialize(&pdev->dev);
	pdev->dev.class = &phxfs_class;
	pdev->dev.groups = phxfs_dev_groups;
	pdev->dev.parent = desc->parent;
	pdev->dev.devt = MKDEV(MAJOR(phxfs_devt), index);
	pdev->dev.release = phxfs_dev_release;
	ret = dev_set_name(&pdev->dev, PHXFS_DEVNAME_PREFIX "%d", index);
	if (ret)
		goto err_put;

	cdev_init(&pdev->cdev, &phxfs_fops);
	pdev->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&pdev->cdev, &pdev->dev);
	if (ret)
		goto err_put;

	dev_info(&pdev->dev, "%s: %llu MiB of device memory at %#llx\n",
		 pdev->name, pdev->mem_size >> 20, pdev->bus_addr);
	return pdev;

err_put:
	put_device(&pdev->dev);
	return ERR_PTR(ret);
}

/**
 * phxfs_dev_unregister() - remove /dev/phxfs_devN
 * @pdev: a device phxfs_dev_register() returned
 *
 * No new opens succeed afterwards. Every mapping is revoked: its PTEs go,
 * so no later access or I/O reaches the device memory. Files still open get
 * -ENODEV from MAP and DEV_INFO and keep the structure alive until closed.
 * The caller tears the device memory down afterwards; that waits for pages
 * still pinned by I/O in flight.
 */
void phxfs_dev_unregister(struct phxfs_dev *pdev)
{
	struct phxfs_file *pf;

	cdev_device_del(&pdev->cdev, &pdev->dev);
	/* Waits for MAPs in progress: after this none reaches the provider. */
	down_write(&pdev->remove_sem);
	pdev->gone = true;
	up_write(&pdev->remove_sem);

	mutex_lock(&pdev->files_lock);
	list_for_each_entry(pf, &pdev->files, dev_node)
		phxfs_revoke_file(pf);
	mutex_unlock(&pdev->files_lock);
	put_device(&pdev->dev);
}

/**
 * phxfs_chrdev_init() - reserve the device numbers and the class
 *
 * Return: 0 or a negative errno.
 */
int phxfs_chrdev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&phxfs_devt, 0, PHXFS_MAX_DEVICES, "phxfs");
	if (ret)
		return ret;
	ret = class_register(&phxfs_class);
	if (ret)
		goto err_unregister_region;
	return 0;

err_unregister_region:
	unregister_chrdev_region(phxfs_devt, PHXFS_MAX_DEVICES);
	return ret;
}

/**
 * phxfs_chrdev_exit() - undo phxfs_chrdev_init()
 */
void phxfs_chrdev_exit(void)
{
	class_unregister(&phxfs_class);
	unregister_chrdev_region(phxfs_devt, PHXFS_MAX_DEVICES);
	ida_destroy(&phxfs_index_ida);
}
