// SPDX-License-Identifier: MIT
/*
 * Two-phase collective I/O, after ROMIO: the file range all ranks touch
 * is cut into one domain per aggregator (whole 4 KiB blocks, so no two
 * aggregators ever share a block), and each domain is moved in rounds of
 * cb_buffer_size. In a round an aggregator reads its window of the file
 * with one large phxfs_read() and every rank receives its pieces of it in
 * one MPI_Alltoallw, straight into its buffer (host memory, or device
 * memory when MPI is CUDA-aware) or through a host staging buffer and one
 * copy to the device. Writes run the other way, then each aggregator
 * writes the runs of its window that some rank covered (the holes keep
 * the file's bytes).
 *
 * Every rank knows every rank's pieces (gathered before), so senders and
 * receivers derive the same piece lists, in the same order, without
 * exchanging counts. A rank that fails locally keeps taking part in the
 * rounds, so that the others do not wait; the caller agrees on the error.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devmem.h"

struct plan {
	const struct phxfs_mpi_piece *all;
	const int *first;
	int64_t *reach;		/* prefix maximum of each rank's ends */
	int64_t lo, hi;		/* the range, whole blocks */
	int64_t domain;		/* bytes of each aggregator's domain */
	int64_t cb;
	int rounds;
};

/* A piece of a round: where in the file, in the buffer, in staging. */
struct slice {
	int64_t off, len, buf, at;
	int peer;		/* the other end's rank */
};

struct slices {
	struct slice *v;
	size_t n, cap;
};

