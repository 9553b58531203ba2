/* SPDX-License-Identifier: BSD-2-Clause */
/* test_icmppkt.c - ICMP errors and echoes we build, TTL decrement */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "icmp/icmppkt.h"
#include "pkt/pkt.h"

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static void test_dec_ttl(void **state)
{
	struct ip_addr s = A("192.0.2.1"), d = A("198.51.100.9");
	uint8_t p[128];
	size_t n;
	int ttl;

	(void)state;
	for (ttl = 2; ttl <= 255; ttl += 17) {
		n = icmppkt_echo(p, sizeof(p), true, &s, &d, (uint8_t)ttl, 1, 2, NULL, 0);
		assert_int_equal(icmppkt_dec_ttl(p, n), ttl - 1);
		assert_int_equal(p[8], ttl - 1);
		assert_int_equal(pkt_csum(p, 20), 0);	/* header checksum still right */
	}
	n = icmppkt_echo(p, sizeof(p), true, &s, &d, 1, 1, 2, NULL, 0);
	assert_int_equal(icmppkt_dec_ttl(p, n), -1);
	assert_int_equal(p[8], 1);
	s = A("2001:db8::1");
	d = A("2001:db8::2");
	n = icmppkt_echo(p, sizeof(p), true, &s, &d, 64, 1, 2, NULL, 0);
	assert_int_equal(icmppkt_dec_ttl(p, n), 63);
	assert_int_equal(icmppkt_dec_ttl(p, 10), -1);
}

static void test_error_quote_cut(void **state)
{
	struct ip_addr s = A("192.0.2.1"), d = A("198.51.100.9");
	struct icmppkt_err_spec spec = { .kind = ICMPPKT_ERR_HOST_UNREACH };
	uint8_t quote[1500], out[2000];
	struct pkt_meta m;
	size_t n;

	(void)state;
	memset(quote, 0x45, sizeof(quote));
	n = icmppkt_error(out, sizeof(out), &s, &d, &spec, quote, sizeof(quote));
	assert_int_equal(n, 576);	/* the IPv4 minimum MTU */
	assert_int_equal(pkt_parse_ip(out, n, &m), 0);
	assert_int_equal(m.icmp_type, 3);
	assert_int_equal(m.icmp_code, 1);
	assert_int_equal(pkt_csum(out + 20, n - 20), 0);
	s = A("2001:db8::1");
	d = A("2001:db8::2");
	n = icmppkt_error(out, sizeof(out), &s, &d, &spec, quote, sizeof(quote));
	assert_int_equal(n, 1280);
	assert_int_equal(pkt_parse_ip(out, n, &m), 0);
	assert_int_equal(m.icmp_type, 1);
	assert_int_equal(m.icmp_code, 3);
	assert_true(icmppkt_csum_ok(&s, &d, out + 40, n - 40));
	/* Too small an output buffer, mixed families. */
	assert_int_equal(icmppkt_error(out, 30, &s, &d, &spec, quote, 8), 0);
	d = A("192.0.2.2");
	assert_int_equal(icmppkt_error(out, sizeof(out), &s, &d, &spec, quote, 8), 0);
}

static void test_may_answer(void **state)
{
	struct ip_addr s = A("192.0.2.1"), d = A("198.51.100.9");
	struct icmppkt_err_spec spec = { .kind = ICMPPKT_ERR_TIME_EXCEEDED };
	uint8_t p[256], q[256];
	struct pkt_meta m;
	size_t n;

	(void)state;
	n = icmppkt_echo(p, sizeof(p), true, &s, &d, 64, 1, 2, NULL, 0);
	pkt_parse_ip(p, n, &m);
	assert_true(icmppkt_may_answer(&m));
	/* Never an error about an error. */
	n = icmppkt_error(q, sizeof(q), &s, &d, &spec, p, 28);
	pkt_parse_ip(q, n, &m);
	assert_false(icmppkt_may_answer(&m));
	/* Nor to a multicast destination or from 0.0.0.0. */
	d = A("224.0.0.5");
	n = icmppkt_echo(p, sizeof(p), true, &s, &d, 64, 1, 2, NULL, 0);
	pkt_parse_ip(p, n, &m);
	assert_false(icmppkt_may_answer(&m));
	s = A("0.0.0.0");
	d = A("198.51.100.9");
	n = icmppkt_echo(p, sizeof(p), true, &s, &d, 64, 1, 2, NULL, 0);
	pkt_parse_ip(p, n, &m);
	assert_false(icmppkt_may_answer(&m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dec_ttl),
		cmocka_unit_test(test_error_quote_cut),
		cmocka_unit_test(test_may_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
