// SPDX-License-Identifier: MIT
/*
 * One record of registrations, the device's: a BAR buffer registered with
 * phxfs_regmem() directly is staged by two-phase I/O as a registered
 * mapping (MPI cannot read it), and a registration made through either
 * API is undone through the other, both seeing it go.
 * Needs the module (direct mode) and PHXFS_MPI_TEST_MEM=bar: skips else.
 * Usage: register_truth DIR
 */
#define _GNU_SOURCE
#include "mpitest.h"

#define LEN (1u << 20)
#define SEED 11u

static void read_staged(phxfs_mpi_t *ctx, unsigned char *buf,
			const char *path)
{
	struct phxfs_mpi_stats b, a;
	phxfs_mpi_file_t *f;
	MPI_Info info;
	size_t got = 0;
	off_t off = (off_t)pt_rank * LEN;

	MPI_Info_create(&info);
	MPI_Info_set(info, "romio_cb_read", "enable");
	PT_OK(phxfs_mpi_file_open(ctx, path, MPI_MODE_RDONLY, info, &f));
	MPI_Info_free(&info);
	memset(buf, 0x5a, LEN);
	PT_OK(phxfs_mpi_get_stats(ctx, &b));
	PT_OK(phxfs_mpi_read_at_all(f, off, buf, LEN, &got));
	PT_OK(phxfs_mpi_get_stats(ctx, &a));
	PT_CHECK(got == LEN, "read %zu of %u", got, LEN);
	PT_CHECK_PATTERN(buf, LEN, SEED, (uint64_t)off);
	PT_CHECK(a.two_phase_bytes - b.two_phase_bytes == LEN &&
		 a.staged_bytes - b.staged_bytes == LEN &&
		 a.exchanged_host_bytes == b.exchanged_host_bytes,
		 "a phxfs_regmem() buffer: %llu two-phase, %llu staged, "
		 "%llu as host memory",
		 a.two_phase_bytes - b.two_phase_bytes,
		 a.staged_bytes - b.staged_bytes,
		 a.exchanged_host_bytes - b.exchanged_host_bytes);
	PT_OK(phxfs_mpi_file_close(f));
}

int main(int argc, char **argv)
{
	const char *mem = getenv("PHXFS_MPI_TEST_MEM");
	phxfs_mpi_t *ctx;
	unsigned char *buf;
	char path[4096];
	long job;
	void *t;
	int dev;

	MPI_Init(&argc, &argv);
	pt_mpi_init(argv[0]);
	if (argc < 2)
		pt_fail("usage: register_truth DIR");
	PT_OK(phxfs_mpi_init(MPI_COMM_WORLD, MPI_INFO_NULL, &ctx));
	dev = phxfs_mpi_device(ctx);
	if (phxfs_mode(dev) != PHXFS_MODE_DIRECT || !mem || strcmp(mem, "bar"))
		pt_skip("needs the module and PHXFS_MPI_TEST_MEM=bar");
	buf = mt_bar_part(LEN);

	job = (long)getpid();
	MPI_Bcast(&job, 1, MPI_LONG, 0, MPI_COMM_WORLD);
	snprintf(path, sizeof(path), "%s/register_truth.np%d.%ld.dat", argv[1],
		 pt_ranks, job);
	if (pt_rank == 0)
		PT_OK(pt_create_pattern(path, (size_t)pt_ranks * LEN, SEED));
	MPI_Barrier(MPI_COMM_WORLD);

	/* Registered directly: the MPI layer treats it as registered. */
	PT_OK(phxfs_regmem(dev, buf, LEN, &t));
	read_staged(ctx, buf, path);
	/* ... and deregisters it, which the library sees. */
	PT_OK(phxfs_mpi_deregmem(ctx, buf, LEN));
	PT_CHECK(phxfs_registered(dev, buf, LEN) == 0, "still registered");
	PT_CHECK_ERR(phxfs_deregmem(dev, buf, LEN), ENOENT);

	/* Registered through the context, deregistered directly. */
	PT_OK(phxfs_mpi_regmem(ctx, buf, LEN, NULL));
	PT_CHECK(phxfs_registered(dev, buf, LEN) == 1, "not registered");
	PT_OK(phxfs_deregmem(dev, buf, LEN));
	PT_CHECK_ERR(phxfs_mpi_deregmem(ctx, buf, LEN), ENOENT);

	MPI_Barrier(MPI_COMM_WORLD);
	if (pt_rank == 0)
		unlink(path);
	PT_OK(phxfs_mpi_finalize(ctx));
	int rc = pt_mpi_summary();

	MPI_Finalize();
	return rc;
}
