/* SPDX-License-Identifier: MIT */
/* One mode from start to end: cache, repetitions, verification, counts. */
#ifndef PHXMB_RUN_H
#define PHXMB_RUN_H

#include "report.h"

/*
 * Collective. Fills @r on every rank (the times and rank_gibps on rank 0
 * only, which must free rank_gibps). Return: 0, or -1 when a read failed
 * or a byte was wrong (said on stderr by the rank that saw it).
 */
int run_mode(struct bench *b, enum mode m, struct result *r);

#endif /* PHXMB_RUN_H */
