// SPDX-License-Identifier: MIT
/*
 * libphxfs_mpi collective and independent I/O, every rank's bytes checked
 * against a pattern of the file offset: contiguous pieces (each rank
 * straight to its buffer), block-cyclic small blocks (two-phase) and
 * large ones (each rank's straight, in flight together), forced
 * two-phase with cb_nodes / cb_buffer_size hints, unaligned offsets, end
 * of file, sparse writes that must keep the holes, independent calls;
 * phxfs_mpi_get_stats() naming the path a read took.
 * Usage: collective_io DIR
 */
#define _GNU_SOURCE
#include <stdbool.h>

#include "mpitest.h"

#define PIECE ((2u << 20) + 123)	/* over phxfs_direct_min: direct */
#define BLOCK 1000u			/* small and unaligned: two-phase */
#define NBLOCKS 600u
#define BUF_LEN (NBLOCKS * 4096u)

static phxfs_mpi_t *ctx;
static unsigned char *buf;
static char dir[3000];
static long job_id;	/* rank 0's pid: runs of other variants at once differ */

static void path_of(char *path, const char *test)
{
	snprintf(path, 4096, "%s/collective_io.%s.np%d.%ld.dat", dir, test,
		 pt_ranks, job_id);
}

static phxfs_mpi_file_t *open_file(const char *test, int amode,
				   const char *const *hints)
{
	phxfs_mpi_file_t *f;
	char path[4096];
	MPI_Info info = MPI_INFO_NULL;

	path_of(path, test);
	if (hints) {
		MPI_Info_create(&info);
		for (; *hints; hints += 2)
			MPI_Info_set(info, hints[0], hints[1]);
	}
	PT_OK(phxfs_mpi_file_open(ctx, path, amode, info, &f));
	if (info != MPI_INFO_NULL)
		MPI_Info_free(&info);
	return f;
}

/* The buffer gets @seed's bytes of the extents (0: none), the rest @fill. */
static void put(const struct phxfs_mpi_extent *e, size_t n, unsigned seed,
		int fill)
{
	memset(mt_mirror, fill, BUF_LEN + PIECE);
	for (size_t i = 0; seed && i < n; i++)
		phxfs_pattern_fill(mt_mirror + e[i].buf_offset, e[i].len, seed,
				   (uint64_t)e[i].file_offset);
	mt_sync(buf, 0, BUF_LEN + PIECE, 1);
}

/* Bytes of extent @e before file offset @eof. */
static size_t before_eof(const struct phxfs_mpi_extent *e, int64_t eof)
{
	if (e->file_offset >= eof)
		return 0;
	return eof - e->file_offset < (int64_t)e->len ?
	       (size_t)(eof - e->file_offset) : e->len;
}

/* The extents hold @seed's bytes up to @eof; all else is still @fill. */
static void expect(const char *test, const struct phxfs_mpi_extent *e,
		   size_t n, unsigned seed, int fill, int64_t eof)
{
	unsigned char *want = malloc(BUF_LEN + PIECE);

	if (!want)
		pt_fail("malloc");
	memset(want, fill, BUF_LEN + PIECE);
	for (size_t i = 0; i < n; i++)
		phxfs_pattern_fill(want + e[i].buf_offset,
				   before_eof(&e[i], eof), seed,
				   (uint64_t)e[i].file_offset);
	mt_sync(buf, 0, BUF_LEN + PIECE, 0);
	for (size_t i = 0; i < BUF_LEN + PIECE; i++)
		if (mt_mirror[i] != want[i])
			pt_fail("%s: buffer byte %zu is %#x, want %#x", test, i,
				mt_mirror[i], want[i]);
	free(want);
}

/* Extent @e holds @seed's bytes up to @eof; after it, anything. */
static void expect_upto(const char *test, const struct phxfs_mpi_extent *e,
			unsigned seed, int64_t eof)
{
	long long bad;

	mt_sync(buf, 0, BUF_LEN + PIECE, 0);
	bad = phxfs_pattern_mismatch(mt_mirror + e->buf_offset,
				     before_eof(e, eof), seed,
				     (uint64_t)e->file_offset);
	if (bad >= 0)
		pt_fail("%s: buffer byte %zu", test,
			e->buf_offset + (size_t)bad);
}

