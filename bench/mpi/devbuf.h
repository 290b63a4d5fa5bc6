/* SPDX-License-Identifier: MIT */
/*
 * Each rank's destination buffer: CUDA memory on the device the MPI layer
 * chose for the rank (built with CUDA and a device present), registered
 * with phxfs_mpi_regmem where the module serves it; else host memory.
 */
#ifndef PHXMB_DEVBUF_H
#define PHXMB_DEVBUF_H

#include <stdbool.h>
#include <stddef.h>

#include <phxfs/phxfs_mpi.h>

#include "opts.h"

struct devbuf {
	void *p;
	size_t len;
	bool cuda;		/* CUDA device memory (else malloc) */
	bool registered;	/* phxfs_mpi_regmem'd: storage DMAs into it */
	int cuda_device;	/* ordinal, -1 for host memory */
	char gpu_name[256];
	char why_host[256];	/* why host memory under --mem auto */
};

/*
 * Collective (registration): allocate @len bytes as @mem asks. 0, or -1
 * with a message on stderr.
 */
int devbuf_init(struct devbuf *b, phxfs_mpi_t *ctx, enum mem mem,
		size_t len);
void devbuf_free(struct devbuf *b, phxfs_mpi_t *ctx);	/* collective */

/* Every byte set to a value no file byte is expected to have in place. */
int devbuf_poison(struct devbuf *b);
/* Buffer bytes [@off, @off + @len) <-> host memory. 0 or -1. */
int devbuf_to_host(const struct devbuf *b, size_t off, size_t len,
		   void *dst);
int devbuf_from_host(struct devbuf *b, size_t off, size_t len,
		     const void *src);

#endif /* PHXMB_DEVBUF_H */
