// SPDX-License-Identifier: MIT
/*
 * The registration map: sorted inserts from any order, overlap refused at
 * every edge, lookups of contained sub-ranges, removal; checked against a
 * brute-force model over thousands of random operations.
 */
#define _GNU_SOURCE
#include "../common/phxcheck.h"

#include "regmap.h"

#define SLOTS 4096		/* model: 64-byte cells of a 256 KiB space */
#define CELL 64

static int owner[SLOTS];	/* 0 free, else 1 + index into starts */
static unsigned int next_random(unsigned int *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

static int model_free(size_t cell, size_t n)
{
	for (size_t i = cell; i < cell + n; i++)
		if (owner[i])
			return 0;
	return 1;
}

int main(void)
{
	struct phxfs_regmap map = { 0 };
	unsigned int seed = 12345;
	int inserted = 0, refused = 0, removed = 0;

	pt_init("regmap");

	for (int op = 0; op < 20000; op++) {
		size_t cell = (size_t)next_random(&seed) % SLOTS;
		size_t n = 1 + (size_t)next_random(&seed) % 16;
		uintptr_t addr = 0x10000 + cell * CELL;

		if (cell + n > SLOTS)
			continue;
		if (next_random(&seed) % 3) {
			struct phxfs_reg reg = { .dev_addr = addr,
						 .len = n * CELL,
						 .handle = op };
			int free_in_model = model_free(cell, n);
			int ret = phxfs_regmap_insert(&map, &reg);

			PT_CHECK((ret == 0) == free_in_model,
			      "insert [%zu,+%zu): %d, model free %d", cell, n,
			      ret, free_in_model);
			if (ret == 0) {
				for (size_t i = cell; i < cell + n; i++)
					owner[i] = 1 + (int)cell;
				inserted++;
			} else {
				PT_CHECK(errno == EINVAL, "overlap errno %d", errno);
				refused++;
			}
		} else if (owner[cell]) {
			size_t start = (size_t)owner[cell] - 1, end = start;
			struct phxfs_reg *r;

			while (end < SLOTS && owner[end] == owner[cell])
				end++;
			/* A sub-range inside is found; one past the end is not. */
			r = phxfs_regmap_find(&map, 0x10000 + cell * CELL, CELL);
			PT_CHECK(r && r->dev_addr == 0x10000 + start * CELL &&
			      r->len == (end - start) * CELL, "find in [%zu,%zu)",
			      start, end);
			PT_CHECK(!phxfs_regmap_find(&map, 0x10000 + start * CELL,
						 (end - start) * CELL + 1),
			      "find past end of [%zu,%zu)", start, end);
			if (r) {
				phxfs_regmap_remove(&map, r);
				for (size_t i = start; i < end; i++)
					owner[i] = 0;
				removed++;
			}
		} else {
			PT_CHECK(!phxfs_regmap_find(&map, addr, 1),
			      "find in a free cell %zu", cell);
		}
		for (size_t i = 1; i < map.count; i++)
			PT_CHECK(map.regs[i - 1].dev_addr + map.regs[i - 1].len <=
			      map.regs[i].dev_addr, "order at %zu", i);
	}
	phxfs_regmap_free(&map);
	pt_note("%d inserted, %d overlaps refused, %d removed", inserted,
		refused, removed);
	return pt_summary();
}
