/* SPDX-License-Identifier: BSD-2-Clause */
/* test_sflow.c - sFlow v5 decoder on hand-built datagrams */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "flow/flow.h"

#define MAXREC 64

struct sink {
	struct flow_rec r[MAXREC];
	size_t n;
};

static void sink_fn(void *arg, const struct flow_rec *recs, size_t n)
{
	struct sink *s = arg;
	size_t i;

	for (i = 0; i < n && s->n < MAXREC; i++)
		s->r[s->n++] = recs[i];
}

/* A datagram under construction; sub_open()/sub_close() patch nested lengths. */
struct pkt {
	uint8_t b[8192];
	size_t len;
	size_t stack[8];
	int depth;
};

static void put8(struct pkt *p, uint8_t v) { p->b[p->len++] = v; }
static void put32(struct pkt *p, uint32_t v)
{
	put8(p, (uint8_t)(v >> 24));
	put8(p, (uint8_t)(v >> 16));
	put8(p, (uint8_t)(v >> 8));
	put8(p, (uint8_t)v);
}
static void put64(struct pkt *p, uint64_t v) { put32(p, (uint32_t)(v >> 32)); put32(p, (uint32_t)v); }
static void putb(struct pkt *p, const void *d, size_t n) { memcpy(p->b + p->len, d, n); p->len += n; }

/* format word, then a length patched by sub_close() */
static void sub_open(struct pkt *p, uint32_t fmt)
{
	put32(p, fmt);
	p->stack[p->depth++] = p->len;
	put32(p, 0);
}

static void sub_close(struct pkt *p)
{
	size_t at = p->stack[--p->depth];
	uint32_t n = (uint32_t)(p->len - at - 4);

	p->b[at] = (uint8_t)(n >> 24);
	p->b[at + 1] = (uint8_t)(n >> 16);
	p->b[at + 2] = (uint8_t)(n >> 8);
	p->b[at + 3] = (uint8_t)n;
}

static void put_addr(struct pkt *p, const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	put32(p, a.family == 4 ? 1 : 2);
	putb(p, a.a, a.family == 4 ? 4 : 16);
}

static void dgram(struct pkt *p, const char *agent, uint32_t sub, uint32_t seq,
		  uint32_t uptime, uint32_t nsamples)
{
	memset(p, 0, sizeof(*p));
	put32(p, 5);
	put_addr(p, agent);
	put32(p, sub);
	put32(p, seq);
	put32(p, uptime);
	put32(p, nsamples);
}

/* compact flow sample header (format 1), opened; sub_close() after records */
static void flow_sample(struct pkt *p, uint32_t seq, uint32_t src, uint32_t rate,
			uint32_t in, uint32_t out, uint32_t nrec)
{
	sub_open(p, 1);
	put32(p, seq);
	put32(p, src);
	put32(p, rate);
	put32(p, 123456);	/* pool */
	put32(p, 0);		/* drops */
	put32(p, in);
	put32(p, out);
	put32(p, nrec);
}

static void raw_header(struct pkt *p, uint32_t proto, uint32_t frame_len,
		       const uint8_t *h, size_t n)
{
	sub_open(p, 1);
	put32(p, proto);
	put32(p, frame_len);
	put32(p, 4);		/* stripped FCS */
	put32(p, (uint32_t)n);
	putb(p, h, n);
	while (p->len % 4)
		put8(p, 0);
	sub_close(p);
}

/* Ethernet, 802.1Q VLAN 42, IPv4 10.1.1.1 -> 10.2.2.2 TTL 64 TOS 0x28, TCP 1234 -> 80 SYN|ACK */
static const uint8_t frame_v4[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0x81, 0x00, 0x00, 0x2a, 0x08, 0x00,
	0x45, 0x28, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 1, 1, 1, 10, 2, 2, 2,
	0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x12, 0xff, 0xff,
	0, 0, 0, 0,
};

