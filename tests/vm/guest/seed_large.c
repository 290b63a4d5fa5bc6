// SPDX-License-Identifier: MIT
/*
 * Registrations of 1 GiB and more: the whole 2 GiB BAR in one
 * phxfs_regmem call is one contiguous target, and O_DIRECT pread/pwrite
 * reach it beyond 1 GiB and across the 1 GiB boundary of both the BAR and
 * the target's virtual addresses. REGION lines go to the host check
 * (tests/vm/check_regions.sh); one region is also compared in the guest
 * with a plain O_DIRECT read into host memory. Then the cost of
 * phxfs_regmem and phxfs_deregmem from 4 KiB to 2 GiB, printed as COST
 * lines (information only: the VM is emulated). Counters return to zero.
 */
#define _GNU_SOURCE
#include <time.h>

#include <phxfs/phxfs.h>

#include "phxtest.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

struct xfer {
	uint64_t bar_off, disk_off, len;
	int write;	/* device memory -> drive */
};

/* Disjoint in the BAR, so each REGION line still holds at the end. */
static const struct xfer xfers[] = {
	{ 0, 0, 1 * MIB, 0 },
	{ GIB - 128 * MIB, 100 * MIB, 256 * MIB, 0 },	/* across 1 GiB */
	{ GIB + 256 * MIB + 512, 380 * MIB + 512, 64 * KIB + 512, 0 },
	{ GIB + 512 * MIB, 700 * MIB, 16 * MIB, 1 },	/* beyond 1 GiB */
	{ 2 * GIB - 64 * MIB, 600 * MIB, 64 * MIB, 0 },	/* the last bytes */
};

/* The one compared in the guest too: the end of the 2 GiB target. */
#define CHECKED_XFER 4

static const uint64_t cost_sizes[] = {
	4 * KIB, 64 * KIB, 1 * MIB, 16 * MIB, 256 * MIB, GIB, 2 * GIB,
};

static unsigned char *bar;
static size_t bar_size;
static int nvme;

static void xfer(void *target, const struct xfer *x)
{
	void *p = (unsigned char *)target + x->bar_off;
	ssize_t n;

	if (x->write)
		n = pwrite(nvme, p, x->len, (off_t)x->disk_off);
	else
		n = pread(nvme, p, x->len, (off_t)x->disk_off);
	if (n != (ssize_t)x->len)
		pt_fail("%s of %" PRIu64 " bytes at BAR offset %" PRIu64 ": %zd (%s)",
			x->write ? "pwrite" : "pread", x->len, x->bar_off,
			n, n < 0 ? strerror(errno) : "short");
}

/* What device memory holds at @bar_off equals the drive at @disk_off. */
static void compare_with_host_read(uint64_t bar_off, uint64_t disk_off,
				   uint64_t len)
{
	unsigned char *host;

	if (posix_memalign((void **)&host, 4096, len))
		pt_fail("no %" PRIu64 " bytes of host memory", len);
	if (pread(nvme, host, len, (off_t)disk_off) != (ssize_t)len)
		pt_fail("pread into host memory: %s", strerror(errno));
	if (memcmp(bar + bar_off, host, len)) {
		uint64_t i = 0;

		while (bar[bar_off + i] == host[i])
			i++;
		pt_fail("device memory at %" PRIu64 " differs from the drive at %" PRIu64 " first at +%" PRIu64,
			bar_off, disk_off, i);
	}
	free(host);
}

