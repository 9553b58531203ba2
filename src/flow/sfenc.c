/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sfenc.c - sFlow v5 datagram encoder: flow samples with raw packet
 * header records (and extended switch data for tagged frames), counters
 * samples with generic interface counters
 *
 * One datagram is open at a time; a sample that does not fit emits it.
 * The datagram header's sample count is patched when it is emitted.
 */
#include <string.h>

#include "flow/flowenc.h"

/* Fixed sizes (bytes) of what we write. */
#define SF_FLOW_FIXED (8 + 32)		/* tag, length; 8 words */
#define SF_RAW_FIXED (8 + 16)		/* tag, length; 4 words */
#define SF_SWITCH_SIZE (8 + 16)		/* tag, length; 4 words */
#define SF_CTR_SIZE (8 + 12 + 8 + 88)	/* sample, one generic record */

static void put32(struct sfenc *e, uint32_t v)
{
	e->buf[e->len++] = (uint8_t)(v >> 24);
	e->buf[e->len++] = (uint8_t)(v >> 16);
	e->buf[e->len++] = (uint8_t)(v >> 8);
	e->buf[e->len++] = (uint8_t)v;
}
static void put64(struct sfenc *e, uint64_t v)
{
	put32(e, (uint32_t)(v >> 32));
	put32(e, (uint32_t)v);
}
static void set32(struct sfenc *e, size_t off, uint32_t v)
{
	size_t save = e->len;

	e->len = off;
	put32(e, v);
	e->len = save;
}

int sfenc_init(struct sfenc *e, const struct sfenc_cfg *cfg, fenc_out_fn out, void *arg)
{
	memset(e, 0, sizeof(*e));
	if (cfg->mtu < FENC_MTU_MIN || cfg->mtu > FENC_MTU_MAX)
		return -1;
	if (cfg->agent.family != 4 && cfg->agent.family != 6)
		return -1;
	e->cfg = *cfg;
	e->out = out;
	e->arg = arg;
	return 0;
}

static void open_dgram(struct sfenc *e, int64_t now_ms)
{
	e->len = 0;
	put32(e, 5);
	if (e->cfg.agent.family == 4) {
		put32(e, 1);
		memcpy(e->buf + e->len, e->cfg.agent.a, 4);
		e->len += 4;
	} else {
		put32(e, 2);
		memcpy(e->buf + e->len, e->cfg.agent.a, 16);
		e->len += 16;
	}
	put32(e, e->cfg.sub_agent);
	put32(e, e->seq);
	put32(e, (uint32_t)(now_ms - e->cfg.boot_ms));
	e->nsamples_off = e->len;
	put32(e, 0);
	e->nsamples = 0;
}

void sfenc_flush(struct sfenc *e)
{
	if (!e->len)
		return;
	set32(e, e->nsamples_off, e->nsamples);
	e->seq++;
	e->st.datagrams++;
	e->st.bytes += e->len;
	e->out(e->arg, e->buf, e->len);
	e->len = 0;
}

/* Make room for @n more bytes, emitting the open datagram if needed. */
static void room(struct sfenc *e, size_t n, int64_t now_ms)
{
	if (e->len && e->len + n > e->cfg.mtu)
		sfenc_flush(e);
	if (!e->len)
		open_dgram(e, now_ms);
}

void sfenc_flow(struct sfenc *e, const struct sfenc_sample *s, uint32_t seq, int64_t now_ms)
{
	size_t hl = s->header_len > SFENC_HEADER_MAX ? SFENC_HEADER_MAX : s->header_len;
	size_t padded = (hl + 3) & ~(size_t)3;
	size_t rec = SF_RAW_FIXED + padded + (s->has_switch ? SF_SWITCH_SIZE : 0);

	room(e, SF_FLOW_FIXED + rec, now_ms);
	put32(e, 1);				/* enterprise 0, flow_sample */
	put32(e, (uint32_t)(32 + rec));
	put32(e, seq);
	put32(e, s->source_index & 0xffffff);	/* type 0: ifIndex */
	put32(e, s->sampling_rate);
	put32(e, s->sample_pool);
	put32(e, s->drops);
	put32(e, s->input_if);
	put32(e, s->output_if);
	put32(e, s->has_switch ? 2 : 1);	/* records */
	put32(e, 1);				/* raw packet header */
	put32(e, (uint32_t)(16 + padded));
	put32(e, s->header_protocol);
	put32(e, s->frame_length);
	put32(e, s->stripped);
	put32(e, (uint32_t)hl);
	if (hl)
		memcpy(e->buf + e->len, s->header, hl);
	memset(e->buf + e->len + hl, 0, padded - hl);
	e->len += padded;
	if (s->has_switch) {
		put32(e, 1001);			/* extended switch data */
		put32(e, 16);
		put32(e, s->src_vlan);
		put32(e, s->src_priority);
		put32(e, s->dst_vlan);
		put32(e, s->dst_priority);
	}
	e->nsamples++;
	e->st.flow_samples++;
}

void sfenc_counters(struct sfenc *e, const struct flow_if_counters *c, uint32_t seq,
		    int64_t now_ms)
{
	room(e, SF_CTR_SIZE, now_ms);
	put32(e, 2);				/* enterprise 0, counters_sample */
	put32(e, 12 + 8 + 88);
	put32(e, seq);
	put32(e, c->if_index & 0xffffff);
	put32(e, 1);
	put32(e, 1);				/* generic interface counters */
	put32(e, 88);
	put32(e, c->if_index);
	put32(e, c->if_type);
	put64(e, c->if_speed);
	put32(e, c->if_direction);
	put32(e, c->if_status);
	put64(e, c->in_octets);
	put32(e, c->in_ucast);
	put32(e, c->in_mcast);
	put32(e, c->in_bcast);
	put32(e, c->in_discards);
	put32(e, c->in_errors);
	put32(e, c->in_unknown);
	put64(e, c->out_octets);
	put32(e, c->out_ucast);
	put32(e, c->out_mcast);
	put32(e, c->out_bcast);
	put32(e, c->out_discards);
	put32(e, c->out_errors);
	put32(e, c->promisc);
	e->nsamples++;
	e->st.counter_samples++;
}
