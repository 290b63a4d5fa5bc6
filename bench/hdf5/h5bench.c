// SPDX-License-Identifier: MIT
/*
 * phxfs-h5-bench: one dataset read into GPU memory three ways, in one run,
 * each checked byte for byte, for three layouts of the same bytes:
 * contiguous; chunked, the chunks end to end in the file (so the connector
 * merges them into a few long runs); and scattered, chunked with the
 * chunks stored in reverse order (so every chunk is a run of its own).
 * The three ways:
 *   raw     phxfs_read of the dataset's bytes at their file offsets (one
 *           batch of the chunks, for a chunked dataset): the floor;
 *   vol     H5Dread through the phxfs connector straight into the buffer;
 *   native  H5Dread into host memory, then cudaMemcpy.
 * Usage: phxfs-h5-bench FILE [--size N] [--chunk N] [--reps N] [--cold]
 *        [--mem cuda|host] [--reuse] [--mpi]
 * Timed: the read alone (phxfs_read or the batch; H5Dread, plus the copy
 * for native), with the file and the dataset already open.
 * One JSON line per (layout, mode) on stdout; exit 1 on a wrong byte.
 * With --mpi, under mpiexec, the ranks read their slices collectively
 * (h5bench_mpi.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cuda_runtime_api.h>
#include <hdf5.h>
#include <mpi.h>
#include <phxfs/phxfs.h>

#include "h5bench.h"
#include "phxfs_vol.h"
#include "../../tools/common/size.h"

#define SLAB (64u << 20)	/* the file is written this much at a time */

#define MAX_REPS 64

struct h5bench_opts o = { .size = 1ull << 30, .chunk = 4u << 20, .reps = 3,
			  .ranks = 1 };

static const char *const layouts[] = { "contiguous", "chunked", "scattered" };
static const char *const modes[] = { "raw", "vol", "native" };

static unsigned char pattern(uint64_t i)
{
	return (unsigned char)((i * 0x9E3779B1u) >> 24 ^ (i >> 20));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

_Noreturn void die(const char *what)
{
	int up = 0;

	if (o.mpi)
		MPI_Initialized(&up);
	if (!up) {
		fprintf(stderr, "phxfs-h5-bench: %s\n", what);
		exit(1);
	}
	fprintf(stderr, "phxfs-h5-bench: rank %d: %s\n", o.rank, what);
	MPI_Abort(MPI_COMM_WORLD, 1);
	exit(1);
}

double clock_start(void)
{
	if (o.mpi)
		MPI_Barrier(MPI_COMM_WORLD);
	return now();
}

double clock_stop(double t0)
{
	double t = now() - t0;

	if (o.mpi)
		MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX,
			      MPI_COMM_WORLD);
	return t;
}

static void make_file(void)
{
	hsize_t dims = o.size, cdims = o.chunk, start, count;
	hid_t f, space, dcpl, dcpl_incr, d[3];
	unsigned char *buf = malloc(o.chunk > SLAB ? o.chunk : SLAB);

	f = H5Fcreate(o.file, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	space = H5Screate_simple(1, &dims, NULL);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	dcpl_incr = H5Pcreate(H5P_DATASET_CREATE);
	if (!buf || f < 0 || space < 0 || dcpl < 0 || dcpl_incr < 0 ||
	    H5Pset_chunk(dcpl, 1, &cdims) < 0 ||
	    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0 ||
	    H5Pset_chunk(dcpl_incr, 1, &cdims) < 0 ||
	    H5Pset_alloc_time(dcpl_incr, H5D_ALLOC_TIME_INCR) < 0)
		die("cannot create the file");
	d[0] = H5Dcreate2(f, "contiguous", H5T_NATIVE_UINT8, space, H5P_DEFAULT,
			  H5P_DEFAULT, H5P_DEFAULT);
	d[1] = H5Dcreate2(f, "chunked", H5T_NATIVE_UINT8, space, H5P_DEFAULT,
			  dcpl, H5P_DEFAULT);
	d[2] = H5Dcreate2(f, "scattered", H5T_NATIVE_UINT8, space, H5P_DEFAULT,
			  dcpl_incr, H5P_DEFAULT);
	/* Allocated as written: the last chunk first, lowest in the file. */
	for (start = o.size; start > 0;) {
		hsize_t one = o.chunk;
		hid_t mem = H5Screate_simple(1, &one, NULL);

		start -= o.chunk;
		for (hsize_t i = 0; i < o.chunk; i++)
			buf[i] = pattern(start + i);
		H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL, &one,
				    NULL);
		if (H5Dwrite(d[2], H5T_NATIVE_UINT8, mem, space, H5P_DEFAULT,
			     buf) < 0)
			die("cannot write the file");
		H5Sclose(mem);
	}
	for (start = 0; start < o.size; start += count) {
		hid_t mem;

		count = o.size - start < SLAB ? o.size - start : SLAB;
		for (hsize_t i = 0; i < count; i++)
			buf[i] = pattern(start + i);
		mem = H5Screate_simple(1, &count, NULL);
		H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL,
				    &count, NULL);
		for (int k = 0; k < 2; k++)
			if (H5Dwrite(d[k], H5T_NATIVE_UINT8, mem, space,
				     H5P_DEFAULT, buf) < 0)
				die("cannot write the file");
		H5Sclose(mem);
	}
	for (int k = 0; k < 3; k++)
		H5Dclose(d[k]);
	H5Pclose(dcpl);
	H5Pclose(dcpl_incr);
	H5Sclose(space);
	H5Fclose(f);
	free(buf);
}

