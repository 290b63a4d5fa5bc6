// SPDX-License-Identifier: MIT
/*
 * What an unmodified MPI application does with HDF5 and buffers of any
 * kind, through the connector loaded from the environment: on a file
 * opened with the MPI-IO driver, each rank writes its block of a
 * contiguous dataset with H5Dwrite, independently and collectively, then
 * reads its block and its neighbour's back with H5Dread (both modes),
 * and checks every byte. The buffers are host memory (malloc), device
 * memory (cudaMalloc), managed memory (cudaMallocManaged) or memory of a
 * stream-ordered pool (cudaMallocAsync: no context owns it); the device
 * kinds skip, saying why, where there is no GPU.
 *
 *	mpiexec -n N hdf5_vol_mpi_buffers DIR host|device|managed|pool [MIB]
 */
#include "phxmpi.h"

#include <hdf5.h>

#ifdef PHXFS_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

enum kind { HOST, DEVICE, MANAGED, POOL, KINDS };

static enum kind kind;
static size_t block;		/* bytes per rank */
static unsigned char *mirror;	/* host view of the buffer */

static void *buffer_alloc(void)
{
	void *p = NULL;

	if (kind == HOST)
		return malloc(block);
#ifdef PHXFS_HAVE_CUDA
	int n = 0;

	if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0)
		pt_skip("no CUDA device");
	if (cudaSetDevice(pt_rank % n) != cudaSuccess)
		pt_fail("cudaSetDevice(%d)", pt_rank % n);
	if (kind == DEVICE && cudaMalloc(&p, block))
		pt_fail("cudaMalloc of %zu bytes", block);
	if (kind == MANAGED &&
	    cudaMallocManaged(&p, block, cudaMemAttachGlobal))
		pt_fail("cudaMallocManaged of %zu bytes", block);
	if (kind == POOL && (cudaMallocAsync(&p, block, 0) ||
			     cudaStreamSynchronize(0)))
		pt_fail("cudaMallocAsync of %zu bytes", block);
#else
	pt_skip("built without the CUDA runtime");
#endif
	return p;
}

static void buffer_free(void *p)
{
	if (kind == HOST)
		free(p);
#ifdef PHXFS_HAVE_CUDA
	else
		cudaFree(p);
#endif
}

/* mirror -> buffer (@to_buf) or buffer -> mirror. */
static void buffer_sync(void *buf, int to_buf)
{
	if (kind == HOST) {
		memcpy(to_buf ? buf : mirror, to_buf ? mirror : buf, block);
		return;
	}
#ifdef PHXFS_HAVE_CUDA
	if (cudaMemcpy(to_buf ? buf : mirror, to_buf ? mirror : buf, block,
		       cudaMemcpyDefault) != cudaSuccess ||
	    cudaDeviceSynchronize() != cudaSuccess)
		pt_fail("cudaMemcpy of %zu bytes", block);
#endif
}

static hid_t open_file(const char *path, int create)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f;

	H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
	f = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) :
		     H5Fopen(path, H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	if (f < 0)
		pt_fail("%s %s", create ? "H5Fcreate" : "H5Fopen", path);
	return f;
}

/* Rank @owner's block of the dataset, selected in its file space. */
static hid_t block_space(hid_t d, int owner)
{
	hsize_t start = (hsize_t)owner * block, count = block;
	hid_t fs = H5Dget_space(d);

	H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
	return fs;
}

static hid_t xfer_list(H5FD_mpio_xfer_t mode)
{
	hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);

	H5Pset_dxpl_mpio(dxpl, mode);
	return dxpl;
}

/* The bytes of the dataset are pattern @seed at their offset in it. */
static void write_blocks(const char *path, void *buf, H5FD_mpio_xfer_t mode,
			 uint64_t seed)
{
	hsize_t dims = (hsize_t)block * (hsize_t)pt_ranks, count = block;
	hid_t f = open_file(path, 1), s = H5Screate_simple(1, &dims, NULL);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), d, fs, ms, dxpl;

	/* Allocated at creation: a contiguous dataset with an address. */
	H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
	d = H5Dcreate2(f, "data", H5T_NATIVE_UCHAR, s, H5P_DEFAULT, dcpl,
		       H5P_DEFAULT);
	if (d < 0)
		pt_fail("H5Dcreate2 in %s", path);
	phxfs_pattern_fill(mirror, block, seed, (uint64_t)pt_rank * block);
	buffer_sync(buf, 1);
	fs = block_space(d, pt_rank);
	ms = H5Screate_simple(1, &count, NULL);
	dxpl = xfer_list(mode);
	PT_CHECK(H5Dwrite(d, H5T_NATIVE_UCHAR, ms, fs, dxpl, buf) >= 0,
		 "%s H5Dwrite of %zu bytes",
		 mode == H5FD_MPIO_COLLECTIVE ? "collective" : "independent",
		 block);
	H5Pclose(dxpl);
	H5Sclose(ms);
	H5Sclose(fs);
	H5Dclose(d);
	H5Pclose(dcpl);
	H5Sclose(s);
	if (H5Fclose(f) < 0)
		pt_fail("H5Fclose %s", path);
}

