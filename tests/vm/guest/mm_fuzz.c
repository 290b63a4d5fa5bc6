// SPDX-License-Identifier: MIT
/*
 * A memory-management fuzzer: several processes, each from a fixed seed,
 * drive a random sequence of what the kernel and other kernel users do to
 * a VMA of /dev/phxfs_dev0 and its pages: mmap, MAP, UNMAP, QUERY, munmap
 * (whole and partial), mremap (grow, shrink, MAYMOVE, MAYMOVE|FIXED,
 * DONTUNMAP), mprotect, madvise with every advice, fork (the child touches
 * and does O_DIRECT I/O on what it inherited, maps memory of its own, and
 * is sometimes killed -9), vmsplice into pipes held and drained by another
 * process, io_uring fixed buffers, O_DIRECT reads and writes between the
 * drive and registered memory, and closing the node.
 *
 * The ivshmem BAR is split: a shared region where MAPs of several
 * processes collide (and must get EBUSY), then one region per process. A
 * process stamps every 8-byte unit of its pages, through its own mapping
 * of resource2, with its number and a generation; its stretch of the
 * drive holds only its stamps. Any return value is allowed where the
 * kernel may refuse; what is checked:
 *  - every byte read through a target address, out of a pipe or written
 *    from registered memory to the drive is the reader's own stamp, of a
 *    generation it already wrote, never another process's;
 *  - UNMAP, munmap, mremap, madvise, close and exit never wait for a
 *    holder of the pages (5 s at most; the holders hold up to 8 s);
 *  - once everything exited, mappings, pinned_bytes (and releasing) go
 *    back to 0 within 10 s; the harness checks the kernel log and rmmod.
 *
 * mm_fuzz [--seed N] [--ops N] [--procs N] [--skip OP,...] [--trace]
 * --ops counts the top-level operations of all processes together; --skip
 * leaves out the operations whose names start with one of the words, and
 * their child_ counterparts (--skip mremap,madv_dofork).
 */
#define _GNU_SOURCE
#include <linux/io_uring.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "mmtest.h"

#define PAGE 4096UL
#define MIB (1UL << 20)
#define MAX_PROCS 8
#define MAX_RANGES 12
#define MAX_KIDS 3
#define MAX_RINGS 2
#define ARENA_SLOTS 24
#define SLOT_LEN (2 * MIB)		/* room for the largest VMA, grown */
#define MAX_VMA_PAGES 256
#define HOST_LEN MIB
#define PIPE_MAX (256u << 10)
#define SLOW_NS (5 * 1000000000LL)
#define SETTLE_S 10
#define TRACE 24			/* operations a failure report shows */

/* A stamp: magic, owner, 48-bit generation; one 8-byte store each. */
#define STAMP_MAGIC 0xa7ULL
#define GEN_MASK ((1ULL << 48) - 1)
#define NOBODY 0xff			/* the shared region as it started */

/* Results: 0 success, 1..139 errno, then the signals a touch got. */
#define NR_ERRNO 140
#define RES_SIGSEGV NR_ERRNO
#define RES_SIGBUS (NR_ERRNO + 1)
#define NR_RES (NR_ERRNO + 2)
#define SKIP (-1)			/* not possible now: pick another */

enum {
	OP_OPEN, OP_CLOSE, OP_MMAP, OP_MAP, OP_UNMAP, OP_QUERY, OP_MUNMAP,
	OP_MUNMAP_PART, OP_MREMAP_GROW, OP_MREMAP_SHRINK, OP_MREMAP_MAYMOVE,
	OP_MREMAP_FIXED, OP_MREMAP_DONTUNMAP, OP_MPROTECT, OP_TOUCH,
	OP_TOUCH_WRITE, OP_STAMP, OP_PREAD, OP_PWRITE, OP_VMSPLICE,
	OP_URING_REG, OP_URING_DROP, OP_FORK, OP_KILL,
	/* Done by the children of fork and kill. */
	OP_CHILD_TOUCH, OP_CHILD_WRITE, OP_CHILD_PREAD, OP_CHILD_PWRITE,
	OP_CHILD_VMSPLICE, OP_CHILD_MAP, OP_CHILD_MUNMAP, OP_CHILD_UNMAP,
	OP_CHILD_MREMAP,
	/* Done by the holders. */
	OP_DRAIN,
	OP_MADV,			/* then one per entry of advices[] */
	MAX_OPS = OP_MADV + 32
};

static const char *const op_names[OP_MADV] = {
	"open", "close", "mmap", "map", "unmap", "query", "munmap",
	"munmap_part", "mremap_grow", "mremap_shrink", "mremap_maymove",
	"mremap_fixed", "mremap_dontunmap", "mprotect", "touch",
	"touch_write", "stamp", "pread", "pwrite", "vmsplice", "uring_reg",
	"uring_drop", "fork", "kill",
	"child_touch", "child_write", "child_pread", "child_pwrite",
	"child_vmsplice", "child_map", "child_munmap", "child_unmap",
	"child_mremap",
	"drain",
};

/* Top-level weights; madvise's are per advice. */
static int op_weight[MAX_OPS] = {
	[OP_OPEN] = 2, [OP_CLOSE] = 1, [OP_MMAP] = 20, [OP_MAP] = 28,
	[OP_UNMAP] = 12, [OP_QUERY] = 6, [OP_MUNMAP] = 12,
	[OP_MUNMAP_PART] = 3, [OP_MREMAP_GROW] = 2, [OP_MREMAP_SHRINK] = 2,
	[OP_MREMAP_MAYMOVE] = 2, [OP_MREMAP_FIXED] = 4,
	[OP_MREMAP_DONTUNMAP] = 2, [OP_MPROTECT] = 5, [OP_TOUCH] = 20,
	[OP_TOUCH_WRITE] = 6, [OP_STAMP] = 6, [OP_PREAD] = 12,
	[OP_PWRITE] = 8, [OP_VMSPLICE] = 10, [OP_URING_REG] = 4,
	[OP_URING_DROP] = 2, [OP_FORK] = 2, [OP_KILL] = 1,
};

static int child_weight[MAX_OPS] = {
	[OP_CHILD_TOUCH] = 6, [OP_CHILD_WRITE] = 2, [OP_CHILD_PREAD] = 3,
	[OP_CHILD_PWRITE] = 3, [OP_CHILD_VMSPLICE] = 3, [OP_CHILD_MAP] = 3,
	[OP_CHILD_MUNMAP] = 1, [OP_CHILD_UNMAP] = 1, [OP_CHILD_MREMAP] = 1,
};

static const struct {
	const char *name;
	int advice;
} advices[] = {
	{ "madv_dontneed", MADV_DONTNEED }, { "madv_free", MADV_FREE },
	{ "madv_remove", MADV_REMOVE }, { "madv_dofork", MADV_DOFORK },
	{ "madv_dontfork", MADV_DONTFORK },
	{ "madv_wipeonfork", MADV_WIPEONFORK },
	{ "madv_keeponfork", MADV_KEEPONFORK }, { "madv_cold", MADV_COLD },
	{ "madv_pageout", MADV_PAGEOUT }, { "madv_hugepage", MADV_HUGEPAGE },
	{ "madv_nohugepage", MADV_NOHUGEPAGE },
	{ "madv_willneed", MADV_WILLNEED },
	{ "madv_sequential", MADV_SEQUENTIAL },
	{ "madv_random", MADV_RANDOM }, { "madv_normal", MADV_NORMAL },
	{ "madv_dontdump", MADV_DONTDUMP }, { "madv_dodump", MADV_DODUMP },
	{ "madv_mergeable", MADV_MERGEABLE },
	{ "madv_unmergeable", MADV_UNMERGEABLE },
#ifdef MADV_POPULATE_READ
	{ "madv_populate_read", MADV_POPULATE_READ },
#endif
#ifdef MADV_POPULATE_WRITE
	{ "madv_populate_write", MADV_POPULATE_WRITE },
#endif
#ifdef MADV_DONTNEED_LOCKED
	{ "madv_dontneed_locked", MADV_DONTNEED_LOCKED },
#endif
#ifdef MADV_COLLAPSE
	{ "madv_collapse", MADV_COLLAPSE },
#endif
};
#define NR_ADVICES (sizeof(advices) / sizeof(advices[0]))
#define NR_OPS (OP_MADV + (int)NR_ADVICES)
_Static_assert(OP_MADV + NR_ADVICES <= MAX_OPS, "room for every advice");