/* IPv6 2001:db8::1 -> 2001:db8::2, traffic class 0xb8, flow label 0x12345, UDP 5353 -> 53 */
static const uint8_t pkt_v6[] = {
	0x6b, 0x81, 0x23, 0x45, 0x00, 0x08, 0x11, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	0x14, 0xe9, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

static struct flow_decoder *dec(struct sink *s, uint32_t override)
{
	struct flow_decoder_cfg cfg = { .sampling_override = override };

	memset(s, 0, sizeof(*s));
	return flow_decoder_new(&cfg, sink_fn, s);
}

static enum flow_err feed(struct flow_decoder *d, const struct pkt *p)
{
	struct flow_pkt fp = { .data = p->b, .len = p->len, .recv_ms = 1700000000000 };

	ip_addr_parse("127.0.0.9", &fp.src);	/* a relay: not the exporter */
	return flow_decode(d, &fp, FLOW_PROTO_NONE);
}

struct stats_find {
	const char *agent;
	uint32_t domain;
	struct flow_exp_stats st;
	int n;
};

static void find_fn(void *arg, const struct ip_addr *a, enum flow_proto proto,
		    uint32_t domain, const struct flow_exp_stats *st)
{
	struct stats_find *f = arg;
	char buf[IP_ADDR_STRLEN];

	assert_int_equal(proto, FLOW_PROTO_SFLOW5);
	f->n++;
	ip_addr_fmt(a, buf);
	if (domain == f->domain && !strcmp(buf, f->agent))
		f->st = *st;
}

static struct flow_exp_stats stats(struct flow_decoder *d, const char *agent,
				   uint32_t domain)
{
	struct stats_find f = { .agent = agent, .domain = domain };

	flow_decoder_foreach(d, find_fn, &f);
	return f.st;
}

static void assert_addr(const struct ip_addr *a, const char *s)
{
	char buf[IP_ADDR_STRLEN];

	ip_addr_fmt(a, buf);
	assert_string_equal(buf, s);
}

static void test_flow_sample(void **state)
{
	static const uint8_t smac[] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
	static const uint8_t dmac[] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	const struct flow_rec *r;
	struct flow_exp_stats st;
	struct pkt p;

	(void)state;
	dgram(&p, "192.0.2.1", 3, 1, 5000, 1);
	flow_sample(&p, 77, 0x00000007, 512, 7, 9, 4);
	raw_header(&p, 1, 1522, frame_v4, sizeof(frame_v4));
	sub_open(&p, 1001);			/* extended switch */
	put32(&p, 100); put32(&p, 5); put32(&p, 200); put32(&p, 0);
	sub_close(&p);
	sub_open(&p, 1002);			/* extended router */
	put_addr(&p, "10.9.9.9"); put32(&p, 8); put32(&p, 22);
	sub_close(&p);
	sub_open(&p, 1003);			/* extended gateway */
	put_addr(&p, "10.8.8.8");
	put32(&p, 65000);		/* as */
	put32(&p, 64496);		/* src_as */
	put32(&p, 64497);		/* src_peer_as */
	put32(&p, 2);			/* two segments */
	put32(&p, 2); put32(&p, 2); put32(&p, 64500); put32(&p, 64501);
	put32(&p, 1); put32(&p, 1); put32(&p, 64511);
	put32(&p, 1); put32(&p, 0xfde80001);	/* one community */
	put32(&p, 100);			/* localpref */
	sub_close(&p);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_OK);
	assert_int_equal(s.n, 1);
	r = &s.r[0];
	assert_int_equal(r->type, FLOW_REC_FLOW);
	assert_int_equal(r->proto_version, FLOW_PROTO_SFLOW5);
	assert_addr(&r->exporter, "192.0.2.1");
	assert_int_equal(r->domain, 3);
	assert_int_equal(r->seq, 77);
	assert_int_equal(r->packets, 1);
	assert_int_equal(r->bytes, 1522);
	assert_int_equal(r->sampling_rate, 512);
	assert_int_equal(r->in_if, 7);
	assert_int_equal(r->out_if, 9);
	assert_int_equal(r->ip_version, 4);
	assert_addr(&r->src, "10.1.1.1");
	assert_addr(&r->dst, "10.2.2.2");
	assert_int_equal(r->proto, 6);
	assert_int_equal(r->tos, 0x28);
	assert_int_equal(r->src_port, 1234);
	assert_int_equal(r->dst_port, 80);
	assert_int_equal(r->tcp_flags, 0x12);
	assert_memory_equal(r->src_mac, smac, 6);
	assert_memory_equal(r->dst_mac, dmac, 6);
	assert_int_equal(r->vlan, 100);		/* the switch record wins over the tag */
	assert_addr(&r->next_hop, "10.9.9.9");
	assert_int_equal(r->src_mask, 8);
	assert_int_equal(r->dst_mask, 22);
	assert_addr(&r->bgp_next_hop, "10.8.8.8");
	assert_int_equal(r->src_as, 64496);
	assert_int_equal(r->dst_as, 64511);
	assert_int_equal(r->export_ms, 0);
	assert_int_equal(r->recv_ms, 1700000000000);
	assert_true(flow_has(r, FF_SEQ) && flow_has(r, FF_PACKETS) && flow_has(r, FF_BYTES));
	assert_true(flow_has(r, FF_IN_IF) && flow_has(r, FF_OUT_IF));
	assert_true(flow_has(r, FF_SRC) && flow_has(r, FF_DST) && flow_has(r, FF_PROTO));
	assert_true(flow_has(r, FF_TOS) && flow_has(r, FF_SRC_PORT) && flow_has(r, FF_DST_PORT));
	assert_true(flow_has(r, FF_TCP_FLAGS) && flow_has(r, FF_SRC_MAC) && flow_has(r, FF_DST_MAC));
	assert_true(flow_has(r, FF_VLAN) && flow_has(r, FF_NEXT_HOP) && flow_has(r, FF_BGP_NEXT_HOP));
	assert_true(flow_has(r, FF_SRC_MASK) && flow_has(r, FF_DST_MASK));
	assert_true(flow_has(r, FF_SRC_AS) && flow_has(r, FF_DST_AS));
	assert_false(flow_has(r, FF_TIME_START) || flow_has(r, FF_ICMP) || flow_has(r, FF_FLOW_LABEL));
	st = stats(d, "192.0.2.1", 3);
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.bytes, p.len);
	flow_decoder_free(d);
}

