// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "xfer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "knobs.h"
#include "memops.h"
#include "stage.h"

#define NO_EOF UINT64_MAX

/* How bytes go between a bounce buffer and the request's buffer. */
struct copier {
	const struct phxfs_mem_ops *ops;	/* NULL: host memory, memcpy */
	void *stream;
	bool queued;		/* copies asked for since the last sync */
};

/* One bounce buffer's worth: file range [a, b), of which [s, e) is wanted. */
struct step {
	uint64_t a, b, s, e;
};

static uint64_t min_u64(uint64_t x, uint64_t y)
{
	return x < y ? x : y;
}

static uint64_t max_u64(uint64_t x, uint64_t y)
{
	return x > y ? x : y;
}

static uint64_t round_up(uint64_t v, size_t align)
{
	return v + (align - v % align) % align;
}

static int op_result(int err)
{
	errno = err;
	return err ? -1 : 0;
}

/* Bounce to buffer. */
static int copy_in(struct copier *c, void *mem, const void *bounce, size_t len)
{
	if (!c->ops) {
		memcpy(mem, bounce, len);
		return 0;
	}
	c->queued = true;	/* even if it fails: maybe half queued */
	return op_result(c->ops->h2d(mem, bounce, len, c->stream));
}

/* Buffer to bounce. */
static int copy_out(struct copier *c, void *bounce, const void *mem,
		    size_t len)
{
	if (!c->ops) {
		memcpy(bounce, mem, len);
		return 0;
	}
	c->queued = true;
	return op_result(c->ops->d2h(bounce, mem, len, c->stream));
}

/*
 * Wait for the copies queued: their bounce buffer is free again. The
 * stream is this thread's and idle between pieces: with nothing asked for
 * since the last sync there is nothing to wait for.
 */
static int copier_sync(struct copier *c)
{
	int err;

	if (!c->queued)
		return 0;
	err = c->ops->stream_sync(c->stream);
	if (!err)
		c->queued = false;
	return op_result(err);
}

/* Fail after syncing: no copy may still use a bounce buffer. */
static ssize_t fail_synced(struct copier *c)
{
	int err = errno;

	copier_sync(c);
	errno = err;
	return -1;
}

static char *mem_at(const struct phxfs_xfer *x, uint64_t pos)
{
	char *base = x->target.kind == PHXFS_TARGET_HOST ? x->target.host :
							   x->target.dev;

	return base + (pos - x->start);
}

/* Whole aligned blocks that fit in a bounce buffer; 0 if none does. */
static size_t bounce_span(const struct phxfs_xfer *x,
			  const struct phxfs_stage *stg)
{
	size_t size = phxfs_stage_bounce_size(stg);

	return size - size % x->file.off_align;
}

/*
 * Bytes of file one step of [@pos, @pos + @len) moves through a bounce
 * buffer: a multiple of the file's alignment, 0 if none fits. Copies by
 * the CPU overlap nothing: whole buffers, the fewest file calls. A GPU
 * copy runs while the next step's file I/O fills the other buffer, and
 * only the first file I/O and the last copy are not overlapped: even a
 * piece that fits in one buffer is cut, in about four steps, each at least
 * PHXFS_PIPELINE_STEP (a step costs a file call, a copy and a sync) and at
 * most a buffer. A piece of at most PHXFS_PIPELINE_STEP bytes is one step.
 */
static size_t step_span(const struct phxfs_xfer *x,
			const struct phxfs_stage *stg, const struct copier *c,
			uint64_t pos, size_t len)
{
	const struct phxfs_knobs *knobs = phxfs_knobs();
	size_t span = bounce_span(x, stg), align = x->file.off_align;
	uint64_t ext, step;

	if (!c->ops || !knobs || len <= knobs->pipeline_step || !span)
		return span;
	/* Aligned blocks of the piece, read or written whole. */
	ext = round_up(pos + len, align) - (pos - pos % align);
	step = max_u64(round_up((ext + 3) / 4, align),
		       round_up(knobs->pipeline_step, align));
	return (size_t)min_u64(step, span);
}

static void step_at(const struct phxfs_xfer *x, uint64_t s, uint64_t end,
		    size_t span, struct step *st)
{
	size_t align = x->file.off_align;

	st->s = s;
	st->a = s - s % align;
	st->b = min_u64(round_up(end, align), st->a + span);
	st->e = min_u64(end, st->b);
}

/*
 * Reads: the file read of each step overlaps the copy of the previous one
 * out of the other buffer; the aligned blocks around the wanted bytes are
 * read whole and only the wanted bytes copied.
 */
static ssize_t bounce_read(const struct phxfs_xfer *x, struct phxfs_stage *stg,
			   struct copier *c, uint64_t pos, size_t len)
{
	size_t span = step_span(x, stg, c, pos, len), done = 0;
	uint64_t s = pos, end = pos + len;
	bool pinned = c->ops != NULL;

