// SPDX-License-Identifier: MIT
/* Parsing and checking phxfs-mpi-bench's options; the --help text. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/common/size.h"
#include "opts.h"

static const char usage[] =
"Usage: mpirun -np N phxfs-mpi-bench [options]\n"
"\n"
"Reads one shared file into every rank's device buffer, several ways, and\n"
"checks every byte. Rank r's piece is [r*P, (r+1)*P), P = SIZE / N.\n"
"\n"
"  --dir DIR        where the data file goes (default /var/tmp)\n"
"  --file PATH      the data file itself (default DIR/phxfs-mpi-bench.dat)\n"
"  --size SIZE      bytes read per repetition by all ranks together, a\n"
"                   multiple of N x BLOCK (K, M, G suffixes; default 1G)\n"
"  --block SIZE     block of the interleaved layouts: block i of the file\n"
"                   goes to rank i mod N (default 64K)\n"
"  --reps N         repetitions of each mode (default 5)\n"
"  --modes LIST     comma-separated, of (default: all):\n"
"                    collective        phxfs_mpi_read_at_all, each rank its\n"
"                                      piece (one piece: straight from the\n"
"                                      file to each rank's buffer)\n"
"                    interleaved       phxfs_mpi_readv_at_all of round-robin\n"
"                                      blocks (two-phase aggregation)\n"
"                    independent       phxfs_mpi_read_at, each rank alone,\n"
"                                      one after the other\n"
"                    independent_all   phxfs_mpi_read_at, all ranks at once\n"
"                    mpiio_host        MPI_File_read_at_all of each piece\n"
"                                      into malloc'd host memory, then\n"
"                                      cudaMemcpy to the device buffer\n"
"                    mpiio_interleaved the same with round-robin blocks (a\n"
"                                      file view)\n"
"  --cold           drop the file from the page cache before each\n"
"                   repetition (default; and before each rank's turn in\n"
"                   independent)\n"
"  --warm           read the file into the page cache before each mode\n"
"  --o-direct       open with O_DIRECT (default with --cold)\n"
"  --no-o-direct    through the page cache (default with --warm)\n"
"  --mem KIND       cuda: cudaMalloc on the rank's device (the MPI layer's\n"
"                   choice: node-local rank modulo the node's devices);\n"
"                   host: malloc; auto (default): cuda where a device is\n"
"  --reuse          keep the data file after the run, and take an existing\n"
"                   one that has the size and the seed's pattern\n"
"  --seed N         data pattern: Phoenix's one pattern of seed N, as\n"
"                   phxfs-io --verify checks it (default 0x5048584d5049)\n"
"  --hint KEY=VAL   an MPI_Info hint for phxfs_mpi_file_open (repeatable,\n"
"                   e.g. cb_nodes=2, phxfs_cuda_aware=disable; see\n"
"                   phxfs_mpi.h)\n"
"  --check-seed N   check the buffers against seed N's pattern instead:\n"
"                   with N other than --seed every check must fail (a\n"
"                   test of the check itself)\n"
"  --tag TEXT       a label for the JSON records\n"
"  -h, --help       this text\n"
"\n"
"Rank 0 prints one gdsio-like line and one JSON object per mode on stdout.\n"
"Timing: MPI_Barrier, then the slowest rank's wall time; median and best of\n"
"the repetitions. independent's bandwidth is the sum over ranks of each\n"
"rank's piece / its time alone.\n"
"Exit status: 0 done and verified, 1 a read failed or a byte was wrong,\n"
"2 usage.\n";

static const char *const mode_names[MODE_COUNT] = {
	"collective", "interleaved", "independent", "independent_all",
	"mpiio_host",
	"mpiio_interleaved",
};

const char *mode_name(enum mode m)
{
	return (unsigned int)m < MODE_COUNT ? mode_names[m] : "?";
}

static int bad(bool quiet, const char *opt, const char *arg, const char *why)
{
	if (!quiet)
		fprintf(stderr, "phxfs-mpi-bench: %s '%s': %s (--help)\n",
			opt, arg, why);
	return 2;
}

static int parse_modes(char *list, bool *modes)
{
	memset(modes, 0, sizeof(bool) * MODE_COUNT);
	for (char *save = NULL, *m = strtok_r(list, ",", &save); m;
	     m = strtok_r(NULL, ",", &save)) {
		int i = 0;

		while (i < MODE_COUNT && strcmp(m, mode_names[i]))
			i++;
		if (i == MODE_COUNT)
			return -1;
		modes[i] = true;
	}
	for (int i = 0; i < MODE_COUNT; i++)
		if (modes[i])
			return 0;
	return -1;
}

enum { O_DIR = 256, O_FILE, O_SIZE, O_BLOCK, O_REPS, O_MODES, O_COLD,
       O_WARM, O_DIRECT_ON, O_DIRECT_OFF, O_MEM, O_REUSE, O_SEED, O_TAG,
       O_HINT, O_CHECK_SEED };

int opts_parse(int argc, char **argv, struct opts *o, bool quiet)
{
	static const struct option longs[] = {
		{ "dir", required_argument, NULL, O_DIR },
		{ "file", required_argument, NULL, O_FILE },
		{ "size", required_argument, NULL, O_SIZE },
		{ "block", required_argument, NULL, O_BLOCK },
		{ "reps", required_argument, NULL, O_REPS },
		{ "modes", required_argument, NULL, O_MODES },
		{ "cold", no_argument, NULL, O_COLD },
		{ "warm", no_argument, NULL, O_WARM },
		{ "o-direct", no_argument, NULL, O_DIRECT_ON },
		{ "no-o-direct", no_argument, NULL, O_DIRECT_OFF },
		{ "mem", required_argument, NULL, O_MEM },
		{ "reuse", no_argument, NULL, O_REUSE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "tag", required_argument, NULL, O_TAG },
		{ "hint", required_argument, NULL, O_HINT },
		{ "check-seed", required_argument, NULL, O_CHECK_SEED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int direct = -1, c;
	bool check_seed = false;
	char *end;

	*o = (struct opts){ .dir = "/var/tmp", .size = 1ull << 30,
			    .block = 64 << 10, .reps = 5, .cold = true,
			    .seed = 0x5048584d5049ull, .tag = "" };
	for (int i = 0; i < MODE_COUNT; i++)
		o->modes[i] = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
		switch (c) {
		case O_DIR:
			o->dir = optarg;
			break;
		case O_FILE:
			o->file = optarg;
			break;
		case O_SIZE:
			if (size_parse(optarg, &o->size) || !o->size)
				return bad(quiet, "--size", optarg,
					   "a size above 0, e.g. 4G");
			break;
		case O_BLOCK:
			if (size_parse(optarg, &o->block) || !o->block ||
			    o->block > (1u << 30))
				return bad(quiet, "--block", optarg,
					   "a size from 1 to 1G");
			break;
		case O_REPS: {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || !v ||
			    v > 1000)
				return bad(quiet, "--reps", optarg,
					   "1 to 1000");
			o->reps = (unsigned int)v;
			break;
		}
		case O_MODES:
			if (parse_modes(optarg, o->modes))
				return bad(quiet, "--modes", optarg,
					   "collective, interleaved, independent, independent_all, mpiio_host or mpiio_interleaved, comma-separated");
			break;
		case O_COLD:
			o->cold = true;
			break;
		case O_WARM:
			o->cold = false;
			break;
		case O_DIRECT_ON:
			direct = 1;
			break;
		case O_DIRECT_OFF:
			direct = 0;
			break;
		case O_MEM:
			if (!strcmp(optarg, "auto"))
				o->mem = MEM_AUTO;
			else if (!strcmp(optarg, "cuda"))
				o->mem = MEM_CUDA;
			else if (!strcmp(optarg, "host"))
				o->mem = MEM_HOST;
			else
				return bad(quiet, "--mem", optarg,
					   "auto, cuda or host");
			break;
		case O_REUSE:
			o->reuse = true;
			break;
		case O_SEED:
		case O_CHECK_SEED:
			*(c == O_SEED ? &o->seed : &o->check_seed) =
				strtoull(optarg, &end, 0);
			check_seed |= c == O_CHECK_SEED;
			if (*optarg < '0' || *optarg > '9' || *end)
				return bad(quiet, c == O_SEED ? "--seed" :
					   "--check-seed", optarg,
					   "a number (0x for hex)");
			break;
		case O_TAG:
			o->tag = optarg;
			break;
		case O_HINT:
			if (!strchr(optarg, '=') || *optarg == '=')
				return bad(quiet, "--hint", optarg,
					   "KEY=VALUE");
			if (o->nhints == OPTS_MAX_HINTS)
				return bad(quiet, "--hint", optarg,
					   "too many hints");
			o->hints[o->nhints++] = optarg;
			break;
		case 'h':
			if (!quiet)
				fputs(usage, stdout);
			return 0;
		case ':':
			return bad(quiet, "option", argv[optind - 1],
				   "needs a value");
		default:
			return bad(quiet, "option", argv[optind - 1],
				   "unknown");
		}
	}
	if (optind < argc)
		return bad(quiet, "argument", argv[optind], "unexpected");
	o->o_direct = direct < 0 ? o->cold : direct;
	if (!check_seed)
		o->check_seed = o->seed;
	return -1;
}