static int push(struct slices *s, struct slice x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct slice *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

static int64_t align_down(int64_t x)
{
	return x / PHXFS_MPI_ALIGN * PHXFS_MPI_ALIGN;
}

static int plan_make(struct plan *p, phxfs_mpi_file_t *f,
		     const struct phxfs_mpi_piece *all, const int *first)
{
	int nranks = f->ctx->size, total = first[nranks];
	int64_t span;

	*p = (struct plan){ .all = all, .first = first,
			    .cb = (int64_t)f->hints.cb_buffer_size };
	if (!total)
		return 0;	/* nothing anywhere: no rounds */
	p->reach = malloc(sizeof(int64_t) * (size_t)total);
	if (!p->reach)
		return ENOMEM;
	p->lo = INT64_MAX;
	p->hi = 0;
	for (int r = 0; r < nranks; r++)
		for (int i = first[r]; i < first[r + 1]; i++) {
			int64_t end = all[i].off + all[i].len;

			p->reach[i] = i > first[r] && p->reach[i - 1] > end ?
				      p->reach[i - 1] : end;
			if (all[i].off < p->lo)
				p->lo = all[i].off;
			if (end > p->hi)
				p->hi = end;
		}
	p->lo = align_down(p->lo);
	span = p->hi - p->lo;
	p->domain = align_down((span + f->naggs - 1) / f->naggs +
			       PHXFS_MPI_ALIGN - 1);
	p->rounds = (int)((p->domain + p->cb - 1) / p->cb);
	return 0;
}

/* Aggregator @d's window in round @k: [*ws, *we), maybe empty. */
static void window(const struct plan *p, int d, int k, int64_t *ws,
		   int64_t *we)
{
	int64_t dend = p->lo + (d + 1) * p->domain;

	*ws = p->lo + d * p->domain + k * p->cb;
	*we = *ws + p->cb;
	if (*we > dend)
		*we = dend;
	if (*we > p->hi)
		*we = p->hi;
	if (*we < *ws)
		*we = *ws;
}

/* Rank @r's pieces in [ws, we), in its sorted order, onto @out. */
static int pieces_in(const struct plan *p, int r, int64_t ws, int64_t we,
		     int peer, struct slices *out)
{
	int lo = p->first[r], hi = p->first[r + 1];

	if (ws >= we)
		return 0;
	/* The first piece that may reach into the window. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (p->reach[mid] > ws)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (int i = lo; i < p->first[r + 1] && p->all[i].off < we; i++) {
		const struct phxfs_mpi_piece *x = &p->all[i];
		int64_t s = x->off > ws ? x->off : ws;
		int64_t e = x->off + x->len < we ? x->off + x->len : we;

		if (e > s && push(out, (struct slice){
				.off = s, .len = e - s,
				.buf = x->buf + (s - x->off), .peer = peer }))
			return ENOMEM;
	}
	return 0;
}

/* One datatype over @base for the slices [@from, @to) (at: @use_at). */
static int make_type(const struct slices *s, size_t from, size_t to,
		     bool use_at, MPI_Datatype *type, int *count)
{
	size_t n = to - from;
	int *lens;
	MPI_Aint *disps;
	int err = 0;

	*type = MPI_BYTE;
	*count = 0;
	if (!n)
		return 0;
	lens = malloc(sizeof(int) * n);
	disps = malloc(sizeof(MPI_Aint) * n);
	if (!lens || !disps) {
		err = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct slice *x = &s->v[from + i];

		lens[i] = (int)x->len;
		disps[i] = (MPI_Aint)(use_at ? x->at : x->buf);
	}
	if (MPI_Type_create_hindexed((int)n, lens, disps, MPI_BYTE, type) ||
	    MPI_Type_commit(type)) {
		*type = MPI_BYTE;
		err = EIO;
		goto out;
	}
	*count = 1;
out:
	free(lens);
	free(disps);
	return err;
}

/* The state of one rank across the rounds. */
struct tp {
	phxfs_mpi_file_t *f;
	phxfs_mpi_t *ctx;
	bool write;
	char *buf;		/* the caller's */
	bool dev_buf;		/* memory MPI cannot take: staged */
	bool mapped;		/* ... and the CPU reaches it (memcpy) */
	int agg;		/* this rank's domain, or -1 */
	char *win;		/* the aggregator's window */
	bool win_dev;
	char *own;		/* host staging of a staged device buffer */
	size_t own_len;
	struct slices mine;	/* this rank's slices of the round */
	struct slices theirs;	/* the aggregator's: every rank's */
	int *scount, *rcount, *zero;
	MPI_Datatype *stype, *rtype;
	int err;
};

static void set_err(struct tp *t, int err)
{
	if (!t->err)
		t->err = err;
}

/*
 * Where a staged device buffer's slices sit in t->own: as in the buffer
 * when they tile one range of it (one copy), else packed (one copy each).
 * Return: the range's start, or -1 for packed.
 */
static int by_buf(const void *pa, const void *pb)
{
	const struct slice *a = pa, *b = pb;

	return a->buf < b->buf ? -1 : a->buf > b->buf;
}

static bool tiles(const struct slices *s, int64_t *lo)
{
	struct slice *v = malloc(s->n * sizeof(*v));
	bool ok = v != NULL;

	if (ok) {
		memcpy(v, s->v, s->n * sizeof(*v));
		qsort(v, s->n, sizeof(*v), by_buf);
		for (size_t i = 1; ok && i < s->n; i++)
			ok = v[i].buf == v[i - 1].buf + v[i - 1].len;
		*lo = v[0].buf;
	}
	free(v);
	return ok;
}

static int64_t stage_layout(struct tp *t)
{
	struct slices *s = &t->mine;
	int64_t lo = -1, at = 0;
	bool tile = tiles(s, &lo);

	for (size_t i = 0; i < s->n; i++) {
		s->v[i].at = tile ? s->v[i].buf - lo : at;
		at += s->v[i].len;
	}
	if ((size_t)at > t->own_len) {
		phxfs_mpi_host_free(t->own, t->own_len);
		t->own = phxfs_mpi_host_alloc((size_t)at);
		t->own_len = t->own ? (size_t)at : 0;
		if (!t->own) {
			set_err(t, ENOMEM);
			return -2;
		}
	}
	return tile ? lo : -1;
}

static int copy(struct tp *t, void *dst, const void *src, size_t len,
		bool to_device)
{
	if (t->mapped) {
		memcpy(dst, src, len);
		return 0;
	}
	return phxfs_mpi_copy(dst, src, len, to_device);
}

/* Staged device buffer <-> t->own, as stage_layout() placed them. */
static void stage_copy(struct tp *t, int64_t lo, bool to_device)
{
	struct slices *s = &t->mine;
	int err = 0;

	if (lo >= 0 && s->n) {
		int64_t len = 0;

		for (size_t i = 0; i < s->n; i++)
			len += s->v[i].len;
		err = copy(t, to_device ? t->buf + lo : t->own,
			   to_device ? t->own : t->buf + lo, (size_t)len,
			   to_device);
	}
	for (size_t i = 0; lo == -1 && !err && i < s->n; i++) {
		struct slice *x = &s->v[i];

		err = to_device ?
			copy(t, t->buf + x->buf, t->own + x->at,
			     (size_t)x->len, true) :
			copy(t, t->own + x->at, t->buf + x->buf,
			     (size_t)x->len, false);
	}
	if (err)
		set_err(t, err);
}

static int by_file(const void *pa, const void *pb)
{
	const struct slice *a = pa, *b = pb;

	return a->off < b->off ? -1 : a->off > b->off;
}

/* The aggregator's file side of a round, on [ws, we). */
static void agg_io(struct tp *t, int64_t ws, int64_t we)
{
	struct slices *s = &t->theirs;
	int64_t lo = INT64_MAX, hi = 0;

	(void)we;
	if (t->err || !s->n)
		return;
	if (!t->write) {
		for (size_t i = 0; i < s->n; i++) {
			if (s->v[i].off < lo)
				lo = s->v[i].off;
			if (s->v[i].off + s->v[i].len > hi)
				hi = s->v[i].off + s->v[i].len;
		}
		/* One read of whole blocks: straight on O_DIRECT files. */
		int64_t rlo = align_down(lo);
		int64_t rhi = align_down(hi + PHXFS_MPI_ALIGN - 1);

		if (rhi > we)
			rhi = we;
		int64_t got = phxfs_mpi_pio(t->f, false, t->win,
					    (size_t)(rlo - ws),
					    (size_t)(rhi - rlo), rlo);
		if (got < 0)
			set_err(t, (int)-got);
		else if (rlo + got < hi)
			set_err(t, EIO);	/* the file shrank under us */
		return;
	}
	/* Writes: the covered runs only, so holes keep the file's bytes. */
	qsort(s->v, s->n, sizeof(*s->v), by_file);
	for (size_t i = 0; i < s->n && !t->err;) {
		int64_t rs = s->v[i].off, re = rs + s->v[i].len;

		for (i++; i < s->n && s->v[i].off <= re; i++)
			if (s->v[i].off + s->v[i].len > re)
				re = s->v[i].off + s->v[i].len;
		int64_t got = phxfs_mpi_pio(t->f, true, t->win,
					    (size_t)(rs - ws),
					    (size_t)(re - rs), rs);
		if (got < 0)
			set_err(t, (int)-got);
	}
}

static void free_types(struct tp *t)
{
	for (int r = 0; r < t->ctx->size; r++) {
		if (t->stype[r] != MPI_BYTE)
			MPI_Type_free(&t->stype[r]);
		if (t->rtype[r] != MPI_BYTE)
			MPI_Type_free(&t->rtype[r]);
		t->stype[r] = t->rtype[r] = MPI_BYTE;
		t->scount[r] = t->rcount[r] = 0;
	}
}

/* Slices [from, to) of @s go to or come from one peer. */
static void peer_type(struct tp *t, struct slices *s, size_t from,
		      size_t to, bool use_at, bool send)
{
	int peer = s->v[from].peer;
	int err = make_type(s, from, to, use_at,
			    send ? &t->stype[peer] : &t->rtype[peer],
			    send ? &t->scount[peer] : &t->rcount[peer]);

	if (err)
		set_err(t, err);
}

/* Types for every run of one peer's slices in @s. */
static void all_types(struct tp *t, struct slices *s, bool use_at, bool send)
{
	for (size_t i = 0, j; i < s->n; i = j) {
		for (j = i + 1; j < s->n && s->v[j].peer == s->v[i].peer; j++)
			;
		peer_type(t, s, i, j, use_at, send);
	}
}

static void round_run(struct tp *t, const struct plan *p, int k)
{
	phxfs_mpi_t *ctx = t->ctx;
	int64_t ws = 0, we = 0, lo = -1;
	char *mybase = t->buf;

	t->mine.n = t->theirs.n = 0;
	/* My slices, aggregator by aggregator (rank order within each). */
	for (int d = 0; d < t->f->naggs; d++) {
		int64_t s, e;

		window(p, d, k, &s, &e);
		if (pieces_in(p, ctx->rank, s, e, t->f->aggs[d], &t->mine))
			set_err(t, ENOMEM);
	}
	if (t->agg >= 0) {
		window(p, t->agg, k, &ws, &we);
		for (int r = 0; r < ctx->size; r++)
			if (pieces_in(p, r, ws, we, r, &t->theirs))
				set_err(t, ENOMEM);
		for (size_t i = 0; i < t->theirs.n; i++)
			t->theirs.v[i].at = t->theirs.v[i].off - ws;
	}
	if (t->dev_buf && t->mine.n) {
		lo = stage_layout(t);
		mybase = t->own;
	}
	if (t->write && t->dev_buf && lo != -2)
		stage_copy(t, lo, false);
	if (!t->write && t->agg >= 0)
		agg_io(t, ws, we);

	/*
	 * The buffer side: at offsets in the buffer, or in staging. Memory
	 * we could not get sends and takes nothing (the others' receives
	 * come up short, and the caller agrees on our ENOMEM).
	 */
	if (lo != -2)
		all_types(t, &t->mine, t->dev_buf, t->write);
	if (t->win)
		all_types(t, &t->theirs, true, !t->write);
	if (MPI_Alltoallw(t->write ? mybase : t->win, t->scount, t->zero,
			  t->stype, t->write ? t->win : mybase, t->rcount,
			  t->zero, t->rtype, ctx->comm))
		set_err(t, EIO);
	free_types(t);

	if (!t->write && t->dev_buf && lo != -2)
		stage_copy(t, lo, true);
	if (t->write && t->agg >= 0)
		agg_io(t, ws, we);
}

static void tp_free(struct tp *t)
{
	if (t->win_dev)
		phxfs_mpi_dev_free(t->win);
	else
		phxfs_mpi_host_free(t->win, 0);
	phxfs_mpi_host_free(t->own, t->own_len);
	free(t->mine.v);
	free(t->theirs.v);
	free(t->scount);
	free(t->rcount);
	free(t->zero);
	free(t->stype);
	free(t->rtype);
}

static bool mpi_takes_device(phxfs_mpi_file_t *f)
{
	int sw = f->hints.cuda_aware;

	return sw == PHXFS_MPI_ENABLE ||
	       (sw == PHXFS_MPI_AUTO && f->ctx->mpi_cuda);
}

enum phxfs_mpi_exchange phxfs_mpi_exchange_of(phxfs_mpi_file_t *f,
					      const void *buf)
{
	if (phxfs_mpi_is_device(buf))
		return mpi_takes_device(f) ? PHXFS_MPI_EXCHANGE_DEVICE :
					     PHXFS_MPI_EXCHANGE_STAGED;
	if (phxfs_mpi_registered(f->ctx, buf))
		return PHXFS_MPI_EXCHANGE_MAPPED;
	return PHXFS_MPI_EXCHANGE_HOST;
}

int phxfs_mpi_two_phase(phxfs_mpi_file_t *f, bool write, void *buf,
			const struct phxfs_mpi_piece *all, const int *first)
{
	phxfs_mpi_t *ctx = f->ctx;
	size_t n = (size_t)ctx->size;
	struct tp t = { .f = f, .ctx = ctx, .write = write, .buf = buf,
			.agg = -1 };
	enum phxfs_mpi_exchange how = phxfs_mpi_exchange_of(f, buf);
	struct plan p;
	int err;

	err = plan_make(&p, f, all, first);
	if (err)
		set_err(&t, err);
	t.dev_buf = how == PHXFS_MPI_EXCHANGE_STAGED ||
		    how == PHXFS_MPI_EXCHANGE_MAPPED;
	t.mapped = how == PHXFS_MPI_EXCHANGE_MAPPED;
	for (int d = 0; d < f->naggs; d++)
		if (f->aggs[d] == ctx->rank)
			t.agg = d;
	t.scount = calloc(n, sizeof(int));
	t.rcount = calloc(n, sizeof(int));
	t.zero = calloc(n, sizeof(int));
	t.stype = malloc(n * sizeof(MPI_Datatype));
	t.rtype = malloc(n * sizeof(MPI_Datatype));
	if (!t.scount || !t.rcount || !t.zero || !t.stype || !t.rtype)
		set_err(&t, ENOMEM);
	else
		for (size_t r = 0; r < n; r++)
			t.stype[r] = t.rtype[r] = MPI_BYTE;
	if (!t.err && t.agg >= 0 && p.rounds) {
		size_t len = (size_t)(p.domain < p.cb ? p.domain : p.cb);

		/* Device staging where MPI moves device memory itself. */
		if (how == PHXFS_MPI_EXCHANGE_DEVICE) {
			t.win = phxfs_mpi_dev_alloc(len, buf);
			t.win_dev = t.win != NULL;
		}
		if (!t.win)
			t.win = phxfs_mpi_host_alloc(len);
		if (!t.win)
			set_err(&t, ENOMEM);
	}
	/*
	 * Every rank runs the rounds or none does: a rank that could not plan
	 * or allocate would leave the others waiting in MPI_Alltoallw. Only
	 * the failing rank keeps its error, so that the caller's agreement
	 * names it.
	 */
	if (!phxfs_mpi_agree(ctx, t.err))
		for (int k = 0; k < p.rounds; k++)
			round_run(&t, &p, k);
	err = t.err;
	tp_free(&t);
	free(p.reach);
	return err;
}
