// SPDX-License-Identifier: MIT
/*
 * kmod_load - phxfs loaded on the ivshmem BAR (phxvm --kmod): the module,
 * its device node and class, and the VERSION and DEV_INFO ioctls. Also says
 * whether the kernel randomised its memory layout (KASLR), which decides
 * how far memory hotplug reaches, and fails if a bzImage boot of a kernel
 * built for it did not.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <phxfs/phxfs_ioctl.h>

#include "vmtest.h"

#define DEV_PATH "/dev/" PHXFS_DEVNAME_PREFIX "0"
#define CLASS_PATH "/sys/class/phxfs/" PHXFS_DEVNAME_PREFIX "0"

static int module_listed(const char *name)
{
	FILE *f = fopen("/proc/modules", "r");
	char line[512];
	size_t len = strlen(name);
	int found = 0;

	if (!f)
		pt_fail("open /proc/modules: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ' ')
			found = 1;
	fclose(f);
	return found;
}

/* Does /boot/config-<running release> set @opt=y? */
static int kernel_config_has(const char *opt)
{
	struct utsname u;
	char path[320], line[256];
	size_t len = strlen(opt);
	int found = 0;
	FILE *f;

	if (uname(&u) < 0)
		pt_fail("uname: %s", strerror(errno));
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "r");
	if (!f)
		pt_fail("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, opt, len) && !strcmp(line + len, "=y\n"))
			found = 1;
	fclose(f);
	return found;
}

/*
 * The boot loader's KASLR_FLAG (bit 1 of boot_params.hdr.loadflags, at
 * 0x211), which the decompressor sets when it randomises the kernel and
 * which the kernel checks before randomising its memory layout.
 */
static int memory_kaslr(void)
{
	const char *path = "/sys/kernel/boot_params/data";
	unsigned char flags;
	FILE *f = fopen(path, "rb");

	if (!f)
		pt_fail("open %s: %s", path, strerror(errno));
	if (fseek(f, 0x211, SEEK_SET) < 0 || fread(&flags, 1, 1, f) != 1)
		pt_fail("%s: cannot read loadflags", path);
	fclose(f);
	return (flags & 0x02) && kernel_config_has("CONFIG_RANDOMIZE_MEMORY");
}

/* @cmd must fail with @want. */
static void expect_errno(int fd, unsigned long cmd, void *arg, int want, const char *what)
{
	int ret = ioctl(fd, cmd, arg);

	if (ret != -1)
		pt_fail("%s: returned %d, expected -1/%s", what, ret, strerrorname_np(want));
	if (errno != want)
		pt_fail("%s: errno %s (%s), expected %s", what, strerrorname_np(errno),
			strerror(errno), strerrorname_np(want));
}

