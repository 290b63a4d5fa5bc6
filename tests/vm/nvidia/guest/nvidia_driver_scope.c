// SPDX-License-Identifier: MIT
/*
 * nvidia_driver_scope - the nvidia provider serves a GPU only while the
 * driver that pins its memory has it bound, never one handed to another
 * driver (vfio-pci, nouveau; uio_pci_generic stands in for them here):
 *
 *   phxfs with the default nvidia_driver (nvidia): the double's "GPU" gets
 *   no node; with nvidia_driver=phxfs_fake_nvidia it does;
 *   the double unbinds: the node goes; the device bound to uio_pci_generic
 *   (driver_override): still no node; back to the double: the node is back
 *   and maps memory.
 *
 * Loads the modules itself (phxvm --kmod phxfs.ko --no-insmod); run as
 * nvidia_driver_scope PATH/phxfs_fake_nvidia.ko.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"
#include "nvtest.h"

#define OTHER_DRIVER "uio_pci_generic"

static char dev_dir[128];

/* Write @text to the PCI device's @attr, or to /sys/bus/pci/@attr. */
static void pci_write(const char *path, const char *text)
{
	int err = nvt_write_file(path, text);

	if (err)
		pt_fail("write '%s' to %s: %s", text, path, strerror(err));
}

/* The name of the driver bound to the device, or "" if none. */
static const char *bound_driver(void)
{
	static char name[64];
	char path[192], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/driver", dev_dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return "";
	link[n] = '\0';
	snprintf(name, sizeof(name), "%s", strrchr(link, '/') + 1);
	return name;
}

static void expect_node(int want, const char *when)
{
	if (!vmtest_wait_exists(NVT_DEV, want))
		pt_fail("%s: %s %s (bound to '%s')", when, NVT_DEV,
			want ? "did not appear" : "still exists",
			bound_driver());
	pt_note("%s: %s %s", when, NVT_DEV, want ? "present" : "absent");
}

static void load_phxfs(const char *extra)
{
	char args[192];

	snprintf(args, sizeof(args), "nvidia_bar=%s/%s%s", nvt_bdf,
		 vmtest_env("PHXVM_BAR_INDEX"), extra);
	if (nvt_load_module(vmtest_env("PHXVM_KMOD"), args))
		pt_fail("loading phxfs '%s': %s", args, strerror(errno));
}

/* Bind the device to @driver through driver_override, as an admin would. */
static void rebind(const char *driver)
{
	char path[192];

	if (*bound_driver()) {
		snprintf(path, sizeof(path), "%s/driver/unbind", dev_dir);
		pci_write(path, nvt_bdf);
	}
	snprintf(path, sizeof(path), "%s/driver_override", dev_dir);
	pci_write(path, driver);
	pci_write("/sys/bus/pci/drivers_probe", nvt_bdf);
	if (strcmp(bound_driver(), driver))
		pt_fail("after binding %s, the device is bound to '%s'",
			driver, bound_driver());
}

/* One MAP of the first 64 KiB of GPU memory, then UNMAP. */
static void map_once(void)
{
	int fd = open(NVT_DEV, O_RDWR | O_CLOEXEC);
	uint64_t handle;
	void *vma;

	if (fd < 0)
		pt_fail("open %s: %s", NVT_DEV, strerror(errno));
	vma = mmap(NULL, NVT_GPU_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (vma == MAP_FAILED)
		pt_fail("mmap %s: %s", NVT_DEV, strerror(errno));
	if (nvt_map(fd, vma, 0, NVT_GPU_PAGE, &handle))
		pt_fail("MAP through the node of the rebound GPU: %s",
			strerror(errno));
	if (nvt_unmap(fd, handle))
		pt_fail("UNMAP: %s", strerror(errno));
	munmap(vma, NVT_GPU_PAGE);
	close(fd);
}

int main(int argc, char **argv)
{
	char path[192];

	pt_name = "nvidia_driver_scope";
	if (argc != 2)
		pt_fail("usage: nvidia_driver_scope PATH/%s.ko (under phxvm --kmod phxfs.ko --no-insmod)",
			NVT_FAKE);
	nvt_bdf = vmtest_env("PHXVM_BAR_BDF");
	snprintf(dev_dir, sizeof(dev_dir), "/sys/bus/pci/devices/%s", nvt_bdf);
	if (system("modprobe " OTHER_DRIVER) != 0)
		pt_fail("modprobe %s failed", OTHER_DRIVER);

	if (nvt_load_module(argv[1], ""))
		pt_fail("loading %s: %s", argv[1], strerror(errno));
	if (strcmp(bound_driver(), NVT_FAKE))
		pt_fail("%s did not bind %s (bound to '%s')", NVT_FAKE,
			nvt_bdf, bound_driver());
	nvt_va_base = (uint64_t)nvt_read_number("/sys/module/" NVT_FAKE
						"/parameters/va_base");

	/* The default driver name is the real driver's: not the double. */
	load_phxfs("");
	expect_node(0, "default nvidia_driver, GPU bound to " NVT_FAKE);
	if (syscall(SYS_delete_module, "phxfs", O_NONBLOCK))
		pt_fail("rmmod phxfs: %s", strerror(errno));

	load_phxfs(" nvidia_driver=" NVT_FAKE);
	expect_node(1, "nvidia_driver=" NVT_FAKE);

	rebind(OTHER_DRIVER);
	expect_node(0, "GPU handed to " OTHER_DRIVER);

	rebind(NVT_FAKE);
	expect_node(1, "GPU bound to " NVT_FAKE " again");
	map_once();
	nvt_wait_nothing_pinned("after UNMAP");

	if (syscall(SYS_delete_module, "phxfs", O_NONBLOCK))
		pt_fail("rmmod phxfs: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/driver_override", dev_dir);
	pci_write(path, "\n");
	if (syscall(SYS_delete_module, NVT_FAKE, O_NONBLOCK))
		pt_fail("rmmod %s: %s", NVT_FAKE, strerror(errno));
	pt_note("served only while bound to the driver named by nvidia_driver");
	return 0;
}