static void test_ipv6_expanded(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	const struct flow_rec *r;
	struct pkt p;

	(void)state;
	dgram(&p, "2001:db8::a", 0, 1, 5000, 2);
	sub_open(&p, 3);			/* expanded flow sample */
	put32(&p, 1);			/* seq */
	put32(&p, 0); put32(&p, 0x123);	/* source: ifIndex 0x123 */
	put32(&p, 0);			/* rate 0: treated as unsampled */
	put32(&p, 0); put32(&p, 0);
	put32(&p, 0); put32(&p, 0xffffffff);	/* input: the device itself */
	put32(&p, 2); put32(&p, 3);		/* output: three interfaces */
	put32(&p, 1);
	raw_header(&p, 12, 48, pkt_v6, sizeof(pkt_v6));
	sub_close(&p);
	sub_open(&p, 3);
	put32(&p, 2);
	put32(&p, 0); put32(&p, 0x123);
	put32(&p, 10);
	put32(&p, 0); put32(&p, 0);
	put32(&p, 0); put32(&p, 0x40000000);	/* input: large ifIndex */
	put32(&p, 1); put32(&p, 258);		/* output: dropped */
	put32(&p, 0);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_OK);
	assert_int_equal(s.n, 2);
	r = &s.r[0];
	assert_addr(&r->exporter, "2001:db8::a");
	assert_int_equal(r->ip_version, 6);
	assert_addr(&r->src, "2001:db8::1");
	assert_addr(&r->dst, "2001:db8::2");
	assert_int_equal(r->proto, 17);
	assert_int_equal(r->tos, 0xb8);
	assert_int_equal(r->flow_label, 0x12345);
	assert_true(flow_has(r, FF_FLOW_LABEL));
	assert_int_equal(r->src_port, 5353);
	assert_int_equal(r->dst_port, 53);
	assert_false(flow_has(r, FF_TCP_FLAGS) || flow_has(r, FF_SRC_MAC) || flow_has(r, FF_VLAN));
	assert_false(flow_has(r, FF_IN_IF) || flow_has(r, FF_OUT_IF) || flow_has(r, FF_FWD_STATUS));
	assert_int_equal(r->bytes, 48);
	assert_int_equal(r->sampling_rate, 1);
	r = &s.r[1];
	assert_int_equal(r->in_if, 0x40000000);
	assert_true(flow_has(r, FF_IN_IF));
	assert_false(flow_has(r, FF_OUT_IF) || flow_has(r, FF_SRC));
	assert_int_equal(r->fwd_status, 0x80);
	assert_int_equal(r->sampling_rate, 10);
	/* compact and expanded samples of one source share a sequence */
	dgram(&p, "2001:db8::a", 0, 2, 5001, 1);
	flow_sample(&p, 5, 0x123, 10, 0x3fffffff, 0x80000004, 0);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_OK);
	assert_int_equal(stats(d, "2001:db8::a", 0).seq_samples_lost, 2);
	r = &s.r[2];
	assert_false(flow_has(r, FF_IN_IF) || flow_has(r, FF_OUT_IF));
	flow_decoder_free(d);
}