/* The file, read with plain pread on rank 0: @seed (or @seed0 outside). */
static void expect_file(const char *test, int64_t size,
			const struct phxfs_mpi_extent *all, size_t n_all,
			unsigned seed, unsigned seed0)
{
	char path[4096];
	unsigned char *got, *want;
	int fd;

	MPI_Barrier(MPI_COMM_WORLD);
	if (pt_rank)
		return;
	path_of(path, test);
	got = malloc((size_t)size);
	want = malloc((size_t)size);
	if (!got || !want)
		pt_fail("malloc");
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, got, (size_t)size, 0) != size)
		pt_fail("%s: read back %s", test, path);
	close(fd);
	phxfs_pattern_fill(want, (size_t)size, seed0, 0);
	for (size_t i = 0; i < n_all; i++)
		phxfs_pattern_fill(want + all[i].file_offset, all[i].len, seed,
				   (uint64_t)all[i].file_offset);
	for (int64_t i = 0; i < size; i++)
		if (got[i] != want[i])
			pt_fail("%s: file byte %lld is %#x, want %#x", test,
				(long long)i, got[i], want[i]);
	free(got);
	free(want);
}

/* Block-cyclic: rank r's block i at file block i * size + r. */
static size_t cyclic(struct phxfs_mpi_extent *e, int rank, int64_t base,
		     size_t block)
{
	for (size_t i = 0; i < NBLOCKS; i++)
		e[i] = (struct phxfs_mpi_extent){
			.file_offset = base + (int64_t)((i * (size_t)pt_ranks +
							 (size_t)rank) * block),
			.buf_offset = i * block, .len = block };
	return NBLOCKS;
}

/*
 * phxfs_mpi_get_stats() since @b: one read of PIECE bytes went straight
 * to this rank's buffer, or (@two_phase) through two-phase, exchanged the
 * way the buffer's memory and MPI's CUDA awareness say.
 */
static void expect_path(const char *test, const struct phxfs_mpi_stats *b,
			bool two_phase)
{
	struct phxfs_mpi_stats a;
	unsigned long long via;

	PT_OK(phxfs_mpi_get_stats(ctx, &a));
	if (a.direct_bytes - b->direct_bytes != (two_phase ? 0 : PIECE) ||
	    a.two_phase_bytes - b->two_phase_bytes != (two_phase ? PIECE : 0))
		pt_fail("%s: stats say %llu bytes direct, %llu two-phase",
			test, a.direct_bytes - b->direct_bytes,
			a.two_phase_bytes - b->two_phase_bytes);
	if (mt_mem == MT_HOST)
		via = a.exchanged_host_bytes - b->exchanged_host_bytes;
	else if (mt_mem == MT_CUDA && a.cuda_aware)
		via = a.exchanged_device_bytes - b->exchanged_device_bytes;
	else
		via = a.staged_bytes - b->staged_bytes;
	if (two_phase && via != PIECE)
		pt_fail("%s: stats: %llu bytes exchanged the expected way", test,
			via);
}

static void test_contiguous(const char *test, const char *const *hints)
{
	struct phxfs_mpi_stats before;
	struct phxfs_mpi_extent e = { 17 + (int64_t)pt_rank * PIECE, 0, PIECE };
	struct phxfs_mpi_extent *all = malloc(sizeof(*all) * (size_t)pt_ranks);
	phxfs_mpi_file_t *f = open_file(test, MPI_MODE_CREATE | MPI_MODE_RDWR,
					hints);
	size_t got;

	put(&e, 1, 3, 0);
	PT_OK(phxfs_mpi_write_at_all(f, e.file_offset, buf, PIECE, &got));
	if (got != PIECE)
		pt_fail("%s: wrote %zu", test, got);
	for (int r = 0; r < pt_ranks; r++)
		all[r] = (struct phxfs_mpi_extent){ 17 + (int64_t)r * PIECE, 0,
						    PIECE };
	/* The first 17 bytes were never written: zeros, not seed 0. */
	put(&e, 1, 0, 0x5a);
	PT_OK(phxfs_mpi_get_stats(ctx, &before));
	PT_OK(phxfs_mpi_read_at_all(f, e.file_offset, buf, PIECE, &got));
	if (got != PIECE)
		pt_fail("%s: read %zu", test, got);
	expect_path(test, &before, hints != NULL);
	expect(test, &e, 1, 3, 0x5a, INT64_MAX);
	PT_OK(phxfs_mpi_file_close(f));
	if (pt_rank == 0) {
		/* expect_file wants seed0 outside: make the hole agree. */
		char path[4096];
		unsigned char head[17];
		int fd;

		path_of(path, test);
		fd = open(path, O_RDONLY);
		if (fd < 0 || pread(fd, head, 17, 0) != 17)
			pt_fail("%s: head", test);
		close(fd);
		for (int i = 0; i < 17; i++)
			if (head[i])
				pt_fail("%s: hole byte %d is %#x", test, i,
					head[i]);
	}
	MPI_Barrier(MPI_COMM_WORLD);
	free(all);
}