/* What every process of the run sees: generations, counts, the stop. */
struct shared {
	uint64_t gen[MAX_PROCS];	/* newest generation each has stamped */
	int stop;			/* someone failed: everyone winds down */
	uint64_t count[MAX_OPS][NR_RES];
	int64_t max_ns[MAX_OPS];
	char kid_now[MAX_PROCS][MAX_KIDS][120];	/* what each child is doing */
};

/* A stretch of one process's address space that is a VMA of the node. */
struct range {
	uintptr_t start;
	size_t len;
	off_t off;			/* file offset of start */
	int file;			/* id of the file it maps */
	int mapped;			/* handle names a mapping into it */
	int shared;			/* that mapping is in the shared region */
	uint64_t handle;
	size_t bar_off;			/* BAR offset and length of it */
	size_t map_len;
	char last_map[2][48];		/* the last MAPs into it, for failures */
};

struct node_file {
	int fd;				/* -1: closed */
	int id;
};

struct kid {
	pid_t pid;
	int killed;
	int slot;			/* its line of shared->kid_now */
};

struct worker {
	int idx;
	int child;			/* in a child of fork */
	int slot;			/* a child's line of shared->kid_now */
	uint64_t rng;
	unsigned char *own, *shr;	/* this process's mappings of the BAR */
	size_t own_off;			/* BAR offset of the own region */
	off_t disk_off;			/* its stretch of the drive */
	int nvme;
	int holder;			/* socket to its holder */
	unsigned char *arena;
	struct range r[MAX_RANGES];
	int nr;
	struct node_file f[2];
	int next_file_id;
	off_t next_off;
	struct kid kids[MAX_KIDS];
	int nkids;
	int rings[MAX_RINGS];
	uint64_t *host;			/* aligned host memory for readbacks */
	uint64_t page[PAGE / 8];
	long op_no;
	int cur_op;			/* the operation under way, or -1 */
	char note[320];
	char trace[TRACE][400];
};

static struct shared *sh;
static int nprocs = 4;
static long total_ops = 20000;
static uint64_t seed = 1;
static int tracing;
static size_t bar_size, shared_len, own_len, disk_region;
static const char *node_path = "/dev/" PHXFS_DEVNAME_PREFIX "0";

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static const char *op_name(int op)
{
	return op < OP_MADV ? op_names[op] : advices[op - OP_MADV].name;
}

static const char *res_name(int res)
{
	if (res == RES_SIGSEGV)
		return "SIGSEGV";
	if (res == RES_SIGBUS)
		return "SIGBUS";
	return res ? strerrorname_np(res) ?: "E?" : "ok";
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64; each process starts from a hash of the seed and its number. */
static uint64_t next(struct worker *w)
{
	return mix(w->rng += 0x9e3779b97f4a7c15ULL);
}

static uint64_t below(struct worker *w, uint64_t n)
{
	return n ? next(w) % n : 0;
}

static int chance(struct worker *w, int percent)
{
	return (int)below(w, 100) < percent;
}

static void note(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->note, sizeof(w->note), fmt, ap);
	va_end(ap);
	/* A child says what it is in, for the parent that kills it. */
	if (w->child)
		snprintf(sh->kid_now[w->idx][w->slot], sizeof(sh->kid_now[0][0]),
			 "%.119s", w->note);
}

/* Print what this process did last, then fail; the others stop too. */
__attribute__((noreturn, format(printf, 2, 3)))
static void fuzz_fail(struct worker *w, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w && w->cur_op >= 0) {
		fprintf(stderr, "%s: last operations (seed %" PRIu64 "):\n",
			pt_name, seed);
		for (long i = w->op_no - TRACE + 1; i < w->op_no; i++)
			if (i >= 0)
				fprintf(stderr, "%s:   %s\n", pt_name,
					w->trace[i % TRACE]);
		fprintf(stderr, "%s:   #%ld %s: %s (this one)\n", pt_name,
			w->op_no, op_name(w->cur_op), w->note);
	}
	pt_fail("%s", msg);
}

