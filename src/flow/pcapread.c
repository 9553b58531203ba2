/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcapread.c - UDP datagrams out of pcap/pcapng captures
 *
 * The link layer is stripped by pkt_parse(); the IP layer is parsed here
 * again, because reassembly needs what pkt_parse() summarises away
 * (fragment offsets, the IPv6 fragment header's place in the chain).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "flow/pcapread.h"
#include "lib/cursor.h"

#define IP6_NH_HOPOPTS 0
#define IP6_NH_ROUTING 43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_AH 51
#define IP6_NH_DSTOPTS 60
#define IP6_NH_MOBILITY 135
#define IP6_MAX_EXT 8

int cap_reader_init(struct cap_reader *r, const struct ipfrag_cfg *fcfg,
		    cap_dgram_fn fn, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->frag = ipfrag_new(fcfg);
	if (!r->frag)
		return -1;
	r->fn = fn;
	r->arg = arg;
	return 0;
}

void cap_reader_free(struct cap_reader *r)
{
	ipfrag_free(r->frag);
	r->frag = NULL;
}

int cap_link_from_dlt(int dlt, enum pkt_link *link)
{
	switch (dlt) {
	case DLT_EN10MB:
		*link = PKT_LINK_ETH;
		return 0;
	case DLT_LINUX_SLL:
		*link = PKT_LINK_SLL;
		return 0;
	case DLT_LINUX_SLL2:
		*link = PKT_LINK_SLL2;
		return 0;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		*link = PKT_LINK_RAW;
		return 0;
	case DLT_NULL:
	case DLT_LOOP:
		/* the 4-byte family is skipped; the IP version nibble decides */
		*link = PKT_LINK_NULL;
		return 0;
	default:
		return -1;
	}
}

/* A UDP header and payload, complete (not a fragment). */
static void udp_deliver(struct cap_reader *r, struct cursor *c, bool cut,
			const struct ip_addr *src, const struct ip_addr *dst,
			int64_t ts_ms, bool reassembled)
{
	struct cap_dgram d = { .src = *src, .dst = *dst, .ts_ms = ts_ms,
			       .reassembled = reassembled };
	uint16_t ulen;

	d.sport = cur_u16(c);
	d.dport = cur_u16(c);
	ulen = cur_u16(c);
	cur_skip(c, 2);
	if (!cur_ok(c)) {
		if (cut)
			r->st.snap_truncated++;
		else
			r->st.udp_errors++;
		return;
	}
	if (ulen == 0 && src->family == 6) {
		ulen = (uint16_t)(cur_left(c) + 8 > 0xffff ? 0xffff : cur_left(c) + 8);
	}
	if (ulen < 8) {
		r->st.udp_errors++;
		return;
	}
	if (ulen - 8u > cur_left(c)) {
		if (cut)
			r->st.snap_truncated++;
		else
			r->st.udp_errors++;
		return;
	}
	d.data = cur_ptr(c);
	d.len = ulen - 8u;
	r->st.udp_datagrams++;
	r->fn(r->arg, &d);
}

static void frag_deliver(struct cap_reader *r, struct ipfrag_frag *fr, int64_t ts_ms);

/* Walk IPv6 extension headers from @nh; returns the upper-layer protocol.
 * A fragment header is reported through @fr (fr->len set to the rest).
 * Return: the protocol, or -1 on a malformed chain (counted). */
static int ip6_walk(struct cap_reader *r, struct cursor *c, uint8_t nh,
		    struct ipfrag_frag *fr, bool *is_frag)
{
	int guard;

	for (guard = 0; guard < IP6_MAX_EXT; guard++) {
		uint8_t next, hlen;

		switch (nh) {
		case IP6_NH_HOPOPTS:
		case IP6_NH_ROUTING:
		case IP6_NH_DSTOPTS:
		case IP6_NH_MOBILITY:
			next = cur_u8(c);
			hlen = cur_u8(c);
			cur_skip(c, (size_t)hlen * 8 + 6);
			break;
		case IP6_NH_AH:
			next = cur_u8(c);
			hlen = cur_u8(c);
			cur_skip(c, (size_t)(hlen + 2) * 4 - 2);
			break;
		case IP6_NH_FRAGMENT: {
			uint16_t off;

			if (!fr) {	/* a fragment header inside a fragment */
				r->st.ip_errors++;
				return -1;
			}
			next = cur_u8(c);
			cur_skip(c, 1);
			off = cur_u16(c);
			fr->id = cur_u32(c);
			fr->offset = off & 0xfff8u;
			fr->more = off & 1;
			fr->proto = next;
			if (!cur_ok(c))
				break;
			/* offset 0 without M is an atomic fragment (RFC 6946) */
			if (fr->offset || fr->more)
				*is_frag = true;
			fr = NULL;
			break;
		}
		default:
			return nh;
		}
		if (!cur_ok(c)) {
			r->st.ip_errors++;
			return -1;
		}
		nh = next;
	}
	r->st.ip_errors++;
	return -1;
}

static void ip6_packet(struct cap_reader *r, struct cursor *c, bool cut, int64_t ts_ms)
{
	struct ipfrag_frag fr = { 0 };
	uint32_t w = cur_u32(c);
	uint16_t plen = cur_u16(c);
	uint8_t nh = cur_u8(c);
	const uint8_t *a;
	bool is_frag = false;
	int proto;

	cur_skip(c, 1);
	a = cur_bytes(c, 32);
	if (!a || w >> 28 != 6) {
		if (cut && !a)
			r->st.snap_truncated++;
		else
			r->st.ip_errors++;
		return;
	}
	ip_addr_set6(&fr.src, a);
	ip_addr_set6(&fr.dst, a + 16);
	if (plen > cur_left(c)) {
		if (cut)
			r->st.snap_truncated++;
		else
			r->st.ip_errors++;
		return;
	}
	if (plen)			/* 0: jumbogram, keep what is there */
		c->len = c->off + plen;
	proto = ip6_walk(r, c, nh, &fr, &is_frag);
	if (proto < 0)
		return;
	if (is_frag) {
		fr.data = cur_ptr(c);
		fr.len = cur_left(c);
		if (cut) {
			r->st.snap_truncated++;
			return;
		}
		frag_deliver(r, &fr, ts_ms);
		return;
	}
	if (proto != IPPROTO_NUM_UDP) {
		r->st.non_udp++;
		return;
	}
	udp_deliver(r, c, cut, &fr.src, &fr.dst, ts_ms, false);
}

static void ip4_packet(struct cap_reader *r, struct cursor *c, bool cut, int64_t ts_ms)
{
	struct ipfrag_frag fr = { 0 };
	uint8_t vihl = cur_u8(c);
	size_t hlen = (size_t)(vihl & 15) * 4;
	uint16_t tot, frag;
	const uint8_t *a;

	cur_skip(c, 1);
	tot = cur_u16(c);
	fr.id = cur_u16(c);
	frag = cur_u16(c);
	cur_skip(c, 1);
	fr.proto = cur_u8(c);
	cur_skip(c, 2);
	a = cur_bytes(c, 8);
	if (!a || vihl >> 4 != 4 || hlen < 20 || tot < hlen) {
		if (cut && !a)
			r->st.snap_truncated++;
		else
			r->st.ip_errors++;
		return;
	}
	ip_addr_set4(&fr.src, a);
	ip_addr_set4(&fr.dst, a + 4);
	if (!cur_skip(c, hlen - 20) || tot - hlen > cur_left(c)) {
		if (cut)
			r->st.snap_truncated++;
		else
			r->st.ip_errors++;
		return;
	}
	c->len = c->off + (tot - hlen);	/* drop Ethernet padding */
	if (frag & 0x3fff) {		/* MF set or an offset */
		fr.offset = (uint32_t)(frag & 0x1fff) * 8;
		fr.more = frag & 0x2000;
		fr.data = cur_ptr(c);
		fr.len = cur_left(c);
		if (fr.proto != IPPROTO_NUM_UDP) {
			r->st.non_udp++;
			return;
		}
		if (cut) {
			r->st.snap_truncated++;
			return;
		}
		frag_deliver(r, &fr, ts_ms);
		return;
	}
	if (fr.proto != IPPROTO_NUM_UDP) {
		r->st.non_udp++;
		return;
	}
	udp_deliver(r, c, cut, &fr.src, &fr.dst, ts_ms, false);
}

static void frag_deliver(struct cap_reader *r, struct ipfrag_frag *fr, int64_t ts_ms)
{
	const uint8_t *p;
	size_t len;
	uint8_t proto;
	struct cursor c;
	int up;

	if (ipfrag_add(r->frag, fr, ts_ms, &p, &len, &proto) != 1)
		return;
	c = cur_init(p, len);
	up = proto;
	if (fr->src.family == 6) {
		/* extension headers may follow the fragment header */
		up = ip6_walk(r, &c, proto, NULL, NULL);
		if (up < 0)
			return;
	}
	if (up != IPPROTO_NUM_UDP) {
		r->st.non_udp++;
		return;
	}
	udp_deliver(r, &c, false, &fr->src, &fr->dst, ts_ms, true);
}

void cap_packet(struct cap_reader *r, const uint8_t *p, size_t caplen,
		size_t wirelen, int64_t ts_ms)
{
	struct pkt_meta m;
	struct cursor c;
	bool cut = caplen < wirelen;
	uint8_t v;

	r->st.packets++;
	r->st.bytes += caplen;
	if (ts_ms - r->last_expire_ms >= 1000 || ts_ms < r->last_expire_ms) {
		ipfrag_expire(r->frag, ts_ms);
		r->last_expire_ms = ts_ms;
	}
	pkt_parse(p, caplen, r->link, &m);
	if (m.depth < PKT_L2 && r->link != PKT_LINK_RAW) {
		if (cut)
			r->st.snap_truncated++;
		else
			r->st.link_errors++;
		return;
	}
	if (!m.l3 || !m.l3_len) {
		r->st.non_ip++;
		return;
	}
	v = m.l3[0] >> 4;
	/* raw and loopback links have no ethertype: the version decides */
	if (m.ethertype != 0 && m.ethertype != ETH_TYPE_IPV4 &&
	    m.ethertype != ETH_TYPE_IPV6) {
		r->st.non_ip++;
		return;
	}
	if ((m.ethertype == ETH_TYPE_IPV4 && v != 4) ||
	    (m.ethertype == ETH_TYPE_IPV6 && v != 6) || (v != 4 && v != 6)) {
		r->st.ip_errors++;
		return;
	}
	c = cur_init(m.l3, m.l3_len);
	if (v == 4)
		ip4_packet(r, &c, cut, ts_ms);
	else
		ip6_packet(r, &c, cut, ts_ms);
}

int cap_read_file(struct cap_reader *r, const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	pcap_t *pc;
	int dlt, rc, ret = 0;

	pc = pcap_open_offline(path, ebuf);
	if (!pc) {
		const char *msg = ebuf;
		size_t plen = strlen(path);

		/* libpcap prefixes some messages with the path; we do too */
		if (!strncmp(msg, path, plen) && !strncmp(msg + plen, ": ", 2))
			msg += plen + 2;
		if (strstr(msg, "unknown file format") || strstr(msg, "bad dump file format"))
			snprintf(err, errlen, "not a pcap or pcapng capture (%s)", msg);
		else if (strstr(msg, "truncated"))
			snprintf(err, errlen, "truncated capture, no packets (%s)", msg);
		else
			snprintf(err, errlen, "%s", msg);
		return -1;
	}
	dlt = pcap_datalink(pc);
	if (cap_link_from_dlt(dlt, &r->link) < 0) {
		snprintf(err, errlen, "link type %s (%d) is not supported "
			 "(Ethernet, Linux cooked, raw IP, loopback are)",
			 pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?",
			 dlt);
		pcap_close(pc);
		return -1;
	}
	while (!(r->stop && *r->stop) && (rc = pcap_next_ex(pc, &h, &data)) == 1) {
		int64_t ts = (int64_t)h->ts.tv_sec * 1000 + h->ts.tv_usec / 1000;

		n++;
		/* pcapng with nanosecond resolution is converted to usec by
		 * pcap_open_offline, so tv_usec is always microseconds. */
		cap_packet(r, data, h->caplen, h->len, ts);
	}
	if (!(r->stop && *r->stop) && rc == PCAP_ERROR) {
		r->st.files_truncated++;
		snprintf(err, errlen, "%s%s", n ? "capture cut short: " :
			 "truncated capture, no packets: ", pcap_geterr(pc));
		ret = n ? 1 : -1;
	}
	pcap_close(pc);
	return ret;
}