void make_file_unless_reused(void)
{
	if (!o.rank && (!o.reuse || access(o.file, R_OK)))
		make_file();
	if (o.mpi)	/* the others wait for rank 0's file */
		MPI_Barrier(MPI_COMM_WORLD);
}

static int extents_of(const char *name, struct extent **out)
{
	hid_t f = H5Fopen(o.file, H5F_ACC_RDONLY, H5P_DEFAULT);
	hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
	hid_t space = H5Dget_space(d);
	hsize_t n = 1;
	struct extent *e;
	bool chunked = strcmp(name, "contiguous") != 0;

	if (f < 0 || d < 0)
		die("cannot open the file");

	if (chunked && H5Dget_num_chunks(d, space, &n) < 0)
		die("H5Dget_num_chunks");
	e = calloc(n, sizeof(*e));
	if (!e)
		die("out of memory");
	for (hsize_t i = 0; i < n; i++) {
		hsize_t coord = 0, size = o.size;
		haddr_t addr = H5Dget_offset(d);

		if (chunked) {
			unsigned mask;

			if (H5Dget_chunk_info(d, space, i, &coord, &mask, &addr,
					      &size) < 0)
				die("H5Dget_chunk_info");
		}
		e[i] = (struct extent){ addr, coord, size };
	}
	H5Sclose(space);
	H5Dclose(d);
	H5Fclose(f);
	*out = e;
	return (int)n;
}

static void drop_cache(void)
{
	int fd = open(o.file, O_RDONLY);

	if (fd < 0 || fdatasync(fd) ||
	    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		die("cannot drop the file from the page cache");
	close(fd);
}

static void to_device(void *dev, const void *host, size_t len)
{
	if (o.host)
		memcpy(dev, host, len);
	else if (cudaMemcpy(dev, host, len, cudaMemcpyHostToDevice))
		die("cudaMemcpy");
}

static void poison(const struct job *j)
{
	to_device(j->dev, memset(j->host, 0xEE, j->len), j->len);
}

/* Without --mpi: the seconds of the read itself, set-up not counted. */
/* One batch for every raw read, as an application keeps one. */
static phxfs_batch_t *raw_batch;

static double raw(const struct job *j)
{
	const struct extent *e = j->e;
	int fd = open(o.file, O_RDONLY), n = j->n;
	phxfs_batch_t *b = raw_batch ? raw_batch :
			   (raw_batch = phxfs_batch_create(32));
	struct phxfs_io_req *r = calloc((size_t)n, sizeof(*r));
	ssize_t *res = calloc((size_t)n, sizeof(*res));
	double t0;

	if (fd < 0 || !b || !r || !res)
		die("raw: set-up");
	t0 = now();
	if (n == 1) {
		if (phxfs_read(fd, 0, j->dev, e->mem_off, e->len,
			       (off_t)e->file_off) != (ssize_t)e->len)
			die("raw: phxfs_read");
	} else {
		for (int i = 0; i < n; i++)
			r[i] = (struct phxfs_io_req){
				.opcode = PHXFS_OP_READ, .fd = fd,
				.buf = j->dev, .buf_offset = e[i].mem_off,
				.size = e[i].len,
				.file_offset = (off_t)e[i].file_off,
			};
		if (phxfs_batch_run(b, r, (unsigned int)n, res))
			die("raw: phxfs_batch_run");
		for (int i = 0; i < n; i++)
			if (res[i] < 0)
				die("raw: a batched read failed");
	}
	t0 = now() - t0;
	free(res);
	free(r);
	close(fd);
	return t0;
}

/* How the file is opened: with the MPI-IO driver for --mpi. */
static hid_t file_access(const struct job *j, bool through_vol)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);

	if (fapl < 0 ||
	    (o.mpi && H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL) < 0))
		die("cannot make a file access list");
	/* The connector goes over the native one, which keeps the driver. */
	if (through_vol && phxfs_vol_set_fapl(fapl, j->device) < 0)
		die("phxfs_vol_set_fapl");
	return fapl;
}

