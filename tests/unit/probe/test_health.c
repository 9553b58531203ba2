/* SPDX-License-Identifier: BSD-2-Clause */
/* test_health.c - the health state machine and windows, on a fake clock */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "probe/health.h"

/* Feed @n results every @step ms starting at *@t; return transitions seen. */
static int feed(struct health *h, const struct health_params *p, uint64_t *t,
		unsigned step, unsigned n, bool ok)
{
	int changes = 0;

	while (n--) {
		*t += step;
		changes += health_result(h, p, *t, ok);
	}
	return changes;
}

static void test_defaults(void **state)
{
	struct health_params p;

	(void)state;
	health_params_default(&p);
	assert_int_equal(p.down_window_ms, 1000);
	assert_int_equal(p.down_min_probes, 3);
	assert_int_equal(p.degrade_window_ms, 300000);
	assert_int_equal(p.degrade_loss_ppm, 1000);
	assert_int_equal(p.degrade_min_fail, 2);
	assert_int_equal(p.up_from_down, 3);
	assert_int_equal(p.up_from_degraded, 30);
}

/* A dead tunnel at 1 probe/s with two quick retries (timeout 300 ms):
 * three failures within one second -> down. */
static void test_down_with_retries(void **state)
{
	struct health_params p;
	struct health h;
	uint64_t t = 1000000;

	(void)state;
	health_params_default(&p);
	health_init(&h, &p, t);
	assert_int_equal(feed(&h, &p, &t, 1000, 100, true), 0);
	assert_int_equal(h.state, HEALTH_HEALTHY);
	/* first failure: 1 of 101 in 5 min is < 2 failures: still healthy */
	assert_false(health_result(&h, &p, t += 1300, false));
	assert_int_equal(h.state, HEALTH_HEALTHY);
	/* first retry fails: 2 failures, 2/102 >= 0.1 % -> degraded */
	assert_true(health_result(&h, &p, t += 300, false));
	assert_int_equal(h.state, HEALTH_DEGRADED);
	assert_non_null(strstr(h.reason, "2 of 102"));
	/* second retry fails: only 2 results in the last second plus this = 3
	 * results, all failed -> down */
	assert_true(health_result(&h, &p, t += 300, false));
	assert_int_equal(h.state, HEALTH_DOWN);
	assert_non_null(strstr(h.reason, "all 3 probes"));
}

/* Fewer than down_min_probes failures in the window: not down. */
static void test_not_down_below_min_probes(void **state)
{
	struct health_params p;
	struct health h;
	uint64_t t = 0;

	(void)state;
	health_params_default(&p);
	health_init(&h, &p, t);
	/* failures 600 ms apart: never 3 inside one second */
	feed(&h, &p, &t, 600, 20, false);
	assert_int_equal(h.state, HEALTH_DEGRADED);
	/* a success inside the window prevents down too */
	health_init(&h, &p, 0);
	t = 0;
	health_result(&h, &p, t += 100, false);
	health_result(&h, &p, t += 100, true);
	health_result(&h, &p, t += 100, false);
	health_result(&h, &p, t += 100, false);
	assert_int_not_equal(h.state, HEALTH_DOWN);
	health_result(&h, &p, t += 100, false);
	/* last second: F T F F F -> not all failed */
	assert_int_not_equal(h.state, HEALTH_DOWN);
	health_result(&h, &p, t += 700, false);
	/* window (t-1000, t]: results at 300..900 ms ago: F F F F -> down */
	assert_int_equal(h.state, HEALTH_DOWN);
}

/* 0.1 % and at least two: one failure in 5 minutes is tolerated, and two
 * failures among 3000 probes (0.067 %) are too. */
static void test_degrade_threshold(void **state)
{
	struct health_params p;
	struct health h;
	uint64_t t = 0;

	(void)state;
	health_params_default(&p);
	health_init(&h, &p, t);
	feed(&h, &p, &t, 100, 2998, true);
	health_result(&h, &p, t += 100, false);
	feed(&h, &p, &t, 100, 10, true);
	assert_false(health_result(&h, &p, t += 100, false));
	assert_int_equal(h.state, HEALTH_HEALTHY);	/* 2 of 3010: 0.066 % */
	/* a third failure soon: 3 of ~3000 = 0.1 % -> degraded */
	assert_true(health_result(&h, &p, t += 100, false));
	assert_int_equal(h.state, HEALTH_DEGRADED);
}

