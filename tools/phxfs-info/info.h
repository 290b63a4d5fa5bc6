/* SPDX-License-Identifier: MIT */
/*
 * What phxfs-info finds out, gathered first (one file per source: the
 * module, the IOMMU, the kernel log, CUDA, the environment, LibPhoenix's
 * choice of path) and then printed as text or JSON (print.c).
 */
#ifndef PHXINFO_INFO_H
#define PHXINFO_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/sysfs.h"

#define MAX_PARAMS 16
#define MAX_DEVS 64
#define MAX_ATTRS 12
#define MAX_GPUS 64
#define MAX_LOG_LINES 32
#define MAX_KNOBS 16
#define MAX_PATHS (MAX_DEVS + MAX_GPUS)
#define MAX_IOMMU_UNITS 16
#define MAX_GROUP_TYPES 8

struct kv {
	char name[64];
	char value[256];
};

struct module_info {
	bool loaded;
	char version[64];	/* MODULE_VERSION, "" when none */
	char srcversion[64];
	char refcnt[16];
	bool abi_known;		/* PHXFS_IOC_VERSION answered */
	unsigned int abi_major, abi_minor;
	unsigned long long features;
	char abi_err[160];
	int nparams;
	struct kv params[MAX_PARAMS];
};

struct dev_info {
	int index;
	char pci[PCI_ADDR_LEN];	/* "" when the parent is not PCI */
	int nattrs;
	struct kv attrs[MAX_ATTRS];	/* sysfs files of the class device */
	bool node_ok;			/* DEV_INFO on /dev/phxfs_devN */
	unsigned int page_shift;
	unsigned long long bus_addr;
	char node_err[160];
	char iommu_group_type[32];	/* "" when no IOMMU group */
	int gpu;			/* CUDA ordinal, same PCI device */
};

struct iommu_info {
	int nunits;
	char units[MAX_IOMMU_UNITS][32];	/* /sys/class/iommu */
	char cmdline[3][64];		/* iommu=, intel_, amd_iommu= */
	int ntypes;
	struct {
		char type[32];
		int groups;
	} types[MAX_GROUP_TYPES];	/* /sys/kernel/iommu_groups/N/type */
	int dma_ok;			/* 1 yes, 0 no, -1 cannot tell */
	char verdict[320];
};

struct log_info {
	bool readable;
	char err[200];
	int pat_conflicts;
	int struct_page_failures;
	int hotplug_range;		/* memory beyond what hotplug can map */
	int nlines;			/* the last MAX_LOG_LINES matches */
	int total;
	char lines[MAX_LOG_LINES][320];
};

struct gpu_dev {
	int ordinal;
	char name[256];
	char pci[PCI_ADDR_LEN];
	unsigned long long memory;
	int phxfs_dev;			/* -1: not served by the module */
	char iommu_group_type[32];	/* "" when no IOMMU group */
};

struct cuda_info {
	bool available;
	char err[256];
	int driver_version;
	int count;
	struct gpu_dev gpus[MAX_GPUS];
};

struct knob {
	const char *name;
	const char *value;		/* NULL: unset */
	const char *dflt;		/* NULL: not a knob LibPhoenix knows */
};

struct env_info {
	int nknobs;
	struct knob knobs[MAX_KNOBS];
	const char *user_compat;	/* PHXFS_COMPAT as the user set it */
};

struct path_info {
	int device_id;			/* what phxfs_open() was given */
	int phxfs_dev;			/* -1: none */
	int gpu;			/* -1: none */
	bool tried;			/* phxfs_open() called */
	int mode;			/* PHXFS_MODE_*, 0: did not open */
	int err;			/* errno of phxfs_open() */
	bool iommu_blocks;		/* direct, but the IOMMU translates */
	char why[320];
};

struct lib_info {
	int nfns;
	struct {
		const char *name;
		bool present;
	} fns[16];
};

struct info {
	struct lib_info lib;
	struct module_info module;
	int ndevs;
	struct dev_info devs[MAX_DEVS];
	struct iommu_info iommu;
	struct log_info log;
	struct cuda_info cuda;
	struct env_info env;
	int npaths;
	struct path_info paths[MAX_PATHS];
	int exit_code;			/* 0 direct, 1 compat, 2 none */
	char verdict[320];
};

void module_gather(struct info *in);
void iommu_gather(struct info *in);
void kmsg_gather(struct log_info *log);
void cuda_gather(struct cuda_info *cuda);
void env_gather(struct env_info *env);
void lib_gather(struct lib_info *lib);
/* Needs the others: opens each device under PHXFS_COMPAT=auto. */
void paths_gather(struct info *in);

void print_text(const struct info *in);
void print_json(const struct info *in);

#endif /* PHXINFO_INFO_H */