static void test_sampled_records(void **state)
{
	static const uint8_t mac[] = { 2, 0, 0, 0, 0, 1 };
	struct sink s;
	struct flow_decoder *d = dec(&s, 2048);
	const struct flow_rec *r;
	struct pkt p;

	(void)state;
	dgram(&p, "192.0.2.1", 0, 1, 5000, 3);
	flow_sample(&p, 1, 1, 100, 1, 2, 2);
	sub_open(&p, 3);			/* sampled IPv4 */
	put32(&p, 1400); put32(&p, 1);
	put32(&p, 0xc0000201); put32(&p, 0xc0000202);
	put32(&p, 0); put32(&p, 0x0800); put32(&p, 0); put32(&p, 0x10);
	sub_close(&p);
	sub_open(&p, 2);			/* sampled Ethernet: its length wins */
	put32(&p, 1418);
	putb(&p, mac, 6); put8(&p, 0); put8(&p, 0);
	putb(&p, mac, 6); put8(&p, 0); put8(&p, 0);
	put32(&p, 0x0800);
	sub_close(&p);
	sub_close(&p);
	flow_sample(&p, 2, 1, 100, 1, 2, 2);
	sub_open(&p, 4);			/* sampled IPv6 */
	put32(&p, 1280); put32(&p, 6);
	putb(&p, pkt_v6 + 8, 32);
	put32(&p, 443); put32(&p, 50000); put32(&p, 0x18); put32(&p, 0x20);
	sub_close(&p);
	sub_open(&p, 4413 << 12 | 1);	/* vendor record: skipped */
	put32(&p, 0xdeadbeef);
	sub_close(&p);
	sub_close(&p);
	sub_open(&p, 4300 << 12 | 7);	/* vendor sample: skipped */
	put32(&p, 1);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_OK);
	assert_int_equal(s.n, 2);
	r = &s.r[0];
	assert_addr(&r->src, "192.0.2.1");
	assert_addr(&r->dst, "192.0.2.2");
	assert_int_equal(r->proto, 1);
	assert_int_equal(r->dst_port, 0x0800);
	assert_int_equal(r->tos, 0x10);
	assert_int_equal(r->bytes, 1418);
	assert_memory_equal(r->src_mac, mac, 6);
	assert_int_equal(r->sampling_rate, 2048);	/* override */
	r = &s.r[1];
	assert_int_equal(r->ip_version, 6);
	assert_addr(&r->dst, "2001:db8::2");
	assert_int_equal(r->src_port, 443);
	assert_int_equal(r->tcp_flags, 0x18);
	assert_int_equal(r->tos, 0x20);
	assert_int_equal(r->bytes, 1280);
	assert_int_equal(stats(d, "192.0.2.1", 0).samples_skipped, 1);
	flow_decoder_free(d);
}