/* The slice in memory and in the file (sp), the transfer (collective). */
static hid_t select_slice(const struct job *j, hid_t d, hid_t sp[2])
{
	hsize_t start = j->lo, count = j->len;
	hid_t dxpl;

	sp[0] = sp[1] = H5S_ALL;
	if (!o.mpi)
		return H5P_DEFAULT;
	sp[0] = H5Screate_simple(1, &count, NULL);
	sp[1] = H5Dget_space(d);
	dxpl = H5Pcreate(H5P_DATASET_XFER);
	if (sp[0] < 0 || sp[1] < 0 || dxpl < 0 ||
	    H5Sselect_hyperslab(sp[1], H5S_SELECT_SET, &start, NULL, &count,
				NULL) < 0 ||
	    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0)
		die("cannot select the slice");
	return dxpl;
}

/* The seconds of H5Dread (and the copy), the file and dataset open. */
static double h5read(const struct job *j, bool through_vol)
{
	hid_t fapl = file_access(j, through_vol), f, d, dxpl, sp[2];
	double t0;

	f = H5Fopen(o.file, H5F_ACC_RDONLY, fapl);
	d = H5Dopen2(f, j->name, H5P_DEFAULT);
	if (f < 0 || d < 0)
		die("cannot open the dataset");
	dxpl = select_slice(j, d, sp);
	t0 = clock_start();
	if (H5Dread(d, H5T_NATIVE_UINT8, sp[0], sp[1], dxpl,
		    through_vol ? j->dev : j->host) < 0)
		die("H5Dread");
	if (!through_vol)
		to_device(j->dev, j->host, j->len);
	t0 = clock_stop(t0);
	if (o.mpi) {
		H5Sclose(sp[0]);
		H5Sclose(sp[1]);
		H5Pclose(dxpl);
	}
	H5Dclose(d);
	H5Fclose(f);
	H5Pclose(fapl);
	return t0;
}