static void count(int op, int res, int64_t ns)
{
	int64_t old = __atomic_load_n(&sh->max_ns[op], __ATOMIC_RELAXED);

	__atomic_fetch_add(&sh->count[op][res], 1, __ATOMIC_RELAXED);
	while (ns > old &&
	       !__atomic_compare_exchange_n(&sh->max_ns[op], &old, ns, 0,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* errno of a call that returned @ret, -1 meaning failure. */
static int res_of(long ret)
{
	if (ret != -1)
		return 0;
	return errno > 0 && errno < NR_ERRNO ? errno : NR_ERRNO - 1;
}

/* ---- stamps ---- */

static uint64_t stamp_of(int owner, uint64_t gen)
{
	return STAMP_MAGIC << 56 | (uint64_t)owner << 48 | (gen & GEN_MASK);
}

static uint64_t current_gen(int owner)
{
	return __atomic_load_n(&sh->gen[owner], __ATOMIC_ACQUIRE);
}

/*
 * The largest generation a unit may show: a unit read while its owner
 * rewrote it can mix the bytes of two generations, both at most @gen, so
 * its bytes below @gen's top byte can be anything.
 */
static uint64_t gen_bound(uint64_t gen)
{
	uint64_t low = 0;

	while ((gen | low) > low)
		low = low << 8 | 0xff;
	return gen | (low >> 8);
}

static void fill_stamp(void *p, size_t len, uint64_t stamp)
{
	volatile uint64_t *u = p;

	for (size_t i = 0; i < len / 8; i++)
		u[i] = stamp;
}

static void describe(char *buf, size_t size, uint64_t v)
{
	unsigned int owner = (unsigned int)(v >> 48 & 0xff);

	if (v >> 56 != STAMP_MAGIC)
		snprintf(buf, size, "%#018" PRIx64 ", no stamp", v);
	else if (owner == NOBODY)
		snprintf(buf, size, "the shared region's initial stamp");
	else
		snprintf(buf, size, "proc %u's stamp of generation %" PRIu64,
			 owner, (uint64_t)(v & GEN_MASK));
}

/* Index of the first of the @n units at @u that @owner did not stamp. */
static long foreign_unit(int owner, const uint64_t *u, size_t n)
{
	uint64_t bound = gen_bound(current_gen(owner));

	for (size_t i = 0; i < n; i++) {
		uint64_t v = u[i];

		if (v >> 56 != STAMP_MAGIC ||
		    (v >> 48 & 0xff) != (uint64_t)owner ||
		    (v & GEN_MASK) > bound)
			return (long)i;
	}
	return -1;
}

/* Fail: @v, read at @where, is not @owner's. */
__attribute__((noreturn))
static void foreign_fail(struct worker *w, int owner, uint64_t v,
			 const char *where)
{
	char got[96];

	describe(got, sizeof(got), v);
	fuzz_fail(w, "%s: %s, not proc %d's (its newest generation %" PRIu64 ")",
		  where, got, owner, current_gen(owner));
}

/* Fail unless the @n units at @u, read at @addr, are all @owner's. */
static void check_units(struct worker *w, int owner, const uint64_t *u,
			size_t n, const char *what, uintptr_t addr)
{
	long bad = foreign_unit(owner, u, n);
	char where[160];

	if (bad < 0)
		return;
	snprintf(where, sizeof(where), "%s %#" PRIxPTR, what,
		 addr + (uintptr_t)bad * 8);
	foreign_fail(w, owner, u[bad], where);
}

/* ---- touching memory that may fault ---- */

static sigjmp_buf probe_env;
static volatile sig_atomic_t probing;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)si;
	(void)ctx;
	if (!probing) {
		/* A fault outside a probe is the fuzzer's own: die of it. */
		signal(sig, SIG_DFL);
		return;
	}
	probing = 0;
	siglongjmp(probe_env, sig);
}

/*
 * Copy @len bytes (a multiple of 8) at @src, which may fault, to @dst, or
 * (@write) store @stamp there. Return: bytes done; *@res the signal's.
 */
static size_t probe(void *src, uint64_t *dst, size_t len, int write,
		    uint64_t stamp, int *res)
{
	volatile uint64_t *s = src;
	volatile size_t i = 0;
	int sig;

	*res = 0;
	sig = sigsetjmp(probe_env, 0);
	if (sig) {
		*res = sig == SIGBUS ? RES_SIGBUS : RES_SIGSEGV;
		return i * 8;
	}
	probing = 1;
	if (write)
		for (; i < len / 8; i++)
			s[i] = stamp;
	else
		for (; i < len / 8; i++)
			dst[i] = s[i];
	probing = 0;
	return len;
}

/* Read @len bytes at @addr a page at a time; each byte read is checked. */
static int read_check(struct worker *w, uintptr_t addr, size_t len,
		      const char *what)
{
	int first = 0, res;

	while (len) {
		size_t n = PAGE - (addr & (PAGE - 1)), got;

		if (n > len)
			n = len;
		got = probe((void *)addr, w->page, n & ~7UL, 0, 0, &res);
		check_units(w, w->idx, w->page, got / 8, what, addr);
		if (res && !first)
			first = res;
		addr += n;
		len -= n;
	}
	return first;
}

/* ---- the address space: an arena of slots, each a VMA or reserved ---- */

static int in_arena(const struct worker *w, uintptr_t a, size_t len)
{
	uintptr_t lo = (uintptr_t)w->arena;

	return a >= lo && a + len <= lo + ARENA_SLOTS * SLOT_LEN;
}

static void reserve(struct worker *w, uintptr_t a, size_t len)
{
	/* Cover the hole again, so nothing else ever lands in the arena. */
	if (in_arena(w, a, len))
		mmap((void *)a, len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		     MAP_FIXED_NOREPLACE, -1, 0);
}

static int overlaps(const struct worker *w, uintptr_t a, size_t len)
{
	for (int i = 0; i < w->nr; i++)
		if (a < w->r[i].start + w->r[i].len && w->r[i].start < a + len)
			return 1;
	return 0;
}

static uintptr_t free_slot(struct worker *w)
{
	unsigned int first = (unsigned int)below(w, ARENA_SLOTS);

	for (unsigned int k = 0; k < ARENA_SLOTS; k++) {
		uintptr_t a = (uintptr_t)w->arena +
			      ((first + k) % ARENA_SLOTS) * SLOT_LEN;

		if (!overlaps(w, a, SLOT_LEN))
			return a;
	}
	return 0;
}

static void range_del(struct worker *w, int i)
{
	w->r[i] = w->r[--w->nr];
}

/* [a, a + len) is no longer a VMA of the node: take it out of range @i. */
static void range_cut(struct worker *w, int i, uintptr_t a, size_t len)
{
	struct range *r = &w->r[i];
	uintptr_t end = r->start + r->len;

	if (a <= r->start && a + len >= end) {
		range_del(w, i);
	} else if (a <= r->start) {
		r->off += (off_t)(a + len - r->start);
		r->start = a + len;
		r->len = end - r->start;
	} else if (a + len >= end) {
		r->len = a - r->start;
	} else {
		struct range tail = *r;

		r->len = a - r->start;
		tail.mapped = 0;
		tail.off += (off_t)(a + len - r->start);
		tail.start = a + len;
		tail.len = end - tail.start;
		if (w->nr < MAX_RANGES)
			w->r[w->nr++] = tail;
	}
}

static int pick_range(struct worker *w, int want_mapped)
{
	int k, i;

	if (!w->nr)
		return -1;
	if (want_mapped) {
		k = (int)below(w, (uint64_t)w->nr);
		for (i = 0; i < w->nr; i++)
			if (w->r[(k + i) % w->nr].mapped)
				return (k + i) % w->nr;
	}
	return (int)below(w, (uint64_t)w->nr);
}

static int file_fd(struct worker *w, int id)
{
	for (int s = 0; s < 2; s++)
		if (w->f[s].fd >= 0 && w->f[s].id == id)
			return w->f[s].fd;
	return -1;
}

static int any_fd(struct worker *w)
{
	int s = (int)below(w, 2);

	if (w->f[s].fd < 0)
		s ^= 1;
	return w->f[s].fd;
}

/* What the model says @r holds, for notes. */
static const char *range_state(const struct range *r, char *buf, size_t size)
{
	int n = r->mapped ?
		snprintf(buf, size, "mapped %s+%#zx len %#zx", r->shared ?
			 "shared" : "own", r->bar_off, r->map_len) :
		snprintf(buf, size, "empty");

	if (r->last_map[0][0] && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "; last MAPs %s%s%s",
			 r->last_map[0], r->last_map[1][0] ? ", " : "",
			 r->last_map[1]);
	return buf;
}

/* The range's own file mostly, another open one sometimes. */
static int fd_for(struct worker *w, const struct range *r)
{
	int fd = r ? file_fd(w, r->file) : -1;

	return fd >= 0 && chance(w, 92) ? fd : any_fd(w);
}

/* A sub-range of @r: whole, or page-aligned part of it. */
static void some_part(struct worker *w, const struct range *r, int whole_pct,
		      uintptr_t *a, size_t *len)
{
	size_t pages = r->len / PAGE, first, n;

	if (chance(w, whole_pct) || pages < 2) {
		*a = r->start;
		*len = r->len;
		return;
	}
	first = below(w, pages);
	n = 1 + below(w, pages - first);
	*a = r->start + first * PAGE;
	*len = n * PAGE;
}

/*
 * Where I/O goes in @r: its target (the registered bytes) mostly, 512-byte
 * aligned; now and then past the end, where the arena has reserved the
 * rest of the slot (outside it the next mapping could be anything).
 * Return the address.
 */
static uintptr_t io_span(struct worker *w, const struct range *r,
			 size_t max, size_t *len)
{
	size_t span = r->len, off;

	if (r->mapped && r->map_len <= r->len)
		span = r->map_len;
	off = below(w, span / 512) * 512;
	*len = 512 * (1 + below(w, max / 512));
	if (off + *len > r->len &&
	    (chance(w, 90) || !in_arena(w, r->start, SLOT_LEN)))
		*len = r->len - off;
	return r->start + off;
}

static off_t disk_spot(struct worker *w, size_t len)
{
	size_t blocks = (disk_region - len) / 512;

	return w->disk_off + (off_t)(below(w, blocks + 1) * 512);
}

/* ---- the holder: keeps pipes and rings a while, then lets go ---- */

enum { HOLD_PIPE, HOLD_RING };

struct hold_msg {
	uint32_t kind;
	uint32_t hold_ms;
	char what[400];			/* the vmsplice, for a failure */
};

/* A message to or from the holder, with room for the fd it passes. */
struct hold_packet {
	struct hold_msg m;
	struct iovec iov;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr msg;
};

/* Point @p's header at its message and at its room for the fd. */
static void hold_packet_init(struct hold_packet *p)
{
	p->iov = (struct iovec){ &p->m, sizeof(p->m) };
	memset(p->c.buf, 0, sizeof(p->c.buf));
	p->msg = (struct msghdr){
		.msg_iov = &p->iov, .msg_iovlen = 1,
		.msg_control = p->c.buf, .msg_controllen = sizeof(p->c.buf),
	};
}

static unsigned int hold_time(struct worker *w)
{
	int r = (int)below(w, 100);

	if (r < 70)
		return (unsigned int)below(w, 100);
	if (r < 96)
		return 100 + (unsigned int)below(w, 900);
	return 6000 + (unsigned int)below(w, 2000);
}

/* Hand @fd to the holder (and close it here). */
static void hand_over(struct worker *w, int fd, uint32_t kind)
{
	struct hold_packet p;
	struct cmsghdr *cm;

	hold_packet_init(&p);
	p.m = (struct hold_msg){ kind, hold_time(w), "" };
	snprintf(p.m.what, sizeof(p.m.what), "%s #%ld %s", pt_name,
		 w->op_no, w->note);
	cm = CMSG_FIRSTHDR(&p.msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	(void)sendmsg(w->holder, &p.msg, MSG_NOSIGNAL);
	close(fd);
}

struct held {
	int fd;
	uint32_t kind;
	uint32_t held_ms;
	int64_t until;
	char what[400];
};

static void drain(struct worker *w, struct held *h, unsigned char *buf)
{
	int64_t t0 = now_ns();
	size_t got = 0;
	ssize_t n = 0;
	int res = 0;

	if (h->kind == HOLD_PIPE) {
		while (got < PIPE_MAX &&
		       (n = read(h->fd, buf + got, PIPE_MAX - got)) > 0)
			got += (size_t)n;
		res = n < 0 && errno != EAGAIN ? res_of(-1) : 0;
		long bad = foreign_unit(w->idx, (const uint64_t *)buf, got / 8);
		char where[600];

		if (bad >= 0) {
			snprintf(where, sizeof(where),
				 "byte %ld of a pipe filled by %s, drained after %u ms",
				 bad * 8, h->what, h->held_ms);
			foreign_fail(w, w->idx, ((const uint64_t *)buf)[bad],
				     where);
		}
	}
	close(h->fd);
	count(OP_DRAIN, res, now_ns() - t0);
	h->fd = -1;
}

static int holder_main(int idx, int sock)
{
	static struct held held[256];
	static struct worker hw;
	unsigned char *buf = malloc(PIPE_MAX);
	int nheld = 0, eof = 0;

	snprintf(hw.note, sizeof(hw.note), "mm_fuzz[p%d holder]", idx);
	pt_name = hw.note;
	hw.idx = idx;
	hw.cur_op = -1;
	if (!buf)
		pt_fail("no memory");
	while (!eof || nheld) {
		struct pollfd pfd = { sock, POLLIN, 0 };
		int64_t now = now_ns(), soonest = INT64_MAX;
		int timeout;

		for (int i = 0; i < nheld; i++)
			if (held[i].until < soonest)
				soonest = held[i].until;
		timeout = soonest == INT64_MAX ? -1 :
			  soonest <= now ? 0 :
			  (int)((soonest - now) / 1000000 + 1);
		if (eof)
			pfd.fd = -1;
		if (poll(&pfd, 1, timeout) > 0 && (pfd.revents & POLLIN)) {
			struct hold_packet p;
			struct cmsghdr *cm;
			ssize_t n;

			hold_packet_init(&p);
			n = recvmsg(sock, &p.msg, 0);
			cm = CMSG_FIRSTHDR(&p.msg);

			if (n <= 0) {
				eof = 1;
			} else if (cm && cm->cmsg_type == SCM_RIGHTS) {
				/* Full: let go of the one due first. */
				if (nheld == 256) {
					int e = 0;

					for (int i = 1; i < nheld; i++)
						if (held[i].until < held[e].until)
							e = i;
					drain(&hw, &held[e], buf);
					held[e] = held[--nheld];
				}
				memcpy(&held[nheld].fd, CMSG_DATA(cm),
				       sizeof(int));
				held[nheld].kind = p.m.kind;
				held[nheld].held_ms = p.m.hold_ms;
				memcpy(held[nheld].what, p.m.what,
				       sizeof(p.m.what));
				held[nheld].what[sizeof(p.m.what) - 1] = '\0';
				held[nheld].until = now_ns() +
					(int64_t)p.m.hold_ms * 1000000;
				nheld++;
			}
		} else if (pfd.revents & (POLLHUP | POLLERR)) {
			eof = 1;
		}
		now = now_ns();
		for (int i = 0; i < nheld; i++) {
			if (held[i].until > now)
				continue;
			drain(&hw, &held[i], buf);
			held[i--] = held[--nheld];
		}
	}
	return 0;
}

/* ---- the operations; each returns its result or SKIP ---- */

static int op_open(struct worker *w)
{
	int s = w->f[0].fd < 0 ? 0 : w->f[1].fd < 0 ? 1 : -1;
	int fd;

	if (s < 0)
		return SKIP;
	fd = open(node_path, O_RDWR);
	note(w, "open -> fd %d", fd);
	if (fd < 0)
		return res_of(-1);
	w->f[s].fd = fd;
	w->f[s].id = ++w->next_file_id;
	return 0;
}

static int op_close(struct worker *w)
{
	int s = (int)below(w, 2);

	if (w->f[s].fd < 0)
		s ^= 1;
	if (w->f[s].fd < 0)
		return SKIP;
	note(w, "close fd %d (file %d)", w->f[s].fd, w->f[s].id);
	if (close(w->f[s].fd))
		return res_of(-1);
	w->f[s].fd = -1;
	return 0;
}

static size_t vma_pages(struct worker *w)
{
	int r = (int)below(w, 100);

	if (r < 50)
		return 1 + below(w, 8);
	if (r < 88)
		return 9 + below(w, 56);
	return 65 + below(w, MAX_VMA_PAGES - 64);
}

static int op_mmap(struct worker *w)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE,
		PROT_READ | PROT_WRITE | PROT_EXEC,
	};
	int s = (int)below(w, 2), fd, prot = PROT_READ | PROT_WRITE;
	int flags = MAP_SHARED | MAP_FIXED;
	uintptr_t a;
	size_t len;
	void *p;

	if (w->f[s].fd < 0)
		s ^= 1;
	fd = w->f[s].fd;
	if (fd < 0 || w->nr == MAX_RANGES || !(a = free_slot(w)))
		return SKIP;
	len = vma_pages(w) * PAGE;
	if (chance(w, 8))
		prot = prots[below(w, 4)];
	if (chance(w, 3))
		flags = MAP_PRIVATE | MAP_FIXED;
	/* Distinct offsets: each mapping's VMA has its own part of the file. */
	w->next_off = (w->next_off + (off_t)SLOT_LEN) % (1L << 36);
	note(w, "mmap fd %d %#" PRIxPTR " len %#zx prot %d flags %#x off %#lx",
	     fd, a, len, prot, flags, (long)w->next_off);
	p = mmap((void *)a, len, prot, flags, fd, w->next_off);
	if (p == MAP_FAILED) {
		int res = res_of(-1);

		reserve(w, a, len);
		return res;
	}
	if ((uintptr_t)p != a)
		fuzz_fail(w, "mmap MAP_FIXED at %#" PRIxPTR " returned %p", a,
			  p);
	w->r[w->nr++] = (struct range){
		.start = a, .len = len, .off = w->next_off, .file = w->f[s].id,
	};
	return 0;
}