static void test_truncated_header(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	const struct flow_rec *r;
	struct pkt p;

	(void)state;
	dgram(&p, "192.0.2.1", 0, 1, 5000, 2);
	flow_sample(&p, 1, 1, 100, 1, 2, 2);
	sub_open(&p, 1001);		/* VLAN 0: untagged, the tag in the header wins */
	put32(&p, 0); put32(&p, 0); put32(&p, 0); put32(&p, 0);
	sub_close(&p);
	raw_header(&p, 1, 1522, frame_v4, 18 + 20 + 2);	/* 2 bytes of TCP */
	sub_close(&p);
	flow_sample(&p, 2, 1, 100, 1, 2, 1);
	raw_header(&p, 1, 1522, frame_v4, 18 + 10);	/* half an IPv4 header */
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_OK);
	assert_int_equal(s.n, 2);
	r = &s.r[0];
	assert_addr(&r->src, "10.1.1.1");
	assert_int_equal(r->vlan, 42);
	assert_true(flow_has(r, FF_PROTO) && flow_has(r, FF_VLAN));
	assert_false(flow_has(r, FF_SRC_PORT) || flow_has(r, FF_TCP_FLAGS));
	r = &s.r[1];
	assert_true(flow_has(r, FF_SRC_MAC) && flow_has(r, FF_VLAN) && flow_has(r, FF_BYTES));
	assert_false(flow_has(r, FF_SRC) || flow_has(r, FF_PROTO));
	flow_decoder_free(d);
}

static void generic_counters(struct pkt *p, uint32_t ifindex)
{
	sub_open(p, 1);
	put32(p, ifindex); put32(p, 6); put64(p, 10000000000ull);
	put32(p, 1); put32(p, 3);
	put64(p, 0x100000000ull + 5);
	put32(p, 11); put32(p, 12); put32(p, 13); put32(p, 14); put32(p, 15); put32(p, 16);
	put64(p, 77);
	put32(p, 21); put32(p, 22); put32(p, 23); put32(p, 24); put32(p, 25);
	put32(p, 1);
	sub_close(p);
}

static void test_counters(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	const struct flow_rec *r;
	struct flow_totals t;
	struct pkt p;

	(void)state;
	dgram(&p, "192.0.2.1", 0, 1, 5000, 2);
	sub_open(&p, 2);			/* counters sample */
	put32(&p, 9); put32(&p, 4);
	put32(&p, 2);
	sub_open(&p, 2);			/* ethernet counters: skipped */
	for (int i = 0; i < 13; i++)
		put32(&p, 0);
	sub_close(&p);
	generic_counters(&p, 4);
	sub_close(&p);
	sub_open(&p, 4);			/* expanded counters sample */
	put32(&p, 3); put32(&p, 0); put32(&p, 70000);
	put32(&p, 1);
	generic_counters(&p, 70000);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_OK);
	assert_int_equal(s.n, 2);
	r = &s.r[0];
	assert_int_equal(r->type, FLOW_REC_COUNTERS);
	assert_int_equal(r->in_if, 4);
	assert_int_equal(r->seq, 9);
	assert_true(flow_has(r, FF_IN_IF));
	assert_false(flow_has(r, FF_PACKETS) || flow_has(r, FF_BYTES));
	assert_int_equal(r->ctr.if_index, 4);
	assert_int_equal(r->ctr.if_type, 6);
	assert_int_equal(r->ctr.if_speed, 10000000000ull);
	assert_int_equal(r->ctr.if_direction, 1);
	assert_int_equal(r->ctr.if_status, 3);
	assert_int_equal(r->ctr.in_octets, 0x100000005ull);
	assert_int_equal(r->ctr.in_ucast, 11);
	assert_int_equal(r->ctr.in_mcast, 12);
	assert_int_equal(r->ctr.in_bcast, 13);
	assert_int_equal(r->ctr.in_discards, 14);
	assert_int_equal(r->ctr.in_errors, 15);
	assert_int_equal(r->ctr.in_unknown, 16);
	assert_int_equal(r->ctr.out_octets, 77);
	assert_int_equal(r->ctr.out_ucast, 21);
	assert_int_equal(r->ctr.out_mcast, 22);
	assert_int_equal(r->ctr.out_bcast, 23);
	assert_int_equal(r->ctr.out_discards, 24);
	assert_int_equal(r->ctr.out_errors, 25);
	assert_int_equal(r->ctr.promisc, 1);
	assert_int_equal(s.r[1].in_if, 70000);
	flow_decoder_totals(d, &t);
	assert_int_equal(t.counters, 2);
	assert_int_equal(t.flows, 0);
	assert_int_equal(t.records, 2);
	flow_decoder_free(d);
}

