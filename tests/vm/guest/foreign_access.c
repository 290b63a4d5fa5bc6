// SPDX-License-Identifier: MIT
/*
 * A process can use only memory it registered itself. The owner registers
 * part of the BAR and hands a second process (a fresh program, by fork
 * and exec) its open device node over a UNIX socket, with the addresses.
 * The second process must not be able to map with the handed node, ask
 * after or undo the owner's mapping, reach the owner's target address, nor
 * register the same device memory through a node of its own; the owner's
 * memory must be untouched and its mapping still live afterwards.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <phxfs/phxfs.h>
#include <phxfs/phxfs_ioctl.h>

#include "phxtest.h"

#define REG_LEN (1u << 20)
#define MARK 0x3c

struct handoff {
	uint64_t target;	/* the owner's target address */
	uint64_t handle;	/* the owner's mapping */
	uint64_t bar_off;	/* what the owner registered, in the BAR */
};

static void send_fd(int sock, int fd, const struct handoff *h)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)h, sizeof(*h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != sizeof(*h))
		pt_fail("sendmsg: %s", strerror(errno));
}

static int recv_fd(int sock, struct handoff *h)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { h, sizeof(*h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != sizeof(*h))
		pt_fail("recvmsg: %s", strerror(errno));
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		pt_fail("no descriptor came");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The second process. */
static int stranger(int sock)
{
	struct handoff h;
	int fd = recv_fd(sock, &h), drive;
	size_t bar_size;
	unsigned char *bar = phxtest_map_bar(&bar_size);
	struct phxfs_map map = { 0 };
	struct phxfs_query q = { .handle = h.handle };
	struct phxfs_unmap u = { .handle = h.handle };
	void *vma, *mine;

	pt_name = "foreign_access(stranger)";
	/* The owner's node: no mapping, no questions, no undoing. */
	vma = mmap(NULL, REG_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (vma != MAP_FAILED)
		pt_fail("mmap of the owner's node succeeded");
	map.dev_addr = (uintptr_t)bar + h.bar_off;
	map.length = REG_LEN;
	map.user_addr = (uintptr_t)bar;
	PHXTEST_EXPECT_ERR(ioctl(fd, PHXFS_IOC_MAP, &map), EACCES);
	PHXTEST_EXPECT_ERR(ioctl(fd, PHXFS_IOC_QUERY, &q), EACCES);
	PHXTEST_EXPECT_ERR(ioctl(fd, PHXFS_IOC_UNMAP, &u), EACCES);

	/* The owner's target address means nothing here. */
	drive = open(vmtest_env("PHXVM_NVME"), O_RDONLY | O_DIRECT);
	if (drive < 0)
		pt_fail("open drive: %s", strerror(errno));
	PHXTEST_EXPECT_ERR(pread(drive, (void *)(uintptr_t)h.target, 4096, 0),
		    EFAULT);

	/* Its own node cannot take memory another process registered. */
	PT_OK(phxfs_open(0));
	PHXTEST_EXPECT_ERR(phxfs_regmem(0, bar + h.bar_off, REG_LEN, &mine),
			   EBUSY);
	PT_OK(phxfs_close(0));
	close(drive);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	size_t bar_size;
	unsigned char *bar;
	struct handoff h = { .bar_off = 4u << 20 };
	struct phxfs_query q = { 0 };
	int sv[2], status, node;
	void *target, *vma;
	pid_t pid;
	char arg[16];

	pt_name = "foreign_access";
	if (argc == 3 && !strcmp(argv[1], "stranger"))
		return stranger(atoi(argv[2]));

	bar = phxtest_map_bar(&bar_size);
	memset(bar + h.bar_off, MARK, REG_LEN);
	PT_OK(phxfs_open(0));
	PT_OK(phxfs_regmem(0, bar + h.bar_off, REG_LEN, &target));
	h.target = (uintptr_t)target;

	/* The node and the mapping's handle, as the library holds them. */
	node = open("/dev/" PHXFS_DEVNAME_PREFIX "0", O_RDWR);
	if (node < 0)
		pt_fail("open node: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		pt_fail("socketpair: %s", strerror(errno));
	vma = mmap(NULL, REG_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, node, 0);
	{
		struct phxfs_map m = {
			.dev_addr = (uintptr_t)bar + h.bar_off + REG_LEN,
			.length = 65536, .user_addr = (uintptr_t)vma,
		};

		if (vma == MAP_FAILED || ioctl(node, PHXFS_IOC_MAP, &m))
			pt_fail("owner's own MAP: %s", strerror(errno));
		h.handle = m.handle;
	}

	pid = fork();
	if (pid < 0)
		pt_fail("fork: %s", strerror(errno));
	if (!pid) {
		close(sv[0]);
		snprintf(arg, sizeof(arg), "%d", sv[1]);
		execl("/proc/self/exe", argv[0], "stranger", arg,
		      (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	send_fd(sv[0], node, &h);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		pt_fail("the stranger's checks failed (status %#x)", status);

	/* The owner's side is as it was. */
	q.handle = h.handle;
	if (ioctl(node, PHXFS_IOC_QUERY, &q) || q.state != PHXFS_MAP_LIVE)
		pt_fail("the owner's mapping is not live: %s",
			strerror(errno));
	for (size_t i = 0; i < REG_LEN; i++)
		if (bar[h.bar_off + i] != MARK)
			pt_fail("the owner's memory changed at byte %zu", i);
	munmap(vma, REG_LEN);
	close(node);
	PT_OK(phxfs_deregmem(0, bar + h.bar_off, REG_LEN));
	PT_OK(phxfs_close(0));
	if (phxtest_counter("mappings") || phxtest_counter("pinned_bytes"))
		pt_fail("mappings left after the owner closed");
	pt_note("a second process handed the node could not map, query, unmap, reach or re-register the owner's memory");
	return 0;
}
