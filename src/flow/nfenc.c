/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nfenc.c - NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) export encoder
 *
 * Theory of operation: one datagram is open at a time in e->buf. It starts
 * with the message header; when templates are due (at start, then every
 * template_refresh_ms) the template set with both templates (IPv4, IPv6)
 * follows; a sampled export adds the sampler announcement after it: an
 * options template (v9: scope System; IPFIX: scope observationDomainId)
 * of samplingInterval (34) and samplingAlgorithm (35, 2 = random) and its
 * one options data record, which collectors apply to every data record
 * of the domain (records do not repeat the interval). Records go into a
 * data set of their template; a record of the other IP version closes the
 * set (padded to 4 bytes) and opens another.
 * A record that does not fit in the mtu emits the datagram and opens the
 * next. Sequence numbers follow each RFC: v9 counts export packets, IPFIX
 * counts data records sent before the message. Both are per domain, and
 * the same datagram goes to every collector, so each sees a whole stream.
 */
#include <string.h>

#include "flow/flowenc.h"
#include "pkt/pkt.h"

enum { F_V4 = 1, F_V6 = 2, F_IPFIX = 4, F_V9 = 8 };

struct nf_field {
	uint16_t id, len;
	uint8_t flags;		/* where the field appears */
};

#define ALL (F_V4 | F_V6 | F_IPFIX | F_V9)
/* The template, in record order. */
static const struct nf_field nf_fields[] = {
	{ 8, 4, F_V4 | F_IPFIX | F_V9 },	/* sourceIPv4Address */
	{ 12, 4, F_V4 | F_IPFIX | F_V9 },	/* destinationIPv4Address */
	{ 27, 16, F_V6 | F_IPFIX | F_V9 },	/* sourceIPv6Address */
	{ 28, 16, F_V6 | F_IPFIX | F_V9 },	/* destinationIPv6Address */
	{ 7, 2, ALL },				/* sourceTransportPort */
	{ 11, 2, ALL },				/* destinationTransportPort */
	{ 4, 1, ALL },				/* protocolIdentifier */
	{ 5, 1, ALL },				/* ipClassOfService */
	{ 6, 1, ALL },				/* tcpControlBits */
	{ 32, 2, F_V4 | F_IPFIX | F_V9 },	/* icmpTypeCodeIPv4 */
	{ 32, 2, F_V6 | F_V9 },			/* v9 ICMP_TYPE, both versions */
	{ 139, 2, F_V6 | F_IPFIX },		/* icmpTypeCodeIPv6 */
	{ 10, 4, ALL },				/* ingressInterface */
	{ 61, 1, ALL },				/* flowDirection */
	{ 58, 2, ALL },				/* vlanId */
	{ 1, 8, ALL },				/* octetDeltaCount */
	{ 2, 8, ALL },				/* packetDeltaCount */
	{ 152, 8, F_V4 | F_V6 | F_IPFIX },	/* flowStartMilliseconds */
	{ 153, 8, F_V4 | F_V6 | F_IPFIX },	/* flowEndMilliseconds */
	{ 22, 4, F_V4 | F_V6 | F_V9 },		/* FIRST_SWITCHED (sysUptime) */
	{ 21, 4, F_V4 | F_V6 | F_V9 },		/* LAST_SWITCHED */
	{ 136, 1, F_V4 | F_V6 | F_IPFIX },	/* flowEndReason */
};
#define NF_NFIELDS (sizeof(nf_fields) / sizeof(nf_fields[0]))

static bool field_used(const struct nfenc *e, const struct nf_field *f, int ipver)
{
	if (!(f->flags & (ipver == 4 ? F_V4 : F_V6)))
		return false;
	if (!(f->flags & (e->cfg.proto == FLOW_PROTO_IPFIX ? F_IPFIX : F_V9)))
		return false;
	return true;
}

static size_t rec_size(const struct nfenc *e, int ipver)
{
	size_t n = 0, i;

	for (i = 0; i < NF_NFIELDS; i++)
		if (field_used(e, &nf_fields[i], ipver))
			n += nf_fields[i].len;
	return n;
}

static size_t hdr_size(const struct nfenc *e)
{
	return e->cfg.proto == FLOW_PROTO_IPFIX ? 16 : 20;
}

/* Callers check space first: every put stays within e->buf. */
static void put8(struct nfenc *e, uint8_t v) { e->buf[e->len++] = v; }
static void put16(struct nfenc *e, uint16_t v)
{
	e->buf[e->len++] = (uint8_t)(v >> 8);
	e->buf[e->len++] = (uint8_t)v;
}
static void put32(struct nfenc *e, uint32_t v)
{
	put16(e, (uint16_t)(v >> 16));
	put16(e, (uint16_t)v);
}
static void put64(struct nfenc *e, uint64_t v)
{
	put32(e, (uint32_t)(v >> 32));
	put32(e, (uint32_t)v);
}
static void set16(struct nfenc *e, size_t off, uint16_t v)
{
	e->buf[off] = (uint8_t)(v >> 8);
	e->buf[off + 1] = (uint8_t)v;
}
static void set32(struct nfenc *e, size_t off, uint32_t v)
{
	set16(e, off, (uint16_t)(v >> 16));
	set16(e, off + 2, (uint16_t)v);
}

