// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <phxfs/phxfs_ioctl.h>

#include "sysfs.h"

int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return (int)n;
}

int pci_addr_canon(const char *in, char *out, size_t len)
{
	unsigned int dom, bus, dev, fn;
	int end = 0;

	if (sscanf(in, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &end) != 4 ||
	    in[end] || bus > 0xff || dev > 0x1f || fn > 7 || dom > 0xffff)
		return -1;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

int phxfs_dev_pci_addr(int index, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), PHXFS_SYSFS_CLASS "/"
		 PHXFS_DEVNAME_PREFIX "%d/device", index);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	return pci_addr_canon(base ? base + 1 : target, out, len);
}

int phxfs_dev_for_pci(const char *addr)
{
	char want[PCI_ADDR_LEN], have[PCI_ADDR_LEN];
	const size_t plen = strlen(PHXFS_DEVNAME_PREFIX);
	DIR *d;
	struct dirent *e;
	int found = -1;

	if (pci_addr_canon(addr, want, sizeof(want)))
		return -1;
	d = opendir(PHXFS_SYSFS_CLASS);
	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		char *end;
		long idx;

		if (strncmp(e->d_name, PHXFS_DEVNAME_PREFIX, plen))
			continue;
		idx = strtol(e->d_name + plen, &end, 10);
		if (*end || idx < 0 || idx > INT_MAX)
			continue;
		if (!phxfs_dev_pci_addr((int)idx, have, sizeof(have)) &&
		    !strcmp(have, want))
			found = (int)idx;
	}
	closedir(d);
	return found;
}
