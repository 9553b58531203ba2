/* SPDX-License-Identifier: BSD-2-Clause */
/* test_icmptool.c - RTT statistics, output formatting and option parsing of ping/traceroute/mtr */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "icmp/icmptool.h"

static void test_stats(void **state)
{
	struct rtt_stats s = { 0 };
	const double v[] = { 1, 2, 3, 4 };
	size_t i;

	(void)state;
	assert_true(rtt_mdev(&s) == 0 && rtt_stddev(&s) == 0);
	rtt_add(&s, 5);
	assert_true(rtt_stddev(&s) == 0);	/* one sample: no spread */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 4; i++)
		rtt_add(&s, v[i]);
	assert_true(s.min == 1 && s.max == 4 && s.last == 4);
	assert_true(fabs(s.mean - 2.5) < 1e-12);
	/* iputils mdev: population sd = sqrt(1.25); mtr StDev: sample sd. */
	assert_true(fabs(rtt_mdev(&s) - sqrt(1.25)) < 1e-12);
	assert_true(fabs(rtt_stddev(&s) - sqrt(5.0 / 3.0)) < 1e-12);
	/* Large offsets do not cancel (Welford). */
	memset(&s, 0, sizeof(s));
	rtt_add(&s, 1e9 + 1);
	rtt_add(&s, 1e9 + 3);
	assert_true(fabs(rtt_mdev(&s) - 1) < 1e-6);
}

static void test_fmt(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(rtt_fmt(0.0854, b, sizeof(b)), "0.085");
	assert_string_equal(rtt_fmt(5.678, b, sizeof(b)), "5.68");
	assert_string_equal(rtt_fmt(12.34, b, sizeof(b)), "12.3");
	assert_string_equal(rtt_fmt(123.4, b, sizeof(b)), "123");
	assert_string_equal(loss_fmt(3, 3, b, sizeof(b)), "0");
	assert_string_equal(loss_fmt(3, 0, b, sizeof(b)), "100");
	assert_string_equal(loss_fmt(3, 2, b, sizeof(b)), "33.3333");
	assert_string_equal(loss_fmt(0, 0, b, sizeof(b)), "0");
	/* Duplicates can make received exceed sent. */
	assert_string_equal(loss_fmt(2, 5, b, sizeof(b)), "0");
}

static void test_trace_line(void **state)
{
	struct trace_probe p[3];
	char b[256];

	(void)state;
	memset(p, 0, sizeof(p));
	assert_int_equal(trace_fmt_hop(AF_INET, 3, p, 3, false, b, sizeof(b)), 9);
	assert_string_equal(b, " 3  * * *");
	p[0].answered = p[1].answered = p[2].answered = true;
	ip_addr_parse("10.0.0.1", &p[0].from);
	p[1].from = p[2].from = p[0].from;
	p[0].rtt_ms = 0.301;
	p[1].rtt_ms = 0.21;
	p[2].rtt_ms = 12.5;
	trace_fmt_hop(AF_INET, 1, p, 3, false, b, sizeof(b));
	assert_string_equal(b, " 1  10.0.0.1  0.301 ms  0.210 ms  12.500 ms");
	/* Address printed again when it changes; a missing probe is "*". */
	ip_addr_parse("10.0.0.2", &p[2].from);
	p[1].answered = false;
	trace_fmt_hop(AF_INET, 12, p, 3, false, b, sizeof(b));
	assert_string_equal(b, "12  10.0.0.1  0.301 ms * 10.0.0.2  12.500 ms");
	/* Unreachable flags follow the time. */
	p[2].kind = ICMPSOCK_UNREACH;
	p[2].code = 1;
	trace_fmt_hop(AF_INET, 4, p, 3, false, b, sizeof(b));
	assert_string_equal(b, " 4  10.0.0.1  0.301 ms * 10.0.0.2  12.500 ms !H");
	/* A short buffer is cut, never overrun. */
	assert_int_equal(trace_fmt_hop(AF_INET, 4, p, 3, false, b, 8), 7);
	assert_int_equal(strlen(b), 7);
}

static void test_mtr_row(void **state)
{
	struct mtr_hop h;
	char b[256];

	(void)state;
	memset(&h, 0, sizeof(h));
	h.sent = 3;
	mtr_fmt_row(3, &h, "", 25, b, sizeof(b));
	assert_string_equal(b, "  3.|-- ???                       100.0%     3    0.0   0.0   0.0   0.0   0.0");
	h.sent = 10;
	h.recvd = 9;
	rtt_add(&h.rtt, 0.2);
	rtt_add(&h.rtt, 0.4);
	assert_true(fabs(mtr_loss(&h) - 10.0) < 1e-9);
	mtr_fmt_row(1, &h, "10.0.0.1", 25, b, sizeof(b));
	assert_string_equal(b, "  1.|-- 10.0.0.1                   10.0%    10    0.4   0.3   0.2   0.4   0.1");
	/* Long names are cut to the column unless the width grows. */
	mtr_fmt_row(1, &h, "a-very-long-host-name.example.org", 10, b, sizeof(b));
	assert_non_null(strstr(b, "|-- a-very-lon  10.0%"));
}

