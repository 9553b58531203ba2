/* SPDX-License-Identifier: BSD-2-Clause */
/* pkt.c - packet header parsing and checksums */
#include <string.h>

#include "lib/cursor.h"
#include "pkt/pkt.h"

static void parse_l4(struct cursor *c, struct pkt_meta *m)
{
	struct cursor h = *c;

	switch (m->proto) {
	case IPPROTO_NUM_TCP: {
		uint8_t off;

		m->src_port = cur_u16(&h);
		m->dst_port = cur_u16(&h);
		cur_skip(&h, 8);		/* seq, ack */
		off = cur_u8(&h) >> 4;
		m->tcp_flags = cur_u8(&h);
		if (!cur_ok(&h))
			return;
		m->depth = PKT_L4;
		if (off >= 5 && cur_skip(c, (size_t)off * 4)) {
			m->l4_payload = cur_ptr(c);
			m->l4_payload_len = cur_left(c);
		}
		return;
	}
	case IPPROTO_NUM_UDP: {
		uint16_t ulen;

		m->src_port = cur_u16(&h);
		m->dst_port = cur_u16(&h);
		ulen = cur_u16(&h);
		cur_skip(&h, 2);
		if (!cur_ok(&h))
			return;
		m->depth = PKT_L4;
		m->l4_payload = cur_ptr(&h);
		m->l4_payload_len = cur_left(&h);
		/* ulen 0 is legal for IPv6 jumbograms: keep what is there */
		if (ulen >= 8 && (size_t)(ulen - 8) < m->l4_payload_len)
			m->l4_payload_len = ulen - 8u;
		return;
	}
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6:
		m->icmp_type = cur_u8(&h);
		m->icmp_code = cur_u8(&h);
		cur_skip(&h, 2);
		if (!cur_ok(&h))
			return;
		m->depth = PKT_L4;
		m->icmp_id = cur_u16(&h);
		m->icmp_seq = cur_u16(&h);
		m->l4_payload = cur_ptr(&h);
		m->l4_payload_len = cur_left(&h);
		return;
	default:
		m->depth = PKT_L4;
		m->l4_payload = cur_ptr(c);
		m->l4_payload_len = cur_left(c);
		return;
	}
}

static int parse_ipv4(struct cursor *c, struct pkt_meta *m)
{
	uint8_t vihl = cur_u8(c), ihl = vihl & 15;
	uint16_t frag;
	const uint8_t *a;

	m->tos = cur_u8(c);
	m->ip_total_len = cur_u16(c);
	m->ip_id = cur_u16(c);
	frag = cur_u16(c);
	m->ttl = cur_u8(c);
	m->proto = cur_u8(c);
	cur_skip(c, 2);
	a = cur_bytes(c, 8);
	if (!a || ihl < 5)
		return -1;
	ip_addr_set4(&m->src, a);
	ip_addr_set4(&m->dst, a + 4);
	m->ip_version = 4;
	m->fragment = (frag & 0x3fff) != 0;
	m->later_fragment = (frag & 0x1fff) != 0;
	m->depth = PKT_L3;
	if (!cur_skip(c, (size_t)(ihl - 5) * 4))
		return 0;
	/* Bound what follows by the total length when it is smaller. */
	if (m->ip_total_len >= ihl * 4u &&
	    cur_left(c) > (size_t)(m->ip_total_len - ihl * 4u))
		c->len = c->off + (m->ip_total_len - ihl * 4u);
	if (!m->later_fragment)
		parse_l4(c, m);
	return 0;
}

static bool ipv6_ext_header(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135;
}