/* A new generation over the shared pages of @r's mapping. */
static void stamp_shared(struct worker *w, const struct range *r)
{
	fill_stamp(w->shr + r->bar_off, r->map_len,
		   stamp_of(w->idx, current_gen(w->idx)));
}

static int op_map(struct worker *w)
{
	int i = -1, fd, shared = chance(w, 25);
	size_t region_pages = (shared ? shared_len : own_len) / PAGE;
	unsigned char *base = shared ? w->shr : w->own;
	size_t vpages, npages, first, sub = 0;
	struct phxfs_map m = { 0 };
	struct range *r;
	int ret;

	/* Mostly a VMA that is still empty, of a file still open. */
	for (int k = 0, s = (int)below(w, (uint64_t)w->nr + 1); k < w->nr; k++) {
		r = &w->r[(s + k) % w->nr];
		if (!r->mapped && file_fd(w, r->file) >= 0) {
			i = (s + k) % w->nr;
			break;
		}
	}
	if (i < 0 || chance(w, 10))
		i = pick_range(w, 0);
	if (i < 0)
		return SKIP;
	r = &w->r[i];
	fd = fd_for(w, r);
	if (fd < 0)
		return SKIP;
	vpages = r->len / PAGE;
	/*
	 * The shared region is small: MAPs there collide, and the large ones
	 * fail part-way (a page taken after the first batch went in).
	 */
	npages = 1 + below(w, shared && vpages > 32 && chance(w, 70) ?
			   32 : vpages);
	if (chance(w, 4))
		npages = vpages + 1;
	if (npages > region_pages)
		npages = region_pages;
	first = below(w, region_pages - npages + 1);
	if (chance(w, 10))
		sub = 512 * (1 + below(w, 7));
	m.dev_addr = (uintptr_t)base + first * PAGE + sub;
	m.length = npages * PAGE - sub;
	m.user_addr = r->start + (chance(w, 4) ? PAGE : 0);
	note(w, "MAP fd %d r%d %#" PRIxPTR "+%#zx %s+%#zx len %#" PRIx64,
	     fd, i, r->start, r->len, shared ? "shared" : "own",
	     first * PAGE + sub, (uint64_t)m.length);
	ret = ioctl(fd, PHXFS_IOC_MAP, &m);
	if (ret != 0 && ret != -1)
		fuzz_fail(w, "MAP returned %d", ret);
	memcpy(r->last_map[1], r->last_map[0], sizeof(r->last_map[0]));
	snprintf(r->last_map[0], sizeof(r->last_map[0]), "#%ld %s+%#zx len %#zx %s",
		 w->op_no, shared ? "shared" : "own", first * PAGE,
		 npages * PAGE, res_name(res_of(ret)));
	if (ret)
		return res_of(ret);
	if (m.map_offset != sub)
		fuzz_fail(w, "MAP: map_offset %#" PRIx64 ", expected %#zx",
			  (uint64_t)m.map_offset, sub);
	/* The pages are ours now: shared ones get our stamp before any read. */
	if (shared)
		fill_stamp(w->shr + first * PAGE, npages * PAGE,
			   stamp_of(w->idx, current_gen(w->idx)));
	if (m.user_addr != r->start)
		return 0;	/* a VMA we do not know: it is torn down later */
	r->mapped = 1;
	r->shared = shared;
	r->handle = m.handle;
	r->bar_off = first * PAGE;
	r->map_len = npages * PAGE;
	return 0;
}

