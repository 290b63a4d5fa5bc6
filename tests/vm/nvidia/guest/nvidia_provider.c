// SPDX-License-Identifier: MIT
/*
 * nvidia_provider - phoenix-fs's nvidia provider in a guest without a GPU.
 * phxfs_fake_nvidia (tests/vm/nvidia/fake_nv_p2p.c) stands in for the
 * NVIDIA driver over the ivshmem BAR, so the provider's own code runs: the
 * driver's symbols looked up at load, the page-table walk, the free callback
 * (revocation, also under I/O in flight) and the GPU's driver unbinding and
 * binding again. Bytes are checked in this process's mapping of the BAR
 * (the "GPU memory") against the disk.
 *
 * Two passes, the double loaded afresh for each: persistent=0 (a GPU
 * without persistent pins: the provider falls back to pins with a free
 * callback, whose scenarios the first pass runs), then persistent=1, where
 * a free does not revoke: the pin keeps the memory and I/O keeps landing
 * until deregmem, and a new allocation of it is refused meanwhile.
 *
 * Loads the modules itself (phxvm --kmod phxfs.ko --no-insmod), so run as
 * nvidia_provider PATH/phxfs_fake_nvidia.ko.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include <phxfs/phxfs.h>
#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"
#include "nvtest.h"

#define MIB ((size_t)1 << 20)
#define GPU_PAGE ((size_t)64 << 10)
#define FAKE "phxfs_fake_nvidia"
#define DEV_PATH "/dev/" PHXFS_DEVNAME_PREFIX "0"
#define CLASS_PATH "/sys/class/phxfs/" PHXFS_DEVNAME_PREFIX "0"
#define FAKE_DRIVER "/sys/bus/pci/drivers/" FAKE

/* Where each step works: BAR offsets (256 MiB), disk offsets (512 MiB). */
#define B_BAR (1 * MIB)
#define B_LEN (8 * MIB)
#define C_BAR (16 * MIB)
#define E_BAR (32 * MIB)
#define E_LEN (4 * MIB)
#define D_BAR (40 * MIB)
#define F_BAR (64 * MIB)
#define F_LEN (64 * MIB)
#define G_BAR (136 * MIB)
#define G_LEN (8 * MIB)
#define G2_BAR (160 * MIB)
#define P_BAR (176 * MIB)
#define P_LEN (8 * MIB)
#define DISK_B (8 * MIB)
#define DISK_W (24 * MIB)
#define DISK_C (32 * MIB)
#define DISK_E (40 * MIB)
#define DISK_EW (48 * MIB)
#define DISK_F0 (128 * MIB)
#define DISK_F1 (256 * MIB)
#define DISK_G (384 * MIB)
#define DISK_G2 (400 * MIB)
#define DISK_P (416 * MIB)
#define DISK_P2 (432 * MIB)

static unsigned char *bar;
static size_t bar_size;
static int nvme = -1;
/* Host memory: disk contents to compare with, and BAR snapshots. */
static unsigned char *buf_a, *buf_b, *snap;

/* delete_module as rmmod(8) does it: 0 or -1 with errno. */
static int unload_module(const char *name)
{
	return (int)syscall(SYS_delete_module, name, O_NONBLOCK);
}

/* The CUDA address of BAR offset @off. */
static void *gpu(size_t off)
{
	return (void *)(uintptr_t)(nvt_va_base + off);
}

static void read_file(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(out, (int)size, f))
		pt_fail("read %s: %s", path, strerror(errno));
	fclose(f);
}

/* Write @text to the fake's @attr: 0 or an errno. */
static int fake_write(const char *attr, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", nvt_bdf,
		 attr);
	return nvt_write_file(path, text);
}

static void fake_range(const char *attr, size_t off, size_t len)
{
	int err = nvt_fake_range(attr, off, len);

	if (err)
		pt_fail("writing '0x%" PRIx64 " %zu' to %s: %s", nvt_va_base + off,
			len, attr, strerror(err));
}

/* Nothing mapped or pinned, on either side. */
static void expect_nothing_pinned(const char *when)
{
	nvt_expect_counter("mappings", 0, when);
	nvt_expect_counter("pinned_bytes", 0, when);
	nvt_expect_fake("pinned", 0, when);
}

