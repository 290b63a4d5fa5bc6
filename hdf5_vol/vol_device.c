// SPDX-License-Identifier: MIT
/*
 * phxfs devices: each opened once, at its first direct transfer, and
 * closed when the connector is terminated.
 */
#include <phxfs/phxfs.h>
#include <pthread.h>

#include "vol_info_parse.h"
#include "vol_internal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool opened[PHXVOL_MAX_DEVICE + 1];

/* 0 once @device_id is open, else -1 (errno from phxfs_open). */
int phxvol_device_get(int device_id)
{
	int ret = 0;

	if (device_id < 0 || device_id > PHXVOL_MAX_DEVICE)
		return -1;
	pthread_mutex_lock(&lock);
	if (!opened[device_id]) {
		if (phxfs_open(device_id) == 0)
			opened[device_id] = true;
		else
			ret = -1;
	}
	pthread_mutex_unlock(&lock);
	return ret;
}

void phxvol_devices_close(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i <= PHXVOL_MAX_DEVICE; i++) {
		if (opened[i])
			phxfs_close(i);
		opened[i] = false;
	}
	pthread_mutex_unlock(&lock);
}