static void test_gateway_empty_path(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct pkt p;

	(void)state;
	dgram(&p, "192.0.2.1", 0, 1, 5000, 1);
	flow_sample(&p, 1, 1, 100, 1, 2, 1);
	sub_open(&p, 1003);
	put32(&p, 0);			/* next hop of unknown type */
	put32(&p, 65000); put32(&p, 0); put32(&p, 0);
	put32(&p, 0);			/* no path: destination is local */
	put32(&p, 0); put32(&p, 0);
	sub_close(&p);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_OK);
	assert_int_equal(s.r[0].dst_as, 65000);
	assert_int_equal(s.r[0].src_as, 0);
	assert_false(flow_has(&s.r[0], FF_BGP_NEXT_HOP));
	flow_decoder_free(d);
}

/* One sample-less datagram from @agent. */
static void seq_dgram(struct flow_decoder *d, uint32_t seq, uint32_t uptime,
		      uint32_t sample_seq)
{
	struct pkt p;

	dgram(&p, "192.0.2.1", 0, seq, uptime, 1);
	flow_sample(&p, sample_seq, 5, 100, 1, 2, 0);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_OK);
}

static void test_sequence(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct flow_exp_stats st;

	(void)state;
	seq_dgram(d, 10, 1000000, 100);
	seq_dgram(d, 11, 1001000, 101);
	seq_dgram(d, 14, 1003000, 110);	/* 2 datagrams, 8 samples lost */
	st = stats(d, "192.0.2.1", 0);
	assert_int_equal(st.seq_lost, 2);
	assert_int_equal(st.seq_samples_lost, 8);
	assert_int_equal(st.seq_restarts, 0);
	seq_dgram(d, 13, 1002900, 109);	/* late: older uptime but no restart */
	st = stats(d, "192.0.2.1", 0);
	assert_int_equal(st.seq_lost, 1);
	assert_int_equal(st.seq_out_of_order, 1);
	assert_int_equal(st.seq_samples_lost, 7);
	assert_int_equal(st.seq_restarts, 0);
	seq_dgram(d, 1, 50, 1);		/* agent restarted */
	seq_dgram(d, 2, 1050, 2);
	st = stats(d, "192.0.2.1", 0);
	assert_int_equal(st.seq_restarts, 1);
	assert_int_equal(st.seq_lost, 1);
	assert_int_equal(st.seq_samples_lost, 7);
	assert_int_equal(st.seq_out_of_order, 1);
	/* a restart whose sequence numbers continue: still a restart */
	seq_dgram(d, 3, 20, 3);
	st = stats(d, "192.0.2.1", 0);
	assert_int_equal(st.seq_restarts, 2);
	assert_int_equal(st.packets, 7);
	flow_decoder_free(d);
}

static void test_malformed_header(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct flow_totals t;
	struct flow_pkt fp = { 0 };
	struct pkt p;

	(void)state;
	dgram(&p, "192.0.2.1", 0, 1, 5000, 0);
	p.len = 20;				/* cut inside the header */
	assert_int_equal(feed(d, &p), FE_SHORT);
	dgram(&p, "2001:db8::1", 0, 1, 5000, 0);
	p.len = 12;
	assert_int_equal(feed(d, &p), FE_SHORT);
	dgram(&p, "192.0.2.1", 0, 1, 5000, 0);
	p.b[7] = 3;				/* address type 3 */
	fp.data = p.b;
	fp.len = p.len;
	assert_int_equal(flow_decode(d, &fp, FLOW_PROTO_SFLOW5), FE_VERSION);
	p.b[7] = 0;				/* address type 0 */
	assert_int_equal(flow_decode(d, &fp, FLOW_PROTO_SFLOW5), FE_VERSION);
	p.b[7] = 1;
	p.b[3] = 4;				/* version 4 */
	assert_int_equal(flow_decode(d, &fp, FLOW_PROTO_SFLOW5), FE_VERSION);
	flow_decoder_totals(d, &t);
	assert_int_equal(t.errors[FE_SHORT], 2);
	assert_int_equal(t.errors[FE_VERSION], 3);
	assert_int_equal(t.exporters, 0);
	assert_int_equal(s.n, 0);
	flow_decoder_free(d);
}

