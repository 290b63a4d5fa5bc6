// SPDX-License-Identifier: MIT
/*
 * nvidia_holders - GPU memory whose pages a pipe holds (vmsplice) when its
 * owner lets go of it, with the nvidia provider over phxfs_fake_nvidia.
 *
 * nvidia_holders FAKE.ko persistent: the double offers persistent pins.
 * UNMAP returns at once; the application's cudaFree() does not give the
 * memory back while the pages are held: a new cudaMalloc() of it fails
 * (EBUSY), the pipe still reads the old owner's bytes, phxfs still counts
 * the mapping (releasing) and the pin stays. Once the pipe is closed,
 * everything is let go within 5 s and the memory can be allocated again.
 *
 * nvidia_holders FAKE.ko callback: the double has no persistent pins
 * (persistent=0), so the free callback takes the memory back. It returns
 * at once, without waiting for the pipe; the mapping is revoked (no pages,
 * O_DIRECT into it fails and writes nothing), its BAR pages stay claimed
 * (a new MAP of them fails EBUSY) and counted until the pipe is closed.
 *
 * Loads both modules itself: run under phxvm --kmod phxfs.ko --no-insmod.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "nvtest.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
/* The registered range, in the BAR and on the disk; the part spliced. */
#define H_OFF (4 * MIB)
#define H_LEN (1 * MIB)
#define DISK_H (1 * MIB)
#define DISK_H2 (8 * MIB)
#define SPLICE_LEN (64 * KIB)
#define MARK 0xc3

static unsigned char *bar;
static int nvme = -1;
static int phx = -1;
/* What the drive holds at DISK_H, read into host memory. */
static unsigned char *want;

/* A VMA of /dev/phxfs_dev0 at file offset @offset, for one MAP. */
static unsigned char *new_vma(off_t offset)
{
	void *vma = mmap(NULL, H_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, phx,
			 offset);

	if (vma == MAP_FAILED)
		pt_fail("mmap of %s: %s", NVT_DEV, strerror(errno));
	return vma;
}

/* O_DIRECT read of @disk_off into @target: must land whole in the BAR. */
static void read_into(unsigned char *target, off_t disk_off, const char *what)
{
	static unsigned char *host;
	ssize_t n;

	if (!host && posix_memalign((void **)&host, 4096, H_LEN))
		pt_fail("out of memory");
	if (pread(nvme, host, H_LEN, disk_off) != (ssize_t)H_LEN)
		pt_fail("pread into host memory: %s", strerror(errno));
	memset(bar + H_OFF, 0x5a, H_LEN);
	n = pread(nvme, target, H_LEN, disk_off);
	if (n != (ssize_t)H_LEN)
		pt_fail("%s: pread of 1 MiB: %zd (%s)", what, n,
			n < 0 ? strerror(errno) : "short");
	if (memcmp(bar + H_OFF, host, H_LEN))
		pt_fail("%s: the BAR holds other bytes than the disk", what);
}

/* The first SPLICE_LEN bytes of @target into a new pipe: its read end. */
static int splice_into_pipe(unsigned char *target)
{
	struct iovec iov = { target, SPLICE_LEN };
	int p[2];
	ssize_t n;

	if (pipe(p))
		pt_fail("pipe: %s", strerror(errno));
	n = vmsplice(p[1], &iov, 1, 0);
	if (n != (ssize_t)SPLICE_LEN)
		pt_fail("vmsplice of 64 KiB of GPU memory: %zd (%s)", n,
			n < 0 ? strerror(errno) : "short");
	close(p[1]);
	return p[0];
}

static void expect_sigbus(unsigned char *p, const char *when)
{
	unsigned char byte;
	int sig = nvt_touch(p, &byte);

	if (sig != SIGBUS)
		pt_fail("%s: touching the target %s", when,
			sig ? strsignal(sig) : "read a byte: still mapped");
}

