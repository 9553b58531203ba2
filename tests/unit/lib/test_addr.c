/* SPDX-License-Identifier: BSD-2-Clause */
/* test_addr.c - addresses and prefixes */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "lib/addr.h"

static void roundtrip(const char *in, const char *want)
{
	struct ip_addr a;
	char buf[IP_ADDR_STRLEN];

	assert_int_equal(ip_addr_parse(in, &a), 0);
	ip_addr_fmt(&a, buf);
	assert_string_equal(buf, want);
}

static void test_parse_fmt(void **state)
{
	struct ip_addr a;

	(void)state;
	roundtrip("192.0.2.1", "192.0.2.1");
	roundtrip("0.0.0.0", "0.0.0.0");
	roundtrip("255.255.255.255", "255.255.255.255");
	roundtrip("2001:DB8::1", "2001:db8::1");
	roundtrip("::ffff:192.0.2.1", "::ffff:192.0.2.1");
	assert_int_equal(ip_addr_parse("192.0.2", &a), -1);
	assert_int_equal(ip_addr_parse("256.0.0.1", &a), -1);
	assert_int_equal(ip_addr_parse("", &a), -1);
	assert_int_equal(ip_addr_parse("2001:db8:::1", &a), -1);
}

static void test_prefix(void **state)
{
	struct ip_prefix p;
	struct ip_addr a;
	char buf[IP_PREFIX_STRLEN];

	(void)state;
	assert_int_equal(ip_prefix_parse("172.64.240.252/30", &p, false), 0);
	ip_prefix_fmt(&p, buf);
	assert_string_equal(buf, "172.64.240.252/30");
	ip_addr_parse("172.64.240.253", &a);
	assert_true(ip_prefix_contains(&p, &a));
	ip_addr_parse("172.64.240.251", &a);
	assert_false(ip_prefix_contains(&p, &a));
	assert_int_equal(ip_prefix_parse("172.64.240.253/30", &p, false), -1);
	assert_int_equal(ip_prefix_parse("172.64.240.253/30", &p, true), 0);
	ip_prefix_fmt(&p, buf);
	assert_string_equal(buf, "172.64.240.252/30");
	assert_int_equal(ip_prefix_parse("10.0.0.0/33", &p, false), -1);
	assert_int_equal(ip_prefix_parse("10.0.0.0/", &p, false), -1);
	assert_int_equal(ip_prefix_parse("10.0.0.0/-1", &p, false), -1);
	assert_int_equal(ip_prefix_parse("2001:db8::/32", &p, false), 0);
	ip_addr_parse("2001:db8:ffff::1", &a);
	assert_true(ip_prefix_contains(&p, &a));
	ip_addr_parse("192.0.2.1", &a);
	assert_false(ip_prefix_contains(&p, &a));
	assert_int_equal(ip_prefix_parse("0.0.0.0/0", &p, false), 0);
	assert_true(ip_prefix_contains(&p, &a));
	assert_int_equal(ip_prefix_parse("2001:db8::1/127", &p, false), -1);
	assert_int_equal(ip_prefix_parse("2001:db8::/129", &p, false), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fmt),
		cmocka_unit_test(test_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
