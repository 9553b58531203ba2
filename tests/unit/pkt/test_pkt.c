/* SPDX-License-Identifier: BSD-2-Clause */
/* test_pkt.c - header parsing and checksums */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "pkt/pkt.h"

/* Ethernet + 802.1Q 100 + IPv4 10.0.0.1 -> 10.0.0.2 UDP 1234 -> 2055, 4-byte payload */
static const uint8_t eth_vlan_udp[] = {
	0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00,
	0x45, 0xb8, 0x00, 0x20, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x04, 0xd2, 0x08, 0x07, 0x00, 0x0c, 0x00, 0x00, 'a', 'b', 'c', 'd',
	0xee, 0xee,	/* Ethernet padding past the IP total length */
};

static void test_eth_vlan_udp(void **state)
{
	struct pkt_meta m;
	char buf[IP_ADDR_STRLEN];

	(void)state;
	assert_int_equal(pkt_parse(eth_vlan_udp, sizeof(eth_vlan_udp), PKT_LINK_ETH, &m), 0);
	assert_int_equal(m.depth, PKT_L4);
	assert_true(m.has_vlan);
	assert_int_equal(m.vlan, 100);
	assert_int_equal(m.ip_version, 4);
	ip_addr_fmt(&m.src, buf);
	assert_string_equal(buf, "10.0.0.1");
	assert_int_equal(m.proto, 17);
	assert_int_equal(m.tos, 0xb8);
	assert_int_equal(m.src_port, 1234);
	assert_int_equal(m.dst_port, 2055);
	assert_int_equal(m.l4_payload_len, 4);
	assert_memory_equal(m.l4_payload, "abcd", 4);
}

static void test_truncated(void **state)
{
	struct pkt_meta m;

	(void)state;
	/* Cut inside the UDP header: L3 known, L4 not. */
	assert_int_equal(pkt_parse(eth_vlan_udp, 18 + 20 + 3, PKT_LINK_ETH, &m), 0);
	assert_int_equal(m.depth, PKT_L3);
	/* Cut inside the IPv4 header. */
	assert_int_equal(pkt_parse(eth_vlan_udp, 18 + 10, PKT_LINK_ETH, &m), -1);
	assert_int_equal(pkt_parse(eth_vlan_udp, 5, PKT_LINK_ETH, &m), -1);
}

static void test_ipv6_tcp(void **state)
{
	uint8_t p[40 + 8 + 20];
	struct pkt_meta m;

	(void)state;
	memset(p, 0, sizeof(p));
	p[0] = 0x6b;	/* version 6, traffic class 0xb0 */
	p[1] = 0x01;
	p[2] = 0x23;
	p[3] = 0x45;
	p[5] = 28;	/* payload length: hop-by-hop (8) + TCP (20) */
	p[6] = 0;	/* hop-by-hop options */
	p[7] = 64;
	p[8] = 0x20;
	p[9] = 0x01;
	p[24] = 0x20;
	p[25] = 0x01;
	p[39] = 2;
	p[40] = 6;	/* next: TCP; hdr ext len 0 = 8 bytes */
	p[48] = 0x00;
	p[49] = 80;
	p[50] = 0xc3;
	p[51] = 0x50;
	p[60] = 0x50;	/* data offset 5 */
	p[61] = 0x12;	/* SYN+ACK */
	assert_int_equal(pkt_parse(p, sizeof(p), PKT_LINK_RAW, &m), 0);
	assert_int_equal(m.ip_version, 6);
	assert_int_equal(m.tos, 0xb0);
	assert_int_equal(m.flow_label, 0x12345);
	assert_int_equal(m.proto, 6);
	assert_int_equal(m.src_port, 80);
	assert_int_equal(m.dst_port, 50000);
	assert_int_equal(m.tcp_flags, 0x12);
	assert_int_equal(m.depth, PKT_L4);
}

static void test_checksum(void **state)
{
	/* RFC 1071 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	/* A real IPv4 header with checksum 0xb861 */
	uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			   0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	(void)state;
	assert_int_equal(pkt_csum(b, sizeof(b)), (uint16_t)~0xddf2);
	assert_int_equal(pkt_csum(ip, sizeof(ip)), 0xb861);
	ip[10] = 0xb8;
	ip[11] = 0x61;
	assert_int_equal(pkt_csum(ip, sizeof(ip)), 0);
}