/* @call, timed: it must return within @limit seconds. */
#define EXPECT_WITHIN(call, what, limit)				\
	do {								\
		double t0_ = nvt_now(), dt_;				\
		int err_ = (call);					\
									\
		dt_ = nvt_now() - t0_;					\
		if (err_)						\
			pt_fail("%s: %s", what, strerror(err_));	\
		if (dt_ >= (limit))					\
			pt_fail("%s took %.1f s while a pipe holds 64 KiB of the pages: it must not wait for them", \
				what, dt_);				\
		pt_note("%s: %.0f ms", what, dt_ * 1e3);		\
	} while (0)
#define EXPECT_PROMPT(call, what) EXPECT_WITHIN(call, what, 1.0)

static int unmap_err(uint64_t handle)
{
	return nvt_unmap(phx, handle) ? errno : 0;
}

/* Mapped but released by its owner: counted until the pipe lets go. */
static void expect_releasing(const char *when)
{
	nvt_expect_counter("mappings", 1, when);
	nvt_expect_counter("pinned_bytes", H_LEN, when);
	nvt_expect_counter("releasing", 1, when);
}

static void holders_persistent(void)
{
	unsigned char *vma = new_vma(0), *got = malloc(SPLICE_LEN);
	uint64_t handle;
	ssize_t n;
	int pipe_rd, err;

	if (!got)
		pt_fail("out of memory");
	if (nvt_map(phx, vma, H_OFF, H_LEN, &handle))
		pt_fail("MAP of 1 MiB of GPU memory: %s", strerror(errno));
	read_into(vma, DISK_H, "before the pipe");
	pipe_rd = splice_into_pipe(vma);
	pt_note("1 MiB registered and read from the disk; 64 KiB of it vmspliced into a pipe");

	EXPECT_PROMPT(unmap_err(handle), "UNMAP");
	expect_sigbus(vma, "after UNMAP");
	EXPECT_PROMPT(nvt_fake_range("free", H_OFF, H_LEN), "free (cudaFree)");
	nvt_expect_fake("callbacks", 0, "after free of persistently pinned memory");

	err = nvt_fake_range("alloc", H_OFF, H_LEN);
	if (err != EBUSY)
		pt_fail("alloc of the freed memory while the pipe holds its pages: %s, expected EBUSY",
			err ? strerror(err) : "accepted (the new owner got memory a pipe still reads)");
	expect_releasing("after UNMAP and free, the pipe holding the pages");
	nvt_expect_fake("persistent_pinned", 1, "while the pipe holds the pages");
	nvt_expect_fake("pinned", 1, "while the pipe holds the pages");
	pt_note("alloc: EBUSY; phxfs mappings 1 releasing 1, %s persistent_pinned 1",
		NVT_FAKE);

	n = read(pipe_rd, got, SPLICE_LEN);
	if (n != (ssize_t)SPLICE_LEN)
		pt_fail("read of the pipe: %zd (%s)", n,
			n < 0 ? strerror(errno) : "short");
	if (memcmp(got, want, SPLICE_LEN))
		pt_fail("the pipe's 64 KiB are not the old owner's bytes");
	close(pipe_rd);
	nvt_wait_nothing_pinned("after the pipe was read and closed");
	err = nvt_fake_range("alloc", H_OFF, H_LEN);
	if (err)
		pt_fail("alloc after the pipe let go: %s", strerror(err));
	pt_note("the pipe read the old owner's bytes; closed: counters 0, persistent_pinned 0, alloc succeeds");
	munmap(vma, H_LEN);
	free(got);
}

