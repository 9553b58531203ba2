/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flow_int.h - what the flow decoders share inside src/flow
 *
 * decoder.c owns the exporter table, record batching and sequence
 * accounting; each protocol file (nf5.c, nf9.c + ipfix.c + tmpl.c,
 * sflow.c) implements one *_decode() and keeps any per-exporter state of
 * its own behind flow_exporter.state, freed/aged through its ops.
 */
#ifndef WS_FLOW_INT_H
#define WS_FLOW_INT_H

#include "flow/flow.h"
#include "lib/cursor.h"
#include "lib/hmap.h"

#define FLOW_MAX_EXTRA_PER_REC 32

struct flow_decoder;
struct flow_exporter;

/* Hooks for a protocol's per-exporter state (all optional). */
struct flow_state_ops {
	/* free @state and flow_state_release() everything it charged */
	void (*free)(struct flow_decoder *d, void *state);
	void (*tick)(struct flow_decoder *d, struct flow_exporter *e, int64_t now_ms);
	void (*flush)(struct flow_decoder *d, struct flow_exporter *e);
};

/* Sequence tracking for one counter of one exporter+domain. */
struct flow_seq {
	bool init;
	uint32_t next;		/* expected next sequence number */
};

struct flow_exporter {
	struct hmap_node node;
	struct ip_addr addr;
	enum flow_proto proto;
	uint32_t domain;
	struct flow_exp_stats st;
	struct flow_seq seq;
	void *state;
	const struct flow_state_ops *ops;
	/* Sampling rates from the configuration for this exporter: the
	 * decoder-wide ones, or the longest matching sampling rule's. */
	uint32_t force_rate;		/* 0 = as exported */
	uint32_t default_rate;		/* when it announces none */
	/* Not yet trusted: no packet without errors that yielded a record
	 * or template so far (see flow_decode).
	 * Such exporters sit on the decoder's FIFO (oldest first) and are
	 * the ones evicted when the table is full; see flow_exporter_get. */
	struct flow_exporter *unext, **uprev;
};

struct flow_decoder {
	struct flow_decoder_cfg cfg;
	flow_sink_fn sink;
	void *sink_arg;
	struct hmap exporters;
	struct flow_exporter *untrusted, **untrusted_tail;	/* FIFO */
	uint64_t evicted_records;	/* records of evicted exporters */
	struct flow_exporter *cur_exp;	/* last looked up for this packet */
	struct flow_rec *batch;
	size_t nbatch;
	struct flow_extra *extra;	/* pool for the batch's extras */
	size_t nextra, extra_cap;
	struct flow_totals tot;		/* errors outside any exporter */
	uint64_t state_bytes;		/* charged against cfg.max_state_bytes */
	uint64_t state_peak;
	int64_t now_ms;			/* time of the packet being decoded */
	const struct flow_pkt *pkt;	/* the packet being decoded */
};

/*
 * Find or create the state of (@addr, @proto, @domain). When the table
 * is full, the oldest exporter that has not yet produced a record or a
 * template makes room (its counters are kept in the totals), so a flood
 * of spoofed sources or domains cannot lock real exporters out.
 * Return: the exporter, or NULL when the table is full of trusted
 * exporters (counted as FE_EXPORTER_LIMIT).
 */
struct flow_exporter *flow_exporter_get(struct flow_decoder *d,
					const struct ip_addr *addr,
					enum flow_proto proto, uint32_t domain);

/* A fresh record for @e in the current batch: zeroed, with exporter,
 * domain, protocol and the default sampling rate set. */
struct flow_rec *flow_rec_new(struct flow_decoder *d, const struct flow_exporter *e);
/* Take back the record flow_rec_new() just returned (it was malformed). */
void flow_rec_drop(struct flow_decoder *d, struct flow_rec *r);
/* Attach an unknown field to @r, the record most recently created.
 * Return: 0, or -1 when the record already has FLOW_MAX_EXTRA_PER_REC. */
int flow_rec_add_extra(struct flow_decoder *d, struct flow_rec *r,
		       uint32_t enterprise, uint16_t id,
		       const uint8_t *data, uint16_t len);
/* Hand the batch to the sink. */
void flow_batch_flush(struct flow_decoder *d);

/* Count an error against @e (or the decoder when @e is NULL). */
static inline void flow_count_err(struct flow_decoder *d, struct flow_exporter *e,
				  enum flow_err err)
{
	if (e)
		e->st.errors[err]++;
	else
		d->tot.errors[err]++;
}

/*
 * Charge @n bytes of exporter state (templates, pages, pending copies,
 * sFlow source tables) to the decoder-wide budget before allocating them.
 * Return: true when they fit; false when over budget (the caller counts
 * the limit it hit and does without).
 */
static inline bool flow_state_charge(struct flow_decoder *d, size_t n)
{
	if (n > d->cfg.max_state_bytes - d->state_bytes)
		return false;
	d->state_bytes += n;
	if (d->state_bytes > d->state_peak)
		d->state_peak = d->state_bytes;
	return true;
}

/* Give back @n bytes charged by flow_state_charge(). */
static inline void flow_state_release(struct flow_decoder *d, size_t n)
{
	d->state_bytes -= n < d->state_bytes ? n : d->state_bytes;
}

/*
 * Account sequence number @seq carrying @count units against @s.
 * A forward gap smaller than @max_gap counts as lost; a small step back
 * as out of order; anything else as an exporter restart (re-synced).
 */
void flow_seq_account(struct flow_exp_stats *st, struct flow_seq *s,
		      uint32_t seq, uint32_t count, uint32_t max_gap);

/* The protocol decoders. @c covers the whole UDP payload.
 * Return: FE_OK or the reason (already counted). */
enum flow_err nf5_decode(struct flow_decoder *d, struct cursor *c);
enum flow_err nf9_decode(struct flow_decoder *d, struct cursor *c);
enum flow_err ipfix_decode(struct flow_decoder *d, struct cursor *c);
enum flow_err sflow_decode(struct flow_decoder *d, struct cursor *c);

#endif
