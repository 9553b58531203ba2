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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_vlan_udp),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_checksum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
