/* SPDX-License-Identifier: BSD-2-Clause */
/* test_filter.c - the flow filter language: parse errors, evaluation */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "collect/filter.h"

static struct flow_rec rec(const char *src, const char *dst, uint8_t proto,
			   uint16_t sport, uint16_t dport)
{
	struct flow_rec r;

	memset(&r, 0, sizeof(r));
	r.type = FLOW_REC_FLOW;
	ip_addr_parse(src, &r.src);
	ip_addr_parse(dst, &r.dst);
	ip_addr_parse("192.0.2.1", &r.exporter);
	r.ip_version = r.src.family;
	r.proto = proto;
	r.src_port = sport;
	r.dst_port = dport;
	r.bytes = 1000;
	r.packets = 10;
	r.sampling_rate = 100;
	r.in_if = 3;
	r.out_if = 7;
	r.src_as = 64500;
	r.present = FF_BIT(FF_SRC) | FF_BIT(FF_DST) | FF_BIT(FF_PROTO) |
		    FF_BIT(FF_SRC_PORT) | FF_BIT(FF_DST_PORT) | FF_BIT(FF_BYTES) |
		    FF_BIT(FF_PACKETS) | FF_BIT(FF_IN_IF) | FF_BIT(FF_OUT_IF) |
		    FF_BIT(FF_SRC_AS);
	return r;
}

static bool m(const char *text, const struct flow_rec *r)
{
	struct filter_err e;
	struct filter *f = filter_parse(text, &e);
	bool v;

	if (!f)
		fail_msg("'%s' did not parse: column %zu: %s", text, e.pos, e.msg);
	v = filter_match(f, r, true);
	filter_free(f);
	return v;
}

static void test_eval(void **state)
{
	struct flow_rec r = rec("10.0.0.1", "203.0.113.7", 17, 40000, 443);
	struct flow_rec dns = rec("10.0.0.1", "203.0.113.7", 17, 40000, 53);
	struct flow_rec v6 = rec("2001:db8::1", "2001:db8:1::2", 6, 1234, 80);

	(void)state;
	assert_true(m("", &r));
	assert_true(m("dst net 203.0.113.0/24 and proto udp and not port 53", &r));
	assert_false(m("dst net 203.0.113.0/24 and proto udp and not port 53", &dns));
	assert_true(m("src host 10.0.0.1", &r));
	assert_false(m("dst host 10.0.0.1", &r));
	assert_true(m("host 10.0.0.1", &r));
	assert_true(m("port 443", &r));
	assert_true(m("dst port 443 && src port 40000", &r));
	assert_false(m("src port 443", &r));
	assert_true(m("port > 1024", &r));
	assert_true(m("dst port < 1024", &r));
	assert_true(m("udp", &r));
	assert_false(m("tcp", &r));
	assert_true(m("proto 17", &r));
	assert_true(m("not (tcp or icmp)", &r));
	assert_true(m("! tcp || icmp", &r));
	assert_true(m("exporter 192.0.2.0/24", &r));
	assert_false(m("exporter 198.51.100.1", &r));
	assert_true(m("in if 3 and out if 7", &r));
	assert_false(m("in if 7", &r));
	assert_true(m("if 7", &r));
	assert_true(m("as 64500 and src as 64500", &r));
	assert_false(m("dst as 64500", &r));
	/* scaled by the sampling rate (100) */
	assert_true(m("bytes > 99999 and bytes = 100k", &r));
	assert_true(m("packets >= 1000", &r));
	assert_true(m("flows = 1", &r));
	assert_true(m("inet and not inet6", &r));
	assert_true(m("inet6 and net 2001:db8::/32 and tcp and port 80", &v6));
	assert_false(m("src net 2001:db8:1::/48", &v6));
	assert_true(m("(src net 10.0.0.0/8 or src net 172.16.0.0/12) and (dst port 443 or dst port 80)", &r));
	assert_true(m("PROTO UDP AND NOT PORT 53", &r));
}

static void bad(const char *text, size_t pos, const char *want)
{
	struct filter_err e;
	struct filter *f = filter_parse(text, &e);

	if (f) {
		filter_free(f);
		fail_msg("'%s' parsed but should not", text);
	}
	if (e.pos != pos || !strstr(e.msg, want))
		fail_msg("'%s': got column %zu '%s', want column %zu containing '%s'",
			 text, e.pos, e.msg, pos, want);
}

static void test_errors(void **state)
{
	(void)state;
	bad("dst net 203.0.113.0/24 and proto udp and not port x", 51,
	    "expected a port number (0..65535), got 'x'");
	bad("port 70000", 6, "expected a port number");
	bad("dst net 203.0.113.1/24", 9, "host bits set (did you mean 203.0.113.0/24?)");
	bad("host 10.0.0.0/8", 6, "use 'net'");
	bad("src foo", 5, "expected host, net, port or as after 'src', got 'foo'");
	bad("(tcp or udp", 12, "expected ')' to close the '(' at column 1, got the end");
	bad("tcp udp", 5, "expected 'and', 'or' or the end of the filter, got 'udp'");
	bad("tcp and", 8, "expected a condition");
	bad("tcp )", 5, "unbalanced ')'");
	bad("proto bogus", 7, "expected a protocol");
	bad("in 3", 4, "expected 'if' after 'in', got '3'");
	bad("bytes > x", 9, "expected a number");
	bad("tcp $ udp", 5, "unexpected character '$'");
	bad("exporter nope", 10, "expected an exporter address or prefix");
	bad("frobnicate", 1, "expected a condition");
}

static void test_exporter_only(void **state)
{
	struct filter_err e;
	struct filter *f;
	struct ip_addr a;

	(void)state;
	f = filter_parse("exporter 10.0.0.0/8 and not exporter 10.1.0.0/16", &e);
	assert_non_null(f);
	assert_true(filter_exporter_only(f));
	ip_addr_parse("10.2.3.4", &a);
	assert_true(filter_match_exporter(f, &a));
	ip_addr_parse("10.1.3.4", &a);
	assert_false(filter_match_exporter(f, &a));
	filter_free(f);
	f = filter_parse("exporter 10.0.0.0/8 and tcp", &e);
	assert_non_null(f);
	assert_false(filter_exporter_only(f));
	filter_free(f);
	f = filter_parse("", &e);
	assert_true(filter_exporter_only(f));
	filter_free(f);
}

static void test_deep(void **state)
{
	char buf[4096];
	struct filter_err e;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < 200; i++)
		buf[n++] = '(';
	buf[n] = 0;
	assert_null(filter_parse(buf, &e));
	assert_non_null(strstr(e.msg, "nested too deeply"));
	n = 0;
	for (i = 0; i < 500; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%stcp", i ? " or " : "");
	assert_null(filter_parse(buf, &e));
	assert_non_null(strstr(e.msg, "filter too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_exporter_only),
		cmocka_unit_test(test_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