int main(void)
{
	const char *bdf = vmtest_env("PHXVM_BAR_BDF");
	uint64_t bar_size = vmtest_env_u64("PHXVM_BAR_SIZE");
	unsigned int bar_index = (unsigned int)vmtest_env_u64("PHXVM_BAR_INDEX");
	struct phxfs_version ver;
	struct phxfs_dev_info info;
	struct stat st;
	uint64_t start;
	int fd;

	pt_name = "kmod_load";

	if (memory_kaslr())
		pt_note("memory layout randomised (KASLR, CONFIG_RANDOMIZE_MEMORY)");
	else if (!strcmp(vmtest_env("PHXVM_BOOT"), "bzimage") &&
		 kernel_config_has("CONFIG_RANDOMIZE_MEMORY"))
		pt_fail("booted the bzImage of a kernel with CONFIG_RANDOMIZE_MEMORY, but its memory layout is not randomised");
	else
		pt_note("memory layout not randomised (boot: %s)", vmtest_env("PHXVM_BOOT"));

	if (!module_listed("phxfs"))
		pt_fail("/proc/modules does not list phxfs");

	if (stat(DEV_PATH, &st) < 0)
		pt_fail("stat %s: %s", DEV_PATH, strerror(errno));
	if (!S_ISCHR(st.st_mode))
		pt_fail("%s is not a character device (mode %o)", DEV_PATH,
			(unsigned int)st.st_mode);
	if ((st.st_mode & 07777) != 0600)
		pt_fail("%s has mode %04o, expected 0600", DEV_PATH,
			(unsigned int)(st.st_mode & 07777));
	if (st.st_uid != 0 || st.st_gid != 0)
		pt_fail("%s is owned by %u:%u, expected root (0:0)", DEV_PATH,
			(unsigned int)st.st_uid, (unsigned int)st.st_gid);
	if (stat(CLASS_PATH, &st) < 0)
		pt_fail("stat %s: %s", CLASS_PATH, strerror(errno));
	pt_note("%s: char device 0600 root:root, %s present", DEV_PATH, CLASS_PATH);

	fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		pt_fail("open %s: %s", DEV_PATH, strerror(errno));

	memset(&ver, 0, sizeof(ver));
	if (ioctl(fd, PHXFS_IOC_VERSION, &ver) < 0)
		pt_fail("PHXFS_IOC_VERSION: %s", strerror(errno));
	if (ver.abi_major != PHXFS_ABI_MAJOR)
		pt_fail("module speaks ABI %u.%u, this test %u.%u", ver.abi_major,
			ver.abi_minor, PHXFS_ABI_MAJOR, PHXFS_ABI_MINOR);
	pt_note("VERSION: ABI %u.%u features 0x%" PRIx64, ver.abi_major,
		ver.abi_minor, (uint64_t)ver.features);

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, PHXFS_IOC_DEV_INFO, &info) < 0)
		pt_fail("PHXFS_IOC_DEV_INFO: %s", strerror(errno));
	if (!memchr(info.name, '\0', sizeof(info.name)))
		pt_fail("DEV_INFO name is not NUL-terminated");
	pt_note("DEV_INFO: provider %u page_shift %u mem_size %" PRIu64
		" bus_addr 0x%" PRIx64 " name '%s'", info.provider, info.page_shift,
		(uint64_t)info.mem_size, (uint64_t)info.bus_addr, info.name);
	if (info.provider != PHXFS_PROVIDER_PCI_BAR)
		pt_fail("DEV_INFO provider %u, expected PHXFS_PROVIDER_PCI_BAR (%u)",
			info.provider, PHXFS_PROVIDER_PCI_BAR);
	if (info.mem_size != bar_size)
		pt_fail("DEV_INFO mem_size %" PRIu64 ", expected the BAR's %" PRIu64,
			(uint64_t)info.mem_size, bar_size);
	if (!strstr(info.name, bdf))
		pt_fail("DEV_INFO name '%s' does not contain %s", info.name, bdf);
	start = vmtest_bar_start(bdf, bar_index);
	if (info.bus_addr != start)
		pt_fail("DEV_INFO bus_addr 0x%" PRIx64 ", but BAR %u of %s starts at 0x%" PRIx64,
			(uint64_t)info.bus_addr, bar_index, bdf, start);
	if (info.page_shift < 12 || info.page_shift > 30)
		pt_fail("DEV_INFO page_shift %u is not in 12..30", info.page_shift);

	/* An ioctl number the module does not know, and flags that mean nothing yet. */
	memset(&ver, 0, sizeof(ver));
	expect_errno(fd, _IOWR(PHXFS_IOCTL_TYPE, 0x3f, struct phxfs_version), &ver, ENOTTY,
		     "unknown ioctl 0x3f");
	memset(&ver, 0, sizeof(ver));
	ver.flags = 1;
	expect_errno(fd, PHXFS_IOC_VERSION, &ver, EINVAL, "VERSION with flags=1");
	memset(&info, 0, sizeof(info));
	info.flags = 1;
	expect_errno(fd, PHXFS_IOC_DEV_INFO, &info, EINVAL, "DEV_INFO with flags=1");
	pt_note("unknown ioctl: ENOTTY; nonzero flags: EINVAL");

	if (close(fd) < 0)
		pt_fail("close %s: %s", DEV_PATH, strerror(errno));
	pt_note("PASS");
	return 0;
}
