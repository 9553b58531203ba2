/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nf5.c - NetFlow v5 decoder
 *
 * A v5 packet is a 24-byte header and up to 30 fixed 48-byte records. The
 * exporter is the UDP source; the domain is engine_type << 8 | engine_id,
 * so two engines behind one address keep separate sequence state.
 *
 * Record times are sysUptime milliseconds. They become UTC through the
 * header: export time (unix_secs/unix_nsecs) minus the signed 32-bit
 * distance between the record's uptime and the header's. Taking that
 * distance modulo 2^32 keeps flows that started before a 49.7-day uptime
 * wrap (First > sysUptime) in the past instead of 49 days in the future.
 *
 * A header whose count disagrees with the packet (count > 30, or fewer
 * than count records present) is counted as FE_LENGTH once per packet.
 * The whole 48-byte records that are present are still decoded: each is
 * self-contained, so a snaplen-cut capture or an exporter that packs more
 * than 30 records loses nothing, and nothing is ever read past the packet.
 * Bytes after the last counted record are ignored.
 */
#include "flow/flow_int.h"

#define NF5_HDR_LEN 24
#define NF5_REC_LEN 48
#define NF5_MAX_COUNT 30
/* A forward sequence jump of this many flows or more is a restart. */
#define NF5_SEQ_MAX_GAP (1u << 20)

struct nf5_hdr {
	uint16_t count;
	uint32_t uptime;
	uint32_t secs, nsecs;
	uint32_t seq;
	uint8_t engine_type, engine_id;
	uint16_t sampling;
	int64_t export_ms;
};

static void nf5_record(struct flow_decoder *d, const struct flow_exporter *e,
		       const struct nf5_hdr *h, struct cursor *c)
{
	struct flow_rec *r = flow_rec_new(d, e);
	const uint8_t *a = cur_bytes(c, 12);	/* src, dst, next hop */
	uint32_t first, last;

	ip_addr_set4(&r->src, a);
	ip_addr_set4(&r->dst, a + 4);
	ip_addr_set4(&r->next_hop, a + 8);
	r->in_if = cur_u16(c);
	r->out_if = cur_u16(c);
	r->packets = cur_u32(c);
	r->bytes = cur_u32(c);
	first = cur_u32(c);
	last = cur_u32(c);
	r->src_port = cur_u16(c);
	r->dst_port = cur_u16(c);
	cur_skip(c, 1);				/* pad1 */
	r->tcp_flags = cur_u8(c);
	r->proto = cur_u8(c);
	r->tos = cur_u8(c);
	r->src_as = cur_u16(c);
	r->dst_as = cur_u16(c);
	r->src_mask = cur_u8(c);
	r->dst_mask = cur_u8(c);
	cur_skip(c, 2);				/* pad2 */

	r->ip_version = 4;
	r->time_start_ms = h->export_ms + (int32_t)(first - h->uptime);
	r->time_end_ms = h->export_ms + (int32_t)(last - h->uptime);
	r->export_ms = h->export_ms;
	if (e->force_rate)
		r->sampling_rate = e->force_rate;
	else if (h->sampling & 0x3fff)
		r->sampling_rate = h->sampling & 0x3fff;
	r->present = FF_BIT(FF_TIME_START) | FF_BIT(FF_TIME_END) |
		     FF_BIT(FF_SRC) | FF_BIT(FF_DST) | FF_BIT(FF_NEXT_HOP) |
		     FF_BIT(FF_IN_IF) | FF_BIT(FF_OUT_IF) |
		     FF_BIT(FF_PACKETS) | FF_BIT(FF_BYTES) |
		     FF_BIT(FF_SRC_PORT) | FF_BIT(FF_DST_PORT) |
		     FF_BIT(FF_TCP_FLAGS) | FF_BIT(FF_PROTO) | FF_BIT(FF_TOS) |
		     FF_BIT(FF_SRC_AS) | FF_BIT(FF_DST_AS) |
		     FF_BIT(FF_SRC_MASK) | FF_BIT(FF_DST_MASK);
}

enum flow_err nf5_decode(struct flow_decoder *d, struct cursor *c)
{
	struct flow_exporter *e;
	struct nf5_hdr h;
	enum flow_err err = FE_OK;
	uint16_t version;
	size_t n, i;

	version = cur_u16(c);
	h.count = cur_u16(c);
	h.uptime = cur_u32(c);
	h.secs = cur_u32(c);
	h.nsecs = cur_u32(c);
	h.seq = cur_u32(c);
	h.engine_type = cur_u8(c);
	h.engine_id = cur_u8(c);
	h.sampling = cur_u16(c);
	if (!cur_ok(c)) {
		flow_count_err(d, NULL, FE_SHORT);
		return FE_SHORT;
	}
	if (version != 5) {
		flow_count_err(d, NULL, FE_VERSION);
		return FE_VERSION;
	}
	e = flow_exporter_get(d, &d->pkt->src, FLOW_PROTO_NF5,
			      (uint32_t)h.engine_type << 8 | h.engine_id);
	if (!e)
		return FE_EXPORTER_LIMIT;
	h.export_ms = (int64_t)h.secs * 1000 + h.nsecs / 1000000;

	n = cur_left(c) / NF5_REC_LEN;
	if (h.count > NF5_MAX_COUNT || n < h.count) {
		err = FE_LENGTH;
		flow_count_err(d, e, err);
	}
	if (n > h.count)
		n = h.count;

	e->st.packets++;
	e->st.bytes += c->len;
	e->st.last_seen_ms = d->now_ms;
	flow_seq_account(&e->st, &e->seq, h.seq, h.count, NF5_SEQ_MAX_GAP);
	for (i = 0; i < n; i++) {
		struct cursor rc = cur_sub(c, NF5_REC_LEN);

		nf5_record(d, e, &h, &rc);
	}
	e->st.records += n;
	return err;
}
