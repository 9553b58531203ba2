/* SPDX-License-Identifier: BSD-2-Clause */
/* icmppkt.c - ICMP/ICMPv6 errors and echo messages as whole IP packets */
#include <string.h>

#include "icmp/icmppkt.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Write an IP header for @l4_len bytes of @proto; return its length. */
static size_t ip_header(uint8_t *p, const struct ip_addr *src, const struct ip_addr *dst,
			uint8_t proto, size_t l4_len, uint8_t ttl)
{
	if (src->family == 4) {
		memset(p, 0, 20);
		p[0] = 0x45;
		put16(p + 2, (uint16_t)(20 + l4_len));
		put16(p + 6, 0x4000);	/* DF */
		p[8] = ttl;
		p[9] = proto;
		memcpy(p + 12, src->a, 4);
		memcpy(p + 16, dst->a, 4);
		put16(p + 10, pkt_csum(p, 20));
		return 20;
	}
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)l4_len);
	p[6] = proto;
	p[7] = ttl;
	memcpy(p + 8, src->a, 16);
	memcpy(p + 24, dst->a, 16);
	return 40;
}

static void icmp_checksum(uint8_t *l4, size_t len, const struct ip_addr *src,
			  const struct ip_addr *dst)
{
	uint32_t s = 0;

	l4[2] = l4[3] = 0;
	if (src->family == 6)
		s = pkt_pseudo_sum(src, dst, IPPROTO_NUM_ICMPV6, (uint32_t)len);
	put16(l4 + 2, pkt_csum_fold(pkt_csum_add(s, l4, len)));
}

static void err_type(const struct ip_addr *src, const struct icmppkt_err_spec *s,
		     uint8_t *type, uint8_t *code)
{
	bool v4 = src->family == 4;

	switch (s->kind) {
	case ICMPPKT_ERR_TIME_EXCEEDED:
		*type = v4 ? ICMPPKT_V4_TIME_EXCEEDED : ICMPPKT_V6_TIME_EXCEEDED;
		*code = 0;
		return;
	case ICMPPKT_ERR_NET_UNREACH:
		*type = v4 ? ICMPPKT_V4_UNREACH : ICMPPKT_V6_UNREACH;
		*code = 0;
		return;
	case ICMPPKT_ERR_HOST_UNREACH:
		*type = v4 ? ICMPPKT_V4_UNREACH : ICMPPKT_V6_UNREACH;
		*code = v4 ? 1 : 3;
		return;
	case ICMPPKT_ERR_ADMIN:
		*type = v4 ? ICMPPKT_V4_UNREACH : ICMPPKT_V6_UNREACH;
		*code = v4 ? 13 : 1;
		return;
	case ICMPPKT_ERR_RAW:
		*type = s->type;
		*code = s->code;
		return;
	}
}

size_t icmppkt_error(uint8_t *out, size_t cap, const struct ip_addr *src,
		     const struct ip_addr *dst, const struct icmppkt_err_spec *spec,
		     const uint8_t *quote, size_t quote_len)
{
	size_t max = src->family == 4 ? ICMPPKT_V4_QUOTE_MAX : ICMPPKT_V6_QUOTE_MAX;
	size_t hl = src->family == 4 ? 20 : 40, l4len;
	uint8_t *l4, type = 0, code = 0;

	if (src->family != dst->family || (src->family != 4 && src->family != 6))
		return 0;
	if (quote_len > max)
		quote_len = max;
	l4len = 8 + quote_len;
	if (cap < hl + l4len)
		return 0;
	err_type(src, spec, &type, &code);
	ip_header(out, src, dst, src->family == 4 ? IPPROTO_NUM_ICMP : IPPROTO_NUM_ICMPV6,
		  l4len, spec->ttl ? spec->ttl : ICMPPKT_DEFAULT_TTL);
	l4 = out + hl;
	l4[0] = type;
	l4[1] = code;
	l4[4] = (uint8_t)(spec->info >> 24);
	l4[5] = (uint8_t)(spec->info >> 16);
	l4[6] = (uint8_t)(spec->info >> 8);
	l4[7] = (uint8_t)spec->info;
	memcpy(l4 + 8, quote, quote_len);
	icmp_checksum(l4, l4len, src, dst);
	return hl + l4len;
}

