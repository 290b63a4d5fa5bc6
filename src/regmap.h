/* SPDX-License-Identifier: MIT */
/*
 * The registrations of one device, sorted by device address: O(log n)
 * lookup of the registration holding an address, overlap refused.
 * Not locked: the caller (device.c) holds the device's lock.
 */
#ifndef PHXFS_REGMAP_H
#define PHXFS_REGMAP_H

#include <stddef.h>
#include <stdint.h>

struct phxfs_reg {
	uintptr_t dev_addr;	/* device memory, as the user gave it */
	size_t len;
	void *vma;		/* our mmap() of the device node */
	size_t vma_len;
	void *target;		/* vma + offset of dev_addr: for I/O */
	uint64_t handle;	/* the module's name for the mapping */
};

struct phxfs_regmap {
	struct phxfs_reg *regs;	/* sorted by dev_addr, never overlapping */
	size_t count;
	size_t cap;
};

/* 0, or -1 with errno EINVAL (overlap) or ENOMEM. */
int phxfs_regmap_insert(struct phxfs_regmap *map, const struct phxfs_reg *reg);
/* Whether any registration overlaps [addr, addr + len). */
int phxfs_regmap_overlaps(const struct phxfs_regmap *map, uintptr_t addr,
			  size_t len);
/* The registration containing [addr, addr + len), or NULL. */
struct phxfs_reg *phxfs_regmap_find(const struct phxfs_regmap *map,
				    uintptr_t addr, size_t len);
/* Removes *reg, which must point into map->regs. */
void phxfs_regmap_remove(struct phxfs_regmap *map, struct phxfs_reg *reg);
void phxfs_regmap_free(struct phxfs_regmap *map);

#endif /* PHXFS_REGMAP_H */