static void test_cyclic(const char *test, size_t block,
			const char *const *hints)
{
	struct phxfs_mpi_extent *e = malloc(sizeof(*e) * NBLOCKS);
	struct phxfs_mpi_extent *all = malloc(sizeof(*e) * NBLOCKS *
					      (size_t)pt_ranks);
	int64_t size = (int64_t)(NBLOCKS * (size_t)pt_ranks * block) + 5;
	phxfs_mpi_file_t *f = open_file(test, MPI_MODE_CREATE | MPI_MODE_RDWR,
					hints);
	size_t n = cyclic(e, pt_rank, 5, block), got;

	put(e, n, 7, 0);
	PT_OK(phxfs_mpi_writev_at_all(f, buf, e, n, &got));
	if (got != n * block)
		pt_fail("%s: wrote %zu", test, got);
	put(e, n, 0, 0xa5);
	PT_OK(phxfs_mpi_readv_at_all(f, buf, e, n, &got));
	if (got != n * block)
		pt_fail("%s: read %zu", test, got);
	expect(test, e, n, 7, 0xa5, INT64_MAX);
	PT_OK(phxfs_mpi_file_close(f));
	/* Bytes 0..4 were never written: the file has zeros there. */
	for (int r = 0; r < pt_ranks; r++)
		cyclic(all + (size_t)r * NBLOCKS, r, 5, block);
	(void)size;
	free(e);
	free(all);
}

/*
 * Block-cyclic blocks over phxfs_direct_min, interleaved between ranks:
 * each rank reads its own straight, all of them in flight together.
 */
static void test_cyclic_large(void)
{
	enum { N = 3 };
	const char *test = "cyclic_large";
	const size_t block = (1u << 20) + 333;
	struct phxfs_mpi_extent e[N];
	struct phxfs_mpi_stats before, after;
	phxfs_mpi_file_t *f = open_file(test, MPI_MODE_CREATE | MPI_MODE_RDWR,
					NULL);
	size_t got;

	for (size_t i = 0; i < N; i++)
		e[i] = (struct phxfs_mpi_extent){
			.file_offset = 7 + (int64_t)((i * (size_t)pt_ranks +
						      (size_t)pt_rank) * block),
			.buf_offset = (N - 1 - i) * block + 11, .len = block };
	put(e, N, 9, 0);
	PT_OK(phxfs_mpi_writev_at_all(f, buf, e, N, &got));
	put(e, N, 0, 0x3c);
	PT_OK(phxfs_mpi_get_stats(ctx, &before));
	PT_OK(phxfs_mpi_readv_at_all(f, buf, e, N, &got));
	PT_OK(phxfs_mpi_get_stats(ctx, &after));
	if (got != N * block)
		pt_fail("%s: read %zu", test, got);
	if (after.direct_bytes - before.direct_bytes != N * block ||
	    after.two_phase_bytes != before.two_phase_bytes)
		pt_fail("%s: stats say %llu bytes direct, %llu two-phase", test,
			after.direct_bytes - before.direct_bytes,
			after.two_phase_bytes - before.two_phase_bytes);
	expect(test, e, N, 9, 0x3c, INT64_MAX);
	PT_OK(phxfs_mpi_file_close(f));
}