static void test_malformed_samples(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct flow_exp_stats st;
	struct pkt p;
	size_t at;

	(void)state;
	/* 1: nested record longer than its sample: that sample is dropped,
	 * the next one decoded */
	dgram(&p, "192.0.2.1", 0, 1, 5000, 2);
	flow_sample(&p, 1, 1, 100, 1, 2, 1);
	sub_open(&p, 1001);
	put32(&p, 1); put32(&p, 0); put32(&p, 1); put32(&p, 0);
	sub_close(&p);
	sub_close(&p);
	p.b[p.len - 17] = 0xff;			/* record length 0xff10 */
	flow_sample(&p, 2, 1, 100, 1, 2, 0);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_SAMPLE);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].seq, 2);
	/* 2: raw header longer than its record */
	dgram(&p, "192.0.2.1", 0, 2, 5000, 1);
	flow_sample(&p, 3, 1, 100, 1, 2, 1);
	raw_header(&p, 1, 64, frame_v4, 20);
	sub_close(&p);
	p.b[p.len - 21] = 21;
	assert_int_equal(feed(d, &p), FE_SAMPLE);
	assert_int_equal(s.n, 1);
	/* 3: a sample running past the datagram: earlier samples kept */
	dgram(&p, "192.0.2.1", 0, 3, 5000, 2);
	flow_sample(&p, 4, 1, 100, 1, 2, 0);
	sub_close(&p);
	flow_sample(&p, 5, 1, 100, 1, 2, 0);
	sub_close(&p);
	p.len -= 4;
	assert_int_equal(feed(d, &p), FE_SAMPLE);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.r[1].seq, 4);
	/* 4: zero-length samples: a known format is malformed, an unknown
	 * one is skipped; huge num_samples stops at the end of the datagram */
	dgram(&p, "192.0.2.1", 0, 4, 5000, 0xffffffff);
	sub_open(&p, 1);
	sub_close(&p);
	sub_open(&p, 99);
	sub_close(&p);
	flow_sample(&p, 6, 1, 100, 1, 2, 0);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_SAMPLE);
	assert_int_equal(s.n, 3);
	dgram(&p, "192.0.2.1", 0, 5, 5000, 3);
	flow_sample(&p, 7, 1, 100, 1, 2, 0);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_LENGTH);	/* 3 announced, 1 there */
	assert_int_equal(s.n, 4);
	/* 5: huge record count, huge AS path, record shorter than its struct */
	dgram(&p, "192.0.2.1", 0, 6, 5000, 3);
	flow_sample(&p, 8, 1, 100, 1, 2, 0x7fffffff);
	sub_open(&p, 9999);
	sub_close(&p);
	sub_close(&p);
	flow_sample(&p, 9, 1, 100, 1, 2, 1);
	sub_open(&p, 1003);
	put32(&p, 1); put32(&p, 0); put32(&p, 1); put32(&p, 2); put32(&p, 3);
	put32(&p, 1);
	put32(&p, 2); put32(&p, 0x40000000); put32(&p, 5);
	sub_close(&p);
	sub_close(&p);
	flow_sample(&p, 10, 1, 100, 1, 2, 1);
	sub_open(&p, 3);
	put32(&p, 1400);
	sub_close(&p);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_SAMPLE);
	assert_int_equal(s.n, 4);
	/* 6: a short generic counters record */
	dgram(&p, "192.0.2.1", 0, 7, 5000, 1);
	sub_open(&p, 2);
	put32(&p, 1); put32(&p, 1); put32(&p, 1);
	at = p.len;
	generic_counters(&p, 1);
	p.len -= 8;
	p.b[at + 7] -= 8;
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_SAMPLE);
	assert_int_equal(s.n, 4);
	st = stats(d, "192.0.2.1", 0);
	assert_int_equal(st.errors[FE_SAMPLE], 8);
	assert_int_equal(st.errors[FE_LENGTH], 2);	/* 0xffffffff and 3 announced */
	assert_int_equal(st.samples_skipped, 1);
	assert_int_equal(st.packets, 7);
	assert_int_equal(st.records, 4);
	flow_decoder_free(d);
}

