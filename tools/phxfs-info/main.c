// SPDX-License-Identifier: MIT
/*
 * phxfs-info: can this machine do direct storage I/O into device memory
 * with Phoenix, and if not, why not. Exit status: 0 direct I/O works, 1
 * compat (pinned host buffers) only, 2 nothing works or bad usage.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "info.h"

static const char usage[] =
"Usage: phxfs-info [--json]\n"
"\n"
"Checks the Phoenix setup, like gdscheck -p: the phoenix-fs module, its\n"
"devices and parameters, the IOMMU, the kernel log, the CUDA devices and\n"
"which /dev/phxfs_devN serves each, the PHXFS_* environment, and the path\n"
"LibPhoenix takes for each device with PHXFS_COMPAT=auto.\n"
"\n"
"  --json      one JSON object instead of text\n"
"  -h, --help  this text\n"
"\n"
"Exit status: 0 direct I/O possible, 1 compat only, 2 neither, or error.\n";

/* Too big for the stack: static. */
static struct info info;

/* Each phxfs device's CUDA ordinal: the GPU with the same PCI address. */
static void match_gpus(struct info *in)
{
	for (int i = 0; i < in->ndevs; i++)
		for (int g = 0; g < in->cuda.count; g++)
			if (in->devs[i].pci[0] &&
			    !strcmp(in->devs[i].pci, in->cuda.gpus[g].pci))
				in->devs[i].gpu = g;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fputs(usage, stderr);
		return 2;
	}
	env_gather(&info.env);
	lib_gather(&info.lib);
	module_gather(&info);
	cuda_gather(&info.cuda);
	match_gpus(&info);
	iommu_gather(&info);
	kmsg_gather(&info.log);
	paths_gather(&info);
	if (json)
		print_json(&info);
	else
		print_text(&info);
	return info.exit_code;
}
