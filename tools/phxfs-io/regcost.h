/* SPDX-License-Identifier: MIT */
/* -x 6: what opening a device and registering memory cost. */
#ifndef PHXIO_REGCOST_H
#define PHXIO_REGCOST_H

#include "gpu.h"
#include "opts.h"

/* Exit status: 0 when the phxfs side was measured, 1 otherwise. */
int regcost_run(const struct opts *o, const struct gpu_info *gpu,
		int phxfs_dev);

#endif /* PHXIO_REGCOST_H */