/*
 * The handle an UNMAP or QUERY is given: mostly (@percent) that of a
 * mapped range, through its file; else a made-up one through any file.
 * The range's index, -1 for a made-up handle; the file in *@fd.
 */
static int pick_handle(struct worker *w, int percent, int *fd,
		       uint64_t *handle)
{
	int i = pick_range(w, 1);

	if (i >= 0 && w->r[i].mapped && chance(w, percent)) {
		*fd = fd_for(w, &w->r[i]);
		*handle = w->r[i].handle;
		return i;
	}
	*fd = any_fd(w);
	*handle = below(w, 64);
	return -1;
}

static int op_unmap(struct worker *w)
{
	struct phxfs_unmap u = { 0 };
	uint64_t handle;
	int fd, ret, i = pick_handle(w, 95, &fd, &handle);

	u.handle = handle;
	if (fd < 0)
		return SKIP;
	note(w, "UNMAP fd %d handle %" PRIu64 " (r%d)", fd,
	     (uint64_t)u.handle, i);
	ret = ioctl(fd, PHXFS_IOC_UNMAP, &u);
	if (ret != 0 && ret != -1)
		fuzz_fail(w, "UNMAP returned %d", ret);
	if (!ret && i >= 0 && fd == file_fd(w, w->r[i].file))
		w->r[i].mapped = 0;
	return res_of(ret);
}

/* QUERY @r's handle through its own file: 1 if live. */
static int live(struct worker *w, const struct range *r)
{
	struct phxfs_query q = { .handle = r->handle };
	int fd = file_fd(w, r->file);

	return fd >= 0 && !ioctl(fd, PHXFS_IOC_QUERY, &q) &&
	       q.state == PHXFS_MAP_LIVE;
}

static int op_query(struct worker *w)
{
	struct phxfs_query q = { 0 };
	uint64_t handle;
	int fd, ret;

	pick_handle(w, 90, &fd, &handle);
	q.handle = handle;
	if (fd < 0)
		return SKIP;
	note(w, "QUERY fd %d handle %" PRIu64, fd, (uint64_t)q.handle);
	ret = ioctl(fd, PHXFS_IOC_QUERY, &q);
	if (ret != 0 && ret != -1)
		fuzz_fail(w, "QUERY returned %d", ret);
	if (!ret && q.state != PHXFS_MAP_LIVE && q.state != PHXFS_MAP_REVOKED)
		fuzz_fail(w, "QUERY: state %u", q.state);
	return res_of(ret);
}

static int op_munmap(struct worker *w, int part)
{
	int i = pick_range(w, 0);
	uintptr_t a;
	size_t len;

	if (i < 0 || (part && (w->r[i].len < 2 * PAGE || w->nr == MAX_RANGES)))
		return SKIP;
	a = w->r[i].start;
	len = w->r[i].len;
	if (part)
		some_part(w, &w->r[i], 0, &a, &len);
	note(w, "munmap r%d %#" PRIxPTR "+%#zx: %#" PRIxPTR "+%#zx", i,
	     w->r[i].start, w->r[i].len, a, len);
	if (munmap((void *)a, len))
		return res_of(-1);
	range_cut(w, i, a, len);
	reserve(w, a, len);
	return 0;
}

/*
 * mremap of [@old, @old + @old_len) in range @i to @new_len with @flags
 * (and @dest), and what it did to the model when it succeeded.
 */
static int do_mremap(struct worker *w, int i, uintptr_t old, size_t old_len,
		     size_t new_len, int flags, uintptr_t dest)
{
	struct range moved = w->r[i];
	int whole = old == moved.start && old_len == moved.len;
	void *p;
	int res;

	note(w, "mremap r%d %#" PRIxPTR "+%#zx -> %#zx flags %#x dest %#" PRIxPTR,
	     i, old, old_len, new_len, flags, dest);
	p = mremap((void *)old, old_len, new_len, flags, (void *)dest);
	if (p == MAP_FAILED) {
		res = res_of(-1);
		/* MREMAP_FIXED unmaps the destination before it may fail. */
		if (flags & MREMAP_FIXED)
			reserve(w, dest, new_len);
		return res;
	}
	if ((uintptr_t)p == old) {
		if (new_len < old_len) {
			range_cut(w, i, old + new_len, old_len - new_len);
			reserve(w, old + new_len, old_len - new_len);
		} else {
			w->r[i].len += new_len - old_len;
		}
		return 0;
	}
	moved.off += (off_t)(old - moved.start);
	moved.start = (uintptr_t)p;
	moved.len = new_len;
	if (flags & MREMAP_DONTUNMAP) {
		moved.mapped = 0;
	} else {
		/* The registration follows the VMA. */
		moved.mapped = whole && moved.mapped;
		range_cut(w, i, old, old_len);
		reserve(w, old, old_len);
	}
	if (w->nr < MAX_RANGES)
		w->r[w->nr++] = moved;
	return 0;
}

static int op_mremap(struct worker *w, int op)
{
	int i = pick_range(w, 1), flags = 0;
	size_t len, new_len, old_len;
	uintptr_t dest = 0, old;

	if (i < 0 || w->nr >= MAX_RANGES - 1)
		return SKIP;
	old = w->r[i].start;
	len = old_len = new_len = w->r[i].len;
	switch (op) {
	case OP_MREMAP_GROW:
		new_len = len + PAGE * (1 + below(w, 4));
		flags = chance(w, 50) ? MREMAP_MAYMOVE : 0;
		break;
	case OP_MREMAP_SHRINK:
		if (len < 2 * PAGE)
			return SKIP;
		new_len = len - PAGE * (1 + below(w, len / PAGE - 1));
		break;
	case OP_MREMAP_MAYMOVE:
		flags = MREMAP_MAYMOVE;
		new_len = chance(w, 50) || len < 2 * PAGE ?
			  len + PAGE * (1 + below(w, 4)) :
			  len - PAGE * (1 + below(w, len / PAGE - 1));
		break;
	case OP_MREMAP_FIXED:
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		if (!(dest = free_slot(w)))
			return SKIP;
		/* Sometimes only the head of the VMA. */
		if (chance(w, 15) && len >= 2 * PAGE)
			old_len = new_len = PAGE * (1 + below(w, len / PAGE - 1));
		break;
	case OP_MREMAP_DONTUNMAP:
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		if (chance(w, 50)) {
			if (!(dest = free_slot(w)))
				return SKIP;
			flags |= MREMAP_FIXED;
		}
		break;
	}
	return do_mremap(w, i, old, old_len, new_len, flags, dest);
}

static int op_mprotect(struct worker *w)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE,
	};
	int i = pick_range(w, 0), prot;
	uintptr_t a;
	size_t len;

	if (i < 0)
		return SKIP;
	some_part(w, &w->r[i], 70, &a, &len);
	prot = prots[below(w, 5)];
	note(w, "mprotect r%d %#" PRIxPTR "+%#zx prot %d", i, a, len, prot);
	return res_of(mprotect((void *)a, len, prot));
}

static int op_madvise(struct worker *w, int op)
{
	int i = pick_range(w, 1), advice = advices[op - OP_MADV].advice;
	uintptr_t a;
	size_t len;

	if (i < 0)
		return SKIP;
	some_part(w, &w->r[i], 70, &a, &len);
	note(w, "madvise r%d %#" PRIxPTR "+%#zx %s", i, a, len,
	     advices[op - OP_MADV].name);
	return res_of(madvise((void *)a, len, advice));
}

/* Read (check) or write (stamp) a few pages of a VMA of the node. */
static int op_touch(struct worker *w, int write)
{
	int i = pick_range(w, 1), res = 0, got;
	char state[180];
	size_t pages;

	if (i < 0 || (write && !w->r[i].mapped))
		return SKIP;
	pages = w->r[i].len / PAGE;
	note(w, "%s r%d %#" PRIxPTR "+%#zx (%s)", write ? "write" : "touch", i,
	     w->r[i].start, w->r[i].len,
	     range_state(&w->r[i], state, sizeof(state)));
	/* Mostly the registered pages, else anywhere in the VMA. */
	if (w->r[i].mapped && w->r[i].map_len <= w->r[i].len && chance(w, 80))
		pages = w->r[i].map_len / PAGE;
	for (int k = 0; k < 4; k++) {
		uintptr_t a = w->r[i].start + below(w, pages) * PAGE;

		if (write) {
			probe((void *)a, NULL, PAGE, 1,
			      stamp_of(w->idx, current_gen(w->idx)), &got);
		} else {
			got = read_check(w, a, PAGE,
					 "read through the VMA of the node at");
		}
		if (got && !res)
			res = got;
	}
	return res;
}

