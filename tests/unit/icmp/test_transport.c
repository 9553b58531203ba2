/* SPDX-License-Identifier: BSD-2-Clause */
/* test_transport.c - transport control messages: ANNOUNCE encode/parse */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "icmp/transport.h"

static void test_announce_roundtrip(void **state)
{
	struct ip_prefix in[3], out[TP_MAX_PREFIXES];
	uint8_t buf[1024];
	const char *err = NULL;
	size_t n;
	int i;

	(void)state;
	assert_int_equal(ip_prefix_parse("172.16.10.0/24", &in[0], false), 0);
	assert_int_equal(ip_prefix_parse("fd00:1::/48", &in[1], false), 0);
	assert_int_equal(ip_prefix_parse("0.0.0.0/0", &in[2], false), 0);
	n = tp_announce_encode(in, 3, buf, sizeof(buf));
	assert_int_equal(n, 3 + 6 + 18 + 6);
	assert_int_equal(buf[0], TP_MSG_ANNOUNCE);
	assert_int_equal(tp_announce_parse(buf + 1, n - 1, out, TP_MAX_PREFIXES, &err), 3);
	for (i = 0; i < 3; i++) {
		assert_true(ip_addr_eq(&in[i].addr, &out[i].addr));
		assert_int_equal(in[i].len, out[i].len);
	}
	assert_int_equal(tp_announce_encode(in, 3, buf, 10), 0);	/* too small */
}

static void expect_bad(const uint8_t *b, size_t len, const char *want)
{
	struct ip_prefix out[TP_MAX_PREFIXES];
	const char *err = NULL;

	assert_int_equal(tp_announce_parse(b, len, out, TP_MAX_PREFIXES, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, want));
}

static void test_announce_bad(void **state)
{
	static const uint8_t host_bits[] = { 1, 1, 4, 24, 10, 0, 0, 1 };
	static const uint8_t too_long[] = { 1, 1, 4, 33, 10, 0, 0, 0 };
	static const uint8_t fam[] = { 1, 1, 5, 8, 10, 0, 0, 0 };
	static const uint8_t trunc[] = { 1, 1, 6, 64, 0xfd, 0 };
	static const uint8_t trailing[] = { 1, 0, 0 };
	static const uint8_t version[] = { 2, 0 };
	static const uint8_t many[] = { 1, 65 };

	(void)state;
	expect_bad(host_bits, sizeof(host_bits), "host bits");
	expect_bad(too_long, sizeof(too_long), "length");
	expect_bad(fam, sizeof(fam), "family");
	expect_bad(trunc, sizeof(trunc), "truncated");
	expect_bad(trailing, sizeof(trailing), "trailing");
	expect_bad(version, sizeof(version), "version");
	expect_bad(many, sizeof(many), "too many");
	expect_bad(version, 1, "shorter");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_announce_roundtrip),
		cmocka_unit_test(test_announce_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
