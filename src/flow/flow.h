/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flow.h - the normalized flow record and the flow decoder
 *
 * Every decoder (NetFlow v5, NetFlow v9, IPFIX, sFlow v5) turns export
 * packets into struct flow_rec and hands them to a sink in batches. A field
 * the exporter did not send is absent (its FF_* bit is clear), never
 * invented. bytes/packets are as exported (unscaled); sampling_rate says
 * how to scale them.
 */
#ifndef WS_FLOW_H
#define WS_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

enum flow_proto {
	FLOW_PROTO_NONE = 0,
	FLOW_PROTO_NF5 = 5,
	FLOW_PROTO_NF9 = 9,
	FLOW_PROTO_IPFIX = 10,
	FLOW_PROTO_SFLOW5 = 65,
};

/* "nf5", "nf9", "ipfix", "sflow5" or "none". */
const char *flow_proto_name(enum flow_proto p);
/* Accepts the names above plus "netflow5", "v5", "netflow9", "v9", "sflow".
 * Return: the protocol, or FLOW_PROTO_NONE when unknown. */
enum flow_proto flow_proto_parse(const char *s);
/* Guess the protocol from the first bytes of a UDP payload. */
enum flow_proto flow_proto_detect(const uint8_t *p, size_t len);

enum flow_rec_type { FLOW_REC_FLOW, FLOW_REC_COUNTERS };

/* Presence bits of struct flow_rec's optional fields. */
enum flow_field {
	FF_TIME_START, FF_TIME_END, FF_SRC, FF_DST, FF_SRC_PORT, FF_DST_PORT,
	FF_PROTO, FF_TCP_FLAGS, FF_TOS, FF_ICMP, FF_IN_IF, FF_OUT_IF,
	FF_BYTES, FF_PACKETS, FF_SRC_AS, FF_DST_AS, FF_NEXT_HOP, FF_VLAN,
	FF_DIRECTION, FF_END_REASON, FF_FWD_STATUS, FF_SRC_MASK, FF_DST_MASK,
	FF_FLOW_LABEL, FF_SRC_MAC, FF_DST_MAC, FF_BGP_NEXT_HOP, FF_VRF_IN,
	FF_VRF_OUT, FF_SAMPLER_ID, FF_FLOWS, FF_SEQ,
	FF__COUNT
};
#define FF_BIT(f) (UINT64_C(1) << (f))

/* A field the decoder does not know: kept raw, as exported. */
struct flow_extra {
	uint32_t enterprise;	/* 0 for IANA */
	uint16_t id;
	uint16_t len;
	const uint8_t *data;	/* valid while the sink runs */
};

/* sFlow generic interface counters (counters_sample, format 1). */
struct flow_if_counters {
	uint32_t if_index, if_type, if_direction, if_status;
	uint64_t if_speed;
	uint64_t in_octets, out_octets;
	uint32_t in_ucast, in_mcast, in_bcast, in_discards, in_errors, in_unknown;
	uint32_t out_ucast, out_mcast, out_bcast, out_discards, out_errors;
	uint32_t promisc;
};

struct flow_rec {
	uint64_t present;		/* FF_BIT(FF_*) */
	uint8_t type;			/* enum flow_rec_type */
	uint8_t proto_version;		/* enum flow_proto */
	uint8_t ip_version;		/* 0, 4 or 6 */
	uint8_t proto;
	struct ip_addr exporter;	/* UDP source (nf/ipfix); agent (sFlow) */
	uint32_t domain;		/* source id / observation domain /
					   engine type<<8|id / sFlow sub-agent */
	int64_t time_start_ms, time_end_ms;	/* UTC ms since the epoch */
	int64_t recv_ms;		/* arrival of the export packet (always set) */
	int64_t export_ms;		/* the export header's time, when it has one */
	struct ip_addr src, dst, next_hop, bgp_next_hop;
	uint16_t src_port, dst_port;
	uint8_t tcp_flags, tos, icmp_type, icmp_code;
	uint8_t direction, end_reason, fwd_status;
	uint8_t src_mask, dst_mask;
	uint16_t vlan;
	uint32_t in_if, out_if;
	uint64_t bytes, packets, flows;
	uint32_t sampling_rate;		/* 1 = unsampled (always set) */
	uint32_t src_as, dst_as;
	uint32_t flow_label;
	uint32_t vrf_in, vrf_out;
	uint32_t sampler_id;
	uint32_t seq;			/* sFlow sample sequence */
	uint8_t src_mac[6], dst_mac[6];
	uint16_t n_extra;
	const struct flow_extra *extra;	/* valid while the sink runs */
	struct flow_if_counters ctr;	/* type == FLOW_REC_COUNTERS */
};

