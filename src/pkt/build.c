/* SPDX-License-Identifier: BSD-2-Clause */
/* build.c - IPv4/IPv6 + ICMP/ICMPv6 echo packet builder */
#include <string.h>

#include "pkt/build.h"
#include "pkt/pkt.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t pkt_build_icmp_echo(uint8_t *buf, size_t cap, const struct pkt_echo *e)
{
	size_t len = 8 + e->payload_len;
	uint32_t sum = 0;
	bool v6 = e->dst.family == 6;

	if (cap < len || len > 65535 - 40)
		return 0;
	buf[0] = v6 ? (e->reply ? ICMP_ECHO_REPLY6 : ICMP_ECHO_REQUEST6)
		    : (e->reply ? ICMP_ECHO_REPLY4 : ICMP_ECHO_REQUEST4);
	buf[1] = 0;
	put16(buf + 2, 0);
	put16(buf + 4, e->id);
	put16(buf + 6, e->seq);
	/* The payload may already be in place (built after the headers). */
	if (e->payload_len && e->payload != buf + 8)
		memmove(buf + 8, e->payload, e->payload_len);
	if (v6)
		sum = pkt_pseudo_sum(&e->src, &e->dst, IPPROTO_NUM_ICMPV6, (uint32_t)len);
	put16(buf + 2, pkt_csum_fold(pkt_csum_add(sum, buf, len)));
	return len;
}

size_t pkt_build_echo(uint8_t *buf, size_t cap, const struct pkt_echo *e)
{
	size_t hl, l4;
	uint8_t *h = buf;

	if (e->src.family != e->dst.family || (e->src.family != 4 && e->src.family != 6))
		return 0;
	hl = pkt_ip_hdr_len(e->src.family);
	if (cap < hl)
		return 0;
	l4 = pkt_build_icmp_echo(buf + hl, cap - hl, e);
	if (!l4 || hl + l4 > 65535)
		return 0;
	if (e->src.family == 4) {
		h[0] = 0x45;
		h[1] = (uint8_t)(e->dscp << 2);
		put16(h + 2, (uint16_t)(hl + l4));
		put16(h + 4, e->ip_id);
		put16(h + 6, e->df ? 0x4000 : 0);
		h[8] = e->ttl ? e->ttl : 64;
		h[9] = IPPROTO_NUM_ICMP;
		put16(h + 10, 0);
		memcpy(h + 12, e->src.a, 4);
		memcpy(h + 16, e->dst.a, 4);
		put16(h + 10, pkt_csum(h, 20));
	} else {
		h[0] = (uint8_t)(0x60 | (e->dscp >> 2));
		h[1] = (uint8_t)((e->dscp & 3) << 6);
		h[2] = 0;
		h[3] = 0;
		put16(h + 4, (uint16_t)l4);
		h[6] = IPPROTO_NUM_ICMPV6;
		h[7] = e->ttl ? e->ttl : 64;
		memcpy(h + 8, e->src.a, 16);
		memcpy(h + 24, e->dst.a, 16);
	}
	return hl + l4;
}
