// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cufile_abi.h"

/* cuFile's own error codes start here; smaller ones are -errno. */
#define CUFILE_OP_BASE_ERR 5000

static void *sym(void *lib, const char *const *names)
{
	for (; *names; names++) {
		void *p = dlsym(lib, *names);

		if (p)
			return p;
	}
	return NULL;
}

int cufile_load(struct cufile_api *api, char *why, size_t len)
{
	/* cufile.h maps cuFileDriverClose to the _v2 symbol. */
	static const char *const open_names[] = { "cuFileDriverOpen", NULL };
	static const char *const close_names[] = {
		"cuFileDriverClose_v2", "cuFileDriverClose", NULL
	};
	static const char *const hreg[] = { "cuFileHandleRegister", NULL };
	static const char *const hdereg[] = { "cuFileHandleDeregister", NULL };
	static const char *const breg[] = { "cuFileBufRegister", NULL };
	static const char *const bdereg[] = { "cuFileBufDeregister", NULL };
	static const char *const rd[] = { "cuFileRead", NULL };
	static const char *const wr[] = { "cuFileWrite", NULL };
	const char *missing = NULL;

	memset(api, 0, sizeof(*api));
	api->lib = dlopen(CUFILE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!api->lib) {
		snprintf(why, len, "cuFile is not available: %s", dlerror());
		return -1;
	}
	/* Object to function pointer: POSIX guarantees dlsym allows it. */
#define LOAD(field, names)						\
	do {								\
		void *p = sym(api->lib, names);				\
		if (!p && !missing)					\
			missing = names[0];				\
		memcpy(&api->field, &p, sizeof(p));			\
	} while (0)
	LOAD(driver_open, open_names);
	LOAD(driver_close, close_names);
	LOAD(handle_register, hreg);
	LOAD(handle_deregister, hdereg);
	LOAD(buf_register, breg);
	LOAD(buf_deregister, bdereg);
	LOAD(read, rd);
	LOAD(write, wr);
#undef LOAD
	if (missing) {
		snprintf(why, len, "%s has no %s", CUFILE_SONAME, missing);
		cufile_unload(api);
		return -1;
	}
	return 0;
}

void cufile_unload(struct cufile_api *api)
{
	if (api->lib)
		dlclose(api->lib);
	memset(api, 0, sizeof(*api));
}

const char *cufile_err_str(struct phx_cufile_error e, char *buf, size_t len)
{
	snprintf(buf, len, "cuFile error %d (CUDA driver error %d)", e.err,
		 e.cu_err);
	return buf;
}

const char *cufile_ret_str(ssize_t ret, char *buf, size_t len)
{
	if (ret == -1)
		snprintf(buf, len, "%s", strerror(errno));
	else if (-ret > CUFILE_OP_BASE_ERR)
		snprintf(buf, len, "cuFile error %zd", -ret);
	else
		snprintf(buf, len, "%s", strerror((int)-ret));
	return buf;
}
