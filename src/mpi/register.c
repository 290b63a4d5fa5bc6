// SPDX-License-Identifier: MIT
/*
 * Collective registration, all or nothing: every rank registers, all
 * agree, and if any failed the others undo theirs before returning, so a
 * failed call leaves nothing registered anywhere.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

bool phxfs_mpi_registered(const phxfs_mpi_t *ctx, const void *p)
{
	uintptr_t a = (uintptr_t)p;

	for (size_t i = 0; i < ctx->nregs; i++)
		if (a >= ctx->regs[i].addr &&
		    a - ctx->regs[i].addr < ctx->regs[i].len)
			return true;
	return false;
}

static int remember(phxfs_mpi_t *ctx, const void *addr, size_t len)
{
	void *v = realloc(ctx->regs, (ctx->nregs + 1) * sizeof(*ctx->regs));

	if (!v)
		return ENOMEM;
	ctx->regs = v;
	ctx->regs[ctx->nregs].addr = (uintptr_t)addr;
	ctx->regs[ctx->nregs++].len = len;
	return 0;
}

static void forget(phxfs_mpi_t *ctx, const void *addr, size_t len)
{
	for (size_t i = 0; i < ctx->nregs; i++)
		if (ctx->regs[i].addr == (uintptr_t)addr &&
		    ctx->regs[i].len == len) {
			ctx->regs[i] = ctx->regs[--ctx->nregs];
			return;
		}
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
		if (done && (err = remember(ctx, addr, len)))
			phxfs_deregmem(ctx->device, addr, len);
		done = done && !err;
	}
	if (!phxfs_mpi_agree(ctx, err)) {
		if (target_addr)
			*target_addr = target;
		return 0;
	}
	saved = errno;
	if (done) {
		phxfs_deregmem(ctx->device, addr, len);
		forget(ctx, addr, len);
	}
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
	else if (len)
		forget(ctx, addr, len);
	return phxfs_mpi_agree(ctx, err);
}
