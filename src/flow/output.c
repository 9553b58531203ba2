/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * output.c - flow records as JSON lines, CSV or aligned text
 *
 * JSON and CSV are on the hot path of `wanscope decode` (millions of
 * records): every field is appended with the inlined wbuf helpers, never
 * through printf. Text output is for people and may use printf.
 */
#include <string.h>
#include <strings.h>

#include "flow/output.h"
#include "lib/timeutil.h"

int out_format_parse(const char *s, enum out_format *f)
{
	if (!strcasecmp(s, "jsonl") || !strcasecmp(s, "json"))
		*f = OUT_JSONL;
	else if (!strcasecmp(s, "csv"))
		*f = OUT_CSV;
	else if (!strcasecmp(s, "text"))
		*f = OUT_TEXT;
	else
		return -1;
	return 0;
}

static const char digits2[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Decimal, two digits per division (the hot path's most common call). */
static inline void put_uint(struct wbuf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	while (v >= 100) {
		i -= 2;
		memcpy(tmp + i, digits2 + (v % 100) * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		i -= 2;
		memcpy(tmp + i, digits2 + v * 2, 2);
	} else {
		tmp[--i] = (char)('0' + v);
	}
	wbuf_put(b, tmp + i, sizeof(tmp) - i);
}

/* ,"name": */
#define KEY(b, name) wbuf_puts_lit((b), ",\"" name "\":")
#define KU(b, name, v) do { KEY(b, name); put_uint((b), (v)); } while (0)

/*
 * IPv6 text as RFC 5952 and inet_ntop() write it (lower case, no leading
 * zeros, the first longest run of two or more zero groups as "::"),
 * without inet_ntop's per-group sprintf. Addresses with an IPv4 tail
 * (the first 80 bits zero) go through ip_addr_fmt().
 */
static size_t fmt_ip6(const struct ip_addr *x, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	uint16_t w[8];
	int i, best = -1, best_len = 0, cur = -1, cur_len = 0;
	size_t n = 0;

	for (i = 0; i < 10 && !x->a[i]; i++)
		;
	if (i == 10)
		return ip_addr_fmt(x, buf);
	for (i = 0; i < 8; i++) {
		w[i] = (uint16_t)(x->a[2 * i] << 8 | x->a[2 * i + 1]);
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 0;
			if (++cur_len > best_len)
				best = cur, best_len = cur_len;
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			buf[n++] = ':';
			if (i == 0)
				buf[n++] = ':';
			i += best_len - 1;
			continue;
		}
		if (w[i] >> 12)
			buf[n++] = hex[w[i] >> 12];
		if (w[i] >> 8)
			buf[n++] = hex[w[i] >> 8 & 15];
		if (w[i] >> 4)
			buf[n++] = hex[w[i] >> 4 & 15];
		buf[n++] = hex[w[i] & 15];
		if (i < 7)
			buf[n++] = ':';
	}
	buf[n] = '\0';
	return n;
}

static size_t fmt_addr(const struct ip_addr *a, char buf[IP_ADDR_STRLEN])
{
	return a->family == 6 ? fmt_ip6(a, buf) : ip_addr_fmt(a, buf);
}

static void put_addr(struct wbuf *b, const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN + 2];
	size_t n = fmt_addr(a, buf + 1);

	buf[0] = '"';
	buf[n + 1] = '"';
	wbuf_put(b, buf, n + 2);
}

/* The ISO form of @ms, from the cache when it was formatted lately. */
static const char *iso_time(struct out_cache *c, int64_t ms)
{
	unsigned i;

	for (i = 0; i < OUT_TIME_CACHE; i++)
		if ((c->valid >> i & 1) && c->ms[i] == ms)
			return c->iso[i];
	i = c->next++ % OUT_TIME_CACHE;
	c->ms[i] = ms;
	c->valid |= (uint8_t)(1u << i);
	if (c->date[0] && ms >= c->day_ms && ms - c->day_ms < 86400000) {
		/* same day as before: only the time of day is new */
		unsigned t = (unsigned)(ms - c->day_ms), sec = t / 1000, msec = t % 1000;
		char *p = c->iso[i];

		memcpy(p, c->date, 11);
		memcpy(p + 11, digits2 + sec / 3600 * 2, 2);
		p[13] = ':';
		memcpy(p + 14, digits2 + sec / 60 % 60 * 2, 2);
		p[16] = ':';
		memcpy(p + 17, digits2 + sec % 60 * 2, 2);
		p[19] = '.';
		p[20] = (char)('0' + msec / 100);
		memcpy(p + 21, digits2 + msec % 100 * 2, 2);
		p[23] = 'Z';
		p[24] = '\0';
		return p;
	}
	time_fmt_iso_ms(ms, c->iso[i]);
	if (ms >= 0 && ms <= 253402300799999LL) {	/* not clamped */
		memcpy(c->date, c->iso[i], 11);
		c->day_ms = ms - ms % 86400000;
	}
	return c->iso[i];
}

static void put_time(struct wbuf *b, struct out_cache *c, int64_t ms)
{
	char buf[TIME_ISO_LEN + 1];

	buf[0] = '"';
	memcpy(buf + 1, iso_time(c, ms), 24);
	buf[25] = '"';
	wbuf_put(b, buf, 26);
}

static void put_mac(struct wbuf *b, const uint8_t m[6])
{
	static const char hex[] = "0123456789abcdef";
	char s[19];
	int i;

	s[0] = '"';
	for (i = 0; i < 6; i++) {
		s[1 + i * 3] = hex[m[i] >> 4];
		s[2 + i * 3] = hex[m[i] & 15];
		s[3 + i * 3] = i < 5 ? ':' : '"';
	}
	wbuf_put(b, s, sizeof(s));
}

static void json_head(struct wbuf *b, const struct flow_rec *r)
{
	if (r->type == FLOW_REC_COUNTERS)
		wbuf_puts_lit(b, "{\"type\":\"counters\",\"version\":\"");
	else
		wbuf_puts_lit(b, "{\"type\":\"flow\",\"version\":\"");
	wbuf_puts(b, flow_proto_name((enum flow_proto)r->proto_version));
	wbuf_puts_lit(b, "\",\"exporter\":");
	put_addr(b, &r->exporter);
	KU(b, "domain", r->domain);
}

static void json_counters(struct wbuf *b, struct out_cache *tc, const struct flow_rec *r)
{
	const struct flow_if_counters *c = &r->ctr;

	json_head(b, r);
	KU(b, "if_index", c->if_index);
	KU(b, "if_type", c->if_type);
	KU(b, "if_speed", c->if_speed);
	KU(b, "if_direction", c->if_direction);
	KU(b, "if_status", c->if_status);
	KU(b, "in_octets", c->in_octets);
	KU(b, "in_ucast", c->in_ucast);
	KU(b, "in_mcast", c->in_mcast);
	KU(b, "in_bcast", c->in_bcast);
	KU(b, "in_discards", c->in_discards);
	KU(b, "in_errors", c->in_errors);
	KU(b, "in_unknown", c->in_unknown);
	KU(b, "out_octets", c->out_octets);
	KU(b, "out_ucast", c->out_ucast);
	KU(b, "out_mcast", c->out_mcast);
	KU(b, "out_bcast", c->out_bcast);
	KU(b, "out_discards", c->out_discards);
	KU(b, "out_errors", c->out_errors);
	KU(b, "promisc", c->promisc);
	if (flow_has(r, FF_SEQ))
		KU(b, "seq", r->seq);
	KEY(b, "recv_time");
	put_time(b, tc, r->recv_ms);
	wbuf_puts_lit(b, "}\n");
}

void out_json_rec(struct wbuf *b, struct out_cache *c, const struct flow_rec *r)
{
	uint16_t i;

	if (r->type == FLOW_REC_COUNTERS) {
		json_counters(b, c, r);
		return;
	}
	json_head(b, r);
	if (flow_has(r, FF_TIME_START)) {
		KEY(b, "time_start");
		put_time(b, c, r->time_start_ms);
	}
	if (flow_has(r, FF_TIME_END)) {
		KEY(b, "time_end");
		put_time(b, c, r->time_end_ms);
	}
	if (r->ip_version)
		KU(b, "ip_version", r->ip_version);
	if (flow_has(r, FF_SRC)) {
		KEY(b, "src");
		put_addr(b, &r->src);
	}
	if (flow_has(r, FF_DST)) {
		KEY(b, "dst");
		put_addr(b, &r->dst);
	}
	if (flow_has(r, FF_SRC_PORT))
		KU(b, "src_port", r->src_port);
	if (flow_has(r, FF_DST_PORT))
		KU(b, "dst_port", r->dst_port);
	if (flow_has(r, FF_PROTO))
		KU(b, "proto", r->proto);
	if (flow_has(r, FF_TCP_FLAGS))
		KU(b, "tcp_flags", r->tcp_flags);
	if (flow_has(r, FF_TOS))
		KU(b, "tos", r->tos);
	if (flow_has(r, FF_ICMP)) {
		KU(b, "icmp_type", r->icmp_type);
		KU(b, "icmp_code", r->icmp_code);
	}
	if (flow_has(r, FF_IN_IF))
		KU(b, "in_if", r->in_if);
	if (flow_has(r, FF_OUT_IF))
		KU(b, "out_if", r->out_if);
	if (flow_has(r, FF_BYTES))
		KU(b, "bytes", r->bytes);
	if (flow_has(r, FF_PACKETS))
		KU(b, "packets", r->packets);
	KU(b, "sampling_rate", r->sampling_rate);
	if (flow_has(r, FF_SRC_AS))
		KU(b, "src_as", r->src_as);
	if (flow_has(r, FF_DST_AS))
		KU(b, "dst_as", r->dst_as);
	if (flow_has(r, FF_NEXT_HOP)) {
		KEY(b, "next_hop");
		put_addr(b, &r->next_hop);
	}
	if (flow_has(r, FF_VLAN))
		KU(b, "vlan", r->vlan);
	if (flow_has(r, FF_DIRECTION))
		KU(b, "direction", r->direction);
	if (flow_has(r, FF_END_REASON))
		KU(b, "end_reason", r->end_reason);
	if (flow_has(r, FF_SRC_MASK))
		KU(b, "src_mask", r->src_mask);
	if (flow_has(r, FF_DST_MASK))
		KU(b, "dst_mask", r->dst_mask);
	if (flow_has(r, FF_FWD_STATUS))
		KU(b, "fwd_status", r->fwd_status);
	if (flow_has(r, FF_FLOWS))
		KU(b, "flows", r->flows);
	if (flow_has(r, FF_BGP_NEXT_HOP)) {
		KEY(b, "bgp_next_hop");
		put_addr(b, &r->bgp_next_hop);
	}
	if (flow_has(r, FF_FLOW_LABEL))
		KU(b, "flow_label", r->flow_label);
	if (flow_has(r, FF_SRC_MAC)) {
		KEY(b, "src_mac");
		put_mac(b, r->src_mac);
	}
	if (flow_has(r, FF_DST_MAC)) {
		KEY(b, "dst_mac");
		put_mac(b, r->dst_mac);
	}
	if (flow_has(r, FF_VRF_IN))
		KU(b, "vrf_in", r->vrf_in);
	if (flow_has(r, FF_VRF_OUT))
		KU(b, "vrf_out", r->vrf_out);
	if (flow_has(r, FF_SAMPLER_ID))
		KU(b, "sampler_id", r->sampler_id);
	if (flow_has(r, FF_SEQ))
		KU(b, "seq", r->seq);
	if (r->export_ms) {
		KEY(b, "export_time");
		put_time(b, c, r->export_ms);
	}
	KEY(b, "recv_time");
	put_time(b, c, r->recv_ms);
	if (r->n_extra && r->extra) {
		wbuf_puts_lit(b, ",\"extra\":[");
		for (i = 0; i < r->n_extra; i++) {
			const struct flow_extra *x = &r->extra[i];

			if (i)
				wbuf_putc(b, ',');
			wbuf_puts_lit(b, "{\"pen\":");
			put_uint(b, x->enterprise);
			KU(b, "id", x->id);
			wbuf_puts_lit(b, ",\"hex\":\"");
			if (x->data)
				wbuf_put_hex(b, x->data, x->len);
			wbuf_puts_lit(b, "\"}");
		}
		wbuf_putc(b, ']');
	}
	wbuf_puts_lit(b, "}\n");
}

/* CSV: one fixed column set; an absent field is an empty cell. */
static const char csv_header[] =
	"version,exporter,domain,time_start,time_end,ip_version,src,dst,"
	"src_port,dst_port,proto,tcp_flags,tos,icmp_type,icmp_code,in_if,out_if,"
	"bytes,packets,sampling_rate,src_as,dst_as,next_hop,vlan,direction,"
	"end_reason\n";

void out_csv_header(struct wbuf *b)
{
	wbuf_put(b, csv_header, sizeof(csv_header) - 1);
}

#define CU(b, r, f, v) do { wbuf_putc(b, ','); if (flow_has(r, f)) put_uint(b, v); } while (0)

static void csv_addr(struct wbuf *b, const struct flow_rec *r, enum flow_field f,
		     const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];

	wbuf_putc(b, ',');
	if (flow_has(r, f))
		wbuf_put(b, buf, fmt_addr(a, buf));
}