/* A new generation over part of the own region and the shared pages. */
static int op_stamp(struct worker *w)
{
	uint64_t gen = current_gen(w->idx) + 1;
	size_t pages = own_len / PAGE, first = below(w, pages);
	size_t n = 1 + below(w, pages - first > 256 ? 256 : pages - first);
	int stamped = 0;

	__atomic_store_n(&sh->gen[w->idx], gen, __ATOMIC_RELEASE);
	fill_stamp(w->own + first * PAGE, n * PAGE, stamp_of(w->idx, gen));
	/* Only pages of a mapping the module says is still ours. */
	for (int i = 0; i < w->nr; i++) {
		if (w->r[i].mapped && w->r[i].shared && live(w, &w->r[i])) {
			stamp_shared(w, &w->r[i]);
			stamped++;
		}
	}
	note(w, "stamp gen %" PRIu64 ": own +%#zx len %#zx, %d shared mappings",
	     gen, first * PAGE, n * PAGE, stamped);
	return 0;
}

/*
 * O_DIRECT between the drive and registered memory, mostly mapped: a
 * pread, then read it there, or (@write) a pwrite, then what landed on
 * the drive is checked.
 */
static int op_odirect(struct worker *w, int write)
{
	int i = pick_range(w, chance(w, 85));
	char state[180];
	uintptr_t a;
	size_t len;
	off_t off;
	ssize_t n;

	if (i < 0)
		return SKIP;
	a = io_span(w, &w->r[i], 64 << 10, &len);
	off = disk_spot(w, len);
	note(w, "%s r%d %#" PRIxPTR " len %#zx disk %#lx (%s)",
	     write ? "pwrite" : "pread", i, a, len, (long)off,
	     range_state(&w->r[i], state, sizeof(state)));
	if (!write) {
		n = pread(w->nvme, (void *)a, len, off);
		if (n > 0)
			read_check(w, a, (size_t)n & ~7UL,
				   "read through the target after an O_DIRECT pread, at");
	} else {
		n = pwrite(w->nvme, (void *)a, len, off);
		if (n > 0 && pread(w->nvme, w->host, (size_t)n, off) == n)
			check_units(w, w->idx, w->host, (size_t)n / 8,
				    "the drive after an O_DIRECT pwrite from", a);
	}
	return res_of(n);
}

static int op_vmsplice(struct worker *w)
{
	int i = pick_range(w, chance(w, 85)), p[2], big;
	char state[180];
	struct iovec iov;
	ssize_t n;

	if (i < 0)
		return SKIP;
	if (pipe2(p, O_NONBLOCK))
		return res_of(-1);
	big = chance(w, 20) && fcntl(p[1], F_SETPIPE_SZ, PIPE_MAX) > 0;
	iov.iov_base = (void *)io_span(w, &w->r[i], big ? PIPE_MAX : 64 << 10,
				       &iov.iov_len);
	note(w, "vmsplice r%d %p len %#zx (VMA %#" PRIxPTR "+%#zx, %s)",
	     i, iov.iov_base, iov.iov_len, w->r[i].start, w->r[i].len,
	     range_state(&w->r[i], state, sizeof(state)));
	n = vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK);
	close(p[1]);
	if (n > 0)
		hand_over(w, p[0], HOLD_PIPE);
	else
		close(p[0]);
	return res_of(n);
}

static int op_uring_reg(struct worker *w)
{
	struct io_uring_params params = { 0 };
	int i = pick_range(w, 1), ring, ret, res, s;
	struct iovec iov[2];
	unsigned int nr = 1;
	uintptr_t a;

	if (i < 0)
		return SKIP;
	ring = (int)syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0)
		return res_of(-1);
	/* Mostly the registered bytes, else any part of the VMA. */
	if (w->r[i].mapped && w->r[i].map_len <= w->r[i].len && chance(w, 80)) {
		a = w->r[i].start;
		iov[0].iov_len = w->r[i].map_len;
	} else {
		some_part(w, &w->r[i], 50, &a, &iov[0].iov_len);
	}
	iov[0].iov_base = (void *)a;
	/* Now and then a second buffer: another VMA or ordinary memory. */
	if (chance(w, 20)) {
		int j = pick_range(w, 0);

		iov[1].iov_base = j == i ? (void *)w->host :
				  (void *)w->r[j].start;
		iov[1].iov_len = j == i ? PAGE : w->r[j].len;
		nr = 2;
	}
	note(w, "io_uring register r%d %p len %#zx (%u buffers)", i,
	     iov[0].iov_base, iov[0].iov_len, nr);
	ret = (int)syscall(__NR_io_uring_register, ring,
			   IORING_REGISTER_BUFFERS, iov, nr);
	res = res_of(ret);
	s = w->rings[0] < 0 ? 0 : w->rings[1] < 0 ? 1 : -1;
	if (!ret && s >= 0 && chance(w, 50))
		w->rings[s] = ring;
	else if (!ret && chance(w, 60))
		hand_over(w, ring, HOLD_RING);
	else
		close(ring);
	return res;
}

static int op_uring_drop(struct worker *w)
{
	int s = (int)below(w, MAX_RINGS), res = 0;

	if (w->rings[s] < 0)
		s ^= 1;
	if (w->rings[s] < 0)
		return SKIP;
	if (chance(w, 50)) {
		note(w, "io_uring unregister, close");
		res = res_of(syscall(__NR_io_uring_register, w->rings[s],
				     IORING_UNREGISTER_BUFFERS, NULL, 0));
	} else {
		note(w, "io_uring close");
	}
	close(w->rings[s]);
	w->rings[s] = -1;
	return res;
}

/* ---- children ---- */

static int child_map(struct worker *w, int victim)
{
	size_t pages = own_len / PAGE, n, first;
	struct phxfs_map m = { 0 };
	int fd = open(node_path, O_RDWR), ret;
	void *p;

	if (fd < 0)
		return res_of(-1);
	/* A victim maps a lot, so that the kill lands in the middle. */
	n = victim && chance(w, 50) ? pages / 2 + below(w, pages / 2) :
	    1 + below(w, 64);
	first = below(w, pages - n + 1);
	p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return res_of(-1);
	m.dev_addr = (uintptr_t)w->own + first * PAGE;
	m.length = n * PAGE;
	m.user_addr = (uintptr_t)p;
	note(w, "child MAP own+%#zx len %#zx at %p", first * PAGE, n * PAGE,
	     p);
	ret = ioctl(fd, PHXFS_IOC_MAP, &m);
	if (ret != 0 && ret != -1)
		fuzz_fail(w, "child's MAP returned %d", ret);
	/* Left for exit to clean up; later child operations may use it. */
	if (w->nr < MAX_RANGES)
		w->r[w->nr++] = (struct range){
			.start = (uintptr_t)p, .len = n * PAGE,
			.mapped = !ret, .map_len = n * PAGE,
			.bar_off = first * PAGE,
		};
	return res_of(ret);
}

static int child_unmap(struct worker *w)
{
	int i = pick_range(w, 1), fd = any_fd(w);
	struct phxfs_unmap u = { .handle = i >= 0 ? w->r[i].handle : 1 };
	int ret;

	if (fd < 0)
		return SKIP;
	note(w, "child UNMAP of the parent's handle %" PRIu64,
	     (uint64_t)u.handle);
	ret = ioctl(fd, PHXFS_IOC_UNMAP, &u);
	if (ret != 0 && ret != -1)
		fuzz_fail(w, "child's UNMAP returned %d", ret);
	return res_of(ret);
}

static int op_fork(struct worker *w);
static int op_kill(struct worker *w);