/* Sample sequences are tracked for at most 1024 sources per agent. */
static void test_source_limit(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct pkt p;
	uint32_t i, round;

	(void)state;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 1100; i++) {
			/* each source skips sample 2: one lost per tracked source */
			dgram(&p, "192.0.2.1", 0, round * 1100 + i + 1, 5000 + round, 1);
			flow_sample(&p, round ? 3 : 1, i + 1, 100, 1, 2, 0);
			sub_close(&p);
			assert_int_equal(feed(d, &p), FE_OK);
		}
	}
	assert_int_equal(stats(d, "192.0.2.1", 0).seq_samples_lost, 1024);
	assert_int_equal(stats(d, "192.0.2.1", 0).seq_lost, 0);
	flow_decoder_free(d);
}

/* 32-bit words holding 8/16-bit values (masks, ports, protocol, ToS):
 * one that does not fit is left out, not cut. */
static void test_wide_values_left_out(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	const struct flow_rec *r;
	struct pkt p;

	(void)state;
	dgram(&p, "192.0.2.1", 0, 1, 5000, 2);
	flow_sample(&p, 1, 1, 100, 1, 2, 2);
	sub_open(&p, 3);			/* sampled IPv4 */
	put32(&p, 100); put32(&p, 0x106);
	put32(&p, 0xc0000201); put32(&p, 0xc0000202);
	put32(&p, 70000); put32(&p, 80); put32(&p, 0x112); put32(&p, 0x100);
	sub_close(&p);
	sub_open(&p, 1002);			/* extended router */
	put32(&p, 0);				/* next hop: unknown */
	put32(&p, 24); put32(&p, 300);
	sub_close(&p);
	sub_close(&p);
	flow_sample(&p, 2, 1, 100, 1, 2, 2);
	sub_open(&p, 3);
	put32(&p, 100); put32(&p, 17);
	put32(&p, 0xc0000201); put32(&p, 0xc0000202);
	put32(&p, 53); put32(&p, 5353); put32(&p, 0); put32(&p, 0xb8);
	sub_close(&p);
	sub_open(&p, 1002);
	put32(&p, 0);
	put32(&p, 129); put32(&p, 128);
	sub_close(&p);
	sub_close(&p);
	assert_int_equal(feed(d, &p), FE_OK);
	assert_int_equal(s.n, 2);
	r = &s.r[0];
	assert_false(flow_has(r, FF_PROTO));
	assert_false(flow_has(r, FF_TOS));
	assert_false(flow_has(r, FF_SRC_PORT));
	assert_false(flow_has(r, FF_DST_PORT));
	assert_true(flow_has(r, FF_SRC_MASK));
	assert_int_equal(r->src_mask, 24);
	assert_false(flow_has(r, FF_DST_MASK));
	assert_int_equal(r->tcp_flags, 0x12);
	r = &s.r[1];
	assert_int_equal(r->proto, 17);
	assert_int_equal(r->tos, 0xb8);
	assert_int_equal(r->src_port, 53);
	assert_int_equal(r->dst_port, 5353);
	assert_false(flow_has(r, FF_SRC_MASK));
	assert_int_equal(r->dst_mask, 128);
	flow_decoder_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_sample),
		cmocka_unit_test(test_ipv6_expanded),
		cmocka_unit_test(test_sampled_records),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_gateway_empty_path),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_malformed_header),
		cmocka_unit_test(test_malformed_samples),
		cmocka_unit_test(test_source_limit),
		cmocka_unit_test(test_wide_values_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