static void whole_bar(void)
{
	size_t n = sizeof(xfers) / sizeof(xfers[0]);
	uint64_t total = 0, pud_off;
	unsigned char *target;

	/* Device memory starts different from what must land there. */
	for (size_t i = 0; i < n; i++)
		if (xfers[i].write)
			phxfs_pattern_fill(bar + xfers[i].bar_off, xfers[i].len,
					   0x5eed + i, 0);
		else
			memset(bar + xfers[i].bar_off, 0xa5 ^ (int)i,
			       xfers[i].len);

	PT_OK(phxfs_regmem(0, bar, bar_size, (void **)&target));
	/* One call, one registration of every byte: no split shows. */
	phxtest_expect_counters(1, (long long)bar_size, "whole BAR registered");

	/*
	 * The first 1 GiB-aligned virtual address inside the target, where
	 * the page tables change PUD entry; it need not be at BAR offset
	 * 1 GiB. Checked here, in the guest: a later transfer may cover it.
	 */
	pud_off = (((uintptr_t)target + GIB) & ~(GIB - 1)) - (uintptr_t)target;
	if (pud_off < 2 * MIB)
		pud_off += GIB;
	pud_off -= 2 * MIB;
	memset(bar + pud_off, 0x3c, 4 * MIB);
	xfer(target, &(struct xfer){ pud_off, 800 * MIB, 4 * MIB, 0 });
	compare_with_host_read(pud_off, 800 * MIB, 4 * MIB);
	pt_note("4 MiB across the 1 GiB-aligned address target+%" PRIu64 " MiB",
		(pud_off + 2 * MIB) >> 20);

	for (size_t i = 0; i < n; i++) {
		xfer(target, &xfers[i]);
		total += xfers[i].len;
	}
	compare_with_host_read(xfers[CHECKED_XFER].bar_off,
			       xfers[CHECKED_XFER].disk_off,
			       xfers[CHECKED_XFER].len);
	PT_OK(phxfs_deregmem(0, bar, bar_size));
	phxtest_expect_counters(0, 0, "whole BAR deregistered");

	for (size_t i = 0; i < n; i++)
		printf("REGION %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n",
		       xfers[i].bar_off, xfers[i].disk_off, xfers[i].len,
		       xfers[i].write ? "write" : "read");
	fflush(stdout);
	pt_note("whole %zu MiB BAR in one registration: %zu transfers, %" PRIu64 " MiB",
		bar_size >> 20, n, total >> 20);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static void cost(void)
{
	for (size_t i = 0; i < sizeof(cost_sizes) / sizeof(cost_sizes[0]); i++) {
		uint64_t size = cost_sizes[i], reg_us[5], dereg_us[5], t0;
		int runs = size <= 256 * MIB ? 5 : 3;
		void *target;

		for (int r = 0; r < runs; r++) {
			t0 = now_us();
			if (phxfs_regmem(0, bar, size, &target))
				pt_fail("regmem of %" PRIu64 " bytes, run %d: %s",
					size, r, strerror(errno));
			reg_us[r] = now_us() - t0;
			/* Outside the timing: sysfs reads are not free. */
			phxtest_expect_counters(1, (long long)size, "cost loop");
			t0 = now_us();
			if (phxfs_deregmem(0, bar, size))
				pt_fail("deregmem of %" PRIu64 " bytes, run %d: %s",
					size, r, strerror(errno));
			dereg_us[r] = now_us() - t0;
		}
		printf("COST size=%" PRIu64 " regmem_us=%" PRIu64 " deregmem_us=%" PRIu64 "\n",
		       size, median(reg_us, runs), median(dereg_us, runs));
		fflush(stdout);
	}
}

int main(void)
{
	pt_name = "seed_large";
	bar = phxtest_map_bar(&bar_size);
	if (bar_size != 2 * GIB)
		pt_fail("BAR of %zu MiB: run with --bar-size 2G",
			bar_size >> 20);
	if (vmtest_env_u64("PHXVM_DISK_SIZE") < 1 * GIB)
		pt_fail("disk too small: run with --disk-size 1G or more");
	nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT);
	if (nvme < 0)
		pt_fail("open nvme: %s", strerror(errno));
	PT_OK(phxfs_open(0));

	whole_bar();
	cost();

	PT_OK(phxfs_close(0));
	phxtest_expect_counters(0, 0, "after close");
	close(nvme);
	return 0;
}
