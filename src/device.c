// SPDX-License-Identifier: MIT
/*
 * The seed API: the per-process device table and registration of device
 * memory through the phoenix-fs ioctl ABI; devices opened without the
 * module (compat mode) for the I/O calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <phxfs/phxfs.h>
#include <phxfs/phxfs_ioctl.h>

#include "device.h"
#include "knobs.h"
#include "memops.h"
#include "regmap.h"

/* The module numbers devices below this too. */
#define PHXFS_MAX_DEVICES 64

struct phxfs_device {
	pthread_mutex_t lock;
	atomic_int refs;	/* phxfs_open() count; 0: closed */
	int mode;		/* enum phxfs_mode */
	int fd;			/* the device node; -1 in compat mode */
	size_t granule;		/* the provider pins in these units */
	off_t next_offset;	/* each mmap its own offsets: see kmod */
	struct phxfs_regmap regs;
	/*
	 * Moves on (under @lock) whenever a registration goes away, so that
	 * the threads' hints (device.h) know to look again.
	 */
	atomic_uint_fast64_t gen;
	/* regs.count, for lookups that need not lock to find nothing. */
	atomic_size_t nregs;
};

_Thread_local struct phxfs_reg_hint phxfs_hint;

static struct phxfs_device devices[PHXFS_MAX_DEVICES];
static pthread_once_t devices_once = PTHREAD_ONCE_INIT;

static void devices_init(void)
{
	for (int i = 0; i < PHXFS_MAX_DEVICES; i++)
		pthread_mutex_init(&devices[i].lock, NULL);
}

/* The table slot of device @id, or NULL with errno ENODEV. */
static struct phxfs_device *device_slot(int id)
{
	if (id < 0 || id >= PHXFS_MAX_DEVICES) {
		errno = ENODEV;
		return NULL;
	}
	pthread_once(&devices_once, devices_init);
	return &devices[id];
}

/* The device, locked, if it is open; else NULL with errno ENODEV. */
static struct phxfs_device *lock_open_device(int id)
{
	struct phxfs_device *dev = device_slot(id);

	if (!dev)
		return NULL;
	pthread_mutex_lock(&dev->lock);
	if (!dev->refs) {
		pthread_mutex_unlock(&dev->lock);
		errno = ENODEV;
		return NULL;
	}
	return dev;
}

static int fail(struct phxfs_device *dev, int err)
{
	if (dev)
		pthread_mutex_unlock(&dev->lock);
	errno = err;
	return -1;
}

static int open_node(int id, struct phxfs_device *dev)
{
	struct phxfs_version ver = { 0 };
	struct phxfs_dev_info info = { 0 };
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/dev/" PHXFS_DEVNAME_PREFIX "%d", id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENXIO ? ENODEV : errno;
	if (ioctl(fd, PHXFS_IOC_VERSION, &ver) ||
	    ver.abi_major != PHXFS_ABI_MAJOR ||
	    !(ver.features & PHXFS_FEATURE_MAP)) {
		err = EPROTO;
		goto err_close;
	}
	if (ioctl(fd, PHXFS_IOC_DEV_INFO, &info)) {
		err = errno;
		goto err_close;
	}
	dev->fd = fd;
	dev->granule = (size_t)1 << info.page_shift;
	dev->next_offset = 0;
	return 0;

err_close:
	close(fd);
	return err;
}

/* Whether the module is loaded, whatever devices it has. */
static bool module_loaded(void)
{
	return access("/sys/module/phxfs", F_OK) == 0;
}

/* Compat mode: @id is a CUDA device ordinal, where CUDA can tell. */
static int open_compat(int id, struct phxfs_device *dev)
{
	int count = phxfs_mem_ops()->device_count();

	if (count >= 0 && id >= count)
		return ENODEV;
	dev->fd = -1;
	dev->mode = PHXFS_MODE_COMPAT;
	return 0;
}

static int open_device(int id, struct phxfs_device *dev,
		       enum phxfs_compat compat)
{
	int err;

	if (compat == PHXFS_COMPAT_ON)
		return open_compat(id, dev);
	err = open_node(id, dev);
	if (!err)
		dev->mode = PHXFS_MODE_DIRECT;
	else if (err == ENODEV && compat == PHXFS_COMPAT_AUTO &&
		 !module_loaded())
		err = open_compat(id, dev);
	return err;
}