int nfenc_init(struct nfenc *e, const struct nfenc_cfg *cfg, fenc_out_fn out, void *arg)
{
	memset(e, 0, sizeof(*e));
	if (cfg->proto != FLOW_PROTO_NF9 && cfg->proto != FLOW_PROTO_IPFIX)
		return -1;
	if (cfg->mtu < FENC_MTU_MIN || cfg->mtu > FENC_MTU_MAX)
		return -1;
	e->cfg = *cfg;
	if (e->cfg.template_refresh_ms == 0)
		e->cfg.template_refresh_ms = 30000;
	/* v9 has whole seconds of UTC time and ms of uptime: a boot time on
	 * a whole second, with the header's uptime taken at the same whole
	 * second, lets a collector recover flow times to the millisecond. */
	e->cfg.boot_ms -= ((e->cfg.boot_ms % 1000) + 1000) % 1000;
	e->out = out;
	e->arg = arg;
	e->next_template_ms = INT64_MIN;
	return 0;
}

static void close_set(struct nfenc *e)
{
	if (!e->set_off)
		return;
	while ((e->len - e->set_off) % 4)
		put8(e, 0);
	set16(e, e->set_off + 2, (uint16_t)(e->len - e->set_off));
	e->set_off = 0;
	e->set_id = 0;
}

static void put_templates(struct nfenc *e)
{
	bool ipfix = e->cfg.proto == FLOW_PROTO_IPFIX;
	size_t start = e->len, cnt_off, i;
	int v;

	put16(e, ipfix ? 2 : 0);	/* template set id */
	put16(e, 0);			/* length, set below */
	for (v = 4; v <= 6; v += 2) {
		uint16_t n = 0;

		put16(e, v == 4 ? NFENC_TMPL_V4 : NFENC_TMPL_V6);
		cnt_off = e->len;
		put16(e, 0);
		for (i = 0; i < NF_NFIELDS; i++) {
			if (!field_used(e, &nf_fields[i], v))
				continue;
			put16(e, nf_fields[i].id);
			put16(e, nf_fields[i].len);
			n++;
		}
		set16(e, cnt_off, n);
		e->msg_count++;
		e->st.templates++;
	}
	set16(e, start + 2, (uint16_t)(e->len - start));
}

/*
 * The sampler announcement: options template NFENC_TMPL_OPT and its data
 * record. Both fit at a datagram's head with the templates (the mtu is at
 * least FENC_MTU_MIN). v9 counts both in the header's count; IPFIX counts
 * the data record in the sequence number, like every data record.
 */
static void put_sampler(struct nfenc *e)
{
	bool ipfix = e->cfg.proto == FLOW_PROTO_IPFIX;
	size_t start = e->len;

	put16(e, ipfix ? 3 : 1);	/* options template set id */
	put16(e, 0);
	put16(e, NFENC_TMPL_OPT);
	if (ipfix) {
		put16(e, 3);		/* field count */
		put16(e, 1);		/* scope field count */
		put16(e, 149);		/* observationDomainId */
		put16(e, 4);
	} else {
		put16(e, 4);		/* scope length in bytes */
		put16(e, 8);		/* options length in bytes */
		put16(e, 1);		/* scope System */
		put16(e, 4);
	}
	put16(e, 34);			/* samplingInterval */
	put16(e, 4);
	put16(e, 35);			/* samplingAlgorithm */
	put16(e, 1);
	while ((e->len - start) % 4)
		put8(e, 0);
	set16(e, start + 2, (uint16_t)(e->len - start));
	e->msg_count++;
	e->st.templates++;

	start = e->len;
	put16(e, NFENC_TMPL_OPT);
	put16(e, 0);
	put32(e, e->cfg.domain);
	put32(e, e->cfg.sampling);
	put8(e, NFENC_SAMPLING_RANDOM);
	while ((e->len - start) % 4)
		put8(e, 0);
	set16(e, start + 2, (uint16_t)(e->len - start));
	e->msg_count++;
	e->msg_records++;		/* IPFIX: a data record in the sequence */
	e->st.options++;
}