/* O_DIRECT read of the disk into host memory. */
static void read_disk(void *buf, size_t len, off_t off)
{
	ssize_t n = pread(nvme, buf, len, off);

	if (n != (ssize_t)len)
		pt_fail("pread of %zu bytes at %lld into host memory: %zd (%s)",
			len, (long long)off, n, strerror(errno));
}

/* O_DIRECT read of the disk through a target address: must be whole. */
static void read_into(void *target, size_t len, off_t off, const char *what)
{
	ssize_t n = pread(nvme, target, len, off);

	if (n != (ssize_t)len)
		pt_fail("%s: pread of %zu bytes at %lld: %zd (%s)", what, len,
			(long long)off, n, strerror(errno));
}

static void expect_bar(size_t off, const unsigned char *want, size_t len,
		       const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (bar[off + i] != want[i])
			pt_fail("%s: BAR byte %#zx is %#04x, expected %#04x",
				what, off + i, bar[off + i], want[i]);
}

static void expect_fill(size_t off, unsigned char c, size_t len,
			const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (bar[off + i] != c)
			pt_fail("%s: BAR byte %#zx is %#04x, expected %#04x (untouched)",
				what, off + i, bar[off + i], c);
}

static void expect_efault(ssize_t n, const char *what)
{
	if (n != -1 || errno != EFAULT)
		pt_fail("%s: returned %zd, errno %s, expected -1 EFAULT", what,
			n, n < 0 ? strerrorname_np(errno) : "none");
}

/* Without the driver, phxfs must refuse nvidia_bar: the lookup is real. */
static void load_without_driver(const char *kmod, const char *args)
{
	errno = 0;
	if (nvt_load_module(kmod, args) == 0)
		pt_fail("phxfs loaded with '%s' but no NVIDIA driver", args);
	if (errno != ENOENT)
		pt_fail("loading phxfs '%s' without the driver: %s, expected ENOENT",
			args, strerror(errno));
	pt_note("without the driver: phxfs '%s' refused (ENOENT): nvidia_p2p_* not found",
		args);
}

static void load_both(const char *fake_ko, const char *fake_args,
		      const char *kmod, const char *args)
{
	char path[256], line[64];

	if (nvt_load_module(fake_ko, fake_args))
		pt_fail("loading %s '%s': %s", fake_ko, fake_args,
			strerror(errno));
	snprintf(path, sizeof(path), FAKE_DRIVER "/%s", nvt_bdf);
	if (!vmtest_exists(path))
		pt_fail("%s did not bind %s", FAKE, nvt_bdf);
	read_file("/sys/module/" FAKE "/parameters/va_base", line, sizeof(line));
	nvt_va_base = strtoull(line, NULL, 0);
	if (!nvt_va_base || nvt_va_base % GPU_PAGE)
		pt_fail("va_base '%s' is not a 64 KiB aligned address", line);
	pt_note("%s '%s' bound %s: BAR %s is GPU memory at CUDA address %#" PRIx64,
		FAKE, fake_args, nvt_bdf, vmtest_env("PHXVM_BAR_INDEX"),
		nvt_va_base);

	if (nvt_load_module(kmod, args))
		pt_fail("loading phxfs '%s': %s", args, strerror(errno));
	pt_note("phxfs loaded with '%s'", args);
}

/* a. The device node, its provider and its granule. */
static void step_device(void)
{
	struct phxfs_dev_info info = { 0 };
	char line[64];
	int fd;

	if (!vmtest_wait_exists(DEV_PATH, 1))
		pt_fail("%s did not appear", DEV_PATH);
	read_file(CLASS_PATH "/provider", line, sizeof(line));
	if (strcmp(line, "nvidia\n"))
		pt_fail("%s/provider says '%s', expected nvidia", CLASS_PATH,
			line);
	fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		pt_fail("open %s: %s", DEV_PATH, strerror(errno));
	if (ioctl(fd, PHXFS_IOC_DEV_INFO, &info))
		pt_fail("PHXFS_IOC_DEV_INFO: %s", strerror(errno));
	close(fd);
	if (info.provider != PHXFS_PROVIDER_NVIDIA || info.page_shift != 16 ||
	    info.mem_size != bar_size || strcmp(info.name, nvt_bdf))
		pt_fail("DEV_INFO: provider %u page_shift %u mem_size %" PRIu64
			" name '%s', expected %u, 16, %zu, '%s'", info.provider,
			info.page_shift, (uint64_t)info.mem_size, info.name,
			PHXFS_PROVIDER_NVIDIA, bar_size, nvt_bdf);
	pt_note("a. %s: provider nvidia, DEV_INFO page_shift 16, %zu MiB, '%s'",
		DEV_PATH, bar_size >> 20, info.name);
}

