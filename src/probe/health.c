/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * health.c - tunnel health state machine and sliding windows
 *
 * Theory of operation
 *
 * Every probe attempt ends in exactly one result: its reply arrived (ok)
 * or its timeout passed (failed). Retries are attempts too, so a dead
 * tunnel probed once a second with two quick retries produces three
 * failures inside one second. The state machine sees only this stream of
 * (time, ok) results; it has no clock of its own, which makes it a pure
 * function that unit tests drive with a fake clock.
 *
 * Worsening is immediate, evaluated on each failure:
 *   any -> down       when the results of the last down_window (at least
 *                     down_min_probes of them) all failed;
 *   healthy -> degraded when, in the last degrade_window, at least
 *                     degrade_min_fail results failed and they are at least
 *                     degrade_loss_ppm of all results.
 * Improving is gradual, evaluated on each success, and only once the
 * state is at least "hold" old (min_state, see damping below):
 *   down -> degraded  after up_from_down consecutive successes;
 *   degraded -> healthy after up_from_degraded consecutive successes, and
 *                     only when no probe failed for a whole degrade window
 *                     (or the hold time, when damping made it longer).
 *                     Without that second test a tunnel with steady low
 *                     loss would leave degraded after every lucky run of 30
 *                     clean probes and fall back at the next loss: it
 *                     would flap.
 * There is no down -> healthy step; recovery passes through degraded.
 *
 * Damping: when a tunnel worsens again soon after an improvement (within
 * four hold times, at least one degrade window), its hold time doubles (up to 16 x min_state, at least 1 s
 * per step), and so does the failure-free span degraded -> healthy needs;
 * after four hold times healthy it returns to min_state. A tunnel with
 * steady loss near the thresholds (1 % at one probe a second, say) thus
 * settles in degraded instead of oscillating.
 * Every transition leaves a one-line reason in h->reason.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "probe/health.h"

void health_params_default(struct health_params *p)
{
	p->down_window_ms = 1000;
	p->down_min_probes = 3;
	p->degrade_window_ms = 300000;
	p->degrade_loss_ppm = 1000;
	p->degrade_min_fail = 2;
	p->up_from_down = 3;
	p->up_from_degraded = 30;
	p->min_state_ms = 300000;
}

const char *health_state_name(enum health_state s)
{
	switch (s) {
	case HEALTH_HEALTHY:
		return "healthy";
	case HEALTH_DEGRADED:
		return "degraded";
	case HEALTH_DOWN:
		return "down";
	}
	return "?";
}

static uint64_t width_for(uint64_t window_ms, unsigned buckets)
{
	uint64_t w = (window_ms + buckets - 1) / buckets;

	return w ? w : 1;
}

void hwin_init(struct hwin *w, uint64_t window_ms)
{
	memset(w, 0, sizeof(*w));
	w->width_ms = width_for(window_ms, HWIN_BUCKETS);
}

/* Move the head to bucket @b, clearing the buckets it passes. */
static void hwin_advance(struct hwin *w, uint64_t b)
{
	uint64_t i;

	if (!w->used || b >= w->head + HWIN_BUCKETS) {
		memset(w->n, 0, sizeof(w->n));
		memset(w->fail, 0, sizeof(w->fail));
	} else {
		for (i = w->head + 1; i <= b; i++) {
			w->n[i % HWIN_BUCKETS] = 0;
			w->fail[i % HWIN_BUCKETS] = 0;
		}
	}
	w->head = b;
	w->used = true;
}

void hwin_add(struct hwin *w, uint64_t now_ms, bool ok)
{
	uint64_t b = now_ms / w->width_ms;

	if (!w->used || b > w->head)
		hwin_advance(w, b);
	/* A result older than the head (clock went back) lands in the head. */
	b = w->head % HWIN_BUCKETS;
	w->n[b]++;
	if (!ok)
		w->fail[b]++;
}

void hwin_sum(const struct hwin *w, uint64_t now_ms, uint64_t *n, uint64_t *fail)
{
	uint64_t cur = now_ms / w->width_ms, i;

	*n = *fail = 0;
	if (!w->used)
		return;
	for (i = 0; i < HWIN_BUCKETS; i++) {
		uint64_t b = w->head - i;

		if (i > w->head || cur >= b + HWIN_BUCKETS)
			break;
		*n += w->n[b % HWIN_BUCKETS];
		*fail += w->fail[b % HWIN_BUCKETS];
	}
}