static void csv_time(struct wbuf *b, struct out_cache *c, const struct flow_rec *r,
		     enum flow_field f, int64_t ms)
{
	wbuf_putc(b, ',');
	if (flow_has(r, f))
		wbuf_put(b, iso_time(c, ms), 24);
}

void out_csv_rec(struct wbuf *b, struct out_cache *c, const struct flow_rec *r)
{
	char buf[IP_ADDR_STRLEN];

	if (r->type != FLOW_REC_FLOW)
		return;
	wbuf_puts(b, flow_proto_name((enum flow_proto)r->proto_version));
	wbuf_putc(b, ',');
	wbuf_put(b, buf, fmt_addr(&r->exporter, buf));
	wbuf_putc(b, ',');
	put_uint(b, r->domain);
	csv_time(b, c, r, FF_TIME_START, r->time_start_ms);
	csv_time(b, c, r, FF_TIME_END, r->time_end_ms);
	wbuf_putc(b, ',');
	if (r->ip_version)
		put_uint(b, r->ip_version);
	csv_addr(b, r, FF_SRC, &r->src);
	csv_addr(b, r, FF_DST, &r->dst);
	CU(b, r, FF_SRC_PORT, r->src_port);
	CU(b, r, FF_DST_PORT, r->dst_port);
	CU(b, r, FF_PROTO, r->proto);
	CU(b, r, FF_TCP_FLAGS, r->tcp_flags);
	CU(b, r, FF_TOS, r->tos);
	CU(b, r, FF_ICMP, r->icmp_type);
	CU(b, r, FF_ICMP, r->icmp_code);
	CU(b, r, FF_IN_IF, r->in_if);
	CU(b, r, FF_OUT_IF, r->out_if);
	CU(b, r, FF_BYTES, r->bytes);
	CU(b, r, FF_PACKETS, r->packets);
	wbuf_putc(b, ',');
	put_uint(b, r->sampling_rate);
	CU(b, r, FF_SRC_AS, r->src_as);
	CU(b, r, FF_DST_AS, r->dst_as);
	csv_addr(b, r, FF_NEXT_HOP, &r->next_hop);
	CU(b, r, FF_VLAN, r->vlan);
	CU(b, r, FF_DIRECTION, r->direction);
	CU(b, r, FF_END_REASON, r->end_reason);
	wbuf_putc(b, '\n');
}