/* b. Disk to GPU memory and back, through CUDA addresses. */
static void step_read_write(void)
{
	void *t;

	memset(bar + B_BAR - GPU_PAGE, 0x5a, B_LEN + 2 * GPU_PAGE);
	PT_OK(phxfs_regmem(0, gpu(B_BAR), B_LEN, &t));
	if ((uintptr_t)t % 4096)
		pt_fail("GPU page aligned memory got target %p", t);
	nvt_expect_counter("mappings", 1, "8 MiB registered");
	nvt_expect_counter("pinned_bytes", B_LEN, "8 MiB registered");
	nvt_expect_fake("pinned", 1, "8 MiB registered");

	read_into(t, B_LEN, DISK_B, "8 MiB into GPU memory");
	read_disk(buf_a, B_LEN, DISK_B);
	expect_bar(B_BAR, buf_a, B_LEN, "8 MiB read into GPU memory");
	expect_fill(B_BAR - GPU_PAGE, 0x5a, GPU_PAGE, "before the 8 MiB");
	expect_fill(B_BAR + B_LEN, 0x5a, GPU_PAGE, "after the 8 MiB");
	pt_note("b. regmem(nvt_va_base + 1 MiB, 8 MiB); 8 MiB O_DIRECT pread: the disk's bytes at BAR offset 1 MiB");

	if (pwrite(nvme, (char *)t + MIB, 2 * MIB, DISK_W) != (ssize_t)(2 * MIB))
		pt_fail("2 MiB pwrite from GPU memory: %s", strerror(errno));
	read_disk(buf_a, 2 * MIB, DISK_W);
	expect_bar(B_BAR + MIB, buf_a, 2 * MIB, "2 MiB written from GPU memory");
	pt_note("b. 2 MiB O_DIRECT pwrite from target + 1 MiB: read back, same as the BAR");
	PT_OK(phxfs_deregmem(0, gpu(B_BAR), B_LEN));
	expect_nothing_pinned("after deregmem of the 8 MiB");
}

/* c. A range inside one GPU page pins that whole page. */
static void step_widen(void)
{
	void *t;

	memset(bar + C_BAR, 0x5a, GPU_PAGE);
	PT_OK(phxfs_regmem(0, gpu(C_BAR + 4096), 8192, &t));
	nvt_expect_fake("pinned", 1, "8 KiB registered");
	nvt_expect_counter("pinned_bytes", 8192, "8 KiB registered");
	read_into(t, 4096, DISK_C, "4 KiB into a widened range");
	read_disk(buf_a, 4096, DISK_C);
	expect_bar(C_BAR + 4096, buf_a, 4096, "4 KiB read");
	expect_fill(C_BAR, 0x5a, 4096, "before the 4 KiB");
	expect_fill(C_BAR + 8192, 0x5a, GPU_PAGE - 8192, "after the 4 KiB");
	PT_OK(phxfs_deregmem(0, gpu(C_BAR + 4096), 8192));
	expect_nothing_pinned("after deregmem of the 8 KiB");
	pt_note("c. regmem(nvt_va_base + 16 MiB + 4 KiB, 8 KiB): 4 KiB pread landed at BAR offset 16 MiB + 4 KiB, bytes around untouched");
}

/* Bad input to the fake's free and alloc: EINVAL, and nothing changes. */
static void expect_fake_einval(const char *text)
{
	static const char *const attrs[] = { "free", "alloc" };
	int err;

	for (int i = 0; i < 2; i++) {
		err = fake_write(attrs[i], text);
		if (err != EINVAL)
			pt_fail("%s '%s': %s, expected EINVAL", attrs[i], text,
				err ? strerror(err) : "accepted");
	}
}

