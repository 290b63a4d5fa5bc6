// SPDX-License-Identifier: GPL-2.0-only
/*
 * phoenix-fs: map device memory (GPU or any PCI BAR) into user space with
 * real struct pages, so stock O_DIRECT I/O DMAs straight into it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "phxfs_internal.h"

static int __init phxfs_init(void)
{
	int ret;

	ret = phxfs_map_wq_init();
	if (ret)
		return ret;
	ret = phxfs_chrdev_init();
	if (ret)
		goto err_wq;
	ret = phxfs_pcibar_init();
	if (ret)
		goto err_chrdev;
	ret = phxfs_nvidia_init();
	if (ret)
		goto err_pcibar;
	pr_info("loaded, ABI %d.%d\n", PHXFS_ABI_MAJOR, PHXFS_ABI_MINOR);
	return 0;

err_pcibar:
	phxfs_pcibar_exit();
err_chrdev:
	phxfs_chrdev_exit();
err_wq:
	phxfs_map_wq_exit();
	return ret;
}

static void __exit phxfs_exit(void)
{
	phxfs_nvidia_exit();
	phxfs_pcibar_exit();
	phxfs_chrdev_exit();
	phxfs_map_wq_exit();
	pr_info("unloaded\n");
}

module_init(phxfs_init);
module_exit(phxfs_exit);

MODULE_DESCRIPTION("phoenix-fs: direct storage I/O into device memory");
MODULE_LICENSE("GPL");
