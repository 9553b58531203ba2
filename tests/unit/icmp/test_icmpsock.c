/* SPDX-License-Identifier: BSD-2-Clause */
/* test_icmpsock.c - echo reply and error-queue parsing, permission decisions */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "icmp/icmpsock.h"

static void test_reply_dgram(void **state)
{
	const uint8_t v4[] = { 0, 0, 0xab, 0xcd, 0x12, 0x34, 0x00, 0x07, 'h', 'i', '!' };
	const uint8_t v6[] = { 129, 0, 0, 0, 0x00, 0x01, 0xff, 0xff, 'x' };
	uint8_t buf[2];
	struct icmpsock_msg m = { .buf = buf, .cap = sizeof(buf) };

	(void)state;
	assert_int_equal(icmpsock_parse_reply(AF_INET, false, v4, sizeof(v4), &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_REPLY);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.seq, 7);
	assert_int_equal(m.len, 2);	/* capped */
	assert_true(m.truncated);
	assert_memory_equal(buf, "hi", 2);
	assert_int_equal(icmpsock_parse_reply(AF_INET6, false, v6, sizeof(v6), &m), 0);
	assert_int_equal(m.seq, 0xffff);
	assert_int_equal(m.len, 1);
	assert_false(m.truncated);
	/* An IPv6 reply is not an IPv4 one, and vice versa. */
	assert_int_equal(icmpsock_parse_reply(AF_INET, false, v6, sizeof(v6), &m), -1);
	assert_int_equal(icmpsock_parse_reply(AF_INET6, false, v4, sizeof(v4), &m), -1);
	/* Too short for the header. */
	assert_int_equal(icmpsock_parse_reply(AF_INET, false, v4, 7, &m), -1);
	assert_int_equal(icmpsock_parse_reply(AF_INET, false, v4, 0, &m), -1);
}

static void test_reply_raw4(void **state)
{
	uint8_t pkt[20 + 4 + 8 + 3] = { 0x46 };	/* IHL 6: 4 option bytes */
	uint8_t buf[8];
	struct icmpsock_msg m = { .buf = buf, .cap = sizeof(buf) };

	(void)state;
	pkt[24] = 0;	/* echo reply */
	pkt[28] = 0xbe;
	pkt[29] = 0xef;
	pkt[31] = 9;
	memcpy(pkt + 32, "abc", 3);
	assert_int_equal(icmpsock_parse_reply(AF_INET, true, pkt, sizeof(pkt), &m), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_int_equal(m.seq, 9);
	assert_int_equal(m.len, 3);
	/* IHL below 5, wrong version, or IHL past the end. */
	pkt[0] = 0x44;
	assert_int_equal(icmpsock_parse_reply(AF_INET, true, pkt, sizeof(pkt), &m), -1);
	pkt[0] = 0x66;
	assert_int_equal(icmpsock_parse_reply(AF_INET, true, pkt, sizeof(pkt), &m), -1);
	pkt[0] = 0x4f;
	assert_int_equal(icmpsock_parse_reply(AF_INET, true, pkt, 40, &m), -1);
	/* An echo request is not a reply. */
	pkt[0] = 0x46;
	pkt[24] = 8;
	assert_int_equal(icmpsock_parse_reply(AF_INET, true, pkt, sizeof(pkt), &m), -1);
}

static void test_err_time_exceeded(void **state)
{
	/* The quoted original: echo request id 0x0102 seq 3. */
	const uint8_t q4[] = { 8, 0, 0x55, 0x55, 0x01, 0x02, 0x00, 0x03, 1, 2, 3, 4 };
	struct icmpsock_ee ee = { .ee_errno = EHOSTUNREACH, .ee_origin = ICMPSOCK_ORIGIN_ICMP,
				  .ee_type = 11, .ee_code = 0 };
	struct icmpsock_msg m = { 0 };
	char b[64], a[IP_ADDR_STRLEN];

	(void)state;
	ip_addr_parse("10.0.0.1", &ee.offender);
	ip_addr_parse("192.0.2.9", &ee.dst);
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q4, sizeof(q4), &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_TIME_EXCEEDED);
	assert_int_equal(m.id, 0x0102);
	assert_int_equal(m.seq, 3);
	ip_addr_fmt(&m.from, a);
	assert_string_equal(a, "10.0.0.1");
	ip_addr_fmt(&m.dst, a);
	assert_string_equal(a, "192.0.2.9");
	assert_string_equal(icmpsock_describe(AF_INET, &m, false, b, sizeof(b)),
			    "time to live exceeded");
	assert_string_equal(icmpsock_describe(AF_INET, &m, true, b, sizeof(b)), "");
	/* A quote that is not an echo request (or is cut short) is not ours. */
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q4, 7, &m), -1);
	{
		uint8_t q[sizeof(q4)];

		memcpy(q, q4, sizeof(q));
		q[0] = 0;
		assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q, sizeof(q), &m), -1);
		q[0] = 8;
		q[1] = 1;	/* echo code must be 0 */
		assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q, sizeof(q), &m), -1);
	}
	/* ICMPv6 origin on an IPv4 socket, an IPv6 offender: rejected. */
	ee.ee_origin = ICMPSOCK_ORIGIN_ICMP6;
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q4, sizeof(q4), &m), -1);
	ee.ee_origin = ICMPSOCK_ORIGIN_ICMP;
	ip_addr_parse("2001:db8::1", &ee.offender);
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q4, sizeof(q4), &m), -1);
	/* Unknown origins (timestamps, zerocopy) are not errors about echoes. */
	ee.ee_origin = 4;
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q4, sizeof(q4), &m), -1);
}

