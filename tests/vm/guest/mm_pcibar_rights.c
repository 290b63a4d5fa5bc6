// SPDX-License-Identifier: MIT
/*
 * The pci-bar provider gives a phxfs VMA no more rights than the process
 * has on the BAR: a dev_addr inside a read-only mapping of resource2
 * (file opened O_RDONLY, mapped PROT_READ) is refused with EACCES, so an
 * O_DIRECT read from the drive cannot write the BAR through it; a
 * read-write mapping works as before, the drive's bytes land in the BAR.
 * A range that runs past the end of its source VMA (into other memory or
 * into a second mapping of the BAR) and ordinary anonymous memory are no
 * device memory: EFAULT or EINVAL, and EINVAL. Each refusal leaves the
 * phxfs VMA empty and reusable and nothing claimed. Raw ioctls.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define KIB (1UL << 10)
#define MIB (1UL << 20)
#define REG_LEN (1 * MIB)
#define DISK_OFF (32 * MIB)

static unsigned char *bar;	/* read-write, for checking the bytes */
static int phx, nvme;

static void expect_counters_zero(const char *when)
{
	mmtest_expect_counters(0, 0, MMTEST_ANY, 0, when);
}

static int map_at(unsigned char *vma, const void *dev_addr, size_t len,
		  uint64_t *handle)
{
	return mmtest_map(phx, dev_addr, len, vma, handle, NULL);
}

static size_t bytes_changed(const unsigned char *p, unsigned char was,
			    size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] != was;
	return n;
}

/*
 * A read-only source, at its start and inside it. The O_DIRECT read into
 * the phxfs VMA runs either way: with the MAP refused it must fail
 * (EFAULT, an empty VMA), and no BAR byte may change.
 */
static void read_only_source(unsigned char *vma)
{
	static const size_t offs[] = { 0, 64 * KIB };
	unsigned char *ro = phxtest_map_bar_part(O_RDONLY, PROT_READ, 0,
						 4 * MIB, NULL);

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint64_t handle;
		int mapped, map_errno;
		size_t changed;
		ssize_t n;

		memset(bar + offs[i], MMTEST_MARK, REG_LEN);
		errno = 0;
		mapped = !map_at(vma, ro + offs[i], REG_LEN, &handle);
		map_errno = errno;
		n = pread(nvme, vma, REG_LEN, DISK_OFF);
		changed = bytes_changed(bar + offs[i], MMTEST_MARK, REG_LEN);
		if (mapped)
			pt_fail("MAP of a PROT_READ mapping of %s opened O_RDONLY (at +%zu) succeeded (expected EACCES); an O_DIRECT read into it then returned %zd and changed %zu of %lu BAR bytes",
				phxtest_bar_path(), offs[i], n, changed,
				REG_LEN);
		if (map_errno != EACCES)
			pt_fail("MAP of a read-only source (at +%zu): %s, expected EACCES",
				offs[i], strerror(map_errno));
		if (n != -1 || errno != EFAULT)
			pt_fail("pread into the empty phxfs VMA: %zd (%s), expected EFAULT",
				n, n < 0 ? strerror(errno) : "bytes read");
		if (changed)
			pt_fail("%zu BAR bytes changed although MAP was refused",
				changed);
		expect_counters_zero("read-only source refused");
	}
	munmap(ro, 4 * MIB);
	pt_note("read-only source: EACCES, the drive's read changed no BAR byte");
}

/* A read-write source works: the drive's bytes land in the BAR. */
static void read_write_source(unsigned char *vma, const char *when)
{
	unsigned char *rw = phxtest_map_bar_part(O_RDWR,
						 PROT_READ | PROT_WRITE, 0,
						 4 * MIB, NULL);
	unsigned char *want;
	uint64_t handle;

	if (map_at(vma, rw + 2 * MIB, REG_LEN, &handle))
		pt_fail("%s: MAP of a read-write source: %s", when,
			strerror(errno));
	want = mmtest_read_lands(nvme, vma, bar + 2 * MIB, REG_LEN, DISK_OFF,
				 when);
	if (memcmp(rw + 2 * MIB, want, REG_LEN))
		pt_fail("%s: the source mapping does not show the bytes", when);
	mmtest_unmap_ok(phx, handle);
	expect_counters_zero(when);
	munmap(rw, 4 * MIB);
	free(want);
}

static void expect_refused(unsigned char *vma, const void *dev_addr,
			   size_t len, int err1, int err2, const char *what)
{
	uint64_t handle;

	errno = 0;
	if (!map_at(vma, dev_addr, len, &handle)) {
		mmtest_unmap_ok(phx, handle);
		pt_fail("MAP of %s succeeded", what);
	}
	if (errno != err1 && errno != err2)
		pt_fail("MAP of %s: %s, expected %s", what, strerror(errno),
			err1 == err2 ? strerror(err1) : "EFAULT or EINVAL");
	expect_counters_zero(what);
}

/*
 * The range runs past its source VMA: into an inaccessible reservation,
 * and into a second mapping of the BAR that continues it page for page
 * (a separate VMA: PFN maps never merge).
 */
static void crossing_sources(unsigned char *vma)
{
	unsigned char *res = mmap(NULL, 2 * MIB + 64 * KIB, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *src;

	if (res == MAP_FAILED)
		pt_fail("mmap reservation: %s", strerror(errno));
	src = phxtest_map_bar_part(O_RDWR, PROT_READ | PROT_WRITE, 0, MIB, res);
	expect_refused(vma, src + MIB - 4096, 8192, EFAULT, EINVAL,
		       "a range past the source VMA's end into other memory");
	expect_refused(vma, src, MIB + 4096, EFAULT, EINVAL,
		       "the whole source VMA and one page more");
	phxtest_map_bar_part(O_RDWR, PROT_READ | PROT_WRITE, MIB, MIB,
			     src + MIB);
	expect_refused(vma, src + MIB - 4096, 8192, EFAULT, EINVAL,
		       "a range across two mappings of the BAR");
	munmap(res, 2 * MIB + 64 * KIB);
	pt_note("ranges past the source VMA: refused");
}

static void anonymous_source(unsigned char *vma)
{
	unsigned char *anon = mmap(NULL, REG_LEN, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
				   -1, 0);

	if (anon == MAP_FAILED)
		pt_fail("mmap anonymous: %s", strerror(errno));
	memset(anon, 0x5a, REG_LEN);
	expect_refused(vma, anon, REG_LEN, EINVAL, EINVAL,
		       "anonymous memory");
	munmap(anon, REG_LEN);
	pt_note("anonymous memory: EINVAL");
}

int main(void)
{
	unsigned char *vma;

	pt_name = "mm_pcibar_rights";
	bar = mmtest_map_bar(8 * MIB);
	phx = mmtest_open_node();
	nvme = mmtest_open_nvme(O_RDONLY);
	vma = mmtest_vma(phx, REG_LEN, 0);
	read_write_source(vma, "read-write source");
	munmap(vma, REG_LEN);

	/* One VMA for every refused MAP: each must leave it empty, usable. */
	vma = mmtest_vma(phx, REG_LEN, 16 * MIB);
	read_only_source(vma);
	crossing_sources(vma);
	anonymous_source(vma);
	read_write_source(vma, "read-write source after the refusals");
	pt_note("read-write source: the drive's bytes land in the BAR");
	munmap(vma, REG_LEN);
	close(phx);
	close(nvme);
	return 0;
}