static void holders_callback(void)
{
	unsigned char *vma = new_vma(0), *vma2 = new_vma(H_LEN);
	uint64_t handle, handle2;
	int pipe_rd, err;

	if (nvt_map(phx, vma, H_OFF, H_LEN, &handle))
		pt_fail("MAP of 1 MiB of GPU memory: %s", strerror(errno));
	read_into(vma, DISK_H, "before the pipe");
	pipe_rd = splice_into_pipe(vma);
	pt_note("1 MiB registered and read from the disk; 64 KiB of it vmspliced into a pipe");

	/*
	 * The driver calls the free callback inside this write. It lets DMA
	 * in flight finish, for 2 s at most: a pipe cannot stall it longer.
	 */
	EXPECT_WITHIN(nvt_fake_range("free", H_OFF, H_LEN),
		      "free (cudaFree, the free callback)", 3.0);
	nvt_expect_fake("callbacks", 1, "after free");
	nvt_expect_fake("pinned", 0, "after free");
	if (nvt_query(phx, handle) != PHXFS_MAP_REVOKED)
		pt_fail("after the free callback: QUERY says LIVE, expected REVOKED");
	expect_sigbus(vma, "after the free callback");
	memset(bar + H_OFF, MARK, H_LEN);
	PHXTEST_EXPECT_ERR(pread(nvme, vma, H_LEN, DISK_H2), EFAULT);
	for (size_t i = 0; i < H_LEN; i++)
		if (bar[H_OFF + i] != MARK)
			pt_fail("BAR byte %#zx changed by a pread into the revoked mapping",
				H_OFF + i);
	pt_note("QUERY: REVOKED; touching the target: SIGBUS; pread into it: EFAULT, no BAR byte changed");

	/* The driver has its memory back; the pipe still holds the pages. */
	err = nvt_fake_range("alloc", H_OFF, H_LEN);
	if (err)
		pt_fail("alloc after the free callback: %s", strerror(err));
	PHXTEST_EXPECT_ERR(nvt_map(phx, vma2, H_OFF, H_LEN, &handle2), EBUSY);
	nvt_expect_fake("pinned", 0, "after the refused MAP");
	nvt_expect_counter("mappings", 1, "revoked, the pipe holding the pages");
	EXPECT_PROMPT(unmap_err(handle), "UNMAP of the revoked mapping");
	expect_releasing("after UNMAP, the pipe holding the pages");
	pt_note("a new MAP of the pages the pipe holds: EBUSY; after UNMAP: mappings 1 releasing 1");

	close(pipe_rd);
	nvt_wait_nothing_pinned("after the pipe was closed");
	nvt_expect_fake("callbacks", 1, "after the pipe was closed");
	if (nvt_map(phx, vma2, H_OFF, H_LEN, &handle2))
		pt_fail("MAP of the same memory after the pipe let go: %s",
			strerror(errno));
	read_into(vma2, DISK_H2, "mapped again");
	EXPECT_PROMPT(unmap_err(handle2), "UNMAP of the new mapping");
	nvt_wait_nothing_pinned("after the last UNMAP");
	pt_note("pipe closed: counters 0; the same memory maps again and I/O lands");
	munmap(vma, H_LEN);
	munmap(vma2, H_LEN);
}

int main(int argc, char **argv)
{
	size_t bar_size;
	int persistent;

	pt_name = "nvidia_holders";
	if (argc != 3 || (strcmp(argv[2], "persistent") &&
			  strcmp(argv[2], "callback")))
		pt_fail("usage: nvidia_holders PATH/%s.ko persistent|callback (under phxvm --kmod phxfs.ko --no-insmod)",
			NVT_FAKE);
	persistent = !strcmp(argv[2], "persistent");
	nvt_catch_faults();
	nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT | O_CLOEXEC);
	if (nvme < 0)
		pt_fail("open %s: %s", vmtest_env("PHXVM_NVME"),
			strerror(errno));
	if (posix_memalign((void **)&want, 4096, H_LEN) ||
	    pread(nvme, want, H_LEN, DISK_H) != (ssize_t)H_LEN)
		pt_fail("pread into host memory: %s", strerror(errno));

	nvt_load(argv[1], persistent ? "persistent=1" : "persistent=0");
	bar = phxtest_map_bar(&bar_size);
	if (bar_size < H_OFF + H_LEN)
		pt_fail("BAR of %zu bytes is too small", bar_size);
	phx = open(NVT_DEV, O_RDWR | O_CLOEXEC);
	if (phx < 0)
		pt_fail("open %s: %s", NVT_DEV, strerror(errno));

	if (persistent)
		holders_persistent();
	else
		holders_callback();
	close(phx);
	nvt_unload();
	pt_note("PASS");
	return 0;
}
