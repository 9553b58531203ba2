/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * health.h - tunnel health: sliding windows, RTT statistics and the
 * healthy/degraded/down state machine (pure: results and time in, state
 * out; no clock, no I/O)
 */
#ifndef WS_PROBE_HEALTH_H
#define WS_PROBE_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

enum health_state { HEALTH_HEALTHY, HEALTH_DEGRADED, HEALTH_DOWN };

struct health_params {
	uint64_t down_window_ms;	/* 1000: "the last second" */
	uint32_t down_min_probes;	/* 3: at least this many, all failed */
	uint64_t degrade_window_ms;	/* 300000: five minutes */
	uint32_t degrade_loss_ppm;	/* 1000 = 0.1 % */
	uint32_t degrade_min_fail;	/* 2 */
	uint32_t up_from_down;		/* 3 consecutive successes */
	uint32_t up_from_degraded;	/* 30 clean probes */
	uint64_t min_state_ms;		/* before any improving transition */
};

/* Fill @p with the defaults documented in docs/probe.md. */
void health_params_default(struct health_params *p);

/*
 * A counting window: @HWIN_BUCKETS buckets of window/HWIN_BUCKETS
 * milliseconds each, so adding is O(1) and a sum is O(buckets); counts
 * are exact to one bucket's width at the old end.
 */
#define HWIN_BUCKETS 60
struct hwin {
	uint64_t width_ms;
	uint64_t head;			/* bucket number (time / width) of [0] */
	bool used;
	uint32_t n[HWIN_BUCKETS];
	uint32_t fail[HWIN_BUCKETS];
};

void hwin_init(struct hwin *w, uint64_t window_ms);
void hwin_add(struct hwin *w, uint64_t now_ms, bool ok);
/* Counts over the window ending at @now_ms. */
void hwin_sum(const struct hwin *w, uint64_t now_ms, uint64_t *n, uint64_t *fail);

/* RTT and loss statistics over a sliding window (buckets as in hwin). */
#define RTTWIN_BUCKETS 30
struct rtt_bucket {
	uint32_t sent, lost, n;
	uint32_t min_us, max_us;
	uint32_t jit_n;
	uint64_t sum_us, jit_sum_us;
	double sumsq;
};
struct rttwin {
	uint64_t width_ms;
	uint64_t head;
	bool used, have_last;
	uint64_t last_us;
	struct rtt_bucket b[RTTWIN_BUCKETS];
};
struct rtt_stats {
	uint64_t sent, lost, received;
	double loss_pct;
	double min_ms, avg_ms, max_ms, stddev_ms, jitter_ms;	/* 0 when none */
};

void rttwin_init(struct rttwin *w, uint64_t window_ms);
void rttwin_add(struct rttwin *w, uint64_t now_ms, bool ok, uint64_t rtt_ns);
void rttwin_stats(const struct rttwin *w, uint64_t now_ms, struct rtt_stats *s);

/* The state of one target. */
#define HEALTH_RECENT 64
#define HEALTH_REASON_LEN 160
struct health {
	enum health_state state;
	uint64_t since_ms;
	uint32_t consec_ok;
	uint32_t transitions;
	uint64_t hold_ms;		/* current minimum time before improving */
	uint64_t improved_ms;		/* time of the last improving transition */
	uint64_t last_fail_ms;
	bool any_fail;
	unsigned recent_head, recent_n;
	uint64_t recent_t[HEALTH_RECENT];
	bool recent_ok[HEALTH_RECENT];
	struct hwin degrade;
	char reason[HEALTH_REASON_LEN];	/* why the last transition happened */
};

/* Start healthy at @now_ms (a fresh tunnel carries traffic until probes
 * say otherwise; the minimum state time counts from here). */
void health_init(struct health *h, const struct health_params *p, uint64_t now_ms);
/*
 * Feed the result of one probe attempt decided at @now_ms (a reply, or
 * its timeout). Results must come in non-decreasing time order.
 * Return: true when the state changed; h->reason then says why.
 */
bool health_result(struct health *h, const struct health_params *p, uint64_t now_ms, bool ok);

/*
 * Tunnel state from its targets' states: healthy when at least @quorum
 * targets are healthy, else degraded when at least @quorum are healthy
 * or degraded, else down. @quorum 0 means a majority, (n + 1) / 2.
 */
enum health_state health_quorum(const enum health_state *st, unsigned n, unsigned quorum);
/* The same from counts: @healthy targets healthy, @usable not down, of @n. */
enum health_state health_quorum_counts(unsigned healthy, unsigned usable, unsigned n,
				       unsigned quorum);

const char *health_state_name(enum health_state s);

#endif
