// SPDX-License-Identifier: MIT
/*
 * 100,000 random ioctls on the module from 4 threads at once: the real
 * commands with random contents (device addresses in and out of the BAR,
 * user addresses in and out of the thread's own mapping of the node, odd
 * lengths, flags and handles), the real command numbers with other sizes
 * and directions, other numbers, and argument pointers that are NULL,
 * unmapped or the kernel's. Nothing may oops or warn (the harness checks
 * the log); every call must answer 0 or a plain errno; what the module
 * writes back must hold no stray bytes (padding and the unused tail of a
 * name are zero); and once every file is closed, nothing stays mapped.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>

#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"

#define THREADS 4
#define CALLS 25000
#define VMA_LEN (4u << 20)
#define POISON 0xA5

static unsigned char *bar;
static size_t bar_size;

struct fuzzer {
	uint64_t rng;
	int fd;
	unsigned char *vma;	/* this thread's mapping of the node */
	long long ok, failed;
	long long by_errno[140];
};

static uint64_t next(struct fuzzer *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

/* An address: mostly useful ones, some hostile. */
static uint64_t some_addr(struct fuzzer *f, unsigned char *good, size_t len)
{
	switch (next(f) % 8) {
	case 0:
		return 0;
	case 1:
		return 0xffff888000000000ULL + (next(f) & 0xfffff000);
	case 2:
		return next(f);
	case 3:
		return (uint64_t)(uintptr_t)good + len - (next(f) % 8192);
	default:
		return (uint64_t)(uintptr_t)good + (next(f) % len);
	}
}

static uint64_t some_len(struct fuzzer *f)
{
	switch (next(f) % 6) {
	case 0:
		return 0;
	case 1:
		return next(f);
	case 2:
		return next(f) % 4096 + 1;
	default:
		return (next(f) % 64 + 1) * 65536;
	}
}

static void fill_random(struct fuzzer *f, void *p, size_t len)
{
	unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)next(f);
}

/* What the module wrote back for a successful call must hold no junk. */
static void check_out(unsigned long cmd, const void *arg)
{
	if (cmd == PHXFS_IOC_DEV_INFO) {
		const struct phxfs_dev_info *d = arg;
		size_t n = strnlen(d->name, sizeof(d->name));

		if (n == sizeof(d->name))
			pt_fail("DEV_INFO: name not terminated");
		for (size_t i = n; i < sizeof(d->name); i++)
			if (d->name[i])
				pt_fail("DEV_INFO: byte %zu after the name is %#x",
					i, (unsigned char)d->name[i]);
		if (d->pad || d->flags)
			pt_fail("DEV_INFO: pad %u flags %u", d->pad,
				d->flags);
	} else if (cmd == PHXFS_IOC_VERSION) {
		const struct phxfs_version *v = arg;

		if (v->pad || v->flags || v->abi_major != PHXFS_ABI_MAJOR)
			pt_fail("VERSION: major %u pad %u flags %u",
				v->abi_major, v->pad, v->flags);
	}
}