	if (!span) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; s < end; i ^= 1) {
		char *bounce = phxfs_stage_bounce(stg, i, pinned);
		struct step st;
		uint64_t avail;
		ssize_t got;
		size_t n = 0;

		step_at(x, s, end, span, &st);
		if (!bounce)
			return fail_synced(c);
		got = phxfs_file_read(&x->file, bounce, st.b - st.a,
				      (off_t)st.a);
		if (got < 0 || copier_sync(c))
			return fail_synced(c);
		avail = st.a + (uint64_t)got;
		if (avail > s)
			n = min_u64(avail, st.e) - s;
		if (n && copy_in(c, mem_at(x, s), bounce + (s - st.a), n))
			return fail_synced(c);
		done += n;
		if (s + n < st.e)
			break;		/* end of file */
		s = st.e;
	}
	if (copier_sync(c))
		return -1;
	return (ssize_t)done;
}

/*
 * One aligned block of the file into @p, zeros past the end of the file;
 * where the file ends inside it, *@eof (if not NULL) says where.
 */
static int read_block(const struct phxfs_xfer *x, char *p, uint64_t at,
		      uint64_t *eof)
{
	size_t align = x->file.off_align;
	ssize_t got = phxfs_file_read(&x->file, p, align, (off_t)at);

	if (got < 0)
		return -1;
	if ((size_t)got < align) {
		memset(p + got, 0, align - (size_t)got);
		if (eof)
			*eof = at + (uint64_t)got;
	}
	return 0;
}

/*
 * Write a step whose last block runs past the end of the file. The
 * padding of that block must never reach the file: a padded O_DIRECT write
 * cut back by ftruncate() would cut away what another writer appended in
 * between. So the whole blocks go O_DIRECT and the last one's wanted bytes
 * go exactly, through a descriptor of the same file without O_DIRECT (the
 * kernel keeps the page cache and direct I/O of a file coherent).
 */
static int write_past_eof(const struct phxfs_xfer *x, const char *buf,
			  const struct step *st)
{
	const struct phxfs_file *f = &x->file;
	uint64_t tail = st->b - f->off_align;
	struct phxfs_file buffered = *f;
	char path[64];
	int ret;

	if (tail > st->a && phxfs_file_write(f, buf, tail - st->a,
					     (off_t)st->a))
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
	buffered.fd = open(path, O_WRONLY | O_CLOEXEC);
	if (buffered.fd < 0)
		return -1;
	buffered.direct = false;
	ret = phxfs_file_write(&buffered, buf + (tail - st->a), st->e - tail,
			       (off_t)tail);
	close(buffered.fd);
	return ret;
}

/*
 * Fill the bounce buffer for step @st of a write: the partial blocks at
 * its ends from the file (read-modify-write), then the new bytes. *@eof:
 * where the file ends if it ends inside the last block, which is where the
 * write must leave it (the block written whole goes past).
 */
static int fill_step(const struct phxfs_xfer *x, struct copier *c,
		     char *bounce, const struct step *st, uint64_t *eof)
{
	size_t align = x->file.off_align;
	uint64_t last = st->b - align;
	bool part_head = st->s != st->a, part_tail = st->e != st->b;

	*eof = NO_EOF;
	if (part_head && read_block(x, bounce, st->a,
				    part_tail && last == st->a ? eof : NULL))
		return -1;
	if (part_tail && !(part_head && last == st->a) &&
	    read_block(x, bounce + (last - st->a), last, eof))
		return -1;
	return copy_out(c, bounce + (st->s - st->a), mem_at(x, st->s),
			st->e - st->s);
}

/*
 * Writes: the copy into one buffer overlaps the file write of the other.
 * Only the request's last step can end inside a block: the size it
 * restores or sets is at least the request's end, so other pieces of the
 * request, all below, are never cut.
 */
static ssize_t bounce_write(const struct phxfs_xfer *x, struct phxfs_stage *stg,
			    struct copier *c, uint64_t pos, size_t len)
{
	size_t span = step_span(x, stg, c, pos, len);
	uint64_t end = pos + len, eof, next_eof;
	bool pinned = c->ops != NULL;
	struct step cur, next;
	char *buf[2];

	if (!span) {
		errno = EINVAL;
		return -1;
	}
	step_at(x, pos, end, span, &cur);
	buf[0] = phxfs_stage_bounce(stg, 0, pinned);
	if (!buf[0] || fill_step(x, c, buf[0], &cur, &eof))
		return fail_synced(c);
	for (int i = 0;; i ^= 1) {
		bool more = cur.e < end;

		if (copier_sync(c))
			return fail_synced(c);
		if (more) {
			step_at(x, cur.e, end, span, &next);
			buf[i ^ 1] = phxfs_stage_bounce(stg, i ^ 1, pinned);
			if (!buf[i ^ 1] ||
			    fill_step(x, c, buf[i ^ 1], &next, &next_eof))
				return fail_synced(c);
		}
		if (eof != NO_EOF && eof < cur.b ?
		    write_past_eof(x, buf[i], &cur) :
		    phxfs_file_write(&x->file, buf[i], cur.b - cur.a,
				     (off_t)cur.a))
			return fail_synced(c);
		if (!more)
			break;
		cur = next;
		eof = next_eof;
	}
	return (ssize_t)len;
}

