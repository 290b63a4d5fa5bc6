// SPDX-License-Identifier: MIT
/* Compiled, not run: phxfs_ioctl.h must need no other include first. */
#include <phxfs/phxfs_ioctl.h>

int phxfs_ioctl_header_alone(void);
int phxfs_ioctl_header_alone(void)
{
	return (int)sizeof(struct phxfs_map);
}