static int run_op(struct worker *w, int op, int victim)
{
	switch (op) {
	case OP_OPEN: return op_open(w);
	case OP_CLOSE: return op_close(w);
	case OP_MMAP: return op_mmap(w);
	case OP_MAP: return op_map(w);
	case OP_UNMAP: return op_unmap(w);
	case OP_QUERY: return op_query(w);
	case OP_MUNMAP: case OP_CHILD_MUNMAP: return op_munmap(w, 0);
	case OP_MUNMAP_PART: return op_munmap(w, 1);
	case OP_MREMAP_GROW: case OP_MREMAP_SHRINK: case OP_MREMAP_MAYMOVE:
	case OP_MREMAP_FIXED: case OP_MREMAP_DONTUNMAP:
		return op_mremap(w, op);
	case OP_CHILD_MREMAP: return op_mremap(w, OP_MREMAP_FIXED);
	case OP_MPROTECT: return op_mprotect(w);
	case OP_TOUCH: case OP_CHILD_TOUCH: return op_touch(w, 0);
	case OP_TOUCH_WRITE: case OP_CHILD_WRITE: return op_touch(w, 1);
	case OP_STAMP: return op_stamp(w);
	case OP_PREAD: case OP_CHILD_PREAD: return op_odirect(w, 0);
	case OP_PWRITE: case OP_CHILD_PWRITE: return op_odirect(w, 1);
	case OP_VMSPLICE: case OP_CHILD_VMSPLICE: return op_vmsplice(w);
	case OP_URING_REG: return op_uring_reg(w);
	case OP_URING_DROP: return op_uring_drop(w);
	case OP_FORK: return op_fork(w);
	case OP_KILL: return op_kill(w);
	case OP_CHILD_MAP: return child_map(w, victim);
	case OP_CHILD_UNMAP: return child_unmap(w);
	default: return op_madvise(w, op);
	}
}

/* Ops that must not wait for anyone: the module lets go later. */
static int must_be_prompt(int op)
{
	return op == OP_CLOSE || op == OP_UNMAP || op == OP_MUNMAP ||
	       op == OP_MUNMAP_PART || (op >= OP_MREMAP_GROW &&
	       op <= OP_MREMAP_DONTUNMAP) || op == OP_URING_DROP ||
	       op == OP_KILL || op >= OP_MADV;
}

static int pick(struct worker *w, const int *weight)
{
	int sum = 0, r;

	for (int op = 0; op < NR_OPS; op++)
		sum += weight[op];
	r = (int)below(w, (uint64_t)sum);
	for (int op = 0; op < NR_OPS; op++) {
		if (r < weight[op])
			return op;
		r -= weight[op];
	}
	return OP_QUERY;
}

/* One operation from @weight, counted, timed and traced. */
static void one_op(struct worker *w, const int *weight, int victim)
{
	int64_t t0 = 0, ns;
	int op = OP_QUERY, res = SKIP;

	for (int tries = 0; res == SKIP && tries < 100; tries++) {
		op = pick(w, weight);
		w->cur_op = op;
		w->note[0] = '\0';
		t0 = now_ns();
		res = run_op(w, op, victim);
	}
	/* Nothing fitted: with no file open, open one, else a QUERY. */
	if (res == SKIP) {
		op = w->cur_op = OP_QUERY;
		t0 = now_ns();
		res = op_query(w);
	}
	if (res == SKIP) {
		op = w->cur_op = OP_OPEN;
		t0 = now_ns();
		res = op_open(w);
	}
	ns = now_ns() - t0;
	count(op, res, ns);
	snprintf(w->trace[w->op_no % TRACE], sizeof(w->trace[0]),
		 "#%ld %s: %s -> %s (%.1f ms)", w->op_no, op_name(op), w->note,
		 res_name(res), ns / 1e6);
	if (tracing)
		pt_note("%s", w->trace[w->op_no % TRACE]);
	if (ns > SLOW_NS && must_be_prompt(op))
		fuzz_fail(w, "%s took %.1f s: the module waited for a holder of the pages (this process holds %d io_uring rings, %d children; its holder, pipes and rings up to 8 s)",
			  op_name(op), ns / 1e9,
			  (w->rings[0] >= 0) + (w->rings[1] >= 0), w->nkids);
	w->op_no++;
}

static void child_main(struct worker *w, int nops, int victim)
{
	static char name[64];

	snprintf(name, sizeof(name), "mm_fuzz[p%d %s %d]", w->idx,
		 victim ? "victim" : "child", getpid());
	pt_name = name;
	w->child = 1;
	w->rng = mix(w->rng ^ (uint64_t)getpid());
	for (int i = 0; i < nops && !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED); i++) {
		one_op(w, child_weight, victim);
		if (victim)
			i -= !chance(w, 10);	/* until killed, mostly */
	}
	_exit(0);
}

/* Fork a child into a free slot of w->kids. */
static int spawn(struct worker *w, int nops, int victim)
{
	int slot = 0, k;
	pid_t pid;

	for (k = 0; k < w->nkids; k++)
		if (w->kids[k].slot == slot) {
			slot++;
			k = -1;
		}
	fflush(stdout);
	fflush(stderr);
	sh->kid_now[w->idx][slot][0] = '\0';
	pid = fork();
	if (pid == 0) {
		w->slot = slot;
		child_main(w, nops, victim);
	}
	if (pid < 0)
		return -1;
	w->kids[w->nkids] = (struct kid){ pid, 0, slot };
	return w->nkids++;
}

/* A child that ended: fail unless it exited 0 or we killed it. */
static void child_ended(struct worker *w, pid_t pid, int status, int killed)
{
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && killed)
		return;
	if (WIFEXITED(status))
		fuzz_fail(w, "child %d failed (exit %d)", pid,
			  WEXITSTATUS(status));
	fuzz_fail(w, "child %d died of %s", pid,
		  sigabbrev_np(WTERMSIG(status)) ?: "a signal");
}

static void reap(struct worker *w, int block)
{
	int status;

	for (int k = 0; k < w->nkids; k++) {
		pid_t pid = waitpid(w->kids[k].pid, &status, block ? 0 : WNOHANG);

		if (pid <= 0)
			continue;
		child_ended(w, pid, status, w->kids[k].killed);
		w->kids[k--] = w->kids[--w->nkids];
	}
}

static int op_fork(struct worker *w)
{
	if (w->nkids == MAX_KIDS)
		return SKIP;
	note(w, "fork with %d VMAs of the node", w->nr);
	return res_of(spawn(w, 1 + (int)below(w, 8), 0));
}

/* kill -9 a child: a live one, or a victim forked for it. */
static int op_kill(struct worker *w)
{
	const char *what = "child";
	int k, status, res;
	char was[120];
	pid_t pid;

	if (w->nkids && chance(w, 50)) {
		k = (int)below(w, (uint64_t)w->nkids);
	} else {
		if (w->nkids == MAX_KIDS)
			return SKIP;
		k = spawn(w, 4, 1);
		if (k < 0)
			return res_of(-1);
		sleep_ms((unsigned int)below(w, 20));
		what = "victim";
	}
	pid = w->kids[k].pid;
	note(w, "kill -9 %s %d", what, pid);
	w->kids[k].killed = 1;
	res = res_of(kill(pid, SIGKILL));
	if (waitpid(pid, &status, 0) == pid)
		child_ended(w, pid, status, 1);
	snprintf(was, sizeof(was), "%s", sh->kid_now[w->idx][w->kids[k].slot]);
	note(w, "kill -9 %s %d, which was in: %s", what, pid, was);
	w->kids[k] = w->kids[--w->nkids];
	return res;
}

/* ---- a fuzzing process ---- */

/* @len bytes of the BAR from @off, read-write. */
static unsigned char *map_resource(size_t off, size_t len)
{
	return phxtest_map_bar_part(O_RDWR, PROT_READ | PROT_WRITE, off, len,
				    NULL);
}

