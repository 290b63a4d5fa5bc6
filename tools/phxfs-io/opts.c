// SPDX-License-Identifier: MIT
/* Parsing and checking phxfs-io's options; the --help text. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/size.h"
#include "opts.h"

#define MAX_THREADS 1024
#define MAX_BATCH 4096

static const char usage[] =
"Usage: phxfs-io -f FILE [options]      storage <-> GPU memory benchmark\n"
"       phxfs-io -x 6 [-d GPU]           cost of opening and registering\n"
"\n"
"  -f FILE     data file; for -x 0-4 it is created, or extended with\n"
"              random data, up to -s bytes\n"
"  -s SIZE     file size (K, M, G suffixes; default: the file's size)\n"
"  -i SIZE     I/O size of one request (default 1M)\n"
"  -w N        threads (default 1)\n"
"  -I N        0 sequential read, 1 sequential write, 2 random read,\n"
"              3 random write (default 0); offsets are multiples of -i\n"
"  -x N        transfer type (default 0):\n"
"               0 GPUD       phxfs_read/phxfs_write into cudaMalloc memory,\n"
"                            registered (direct) where the module serves\n"
"                            the GPU, else compat (GPU_COMPAT)\n"
"               1 GPU_COMPAT the same with PHXFS_COMPAT=on\n"
"               2 CPU_GPU    pread/pwrite of pageable host memory +\n"
"                            cudaMemcpy: the naive baseline\n"
"               3 CUFILE     cuFileRead/cuFileWrite (needs libcufile.so.0)\n"
"               4 CPUONLY    pread/pwrite of pinned host memory, no GPU\n"
"                            copy: the storage ceiling (runs without a GPU)\n"
"               5 H2D        pinned cudaMemcpy only, no file: the copy\n"
"                            ceiling (reads H2D, writes D2H)\n"
"               6            registration cost: phxfs_open, phxfs_regmem of\n"
"                            64K and 16M, and cuFileDriverOpen and\n"
"                            cuFileBufRegister of the same where present\n"
"  -b N        batch depth: requests in flight per thread, through\n"
"              phxfs_batch_* (-x 0 and 1; default 1: synchronous)\n"
"  -D 0|1      O_DIRECT (default 1); 0: buffered, through the page cache\n"
"  -T SECS     stop after this long\n"
"  -n SIZE     stop after this many bytes in all (default, without -T:\n"
"              the file size, i.e. one pass)\n"
"  -d N        CUDA device (default 0)\n"
"  -p N        phxfs device id (default: the /dev/phxfs_devN serving the\n"
"              GPU, else the CUDA ordinal, as compat mode numbers them)\n"
"  -V          verify: reads compare the GPU buffer with the file's bytes\n"
"              at that offset; writes write a known pattern and read it\n"
"              back. Slow: times with -V are not benchmark numbers\n"
"  --drop-cache  drop the file's page cache before the run (fdatasync,\n"
"              POSIX_FADV_DONTNEED); says if pages stayed cached\n"
"  --json FILE append one JSON object for the run to FILE\n"
"  --tag TEXT  a label for the JSON record (e.g. cold, warm)\n"
"  --progress  progress line every second on stderr even when it is not\n"
"              a terminal (runs over 2 s)\n"
"  --seed N    seed of random offsets and file data (default: time)\n"
"  -h, --help  this text\n"
"\n"
"Prints one line in gdsio's format. Exit status: 0 done, 1 failed (an I/O\n"
"error, a verify mismatch, a missing library), 2 usage.\n";

const char *io_type_name(enum io_type t)
{
	static const char *const names[] = {
		"READ", "WRITE", "RANDREAD", "RANDWRITE"
	};

	return (unsigned int)t < 4 ? names[t] : "?";
}

static int bad(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "phxfs-io: %s '%s': %s (--help)\n", opt, arg, why);
	return 2;
}

static int uint_arg(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	*out = strtoul(s, &end, 10);
	return *end || *out > max ? -1 : 0;
}

static int check(struct opts *o)
{
	if (o->xfer == XFER_REGCOST)
		return 0;
	if (!o->file && o->xfer != XFER_H2D) {
		fprintf(stderr, "phxfs-io: -f FILE is required (--help)\n");
		return 2;
	}
	if (o->batch > 1 && o->xfer != XFER_PHXFS &&
	    o->xfer != XFER_PHXFS_COMPAT) {
		fprintf(stderr, "phxfs-io: -b is for -x 0 and 1 only\n");
		return 2;
	}
	if (o->o_direct && o->io_size % 512 && o->xfer != XFER_H2D &&
	    o->xfer != XFER_PHXFS && o->xfer != XFER_PHXFS_COMPAT) {
		fprintf(stderr, "phxfs-io: -i must be a multiple of 512 with O_DIRECT (or -D 0)\n");
		return 2;
	}
	if (o->file_size && o->file_size < o->io_size) {
		fprintf(stderr, "phxfs-io: -s is smaller than -i\n");
		return 2;
	}
	return 0;
}

int opts_parse(int argc, char **argv, struct opts *o)
{
	enum { OPT_JSON = 256, OPT_PROGRESS, OPT_DROP, OPT_SEED, OPT_TAG };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "drop-cache", no_argument, NULL, OPT_DROP },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long v;
	uint64_t sz;
	char *end;
	int c;

	*o = (struct opts){
		.io_size = 1 << 20, .threads = 1, .batch = 1,
		.o_direct = true, .phxfs_dev = -1,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:s:i:w:I:x:b:D:T:n:d:p:Vh",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->file = optarg;
			break;
		case 's':
			if (size_parse(optarg, &sz) || !sz)
				return bad("-s", optarg, "not a size");
			o->file_size = sz;
			break;
		case 'i':
			if (size_parse(optarg, &sz) || !sz || sz > (1ULL << 32))
				return bad("-i", optarg, "not a size up to 4G");
			o->io_size = sz;
			break;
		case 'w':
			if (uint_arg(optarg, MAX_THREADS, &v) || !v)
				return bad("-w", optarg, "1 to 1024 threads");
			o->threads = (unsigned int)v;
			break;
		case 'I':
			if (uint_arg(optarg, 3, &v))
				return bad("-I", optarg, "0, 1, 2 or 3");
			o->io = (enum io_type)v;
			break;
		case 'x':
			if (uint_arg(optarg, XFER_COUNT - 1, &v))
				return bad("-x", optarg, "0 to 6");
			o->xfer = (enum xfer_type)v;
			break;
		case 'b':
			if (uint_arg(optarg, MAX_BATCH, &v) || !v)
				return bad("-b", optarg, "1 to 4096");
			o->batch = (unsigned int)v;
			break;
		case 'D':
			if (uint_arg(optarg, 1, &v))
				return bad("-D", optarg, "0 or 1");
			o->o_direct = v;
			break;
		case 'T':
			o->seconds = strtod(optarg, &end);
			if (*end || !(o->seconds > 0 && o->seconds < 1e7))
				return bad("-T", optarg, "seconds > 0");
			break;
		case 'n':
			if (size_parse(optarg, &sz) || !sz)
				return bad("-n", optarg, "not a size");
			o->total = sz;
			break;
		case 'd':
			if (uint_arg(optarg, 1023, &v))
				return bad("-d", optarg, "a CUDA device number");
			o->gpu = (int)v;
			break;
		case 'p':
			if (uint_arg(optarg, 1023, &v))
				return bad("-p", optarg, "a phxfs device number");
			o->phxfs_dev = (int)v;
			break;
		case 'V':
			o->verify = true;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_TAG:
			o->tag = optarg;
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case OPT_DROP:
			o->drop_cache = true;
			break;
		case OPT_SEED:
			if (size_parse(optarg, &sz))
				return bad("--seed", optarg, "a number");
			o->seed = sz;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			fprintf(stderr, "phxfs-io: %s needs a value (--help)\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "phxfs-io: unknown option '%s' (--help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "phxfs-io: unexpected argument '%s' (--help)\n",
			argv[optind]);
		return 2;
	}
	return check(o);
}