/* down -> degraded after 3 successes, but only after min_state. */
static void test_recovery_and_min_state(void **state)
{
	struct health_params p;
	struct health h;
	uint64_t t = 0;

	(void)state;
	health_params_default(&p);
	p.min_state_ms = 10000;
	p.degrade_window_ms = 20000;
	health_init(&h, &p, t);
	h.since_ms = 0;
	t = 20000;
	feed(&h, &p, &t, 100, 3, false);
	assert_int_equal(h.state, HEALTH_DOWN);
	/* successes right away: min_state holds it down */
	feed(&h, &p, &t, 100, 5, true);
	assert_int_equal(h.state, HEALTH_DOWN);
	/* after 10 s in down, the next success (consecutive count >= 3) */
	t += 10000;
	assert_true(health_result(&h, &p, t, true));
	assert_int_equal(h.state, HEALTH_DEGRADED);
	assert_non_null(strstr(h.reason, "consecutive"));
	/* 30 clean probes, but the failures are still in the 20 s window */
	feed(&h, &p, &t, 100, 40, true);
	assert_int_equal(h.state, HEALTH_DEGRADED);
	/* once the window has no failures and min_state passed: healthy */
	feed(&h, &p, &t, 1000, 25, true);
	assert_int_equal(h.state, HEALTH_HEALTHY);
	assert_non_null(strstr(h.reason, "clean"));
}

/* A failure resets the clean run: degraded stays until 30 in a row. */
static void test_clean_run_reset(void **state)
{
	struct health_params p;
	struct health h;
	uint64_t t = 0;

	(void)state;
	health_params_default(&p);
	p.min_state_ms = 0;
	p.degrade_window_ms = 3000;
	health_init(&h, &p, t);
	feed(&h, &p, &t, 100, 2, false);
	assert_int_equal(h.state, HEALTH_DEGRADED);
	feed(&h, &p, &t, 1000, 29, true);
	health_result(&h, &p, t += 1000, false);
	assert_int_equal(h.state, HEALTH_DEGRADED);
	feed(&h, &p, &t, 1000, 29, true);
	assert_int_equal(h.state, HEALTH_DEGRADED);
	assert_true(health_result(&h, &p, t += 1000, true));
	assert_int_equal(h.state, HEALTH_HEALTHY);
}

/* Steady 1 % loss at 1 probe/s with the defaults: a tunnel settles in
 * degraded and stays there (no flapping). Deterministic pseudo-random. */
static void test_no_flap_under_steady_loss(void **state)
{
	struct health_params p;
	struct health h;
	uint64_t t = 0, x = 0x9e3779b97f4a7c15ULL, last = 0, degraded_ms = 0;
	unsigned i, transitions = 0, before = 0;

	(void)state;
	health_params_default(&p);
	health_init(&h, &p, t);
	for (i = 0; i < 6 * 3600; i++) {
		bool ok;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ok = x % 100 != 0;
		transitions += health_result(&h, &p, t += 1000, ok);
		if (!ok)	/* the quick retry succeeds */
			transitions += health_result(&h, &p, t += 300, true);
		if (transitions != before)
			last = t;
		if (h.state == HEALTH_DEGRADED)
			degraded_ms += 1000;
		before = transitions;
	}
	/* Recovery needs a clean degrade window, which 1 % loss allows by
	 * chance now and then; damping stretches the hold time each time the
	 * tunnel falls back, so changes become rare. */
	assert_int_equal(h.state, HEALTH_DEGRADED);
	print_message("under 1%% loss for 6 h: %u transitions, the last after %llu s, "
		      "%llu s degraded\n", transitions, (unsigned long long)(last / 1000),
		      (unsigned long long)(degraded_ms / 1000));
	assert_true(transitions <= 5);
	assert_true(degraded_ms > t * 85 / 100);
}