void rttwin_init(struct rttwin *w, uint64_t window_ms)
{
	memset(w, 0, sizeof(*w));
	w->width_ms = width_for(window_ms, RTTWIN_BUCKETS);
}

static void rtt_bucket_clear(struct rtt_bucket *b)
{
	memset(b, 0, sizeof(*b));
	b->min_us = UINT32_MAX;
}

void rttwin_add(struct rttwin *w, uint64_t now_ms, bool ok, uint64_t rtt_ns)
{
	uint64_t bn = now_ms / w->width_ms, i;
	struct rtt_bucket *b;
	uint64_t us;

	if (!w->used || bn >= w->head + RTTWIN_BUCKETS) {
		for (i = 0; i < RTTWIN_BUCKETS; i++)
			rtt_bucket_clear(&w->b[i]);
		w->head = bn;
		w->used = true;
	} else {
		for (i = w->head + 1; i <= bn; i++)
			rtt_bucket_clear(&w->b[i % RTTWIN_BUCKETS]);
		if (bn > w->head)
			w->head = bn;
	}
	b = &w->b[w->head % RTTWIN_BUCKETS];
	b->sent++;
	if (!ok) {
		b->lost++;
		return;
	}
	us = rtt_ns / 1000;
	if (us > UINT32_MAX)
		us = UINT32_MAX;
	b->n++;
	b->sum_us += us;
	b->sumsq += (double)us * (double)us;
	if (us < b->min_us)
		b->min_us = (uint32_t)us;
	if (us > b->max_us)
		b->max_us = (uint32_t)us;
	if (w->have_last) {
		b->jit_sum_us += us > w->last_us ? us - w->last_us : w->last_us - us;
		b->jit_n++;
	}
	w->last_us = us;
	w->have_last = true;
}

void rttwin_stats(const struct rttwin *w, uint64_t now_ms, struct rtt_stats *s)
{
	uint64_t cur = now_ms / w->width_ms, i, n = 0, sum = 0, jn = 0, jsum = 0;
	uint32_t mn = UINT32_MAX, mx = 0;
	double sq = 0, mean;

	memset(s, 0, sizeof(*s));
	for (i = 0; w->used && i < RTTWIN_BUCKETS; i++) {
		uint64_t bn = w->head - i;
		const struct rtt_bucket *b;

		if (i > w->head || cur >= bn + RTTWIN_BUCKETS)
			break;
		b = &w->b[bn % RTTWIN_BUCKETS];
		s->sent += b->sent;
		s->lost += b->lost;
		n += b->n;
		sum += b->sum_us;
		sq += b->sumsq;
		jn += b->jit_n;
		jsum += b->jit_sum_us;
		if (b->n && b->min_us < mn)
			mn = b->min_us;
		if (b->n && b->max_us > mx)
			mx = b->max_us;
	}
	s->received = n;
	if (s->sent)
		s->loss_pct = 100.0 * (double)s->lost / (double)s->sent;
	if (!n)
		return;
	mean = (double)sum / (double)n;
	s->min_ms = mn / 1000.0;
	s->max_ms = mx / 1000.0;
	s->avg_ms = mean / 1000.0;
	s->stddev_ms = sqrt(fmax(0.0, sq / (double)n - mean * mean)) / 1000.0;
	if (jn)
		s->jitter_ms = (double)jsum / (double)jn / 1000.0;
}

void health_init(struct health *h, const struct health_params *p, uint64_t now_ms)
{
	memset(h, 0, sizeof(*h));
	h->state = HEALTH_HEALTHY;
	h->since_ms = now_ms;
	hwin_init(&h->degrade, p->degrade_window_ms);
	h->hold_ms = p->min_state_ms;
	snprintf(h->reason, sizeof(h->reason), "initial state");
}

static bool health_degraded_cond(const struct health *h, const struct health_params *p,
				 uint64_t now, uint64_t *n, uint64_t *fail)
{
	hwin_sum(&h->degrade, now, n, fail);
	return *fail >= p->degrade_min_fail && *n &&
	       *fail * 1000000 >= (uint64_t)p->degrade_loss_ppm * *n;
}

static bool health_set(struct health *h, const struct health_params *p,
		       enum health_state to, uint64_t now)
{
	uint64_t max = 16 * (p->min_state_ms ? p->min_state_ms : 1000);

	uint64_t relapse = 4 * h->hold_ms > p->degrade_window_ms ? 4 * h->hold_ms :
			   p->degrade_window_ms;

