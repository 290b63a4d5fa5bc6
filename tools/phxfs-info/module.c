// SPDX-License-Identifier: MIT
/*
 * phoenix-fs as the kernel shows it: /sys/module/phxfs (loaded, version,
 * parameters), /sys/class/phxfs/phxfs_devN (the files kmod/phxfs_sysfs.c
 * creates, and the PCI device it hangs under) and, through the device
 * node, the ioctl ABI version and DEV_INFO.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <phxfs/phxfs_ioctl.h>

#include "info.h"

/* The class device's files, as kmod/phxfs_sysfs.c names them. */
static const char *const dev_attrs[] = {
	"provider", "mem_size", "mappings", "pinned_bytes", "map_calls",
	"unmap_calls", "revoked", "errors", "dev",
};

static void read_or(const char *path, char *buf, size_t len, const char *dflt)
{
	if (read_text(path, buf, len) < 0)
		snprintf(buf, len, "%s", dflt);
}

static void params_gather(struct module_info *m)
{
	DIR *d = opendir(PHXFS_SYS_MODULE "/parameters");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && m->nparams < MAX_PARAMS) {
		struct kv *p = &m->params[m->nparams];
		char path[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p->name, sizeof(p->name), "%.63s", e->d_name);
		snprintf(path, sizeof(path), PHXFS_SYS_MODULE "/parameters/%s",
			 e->d_name);
		if (read_text(path, p->value, sizeof(p->value)) < 0)
			snprintf(p->value, sizeof(p->value), "(unreadable: %s)",
				 strerror(errno));
		m->nparams++;
	}
	closedir(d);
}

static int cmp_dev(const void *a, const void *b)
{
	return ((const struct dev_info *)a)->index -
	       ((const struct dev_info *)b)->index;
}

/* Ask the device node itself: ABI version (once) and DEV_INFO. */
static void node_query(struct module_info *m, struct dev_info *dv)
{
	struct phxfs_version ver = { 0 };
	struct phxfs_dev_info di = { 0 };
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/" PHXFS_DEVNAME_PREFIX "%d",
		 dv->index);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(dv->node_err, sizeof(dv->node_err), "%s: %s%s", path,
			 strerror(errno),
			 errno == EACCES ? " (mode 0600: run as root)" : "");
		if (!m->abi_known && !m->abi_err[0])
			snprintf(m->abi_err, sizeof(m->abi_err), "%s",
				 dv->node_err);
		return;
	}
	if (!m->abi_known) {
		if (ioctl(fd, PHXFS_IOC_VERSION, &ver)) {
			snprintf(m->abi_err, sizeof(m->abi_err),
				 "PHXFS_IOC_VERSION: %s", strerror(errno));
		} else {
			m->abi_known = true;
			m->abi_major = ver.abi_major;
			m->abi_minor = ver.abi_minor;
			m->features = ver.features;
			m->abi_err[0] = '\0';
		}
	}
	if (ioctl(fd, PHXFS_IOC_DEV_INFO, &di)) {
		snprintf(dv->node_err, sizeof(dv->node_err),
			 "PHXFS_IOC_DEV_INFO: %s", strerror(errno));
	} else {
		dv->node_ok = true;
		dv->page_shift = di.page_shift;
		dv->bus_addr = di.bus_addr;
	}
	close(fd);
}

static void dev_gather(struct info *in, int index)
{
	struct dev_info *dv = &in->devs[in->ndevs++];
	char base[PATH_MAX], path[PATH_MAX + 64];

	memset(dv, 0, sizeof(*dv));
	dv->index = index;
	dv->gpu = -1;
	snprintf(base, sizeof(base), PHXFS_SYSFS_CLASS "/"
		 PHXFS_DEVNAME_PREFIX "%d", index);
	for (size_t i = 0; i < sizeof(dev_attrs) / sizeof(dev_attrs[0]) &&
	     dv->nattrs < MAX_ATTRS; i++) {
		struct kv *a = &dv->attrs[dv->nattrs];

		snprintf(path, sizeof(path), "%s/%s", base, dev_attrs[i]);
		if (read_text(path, a->value, sizeof(a->value)) < 0)
			continue;
		snprintf(a->name, sizeof(a->name), "%s", dev_attrs[i]);
		dv->nattrs++;
	}
	if (phxfs_dev_pci_addr(index, dv->pci, sizeof(dv->pci)))
		dv->pci[0] = '\0';
	snprintf(path, sizeof(path), "%s/device/iommu_group/type", base);
	read_or(path, dv->iommu_group_type, sizeof(dv->iommu_group_type), "");
	node_query(&in->module, dv);
}

void module_gather(struct info *in)
{
	struct module_info *m = &in->module;
	const size_t plen = strlen(PHXFS_DEVNAME_PREFIX);
	struct dirent *e;
	DIR *d;

	m->loaded = !access(PHXFS_SYS_MODULE, F_OK);
	if (!m->loaded)
		return;
	read_or(PHXFS_SYS_MODULE "/version", m->version, sizeof(m->version), "");
	read_or(PHXFS_SYS_MODULE "/srcversion", m->srcversion, sizeof(m->srcversion),
		"");
	read_or(PHXFS_SYS_MODULE "/refcnt", m->refcnt, sizeof(m->refcnt), "");
	params_gather(m);
	d = opendir(PHXFS_SYSFS_CLASS);
	if (!d)
		return;
	while ((e = readdir(d)) && in->ndevs < MAX_DEVS) {
		char *end;
		long idx;

		if (strncmp(e->d_name, PHXFS_DEVNAME_PREFIX, plen))
			continue;
		idx = strtol(e->d_name + plen, &end, 10);
		if (*end || end == e->d_name + plen || idx < 0 || idx > INT_MAX)
			continue;
		dev_gather(in, (int)idx);
	}
	closedir(d);
	qsort(in->devs, (size_t)in->ndevs, sizeof(in->devs[0]), cmp_dev);
	if (!in->ndevs)
		snprintf(m->abi_err, sizeof(m->abi_err),
			 "no device node to ask");
}
