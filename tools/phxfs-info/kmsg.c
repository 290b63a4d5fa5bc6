// SPDX-License-Identifier: MIT
/*
 * The kernel log lines that explain a device phoenix-fs did not take: the
 * module's own (prefixed "phxfs:"), and the ones it prints against the PCI
 * device, which carry that device's name instead: struct pages that could
 * not be created (BAR not 2 MiB aligned, a cache-type (x86 PAT) conflict
 * with another mapping of the BAR, or a BAR beyond what memory hotplug can
 * map, which kernel memory randomisation (KASLR) limits) and nvidia_p2p
 * trouble; and the kernel's own memory hotplug refusal. Read
 * from /dev/kmsg without blocking; dmesg_restrict may forbid it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "info.h"

/* x86/PAT's own boot line ("Configuration [0-7]: ...") is no conflict. */
static const char *const interesting[] = {
	"phxfs", "struct pages", "cache type", "conflicting memory types",
	"expected mapping type", "nvidia_p2p", "GPU page at",
	"exceeds maximum addressable range",
};

static bool matches(const char *msg)
{
	for (size_t i = 0; i < sizeof(interesting) / sizeof(*interesting); i++)
		if (strstr(msg, interesting[i]))
			return true;
	return false;
}

/* One record: "prio,seq,usec,flags;message\n" then " KEY=value" lines. */
static void record(struct log_info *log, char *rec)
{
	unsigned long long usec = 0;
	unsigned int prio;
	unsigned long long seq;
	char *msg = strchr(rec, ';');
	char *slot;

	if (!msg)
		return;
	*msg++ = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	if (!matches(msg))
		return;
	if (sscanf(rec, "%u,%llu,%llu", &prio, &seq, &usec) != 3)
		usec = 0;
	if (strstr(msg, "cache type") ||
	    strstr(msg, "conflicting memory types") ||
	    strstr(msg, "expected mapping type"))
		log->pat_conflicts++;
	if (strstr(msg, "cannot create struct pages"))
		log->struct_page_failures++;
	if (strstr(msg, "memory hotplug can map") ||
	    strstr(msg, "exceeds maximum addressable range"))
		log->hotplug_range++;
	/* Keep the last MAX_LOG_LINES, in order: a ring until printed. */
	slot = log->lines[log->total % MAX_LOG_LINES];
	snprintf(slot, sizeof(log->lines[0]), "[%5llu.%06llu] %s",
		 usec / 1000000, usec % 1000000, msg);
	log->total++;
}

static void unring(struct log_info *log)
{
	char tmp[MAX_LOG_LINES][sizeof(log->lines[0])];
	int first = log->total > MAX_LOG_LINES ? log->total % MAX_LOG_LINES : 0;

	log->nlines = log->total < MAX_LOG_LINES ? log->total : MAX_LOG_LINES;
	for (int i = 0; i < log->nlines; i++)
		memcpy(tmp[i], log->lines[(first + i) % MAX_LOG_LINES],
		       sizeof(tmp[0]));
	memcpy(log->lines, tmp, sizeof(tmp[0]) * (size_t)log->nlines);
}

void kmsg_gather(struct log_info *log)
{
	char rec[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(log->err, sizeof(log->err),
			 "cannot read /dev/kmsg: %s%s", strerror(errno),
			 errno == EPERM || errno == EACCES ?
			 " (kernel.dmesg_restrict: run as root)" : "");
		return;
	}
	log->readable = true;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);

		/* EPIPE: records were overwritten while we read. */
		if (n < 0 && (errno == EINTR || errno == EPIPE))
			continue;
		if (n < 0 && errno == EAGAIN)
			break;		/* the end of the log */
		if (n < 0) {
			log->readable = errno != EPERM;
			snprintf(log->err, sizeof(log->err),
				 "reading /dev/kmsg: %s%s", strerror(errno),
				 errno == EPERM ?
				 " (kernel.dmesg_restrict: run as root)" : "");
			break;
		}
		if (n == 0)
			break;
		rec[n] = '\0';
		record(log, rec);
	}
	close(fd);
	unring(log);
}
