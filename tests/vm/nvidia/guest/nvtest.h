/* SPDX-License-Identifier: MIT */
/*
 * nvtest.h - what the guest tests of the nvidia provider share beyond
 * phxtest.h: loading phxfs_fake_nvidia (the test double of the NVIDIA
 * driver) and phxfs by hand, playing the application through the double's
 * sysfs files, the raw ioctls (the tests need the handle, for QUERY), and
 * probing a target address under a SIGBUS handler.
 */
#ifndef PHXFS_NVTEST_H
#define PHXFS_NVTEST_H

#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"

#define NVT_FAKE "phxfs_fake_nvidia"
#define NVT_DEV "/dev/" PHXFS_DEVNAME_PREFIX "0"
#define NVT_GPU_PAGE ((size_t)64 << 10)

static const char *nvt_bdf;
/* The CUDA address of BAR offset 0. */
static uint64_t nvt_va_base;

static inline double nvt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* finit_module: 0 or -1 with errno. */
static inline int nvt_load_module(const char *ko, const char *args)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret, err;

	if (fd < 0)
		pt_fail("open %s: %s", ko, strerror(errno));
	ret = (int)syscall(SYS_finit_module, fd, args, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/* Write @text to @path: 0 or an errno. */
static inline int nvt_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, text, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	close(fd);
	return err;
}

static inline long long nvt_read_number(const char *path)
{
	long long v;
	FILE *f = fopen(path, "r");

	if (!f || fscanf(f, "%lli", &v) != 1)
		pt_fail("read %s: %s", path, strerror(errno));
	fclose(f);
	return v;
}

/* A counter of the double, in its sysfs directory on the PCI device. */
static inline long long nvt_fake_counter(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", nvt_bdf,
		 name);
	return nvt_read_number(path);
}

/* cudaFree() ("free") or cudaMalloc() ("alloc") of BAR [@off, +@len): errno. */
static inline int nvt_fake_range(const char *attr, size_t off, size_t len)
{
	char path[128], text[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", nvt_bdf,
		 attr);
	snprintf(text, sizeof(text), "0x%" PRIx64 " %zu\n", nvt_va_base + off,
		 len);
	return nvt_write_file(path, text);
}

static inline void nvt_expect_fake(const char *name, long long want,
				   const char *when)
{
	long long v = nvt_fake_counter(name);

	if (v != want)
		pt_fail("%s: %s %s is %lld, expected %lld", when, NVT_FAKE,
			name, v, want);
}

static inline void nvt_expect_counter(const char *name, long long want,
				      const char *when)
{
	long long v = phxtest_counter(name);

	if (v != want)
		pt_fail("%s: phxfs %s is %lld, expected %lld", when, name, v,
			want);
}

/*
 * The double with @fake_args, then phxfs (PHXVM_KMOD) serving its BAR as
 * GPU memory; the harness ran with --no-insmod.
 */
static inline void nvt_load(const char *fake_ko, const char *fake_args)
{
	char args[128];

	nvt_bdf = vmtest_env("PHXVM_BAR_BDF");
	if (vmtest_exists("/sys/module/phxfs") ||
	    vmtest_exists("/sys/module/" NVT_FAKE))
		pt_fail("phxfs or %s is loaded already: run with phxvm --no-insmod",
			NVT_FAKE);
	if (nvt_load_module(fake_ko, fake_args))
		pt_fail("loading %s '%s': %s", fake_ko, fake_args,
			strerror(errno));
	nvt_va_base = (uint64_t)nvt_read_number("/sys/module/" NVT_FAKE
						"/parameters/va_base");
	/* The double's GPUs: phxfs serves those of the driver named here. */
	snprintf(args, sizeof(args), "nvidia_driver=" NVT_FAKE " nvidia_bar=%s/%s",
		 nvt_bdf, vmtest_env("PHXVM_BAR_INDEX"));
	if (nvt_load_module(vmtest_env("PHXVM_KMOD"), args))
		pt_fail("loading phxfs '%s': %s", args, strerror(errno));
	if (!vmtest_wait_exists(NVT_DEV, 1))
		pt_fail("%s did not appear", NVT_DEV);
	pt_note("%s '%s' and phxfs '%s' loaded: GPU memory at CUDA address %#" PRIx64,
		NVT_FAKE, fake_args, args, nvt_va_base);
}