static void expect_fake_range_einval(uint64_t va, long long len)
{
	char text[64];

	snprintf(text, sizeof(text), "%#" PRIx64 " %lld", va, len);
	expect_fake_einval(text);
}

/* d. What the driver will not pin, and bad input to the fake itself. */
static void step_errors(void)
{
	long long errors = phxtest_counter("errors");
	void *host = malloc(MIB), *t;

	if (!host)
		pt_fail("malloc");
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, host, 65536, &t), EINVAL);
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, gpu(bar_size), GPU_PAGE, &t),
			   EINVAL);
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, gpu(bar_size - GPU_PAGE),
					2 * GPU_PAGE, &t), EINVAL);
	fake_range("free", D_BAR, MIB);
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, gpu(D_BAR + 4096), 4096, &t),
			   EINVAL);
	nvt_expect_counter("errors", errors + 4, "after 4 refused regmem");
	expect_nothing_pinned("after 4 refused regmem");
	pt_note("d. host memory, past the BAR, across its end, freed memory: EINVAL; errors %lld -> %lld",
		errors, errors + 4);

	expect_fake_einval("garbage\n");
	expect_fake_einval("4096\n");
	expect_fake_einval("1 2 3\n");
	expect_fake_einval("0x100000000000 -65536\n");
	expect_fake_einval("00000000000000000000000000000000000000000000 65536\n");
	expect_fake_range_einval(nvt_va_base + 4096, GPU_PAGE);
	expect_fake_range_einval(nvt_va_base, 4096);
	expect_fake_range_einval(nvt_va_base, 0);
	expect_fake_range_einval(nvt_va_base - GPU_PAGE, 2 * GPU_PAGE);
	expect_fake_range_einval(nvt_va_base + bar_size, GPU_PAGE);
	expect_fake_range_einval(nvt_va_base + bar_size - GPU_PAGE, 2 * GPU_PAGE);
	expect_fake_range_einval(UINT64_MAX - GPU_PAGE + 1, GPU_PAGE);
	fake_range("alloc", D_BAR, MIB);
	PT_OK(phxfs_regmem(0, gpu(D_BAR + 4096), 4096, &t));
	PT_OK(phxfs_deregmem(0, gpu(D_BAR + 4096), 4096));
	nvt_expect_fake("callbacks", 0, "after freeing memory nobody pinned");
	expect_nothing_pinned("after alloc, regmem, deregmem");
	free(host);
	pt_note("d. %s refuses bad free/alloc input (EINVAL); alloc makes freed memory pinnable again",
		FAKE);
}

/* e. The application frees memory that is still registered. */
static void step_revoke(void)
{
	void *t;

	PT_OK(phxfs_regmem(0, gpu(E_BAR), E_LEN, &t));
	nvt_expect_fake("pinned", 1, "4 MiB registered");
	fake_range("free", E_BAR, E_LEN);
	nvt_expect_counter("revoked", 1, "after free of a registered range");
	nvt_expect_fake("callbacks", 1, "after free of a registered range");
	nvt_expect_fake("pinned", 0, "after free of a registered range");
	pt_note("e. free of a registered 4 MiB: free callback ran, phxfs revoked 1, nothing pinned");

	memset(bar + E_BAR, 0x3c, E_LEN);
	errno = 0;
	expect_efault(pread(nvme, t, E_LEN, DISK_E), "pread after free");
	errno = 0;
	expect_efault(pwrite(nvme, t, 4096, DISK_EW), "pwrite after free");
	expect_fill(E_BAR, 0x3c, E_LEN, "freed GPU memory after a refused pread");
	PT_OK(phxfs_deregmem(0, gpu(E_BAR), E_LEN));
	expect_nothing_pinned("after deregmem of the revoked range");
	fake_range("alloc", E_BAR, E_LEN);
	pt_note("e. pread/pwrite on it: EFAULT, no BAR byte changed; deregmem 0; counters back to 0");
}

