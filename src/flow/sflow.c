/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sflow.c - sFlow version 5 decoder (sflow.org sflow_version_5.txt)
 *
 * Theory of operation
 *
 * A datagram is a header (agent address, sub-agent id, datagram sequence,
 * uptime) and a list of samples; a flow sample holds flow records, a
 * counters sample holds counter records. Every sample and record carries
 * its own length, so the walk is: one cursor per datagram, a sub-cursor per
 * sample, a sub-cursor per record. The counts in the headers are attacker
 * controlled and only ever bound a loop that also stops when its cursor is
 * empty (and at a fixed cap); nothing is allocated per sample or record.
 *
 * Exporter = the agent address from the header (not the UDP source: an
 * sFlow datagram may be relayed), domain = sub-agent id.
 *
 * One flow_rec per flow sample: packets = 1, bytes = the sampled frame's
 * length as the agent reports it (for an Ethernet header record that is
 * the whole frame including the L2 header and FCS; NetFlow/IPFIX count IP
 * bytes, so sFlow byte totals run a few percent higher), sampling_rate =
 * the sample's rate. One flow_rec of type FLOW_REC_COUNTERS per generic
 * interface counters record.
 *
 * What is counted where (per agent+sub-agent):
 *   seq_lost/seq_out_of_order - datagram sequence (one unit per datagram);
 *   seq_restarts - uptime went backwards (agent restart): all sequence
 *     state of the agent is forgotten and re-learnt;
 *   seq_samples_lost - gaps in the sample sequence numbers, tracked per
 *     (data source, flow or counters) in a bounded table;
 *   samples_skipped - samples of a vendor enterprise or unknown format;
 *   FE_SAMPLE - a sample or one of its records is malformed: the sample is
 *     dropped, the datagram walk goes on with the next sample when the
 *     sample's own length was sound, stops otherwise;
 *   FE_LENGTH - fewer samples than the header announced, or more than
 *     SFLOW_MAX_SAMPLES.
 * Records of formats we do not decode are skipped silently (every counter
 * sample carries several; counting them would be noise).
 */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_int.h"
#include "lib/log.h"
#include "pkt/pkt.h"

#define SFLOW_MAX_SAMPLES 1024		/* per datagram */
#define SFLOW_MAX_RECORDS 256		/* per sample */
#define SFLOW_MAX_AS_SEGMENTS 256	/* per AS path */
#define SFLOW_MAX_SOURCES 1024		/* tracked sample sources per agent */
#define SFLOW_DGRAM_MAX_GAP (1u << 16)
#define SFLOW_SAMPLE_MAX_GAP (1u << 20)
/* A datagram at most this many sequence numbers and milliseconds of
 * uptime older than the newest is a reordered one, not a restart. */
#define SFLOW_REORDER 256
#define SFLOW_REORDER_MS 60000

#define SFLOW_IF_INTERNAL 0x3fffffffu
#define SFLOW_IFX_INTERNAL 0xffffffffu

/* Sample formats (enterprise 0). */
enum {
	SF_FLOW = 1, SF_COUNTERS = 2, SF_FLOW_EXP = 3, SF_COUNTERS_EXP = 4,
};
/* Flow record formats (enterprise 0). */
enum {
	SFR_HEADER = 1, SFR_ETHERNET = 2, SFR_IPV4 = 3, SFR_IPV6 = 4,
	SFR_SWITCH = 1001, SFR_ROUTER = 1002, SFR_GATEWAY = 1003,
};
/* Counter record formats (enterprise 0). */
#define SFC_GENERIC 1

/* Header protocols of the raw packet header record. */
enum { SFH_ETHERNET = 1, SFH_IPV4 = 11, SFH_IPV6 = 12 };

/* Sequence state of one sample source: key 0 marks an empty slot. */
struct sflow_src {
	uint64_t key;
	struct flow_seq seq;
};