	if (to > h->state && h->improved_ms && now - h->improved_ms < relapse) {
		h->hold_ms = h->hold_ms ? 2 * h->hold_ms : 1000;
		if (h->hold_ms > max)
			h->hold_ms = max;
	} else if (to < h->state) {
		h->improved_ms = now;
	}
	h->state = to;
	h->since_ms = now;
	h->transitions++;
	return true;
}

bool health_result(struct health *h, const struct health_params *p, uint64_t now, bool ok)
{
	uint64_t n, fail, age;
	unsigned i, rn = 0, rfail = 0;

	h->recent_t[h->recent_head] = now;
	h->recent_ok[h->recent_head] = ok;
	h->recent_head = (h->recent_head + 1) % HEALTH_RECENT;
	if (h->recent_n < HEALTH_RECENT)
		h->recent_n++;
	hwin_add(&h->degrade, now, ok);
	h->consec_ok = ok ? h->consec_ok + 1 : 0;
	if (!ok) {
		h->last_fail_ms = now;
		h->any_fail = true;
	}
	age = now >= h->since_ms ? now - h->since_ms : 0;

	if (!ok) {
		for (i = 0; i < h->recent_n; i++) {
			unsigned k = (h->recent_head + HEALTH_RECENT - 1 - i) % HEALTH_RECENT;

			if (now - h->recent_t[k] >= p->down_window_ms)
				break;
			rn++;
			rfail += !h->recent_ok[k];
		}
		if (h->state != HEALTH_DOWN && rn >= p->down_min_probes && rfail == rn) {
			snprintf(h->reason, sizeof(h->reason),
				 "all %u probes in the last %llu ms failed", rn,
				 (unsigned long long)p->down_window_ms);
			return health_set(h, p, HEALTH_DOWN, now);
		}
		if (h->state == HEALTH_HEALTHY && health_degraded_cond(h, p, now, &n, &fail)) {
			snprintf(h->reason, sizeof(h->reason),
				 "%llu of %llu probes (%.3f%%) failed in the last %llu s",
				 (unsigned long long)fail, (unsigned long long)n,
				 100.0 * (double)fail / (double)n,
				 (unsigned long long)(p->degrade_window_ms / 1000));
			return health_set(h, p, HEALTH_DEGRADED, now);
		}
		return false;
	}
	if (h->state == HEALTH_HEALTHY && h->hold_ms > p->min_state_ms && age >= 4 * h->hold_ms)
		h->hold_ms = p->min_state_ms;	/* calm for long: damping decays */
	if (age < h->hold_ms)
		return false;
	if (h->state == HEALTH_DOWN && h->consec_ok >= p->up_from_down) {
		snprintf(h->reason, sizeof(h->reason), "%u consecutive probes succeeded",
			 h->consec_ok);
		return health_set(h, p, HEALTH_DEGRADED, now);
	}
	if (h->state == HEALTH_DEGRADED && h->consec_ok >= p->up_from_degraded &&
	    (!h->any_fail || now - h->last_fail_ms >= (h->hold_ms > p->degrade_window_ms ?
						       h->hold_ms : p->degrade_window_ms))) {
		hwin_sum(&h->degrade, now, &n, &fail);	/* for the reason only */
		snprintf(h->reason, sizeof(h->reason),
			 "last %u probes clean, none of %llu failed in the last %llu s",
			 h->consec_ok, (unsigned long long)n,
			 (unsigned long long)(p->degrade_window_ms / 1000));
		return health_set(h, p, HEALTH_HEALTHY, now);
	}
	return false;
}

enum health_state health_quorum(const enum health_state *st, unsigned n, unsigned quorum)
{
	unsigned healthy = 0, usable = 0, i;

	for (i = 0; i < n; i++) {
		healthy += st[i] == HEALTH_HEALTHY;
		usable += st[i] != HEALTH_DOWN;
	}
	return health_quorum_counts(healthy, usable, n, quorum);
}

enum health_state health_quorum_counts(unsigned healthy, unsigned usable, unsigned n,
				       unsigned quorum)
{
	if (!quorum)
		quorum = (n + 1) / 2;
	if (!quorum)
		quorum = 1;
	if (healthy >= quorum)
		return HEALTH_HEALTHY;
	if (usable >= quorum)
		return HEALTH_DEGRADED;
	return HEALTH_DOWN;
}