/* Read rank @owner's block into @buf with @mode and check every byte. */
static void read_block(hid_t d, void *buf, int owner, H5FD_mpio_xfer_t mode,
		       uint64_t seed, const char *what)
{
	hsize_t count = block;
	hid_t fs = block_space(d, owner), ms = H5Screate_simple(1, &count, NULL);
	hid_t dxpl = xfer_list(mode);
	uint64_t off = (uint64_t)owner * block;
	const char *how = mode == H5FD_MPIO_COLLECTIVE ? "collective" :
				 "independent";

	memset(mirror, 0xa5, block);
	buffer_sync(buf, 1);
	if (H5Dread(d, H5T_NATIVE_UCHAR, ms, fs, dxpl, buf) < 0) {
		pt_failed_at(__FILE__, __LINE__,
			     "%s: %s H5Dread of rank %d's block", what, how,
			     owner);
	} else {
		long long bad;

		buffer_sync(buf, 0);
		bad = phxfs_pattern_mismatch(mirror, block, seed, off);
		PT_CHECK(bad < 0, "%s: %s read of rank %d's block: byte "
			 "%lld of %zu is wrong", what, how, owner, bad, block);
	}
	H5Pclose(dxpl);
	H5Sclose(ms);
	H5Sclose(fs);
}

static void read_blocks(const char *path, void *buf, uint64_t seed,
			const char *what)
{
	hid_t f = open_file(path, 0), d = H5Dopen2(f, "data", H5P_DEFAULT);
	static const H5FD_mpio_xfer_t modes[] = { H5FD_MPIO_INDEPENDENT,
						  H5FD_MPIO_COLLECTIVE };

	if (d < 0)
		pt_fail("H5Dopen2 in %s", path);
	for (int m = 0; m < 2; m++) {
		read_block(d, buf, pt_rank, modes[m], seed, what);
		read_block(d, buf, (pt_rank + 1) % pt_ranks, modes[m], seed, what);
	}
	H5Dclose(d);
	H5Fclose(f);
}

int main(int argc, char **argv)
{
	static const char *const kinds[KINDS] = { "host", "device", "managed",
						  "pool" };
	char path[4096];
	int failed;
	void *buf;

	MPI_Init(&argc, &argv);
	pt_mpi_init(argv[0]);
	if (argc < 3)
		pt_fail("usage: %s DIR host|device|managed|pool [MIB]", argv[0]);
	kind = (enum kind)-1;
	for (int i = 0; i < KINDS; i++)
		if (!strcmp(argv[2], kinds[i]))
			kind = (enum kind)i;
	if (kind == (enum kind)-1)
		pt_fail("memory kind '%s': host, device, managed or pool",
			argv[2]);
	/* Not a multiple of a page: the blocks' edges fall mid-page. */
	block = (argc > 3 ? (size_t)atoi(argv[3]) << 20 : 4 << 20) + 4096 + 24;
	mirror = malloc(block);
	if (!mirror)
		pt_fail("malloc of %zu bytes", block);
	buf = buffer_alloc();
	if (!buf)
		pt_fail("a %s buffer of %zu bytes", argv[2], block);

	snprintf(path, sizeof(path), "%s/mpi_buffers.%s.np%d.independent.h5",
		 argv[1], argv[2], pt_ranks);
	write_blocks(path, buf, H5FD_MPIO_INDEPENDENT, 11);
	read_blocks(path, buf, 11, "written independently");
	snprintf(path, sizeof(path), "%s/mpi_buffers.%s.np%d.collective.h5",
		 argv[1], argv[2], pt_ranks);
	write_blocks(path, buf, H5FD_MPIO_COLLECTIVE, 12);
	read_blocks(path, buf, 12, "written collectively");

	buffer_free(buf);
	free(mirror);
	failed = pt_mpi_summary();
	if (!pt_rank && !failed)
		printf("%s: %s buffers, %d rank(s), %zu bytes each: every "
		       "byte right\n", pt_name, argv[2], pt_ranks, block);
	MPI_Finalize();
	return failed;
}