struct sflow_state {
	bool have_uptime;
	uint32_t uptime;
	struct sflow_src *src;		/* open addressing, power-of-two size */
	uint32_t nsrc, cap;
	uint64_t src_full;		/* sources not tracked: table full */
	struct flow_exp_stats sst;	/* sample-sequence accounting */
};

static void sflow_state_free(struct flow_decoder *d, void *p)
{
	struct sflow_state *s = p;

	if (s) {
		flow_state_release(d, (size_t)s->cap * sizeof(*s->src));
		free(s->src);
	}
	free(s);
}

static const struct flow_state_ops sflow_ops = { .free = sflow_state_free };

static uint32_t src_slot(uint64_t key, uint32_t cap)
{
	return (uint32_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
}

/* Double the table; the growth is charged to the decoder's state budget. */
static int src_grow(struct flow_decoder *d, struct sflow_state *s)
{
	uint32_t ncap = s->cap ? s->cap * 2 : 16, i, j;
	size_t more = (size_t)(ncap - s->cap) * sizeof(struct sflow_src);
	struct sflow_src *n;

	if (!flow_state_charge(d, more))
		return -1;
	n = calloc(ncap, sizeof(*n));
	if (!n) {
		flow_state_release(d, more);
		return -1;
	}
	for (i = 0; i < s->cap; i++) {
		if (!s->src[i].key)
			continue;
		for (j = src_slot(s->src[i].key, ncap); n[j].key; j = (j + 1) & (ncap - 1))
			;
		n[j] = s->src[i];
	}
	free(s->src);
	s->src = n;
	s->cap = ncap;
	return 0;
}

static struct flow_seq *src_get(struct flow_decoder *d, const struct flow_exporter *e,
				struct sflow_state *s, uint64_t key)
{
	char buf[IP_ADDR_STRLEN];
	uint32_t i;

	if (s->cap) {
		for (i = src_slot(key, s->cap); s->src[i].key; i = (i + 1) & (s->cap - 1))
			if (s->src[i].key == key)
				return &s->src[i].seq;
	}
	/* keep the load at most 1/2 so probes stay short; a table that
	 * cannot grow (decoder state budget spent) takes no more sources */
	if (s->nsrc >= SFLOW_MAX_SOURCES ||
	    ((s->nsrc + 1) * 2 > s->cap && src_grow(d, s) < 0)) {
		/* once per agent: the count of such samples stays in src_full */
		if (!s->src_full++) {
			ip_addr_fmt(&e->addr, buf);
			log_warnx("sflow: agent %s sub-agent %u: sample source table "
				  "full at %u sources, sequence of the others not tracked",
				  buf, e->domain, s->nsrc);
		}
		return NULL;
	}
	for (i = src_slot(key, s->cap); s->src[i].key; i = (i + 1) & (s->cap - 1))
		;
	s->src[i].key = key;
	s->nsrc++;
	return &s->src[i].seq;
}

static void src_clear(struct sflow_state *s)
{
	if (s->src)
		memset(s->src, 0, (size_t)s->cap * sizeof(*s->src));
	s->nsrc = 0;
}

/* Sample sequence of (data source, kind); type and index as in the
 * expanded form so compact and expanded samples of one source agree. */
static void sample_seq(struct flow_decoder *d, const struct flow_exporter *e,
		       struct sflow_state *s,
		       bool counters, uint32_t type, uint32_t index, uint32_t seq)
{
	uint64_t key = UINT64_C(1) << 63 | (uint64_t)counters << 62 |
		       (uint64_t)(type & 0x3fffffff) << 32 | index;
	struct flow_seq *q = src_get(d, e, s, key);

	if (q)
		flow_seq_account(&s->sst, q, seq, 1, SFLOW_SAMPLE_MAX_GAP);
}

static void datagram_seq(struct flow_exporter *e, struct sflow_state *s,
			 uint32_t seq, uint32_t uptime)
{
	int32_t back = (int32_t)(uptime - s->uptime);

	if (s->have_uptime && back < 0) {
		int32_t late = (int32_t)(seq - e->seq.next);

		if (!(e->seq.init && late < 0 && late > -SFLOW_REORDER &&
		      back > -SFLOW_REORDER_MS)) {
			e->st.seq_restarts++;
			e->seq.init = false;
			src_clear(s);
			s->uptime = uptime;
		}
	} else {
		s->uptime = uptime;
	}
	s->have_uptime = true;
	flow_seq_account(&e->st, &e->seq, seq, 1, SFLOW_DGRAM_MAX_GAP);
}

/* An sFlow address: type 0 (unknown, no bytes), 1 (IPv4) or 2 (IPv6).
 * Return: 0 (@a is left unset for type 0), -1 when malformed. */
static int read_addr(struct cursor *c, struct ip_addr *a)
{
	uint32_t type = cur_u32(c);
	const uint8_t *p;

	memset(a, 0, sizeof(*a));
	switch (type) {
	case 0:
		return cur_ok(c) ? 0 : -1;
	case 1:
		if (!(p = cur_bytes(c, 4)))
			return -1;
		ip_addr_set4(a, p);
		return 0;
	case 2:
		if (!(p = cur_bytes(c, 16)))
			return -1;
		ip_addr_set6(a, p);
		return 0;
	default:
		return -1;
	}
}

/* What one flow sample collects from its records. */
struct sample_ctx {
	struct flow_rec *r;
	int bytes_rank;		/* which record set r->bytes (higher wins) */
};

static void set_bytes(struct sample_ctx *x, uint64_t bytes, int rank)
{
	if (rank > x->bytes_rank) {
		x->r->bytes = bytes;
		x->bytes_rank = rank;
		flow_set(x->r, FF_BYTES);
	}
}

static void fill_from_pkt(struct flow_rec *r, const struct pkt_meta *m, bool l2)
{
	if (l2 && m->depth >= PKT_L2) {
		memcpy(r->src_mac, m->src_mac, 6);
		memcpy(r->dst_mac, m->dst_mac, 6);
		flow_set(r, FF_SRC_MAC);
		flow_set(r, FF_DST_MAC);
		/* an extended switch record knows the VLAN better */
		if (m->has_vlan && !flow_has(r, FF_VLAN)) {
			r->vlan = m->vlan;
			flow_set(r, FF_VLAN);
		}
	}
	if (m->depth < PKT_L3)
		return;
	r->ip_version = m->ip_version;
	r->src = m->src;
	r->dst = m->dst;
	r->proto = m->proto;
	r->tos = m->tos;
	r->present |= FF_BIT(FF_SRC) | FF_BIT(FF_DST) | FF_BIT(FF_PROTO) | FF_BIT(FF_TOS);
	if (m->ip_version == 6) {
		r->flow_label = m->flow_label;
		flow_set(r, FF_FLOW_LABEL);
	}
	if (m->depth < PKT_L4)
		return;
	switch (m->proto) {
	case IPPROTO_NUM_TCP:
	case IPPROTO_NUM_UDP:
		r->src_port = m->src_port;
		r->dst_port = m->dst_port;
		r->present |= FF_BIT(FF_SRC_PORT) | FF_BIT(FF_DST_PORT);
		if (m->proto == IPPROTO_NUM_TCP) {
			r->tcp_flags = m->tcp_flags;
			flow_set(r, FF_TCP_FLAGS);
		}
		break;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6:
		r->icmp_type = m->icmp_type;
		r->icmp_code = m->icmp_code;
		flow_set(r, FF_ICMP);
		break;
	default:
		break;
	}
}

static int rec_header(struct sample_ctx *x, struct cursor *c)
{
	uint32_t proto = cur_u32(c), frame_len = cur_u32(c), hlen;
	const uint8_t *h;
	struct pkt_meta m;

	cur_skip(c, 4);			/* stripped */
	hlen = cur_u32(c);
	h = cur_bytes(c, hlen);
	if (!cur_ok(c))
		return -1;
	set_bytes(x, frame_len, 3);
	switch (proto) {
	case SFH_ETHERNET:
		pkt_parse(h, hlen, PKT_LINK_ETH, &m);
		fill_from_pkt(x->r, &m, true);
		break;
	case SFH_IPV4:
	case SFH_IPV6:
		pkt_parse(h, hlen, PKT_LINK_RAW, &m);
		fill_from_pkt(x->r, &m, false);
		break;
	default:
		break;		/* a link type we do not parse */
	}
	return 0;
}

static int rec_ethernet(struct sample_ctx *x, struct cursor *c)
{
	uint32_t len = cur_u32(c);

	cur_copy(c, x->r->src_mac, 6);
	cur_skip(c, 2);			/* XDR padding of opaque[6] */
	cur_copy(c, x->r->dst_mac, 6);
	cur_skip(c, 2);
	cur_skip(c, 4);			/* ethertype */
	if (!cur_ok(c))
		return -1;
	x->r->present |= FF_BIT(FF_SRC_MAC) | FF_BIT(FF_DST_MAC);
	set_bytes(x, len, 2);
	return 0;
}

/* Store @v in the 8-bit field @dst (presence @f) when it fits. */
static void set_u8(struct flow_rec *r, uint8_t *dst, enum flow_field f, uint32_t v)
{
	if (v <= 0xff) {
		*dst = (uint8_t)v;
		flow_set(r, f);
	}
}

/* sampled_ipv4 and sampled_ipv6 differ only in the address size. */
static int rec_ip(struct sample_ctx *x, struct cursor *c, bool v6)
{
	struct flow_rec *r = x->r;
	uint32_t len = cur_u32(c), proto = cur_u32(c);
	const uint8_t *a = cur_bytes(c, v6 ? 32 : 8);
	uint32_t sport = cur_u32(c), dport = cur_u32(c);
	uint32_t flags = cur_u32(c), tos = cur_u32(c);

	if (!cur_ok(c))
		return -1;
	if (v6) {
		ip_addr_set6(&r->src, a);
		ip_addr_set6(&r->dst, a + 16);
	} else {
		ip_addr_set4(&r->src, a);
		ip_addr_set4(&r->dst, a + 4);
	}
	r->ip_version = v6 ? 6 : 4;
	r->present |= FF_BIT(FF_SRC) | FF_BIT(FF_DST);
	/* 32-bit XDR words for 8- and 16-bit values: one that does not fit
	 * is left out rather than cut. TCP flags keep their low 8 bits (the
	 * ones struct flow_rec has room for). */
	set_u8(r, &r->proto, FF_PROTO, proto);
	set_u8(r, &r->tos, FF_TOS, tos);
	r->tcp_flags = (uint8_t)flags;
	flow_set(r, FF_TCP_FLAGS);
	if (sport <= 0xffff && dport <= 0xffff) {
		r->src_port = (uint16_t)sport;
		r->dst_port = (uint16_t)dport;
		r->present |= FF_BIT(FF_SRC_PORT) | FF_BIT(FF_DST_PORT);
	}
	set_bytes(x, len, 1);
	return 0;
}

/* The incoming VLAN; 0 (agents send it for untagged frames) is none. */
static int rec_switch(struct sample_ctx *x, struct cursor *c)
{
	uint32_t src_vlan = cur_u32(c);

	cur_skip(c, 12);		/* src priority, dst vlan, dst priority */
	if (!cur_ok(c))
		return -1;
	if (src_vlan && src_vlan < 4096) {
		x->r->vlan = (uint16_t)src_vlan;
		flow_set(x->r, FF_VLAN);
	}
	return 0;
}

static int rec_router(struct sample_ctx *x, struct cursor *c)
{
	struct flow_rec *r = x->r;
	struct ip_addr nh;
	uint32_t smask, dmask;

	if (read_addr(c, &nh) < 0)
		return -1;
	smask = cur_u32(c);
	dmask = cur_u32(c);
	if (!cur_ok(c))
		return -1;
	if (ip_addr_is_set(&nh)) {
		r->next_hop = nh;
		flow_set(r, FF_NEXT_HOP);
	}
	/* a prefix length above 128 is no prefix length */
	if (smask <= 128)
		set_u8(r, &r->src_mask, FF_SRC_MASK, smask);
	if (dmask <= 128)
		set_u8(r, &r->dst_mask, FF_DST_MASK, dmask);
	return 0;
}

/*
 * The gateway's next hop is the BGP next hop. src_as is the source's
 * origin AS; dst_as is the last AS of the path to the destination (its
 * origin), or, with an empty path, the router's own AS: the destination
 * is inside it.
 */
static int rec_gateway(struct sample_ctx *x, struct cursor *c)
{
	struct flow_rec *r = x->r;
	struct ip_addr nh;
	uint32_t my_as, src_as, dst_as, nseg, i, n = 0;

	if (read_addr(c, &nh) < 0)
		return -1;
	my_as = cur_u32(c);
	src_as = cur_u32(c);
	cur_skip(c, 4);			/* src_peer_as */
	nseg = cur_u32(c);
	dst_as = my_as;
	for (i = 0; i < nseg && cur_ok(c); i++) {
		if (i == SFLOW_MAX_AS_SEGMENTS)
			return -1;
		cur_skip(c, 4);		/* set or sequence */
		n = cur_u32(c);
		if (n > cur_left(c) / 4)
			return -1;
		if (n) {
			cur_skip(c, (size_t)(n - 1) * 4);
			dst_as = cur_u32(c);
		}
	}
	/* communities and localpref follow; we do not keep them */
	if (!cur_ok(c))
		return -1;
	if (ip_addr_is_set(&nh)) {
		r->bgp_next_hop = nh;
		flow_set(r, FF_BGP_NEXT_HOP);
	}
	r->src_as = src_as;
	r->dst_as = dst_as;
	r->present |= FF_BIT(FF_SRC_AS) | FF_BIT(FF_DST_AS);
	return 0;
}

static int flow_record(struct sample_ctx *x, uint32_t fmt, struct cursor *c)
{
	if (fmt >> 12)
		return 0;		/* vendor enterprise: skipped */
	switch (fmt) {
	case SFR_HEADER: return rec_header(x, c);
	case SFR_ETHERNET: return rec_ethernet(x, c);
	case SFR_IPV4: return rec_ip(x, c, false);
	case SFR_IPV6: return rec_ip(x, c, true);
	case SFR_SWITCH: return rec_switch(x, c);
	case SFR_ROUTER: return rec_router(x, c);
	case SFR_GATEWAY: return rec_gateway(x, c);
	default: return 0;
	}
}

/*
 * Interface encoding: format 0 = one interface (value = ifIndex, 0 =
 * unknown, @internal = the device itself), 1 = dropped (value = reason),
 * 2 = several output interfaces (value = how many).
 */
static void set_if(struct flow_rec *r, bool out, uint32_t fmt, uint32_t val,
		   uint32_t internal)
{
	if (fmt == 0 && val != 0 && val != internal) {
		if (out)
			r->out_if = val;
		else
			r->in_if = val;
		flow_set(r, out ? FF_OUT_IF : FF_IN_IF);
	} else if (fmt == 1 && out) {
		r->fwd_status = 0x80;	/* IPFIX forwardingStatus: dropped */
		flow_set(r, FF_FWD_STATUS);
	}
}

/* Walk @nrec records of @s, each a (format, length, data) triple.
 * Return: 0, or -1 when a record runs past the sample or is malformed. */
static int walk_records(struct cursor *s, uint32_t nrec,
			int (*fn)(void *arg, uint32_t fmt, struct cursor *rc), void *arg)
{
	uint32_t i;

	for (i = 0; i < nrec; i++) {
		uint32_t fmt, len;
		struct cursor rc;

		if (i == SFLOW_MAX_RECORDS)
			return -1;
		fmt = cur_u32(s);
		len = cur_u32(s);
		rc = cur_sub(s, len);
		if (!cur_ok(s) || fn(arg, fmt, &rc) < 0)
			return -1;
	}
	return 0;
}

static int flow_record_cb(void *arg, uint32_t fmt, struct cursor *rc)
{
	return flow_record(arg, fmt, rc);
}

static int flow_sample(struct flow_decoder *d, struct flow_exporter *e,
		       struct sflow_state *st, struct cursor *s, bool expanded)
{
	uint32_t seq, type, index, rate, in_fmt, in_val, out_fmt, out_val, nrec;
	uint32_t internal = expanded ? SFLOW_IFX_INTERNAL : SFLOW_IF_INTERNAL;
	struct sample_ctx x = { 0 };

	seq = cur_u32(s);
	if (expanded) {
		type = cur_u32(s);
		index = cur_u32(s);
	} else {
		index = cur_u32(s);
		type = index >> 24;
		index &= 0xffffff;
	}
	rate = cur_u32(s);
	cur_skip(s, 8);			/* sample_pool, drops */
	if (expanded) {
		in_fmt = cur_u32(s);
		in_val = cur_u32(s);
		out_fmt = cur_u32(s);
		out_val = cur_u32(s);
	} else {
		in_val = cur_u32(s);
		out_val = cur_u32(s);
		in_fmt = in_val >> 30;
		out_fmt = out_val >> 30;
		in_val &= 0x3fffffff;
		out_val &= 0x3fffffff;
	}
	nrec = cur_u32(s);
	if (!cur_ok(s))
		return -1;
	sample_seq(d, e, st, false, type, index, seq);

	x.r = flow_rec_new(d, e);
	x.r->seq = seq;
	x.r->packets = 1;
	x.r->present = FF_BIT(FF_SEQ) | FF_BIT(FF_PACKETS);
	if (e->force_rate)
		x.r->sampling_rate = e->force_rate;
	else if (rate)
		x.r->sampling_rate = rate;
	set_if(x.r, false, in_fmt, in_val, internal);
	set_if(x.r, true, out_fmt, out_val, internal);
	if (walk_records(s, nrec, flow_record_cb, &x) < 0) {
		flow_rec_drop(d, x.r);
		return -1;
	}
	e->st.records++;
	return 0;
}

struct ctr_ctx {
	struct flow_decoder *d;
	struct flow_exporter *e;
	uint32_t seq;
};

static int counter_record_cb(void *arg, uint32_t fmt, struct cursor *c)
{
	struct ctr_ctx *x = arg;
	struct flow_rec *r;
	struct flow_if_counters *k;

	if (fmt != SFC_GENERIC)
		return 0;
	r = flow_rec_new(x->d, x->e);
	k = &r->ctr;
	k->if_index = cur_u32(c);
	k->if_type = cur_u32(c);
	k->if_speed = cur_u64(c);
	k->if_direction = cur_u32(c);
	k->if_status = cur_u32(c);
	k->in_octets = cur_u64(c);
	k->in_ucast = cur_u32(c);
	k->in_mcast = cur_u32(c);
	k->in_bcast = cur_u32(c);
	k->in_discards = cur_u32(c);
	k->in_errors = cur_u32(c);
	k->in_unknown = cur_u32(c);
	k->out_octets = cur_u64(c);
	k->out_ucast = cur_u32(c);
	k->out_mcast = cur_u32(c);
	k->out_bcast = cur_u32(c);
	k->out_discards = cur_u32(c);
	k->out_errors = cur_u32(c);
	k->promisc = cur_u32(c);
	if (!cur_ok(c)) {
		flow_rec_drop(x->d, r);
		return -1;
	}
	r->type = FLOW_REC_COUNTERS;
	r->in_if = k->if_index;
	r->seq = x->seq;
	r->present = FF_BIT(FF_IN_IF) | FF_BIT(FF_SEQ);
	x->e->st.records++;
	return 0;
}

/* Records decoded before a malformed one are kept: each stands alone. */
static int counters_sample(struct flow_decoder *d, struct flow_exporter *e,
			   struct sflow_state *st, struct cursor *s, bool expanded)
{
	struct ctr_ctx x = { .d = d, .e = e };
	uint32_t type, index, nrec;

	x.seq = cur_u32(s);
	if (expanded) {
		type = cur_u32(s);
		index = cur_u32(s);
	} else {
		index = cur_u32(s);
		type = index >> 24;
		index &= 0xffffff;
	}
	nrec = cur_u32(s);
	if (!cur_ok(s))
		return -1;
	sample_seq(d, e, st, true, type, index, x.seq);
	return walk_records(s, nrec, counter_record_cb, &x);
}

static struct sflow_state *state_of(struct flow_decoder *d, struct flow_exporter *e)
{
	if (!e->state) {
		e->state = calloc(1, sizeof(struct sflow_state));
		if (!e->state) {
			flow_count_err(d, e, FE_NOMEM);
			return NULL;
		}
		e->ops = &sflow_ops;
	}
	return e->state;
}

/* Count @e and remember the first error of the datagram. */
static void note_err(struct flow_decoder *d, struct flow_exporter *e,
		     enum flow_err *first, enum flow_err err)
{
	flow_count_err(d, e, err);
	if (*first == FE_OK)
		*first = err;
}

enum flow_err sflow_decode(struct flow_decoder *d, struct cursor *c)
{
	uint32_t version, atype, sub_agent, seq, uptime, nsamples, i;
	enum flow_err err = FE_OK;
	struct flow_exporter *e;
	struct sflow_state *st;
	struct ip_addr agent;
	const uint8_t *a;

	version = cur_u32(c);
	atype = cur_u32(c);
	if (!cur_ok(c)) {
		flow_count_err(d, NULL, FE_SHORT);
		return FE_SHORT;
	}
	/* an agent address other than IPv4/IPv6 leaves us nothing to key on */
	if (version != 5 || (atype != 1 && atype != 2)) {
		flow_count_err(d, NULL, FE_VERSION);
		return FE_VERSION;
	}
	a = cur_bytes(c, atype == 1 ? 4 : 16);
	sub_agent = cur_u32(c);
	seq = cur_u32(c);
	uptime = cur_u32(c);
	nsamples = cur_u32(c);
	if (!cur_ok(c)) {
		flow_count_err(d, NULL, FE_SHORT);
		return FE_SHORT;
	}
	if (atype == 1)
		ip_addr_set4(&agent, a);
	else
		ip_addr_set6(&agent, a);
	e = flow_exporter_get(d, &agent, FLOW_PROTO_SFLOW5, sub_agent);
	if (!e)
		return FE_EXPORTER_LIMIT;
	if (!(st = state_of(d, e)))
		return FE_NOMEM;
	e->st.packets++;
	e->st.bytes += c->len;
	e->st.last_seen_ms = d->now_ms;
	datagram_seq(e, st, seq, uptime);

	for (i = 0; i < nsamples; i++) {
		uint32_t fmt, len;
		struct cursor s;
		int rc;

		if (!cur_left(c) || i == SFLOW_MAX_SAMPLES) {
			note_err(d, e, &err, FE_LENGTH);
			break;
		}
		fmt = cur_u32(c);
		len = cur_u32(c);
		s = cur_sub(c, len);
		if (!cur_ok(c)) {
			/* the sample runs past the datagram: no next sample */
			note_err(d, e, &err, FE_SAMPLE);
			break;
		}
		switch (fmt) {
		case SF_FLOW:
		case SF_FLOW_EXP:
			rc = flow_sample(d, e, st, &s, fmt == SF_FLOW_EXP);
			break;
		case SF_COUNTERS:
		case SF_COUNTERS_EXP:
			rc = counters_sample(d, e, st, &s, fmt == SF_COUNTERS_EXP);
			break;
		default:	/* a vendor enterprise or a format we do not know */
			e->st.samples_skipped++;
			rc = 0;
			break;
		}
		if (rc < 0)
			note_err(d, e, &err, FE_SAMPLE);
	}
	e->st.seq_samples_lost = st->sst.seq_lost;
	return err;
}