static int parse_ipv6(struct cursor *c, struct pkt_meta *m)
{
	uint32_t w = cur_u32(c);
	uint16_t plen = cur_u16(c);
	uint8_t nh = cur_u8(c);
	const uint8_t *a;
	int guard;

	m->ttl = cur_u8(c);
	a = cur_bytes(c, 32);
	if (!a || (w >> 28) != 6)
		return -1;
	m->tos = (uint8_t)(w >> 20);
	m->flow_label = w & 0xfffff;
	m->ip_total_len = (uint16_t)(plen + 40u > 0xffff ? 0xffff : plen + 40u);
	ip_addr_set6(&m->src, a);
	ip_addr_set6(&m->dst, a + 16);
	m->ip_version = 6;
	m->depth = PKT_L3;
	if (plen && cur_left(c) > plen)
		c->len = c->off + plen;
	/* Walk a bounded number of extension headers. A chain longer than
	 * that, or a later fragment (what follows its fragment header is
	 * payload, not headers), ends at L3 with proto = the next header. */
	for (guard = 0; ipv6_ext_header(nh); guard++) {
		if (guard == 8 || m->later_fragment) {
			m->proto = nh;
			return 0;
		}
		uint8_t next = cur_u8(c), hlen = cur_u8(c);

		if (!cur_ok(c)) {
			m->proto = nh;
			return 0;
		}
		if (nh == 44) {		/* fragment header: 8 bytes */
			uint16_t off = cur_u16(c);

			cur_skip(c, 4);
			m->fragment = true;
			m->later_fragment = (off & 0xfff8) != 0;
		} else if (nh == 51) {	/* AH: length in 4-byte units */
			cur_skip(c, (size_t)(hlen + 2) * 4 - 2);
		} else {
			cur_skip(c, (size_t)hlen * 8 + 6);
		}
		nh = next;
		if (!cur_ok(c)) {
			m->proto = nh;
			return 0;
		}
	}
	m->proto = nh;
	if (!m->later_fragment)
		parse_l4(c, m);
	return 0;
}

static int parse_l3(struct cursor *c, uint16_t ethertype, struct pkt_meta *m)
{
	uint8_t v;

	m->l3 = cur_ptr(c);
	m->l3_len = cur_left(c);
	if (!cur_left(c))
		return -1;
	v = cur_ptr(c)[0] >> 4;
	if (ethertype == ETH_TYPE_IPV4 || (ethertype == 0 && v == 4))
		return v == 4 ? parse_ipv4(c, m) : -1;
	if (ethertype == ETH_TYPE_IPV6 || (ethertype == 0 && v == 6))
		return v == 6 ? parse_ipv6(c, m) : -1;
	return -1;
}

int pkt_parse_ip(const uint8_t *p, size_t len, struct pkt_meta *m)
{
	struct cursor c = cur_init(p, len);

	memset(m, 0, sizeof(*m));
	return parse_l3(&c, 0, m);
}

int pkt_parse(const uint8_t *p, size_t len, enum pkt_link link, struct pkt_meta *m)
{
	struct cursor c = cur_init(p, len);
	uint16_t et = 0;
	int tags;

	memset(m, 0, sizeof(*m));
	switch (link) {
	case PKT_LINK_RAW:
		return parse_l3(&c, 0, m);
	case PKT_LINK_NULL:
		cur_skip(&c, 4);
		break;
	case PKT_LINK_SLL:
		cur_skip(&c, 14);
		et = cur_u16(&c);
		break;
	case PKT_LINK_SLL2:
		et = cur_u16(&c);
		cur_skip(&c, 18);
		break;
	case PKT_LINK_ETH:
		if (!cur_copy(&c, m->dst_mac, 6) || !cur_copy(&c, m->src_mac, 6))
			return -1;
		et = cur_u16(&c);
		for (tags = 0; (et == ETH_TYPE_VLAN || et == ETH_TYPE_QINQ) && tags < 4; tags++) {
			uint16_t tci = cur_u16(&c);

			if (!m->has_vlan) {
				m->vlan = tci & 0x0fff;
				m->has_vlan = true;
			}
			et = cur_u16(&c);
		}
		break;
	}
	if (!cur_ok(&c))
		return -1;
	m->ethertype = et;
	m->depth = PKT_L2;
	if (link == PKT_LINK_NULL)
		return parse_l3(&c, 0, m);
	return parse_l3(&c, et, m);
}

uint32_t pkt_csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t s = sum;

	while (len >= 2) {
		s += (uint32_t)(b[0] << 8 | b[1]);
		b += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)b[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)((s & 0xffff) + (s >> 16 & 0xffff) + (s >> 32));
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t pkt_csum(const void *p, size_t len)
{
	return pkt_csum_fold(pkt_csum_add(0, p, len));
}

uint32_t pkt_pseudo_sum(const struct ip_addr *src, const struct ip_addr *dst,
			uint8_t proto, uint32_t l4_len)
{
	size_t alen = src->family == 4 ? 4 : 16;
	uint32_t s = 0;

	s = pkt_csum_add(s, src->a, alen);
	s = pkt_csum_add(s, dst->a, alen);
	s += proto;
	s += l4_len >> 16;
	s += l4_len & 0xffff;
	return s;
}
