/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nf9.c - NetFlow v9 (RFC 3954) decoder
 *
 * The message header and flowsets are parsed here; templates, options and
 * data records go through the template engine (tmpl.c). The header's
 * record count is unreliable in the wild (exporters count differently, or
 * not at all), so the packet length and the flowset lengths are trusted
 * instead and the count is ignored.
 */
#include "flow/tmpl.h"

/* Sequence numbers count export packets; a larger jump is a restart. */
#define NF9_MAX_GAP 10000

enum { NF9_SET_TEMPLATE = 0, NF9_SET_OPTIONS = 1, NF9_SET_DATA_MIN = 256 };

static void keep_first(enum flow_err *first, enum flow_err err)
{
	if (*first == FE_OK)
		*first = err;
}

static enum flow_err nf9_templates(struct flow_decoder *d, struct flow_exporter *e,
				   struct cursor *set)
{
	enum flow_err first = FE_OK, err;
	size_t end = tmpl_padding_start(set);
	uint16_t id, n;

	while (cur_left(set) >= 4 && cur_off(set) < end) {
		id = cur_u16(set);
		n = cur_u16(set);
		err = tmpl_define(d, e, set, id, n, 0, false);
		keep_first(&first, err);
		if (!cur_ok(set))
			break;
	}
	return first;
}

static enum flow_err nf9_options(struct flow_decoder *d, struct flow_exporter *e,
				 struct cursor *set)
{
	enum flow_err first = FE_OK, err;
	size_t end = tmpl_padding_start(set);
	uint16_t id, scope_len, opt_len;

	/* Usually one options template per flowset, padded to 4 bytes. */
	while (cur_left(set) >= 6 && cur_off(set) < end) {
		id = cur_u16(set);
		scope_len = cur_u16(set);
		opt_len = cur_u16(set);
		if (scope_len % 4 || opt_len % 4) {
			/* lengths are in bytes of 4-byte field specifiers */
			flow_count_err(d, e, FE_TEMPLATE_BAD);
			keep_first(&first, FE_TEMPLATE_BAD);
			break;
		}
		err = tmpl_define(d, e, set, id, (unsigned)(scope_len + opt_len) / 4,
				  scope_len / 4u, true);
		keep_first(&first, err);
		if (!cur_ok(set))
			break;
	}
	return first;
}

enum flow_err nf9_decode(struct flow_decoder *d, struct cursor *c)
{
	const struct flow_pkt *pkt = d->pkt;
	struct flow_exporter *e;
	struct tmpl_cache *tc;
	struct tmpl_msg m;
	enum flow_err first = FE_OK, err;
	uint32_t uptime, secs, seq, source_id;
	uint16_t version;
	long nrec;

	version = cur_u16(c);
	(void)cur_u16(c);		/* count: see above */
	uptime = cur_u32(c);
	secs = cur_u32(c);
	seq = cur_u32(c);
	source_id = cur_u32(c);
	if (!cur_ok(c)) {
		flow_count_err(d, NULL, FE_SHORT);
		return FE_SHORT;
	}
	if (version != 9) {
		flow_count_err(d, NULL, FE_VERSION);
		return FE_VERSION;
	}
	e = flow_exporter_get(d, &pkt->src, FLOW_PROTO_NF9, source_id);
	if (!e)
		return FE_EXPORTER_LIMIT;	/* counted */
	e->st.packets++;
	e->st.bytes += pkt->len;
	e->st.last_seen_ms = d->now_ms;
	tc = tmpl_cache_get(d, e);
	if (!tc)
		return FE_NOMEM;
	if (tmpl_uptime_restarted(tc, uptime, secs)) {
		e->st.seq_restarts++;
		e->seq.init = false;	/* re-sync on this packet */
	}
	flow_seq_account(&e->st, &e->seq, seq, 1, NF9_MAX_GAP);

	m.recv_ms = pkt->recv_ms;
	m.export_ms = (int64_t)secs * 1000;
	m.sys_uptime = uptime;
	/* Fewer than 4 bytes after the last flowset are padding. */
	while (cur_left(c) >= 4) {
		uint16_t id = cur_u16(c);
		uint16_t len = cur_u16(c);
		struct cursor set;

		if (len < 4 || len - 4u > cur_left(c)) {
			flow_count_err(d, e, FE_SET_LENGTH);
			keep_first(&first, FE_SET_LENGTH);
			break;
		}
		set = cur_sub(c, len - 4u);
		if (id == NF9_SET_TEMPLATE) {
			err = nf9_templates(d, e, &set);
		} else if (id == NF9_SET_OPTIONS) {
			err = nf9_options(d, e, &set);
		} else if (id < NF9_SET_DATA_MIN) {
			flow_count_err(d, e, FE_NO_TEMPLATE);	/* reserved id */
			err = FE_NO_TEMPLATE;
		} else {
			err = tmpl_data(d, e, id, &set, &m, &nrec);
		}
		keep_first(&first, err);
	}
	return first;
}