/* Sparse writes over an older file keep the holes' bytes. */
static void test_holes(void)
{
	const char *test = "holes";
	int64_t size = (int64_t)(NBLOCKS * (size_t)pt_ranks * BLOCK);
	struct phxfs_mpi_extent *e = malloc(sizeof(*e) * NBLOCKS);
	struct phxfs_mpi_extent *all = malloc(sizeof(*e) * NBLOCKS *
					      (size_t)pt_ranks);
	phxfs_mpi_file_t *f = open_file(test, MPI_MODE_CREATE | MPI_MODE_RDWR,
					NULL);
	size_t n = 0, got;

	/* Rank 0 lays down seed 1 everywhere (independently). */
	if (pt_rank == 0) {
		unsigned char *p = malloc((size_t)size);
		char path[4096];
		int fd;

		if (!p)
			pt_fail("malloc");
		phxfs_pattern_fill(p, (size_t)size, 1, 0);
		path_of(path, test);
		fd = open(path, O_WRONLY);
		if (fd < 0 || pwrite(fd, p, (size_t)size, 0) != size || fsync(fd))
			pt_fail("holes: prefill");
		close(fd);
		free(p);
	}
	MPI_Barrier(MPI_COMM_WORLD);
	/* Every third block of each rank, seed 2. */
	cyclic(e, pt_rank, 0, BLOCK);
	for (size_t i = 0; i < NBLOCKS; i += 3)
		e[n++] = e[i];
	put(e, n, 2, 0);
	PT_OK(phxfs_mpi_writev_at_all(f, buf, e, n, &got));
	PT_OK(phxfs_mpi_file_close(f));
	size_t n_all = 0;

	for (int r = 0; r < pt_ranks; r++) {
		struct phxfs_mpi_extent *x = all + n_all;

		cyclic(x, r, 0, BLOCK);
		for (size_t i = 0; i < NBLOCKS; i += 3)
			all[n_all++] = x[i];
	}
	expect_file(test, size, all, n_all, 2, 1);
	free(e);
	free(all);
}

/* Reads across the end of the file: short counts, the rest untouched. */
static void test_eof(void)
{
	const char *test = "eof";
	int64_t size = (int64_t)pt_ranks * 3000 - 1234;
	phxfs_mpi_file_t *f = open_file(test, MPI_MODE_CREATE | MPI_MODE_RDWR,
					NULL);
	struct phxfs_mpi_extent e = { (int64_t)pt_rank * 3000, 0, 3000 };
	size_t got, want;

	/* The file: seed 4, written collectively in pieces of 3000. */
	e.len = e.file_offset + 3000 > size ? (size_t)(size - e.file_offset)
					    : 3000;
	put(&e, 1, 4, 0);
	PT_OK(phxfs_mpi_write_at_all(f, e.file_offset, buf, e.len, &got));
	/* Two-phase (small pieces), then direct (forced by hint). */
	for (int pass = 0; pass < 2; pass++) {
		e.len = 3000;
		put(&e, 1, 0, 0x33);
		if (pass == 1) {
			PT_OK(phxfs_mpi_file_close(f));
			f = open_file(test, MPI_MODE_RDONLY, (const char *[]){
				"romio_cb_read", "disable", NULL });
		}
		PT_OK(phxfs_mpi_read_at_all(f, e.file_offset, buf, 3000, &got));
		want = e.file_offset + 3000 > size ?
			(size_t)(size - e.file_offset) : 3000;
		if (got != want)
			pt_fail("eof pass %d: read %zu, want %zu", pass, got,
				want);
		/* O_DIRECT may zero the rest of the last block: skip it. */
		if (pass == 0)
			expect("eof 2phase", &e, 1, 4, 0x33, size);
		else
			expect_upto("eof direct", &e, 4, size);
	}
	/* Wholly past the end: 0 bytes, collectively and independently. */
	PT_OK(phxfs_mpi_read_at_all(f, size + 4096 * pt_rank, buf, 100, &got));
	if (got)
		pt_fail("eof: read %zu past the end", got);
	PT_OK(phxfs_mpi_read_at(f, size - 10, buf, 100, &got));
	if (got != 10)
		pt_fail("eof: independent read %zu, want 10", got);
	PT_OK(phxfs_mpi_file_close(f));
}