static inline bool flow_has(const struct flow_rec *r, enum flow_field f)
{
	return (r->present & FF_BIT(f)) != 0;
}
static inline void flow_set(struct flow_rec *r, enum flow_field f)
{
	r->present |= FF_BIT(f);
}

/* Why a packet, set or record was not decoded. Each has a counter. */
enum flow_err {
	FE_OK = 0,
	FE_SHORT,		/* packet shorter than its header */
	FE_VERSION,		/* unknown protocol or version */
	FE_LENGTH,		/* header length/count disagrees with the packet */
	FE_SET_LENGTH,		/* a set/flowset length is bad */
	FE_TEMPLATE_BAD,	/* a template that cannot be used */
	FE_TEMPLATE_LIMIT,	/* template cache full */
	FE_NO_TEMPLATE,		/* data without a template, dropped */
	FE_PENDING_LIMIT,	/* data waiting for a template: buffer full */
	FE_PENDING_EXPIRED,	/* data waited too long for its template */
	FE_RECORD,		/* a malformed record */
	FE_SAMPLE,		/* a malformed sFlow sample */
	FE_EXPORTER_LIMIT,	/* too many exporters */
	FE_NOT_ALLOWED,		/* exporter not in the allow-list */
	FE_NOMEM,
	FE__COUNT
};
const char *flow_err_name(enum flow_err e);

/* Per exporter and domain: what came in and what went wrong. */
struct flow_exp_stats {
	uint64_t packets, records, bytes;	/* bytes of export payload */
	uint64_t templates, options_templates, template_withdrawals;
	uint64_t seq_lost;		/* records (v5/ipfix), packets (v9),
					   datagrams/samples (sFlow) */
	uint64_t seq_out_of_order, seq_restarts;
	uint64_t seq_samples_lost;	/* sFlow: gaps in the per-source
					   sample sequences */
	uint64_t samples_skipped;	/* sFlow: samples of formats not
					   decoded (vendor enterprises) */
	uint64_t errors[FE__COUNT];
	int64_t first_seen_ms, last_seen_ms;
};

#define FLOW_MAX_SAMPLING_RULES 64

/* A sampling rate for the exporters in one prefix; the longest matching
 * prefix wins over the decoder-wide sampling_override/default_sampling. */
struct flow_sampling_rule {
	struct ip_prefix exporters;
	uint32_t rate;		/* force: 0 = as exported; else at least 1 */
	bool force;		/* override what the exporter announces (else
				   only when it announces none) */
};

/* Configuration; zero values mean the defaults given. */
struct flow_decoder_cfg {
	uint32_t max_exporters;		/* 4096 */
	uint32_t max_templates;		/* per exporter+domain: 1024 */
	uint32_t max_fields;		/* per template: 512 */
	uint32_t pending_bytes;		/* per exporter+domain: 256 KiB */
	uint32_t pending_max_age_ms;	/* 60 s */
	uint32_t template_timeout_ms;	/* 0 = templates never expire */
	uint32_t batch;			/* records per sink call: 256 */
	uint32_t sampling_override;	/* 0 = none; force this rate */
	uint32_t default_sampling;	/* rate when the exporter names none: 1 */
	struct flow_sampling_rule sampling_rules[FLOW_MAX_SAMPLING_RULES];
	unsigned nsampling_rules;
	/* Decoder-wide cap on the state exporters make grow: templates,
	 * template pages, pending data, sFlow sample-source tables, summed
	 * over all exporters (template_limit / pending_limit when hit):
	 * 256 MiB. Beyond it each exporter+domain holds a fixed ~3.6 KiB, so
	 * the worst case is max_state_bytes + max_exporters * 3.6 KiB. */
	uint64_t max_state_bytes;
};

