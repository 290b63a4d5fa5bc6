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
 *        [--mem cuda|host] [--reuse]
 * Timed: the read alone (phxfs_read or the batch; H5Dread, plus the copy
 * for native), with the file and the dataset already open.
 * One JSON line per (layout, mode) on stdout; exit 1 on a wrong byte.
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
#include <phxfs/phxfs.h>

#include "phxfs_vol.h"
#include "../../tools/common/size.h"

#define SLAB (64u << 20)	/* the file is written this much at a time */

static struct {
	const char *file;
	uint64_t size, chunk;
	unsigned int reps;
	bool cold, host, reuse;
} o = { .size = 1ull << 30, .chunk = 4u << 20, .reps = 3 };

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

static void die(const char *what)
{
	fprintf(stderr, "phxfs-h5-bench: %s\n", what);
	exit(1);
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

/* Where the file holds the dataset: one extent, or one per chunk. */
struct extent {
	uint64_t file_off, mem_off, len;
};

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

/* The seconds of the read itself; opening and set-up are not counted. */
static double raw(void *dev, const struct extent *e, int n)
{
	int fd = open(o.file, O_RDONLY);
	phxfs_batch_t *b = phxfs_batch_create(32);
	struct phxfs_io_req *r = calloc((size_t)n, sizeof(*r));
	struct phxfs_io_event ev[64];
	int done = 0;
	double t0;

	if (fd < 0 || !b || !r)
		die("raw: set-up");
	t0 = now();
	if (n == 1) {
		if (phxfs_read(fd, 0, dev, e->mem_off, e->len,
			       (off_t)e->file_off) != (ssize_t)e->len)
			die("raw: phxfs_read");
	} else {
		for (int i = 0; i < n; i++)
			r[i] = (struct phxfs_io_req){
				.opcode = PHXFS_OP_READ, .fd = fd,
				.buf = dev, .buf_offset = e[i].mem_off,
				.size = e[i].len,
				.file_offset = (off_t)e[i].file_off,
			};
		if (phxfs_batch_submit(b, r, (unsigned int)n))
			die("raw: phxfs_batch_submit");
		while (done < n) {
			int got = phxfs_batch_reap(b, ev, 1, 64, NULL);

			for (int i = 0; i < got; i++)
				if (ev[i].result < 0)
					die("raw: a batched read failed");
			done += got > 0 ? got : 0;
		}
	}
	t0 = now() - t0;
	phxfs_batch_destroy(b);
	free(r);
	close(fd);
	return t0;
}

/* The seconds of H5Dread (and the copy), the file and dataset open. */
static double h5read(void *dev, const char *name, bool through_vol,
		     unsigned char *host)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f, d;
	double t0;

	if (through_vol && phxfs_vol_set_fapl(fapl, 0) < 0)
		die("phxfs_vol_set_fapl");
	f = H5Fopen(o.file, H5F_ACC_RDONLY, fapl);
	d = H5Dopen2(f, name, H5P_DEFAULT);
	if (f < 0 || d < 0)
		die("cannot open the dataset");
	t0 = now();
	if (H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT,
		    through_vol ? dev : host) < 0)
		die("H5Dread");
	if (!through_vol)
		to_device(dev, host, o.size);
	t0 = now() - t0;
	H5Dclose(d);
	H5Fclose(f);
	H5Pclose(fapl);
	return t0;
}

static void verify(const void *dev, unsigned char *host, const char *what)
{
	if (o.host)
		memcpy(host, dev, o.size);
	else if (cudaMemcpy(host, dev, o.size, cudaMemcpyDeviceToHost))
		die("cudaMemcpy back");
	for (uint64_t i = 0; i < o.size; i++)
		if (host[i] != pattern(i)) {
			fprintf(stderr, "phxfs-h5-bench: %s: byte %llu is %#x, want %#x\n",
				what, (unsigned long long)i, host[i],
				pattern(i));
			exit(1);
		}
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const char *const layouts[] = { "contiguous", "chunked",
					       "scattered" };
	static const char *const modes[] = { "raw", "vol", "native" };
	unsigned char *host, *dev;
	struct phxfs_vol_stats st;
	char what[64];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--cold"))
			o.cold = true;
		else if (!strcmp(a, "--reuse"))
			o.reuse = true;
		else if (!strcmp(a, "--mem") && v)
			o.host = !strcmp(argv[++i], "host");
		else if (!strcmp(a, "--size") && v && !size_parse(v, &o.size))
			i++;
		else if (!strcmp(a, "--chunk") && v && !size_parse(v, &o.chunk))
			i++;
		else if (!strcmp(a, "--reps") && v && atoi(v) > 0)
			o.reps = (unsigned int)atoi(argv[++i]);
		else if (a[0] != '-' && !o.file)
			o.file = a;
		else
			die("usage: phxfs-h5-bench FILE [--size N] [--chunk N] [--reps N] [--cold] [--mem cuda|host] [--reuse]");
	}
	if (!o.file || !o.size || !o.chunk || o.size % o.chunk)
		die("need FILE, and --size a multiple of --chunk");
	if (!o.host && cudaSetDevice(0))
		die("no CUDA device (use --mem host)");
	host = malloc(o.size);
	if (!host || (o.host ? !(dev = malloc(o.size)) :
			       cudaMalloc((void **)&dev, o.size) != cudaSuccess))
		die("cannot allocate the buffers");
	if (!o.reuse || access(o.file, R_OK))
		make_file();
	if (phxfs_open(0))
		die("phxfs_open");

	for (int l = 0; l < 3; l++) {
		struct extent *e;
		int n = extents_of(layouts[l], &e);

		for (int m = 0; m < 3; m++) {
			double t[64];

			if (!o.cold)	/* warm: the file in the page cache */
				h5read(dev, layouts[l], false, host);
			for (unsigned int r = 0; r < o.reps && r < 64; r++) {
				if (o.cold)
					drop_cache();
				to_device(dev, memset(host, 0xEE, o.size), o.size);
				t[r] = m == 0 ? raw(dev, e, n) :
					 h5read(dev, layouts[l], m == 1, host);
				snprintf(what, sizeof(what), "%s %s",
					 layouts[l], modes[m]);
				verify(dev, host, what);
			}
			qsort(t, o.reps, sizeof(t[0]), by_value);
			printf("{\"tool\":\"phxfs-h5-bench\",\"layout\":\"%s\",\"mode\":\"%s\","
			       "\"mem\":\"%s\",\"cache\":\"%s\",\"bytes\":%llu,\"chunk\":%llu,"
			       "\"extents\":%d,\"reps\":%u,\"seconds\":%.6f,\"gibps\":%.3f,"
			       "\"gibps_best\":%.3f,\"verified\":true}\n",
			       layouts[l], modes[m], o.host ? "host" : "cuda",
			       o.cold ? "cold" : "warm",
			       (unsigned long long)o.size,
			       (unsigned long long)(l ? o.chunk : o.size), n,
			       o.reps, t[o.reps / 2],
			       o.size / t[o.reps / 2] / (1u << 30),
			       o.size / t[0] / (1u << 30));
			fflush(stdout);
		}
		free(e);
	}
	phxfs_vol_get_stats(&st);
	printf("{\"tool\":\"phxfs-h5-bench\",\"vol_direct_reads\":%llu,"
	       "\"vol_fallback_reads\":%llu}\n",
	       (unsigned long long)st.direct_reads,
	       (unsigned long long)st.fallback_reads);
	if (!st.direct_reads || st.fallback_reads)
		die("the connector did not read directly");
	phxfs_close(0);
	return 0;
}