/*
 * Independent calls: write my piece, read my neighbour's. The pieces do
 * not share a file block: unaligned O_DIRECT writes read, modify and
 * write whole blocks, which concurrent writers must not do to one block.
 */
static void test_independent(void)
{
	const char *test = "independent";
	phxfs_mpi_file_t *f = open_file(test, MPI_MODE_CREATE | MPI_MODE_RDWR,
					NULL);
	struct phxfs_mpi_extent e = { 4096 + (int64_t)pt_rank * 81920, 0,
				      77777 };
	size_t got;

	put(&e, 1, 5, 0);
	PT_OK(phxfs_mpi_write_at(f, e.file_offset, buf, e.len, &got));
	if (got != e.len)
		pt_fail("independent: wrote %zu", got);
	MPI_Barrier(MPI_COMM_WORLD);
	e.file_offset = 4096 + (int64_t)((pt_rank + 1) % pt_ranks) * 81920;
	put(&e, 1, 0, 0x11);
	PT_OK(phxfs_mpi_read_at(f, e.file_offset, buf, e.len, &got));
	expect(test, &e, 1, 5, 0x11, INT64_MAX);
	PT_OK(phxfs_mpi_file_close(f));
}

/* Bad arguments on one rank fail the call on every rank, the same way. */
static void test_bad_args(void)
{
	phxfs_mpi_file_t *f = open_file("badargs",
					MPI_MODE_CREATE | MPI_MODE_RDWR, NULL);
	int bad = pt_ranks - 1, rank, err;
	size_t got;

	errno = 0;
	if (phxfs_mpi_read_at_all(f, pt_rank == bad ? -1 : 0, buf, 10,
				  &got) != -1 || errno != EINVAL)
		pt_fail("badargs: read_at_all gave errno %d", errno);
	phxfs_mpi_last_error(ctx, &rank, &err);
	if (rank != bad || err != EINVAL)
		pt_fail("badargs: last error rank %d errno %d", rank, err);
	PT_OK(phxfs_mpi_file_close(f));
	errno = 0;
	if (phxfs_mpi_file_open(ctx, "/nonexistent/x", MPI_MODE_RDONLY,
				MPI_INFO_NULL, &f) != -1 || errno != ENOENT)
		pt_fail("badargs: open gave errno %d", errno);
}

int main(int argc, char **argv)
{
	static const char *const forced[] = {
		"cb_nodes", "2", "cb_buffer_size", "8K",
		"romio_cb_read", "enable", "romio_cb_write", "enable", NULL };
	static const char *const rounds[] = {
		"cb_buffer_size", "4K", NULL };

	MPI_Init(&argc, &argv);
	pt_mpi_init(argv[0]);
	if (argc < 2)
		pt_fail("usage: %s DIR", argv[0]);
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	job_id = (long)getpid();
	MPI_Bcast(&job_id, 1, MPI_LONG, 0, MPI_COMM_WORLD);
	PT_OK(phxfs_mpi_init(MPI_COMM_WORLD, MPI_INFO_NULL, &ctx));
	buf = mt_buffer(ctx, BUF_LEN + PIECE);

	test_contiguous("contiguous", NULL);
	test_contiguous("contiguous_2phase", forced);
	test_cyclic("cyclic", BLOCK, NULL);
	test_cyclic("cyclic_4k", 4096, NULL);
	test_cyclic("cyclic_hints", 333, forced);
	test_cyclic("cyclic_rounds", BLOCK, rounds);
	test_cyclic_large();
	test_holes();
	test_eof();
	test_independent();
	test_bad_args();

	mt_buffer_free(ctx, buf);
	PT_OK(phxfs_mpi_finalize(ctx));
	if (pt_rank == 0) {
		static const char *const tests[] = {
			"contiguous", "contiguous_2phase", "cyclic", "cyclic_4k",
			"cyclic_hints", "cyclic_rounds", "holes", "eof",
			"independent", "badargs",
		};
		char path[4096];

		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
			path_of(path, tests[i]);
			unlink(path);
		}
	}
	if (pt_rank == 0)
		pt_note("%d ranks, mode %s: OK", pt_ranks,
			getenv("PHXFS_COMPAT") ? getenv("PHXFS_COMPAT") : "auto");
	MPI_Finalize();
	return 0;
}