size_t icmppkt_echo(uint8_t *out, size_t cap, bool request, const struct ip_addr *src,
		    const struct ip_addr *dst, uint8_t ttl, uint16_t id, uint16_t seq,
		    const uint8_t *payload, size_t len)
{
	size_t hl = src->family == 4 ? 20 : 40;
	uint8_t *l4;

	if (src->family != dst->family || (src->family != 4 && src->family != 6))
		return 0;
	if (cap < hl + 8 + len || hl + 8 + len > 65535)
		return 0;
	ip_header(out, src, dst, src->family == 4 ? IPPROTO_NUM_ICMP : IPPROTO_NUM_ICMPV6,
		  8 + len, ttl);
	l4 = out + hl;
	if (src->family == 4)
		l4[0] = request ? ICMPPKT_V4_ECHO : ICMPPKT_V4_ECHO_REPLY;
	else
		l4[0] = request ? ICMPPKT_V6_ECHO : ICMPPKT_V6_ECHO_REPLY;
	l4[1] = 0;
	put16(l4 + 4, id);
	put16(l4 + 6, seq);
	if (len)
		memcpy(l4 + 8, payload, len);
	icmp_checksum(l4, 8 + len, src, dst);
	return hl + 8 + len;
}

static bool addr_unanswerable(const struct ip_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == 4)
		return a->a[0] == 0 || a->a[0] == 127 || a->a[0] >= 224;
	return !memcmp(a->a, zero, 16) || a->a[0] == 0xff ||
	       (!memcmp(a->a, zero, 15) && a->a[15] == 1);
}

bool icmppkt_may_answer(const struct pkt_meta *m)
{
	if (m->depth < PKT_L3 || m->later_fragment || addr_unanswerable(&m->src))
		return false;
	if (m->ip_version == 4 && m->dst.a[0] >= 224)
		return false;	/* multicast / broadcast destination */
	if (m->ip_version == 6 && m->dst.a[0] == 0xff)
		return false;
	if (m->depth == PKT_L4 && m->proto == IPPROTO_NUM_ICMP)
		return m->icmp_type == ICMPPKT_V4_ECHO || m->icmp_type == 13 ||
		       m->icmp_type == 15 || m->icmp_type == 17;
	if (m->depth == PKT_L4 && m->proto == IPPROTO_NUM_ICMPV6)
		return m->icmp_type >= 128;	/* informational */
	if ((m->proto == IPPROTO_NUM_ICMP || m->proto == IPPROTO_NUM_ICMPV6) &&
	    m->depth < PKT_L4)
		return false;
	return true;
}

int icmppkt_dec_ttl(uint8_t *p, size_t len)
{
	uint32_t sum;

	if (len < 1)
		return -1;
	if (p[0] >> 4 == 4) {
		if (len < 20 || p[8] <= 1)
			return -1;
		p[8]--;
		/* RFC 1624: HC' = ~(~HC + ~m + m'); the TTL is the high byte. */
		sum = (uint32_t)(~(p[10] << 8 | p[11]) & 0xffff);
		sum += 0xffff & ~((uint32_t)(p[8] + 1) << 8);
		sum += (uint32_t)p[8] << 8;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		p[10] = (uint8_t)(sum >> 8);
		p[11] = (uint8_t)sum;
		return p[8];
	}
	if (len < 40 || p[7] <= 1)
		return -1;
	return --p[7];
}

bool icmppkt_csum_ok(const struct ip_addr *src, const struct ip_addr *dst,
		     const uint8_t *l4, size_t len)
{
	uint32_t s = 0;

	if (src->family == 6)
		s = pkt_pseudo_sum(src, dst, IPPROTO_NUM_ICMPV6, (uint32_t)len);
	return pkt_csum_fold(pkt_csum_add(s, l4, len)) == 0;
}
