// SPDX-License-Identifier: MIT
/*
 * hotplug_range - a BAR beyond what memory hotplug can map is refused,
 * saying why, and the other devices are still served.
 *
 * The harness (--mem-hotplug 64T) puts the ivshmem BAR above 64 TiB, where
 * the direct map of a 4-level-paging kernel ends, and a VGA device's 32-bit
 * BAR 0 stays below 4 GiB; pci_bar names both. Expected: no node for the
 * ivshmem device, the reason in the kernel log as phxfs-info (argv[1])
 * reports it, one node for the VGA BAR, and O_DIRECT reads from the NVMe
 * drive into that BAR through the seed API.
 */
#define _GNU_SOURCE
#include <limits.h>

#include <phxfs/phxfs.h>

#include "phxtest.h"

#define HIGH_BDF "0000:00:04.0"
#define HIGH_BAR 2
#define LOW_BDF "0000:00:08.0"
#define LOW_BAR 0
#define LEN (1u << 20)

/* The PCI device a phxfs node hangs under, or "" if there is no such node. */
static void node_parent(int n, char *bdf, size_t len)
{
	char path[128], target[PATH_MAX];
	ssize_t got;
	const char *base;
	size_t blen;

	snprintf(path, sizeof(path), "/sys/class/phxfs/phxfs_dev%d/device", n);
	got = readlink(path, target, sizeof(target) - 1);
	if (got < 0) {
		bdf[0] = '\0';
		return;
	}
	target[got] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	blen = strlen(base);
	if (blen >= len)
		pt_fail("%s points to '%s': not a PCI address", path, target);
	memcpy(bdf, base, blen + 1);
}

/* Run @cmd; its output must contain @want. */
static void output_has(const char *cmd, const char *want)
{
	char line[1024];
	int found = 0;
	FILE *p = popen(cmd, "r");

	if (!p)
		pt_fail("popen %s: %s", cmd, strerror(errno));
	while (fgets(line, sizeof(line), p))
		if (strstr(line, want))
			found = 1;
	pclose(p);
	if (!found)
		pt_fail("'%s' does not say '%s'", cmd, want);
}

int main(int argc, char **argv)
{
	uint64_t high = vmtest_bar_start(HIGH_BDF, HIGH_BAR);
	uint64_t low = vmtest_bar_start(LOW_BDF, LOW_BAR);
	unsigned char *bar, *want;
	char path[128], bdf[64], cmd[PATH_MAX + 32];
	void *target;
	int fd, bar_fd;

	pt_name = "hotplug_range";
	if (argc != 2)
		pt_fail("usage: hotplug_range PATH-OF-phxfs-info");
	pt_note("ivshmem BAR %d at %#" PRIx64 ", VGA BAR %d at %#" PRIx64,
		HIGH_BAR, high, LOW_BAR, low);
	if (high < (64ULL << 40))
		pt_fail("the ivshmem BAR is below 64 TiB: run with phxvm --mem-hotplug 64T");

	/* One node, for the VGA BAR; none for the one out of reach. */
	node_parent(0, bdf, sizeof(bdf));
	if (strcmp(bdf, LOW_BDF))
		pt_fail("phxfs_dev0 is under '%s', expected %s", bdf, LOW_BDF);
	node_parent(1, bdf, sizeof(bdf));
	if (bdf[0])
		pt_fail("phxfs_dev1 exists (under %s): the BAR beyond 64 TiB was taken", bdf);
	pt_note("%s served as phxfs_dev0, %s refused", LOW_BDF, HIGH_BDF);

	/* Why, in the kernel log and as phxfs-info tells it. */
	output_has("dmesg", HIGH_BDF ": memory ");
	output_has("dmesg", "the range memory hotplug can map");
	snprintf(cmd, sizeof(cmd), "%s --json", argv[1]);
	output_has(cmd, "\"hotplug_range_failures\": 1");
	output_has(argv[1], "beyond the kernel's direct map");
	pt_note("the kernel log and phxfs-info say why");

	/* The served device moves data: drive -> VGA BAR, by O_DIRECT. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d",
		 LOW_BDF, LOW_BAR);
	bar_fd = open(path, O_RDWR | O_SYNC);
	if (bar_fd < 0)
		pt_fail("open %s: %s", path, strerror(errno));
	bar = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, bar_fd, 0);
	if (bar == MAP_FAILED)
		pt_fail("mmap %s: %s", path, strerror(errno));
	want = aligned_alloc(4096, LEN);
	if (!want)
		pt_fail("aligned_alloc");
	fd = open(vmtest_env("PHXVM_NVME"), O_RDONLY | O_DIRECT);
	if (fd < 0)
		pt_fail("open %s: %s", vmtest_env("PHXVM_NVME"), strerror(errno));
	if (pread(fd, want, LEN, 3 << 20) != LEN)
		pt_fail("pread into host memory: %s", strerror(errno));

	memset(bar, 0, LEN);
	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar, LEN, &target));
	if (pread(fd, target, LEN, 3 << 20) != LEN)
		pt_fail("pread into the VGA BAR: %s", strerror(errno));
	if (memcmp(bar, want, LEN))
		pt_fail("the VGA BAR differs from the drive after pread");
	PT_OK(phxfs_deregmem(0, bar, LEN));
	PT_OK(phxfs_close(0));
	pt_note("1 MiB read from the drive into the VGA BAR by O_DIRECT");

	close(fd);
	munmap(bar, LEN);
	close(bar_fd);
	free(want);
	pt_note("PASS");
	return 0;
}