int phxfs_open(int device_id)
{
	struct phxfs_device *dev = device_slot(device_id);
	const struct phxfs_knobs *knobs;
	int err;

	if (!dev)
		return -1;
	knobs = phxfs_knobs();
	if (!knobs)
		return -1;
	pthread_mutex_lock(&dev->lock);
	if (!dev->refs) {
		err = open_device(device_id, dev, knobs->compat);
		if (err)
			return fail(dev, err);
	}
	dev->refs++;
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

/* Before a registration goes: no thread's hint may lead to it any more. */
static void forget_hints(struct phxfs_device *dev)
{
	atomic_fetch_add_explicit(&dev->gen, 1, memory_order_release);
}

static int unmap_reg(struct phxfs_device *dev, const struct phxfs_reg *reg)
{
	struct phxfs_unmap req = { .handle = reg->handle };
	int err = 0;

	if (ioctl(dev->fd, PHXFS_IOC_UNMAP, &req))
		err = errno;
	munmap(reg->vma, reg->vma_len);
	return err;
}

int phxfs_close(int device_id)
{
	struct phxfs_device *dev = lock_open_device(device_id);

	if (!dev)
		return -1;
	if (--dev->refs == 0 && dev->mode == PHXFS_MODE_DIRECT) {
		forget_hints(dev);
		for (size_t i = 0; i < dev->regs.count; i++)
			unmap_reg(dev, &dev->regs.regs[i]);
		phxfs_regmap_free(&dev->regs);
		atomic_store(&dev->nregs, 0);
		close(dev->fd);
		dev->fd = -1;
	}
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

int phxfs_regmem(int device_id, const void *addr, size_t len,
		 void **target_addr)
{
	struct phxfs_map req = { 0 };
	struct phxfs_device *dev;
	struct phxfs_reg reg;
	uintptr_t start = (uintptr_t)addr;
	size_t head;
	void *vma;
	int err;

	if (!addr || !len || !target_addr || start + len < start) {
		errno = EINVAL;
		return -1;
	}
	dev = lock_open_device(device_id);
	if (!dev)
		return -1;
	if (dev->mode == PHXFS_MODE_COMPAT)
		return fail(dev, EOPNOTSUPP);
	if (phxfs_regmap_overlaps(&dev->regs, start, len))
		return fail(dev, EINVAL);

	/* Room for whole granules around [addr, addr + len). */
	head = start & (dev->granule - 1);
	if (len > SIZE_MAX - head - dev->granule)
		return fail(dev, EINVAL);
	reg.vma_len = (head + len + dev->granule - 1) & ~(dev->granule - 1);
	vma = mmap(NULL, reg.vma_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		   dev->fd, dev->next_offset);
	if (vma == MAP_FAILED)
		return fail(dev, errno);

	req.dev_addr = start;
	req.length = len;
	req.user_addr = (uintptr_t)vma;
	if (ioctl(dev->fd, PHXFS_IOC_MAP, &req)) {
		err = errno;
		munmap(vma, reg.vma_len);
		return fail(dev, err);
	}
	dev->next_offset += (off_t)reg.vma_len;

	reg.dev_addr = start;
	reg.len = len;
	reg.vma = vma;
	reg.target = (char *)vma + req.map_offset;
	reg.handle = req.handle;
	if (phxfs_regmap_insert(&dev->regs, &reg)) {
		err = errno;
		unmap_reg(dev, &reg);
		return fail(dev, err);
	}
	atomic_store(&dev->nregs, dev->regs.count);
	*target_addr = reg.target;
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

int phxfs_deregmem(int device_id, const void *addr, size_t len)
{
	struct phxfs_device *dev;
	struct phxfs_reg *reg;
	int err;

	if (!addr || !len) {
		errno = EINVAL;
		return -1;
	}
	dev = lock_open_device(device_id);
	if (!dev)
		return -1;
	reg = phxfs_regmap_find(&dev->regs, (uintptr_t)addr, len);
	if (!reg || reg->dev_addr != (uintptr_t)addr || reg->len != len)
		return fail(dev, ENOENT);
	forget_hints(dev);
	err = unmap_reg(dev, reg);
	phxfs_regmap_remove(&dev->regs, reg);
	atomic_store(&dev->nregs, dev->regs.count);
	if (err)
		return fail(dev, err);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

int phxfs_registered(int device_id, const void *addr, size_t len)
{
	struct phxfs_device *dev;
	bool found;

	if (!addr || !len || len - 1 > UINTPTR_MAX - (uintptr_t)addr) {
		errno = EINVAL;
		return -1;
	}
	dev = lock_open_device(device_id);
	if (!dev)
		return -1;
	found = phxfs_regmap_find(&dev->regs, (uintptr_t)addr, len) != NULL;
	pthread_mutex_unlock(&dev->lock);
	return found;
}

int phxfs_mode(int device_id)
{
	struct phxfs_device *dev = lock_open_device(device_id);
	int mode;

	if (!dev)
		return -1;
	mode = dev->mode;
	pthread_mutex_unlock(&dev->lock);
	return mode;
}

int phxfs_device_target(int id, uintptr_t addr, size_t len, void **target)
{
	struct phxfs_device *dev;
	struct phxfs_reg *reg;

	if (id >= 0 && id < PHXFS_MAX_DEVICES) {
		dev = &devices[id];
		*target = phxfs_hinted_target(id, addr, len);
		/* Compat mode, or no registration yet: nothing to find. */
		if (*target || (atomic_load(&dev->refs) > 0 &&
				!atomic_load(&dev->nregs)))
			return 0;
	}
	dev = lock_open_device(id);
	if (!dev)
		return -1;
	reg = phxfs_regmap_find(&dev->regs, addr, len);
	*target = NULL;
	/* Open, so the knobs were read and are good. */
	if (reg) {
		phxfs_hint = (struct phxfs_reg_hint){
			.id = id,
			.gen = atomic_load_explicit(&dev->gen,
						    memory_order_relaxed),
			.gen_now = &dev->gen,
			.dev_addr = reg->dev_addr,
			.len = reg->len,
			.target = reg->target,
			.small_io = phxfs_knobs()->small_io,
		};
		*target = (char *)reg->target + (addr - reg->dev_addr);
	}
	pthread_mutex_unlock(&dev->lock);
	return 0;
}