/* One export packet as received. */
struct flow_pkt {
	const uint8_t *data;
	size_t len;
	struct ip_addr src;		/* UDP source address */
	uint16_t sport;
	int64_t recv_ms;		/* arrival time, UTC ms */
};

/* The sink gets records in batches; the array and anything the records
 * point to are only valid during the call. */
typedef void (*flow_sink_fn)(void *arg, const struct flow_rec *recs, size_t n);

struct flow_decoder;

/* Return: a decoder, or NULL when out of memory. */
struct flow_decoder *flow_decoder_new(const struct flow_decoder_cfg *cfg,
				      flow_sink_fn sink, void *arg);
void flow_decoder_free(struct flow_decoder *d);

/*
 * Decode one export packet. @force selects the protocol; FLOW_PROTO_NONE
 * detects it from the payload. Records go to the sink (batched; the last
 * partial batch is flushed before return).
 * Return: FE_OK, or the reason the packet (or part of it) was rejected.
 * Every rejection is also counted in the exporter's and global stats.
 */
enum flow_err flow_decode(struct flow_decoder *d, const struct flow_pkt *p,
			  enum flow_proto force);

/* Age out templates and pending data against @now_ms (call about once a
 * second in live use; decode calls it as capture time advances). */
void flow_decoder_tick(struct flow_decoder *d, int64_t now_ms);

/* Decode everything still pending that can be, count the rest as dropped
 * (FE_PENDING_EXPIRED). Call before freeing at the end of input. */
void flow_decoder_flush(struct flow_decoder *d);

/* Totals over all exporters, plus packets that never reached one. */
struct flow_totals {
	uint64_t packets, records, flows, counters;
	uint64_t errors[FE__COUNT];	/* includes per-exporter errors */
	uint64_t exporters;
	uint64_t exporters_evicted;	/* untrusted state dropped to make room */
	uint64_t pending_records_decoded;
	uint64_t state_bytes;		/* charged to max_state_bytes now */
	uint64_t state_bytes_peak;	/* the most it ever was */
};
void flow_decoder_totals(const struct flow_decoder *d, struct flow_totals *t);

/*
 * Parse "EXPORTER=N" (an address or a prefix, host bits zero) into @out;
 * @force says which kind of rule it is. Return: 0, or -1 with a message
 * in @err naming the bad part.
 */
int flow_sampling_rule_parse(const char *s, bool force, struct flow_sampling_rule *out,
			     char *err, size_t errlen);
/* Append @r to @rules (@n entries, room for FLOW_MAX_SAMPLING_RULES).
 * Return: 0, or -1 with a message when full or when a rule of the same
 * kind for the same prefix is there already. */
int flow_sampling_rule_add(struct flow_sampling_rule *rules, unsigned *n,
			   const struct flow_sampling_rule *r, char *err, size_t errlen);
/* "PREFIX=N" as flow_sampling_rule_parse() reads it back. */
void flow_sampling_rule_fmt(const struct flow_sampling_rule *r, char *buf, size_t len);

/* Walk exporter/domain state: @fn is called once per exporter+domain. */
typedef void (*flow_exp_fn)(void *arg, const struct ip_addr *exporter,
			    enum flow_proto proto, uint32_t domain,
			    const struct flow_exp_stats *st);
void flow_decoder_foreach(const struct flow_decoder *d, flow_exp_fn fn, void *arg);

#endif