static void open_msg(struct nfenc *e, int64_t now_ms)
{
	e->len = hdr_size(e);
	memset(e->buf, 0, e->len);
	e->msg_records = 0;
	e->msg_count = 0;
	e->msg_ms = now_ms;
	e->set_off = 0;
	e->set_id = 0;
	if (now_ms >= e->next_template_ms) {
		put_templates(e);
		if (e->cfg.sampling > 1)
			put_sampler(e);
		e->next_template_ms = now_ms + e->cfg.template_refresh_ms;
	}
}

void nfenc_flush(struct nfenc *e)
{
	int64_t now = e->msg_ms;
	uint32_t secs = (uint32_t)(now / 1000);

	if (!e->len)
		return;
	close_set(e);
	if (e->cfg.proto == FLOW_PROTO_IPFIX) {
		set16(e, 0, 10);
		set16(e, 2, (uint16_t)e->len);
		set32(e, 4, secs);
		set32(e, 8, e->seq);
		set32(e, 12, e->cfg.domain);
		e->seq += e->msg_records;
	} else {
		set16(e, 0, 9);
		set16(e, 2, (uint16_t)e->msg_count);
		set32(e, 4, (uint32_t)((int64_t)secs * 1000 - e->cfg.boot_ms));
		set32(e, 8, secs);
		set32(e, 12, e->seq);
		set32(e, 16, e->cfg.domain);
		e->seq++;
	}
	e->st.datagrams++;
	e->st.bytes += e->len;
	e->out(e->arg, e->buf, e->len);
	e->len = 0;
}

void nfenc_tick(struct nfenc *e, int64_t now_ms)
{
	if (now_ms < e->next_template_ms)
		return;
	nfenc_flush(e);
	open_msg(e, now_ms);
	nfenc_flush(e);
}

static void put_rec(struct nfenc *e, const struct flow_rec *r)
{
	bool icmp = r->proto == IPPROTO_NUM_ICMP || r->proto == IPPROTO_NUM_ICMPV6;
	int v = r->ip_version;
	size_t i;

	for (i = 0; i < NF_NFIELDS; i++) {
		const struct nf_field *f = &nf_fields[i];

		if (!field_used(e, f, v))
			continue;
		switch (f->id) {
		case 8: memcpy(e->buf + e->len, r->src.a, 4); e->len += 4; break;
		case 12: memcpy(e->buf + e->len, r->dst.a, 4); e->len += 4; break;
		case 27: memcpy(e->buf + e->len, r->src.a, 16); e->len += 16; break;
		case 28: memcpy(e->buf + e->len, r->dst.a, 16); e->len += 16; break;
		case 7: put16(e, icmp ? 0 : r->src_port); break;
		case 11: put16(e, icmp ? 0 : r->dst_port); break;
		case 4: put8(e, r->proto); break;
		case 5: put8(e, r->tos); break;
		case 6: put8(e, r->tcp_flags); break;
		case 32:
		case 139:
			put16(e, icmp ? (uint16_t)(r->icmp_type << 8 | r->icmp_code) : 0);
			break;
		case 10: put32(e, r->in_if); break;
		case 61: put8(e, r->direction); break;
		case 58: put16(e, r->vlan); break;
		case 1: put64(e, r->bytes); break;
		case 2: put64(e, r->packets); break;
		case 152: put64(e, (uint64_t)r->time_start_ms); break;
		case 153: put64(e, (uint64_t)r->time_end_ms); break;
		case 22: put32(e, (uint32_t)(r->time_start_ms - e->cfg.boot_ms)); break;
		case 21: put32(e, (uint32_t)(r->time_end_ms - e->cfg.boot_ms)); break;
		case 136: put8(e, r->end_reason); break;
		default: break;
		}
	}
}

void nfenc_add(struct nfenc *e, const struct flow_rec *r, int64_t now_ms)
{
	uint16_t id;
	size_t need;

	if (r->ip_version != 4 && r->ip_version != 6) {
		e->st.unencodable++;
		return;
	}
	id = r->ip_version == 4 ? NFENC_TMPL_V4 : NFENC_TMPL_V6;
	if (e->len && now_ms >= e->next_template_ms)
		nfenc_flush(e);		/* templates lead the next datagram */
	for (;;) {
		if (!e->len)
			open_msg(e, now_ms);
		need = rec_size(e, r->ip_version);
		if (e->set_id != id)
			need += 4 + 3;	/* a set header, the old set's padding */
		if (e->len + need + 3 <= e->cfg.mtu)
			break;
		if (e->msg_records == 0)
			return;		/* cannot happen: mtu >= FENC_MTU_MIN */
		nfenc_flush(e);
	}
	if (e->set_id != id) {
		close_set(e);
		e->set_off = e->len;
		e->set_id = id;
		put16(e, id);
		put16(e, 0);
	}
	put_rec(e, r);
	if (now_ms > e->msg_ms)
		e->msg_ms = now_ms;	/* the header's time: the latest record's */
	e->msg_records++;
	e->msg_count++;
	e->st.records++;
}