/**
 * struct reader - the thread that keeps DMA going during a revocation
 * @target:	where it reads to
 * @done:	whole 64 MiB reads completed
 * @shorts:	short reads (the revocation cut one)
 * @err:	errno of the read that failed; 0 if one returned 0
 */
struct reader {
	void *target;
	atomic_int done;
	int shorts;
	int err;
};

static void *reader(void *arg)
{
	struct reader *r = arg;

	for (unsigned int i = 0;; i++) {
		ssize_t n = pread(nvme, r->target, F_LEN,
				  i % 2 ? DISK_F1 : DISK_F0);

		if (n <= 0) {
			r->err = n ? errno : 0;
			return NULL;
		}
		if (n != (ssize_t)F_LEN)
			r->shorts++;
		else
			atomic_fetch_add(&r->done, 1);
	}
}

/* Every 4 KiB of the snapshot is the same block of one of the two regions. */
static void expect_from_disk(int round)
{
	for (size_t off = 0; off < F_LEN; off += 4096)
		if (memcmp(snap + off, buf_a + off, 4096) &&
		    memcmp(snap + off, buf_b + off, 4096))
			pt_fail("round %d: BAR offset %#zx holds bytes of neither disk region",
				round, F_BAR + off);
}

/* f. Revoke while a read DMAs into the memory: nothing lands afterwards. */
static void step_revoke_under_io(void)
{
	struct timespec ms = { 0, 1000 * 1000 };

	read_disk(buf_a, F_LEN, DISK_F0);
	read_disk(buf_b, F_LEN, DISK_F1);
	if (!memcmp(buf_a, buf_b, F_LEN))
		pt_fail("the two disk regions are the same");

	for (int round = 1; round <= 3; round++) {
		long long revoked = phxtest_counter("revoked");
		long long callbacks = nvt_fake_counter("callbacks");
		struct reader r = { .done = 0 };
		pthread_t th;
		int done_at_free;

		PT_OK(phxfs_regmem(0, gpu(F_BAR), F_LEN, &r.target));
		if (pthread_create(&th, NULL, reader, &r))
			pt_fail("pthread_create");
		while (atomic_load(&r.done) < round)
			nanosleep(&ms, NULL);
		fake_range("free", F_BAR, F_LEN);
		/* From here on no DMA may reach the memory. */
		memcpy(snap, bar + F_BAR, F_LEN);
		done_at_free = atomic_load(&r.done);
		pthread_join(th, NULL);
		if (r.err != EFAULT)
			pt_fail("round %d: the reader stopped with %s, expected EFAULT",
				round, r.err ? strerrorname_np(r.err) : "a read of 0 bytes");
		sleep(1);
		for (size_t i = 0; i < F_LEN; i++)
			if (bar[F_BAR + i] != snap[i])
				pt_fail("round %d: BAR byte %#zx changed from %#04x to %#04x after free returned",
					round, F_BAR + i, snap[i],
					bar[F_BAR + i]);
		expect_from_disk(round);
		nvt_expect_counter("revoked", revoked + 1, "after free under I/O");
		nvt_expect_fake("callbacks", callbacks + 1, "after free under I/O");
		PT_OK(phxfs_deregmem(0, gpu(F_BAR), F_LEN));
		expect_nothing_pinned("after deregmem of the range freed under I/O");
		pt_note("f. round %d: free after %d whole 64 MiB reads (%d when it returned), %d short read%s, then EFAULT; BAR unchanged 1 s later",
			round, round, done_at_free, r.shorts,
			r.shorts == 1 ? "" : "s");
		fake_range("alloc", F_BAR, F_LEN);
	}
}