/* rmmod phxfs, then the double: both must go. */
static inline void nvt_unload(void)
{
	if (syscall(SYS_delete_module, "phxfs", O_NONBLOCK))
		pt_fail("rmmod phxfs: %s", strerror(errno));
	if (syscall(SYS_delete_module, NVT_FAKE, O_NONBLOCK))
		pt_fail("rmmod %s after phxfs: %s", NVT_FAKE,
			strerror(errno));
	pt_note("rmmod phxfs, then rmmod %s: both unloaded", NVT_FAKE);
}

/*
 * Up to 5 s for nothing to be left: no mapping counted (releasing ones
 * included), nothing pinned on either side.
 */
static inline void nvt_wait_nothing_pinned(const char *when)
{
	struct timespec ms = { 0, 10 * 1000 * 1000 };
	long long m = -1, r = -1, b = -1, p = -1, pp = -1;

	for (int i = 0; i < 500; i++) {
		m = phxtest_counter("mappings");
		r = phxtest_counter("releasing");
		b = phxtest_counter("pinned_bytes");
		p = nvt_fake_counter("pinned");
		pp = nvt_fake_counter("persistent_pinned");
		if (!m && !r && !b && !p && !pp)
			return;
		nanosleep(&ms, NULL);
	}
	pt_fail("%s: 5 s on, phxfs mappings %lld releasing %lld pinned_bytes %lld, %s pinned %lld persistent_pinned %lld; expected all 0",
		when, m, r, b, NVT_FAKE, p, pp);
}

/* PHXFS_IOC_MAP of CUDA address BAR offset @off into the VMA at @vma. */
static inline int nvt_map(int fd, void *vma, size_t off, size_t len,
			  uint64_t *handle)
{
	struct phxfs_map map = {
		.dev_addr = nvt_va_base + off,
		.length = len,
		.user_addr = (uintptr_t)vma,
	};
	int ret = ioctl(fd, PHXFS_IOC_MAP, &map);

	if (!ret && map.map_offset)
		pt_fail("MAP of a GPU page aligned address: map_offset %" PRIu64,
			(uint64_t)map.map_offset);
	*handle = map.handle;
	return ret;
}

static inline int nvt_unmap(int fd, uint64_t handle)
{
	struct phxfs_unmap unmap = { .handle = handle };

	return ioctl(fd, PHXFS_IOC_UNMAP, &unmap);
}

/* PHXFS_MAP_LIVE or PHXFS_MAP_REVOKED; fails the test on an error. */
static inline uint32_t nvt_query(int fd, uint64_t handle)
{
	struct phxfs_query q = { .handle = handle };

	if (ioctl(fd, PHXFS_IOC_QUERY, &q))
		pt_fail("QUERY of handle %" PRIu64 ": %s", handle,
			strerror(errno));
	return q.state;
}

static _Thread_local sigjmp_buf nvt_jmp;
static _Thread_local volatile sig_atomic_t nvt_probing;

static void nvt_on_fault(int sig)
{
	if (!nvt_probing) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	nvt_probing = 0;
	siglongjmp(nvt_jmp, sig);
}

/* Catch SIGBUS and SIGSEGV of nvt_touch(), in any thread. */
static inline void nvt_catch_faults(void)
{
	struct sigaction sa = { .sa_handler = nvt_on_fault };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* Read @p: 0 if it read (the byte in *@byte), else the signal it raised. */
static inline int nvt_touch(const volatile unsigned char *p,
			    unsigned char *byte)
{
	int sig = sigsetjmp(nvt_jmp, 1);

	if (sig)
		return sig;
	nvt_probing = 1;
	*byte = *p;
	nvt_probing = 0;
	return 0;
}

#endif /* PHXFS_NVTEST_H */
