/* SPDX-License-Identifier: BSD-2-Clause */
/* test_config.c - prober config parsing, defaults, validation, printing */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/config.h"

static int load(struct probe_conf *c, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	probe_conf_init(c);
	r = probe_conf_load(c, "test.conf", f);
	fclose(f);
	return r;
}

static void test_defaults(void **state)
{
	struct probe_conf c;
	const struct tunnel_conf *t;
	char buf[IP_ADDR_STRLEN];

	(void)state;
	assert_int_equal(load(&c, "tunnel a\n iface vti0\n"), 0);
	assert_int_equal(c.ntunnels, 1);
	t = &c.tunnels[0];
	assert_string_equal(t->iface, "vti0");
	assert_int_equal(t->type, PROBE_REPLY);
	assert_int_equal(t->ntargets, 1);
	ip_addr_fmt(&t->targets[0], buf);
	assert_string_equal(buf, "172.64.240.253");
	assert_int_equal(t->interval_ms, 1000);
	assert_int_equal(t->retries, 2);
	assert_int_equal(t->health.down_window_ms, 1000);
	assert_int_equal(t->health.down_min_probes, 3);
	assert_int_equal(t->health.degrade_window_ms, 300000);
	assert_int_equal(t->health.degrade_loss_ppm, 1000);
	assert_int_equal(t->health.degrade_min_fail, 2);
	assert_int_equal(t->health.up_from_down, 3);
	assert_int_equal(t->health.up_from_degraded, 30);
	assert_int_equal(t->penalty_degraded, 500000);
	assert_int_equal(t->penalty_down, 1000000);
	assert_int_equal(t->slo_ppm, 980000);
	assert_int_equal(t->slo_short_ms, 300000);
	assert_int_equal(t->slo_long_ms, 3600000);
	assert_string_equal(c.state_file, "/run/wanscope/tunnels.json");
	probe_conf_free(&c);
}

static void test_inherit_and_routes(void **state)
{
	struct probe_conf c;
	const struct tunnel_conf *a, *b;

	(void)state;
	assert_int_equal(load(&c,
		"interval 200ms   # default for every tunnel\n"
		"degrade-loss 1%\n"
		"alert-exec echo  two  spaces # comment\n"
		"tunnel a\n"
		"  iface vx1\n  peer 10.0.0.1\n  interval 2s\n"
		"  route 10.20.0.0/16 via 10.0.0.1 metric 10 table 100\n"
		"  route 2001:db8::/32\n"
		"tunnel b\n  iface tun1\n  type request\n  target 10.9.9.9\n  target 10.9.9.8\n"
		"  quorum 2\n  df yes\n  dscp 46\n  slo 99.9%\n"), 0);
	a = &c.tunnels[0];
	b = &c.tunnels[1];
	assert_int_equal(a->interval_ms, 2000);
	assert_int_equal(b->interval_ms, 200);
	assert_int_equal(a->health.degrade_loss_ppm, 10000);
	assert_int_equal(b->health.degrade_loss_ppm, 10000);
	assert_string_equal(c.alert_exec, "echo  two  spaces");
	assert_int_equal(a->nroutes, 2);
	assert_int_equal(a->routes[0].metric, 10);
	assert_int_equal(a->routes[0].table, 100);
	assert_int_equal(a->routes[0].via.family, 4);
	assert_int_equal(a->routes[1].table, 254);
	assert_int_equal(a->routes[1].dst.len, 32);
	assert_int_equal(b->type, PROBE_REQUEST);
	assert_int_equal(b->ntargets, 2);
	assert_int_equal(b->quorum, 2);
	assert_true(b->df);
	assert_int_equal(b->dscp, 46);
	assert_int_equal(b->slo_ppm, 999000);
	probe_conf_free(&c);
}

static void test_errors(void **state)
{
	struct probe_conf c;

	(void)state;
	assert_int_equal(load(&c, ""), -1);
	probe_conf_free(&c);
	assert_int_equal(load(&c, "tunnel a\n iface x\n size 59\n"), -1);
	probe_conf_free(&c);
	assert_int_equal(load(&c, "tunnel a\n iface x\n bogus 1\n"), -1);
	probe_conf_free(&c);
	assert_int_equal(load(&c, "tunnel a\n iface x\n interval\n"), -1);
	probe_conf_free(&c);
	assert_int_equal(load(&c, "tunnel a b\n iface x\n"), -1);
	probe_conf_free(&c);
	/* same target on one interface in two tunnels (WireGuard caveat) */
	assert_int_equal(load(&c, "tunnel a\n iface wg0\ntunnel b\n iface wg0\n"), -1);
	probe_conf_free(&c);
	/* ... but on different interfaces it is fine */
	assert_int_equal(load(&c, "tunnel a\n iface wg0\ntunnel b\n iface wg1\n"), 0);
	probe_conf_free(&c);
}

static void test_print_roundtrip(void **state)
{
	const char *text = "tunnel a\n iface vx1\n peer 10.0.0.1\n timeout 150ms\n"
			   " min-state 90s\n route 10.0.0.0/8 metric 5\n"
			   "tunnel u\n type unidirectional\n target 2001:db8::7\n";
	struct probe_conf c, d;
	char *out1 = NULL, *out2 = NULL;
	size_t n1 = 0, n2 = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load(&c, text), 0);
	f = open_memstream(&out1, &n1);
	probe_conf_print(&c, f);
	fclose(f);
	assert_int_equal(load(&d, out1), 0);
	f = open_memstream(&out2, &n2);
	probe_conf_print(&d, f);
	fclose(f);
	assert_string_equal(out1, out2);
	assert_non_null(strstr(out1, "timeout 150ms"));
	assert_non_null(strstr(out1, "min-state 90s"));
	free(out1);
	free(out2);
	probe_conf_free(&c);
	probe_conf_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_inherit_and_routes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_print_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