static void test_err_kinds6(void **state)
{
	const uint8_t q6[] = { 128, 0, 0, 0, 0xaa, 0xbb, 0x01, 0x00 };
	struct icmpsock_ee ee = { .ee_origin = ICMPSOCK_ORIGIN_ICMP6 };
	struct icmpsock_msg m = { 0 };
	char b[64];

	(void)state;
	ip_addr_parse("2001:db8::1", &ee.offender);
	ee.ee_type = 1;
	ee.ee_code = 3;
	assert_int_equal(icmpsock_parse_err(AF_INET6, &ee, q6, sizeof(q6), &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_UNREACH);
	assert_int_equal(m.seq, 0x100);
	assert_string_equal(icmpsock_describe(AF_INET6, &m, true, b, sizeof(b)), "!H");
	assert_string_equal(icmpsock_describe(AF_INET6, &m, false, b, sizeof(b)),
			    "address unreachable");
	ee.ee_type = 2;
	ee.ee_code = 0;
	ee.ee_info = 1280;
	assert_int_equal(icmpsock_parse_err(AF_INET6, &ee, q6, sizeof(q6), &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_PKT_TOO_BIG);
	assert_string_equal(icmpsock_describe(AF_INET6, &m, true, b, sizeof(b)), "!F-1280");
	ee.ee_type = 3;
	assert_int_equal(icmpsock_parse_err(AF_INET6, &ee, q6, sizeof(q6), &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_TIME_EXCEEDED);
	ee.ee_type = 4;
	assert_int_equal(icmpsock_parse_err(AF_INET6, &ee, q6, sizeof(q6), &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_PARAM_PROB);
	ee.ee_type = 99;
	assert_int_equal(icmpsock_parse_err(AF_INET6, &ee, q6, sizeof(q6), &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_OTHER);
	assert_string_equal(icmpsock_describe(AF_INET6, &m, true, b, sizeof(b)), "!<99.0>");
	/* An IPv4 echo request quoted on an IPv6 socket is not ours. */
	{
		const uint8_t q4[] = { 8, 0, 0, 0, 0, 1, 0, 1 };

		ee.ee_type = 3;
		assert_int_equal(icmpsock_parse_err(AF_INET6, &ee, q4, sizeof(q4), &m), -1);
	}
}

static void test_err_v4_unreach_local(void **state)
{
	const uint8_t q4[] = { 8, 0, 0, 0, 0, 1, 0, 2 };
	struct icmpsock_ee ee = { .ee_origin = ICMPSOCK_ORIGIN_ICMP, .ee_type = 3 };
	struct icmpsock_msg m = { 0 };
	char b[64];

	(void)state;
	ip_addr_parse("10.0.0.1", &ee.offender);
	ee.ee_code = 1;
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q4, sizeof(q4), &m), 0);
	assert_string_equal(icmpsock_describe(AF_INET, &m, true, b, sizeof(b)), "!H");
	ee.ee_code = 13;
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q4, sizeof(q4), &m), 0);
	assert_string_equal(icmpsock_describe(AF_INET, &m, true, b, sizeof(b)), "!X");
	ee.ee_code = 4;
	ee.ee_info = 1400;
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, q4, sizeof(q4), &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_PKT_TOO_BIG);
	assert_string_equal(icmpsock_describe(AF_INET, &m, true, b, sizeof(b)), "!F-1400");
	/* A local error (EMSGSIZE) quotes nothing: valid, sequence unknown. */
	memset(&ee, 0, sizeof(ee));
	ee.ee_origin = ICMPSOCK_ORIGIN_LOCAL;
	ee.ee_errno = EMSGSIZE;
	ee.ee_info = 1500;
	ip_addr_parse("192.0.2.9", &ee.dst);
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, NULL, 0, &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_PKT_TOO_BIG);
	assert_int_equal(m.len, 0);
	ee.ee_errno = ENOBUFS;
	assert_int_equal(icmpsock_parse_err(AF_INET, &ee, NULL, 0, &m), 0);
	assert_int_equal(m.kind, ICMPSOCK_LOCAL_ERR);
}

