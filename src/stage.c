// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "stage.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "knobs.h"
#include "memops.h"

struct ctx_stream {
	void *ctx;
	bool ordered;
	void *stream;
};

struct phxfs_stage {
	const struct phxfs_mem_ops *ops;	/* what made the resources */
	size_t size;
	struct {
		void *p;
		bool pinned;
	} bounce[2];
	struct ctx_stream *streams;
	size_t nr_streams;
	struct phxfs_stage *next;		/* on the spare list */
};

static pthread_key_t stage_key;
static bool stage_key_ok;
static pthread_once_t stage_once = PTHREAD_ONCE_INIT;

/*
 * Stages of threads that ended, for threads to come: pinned memory and
 * streams take milliseconds to make, and a batch's workers or an
 * application's threads come and go. At most MAX_SPARE are kept.
 */
#define MAX_SPARE 64

static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static struct phxfs_stage *spare;
static unsigned int nr_spare;

static void drop_bounce(struct phxfs_stage *s, int i)
{
	if (s->bounce[i].pinned)
		s->ops->pinned_free(s->bounce[i].p);
	else
		free(s->bounce[i].p);
	s->bounce[i].p = NULL;
	s->bounce[i].pinned = false;
}

static void stage_free(struct phxfs_stage *s)
{
	drop_bounce(s, 0);
	drop_bounce(s, 1);
	for (size_t i = 0; i < s->nr_streams; i++)
		s->ops->stream_destroy(s->streams[i].stream);
	free(s->streams);
	free(s);
}

/* The key's destructor: a thread that did staged I/O exits. */
static void stage_release(void *arg)
{
	struct phxfs_stage *s = arg;

	pthread_mutex_lock(&spare_lock);
	if (nr_spare < MAX_SPARE) {
		s->next = spare;
		spare = s;
		nr_spare++;
		s = NULL;
	}
	pthread_mutex_unlock(&spare_lock);
	if (s)
		stage_free(s);
}

/* A spare stage made by @ops with buffers of @size, or NULL. */
static struct phxfs_stage *spare_take(const struct phxfs_mem_ops *ops,
				      size_t size)
{
	struct phxfs_stage **p, *s = NULL;

	pthread_mutex_lock(&spare_lock);
	for (p = &spare; *p; p = &(*p)->next) {
		if ((*p)->ops == ops && (*p)->size == size) {
			s = *p;
			*p = s->next;
			nr_spare--;
			break;
		}
	}
	pthread_mutex_unlock(&spare_lock);
	return s;
}

/* A fork never finds the list locked in the child. */
static void spare_lock_take(void)
{
	pthread_mutex_lock(&spare_lock);
}

static void spare_lock_give(void)
{
	pthread_mutex_unlock(&spare_lock);
}

static void stage_key_create(void)
{
	stage_key_ok = pthread_key_create(&stage_key, stage_release) == 0 &&
		       !pthread_atfork(spare_lock_take, spare_lock_give,
				       spare_lock_give);
}

struct phxfs_stage *phxfs_stage_get(void)
{
	const struct phxfs_knobs *knobs = phxfs_knobs();
	struct phxfs_stage *s;

	if (!knobs)
		return NULL;
	pthread_once(&stage_once, stage_key_create);
	if (!stage_key_ok) {
		errno = ENOMEM;
		return NULL;
	}
	s = pthread_getspecific(stage_key);
	if (s)
		return s;
	s = spare_take(phxfs_mem_ops(), knobs->bounce_size);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		s->ops = phxfs_mem_ops();
		s->size = knobs->bounce_size;
	}
	if (pthread_setspecific(stage_key, s)) {
		stage_release(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

size_t phxfs_stage_bounce_size(const struct phxfs_stage *s)
{
	return s->size;
}

void *phxfs_stage_bounce(struct phxfs_stage *s, int i, bool pinned)
{
	if (s->bounce[i].p && (s->bounce[i].pinned || !pinned))
		return s->bounce[i].p;
	drop_bounce(s, i);
	if (pinned)
		s->bounce[i].p = s->ops->pinned_alloc(s->size);
	else if (posix_memalign(&s->bounce[i].p,
				(size_t)sysconf(_SC_PAGESIZE), s->size))
		s->bounce[i].p = NULL;
	if (!s->bounce[i].p) {
		errno = ENOMEM;
		return NULL;
	}
	s->bounce[i].pinned = pinned;
	return s->bounce[i].p;
}

void *phxfs_stage_stream(struct phxfs_stage *s, void *ctx, bool ordered)
{
	struct ctx_stream *streams;
	void *stream;
	int err;

	for (size_t i = 0; i < s->nr_streams; i++)
		if (s->streams[i].ctx == ctx && s->streams[i].ordered == ordered)
			return s->streams[i].stream;
	streams = realloc(s->streams, (s->nr_streams + 1) * sizeof(*streams));
	if (!streams)
		return NULL;
	s->streams = streams;
	err = s->ops->stream_create(&stream, ordered);
	if (err) {
		errno = err;
		return NULL;
	}
	streams[s->nr_streams].ctx = ctx;
	streams[s->nr_streams].ordered = ordered;
	streams[s->nr_streams++].stream = stream;
	return stream;
}

void phxfs_stage_unload(void)
{
	struct phxfs_stage *s;

	if (!stage_key_ok)
		return;
	s = pthread_getspecific(stage_key);
	if (s)
		stage_free(s);
	pthread_key_delete(stage_key);
	pthread_mutex_lock(&spare_lock);
	while ((s = spare)) {
		spare = s->next;
		stage_free(s);
	}
	nr_spare = 0;
	pthread_mutex_unlock(&spare_lock);
}
