// SPDX-License-Identifier: MIT
/*
 * Collective registration is all or nothing: one rank hands a bad buffer,
 * every rank gets the same error and learns which rank failed, and no
 * rank keeps a registration. And the device choice: PHXFS_MPI_DEVICE (or
 * the "phxfs_device" info key) wins over the node-local rank.
 * Usage: collective_regmem DIR [EXPECTED_DEVICE]
 */
#define _GNU_SOURCE
#include "mpitest.h"

#define LEN (1u << 20)

static void injected_failure(phxfs_mpi_t *ctx, void *good)
{
	int bad = pt_ranks - 1, rank, err;
	/* The bad rank's buffer: NULL, which phxfs_regmem() refuses. */
	void *mine = pt_rank == bad ? NULL : good;
	int direct = phxfs_mode(phxfs_mpi_device(ctx)) == PHXFS_MODE_DIRECT;
	/* In compat mode every rank fails (EOPNOTSUPP): rank 0 is lowest. */
	int want_rank = direct || bad == 0 ? bad : 0;
	int want_err = direct || bad == 0 ? EINVAL : EOPNOTSUPP;

	errno = 0;
	if (phxfs_mpi_regmem(ctx, mine, LEN, NULL) != -1 || errno != want_err)
		pt_fail("regmem with rank %d bad: errno %d, want %d", bad,
			errno, want_err);
	phxfs_mpi_last_error(ctx, &rank, &err);
	if (rank != want_rank || err != want_err)
		pt_fail("last error: rank %d errno %d, want rank %d errno %d",
			rank, err, want_rank, want_err);
	/* Nothing stays registered: deregistering finds nothing. */
	errno = 0;
	if (mine && direct &&
	    (phxfs_deregmem(phxfs_mpi_device(ctx), mine, LEN) != -1 ||
	     errno != ENOENT))
		pt_fail("the failed registration stayed (errno %d)", errno);
	/* And a good collective registration works after it. */
	if (direct) {
		PT_OK(phxfs_mpi_regmem(ctx, good, LEN, NULL));
		PT_OK(phxfs_mpi_deregmem(ctx, good, LEN));
	}
	phxfs_mpi_last_error(ctx, &rank, &err);
	if (direct && (rank != -1 || err))
		pt_fail("last error after success: rank %d errno %d", rank,
			err);
}

int main(int argc, char **argv)
{
	phxfs_mpi_t *ctx;
	void *buf;
	char *bar = getenv("PHXFS_MPI_TEST_BAR");

	MPI_Init(&argc, &argv);
	pt_mpi_init(argv[0]);
	if (phxfs_mpi_init(MPI_COMM_WORLD, MPI_INFO_NULL, &ctx)) {
		/* A chosen device this machine lacks (CUDA counts them). */
		if (argc > 2 && errno == ENODEV)
			pt_skip("device %s does not exist here (ENODEV on every rank)",
				argv[2]);
		pt_fail("phxfs_mpi_init: %s", strerror(errno));
	}
	if (argc > 2 && phxfs_mpi_device(ctx) != atoi(argv[2]))
		pt_fail("device %d, want %s", phxfs_mpi_device(ctx), argv[2]);

	/* BAR memory: map this rank's part, registering nothing yet. */
	if (bar && getenv("PHXFS_MPI_TEST_MEM") &&
	    !strcmp(getenv("PHXFS_MPI_TEST_MEM"), "bar"))
		buf = mt_bar_part(LEN);
	else
		buf = malloc(LEN);
	if (!buf)
		pt_fail("malloc");
	injected_failure(ctx, buf);

	/* The "phxfs_device" info key wins over the environment. */
	phxfs_mpi_t *other;
	MPI_Info info;

	MPI_Info_create(&info);
	MPI_Info_set(info, "phxfs_device", "0,0");
	PT_OK(phxfs_mpi_init(MPI_COMM_WORLD, info, &other));
	if (phxfs_mpi_device(other) != 0)
		pt_fail("info phxfs_device=0,0: device %d",
			phxfs_mpi_device(other));
	PT_OK(phxfs_mpi_finalize(other));
	/* A malformed choice fails everywhere, the same way. */
	MPI_Info_set(info, "phxfs_device", "x");
	errno = 0;
	if (phxfs_mpi_init(MPI_COMM_WORLD, info, &other) != -1 ||
	    errno != EINVAL)
		pt_fail("phxfs_device=x: errno %d", errno);
	MPI_Info_free(&info);

	PT_OK(phxfs_mpi_finalize(ctx));
	if (pt_rank == 0)
		pt_note("%d ranks: OK", pt_ranks);
	MPI_Finalize();
	return 0;
}
