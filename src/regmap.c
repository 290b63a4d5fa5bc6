// SPDX-License-Identifier: MIT
#include "regmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Index of the first registration that ends after @addr. */
static size_t first_ending_after(const struct phxfs_regmap *map,
				 uintptr_t addr)
{
	size_t lo = 0, hi = map->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct phxfs_reg *r = &map->regs[mid];

		if (r->dev_addr + r->len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int phxfs_regmap_overlaps(const struct phxfs_regmap *map, uintptr_t addr,
			  size_t len)
{
	size_t i = first_ending_after(map, addr);

	return i < map->count && map->regs[i].dev_addr < addr + len;
}

int phxfs_regmap_insert(struct phxfs_regmap *map, const struct phxfs_reg *reg)
{
	size_t i = first_ending_after(map, reg->dev_addr);

	if (phxfs_regmap_overlaps(map, reg->dev_addr, reg->len)) {
		errno = EINVAL;
		return -1;
	}
	if (map->count == map->cap) {
		size_t cap = map->cap ? map->cap * 2 : 16;
		struct phxfs_reg *regs = realloc(map->regs, cap * sizeof(*regs));

		if (!regs) {
			errno = ENOMEM;
			return -1;
		}
		map->regs = regs;
		map->cap = cap;
	}
	memmove(&map->regs[i + 1], &map->regs[i],
		(map->count - i) * sizeof(*map->regs));
	map->regs[i] = *reg;
	map->count++;
	return 0;
}

struct phxfs_reg *phxfs_regmap_find(const struct phxfs_regmap *map,
				    uintptr_t addr, size_t len)
{
	size_t i = first_ending_after(map, addr);
	struct phxfs_reg *r;

	if (i == map->count)
		return NULL;
	r = &map->regs[i];
	if (addr < r->dev_addr || len > r->len ||
	    addr - r->dev_addr > r->len - len)
		return NULL;
	return r;
}

void phxfs_regmap_remove(struct phxfs_regmap *map, struct phxfs_reg *reg)
{
	size_t i = (size_t)(reg - map->regs);

	memmove(&map->regs[i], &map->regs[i + 1],
		(map->count - i - 1) * sizeof(*map->regs));
	map->count--;
}

void phxfs_regmap_free(struct phxfs_regmap *map)
{
	free(map->regs);
	memset(map, 0, sizeof(*map));
}
