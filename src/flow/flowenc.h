/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flowenc.h - export encoders: NetFlow v9 (RFC 3954), IPFIX (RFC 7011)
 * and sFlow v5 datagrams, bounded by a datagram size
 *
 * The encoders build one datagram at a time in a fixed buffer and hand
 * each finished datagram to an output callback; they never allocate after
 * init. They are the exporter's half of src/flow: what they write, the
 * decoders in this folder read back (tests check that round trip).
 */
#ifndef WS_FLOWENC_H
#define WS_FLOWENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "lib/addr.h"

/* Largest datagram an encoder builds (a UDP payload over IPv6 at 9000 MTU). */
#define FENC_MTU_MAX 8952
#define FENC_MTU_MIN 512
#define FENC_MTU_DEFAULT 1400

/* A finished datagram; @p is valid during the call only. */
typedef void (*fenc_out_fn)(void *arg, const uint8_t *p, size_t len);

/* ---- NetFlow v9 and IPFIX ---------------------------------------------- */

/* Template ids the encoder announces (data set ids of its records);
 * NFENC_TMPL_OPT is the options template announcing the sampler. */
enum { NFENC_TMPL_V4 = 256, NFENC_TMPL_V6 = 257, NFENC_TMPL_OPT = 258 };
/* samplingAlgorithm (IE 35) values: 1 deterministic, 2 random */
#define NFENC_SAMPLING_RANDOM 2

struct nfenc_cfg {
	enum flow_proto proto;		/* FLOW_PROTO_NF9 or FLOW_PROTO_IPFIX */
	uint32_t domain;		/* source id / observation domain id */
	size_t mtu;			/* datagram bytes, FENC_MTU_MIN..MAX */
	uint32_t template_refresh_ms;	/* resend templates this often */
	uint32_t sampling;		/* > 1: announced in an options record */
	int64_t boot_ms;		/* v9 sysUptime zero (UTC ms) */
};

struct nfenc_stats {
	uint64_t datagrams, records, templates, bytes;
	uint64_t options;		/* sampler options records sent */
	uint64_t unencodable;		/* records of no IP version */
};

struct nfenc {
	struct nfenc_cfg cfg;
	fenc_out_fn out;
	void *arg;
	uint8_t buf[FENC_MTU_MAX];
	size_t len;			/* bytes in buf; 0 = no datagram open */
	size_t set_off;			/* open data set's header; 0 = none */
	uint16_t set_id;
	uint32_t msg_records;		/* data records in the open datagram */
	uint32_t msg_count;		/* v9 header count (records+templates) */
	uint32_t seq;			/* v9: datagrams; IPFIX: data records */
	int64_t msg_ms;			/* export time of the open datagram */
	int64_t next_template_ms;	/* INT64_MIN: due at once */
	struct nfenc_stats st;
};

/* Return: 0, or -1 when @cfg is unusable (protocol, mtu). */
int nfenc_init(struct nfenc *e, const struct nfenc_cfg *cfg, fenc_out_fn out, void *arg);

/*
 * Encode one flow record (ip_version 4 or 6; uses src, dst, ports, proto,
 * tos, tcp_flags, icmp type/code, in_if, direction, vlan, bytes, packets,
 * time_start_ms/time_end_ms, end_reason) at export time @now_ms. Emits the
 * open datagram first when the record does not fit; templates go at the
 * head of a datagram when due.
 */
void nfenc_add(struct nfenc *e, const struct flow_rec *r, int64_t now_ms);
/* Emit the open datagram, if any. */
void nfenc_flush(struct nfenc *e);
/* Send the templates now if they are due at @now_ms (a datagram of
 * templates only, when no records are waiting). */
void nfenc_tick(struct nfenc *e, int64_t now_ms);

/* ---- sFlow v5 ------------------------------------------------------------ */

#define SFENC_HEADER_MAX 128	/* bytes of each sampled packet exported */

struct sfenc_cfg {
	struct ip_addr agent;		/* agent address (v4 or v6) */
	uint32_t sub_agent;
	size_t mtu;
	int64_t boot_ms;		/* uptime zero (UTC ms) */
};

/* One sampled packet, as the flow sample's raw packet header record. */
struct sfenc_sample {
	uint32_t source_index;		/* ifIndex of the data source */
	uint32_t sampling_rate;
	uint32_t sample_pool;		/* packets seen by the source */
	uint32_t drops;			/* packets the source could not sample */
	uint32_t input_if, output_if;	/* 0 = unknown */
	uint32_t header_protocol;	/* 1 = Ethernet, 11 = IPv4, 12 = IPv6 */
	uint32_t frame_length;		/* original length incl. stripped */
	uint32_t stripped;		/* bytes removed before the header (FCS) */
	const uint8_t *header;
	size_t header_len;		/* at most SFENC_HEADER_MAX are kept */
	/* extended switch data (sFlow v5 record 1001), sent when has_switch:
	 * 802.1Q VLAN ids and 802.1p priorities in and out */
	bool has_switch;
	uint32_t src_vlan, src_priority, dst_vlan, dst_priority;
};

struct sfenc_stats {
	uint64_t datagrams, flow_samples, counter_samples, bytes;
};

struct sfenc {
	struct sfenc_cfg cfg;
	fenc_out_fn out;
	void *arg;
	uint8_t buf[FENC_MTU_MAX];
	size_t len;			/* 0 = no datagram open */
	size_t nsamples_off;
	uint32_t nsamples;
	uint32_t seq;			/* datagram sequence */
	struct sfenc_stats st;
};

/* Return: 0, or -1 when @cfg is unusable (mtu, agent address). */
int sfenc_init(struct sfenc *e, const struct sfenc_cfg *cfg, fenc_out_fn out, void *arg);
/* Append a flow sample with sequence number @seq (per source). */
void sfenc_flow(struct sfenc *e, const struct sfenc_sample *s, uint32_t seq, int64_t now_ms);
/* Append a counters sample (generic interface counters) with @seq. */
void sfenc_counters(struct sfenc *e, const struct flow_if_counters *c, uint32_t seq,
		    int64_t now_ms);
/* Emit the open datagram, if any. */
void sfenc_flush(struct sfenc *e);

#endif