static void test_quorum(void **state)
{
	enum health_state s3[3] = { HEALTH_HEALTHY, HEALTH_DOWN, HEALTH_HEALTHY };
	enum health_state s2[2] = { HEALTH_DOWN, HEALTH_HEALTHY };

	(void)state;
	/* default quorum is a majority: 2 of 3 */
	assert_int_equal(health_quorum(s3, 3, 0), HEALTH_HEALTHY);
	s3[2] = HEALTH_DEGRADED;
	assert_int_equal(health_quorum(s3, 3, 0), HEALTH_DEGRADED);
	s3[2] = HEALTH_DOWN;
	assert_int_equal(health_quorum(s3, 3, 0), HEALTH_DOWN);
	assert_int_equal(health_quorum(s3, 3, 1), HEALTH_HEALTHY);
	/* two targets: one silent target does not fail the tunnel */
	assert_int_equal(health_quorum(s2, 2, 0), HEALTH_HEALTHY);
	assert_int_equal(health_quorum(s2, 2, 2), HEALTH_DOWN);
}

static void test_hwin(void **state)
{
	struct hwin w;
	uint64_t n, f;

	(void)state;
	hwin_init(&w, 60000);	/* 60 buckets of 1 s */
	hwin_add(&w, 1000, true);
	hwin_add(&w, 1500, false);
	hwin_add(&w, 30000, false);
	hwin_sum(&w, 30000, &n, &f);
	assert_int_equal(n, 3);
	assert_int_equal(f, 2);
	hwin_sum(&w, 61000, &n, &f);	/* the bucket of second 1 has left */
	assert_int_equal(n, 1);
	assert_int_equal(f, 1);
	hwin_sum(&w, 200000, &n, &f);
	assert_int_equal(n, 0);
	/* a long gap clears everything */
	hwin_add(&w, 500000, true);
	hwin_sum(&w, 500000, &n, &f);
	assert_int_equal(n, 1);
	assert_int_equal(f, 0);
}

static void test_rttwin(void **state)
{
	struct rttwin w;
	struct rtt_stats s;

	(void)state;
	rttwin_init(&w, 30000);
	rttwin_add(&w, 1000, true, 10000000);	/* 10 ms */
	rttwin_add(&w, 2000, true, 20000000);	/* 20 ms */
	rttwin_add(&w, 3000, false, 0);
	rttwin_add(&w, 4000, true, 30000000);	/* 30 ms */
	rttwin_stats(&w, 4000, &s);
	assert_int_equal(s.sent, 4);
	assert_int_equal(s.lost, 1);
	assert_int_equal(s.received, 3);
	assert_true(s.loss_pct > 24.99 && s.loss_pct < 25.01);
	assert_true(s.min_ms > 9.99 && s.min_ms < 10.01);
	assert_true(s.max_ms > 29.99 && s.max_ms < 30.01);
	assert_true(s.avg_ms > 19.99 && s.avg_ms < 20.01);
	/* population stddev of 10, 20, 30 = 8.165 */
	assert_true(s.stddev_ms > 8.16 && s.stddev_ms < 8.17);
	/* jitter: mean |delta| of consecutive RTTs = 10 */
	assert_true(s.jitter_ms > 9.99 && s.jitter_ms < 10.01);
	/* 40 s later the first samples have left the 30 s window */
	rttwin_add(&w, 33500, true, 5000000);
	rttwin_stats(&w, 33500, &s);
	assert_int_equal(s.sent, 2);
	assert_true(s.min_ms > 4.99 && s.min_ms < 5.01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_down_with_retries),
		cmocka_unit_test(test_not_down_below_min_probes),
		cmocka_unit_test(test_degrade_threshold),
		cmocka_unit_test(test_recovery_and_min_state),
		cmocka_unit_test(test_clean_run_reset),
		cmocka_unit_test(test_no_flap_under_steady_loss),
		cmocka_unit_test(test_quorum),
		cmocka_unit_test(test_hwin),
		cmocka_unit_test(test_rttwin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