static void test_perm(void **state)
{
	const uint32_t sup[] = { 27, 1000 };
	struct icmpsock_perm p;
	char b[1024];

	(void)state;
	/* A new namespace: "1 0" refuses everyone, even gid 0. */
	icmpsock_perm_eval("1\t0\n", 0, NULL, 0, &p);
	assert_true(p.range_known);
	assert_false(p.allowed);
	icmpsock_perm_explain(&p, b, sizeof(b));
	assert_non_null(strstr(b, "sysctl -w net.ipv4.ping_group_range=\"0 2147483647\""));
	assert_non_null(strstr(b, "\"1 0\" (closed"));
	assert_non_null(strstr(b, "CAP_NET_RAW"));
	/* Effective group in range. */
	icmpsock_perm_eval("0 2147483647", 65534, NULL, 0, &p);
	assert_true(p.allowed);
	assert_false(p.match_supplementary);
	/* Only a supplementary group in range: the kernel allows it. */
	icmpsock_perm_eval("1000 1000", 100, sup, 2, &p);
	assert_true(p.allowed);
	assert_true(p.match_supplementary);
	assert_int_equal(p.match_gid, 1000);
	/* Outside: the narrow fix names the effective group. */
	icmpsock_perm_eval("1000 1000", 100, sup, 1, &p);
	assert_false(p.allowed);
	icmpsock_perm_explain(&p, b, sizeof(b));
	assert_non_null(strstr(b, "ping_group_range=\"100 100\""));
	/* Unreadable or garbage: treated as closed. */
	icmpsock_perm_eval(NULL, 0, NULL, 0, &p);
	assert_false(p.range_known);
	assert_false(p.allowed);
	icmpsock_perm_eval("x y", 0, NULL, 0, &p);
	assert_false(p.allowed);
	/* Raw-socket fallback is explained differently. */
	icmpsock_perm_eval("1 0", 0, NULL, 0, &p);
	p.cap_net_raw = true;
	icmpsock_perm_explain(&p, b, sizeof(b));
	assert_non_null(strstr(b, "raw ICMP sockets are used"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_dgram),
		cmocka_unit_test(test_reply_raw4),
		cmocka_unit_test(test_err_time_exceeded),
		cmocka_unit_test(test_err_kinds6),
		cmocka_unit_test(test_err_v4_unreach_local),
		cmocka_unit_test(test_perm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
