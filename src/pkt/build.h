/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * build.h - build IPv4/IPv6 + ICMP/ICMPv6 echo packets with correct
 * checksums (the ICMPv6 one over the IPv6 pseudo-header)
 */
#ifndef WS_PKT_BUILD_H
#define WS_PKT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define ICMP_ECHO_REPLY4 0
#define ICMP_ECHO_REQUEST4 8
#define ICMP_ECHO_REQUEST6 128
#define ICMP_ECHO_REPLY6 129

struct pkt_echo {
	struct ip_addr src, dst;	/* same family, 4 or 6 */
	bool reply;			/* echo reply instead of request */
	uint16_t id, seq;
	uint8_t ttl;			/* hop limit; 0 means 64 */
	uint8_t dscp;			/* 0..63 */
	bool df;			/* IPv4 don't-fragment */
	uint16_t ip_id;
	const void *payload;
	size_t payload_len;
};

/* IP header length for the family: 20 or 40. */
static inline size_t pkt_ip_hdr_len(uint8_t family) { return family == 6 ? 40 : 20; }

/*
 * Write a whole IP packet (IPv4 + ICMP or IPv6 + ICMPv6 echo) to @buf.
 * Return: its length, or 0 when @cap is too small, the families differ or
 * the packet would exceed 65535 bytes.
 */
size_t pkt_build_echo(uint8_t *buf, size_t cap, const struct pkt_echo *e);

/*
 * Write only the ICMP/ICMPv6 echo message (for raw ICMP sockets, where
 * the kernel adds the IP header). The checksum is filled in for both
 * families (ICMPv6 over the pseudo-header of @e->src/@e->dst).
 * Return: its length, or 0 when @cap is too small.
 */
size_t pkt_build_icmp_echo(uint8_t *buf, size_t cap, const struct pkt_echo *e);

#endif