/* Text: aligned columns in the manner of nfdump's line output. */
void out_text_header(struct wbuf *b)
{
	wbuf_printf(b, "%-23s %9s %-5s %45s    %-45s %10s %12s %6s %s\n",
		    "Date first seen", "Duration", "Proto", "Src IP Addr:Port",
		    "Dst IP Addr:Port", "Packets", "Bytes", "Rate", "Exporter");
}

static const char *proto_label(uint8_t p, char tmp[4])
{
	switch (p) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 47: return "GRE";
	case 50: return "ESP";
	case 58: return "ICMP6";
	case 132: return "SCTP";
	default:
		tmp[0] = (char)('0' + p / 100);
		tmp[1] = (char)('0' + p / 10 % 10);
		tmp[2] = (char)('0' + p % 10);
		tmp[3] = '\0';
		return tmp;
	}
}

static void text_endpoint(char *out, size_t outlen, const struct flow_rec *r,
			  enum flow_field af, const struct ip_addr *a,
			  enum flow_field pf, unsigned port)
{
	char ab[IP_ADDR_STRLEN] = "-";

	if (flow_has(r, af))
		ip_addr_fmt(a, ab);
	if (flow_has(r, pf))
		snprintf(out, outlen, "%s%s%u", ab, a->family == 6 ? "." : ":", port);
	else
		snprintf(out, outlen, "%s", ab);
}

