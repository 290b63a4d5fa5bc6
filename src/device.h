/* SPDX-License-Identifier: MIT */
/* The device table as the I/O engine sees it (device.c). */
#ifndef PHXFS_DEVICE_H
#define PHXFS_DEVICE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/*
 * When [addr, addr + len) lies in one registration of open device @id,
 * the module's address of @addr in *@target, else NULL (always in compat
 * mode). 0, or -1 with errno ENODEV if the device is not open.
 */
int phxfs_device_target(int id, uintptr_t addr, size_t len, void **target);

/*
 * The registration this thread found last, valid while its device's
 * generation (@gen_now) still reads @gen: a registration's removal moves
 * it on. I/O into one registered buffer, the common case, so finds its
 * target without the device's lock. The empty hint matches nothing.
 */
struct phxfs_reg_hint {
	int id;
	uint_fast64_t gen;
	const atomic_uint_fast64_t *gen_now;
	uintptr_t dev_addr;
	size_t len;
	char *target;
	size_t small_io;	/* PHXFS_SMALL_IO, read when it was set */
};

extern _Thread_local struct phxfs_reg_hint phxfs_hint;

/* The hint's target for [@addr, @addr + @len) of device @id, or NULL. */
static inline char *phxfs_hinted_target(int id, uintptr_t addr, size_t len)
{
	const struct phxfs_reg_hint *h = &phxfs_hint;
	uintptr_t skip = addr - h->dev_addr;

	if (h->id != id || addr < h->dev_addr || skip > h->len ||
	    len > h->len - skip || !h->gen_now ||
	    atomic_load_explicit(h->gen_now, memory_order_acquire) != h->gen)
		return NULL;
	return h->target + skip;
}

#endif /* PHXFS_DEVICE_H */
