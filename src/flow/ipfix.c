/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipfix.c - IPFIX (RFC 7011) decoder
 *
 * The message header and sets are parsed here; templates, options and
 * data records go through the template engine (tmpl.c). A datagram
 * normally holds one message; several back to back (as in IPFIX files,
 * RFC 5655) are decoded in turn. The sequence number counts the data
 * records (options records included) sent before the message, so it is
 * accounted after the message's records are counted.
 */
#include "flow/tmpl.h"

#define IPFIX_HDR_LEN 16
#define IPFIX_VERSION 10
/* Sequence numbers count records: allow large bursts of loss. */
#define IPFIX_MAX_GAP (1u << 20)

enum {
	IPFIX_SET_TEMPLATE = 2,
	IPFIX_SET_OPTIONS = 3,
	IPFIX_SET_DATA_MIN = 256,
};

static void keep_first(enum flow_err *first, enum flow_err err)
{
	if (*first == FE_OK)
		*first = err;
}

/* A record with field count 0 withdraws template @id; @all_id (2 in a
 * template set, 3 in an options template set) withdraws all of a kind. */
static enum flow_err ipfix_withdraw(struct flow_decoder *d, struct flow_exporter *e,
				    uint16_t id, uint16_t all_id, bool options)
{
	if (id == all_id) {
		tmpl_withdraw_all(d, e, options);
		return FE_OK;
	}
	if (id < IPFIX_SET_DATA_MIN) {
		flow_count_err(d, e, FE_TEMPLATE_BAD);
		return FE_TEMPLATE_BAD;
	}
	tmpl_withdraw(d, e, id);
	return FE_OK;
}

static enum flow_err ipfix_templates(struct flow_decoder *d, struct flow_exporter *e,
				     struct cursor *set, bool options)
{
	enum flow_err first = FE_OK, err;
	size_t end = tmpl_padding_start(set);
	uint16_t id, n, nscope;

	while (cur_left(set) >= 4 && cur_off(set) < end) {
		id = cur_u16(set);
		n = cur_u16(set);
		if (n == 0) {
			err = ipfix_withdraw(d, e, id, options ? IPFIX_SET_OPTIONS :
					     IPFIX_SET_TEMPLATE, options);
			keep_first(&first, err);
			continue;
		}
		nscope = 0;
		if (options) {
			nscope = cur_u16(set);
			if (!cur_ok(set)) {
				flow_count_err(d, e, FE_TEMPLATE_BAD);
				keep_first(&first, FE_TEMPLATE_BAD);
				break;
			}
		}
		err = tmpl_define(d, e, set, id, n, nscope, options);
		keep_first(&first, err);
		if (!cur_ok(set))
			break;
	}
	return first;
}

/* One message from @c; *@ep is its exporter (NULL when none). Return: FE_OK or the first reason (counted). */
static enum flow_err ipfix_message(struct flow_decoder *d, struct cursor *c,
				   struct flow_exporter **ep)
{
	const struct flow_pkt *pkt = d->pkt;
	struct flow_exporter *e;
	struct cursor msg;
	struct tmpl_msg m;
	enum flow_err first = FE_OK, err;
	uint32_t export_time, seq, domain;
	uint16_t version, length;
	uint64_t nrec_total = 0;
	bool unknown = false;
	long nrec;

	*ep = NULL;
	version = cur_u16(c);
	length = cur_u16(c);
	export_time = cur_u32(c);
	seq = cur_u32(c);
	domain = cur_u32(c);
	if (!cur_ok(c)) {
		flow_count_err(d, NULL, FE_SHORT);
		return FE_SHORT;
	}
	if (version != IPFIX_VERSION) {
		flow_count_err(d, NULL, FE_VERSION);
		return FE_VERSION;
	}
	e = flow_exporter_get(d, &pkt->src, FLOW_PROTO_IPFIX, domain);
	*ep = e;
	if (!e)
		return FE_EXPORTER_LIMIT;	/* counted */
	e->st.packets++;
	e->st.bytes += length;
	e->st.last_seen_ms = d->now_ms;
	if (length < IPFIX_HDR_LEN || (size_t)(length - IPFIX_HDR_LEN) > cur_left(c)) {
		/* a message longer than the datagram was cut short */
		cur_fail(c);
		flow_count_err(d, e, FE_LENGTH);
		return FE_LENGTH;
	}
	msg = cur_sub(c, length - IPFIX_HDR_LEN);

	m.recv_ms = pkt->recv_ms;
	m.export_ms = (int64_t)export_time * 1000;
	m.sys_uptime = 0;
	while (cur_left(&msg) > 0) {
		uint16_t id = cur_u16(&msg);
		uint16_t len = cur_u16(&msg);
		struct cursor set;

		if (!cur_ok(&msg) || len < 4 || len - 4u > cur_left(&msg)) {
			flow_count_err(d, e, FE_SET_LENGTH);
			keep_first(&first, FE_SET_LENGTH);
			break;
		}
		set = cur_sub(&msg, len - 4u);
		if (id == IPFIX_SET_TEMPLATE || id == IPFIX_SET_OPTIONS) {
			err = ipfix_templates(d, e, &set, id == IPFIX_SET_OPTIONS);
		} else if (id < IPFIX_SET_DATA_MIN) {
			flow_count_err(d, e, FE_NO_TEMPLATE);	/* reserved id */
			err = FE_NO_TEMPLATE;
		} else {
			err = tmpl_data(d, e, id, &set, &m, &nrec);
			if (nrec < 0)
				unknown = true;
			else
				nrec_total += (uint64_t)nrec;
		}
		keep_first(&first, err);
	}
	flow_seq_account(&e->st, &e->seq, seq, (uint32_t)nrec_total, IPFIX_MAX_GAP);
	/* Records of sets still waiting for their template were not counted:
	 * the next message's number cannot be predicted, so re-sync on it. */
	if (unknown)
		e->seq.init = false;
	return first;
}

enum flow_err ipfix_decode(struct flow_decoder *d, struct cursor *c)
{
	struct flow_exporter *e = NULL;
	enum flow_err first;

	first = ipfix_message(d, c, &e);
	if (!e)
		return first;	/* no usable header: counted once */
	while (cur_ok(c) && cur_left(c) > 0) {
		const uint8_t *p = cur_ptr(c);
		enum flow_err err;

		if (cur_left(c) < IPFIX_HDR_LEN || p[0] != 0 || p[1] != IPFIX_VERSION) {
			/* bytes after the message that are not another one */
			flow_count_err(d, e, FE_LENGTH);
			keep_first(&first, FE_LENGTH);
			break;
		}
		err = ipfix_message(d, c, &e);
		keep_first(&first, err);
		if (!e)
			break;
	}
	return first;
}