/* An IPv6 header with payload length @plen and next header @nh. */
static void ipv6_hdr(uint8_t *p, unsigned plen, uint8_t nh)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	p[6] = nh;
	p[7] = 64;
	p[8] = 0x20;
	p[24] = 0x20;
}

/* A later fragment: what follows its fragment header is payload. Bytes
 * there that look like a destination options header and a TCP header
 * were walked as headers and set proto from the payload. */
static void test_ipv6_later_fragment(void **state)
{
	uint8_t p[40 + 8 + 8 + 20];
	struct pkt_meta m;

	(void)state;
	memset(p, 0, sizeof(p));
	ipv6_hdr(p, sizeof(p) - 40, 44);
	p[40] = 60;			/* fragment: next = dest options */
	p[42] = 0x05;			/* offset 80 (in 8-byte units: 0x05 << 8 >> 3) */
	p[48] = 17;			/* "dest options" in the payload: next UDP */
	p[49] = 0;
	assert_int_equal(pkt_parse_ip(p, sizeof(p), &m), 0);
	assert_true(m.fragment);
	assert_true(m.later_fragment);
	assert_int_equal(m.proto, 60);
	assert_int_equal(m.depth, PKT_L3);

	/* the first fragment still walks on to the transport header */
	p[42] = 0;
	p[43] = 1;			/* offset 0, more fragments */
	p[48] = 6;
	p[56 + 12] = 0x50;
	p[56 + 13] = 0x02;		/* SYN */
	assert_int_equal(pkt_parse_ip(p, sizeof(p), &m), 0);
	assert_false(m.later_fragment);
	assert_int_equal(m.proto, 6);
	assert_int_equal(m.depth, PKT_L4);
	assert_int_equal(m.tcp_flags, 2);
}

/* A chain of more extension headers than are walked ends at L3 with the
 * header where the walk stopped, instead of claiming it is the transport. */
static void test_ipv6_long_chain(void **state)
{
	uint8_t p[40 + 9 * 8 + 20];
	struct pkt_meta m;
	unsigned i;

	(void)state;
	memset(p, 0, sizeof(p));
	ipv6_hdr(p, sizeof(p) - 40, 0);
	for (i = 0; i < 9; i++)
		p[40 + i * 8] = i < 8 ? 60 : 6;	/* next header, length 0 */
	assert_int_equal(pkt_parse_ip(p, sizeof(p), &m), 0);
	assert_int_equal(m.depth, PKT_L3);
	assert_int_equal(m.proto, 60);
	assert_null(m.l4_payload);

	/* eight are walked */
	memset(p, 0, sizeof(p));
	ipv6_hdr(p, sizeof(p) - 8 - 40, 60);
	for (i = 0; i < 8; i++)
		p[40 + i * 8] = i < 7 ? 60 : 6;
	assert_int_equal(pkt_parse_ip(p, sizeof(p) - 8, &m), 0);
	assert_int_equal(m.depth, PKT_L4);
	assert_int_equal(m.proto, 6);
}

/* Odd lengths and long buffers against a plain RFC 1071 sum. */
static void test_checksum_odd_and_long(void **state)
{
	static uint8_t big[1 << 20];
	uint32_t ref;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 0xf1);
	for (n = 1; n <= sizeof(big); n = n * 3 + 1) {
		uint64_t s = 0;

		for (i = 0; i + 1 < n; i += 2)
			s += (uint32_t)(big[i] << 8 | big[i + 1]);
		if (n & 1)
			s += (uint32_t)big[n - 1] << 8;
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		ref = (uint16_t)~s;
		assert_int_equal(pkt_csum(big, n), ref);
		/* in two pieces split at an even offset */
		assert_int_equal(pkt_csum_fold(pkt_csum_add(pkt_csum_add(0, big, n / 4 * 2),
							    big + n / 4 * 2, n - n / 4 * 2)), ref);
	}
	memset(big, 0xff, sizeof(big));
	assert_int_equal(pkt_csum(big, sizeof(big)), 0);
	assert_int_equal(pkt_csum(big, 3), 0x00ff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_vlan_udp),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_ipv6_later_fragment),
		cmocka_unit_test(test_ipv6_long_chain),
		cmocka_unit_test(test_checksum_odd_and_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
