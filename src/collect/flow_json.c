/* SPDX-License-Identifier: BSD-2-Clause */
/* flow_json.c - one flow record as a JSON object */
#include "collect/flow_json.h"
#include "lib/timeutil.h"

static void key(struct wbuf *b, const char *k)
{
	wbuf_puts_lit(b, ",\"");
	wbuf_puts(b, k);
	wbuf_puts_lit(b, "\":");
}

static void num(struct wbuf *b, const char *k, uint64_t v)
{
	key(b, k);
	wbuf_put_u64(b, v);
}

static void addr(struct wbuf *b, const char *k, const struct ip_addr *a)
{
	char s[IP_ADDR_STRLEN];

	key(b, k);
	wbuf_putc(b, '"');
	wbuf_put(b, s, ip_addr_fmt(a, s));
	wbuf_putc(b, '"');
}

static void ts(struct wbuf *b, const char *k, int64_t ms)
{
	char s[TIME_ISO_LEN];

	key(b, k);
	wbuf_putc(b, '"');
	wbuf_put(b, s, time_fmt_iso_ms(ms, s));
	wbuf_putc(b, '"');
}

static void mac(struct wbuf *b, const char *k, const uint8_t *m)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	key(b, k);
	wbuf_putc(b, '"');
	for (i = 0; i < 6; i++) {
		if (i)
			wbuf_putc(b, ':');
		wbuf_putc(b, hex[m[i] >> 4]);
		wbuf_putc(b, hex[m[i] & 15]);
	}
	wbuf_putc(b, '"');
}

void collect_json_rec(struct wbuf *b, const struct flow_rec *r)
{
	char s[IP_ADDR_STRLEN];

	wbuf_puts_lit(b, "{\"type\":\"");
	wbuf_puts(b, r->type == FLOW_REC_COUNTERS ? "counters" : "flow");
	wbuf_puts_lit(b, "\",\"version\":\"");
	wbuf_puts(b, flow_proto_name((enum flow_proto)r->proto_version));
	wbuf_puts_lit(b, "\",\"exporter\":\"");
	wbuf_put(b, s, ip_addr_fmt(&r->exporter, s));
	wbuf_putc(b, '"');
	num(b, "domain", r->domain);
	ts(b, "recv", r->recv_ms);
	if (r->export_ms)
		ts(b, "export", r->export_ms);
	if (flow_has(r, FF_TIME_START))
		ts(b, "start", r->time_start_ms);
	if (flow_has(r, FF_TIME_END))
		ts(b, "end", r->time_end_ms);
	if (r->ip_version)
		num(b, "ip_version", r->ip_version);
	if (flow_has(r, FF_SRC))
		addr(b, "src", &r->src);
	if (flow_has(r, FF_DST))
		addr(b, "dst", &r->dst);
	if (flow_has(r, FF_PROTO))
		num(b, "proto", r->proto);
	if (flow_has(r, FF_SRC_PORT))
		num(b, "src_port", r->src_port);
	if (flow_has(r, FF_DST_PORT))
		num(b, "dst_port", r->dst_port);
	if (flow_has(r, FF_BYTES))
		num(b, "bytes", r->bytes);
	if (flow_has(r, FF_PACKETS))
		num(b, "packets", r->packets);
	if (flow_has(r, FF_FLOWS))
		num(b, "flows", r->flows);
	num(b, "sampling_rate", r->sampling_rate);
	if (flow_has(r, FF_TCP_FLAGS))
		num(b, "tcp_flags", r->tcp_flags);
	if (flow_has(r, FF_TOS))
		num(b, "tos", r->tos);
	if (flow_has(r, FF_ICMP)) {
		num(b, "icmp_type", r->icmp_type);
		num(b, "icmp_code", r->icmp_code);
	}
	if (flow_has(r, FF_IN_IF))
		num(b, "in_if", r->in_if);
	if (flow_has(r, FF_OUT_IF))
		num(b, "out_if", r->out_if);
	if (flow_has(r, FF_SRC_AS))
		num(b, "src_as", r->src_as);
	if (flow_has(r, FF_DST_AS))
		num(b, "dst_as", r->dst_as);
	if (flow_has(r, FF_NEXT_HOP))
		addr(b, "next_hop", &r->next_hop);
	if (flow_has(r, FF_BGP_NEXT_HOP))
		addr(b, "bgp_next_hop", &r->bgp_next_hop);
	if (flow_has(r, FF_VLAN))
		num(b, "vlan", r->vlan);
	if (flow_has(r, FF_DIRECTION))
		num(b, "direction", r->direction);
	if (flow_has(r, FF_END_REASON))
		num(b, "end_reason", r->end_reason);
	if (flow_has(r, FF_FWD_STATUS))
		num(b, "fwd_status", r->fwd_status);
	if (flow_has(r, FF_SRC_MASK))
		num(b, "src_mask", r->src_mask);
	if (flow_has(r, FF_DST_MASK))
		num(b, "dst_mask", r->dst_mask);
	if (flow_has(r, FF_FLOW_LABEL))
		num(b, "flow_label", r->flow_label);
	if (flow_has(r, FF_SRC_MAC))
		mac(b, "src_mac", r->src_mac);
	if (flow_has(r, FF_DST_MAC))
		mac(b, "dst_mac", r->dst_mac);
	if (flow_has(r, FF_VRF_IN))
		num(b, "vrf_in", r->vrf_in);
	if (flow_has(r, FF_VRF_OUT))
		num(b, "vrf_out", r->vrf_out);
	if (flow_has(r, FF_SAMPLER_ID))
		num(b, "sampler_id", r->sampler_id);
	if (flow_has(r, FF_SEQ))
		num(b, "seq", r->seq);
	wbuf_putc(b, '}');
}