/* g. The GPU's driver unbinds under a live mapping, then binds again. */
static void step_unbind(void)
{
	long long callbacks = nvt_fake_counter("callbacks");
	char line[64];
	void *t;
	int err;

	PT_OK(phxfs_regmem(0, gpu(G_BAR), G_LEN, &t));
	read_into(t, MIB, DISK_G, "1 MiB before unbind");
	memset(bar + G_BAR, 0x77, G_LEN);

	err = nvt_write_file(FAKE_DRIVER "/unbind", nvt_bdf);
	if (err)
		pt_fail("unbind %s from %s: %s", nvt_bdf, FAKE, strerror(err));
	if (!vmtest_wait_exists(DEV_PATH, 0) || vmtest_exists(CLASS_PATH))
		pt_fail("%s still there after the GPU's driver unbound", DEV_PATH);
	errno = 0;
	expect_efault(pread(nvme, t, MIB, DISK_G), "pread after unbind");
	/* The file is still open: MAP must stop before the provider's pin. */
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, gpu(G_BAR + G_LEN), GPU_PAGE, &t),
			   ENODEV);
	PT_OK(phxfs_close(0));
	pt_note("g. unbind of %s with 8 MiB registered: %s gone, pread EFAULT, regmem ENODEV, phxfs_close 0",
		FAKE, DEV_PATH);

	err = nvt_write_file(FAKE_DRIVER "/bind", nvt_bdf);
	if (err)
		pt_fail("bind %s to %s: %s", nvt_bdf, FAKE, strerror(err));
	if (!vmtest_wait_exists(DEV_PATH, 1))
		pt_fail("%s did not come back after bind", DEV_PATH);
	read_file(CLASS_PATH "/provider", line, sizeof(line));
	if (strcmp(line, "nvidia\n"))
		pt_fail("provider '%s' after bind", line);
	/* phxfs let go in the unbind notifier, before the driver's remove(). */
	nvt_expect_fake("callbacks", callbacks, "after unbind and bind");
	nvt_expect_fake("pinned", 0, "after unbind and bind");
	expect_fill(G_BAR, 0x77, G_LEN, "GPU memory after the pread refused while unbound");

	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, gpu(G2_BAR), MIB, &t));
	read_into(t, MIB, DISK_G2, "1 MiB after bind");
	read_disk(buf_a, MIB, DISK_G2);
	expect_bar(G2_BAR, buf_a, MIB, "1 MiB read after bind");
	pt_note("g. bind again: %s back, open + regmem + 1 MiB pread correct", DEV_PATH);
}

/* expect_nothing_pinned(), given up to 5 s: the unpin may come late. */
static void wait_nothing_pinned(const char *when)
{
	struct timespec ms = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 500; i++) {
		if (!phxtest_counter("mappings") &&
		    !phxtest_counter("pinned_bytes") && !nvt_fake_counter("pinned"))
			break;
		nanosleep(&ms, NULL);
	}
	expect_nothing_pinned(when);
	nvt_expect_fake("persistent_pinned", 0, when);
}

/* p. persistent=1: the application frees pinned memory; the pin keeps it. */
static void step_persistent(void)
{
	long long revoked = phxtest_counter("revoked");
	void *t;
	int err;

	memset(bar + P_BAR, 0x5a, P_LEN);
	PT_OK(phxfs_regmem(0, gpu(P_BAR), P_LEN, &t));
	read_into(t, P_LEN, DISK_P, "8 MiB into persistently pinned memory");
	read_disk(buf_a, P_LEN, DISK_P);
	expect_bar(P_BAR, buf_a, P_LEN, "8 MiB read into persistently pinned memory");

	fake_range("free", P_BAR, P_LEN);
	/* No callback: the registration is intact and I/O still lands. */
	read_into(t, P_LEN, DISK_P2,
		  "pread after free of persistently pinned memory (a free callback revoked it?)");
	read_disk(buf_a, P_LEN, DISK_P2);
	expect_bar(P_BAR, buf_a, P_LEN, "8 MiB read after the free");
	nvt_expect_fake("callbacks", 0, "after free of persistently pinned memory");
	nvt_expect_counter("revoked", revoked, "after free of persistently pinned memory");
	nvt_expect_fake("persistent_pinned", 1, "after free of persistently pinned memory");
	nvt_expect_fake("pinned", 1, "after free of persistently pinned memory");
	pt_note("p. persistent pin of 8 MiB, free: no callback, nothing revoked, an 8 MiB pread still lands in the BAR");

	/* A new cudaMalloc() cannot get memory still pinned. */
	err = nvt_fake_range("alloc", P_BAR, P_LEN);
	if (err != EBUSY)
		pt_fail("alloc of freed memory a persistent pin holds: %s, expected EBUSY",
			err ? strerror(err) : "accepted");

	PT_OK(phxfs_deregmem(0, gpu(P_BAR), P_LEN));
	wait_nothing_pinned("after deregmem of the persistent pin");
	fake_range("alloc", P_BAR, P_LEN);
	pt_note("p. alloc meanwhile: EBUSY; deregmem: unpinned (put_pages_persistent), counters 0, alloc succeeds");
}

