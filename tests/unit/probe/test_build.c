/* SPDX-License-Identifier: BSD-2-Clause */
/* test_build.c - echo packet builders: parse back with pkt_parse and
 * recompute every checksum independently */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "pkt/build.h"
#include "pkt/pkt.h"

/* RFC 1071 sum written out here, independent of pkt_csum. */
static uint16_t ref_sum(const uint8_t *const *parts, const size_t *lens, int n)
{
	uint64_t s = 0;
	int k;

	for (k = 0; k < n; k++)
		for (size_t i = 0; i < lens[k]; i += 2)
			s += (uint32_t)parts[k][i] << 8 | (i + 1 < lens[k] ? parts[k][i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;	/* 0xffff when the packet's checksum is right */
}

static void test_ipv4_echo(void **state)
{
	uint8_t buf[200], pl[40];
	struct pkt_echo e = { 0 };
	struct pkt_meta m;
	size_t n;

	(void)state;
	for (unsigned i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 7);
	ip_addr_parse("172.64.240.253", &e.src);
	ip_addr_parse("10.255.0.1", &e.dst);
	e.reply = true;
	e.id = 0xbeef;
	e.seq = 9;
	e.dscp = 46;
	e.df = true;
	e.ttl = 17;
	e.payload = pl;
	e.payload_len = sizeof(pl) - 1;		/* odd length */
	n = pkt_build_echo(buf, sizeof(buf), &e);
	assert_int_equal(n, 20 + 8 + 39);
	assert_int_equal(pkt_build_echo(buf, 60, &e), 0);
	assert_int_equal(pkt_parse_ip(buf, n, &m), 0);
	assert_int_equal(m.depth, PKT_L4);
	assert_int_equal(m.ip_version, 4);
	assert_int_equal(m.proto, 1);
	assert_int_equal(m.tos, 46 << 2);
	assert_int_equal(m.ttl, 17);
	assert_int_equal(m.ip_total_len, n);
	assert_int_equal(m.icmp_type, 0);
	assert_int_equal(m.icmp_id, 0xbeef);
	assert_int_equal(m.icmp_seq, 9);
	assert_true(ip_addr_eq(&m.src, &e.src));
	assert_true(ip_addr_eq(&m.dst, &e.dst));
	assert_int_equal(m.l4_payload_len, 39);
	assert_memory_equal(m.l4_payload, pl, 39);
	assert_int_equal(buf[6] & 0x40, 0x40);		/* DF */
	{
		const uint8_t *p1[] = { buf }, *p2[] = { buf + 20 };
		size_t l1[] = { 20 }, l2[] = { n - 20 };

		assert_int_equal(ref_sum(p1, l1, 1), 0xffff);
		assert_int_equal(ref_sum(p2, l2, 1), 0xffff);
	}
	/* a request has type 8 */
	e.reply = false;
	n = pkt_build_echo(buf, sizeof(buf), &e);
	assert_int_equal(pkt_parse_ip(buf, n, &m), 0);
	assert_int_equal(m.icmp_type, 8);
}

static void test_ipv6_echo(void **state)
{
	uint8_t buf[200], pl[32], pseudo[40];
	struct pkt_echo e = { 0 };
	struct pkt_meta m;
	size_t n;

	(void)state;
	memset(pl, 0x5a, sizeof(pl));
	ip_addr_parse("2001:db8::1", &e.src);
	ip_addr_parse("2001:db8:ff::2", &e.dst);
	e.id = 7;
	e.seq = 65535;
	e.dscp = 10;
	e.payload = pl;
	e.payload_len = sizeof(pl);
	n = pkt_build_echo(buf, sizeof(buf), &e);
	assert_int_equal(n, 40 + 8 + 32);
	assert_int_equal(pkt_parse_ip(buf, n, &m), 0);
	assert_int_equal(m.ip_version, 6);
	assert_int_equal(m.proto, 58);
	assert_int_equal(m.icmp_type, 128);
	assert_int_equal(m.tos, 10 << 2);
	assert_int_equal(m.ttl, 64);
	assert_int_equal(m.icmp_seq, 65535);
	/* ICMPv6 checksum over the pseudo-header (RFC 8200 8.1) */
	memcpy(pseudo, buf + 8, 32);
	memset(pseudo + 32, 0, 8);
	pseudo[35] = (uint8_t)(n - 40);
	pseudo[39] = 58;
	{
		const uint8_t *parts[] = { pseudo, buf + 40 };
		size_t lens[] = { 40, n - 40 };

		assert_int_equal(ref_sum(parts, lens, 2), 0xffff);
	}
	/* the ICMP message alone (for raw sockets) carries the same checksum */
	{
		uint8_t icmp[100];
		size_t k = pkt_build_icmp_echo(icmp, sizeof(icmp), &e);

		assert_int_equal(k, n - 40);
		assert_memory_equal(icmp, buf + 40, k);
	}
	/* mixed families are refused */
	ip_addr_parse("10.0.0.1", &e.src);
	assert_int_equal(pkt_build_echo(buf, sizeof(buf), &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_echo),
		cmocka_unit_test(test_ipv6_echo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