static void worker_init(struct worker *w, int idx, int holder)
{
	struct sigaction sa = { .sa_sigaction = on_fault,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	uint64_t gen0 = stamp_of(idx, 1);

	snprintf(w->note, sizeof(w->note), "mm_fuzz[p%d]", idx);
	pt_name = strdup(w->note);
	w->idx = idx;
	w->cur_op = -1;
	w->rng = mix(mix(seed) ^ mix((uint64_t)idx + 1));
	w->holder = holder;
	w->f[0].fd = w->f[1].fd = -1;
	w->rings[0] = w->rings[1] = -1;
	w->own_off = shared_len + (size_t)idx * own_len;
	w->disk_off = (off_t)((size_t)idx * disk_region);
	w->shr = map_resource(0, shared_len);
	w->own = map_resource(w->own_off, own_len);
	w->nvme = open(vmtest_env("PHXVM_NVME"), O_RDWR | O_DIRECT);
	if (w->nvme < 0)
		pt_fail("open %s: %s", vmtest_env("PHXVM_NVME"),
			strerror(errno));
	if (posix_memalign((void **)&w->host, PAGE, HOST_LEN))
		pt_fail("no memory");
	w->arena = mmap(NULL, ARENA_SLOTS * SLOT_LEN, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (w->arena == MAP_FAILED)
		pt_fail("mmap of the arena: %s", strerror(errno));
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	/* Generation 1 everywhere this process reads from. */
	__atomic_store_n(&sh->gen[idx], 1, __ATOMIC_RELEASE);
	fill_stamp(w->own, own_len, gen0);
	fill_stamp(w->host, HOST_LEN, gen0);
	for (size_t off = 0; off < disk_region; off += HOST_LEN) {
		size_t n = disk_region - off < HOST_LEN ? disk_region - off :
			   HOST_LEN;

		if (pwrite(w->nvme, w->host, n, w->disk_off + (off_t)off) !=
		    (ssize_t)n)
			pt_fail("stamping the drive: %s", strerror(errno));
	}
}

static void worker_main(int idx, long nops, int holder)
{
	static struct worker w;
	int64_t t0 = now_ns();

	worker_init(&w, idx, holder);
	for (long n = 0; n < nops; n++) {
		if (__atomic_load_n(&sh->stop, __ATOMIC_RELAXED))
			exit(2);
		reap(&w, 0);
		one_op(&w, op_weight, 0);
		if (idx == 0 && (n + 1) % (nops / 4 ? nops / 4 : 1) == 0)
			pt_note("%ld of %ld operations, %.0f s", n + 1,
				nops, (now_ns() - t0) / 1e9);
	}
	reap(&w, 1);
	/* Half the time tidy up; else exit() tears everything down. */
	if (chance(&w, 50)) {
		for (int i = 0; i < w.nr; i++) {
			struct phxfs_unmap u = { .handle = w.r[i].handle };
			int fd = file_fd(&w, w.r[i].file);

			if (w.r[i].mapped && fd >= 0)
				(void)ioctl(fd, PHXFS_IOC_UNMAP, &u);
			munmap((void *)w.r[i].start, w.r[i].len);
		}
		for (int s = 0; s < 2; s++) {
			if (w.f[s].fd >= 0)
				close(w.f[s].fd);
			if (w.rings[s] >= 0)
				close(w.rings[s]);
		}
	}
	exit(0);
}

/* ---- the run ---- */

/* Whether @name, or @name without "child_", starts with a word of @list. */
static int skipped(const char *list, const char *name)
{
	const char *p = list, *bare = name;

	if (!strncmp(bare, "child_", 6))
		bare += 6;
	while (p && *p) {
		size_t n = strcspn(p, ",");

		if (n && (!strncmp(name, p, n) || !strncmp(bare, p, n)))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: mm_fuzz [--seed N] [--ops N] [--procs N] [--skip OP,...] [--trace]\n");
	exit(2);
}

/* Print the counts; return the number of top-level operations. */
static uint64_t report(double secs)
{
	uint64_t top = 0, kids = 0, drains = 0;

	for (int op = 0; op < NR_OPS; op++) {
		uint64_t n = 0, ok = sh->count[op][0];
		char line[600];
		size_t at = 0;

		for (int r = 0; r < NR_RES; r++)
			n += sh->count[op][r];
		if (op == OP_DRAIN)
			drains += n;
		else if (op >= OP_CHILD_TOUCH && op < OP_DRAIN)
			kids += n;
		else
			top += n;
		if (!n) {
			pt_note("  %-20s      0%s", op_name(op),
				op_weight[op] || child_weight[op] ||
				op == OP_DRAIN ? "" : "  (skipped)");
			continue;
		}
		at += (size_t)snprintf(line, sizeof(line), "ok %" PRIu64, ok);
		for (int r = 1; r < NR_RES && at < sizeof(line) - 40; r++)
			if (sh->count[op][r])
				at += (size_t)snprintf(line + at, sizeof(line) - at,
						       ", %s %" PRIu64, res_name(r),
						       sh->count[op][r]);
		pt_note("  %-20s %6" PRIu64 ": %s; max %.1f ms", op_name(op),
			n, line, sh->max_ns[op] / 1e6);
	}
	pt_note("seed %" PRIu64 ", %d processes: %" PRIu64 " operations (+%" PRIu64 " in children, %" PRIu64 " pipe or ring drains) = %" PRIu64 " in %.1f s",
		seed, nprocs, top, kids, drains, top + kids + drains, secs);
	return top;
}

/* Up to SETTLE_S for nothing to stay mapped, pinned or releasing. */
static int settled(void)
{
	return mmtest_counters_soon(0, 0, 0, SETTLE_S);
}

int main(int argc, char **argv)
{
	const char *skip = NULL;
	pid_t workers[MAX_PROCS], holders[MAX_PROCS];
	int failed = 0, status;
	unsigned char *bar;
	uint64_t done;
	size_t disk_size;
	int64_t t0;

	pt_name = "mm_fuzz";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--trace")) {
			tracing = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--ops"))
			total_ops = strtol(v, NULL, 0);
		else if (!strcmp(a, "--procs"))
			nprocs = atoi(v);
		else if (!strcmp(a, "--skip"))
			skip = v;
		else
			usage();
	}
	if (nprocs < 1 || nprocs > MAX_PROCS || total_ops < nprocs)
		usage();
	for (int op = 0; op < NR_OPS; op++) {
		if (skipped(skip, op_name(op)))
			op_weight[op] = child_weight[op] = 0;
		else if (op >= OP_MADV)
			op_weight[op] = 1;
	}
	if (op_weight[OP_MMAP] == 0 || op_weight[OP_MAP] == 0)
		pt_fail("--skip must leave mmap and map");

	/* [shared | proc 0 | proc 1 | ...] of the BAR; each its drive part. */
	bar = phxtest_map_bar(&bar_size);
	shared_len = bar_size / 16;
	own_len = ((bar_size - shared_len) / (size_t)nprocs) & ~(PAGE - 1);
	if (own_len > 8 * MIB)
		own_len = 8 * MIB;
	disk_size = vmtest_env_u64("PHXVM_DISK_SIZE");
	disk_region = (disk_size / (size_t)nprocs) & ~(PAGE - 1);
	if (disk_region > 4 * MIB)
		disk_region = 4 * MIB;
	if (own_len < 64 * PAGE || disk_region < 64 * PAGE)
		pt_fail("BAR (%zu) or drive (%zu) too small for %d processes",
			bar_size, disk_size, nprocs);
	fill_stamp(bar, shared_len, stamp_of(NOBODY, 0));
	munmap(bar, bar_size);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		pt_fail("mmap: %s", strerror(errno));
	pt_note("seed %" PRIu64 ", %ld operations, %d processes; BAR: %zu KiB shared, %zu KiB each; %zu advices%s%s",
		seed, total_ops, nprocs, shared_len >> 10, own_len >> 10,
		NR_ADVICES, skip ? "; skipping " : "", skip ? skip : "");

	t0 = now_ns();
	for (int i = 0; i < nprocs; i++) {
		long nops = total_ops / nprocs + (i < total_ops % nprocs);
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
			pt_fail("socketpair: %s", strerror(errno));
		fflush(stdout);
		holders[i] = fork();
		if (holders[i] == 0) {
			close(sv[0]);
			exit(holder_main(i, sv[1]));
		}
		workers[i] = fork();
		if (workers[i] == 0) {
			close(sv[1]);
			worker_main(i, nops, sv[0]);
		}
		if (holders[i] < 0 || workers[i] < 0)
			pt_fail("fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
	}
	for (int left = 2 * nprocs; left; left--) {
		pid_t pid = wait(&status);
		const char *who = "a process";

		for (int i = 0; i < nprocs; i++)
			if (pid == workers[i] || pid == holders[i])
				who = pid == workers[i] ? "worker" : "holder";
		if (pid < 0)
			pt_fail("wait: %s", strerror(errno));
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
			continue;	/* stopped because another failed */
		failed = 1;
		__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
		if (WIFSIGNALED(status))
			fprintf(stderr, "mm_fuzz: %s %d died of %s\n", who, pid,
				sigabbrev_np(WTERMSIG(status)) ?: "a signal");
	}
	done = report((now_ns() - t0) / 1e9);
	if (failed)
		pt_fail("a process failed (above)");
	if (done != (uint64_t)total_ops)
		pt_fail("%" PRIu64 " operations of %ld went missing",
			total_ops - done, total_ops);
	if (!settled())
		pt_fail("%lld mappings, %lld bytes pinned%s %d s after every process exited",
			phxtest_counter("mappings"),
			phxtest_counter("pinned_bytes"),
			vmtest_exists("/sys/class/phxfs/phxfs_dev0/releasing") ?
			", some releasing," : "", SETTLE_S);
	return 0;
}