static void test_ping_args(void **state)
{
	struct ping_opts o;
	char *a1[] = { "ping", "-6", "-c", "3", "-i", "0.2", "-s", "100", "-t", "5", "-W", "2",
		       "-w", "10", "-I", "::1", "-q", "--json", "::1", NULL };
	char *a2[] = { "ping", "-c", "x", "h", NULL };
	char *a3[] = { "ping", "-t", "256", "h", NULL };
	char *a4[] = { "ping", NULL };
	char *a5[] = { "ping", "a", "b", NULL };
	char *a6[] = { "ping", "--bogus", "h", NULL };
	char *a7[] = { "ping", "-w", "0", "h", NULL };
	char *a8[] = { "ping", "h", NULL };
	char *a9[] = { "ping", "-i", "1ms", "h", NULL };

	(void)state;
	assert_int_equal(ping_parse_args(19, a1, &o), 0);
	assert_int_equal(o.family, AF_INET6);
	assert_true(o.count == 3 && o.interval_ms == 200 && o.size == 100 && o.ttl == 5);
	assert_true(o.timeout_ms == 2000 && o.deadline_ms == 10000);
	assert_true(o.quiet && o.json);
	assert_string_equal(o.source, "::1");
	assert_string_equal(o.host, "::1");
	assert_int_equal(ping_parse_args(4, a2, &o), -1);
	assert_int_equal(ping_parse_args(4, a3, &o), -1);
	assert_int_equal(ping_parse_args(1, a4, &o), -1);
	assert_int_equal(ping_parse_args(3, a5, &o), -1);
	assert_int_equal(ping_parse_args(3, a6, &o), -1);
	assert_int_equal(ping_parse_args(4, a7, &o), -1);
	assert_int_equal(ping_parse_args(4, a9, &o), -1);
	assert_int_equal(ping_parse_args(2, a8, &o), 0);
	assert_true(o.count == 0 && o.interval_ms == 1000 && o.size == 56 && o.ttl == 0);
	assert_int_equal(o.family, AF_UNSPEC);
}

static void test_trace_args(void **state)
{
	struct trace_opts o;
	char *a1[] = { "traceroute", "-I", "-n", "-f", "2", "-m", "9", "-q", "1", "-w", "0.5",
		       "-N", "4", "h", "100", NULL };
	char *a2[] = { "traceroute", "-f", "10", "-m", "9", "h", NULL };
	char *a3[] = { "traceroute", "-q", "11", "h", NULL };
	char *a4[] = { "traceroute", "h", "10", NULL };
	char *a5[] = { "traceroute", "h", NULL };

	(void)state;
	assert_int_equal(trace_parse_args(15, a1, &o), 0);
	assert_true(o.first_ttl == 2 && o.max_ttl == 9 && o.nqueries == 1);
	assert_true(o.wait_ms == 500 && o.sim == 4 && o.packetlen == 100 && o.packetlen_set);
	assert_int_equal(trace_parse_args(6, a2, &o), -1);	/* first > max */
	assert_int_equal(trace_parse_args(4, a3, &o), -1);
	assert_int_equal(trace_parse_args(3, a4, &o), -1);	/* packetlen < 28 */
	assert_int_equal(trace_parse_args(2, a5, &o), 0);
	assert_true(o.first_ttl == 1 && o.max_ttl == 30 && o.nqueries == 3 &&
		    o.wait_ms == 5000 && o.sim == 16 && !o.packetlen_set && !o.resolve);
}

static void test_mtr_args(void **state)
{
	struct mtr_opts o;
	char *a1[] = { "mtr", "-r", "-c", "5", "-i", "0.1", "-m", "8", "-Z", "1", "--json",
		       "h", NULL };
	char *a2[] = { "mtr", "-i", "0.001", "h", NULL };
	char *a3[] = { "mtr", "--report-cycles", "0", "h", NULL };
	char *a4[] = { "mtr", "h", NULL };

	(void)state;
	assert_int_equal(mtr_parse_args(12, a1, &o), 0);
	assert_true(o.report && o.json && o.cycles == 5 && o.cycles_set);
	assert_true(o.interval_ms == 100 && o.max_ttl == 8 && o.timeout_ms == 1000);
	assert_int_equal(mtr_parse_args(4, a2, &o), -1);
	assert_int_equal(mtr_parse_args(4, a3, &o), -1);
	assert_int_equal(mtr_parse_args(2, a4, &o), 0);
	assert_true(!o.report && o.cycles == 10 && !o.cycles_set && o.interval_ms == 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_trace_line),
		cmocka_unit_test(test_mtr_row),
		cmocka_unit_test(test_ping_args),
		cmocka_unit_test(test_trace_args),
		cmocka_unit_test(test_mtr_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
