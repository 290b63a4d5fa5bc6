// SPDX-License-Identifier: MIT
/*
 * The worker pool: every piece runs exactly once; a cancelled request
 * starts none of its pieces after the one that cancelled (exactly that one
 * with one worker); a request waits for its own pieces, not for another's
 * that are blocked (else this test hangs, and CTest's timeout fails it);
 * a forked child gets workers of its own; after shutdown the caller runs
 * the pieces. CTest runs it with 4 workers and with 1.
 */
#define _GNU_SOURCE
#include "iotest.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "knobs.h"
#include "pool.h"

#define PIECES 1000

static atomic_int runs[PIECES];

struct counting {
	size_t cancel_at;	/* PIECES: none */
};

static int count_piece(void *arg, size_t i)
{
	const struct counting *c = arg;

	runs[i]++;
	return i == c->cancel_at;
}

static void clear_runs(void)
{
	for (int i = 0; i < PIECES; i++)
		runs[i] = 0;
}

static void every_piece_once(const char *when)
{
	struct counting c = { .cancel_at = PIECES };

	clear_runs();
	phxfs_pool_run(count_piece, &c, PIECES);
	for (int i = 0; i < PIECES; i++)
		PT_CHECK(runs[i] == 1, "%s: piece %d ran %d times", when, i,
		      (int)runs[i]);
	clear_runs();
	phxfs_pool_run(count_piece, &c, 0);
	phxfs_pool_run(count_piece, &c, 1);
	PT_CHECK(runs[0] == 1 && runs[1] == 0, "%s: one piece", when);
}

static void cancel(unsigned int threads)
{
	struct counting c = { .cancel_at = 10 };
	int after = 0;

	clear_runs();
	phxfs_pool_run(count_piece, &c, PIECES);
	for (int i = 0; i <= 10; i++)
		PT_CHECK(runs[i] == 1, "cancel: piece %d before it ran %d times",
		      i, (int)runs[i]);
	for (int i = 11; i < PIECES; i++) {
		PT_CHECK(runs[i] <= 1, "cancel: piece %d ran %d times", i,
		      (int)runs[i]);
		after += runs[i];
	}
	/*
	 * One worker takes pieces one by one: none after the cancel. More
	 * may have taken some before it: how many is up to the scheduler.
	 */
	PT_CHECK(threads > 1 || after == 0, "cancel: %d pieces after it", after);
}

static sem_t started, release;

static int blocking_piece(void *arg, size_t i)
{
	(void)arg;
	if (i == 0) {
		sem_post(&started);
		sem_wait(&release);
	}
	return 0;
}

static void *blocked_request(void *arg)
{
	phxfs_pool_run(blocking_piece, arg, 2);
	return NULL;
}

/* With a worker blocked in request A, request B still completes. */
static void independent(void)
{
	pthread_t a;

	sem_init(&started, 0, 0);
	sem_init(&release, 0, 0);
	pthread_create(&a, NULL, blocked_request, NULL);
	sem_wait(&started);
	every_piece_once("beside a blocked request");
	sem_post(&release);
	pthread_join(a, NULL);
	sem_destroy(&started);
	sem_destroy(&release);
}

static void forked(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		every_piece_once("in a forked child");
		_exit(pt_failures != 0);
	}
	waitpid(pid, &status, 0);
	PT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "forked child: status %#x", status);
}

int main(void)
{
	const struct phxfs_knobs *knobs = phxfs_knobs();

	if (!knobs)
		return 1;
	every_piece_once("first request");
	cancel(knobs->threads);
	if (knobs->threads > 1)
		independent();
	forked();
	every_piece_once("parent after fork");
	phxfs_pool_shutdown();
	every_piece_once("after shutdown");
	if (pt_failures)
		return 1;
	printf("pool: %u workers; pieces once each, cancel, independent requests, fork, shutdown\n",
	       knobs->threads);
	return 0;
}
