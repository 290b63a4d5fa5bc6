// SPDX-License-Identifier: MIT
/*
 * Collective registration, all or nothing: every rank registers, all
 * agree, and if any failed the others undo theirs before returning, so a
 * failed call leaves nothing registered anywhere.
 */
#include "internal.h"

#include <errno.h>

/*
 * The device's registrations (src/regmap.c) are the one record: a range
 * registered or deregistered by phxfs_regmem()/phxfs_deregmem() directly
 * counts here too, so the context keeps no list of its own.
 */
bool phxfs_mpi_registered(const phxfs_mpi_t *ctx, const void *p)
{
	return p && phxfs_registered(ctx->device, p, 1) == 1;
}

int phxfs_mpi_regmem(phxfs_mpi_t *ctx, const void *addr, size_t len,
		     void **target_addr)
{
	void *target = NULL;
	int err = 0, done = 0, saved;

	if (!ctx) {
		errno = EINVAL;
		return -1;
	}
	if (len) {
		done = !phxfs_regmem(ctx->device, addr, len, &target);
		err = done ? 0 : errno;
	}
	if (!phxfs_mpi_agree(ctx, err)) {
		if (target_addr)
			*target_addr = target;
		return 0;
	}
	saved = errno;
	if (done)
		phxfs_deregmem(ctx->device, addr, len);
	errno = saved;
	return -1;
}

int phxfs_mpi_deregmem(phxfs_mpi_t *ctx, const void *addr, size_t len)
{
	int err = 0;

	if (!ctx) {
		errno = EINVAL;
		return -1;
	}
	if (len && phxfs_deregmem(ctx->device, addr, len))
		err = errno;
	return phxfs_mpi_agree(ctx, err);
}
