// SPDX-License-Identifier: MIT
/* Errors on HDF5's error stack, under the connector's own error class. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "vol_internal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static hid_t cls = H5I_INVALID_HID, maj = H5I_INVALID_HID,
	     min = H5I_INVALID_HID;

void phxvol_error(const char *file, const char *func, unsigned line,
		  const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&lock);
	if (cls < 0) {
		cls = H5Eregister_class("Phoenix VOL connector", PHXFS_VOL_NAME,
					"0.1");
		if (cls >= 0) {
			maj = H5Ecreate_msg(cls, H5E_MAJOR, "VOL connector phxfs");
			min = H5Ecreate_msg(cls, H5E_MINOR, "failed");
		}
	}
	pthread_mutex_unlock(&lock);
	if (cls < 0 || maj < 0 || min < 0 ||
	    H5Epush2(H5E_DEFAULT, file, func, line, cls, maj, min, "%s",
		     msg) < 0)
		fprintf(stderr, "phxfs VOL connector: %s\n", msg);
}