/* h. Everything let go; the modules unload, in order only. */
static void step_cleanup(void)
{
	char line[64];

	PT_OK(phxfs_deregmem(0, gpu(G2_BAR), MIB));
	PT_OK(phxfs_close(0));
	expect_nothing_pinned("after the last deregmem and close");
	pt_note("h. deregmem, close: mappings 0, pinned_bytes 0, %s pinned 0",
		FAKE);

	read_file("/sys/module/" FAKE "/refcnt", line, sizeof(line));
	line[strcspn(line, "\n")] = '\0';
	errno = 0;
	if (unload_module(FAKE) == 0)
		pt_fail("%s unloaded while phxfs holds its symbols", FAKE);
	if (errno != EAGAIN && errno != EBUSY)
		pt_fail("rmmod %s while phxfs is loaded: %s, expected EAGAIN or EBUSY",
			FAKE, strerror(errno));
	pt_note("h. rmmod %s while phxfs is loaded: refused (%s, refcnt %s)",
		FAKE, strerrorname_np(errno), line);

	if (unload_module("phxfs"))
		pt_fail("rmmod phxfs: %s", strerror(errno));
	if (!vmtest_wait_exists(DEV_PATH, 0) || vmtest_exists("/sys/module/phxfs"))
		pt_fail("phxfs or %s still there after rmmod", DEV_PATH);
	if (unload_module(FAKE))
		pt_fail("rmmod %s after phxfs: %s", FAKE, strerror(errno));
	if (vmtest_exists("/sys/module/" FAKE))
		pt_fail("/sys/module/%s still there after rmmod", FAKE);
	pt_note("h. rmmod phxfs, then rmmod %s: both unloaded", FAKE);
}

int main(int argc, char **argv)
{
	const char *kmod = vmtest_env("PHXVM_KMOD");
	char args[128];

	pt_name = "nvidia_provider";
	if (argc != 2)
		pt_fail("usage: nvidia_provider PATH/%s.ko (under phxvm --kmod phxfs.ko --no-insmod)",
			FAKE);
	nvt_bdf = vmtest_env("PHXVM_BAR_BDF");
	if (vmtest_exists("/sys/module/phxfs") || vmtest_exists("/sys/module/" FAKE))
		pt_fail("phxfs or %s is loaded already: run with phxvm --no-insmod",
			FAKE);
	buf_a = aligned_alloc(4096, F_LEN);
	buf_b = aligned_alloc(4096, F_LEN);
	snap = malloc(F_LEN);
	if (!buf_a || !buf_b || !snap)
		pt_fail("out of memory");
	nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT | O_CLOEXEC);
	if (nvme < 0)
		pt_fail("open %s: %s", vmtest_env("PHXVM_NVME"), strerror(errno));

	/* The double's GPUs: phxfs serves those of the driver named here. */
	snprintf(args, sizeof(args), "nvidia_driver=" FAKE " nvidia_bar=%s/%s",
		 nvt_bdf, vmtest_env("PHXVM_BAR_INDEX"));
	load_without_driver(kmod, args);
	/* A GPU without persistent pins: the free callback's scenarios. */
	load_both(argv[1], "persistent=0", kmod, args);
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < 256 * MIB)
		pt_fail("BAR of %zu MiB: this test needs 256 MiB", bar_size >> 20);

	step_device();
	PT_OK(phxfs_open(0));
	step_read_write();
	step_widen();
	step_errors();
	step_revoke();
	step_revoke_under_io();
	step_unbind();
	step_cleanup();

	/* Persistent pins: the same provider, no free callback. */
	load_both(argv[1], "persistent=1", kmod, args);
	step_device();
	PT_OK(phxfs_open(0));
	step_read_write();
	step_persistent();
	/* phxfs must put persistent pins itself: the double warns otherwise. */
	step_unbind();
	step_cleanup();
	pt_note("PASS");
	return 0;
}
