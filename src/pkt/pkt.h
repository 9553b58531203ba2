/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkt.h - packet headers: parse (Ethernet, 802.1Q/802.1ad, IPv4, IPv6,
 * TCP, UDP, ICMP, ICMPv6) and Internet checksums
 *
 * pkt_parse() fills a struct pkt_meta from whatever part of a packet is
 * present: sFlow raw header records are truncated copies, so a parse that
 * runs out of bytes keeps everything decoded so far and says how far it got.
 */
#ifndef WS_PKT_H
#define WS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

enum pkt_link {
	PKT_LINK_ETH,		/* Ethernet II, with optional VLAN tags */
	PKT_LINK_RAW,		/* starts at the IP header (v4 or v6) */
	PKT_LINK_SLL,		/* Linux cooked capture v1 */
	PKT_LINK_SLL2,		/* Linux cooked capture v2 */
	PKT_LINK_NULL,		/* BSD loopback: 4-byte host-order family */
};

#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_QINQ 0x88a8
#define ETH_TYPE_MPLS 0x8847

#define IPPROTO_NUM_ICMP 1
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_ICMPV6 58

/* How far a parse got (each level implies the ones before). */
enum pkt_depth { PKT_NONE, PKT_L2, PKT_L3, PKT_L4 };

struct pkt_meta {
	enum pkt_depth depth;
	/* L2 */
	uint8_t src_mac[6], dst_mac[6];
	uint16_t ethertype;	/* after VLAN tags */
	uint16_t vlan;		/* outer VLAN id, when has_vlan */
	bool has_vlan;
	/* L3 */
	uint8_t ip_version;	/* 4 or 6 */
	struct ip_addr src, dst;
	uint8_t proto;		/* IPv4 protocol / IPv6 final next header */
	uint8_t tos;		/* IPv4 ToS / IPv6 traffic class */
	uint8_t ttl;		/* TTL / hop limit */
	uint16_t ip_total_len;	/* from the header: IPv4 total, IPv6 40+payload */
	uint32_t flow_label;
	bool fragment;		/* any fragment */
	bool later_fragment;	/* not the first: no L4 header */
	uint16_t ip_id;
	/* L4 */
	uint16_t src_port, dst_port;
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	/* Start and length of what follows the L4 header (UDP: its payload,
	 * bounded by the UDP length field and the bytes captured). */
	const uint8_t *l4_payload;
	size_t l4_payload_len;
	const uint8_t *l3;	/* start of the IP header */
	size_t l3_len;
};

/*
 * Parse as much of @p as is there. Return: 0 when at least L3 was parsed,
 * -1 when the packet is not IP or its IP header is malformed/truncated.
 * @m->depth says how far the parse got in either case.
 */
int pkt_parse(const uint8_t *p, size_t len, enum pkt_link link, struct pkt_meta *m);
/* Parse starting at an IPv4 or IPv6 header. Same return as pkt_parse. */
int pkt_parse_ip(const uint8_t *p, size_t len, struct pkt_meta *m);

/* One's-complement sum helpers (RFC 1071). When a sum is built from
 * several pieces, every piece but the last must have an even length
 * (an odd piece would shift the bytes after it by one). */
uint32_t pkt_csum_add(uint32_t sum, const void *p, size_t len);
uint16_t pkt_csum_fold(uint32_t sum);
/* Checksum of @len bytes. */
uint16_t pkt_csum(const void *p, size_t len);
/* Pseudo-header sum for TCP/UDP/ICMPv6 over IPv4 or IPv6. */
uint32_t pkt_pseudo_sum(const struct ip_addr *src, const struct ip_addr *dst,
			uint8_t proto, uint32_t l4_len);

#endif