void out_text_rec(struct wbuf *b, const struct flow_rec *r)
{
	char ts[TIME_ISO_LEN] = "-", src[IP_ADDR_STRLEN + 8], dst[IP_ADDR_STRLEN + 8];
	char exp[IP_ADDR_STRLEN], ptmp[4], dur[24] = "-";

	ip_addr_fmt(&r->exporter, exp);
	if (r->type == FLOW_REC_COUNTERS) {
		const struct flow_if_counters *c = &r->ctr;

		time_fmt_iso_ms(r->recv_ms, ts);
		ts[23] = '\0';
		ts[10] = ' ';
		wbuf_printf(b, "%-23s counters if %u speed %llu in %llu octets %u ucast "
			    "%u errors, out %llu octets %u ucast %u errors  %s\n",
			    ts, c->if_index, (unsigned long long)c->if_speed,
			    (unsigned long long)c->in_octets, c->in_ucast, c->in_errors,
			    (unsigned long long)c->out_octets, c->out_ucast,
			    c->out_errors, exp);
		return;
	}
	if (flow_has(r, FF_TIME_START)) {
		time_fmt_iso_ms(r->time_start_ms, ts);
		ts[23] = '\0';		/* drop the Z */
		ts[10] = ' ';
		if (flow_has(r, FF_TIME_END))
			snprintf(dur, sizeof(dur), "%.3f",
				 ((double)r->time_end_ms - (double)r->time_start_ms) / 1000.0);
	}
	text_endpoint(src, sizeof(src), r, FF_SRC, &r->src, FF_SRC_PORT, r->src_port);
	text_endpoint(dst, sizeof(dst), r, FF_DST, &r->dst, FF_DST_PORT, r->dst_port);
	wbuf_printf(b, "%-23s %9s %-5s %45s -> %-45s %10llu %12llu %6u %s\n",
		    ts, dur, flow_has(r, FF_PROTO) ? proto_label(r->proto, ptmp) : "-",
		    src, dst, (unsigned long long)r->packets,
		    (unsigned long long)r->bytes, r->sampling_rate, exp);
}