static void one_call(struct fuzzer *f)
{
	static const unsigned long cmds[] = {
		PHXFS_IOC_VERSION, PHXFS_IOC_DEV_INFO, PHXFS_IOC_MAP,
		PHXFS_IOC_UNMAP, PHXFS_IOC_QUERY,
	};
	union {
		struct phxfs_version v;
		struct phxfs_dev_info d;
		struct phxfs_map m;
		struct phxfs_unmap u;
		struct phxfs_query q;
		unsigned char raw[4096];
	} arg;
	unsigned long cmd = cmds[next(f) % 5];
	void *argp = &arg;
	uint64_t kind = next(f) % 16;
	int ret;

	memset(&arg, POISON, sizeof(arg));
	if (kind < 10) {
		/* A real command, mostly well-formed. */
		memset(&arg, 0, sizeof(arg));
		arg.m.dev_addr = some_addr(f, bar, bar_size);
		arg.m.length = some_len(f);
		arg.m.user_addr = some_addr(f, f->vma, VMA_LEN);
		if (cmd == PHXFS_IOC_UNMAP || cmd == PHXFS_IOC_QUERY)
			arg.u.handle = next(f) % 8 ? next(f) % 64 : next(f);
		if (next(f) % 8 == 0)
			arg.m.flags = (uint32_t)next(f);
		if (next(f) % 8 == 0)
			arg.m.pad = (uint32_t)next(f);
	} else if (kind < 13) {
		/* The right number, another size or direction. */
		cmd = _IOC(next(f) % 4, PHXFS_IOCTL_TYPE, _IOC_NR(cmd),
			   next(f) % 2 ? next(f) % 80 : next(f) % 4096);
		fill_random(f, &arg, next(f) % 2 ? sizeof(arg) : 64);
	} else if (kind < 14) {
		/* Another number of ours, or someone else's. */
		cmd = _IOC(next(f) % 4, next(f) % 4 ? PHXFS_IOCTL_TYPE :
			   (unsigned int)(next(f) & 0xff), next(f) & 0xff,
			   next(f) % 256);
		fill_random(f, &arg, sizeof(arg));
	} else {
		/* A pointer the module must not trust. */
		static const uintptr_t bad[] = { 0, 1, 0xffff888000000000ULL,
						 0x10000 };

		argp = (void *)bad[next(f) % 4];
	}

	errno = 0;
	ret = ioctl(f->fd, cmd, argp);
	if (ret != 0 && ret != -1)
		pt_fail("ioctl %#lx returned %d", cmd, ret);
	if (!ret) {
		f->ok++;
		if (argp == &arg)
			check_out(cmd, &arg);
		return;
	}
	if (errno <= 0 || errno >= 140)
		pt_fail("ioctl %#lx: errno %d", cmd, errno);
	f->failed++;
	f->by_errno[errno]++;
}

static void *run(void *arg)
{
	struct fuzzer *f = arg;
	char path[64];

	snprintf(path, sizeof(path), "/dev/%s0", PHXFS_DEVNAME_PREFIX);
	for (int i = 0; i < CALLS; i++) {
		/* Now and then a fresh file: mappings die with it. */
		if (i % 5000 == 0) {
			if (f->vma)
				munmap(f->vma, VMA_LEN);
			if (f->fd >= 0)
				close(f->fd);
			f->fd = open(path, O_RDWR);
			if (f->fd < 0)
				pt_fail("open %s: %s", path,
					strerror(errno));
			f->vma = mmap(NULL, VMA_LEN, PROT_READ | PROT_WRITE,
				      MAP_SHARED, f->fd, 0);
			if (f->vma == MAP_FAILED)
				pt_fail("mmap: %s", strerror(errno));
		}
		one_call(f);
	}
	munmap(f->vma, VMA_LEN);
	close(f->fd);
	return NULL;
}

int main(void)
{
	struct fuzzer f[THREADS] = { 0 };
	pthread_t t[THREADS];
	long long ok = 0, failed = 0;
	char line[512] = "";
	size_t at = 0;

	pt_name = "ioctl_fuzz";
	bar = phxtest_map_bar(&bar_size);
	for (int i = 0; i < THREADS; i++) {
		f[i].rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		f[i].fd = -1;
		if (pthread_create(&t[i], NULL, run, &f[i]))
			pt_fail("pthread_create");
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ok += f[i].ok;
		failed += f[i].failed;
	}
	for (int e = 1; e < 140; e++) {
		long long n = 0;

		for (int i = 0; i < THREADS; i++)
			n += f[i].by_errno[e];
		if (n && at < sizeof(line) - 40)
			at += (size_t)snprintf(line + at, sizeof(line) - at,
					       " %s:%lld", strerrorname_np(e), n);
	}
	pt_note("%lld ioctls: %lld succeeded, %lld failed:%s", ok + failed,
		ok, failed, line);
	if (ok + failed != (long long)THREADS * CALLS || !ok)
		pt_fail("calls went missing, or none succeeded");
	if (phxtest_counter("mappings") || phxtest_counter("pinned_bytes"))
		pt_fail("%lld mappings, %lld bytes pinned after every file closed",
			phxtest_counter("mappings"),
			phxtest_counter("pinned_bytes"));
	return 0;
}