static ssize_t straight(const struct phxfs_xfer *x, uint64_t pos, size_t len)
{
	char *p = mem_at(x, pos);

	if (x->write)
		return phxfs_file_write(&x->file, p, len, (off_t)pos) ?
		       -1 : (ssize_t)len;
	return phxfs_file_read(&x->file, p, len, (off_t)pos);
}

/* Host memory through a bounce buffer, copied by the CPU. */
static ssize_t host_bounce(const struct phxfs_xfer *x, uint64_t pos, size_t len)
{
	struct phxfs_stage *stg = phxfs_stage_get();
	struct copier c = { 0 };

	if (!stg)
		return -1;
	return x->write ? bounce_write(x, stg, &c, pos, len) :
			  bounce_read(x, stg, &c, pos, len);
}

/* Whether every page of [p, p + len) is mapped. */
static bool mapped(const void *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t at = (uintptr_t)p & ~(page - 1), end = (uintptr_t)p + len;
	unsigned char vec[64];

	for (; at < end; at += sizeof(vec) * page)
		if (mincore((void *)at, min_u64(end - at, sizeof(vec) * page),
			    vec))
			return false;
	return true;
}

/*
 * O_DIRECT needs pages the kernel can pin: memory it cannot (a PFNMAP
 * mapping of a BAR, say) answers EFAULT and goes through a bounce buffer
 * if it is mapped at all. The module's mappings are pinnable: EFAULT there
 * means revoked, and the memory must not be touched.
 */
static ssize_t straight_or_bounce(const struct phxfs_xfer *x, uint64_t pos,
				  size_t len)
{
	ssize_t n = straight(x, pos, len);

	if (n >= 0 || errno != EFAULT || x->target.registered)
		return n;
	if (mapped(mem_at(x, pos), len))
		return host_bounce(x, pos, len);
	errno = EFAULT;
	return -1;
}

/*
 * Host-addressable memory: straight, but for the unaligned head and tail
 * of an O_DIRECT range (or all of it, if the buffer's alignment can never
 * match the file's).
 */
static ssize_t host_piece(const struct phxfs_xfer *x, uint64_t pos, size_t len)
{
	const struct phxfs_file *f = &x->file;
	uint64_t end = pos + len;
	uint64_t mid = min_u64(round_up(pos, f->off_align), end);
	uint64_t tail = max_u64(end - end % f->off_align, mid);
	const struct {
		uint64_t from, to;
		bool straight;
	} seg[] = {
		{ pos, mid, false }, { mid, tail, true }, { tail, end, false },
	};
	size_t done = 0;

	if (!f->direct)
		return straight(x, pos, len);
	if ((uintptr_t)mem_at(x, mid) % f->mem_align)
		return host_bounce(x, pos, len);
	for (size_t i = 0; i < sizeof(seg) / sizeof(seg[0]); i++) {
		size_t want = seg[i].to - seg[i].from;
		ssize_t n;

		if (!want)
			continue;
		n = seg[i].straight ? straight_or_bounce(x, seg[i].from, want) :
				      host_bounce(x, seg[i].from, want);
		if (n < 0)
			return -1;
		done += (size_t)n;
		if ((size_t)n < want)
			break;		/* end of file */
	}
	return (ssize_t)done;
}

/* Device memory: this thread's pinned buffers, in the owner's context. */
static ssize_t device_piece(const struct phxfs_xfer *x, uint64_t pos,
			    size_t len)
{
	const struct phxfs_mem_ops *ops = phxfs_mem_ops();
	struct phxfs_stage *stg = phxfs_stage_get();
	struct copier c = { .ops = ops };
	ssize_t ret = -1;
	void *prev;
	int err;

	if (!stg)
		return -1;
	err = ops->set_context(x->target.ctx, &prev);
	if (err) {
		errno = err;
		return -1;
	}
	c.stream = phxfs_stage_stream(stg, x->target.ctx, !x->unordered);
	if (c.stream)
		ret = x->write ? bounce_write(x, stg, &c, pos, len) :
				 bounce_read(x, stg, &c, pos, len);
	/* A caller's thread keeps the context it had (often this one). */
	if (prev != x->target.ctx) {
		err = errno;
		ops->set_context(prev, NULL);
		errno = err;
	}
	return ret;
}

ssize_t phxfs_xfer_piece(const struct phxfs_xfer *x, uint64_t pos, size_t len)
{
	return x->target.kind == PHXFS_TARGET_HOST ? host_piece(x, pos, len) :
						     device_piece(x, pos, len);
}