static void verify(const struct job *j, const char *what)
{
	char msg[160];

	if (o.host)
		memcpy(j->host, j->dev, j->len);
	else if (cudaMemcpy(j->host, j->dev, j->len, cudaMemcpyDeviceToHost))
		die("cudaMemcpy back");
	for (uint64_t i = 0; i < j->len; i++) {
		uint64_t at = j->lo + i;

		if (j->host[i] != pattern(at)) {
			snprintf(msg, sizeof(msg), "%s: byte %llu is %#x, want %#x",
				 what, (unsigned long long)at, j->host[i],
				 pattern(at));
			die(msg);
		}
	}
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One JSON line (rank 0's): the median and the best of @t. */
static void report(const struct job *j, enum h5bench_mode m, double *t)
{
	char ranks[32] = "";

	qsort(t, o.reps, sizeof(t[0]), by_value);
	if (o.rank)
		return;
	if (o.mpi)
		snprintf(ranks, sizeof(ranks), "\"ranks\":%d,", o.ranks);
	printf("{\"tool\":\"phxfs-h5-bench\",\"layout\":\"%s\",\"mode\":\"%s\","
	       "\"mem\":\"%s\",\"cache\":\"%s\",%s\"bytes\":%llu,\"chunk\":%llu,"
	       "\"extents\":%d,\"reps\":%u,\"seconds\":%.6f,\"gibps\":%.3f,"
	       "\"gibps_best\":%.3f,\"verified\":true}\n",
	       j->name, modes[m], o.host ? "host" : "cuda",
	       o.cold ? "cold" : "warm", ranks, (unsigned long long)o.size,
	       (unsigned long long)(j->layout ? o.chunk : o.size), j->n,
	       o.reps, t[o.reps / 2], o.size / t[o.reps / 2] / (1u << 30),
	       o.size / t[0] / (1u << 30));
	fflush(stdout);
}

static void measure(const struct job *j, raw_fn raw_read,
		    enum h5bench_mode m)
{
	double t[MAX_REPS];
	char what[64];

	if (!o.cold)	/* warm: the file in the page cache */
		h5read(j, false);
	snprintf(what, sizeof(what), "%s %s", j->name, modes[m]);
	for (unsigned int r = 0; r < o.reps; r++) {
		if (o.cold)
			drop_cache();
		poison(j);
		t[r] = m == MODE_RAW ? raw_read(j) :
				       h5read(j, m == MODE_VOL);
		verify(j, what);
	}
	report(j, m, t);
}

void run_layouts(struct job *j, raw_fn raw_read, layout_fn done)
{
	for (int l = 0; l < 3; l++) {
		j->layout = l;
		j->name = layouts[l];
		j->n = extents_of(j->name, &j->e);
		for (int m = MODE_RAW; m <= MODE_NATIVE; m++)
			measure(j, raw_read, (enum h5bench_mode)m);
		if (done)
			done(j);
		free(j->e);
		j->e = NULL;
	}
}

void report_stats(const struct phxfs_vol_stats *st)
{
	char more[80] = "";

	if (o.rank)
		return;
	if (o.mpi)
		snprintf(more, sizeof(more),
			 ",\"vol_collective_reads\":%llu,\"ranks\":%d",
			 (unsigned long long)st->collective_reads, o.ranks);
	printf("{\"tool\":\"phxfs-h5-bench\",\"vol_direct_reads\":%llu,"
	       "\"vol_fallback_reads\":%llu%s}\n",
	       (unsigned long long)st->direct_reads,
	       (unsigned long long)st->fallback_reads, more);
	fflush(stdout);
}

void alloc_buffers(struct job *j)
{
	if (!o.host && cudaSetDevice(j->device))
		die("no CUDA device (use --mem host)");
	j->host = malloc(j->len);
	if (!j->host ||
	    (o.host ? !(j->dev = malloc(j->len)) :
		      cudaMalloc(&j->dev, j->len) != cudaSuccess))
		die("cannot allocate the buffers");
}

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--cold"))
			o.cold = true;
		else if (!strcmp(a, "--reuse"))
			o.reuse = true;
		else if (!strcmp(a, "--mpi"))
			o.mpi = true;
		else if (!strcmp(a, "--mem") && v)
			o.host = !strcmp(argv[++i], "host");
		else if (!strcmp(a, "--size") && v && !size_parse(v, &o.size))
			i++;
		else if (!strcmp(a, "--chunk") && v && !size_parse(v, &o.chunk))
			i++;
		else if (!strcmp(a, "--reps") && v && atoi(v) > 0 &&
			 atoi(v) <= MAX_REPS)
			o.reps = (unsigned int)atoi(argv[++i]);
		else if (a[0] != '-' && !o.file)
			o.file = a;
		else
			die("usage: phxfs-h5-bench FILE [--size N] [--chunk N] [--reps N] [--cold] [--mem cuda|host] [--reuse] [--mpi]");
	}
	if (!o.file || !o.size || !o.chunk || o.size % o.chunk)
		die("need FILE, and --size a multiple of --chunk");
}

/* One process: the whole dataset into one buffer on device 0. */
static int single(void)
{
	struct job j = { .len = o.size };
	struct phxfs_vol_stats st;

	alloc_buffers(&j);
	make_file_unless_reused();
	if (phxfs_open(0))
		die("phxfs_open");
	run_layouts(&j, raw, NULL);
	phxfs_batch_destroy(raw_batch);
	phxfs_vol_get_stats(&st);
	report_stats(&st);
	if (!st.direct_reads || st.fallback_reads)
		die("the connector did not read directly");
	phxfs_close(0);
	return 0;
}

int main(int argc, char **argv)
{
	parse(argc, argv);
	return o.mpi ? h5bench_mpi() : single();
}
