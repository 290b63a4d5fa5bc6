// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "knobs.h"

/* One phxfs_pool_run() call; lives on its caller's stack. */
struct pool_job {
	int (*fn)(void *arg, size_t i);
	void *arg;
	size_t n;
	size_t next;		/* the first piece no worker has taken */
	size_t running;
	bool cancelled;
	bool queued;
	pthread_cond_t done;
	struct pool_job *next_job;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work;	/* a job was queued, or stop */
	struct pool_job *head, *tail;	/* jobs with pieces to take */
	pthread_t *threads;
	unsigned int nr_threads;
	bool started;
	bool stopping;
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static bool job_finished(const struct pool_job *job)
{
	return !job->running && (job->next == job->n || job->cancelled);
}

static void dequeue(struct pool_job *job)
{
	struct pool_job **link = &pool.head, *prev = NULL;

	while (*link != job) {
		prev = *link;
		link = &(*link)->next_job;
	}
	*link = job->next_job;
	if (pool.tail == job)
		pool.tail = prev;
	job->queued = false;
}

static void *worker(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		struct pool_job *job;
		size_t i;
		int stop;

		while (!pool.stopping && !pool.head)
			pthread_cond_wait(&pool.work, &pool.lock);
		if (pool.stopping)
			break;
		job = pool.head;
		i = job->next++;
		job->running++;
		if (job->next == job->n)
			dequeue(job);
		pthread_mutex_unlock(&pool.lock);

		stop = job->fn(job->arg, i);

		pthread_mutex_lock(&pool.lock);
		job->running--;
		if (stop && !job->cancelled) {
			job->cancelled = true;
			if (job->queued)
				dequeue(job);
		}
		if (job_finished(job))
			pthread_cond_signal(&job->done);
	}
	pthread_mutex_unlock(&pool.lock);
	return NULL;
}

/*
 * fork() copies the pool's state but not its threads: the child starts
 * its own at its first request. Its copy of the lock is taken in prepare,
 * so the state is consistent when copied.
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&pool.lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&pool.lock);
}

static void atfork_child(void)
{
	free(pool.threads);
	pool.threads = NULL;
	pool.nr_threads = 0;
	pool.head = pool.tail = NULL;
	pool.started = false;
	pthread_cond_init(&pool.work, NULL);
	pthread_mutex_unlock(&pool.lock);
}

static void register_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Under pool.lock. As many workers as can be had, up to PHXFS_THREADS. */
static void start_workers(void)
{
	const struct phxfs_knobs *knobs = phxfs_knobs();
	sigset_t all, old;

	pool.started = true;
	if (!knobs)
		return;
	pthread_once(&atfork_once, register_atfork);
	pool.threads = calloc(knobs->threads, sizeof(*pool.threads));
	if (!pool.threads)
		return;
	/* Workers inherit a full mask: the application's signals stay its. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (pool.nr_threads < knobs->threads &&
	       !pthread_create(&pool.threads[pool.nr_threads], NULL, worker,
			       NULL))
		pool.nr_threads++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void run_here(int (*fn)(void *arg, size_t i), void *arg, size_t n)
{
	for (size_t i = 0; i < n && !fn(arg, i); i++)
		;
}

void phxfs_pool_run(int (*fn)(void *arg, size_t i), void *arg, size_t n)
{
	struct pool_job job = { .fn = fn, .arg = arg, .n = n, .queued = true };

	if (!n)
		return;
	pthread_mutex_lock(&pool.lock);
	if (!pool.started && !pool.stopping)
		start_workers();
	if (!pool.nr_threads || pool.stopping) {
		pthread_mutex_unlock(&pool.lock);
		run_here(fn, arg, n);
		return;
	}
	pthread_cond_init(&job.done, NULL);
	if (pool.tail)
		pool.tail->next_job = &job;
	else
		pool.head = &job;
	pool.tail = &job;
	if (n > 1)
		pthread_cond_broadcast(&pool.work);
	else
		pthread_cond_signal(&pool.work);
	while (!job_finished(&job))
		pthread_cond_wait(&job.done, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
	pthread_cond_destroy(&job.done);
}

void phxfs_pool_shutdown(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.stopping = true;
	pthread_cond_broadcast(&pool.work);
	pthread_mutex_unlock(&pool.lock);
	/* Nothing starts workers once stopping is set. */
	for (unsigned int i = 0; i < pool.nr_threads; i++)
		pthread_join(pool.threads[i], NULL);
	free(pool.threads);
	pool.threads = NULL;
	pool.nr_threads = 0;
}
