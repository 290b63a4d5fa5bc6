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
};

static pthread_key_t stage_key;
static bool stage_key_ok;
static pthread_once_t stage_once = PTHREAD_ONCE_INIT;

static void drop_bounce(struct phxfs_stage *s, int i)
{
	if (s->bounce[i].pinned)
		s->ops->pinned_free(s->bounce[i].p);
	else
		free(s->bounce[i].p);
	s->bounce[i].p = NULL;
	s->bounce[i].pinned = false;
}

/* The key's destructor: runs when a thread that did staged I/O exits. */
static void stage_free(void *arg)
{
	struct phxfs_stage *s = arg;

	drop_bounce(s, 0);
	drop_bounce(s, 1);
	for (size_t i = 0; i < s->nr_streams; i++)
		s->ops->stream_destroy(s->streams[i].stream);
	free(s->streams);
	free(s);
}

static void stage_key_create(void)
{
	stage_key_ok = pthread_key_create(&stage_key, stage_free) == 0;
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
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ops = phxfs_mem_ops();
	s->size = knobs->bounce_size;
	if (pthread_setspecific(stage_key, s)) {
		free(s);
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
}
