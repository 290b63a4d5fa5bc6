// SPDX-License-Identifier: MIT
/*
 * Which path LibPhoenix takes for each device under PHXFS_COMPAT=auto, by
 * asking it: phxfs_open() and phxfs_mode(). With the module loaded device
 * ids are /dev/phxfs_devN numbers; without it, CUDA ordinals (compat).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/phxfs_weak.h"
#include "info.h"

void lib_gather(struct lib_info *lib)
{
#define FN(f)							\
	do {								\
		_Static_assert(sizeof(lib->fns) / sizeof(lib->fns[0]) >= 11, \
			       "room for every call after the seed API"); \
		lib->fns[lib->nfns].name = #f;				\
		lib->fns[lib->nfns++].present = PHXFS_HAS(f);		\
	} while (0)
	FN(phxfs_mode);
	FN(phxfs_read);
	FN(phxfs_write);
	FN(phxfs_batch_create);
	FN(phxfs_batch_submit);
	FN(phxfs_batch_reap);
	FN(phxfs_batch_destroy);
	FN(phxfs_read_async);
	FN(phxfs_write_async);
	FN(phxfs_registered);
	FN(phxfs_batch_run);
#undef FN
}

static const char *provider_of(const struct info *in, int phxfs_dev)
{
	for (int i = 0; i < in->ndevs; i++) {
		if (in->devs[i].index != phxfs_dev)
			continue;
		for (int a = 0; a < in->devs[i].nattrs; a++)
			if (!strcmp(in->devs[i].attrs[a].name, "provider"))
				return in->devs[i].attrs[a].value;
	}
	return "?";
}

static const char *iommu_type_of(const struct info *in, int phxfs_dev)
{
	for (int i = 0; i < in->ndevs; i++)
		if (in->devs[i].index == phxfs_dev)
			return in->devs[i].iommu_group_type;
	return "";
}

static void open_failed(const struct info *in, struct path_info *p)
{
	const char *why;

	switch (p->err) {
	case ENODEV:
		why = in->module.loaded ? "no such phxfs device" :
			"phoenix-fs is not loaded and compat mode found no CUDA device with this number";
		break;
	case EACCES:
		why = "no permission on the device node (mode 0600: run as root, or give the user access)";
		break;
	case EPROTO:
		why = "the loaded module speaks another ABI major version than this library";
		break;
	case EINVAL:
		why = "a malformed PHXFS_* environment variable (LibPhoenix said which on stderr)";
		break;
	default:
		why = strerror(p->err);
	}
	snprintf(p->why, sizeof(p->why), "phxfs_open(%d) failed: %s (%s)",
		 p->device_id, strerror(p->err), why);
}

static void try_open(const struct info *in, struct path_info *p)
{
	p->tried = true;
	errno = 0;
	if (phxfs_open(p->device_id)) {
		p->err = errno;
		open_failed(in, p);
		return;
	}
	/* The seed library, without phxfs_mode(), has only direct mode. */
	p->mode = PHXFS_HAS(phxfs_mode) ? phxfs_mode(p->device_id) :
					  PHXFS_MODE_DIRECT;
	phxfs_close(p->device_id);
	if (p->mode == PHXFS_MODE_DIRECT) {
		const char *type = iommu_type_of(in, p->phxfs_dev);

		p->iommu_blocks = type[0] && strcmp(type, "identity");
		snprintf(p->why, sizeof(p->why),
			 "direct: the module maps this device's memory (provider %s), I/O DMAs between storage and it%s%s%s",
			 provider_of(in, p->phxfs_dev),
			 p->iommu_blocks ? "; but its IOMMU group is '" : "",
			 p->iommu_blocks ? type : "",
			 p->iommu_blocks ? "', which blocks that DMA: use iommu=pt" : "");
	} else {
		snprintf(p->why, sizeof(p->why),
			 "compat: through pinned host buffers, because %s",
			 in->module.loaded ?
			 "the module does not serve this device" :
			 "phoenix-fs is not loaded");
	}
}

static struct path_info *add(struct info *in, int device_id, int phxfs_dev,
			     int gpu)
{
	struct path_info *p = &in->paths[in->npaths++];

	*p = (struct path_info){
		.device_id = device_id, .phxfs_dev = phxfs_dev, .gpu = gpu,
	};
	return p;
}

static void unserved_gpu(struct info *in, const struct gpu_dev *g)
{
	struct path_info *p = add(in, -1, -1, g->ordinal);

	snprintf(p->why, sizeof(p->why),
		 "not served by phoenix-fs (no /sys/class/phxfs device has PCI parent %s: was the NVIDIA driver loaded first, is nvidia_bar right? see the kernel log); %s",
		 g->pci[0] ? g->pci : "?",
		 PHXFS_HAS(phxfs_mode) ?
		 "reachable in compat mode only (PHXFS_COMPAT=on, device id = CUDA ordinal)" :
		 "this library has no compat mode");
	if (PHXFS_HAS(phxfs_mode))
		p->mode = PHXFS_MODE_COMPAT;
}

static void judge(struct info *in)
{
	bool direct = false, compat = false;

	for (int i = 0; i < in->npaths; i++) {
		const struct path_info *p = &in->paths[i];

		if (p->mode == PHXFS_MODE_DIRECT && !p->iommu_blocks)
			direct = true;
		else if (p->mode == PHXFS_MODE_COMPAT && p->gpu >= 0)
			compat = true;	/* without a GPU: host I/O only */
	}
	if (direct) {
		in->exit_code = 0;
		snprintf(in->verdict, sizeof(in->verdict),
			 "direct I/O: at least one device goes straight between storage and device memory");
	} else if (compat) {
		in->exit_code = 1;
		snprintf(in->verdict, sizeof(in->verdict),
			 "compat only: LibPhoenix works, through pinned host buffers");
	} else {
		in->exit_code = 2;
		snprintf(in->verdict, sizeof(in->verdict),
			 "no device: neither phoenix-fs nor a CUDA GPU that LibPhoenix can use");
	}
}

void paths_gather(struct info *in)
{
	/* LibPhoenix reads its environment at its first call: this one. */
	setenv("PHXFS_COMPAT", "auto", 1);
	if (in->module.loaded) {
		for (int i = 0; i < in->ndevs; i++)
			try_open(in, add(in, in->devs[i].index,
					 in->devs[i].index, in->devs[i].gpu));
		for (int i = 0; i < in->cuda.count; i++)
			if (in->cuda.gpus[i].phxfs_dev < 0)
				unserved_gpu(in, &in->cuda.gpus[i]);
	} else if (in->cuda.count) {
		for (int i = 0; i < in->cuda.count; i++)
			try_open(in, add(in, i, -1, i));
	} else {
		/* Nothing to serve: show what opening device 0 says. */
		struct path_info *p = add(in, 0, -1, -1);

		try_open(in, p);
		if (p->mode == PHXFS_MODE_COMPAT)
			snprintf(p->why, sizeof(p->why),
				 "compat, but phoenix-fs is not loaded and there is no CUDA device (%.200s): only host memory can be moved",
				 in->cuda.err[0] ? in->cuda.err : "none found");
	}
	judge(in);
}
