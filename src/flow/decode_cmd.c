/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode_cmd.c - `wanscope decode`: export packets in captures to records
 *
 * One flow decoder serves the whole run, so templates learnt early in a
 * capture (or in an earlier FILE) decode data later on, as in a live
 * collector. Capture time drives the decoder's clock: recv_ms is the
 * packet's timestamp and the decoder is ticked as that time advances.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "flow/output.h"
#include "flow/pcapread.h"
#include "lib/opt.h"
#include "lib/timeutil.h"
#include "lib/wbuf.h"
#include "subcommands.h"

#define DECODE_MAX_PORTS 64
#define DECODE_MAX_EXPORTERS 64
#define DECODE_MAX_WARNINGS 10
#define DECODE_OUT_FLUSH (256 * 1024)

struct port_force {
	uint16_t port;
	enum flow_proto proto;
};

struct decode_ctx {
	struct flow_decoder *dec;
	struct cap_reader cap;
	struct wbuf out;
	struct out_cache cache;
	enum out_format fmt;
	bool stats, quiet;
	uint64_t limit, written;
	volatile bool stop;
	bool write_error;
	struct port_force ports[DECODE_MAX_PORTS];
	size_t nports;
	struct ip_addr exporters[DECODE_MAX_EXPORTERS];
	size_t nexporters;
	int64_t last_tick_ms;
	bool ticked;
	const char *file;		/* the capture being read */
	unsigned warnings;
	uint64_t not_flow, filtered, decode_errors;
	unsigned files, files_failed;
};

static void usage(FILE *f)
{
	fputs(
"usage: wanscope decode [OPTIONS] FILE...\n"
"\n"
"Decode NetFlow v5, NetFlow v9, IPFIX and sFlow v5 export packets found in\n"
"pcap or pcapng captures and print one record per line.\n"
"\n"
"Each FILE is a capture of export traffic (\"-\" reads standard input), with\n"
"link type Ethernet (802.1Q/802.1ad tags allowed), Linux cooked (SLL, SLL2),\n"
"raw IP or BSD loopback. UDP datagrams on any port, over IPv4 or IPv6, are\n"
"considered; fragmented datagrams are reassembled in a bounded table. The\n"
"protocol is recognised from each payload unless --port forces it. One\n"
"decoder serves the whole run, so templates persist across packets and\n"
"files as in a live collector; capture timestamps serve as arrival times.\n"
"\n"
"Options:\n"
"  -f, --format FMT     output format: jsonl (default), csv or text\n"
"  -s, --stats          report what was decoded, skipped and why: with jsonl\n"
"                       a final {\"type\":\"stats\",...} line on standard output,\n"
"                       otherwise a readable summary on standard error\n"
"  -p, --port PORT=PROTO\n"
"                       decode UDP datagrams to PORT as PROTO (nf5, nf9,\n"
"                       ipfix, sflow) instead of detecting it; repeatable\n"
"                       (up to 64)\n"
"  -e, --exporter ADDR  only packets from this exporter: the UDP source\n"
"                       address, or for sFlow the agent address; repeatable\n"
"  -n, --limit N        stop after N records (default: no limit)\n"
"      --max-fragments N\n"
"                       partial datagrams held for reassembly (default 256)\n"
"      --fragment-timeout SECONDS\n"
"                       give up a partial datagram after this much capture\n"
"                       time (default 30)\n"
"      --sampling [EXPORTER=]N\n"
"                       treat every record as sampled 1 in N (default: the\n"
"                       rate the exporter announces, else 1); with EXPORTER\n"
"                       (an address or prefix; for sFlow the agent address)\n"
"                       only that exporter's, N = 0 there meaning as\n"
"                       announced; repeatable, the longest prefix wins\n"
"  -q, --quiet          no per-packet warnings on standard error\n"
"  -h, --help           show this help\n"
"\n"
"Output (jsonl): one object per line. Flow records:\n"
"  {\"type\":\"flow\",\"version\":\"nf5|nf9|ipfix|sflow5\",\"exporter\":\"ADDR\",\n"
"   \"domain\":N,\"time_start\":\"ISO8601\",\"time_end\":..., \"ip_version\":4|6,\n"
"   \"src\":...,\"dst\":...,\"src_port\":N,\"dst_port\":N,\"proto\":N,\"tcp_flags\":N,\n"
"   \"tos\":N,\"icmp_type\":N,\"icmp_code\":N,\"in_if\":N,\"out_if\":N,\"bytes\":N,\n"
"   \"packets\":N,\"sampling_rate\":N,\"src_as\":N,\"dst_as\":N,\"next_hop\":...,\n"
"   \"vlan\":N,\"direction\":N,\"end_reason\":N, ... ,\"recv_time\":...}\n"
"  A field the exporter did not send is left out. bytes and packets are as\n"
"  exported (not scaled); sampling_rate says by how much to scale them.\n"
"  Also present when sent: src_mask, dst_mask, fwd_status, flows,\n"
"  bgp_next_hop, flow_label, src_mac, dst_mac, vrf_in, vrf_out, sampler_id,\n"
"  seq, export_time; fields the decoder does not know come as\n"
"  \"extra\":[{\"pen\":N,\"id\":N,\"hex\":\"...\"}]. sFlow counter samples:\n"
"  {\"type\":\"counters\",...,\"if_index\":N,\"in_octets\":N,...}.\n"
"  csv: a header line, then flow records in a fixed column set (absent\n"
"  fields are empty cells; counter samples are left out).\n"
"  text: aligned columns like nfdump's line output.\n"
"\n"
"Exit status:\n"
"  0  every FILE was read (also when records could not be decoded: those\n"
"     are counted, see --stats; and when a capture was cut short after\n"
"     some packets, with a warning)\n"
"  1  a FILE could not be read (missing, not a capture, unsupported link\n"
"     type, cut short before any packet) or output could not be written\n"
"  2  usage error\n"
"\n"
"Examples:\n"
"  wanscope decode export.pcap\n"
"  wanscope decode --stats -f text export.pcapng\n"
"  tcpdump -i eth0 -w - udp port 2055 | wanscope decode -p 2055=nf9 -\n"
"  wanscope decode -e 192.0.2.1 -n 10 a.pcap b.pcap\n", f);
}

static int parse_port(struct decode_ctx *x, const char *arg)
{
	char buf[64];
	char *eq;
	uint32_t port;
	enum flow_proto p;

	if (strlen(arg) >= sizeof(buf) || !(eq = strchr(strcpy(buf, arg), '='))) {
		fprintf(stderr, "wanscope: decode: --port: '%s' is not PORT=PROTO "
			"(e.g. 9995=ipfix)\n", arg);
		return -1;
	}
	*eq = '\0';
	if (opt_u32("decode: --port", buf, 1, 65535, &port) < 0)
		return -1;
	p = flow_proto_parse(eq + 1);
	if (p == FLOW_PROTO_NONE) {
		fprintf(stderr, "wanscope: decode: --port: '%s' is not a protocol "
			"(nf5, nf9, ipfix, sflow)\n", eq + 1);
		return -1;
	}
	if (x->nports == DECODE_MAX_PORTS) {
		fprintf(stderr, "wanscope: decode: --port: at most %d\n", DECODE_MAX_PORTS);
		return -1;
	}
	x->ports[x->nports].port = (uint16_t)port;
	x->ports[x->nports++].proto = p;
	return 0;
}

static void out_flush(struct decode_ctx *x)
{
	if (x->out.len && wbuf_flush(&x->out, stdout) < 0 && !x->write_error) {
		x->write_error = true;
		x->stop = true;
	}
}

static void sink(void *arg, const struct flow_rec *recs, size_t n)
{
	struct decode_ctx *x = arg;
	size_t i;

	for (i = 0; i < n && !x->stop; i++) {
		switch (x->fmt) {
		case OUT_JSONL:
			out_json_rec(&x->out, &x->cache, &recs[i]);
			break;
		case OUT_CSV:
			if (recs[i].type != FLOW_REC_FLOW)
				continue;
			out_csv_rec(&x->out, &x->cache, &recs[i]);
			break;
		case OUT_TEXT:
			out_text_rec(&x->out, &recs[i]);
			break;
		}
		if (++x->written == x->limit)
			x->stop = true;
	}
	if (x->out.len >= DECODE_OUT_FLUSH)
		out_flush(x);
}

/* The sFlow agent address, for --exporter. Return: 0, or -1 if none. */
static int sflow_agent(const uint8_t *p, size_t len, struct ip_addr *a)
{
	if (len >= 12 && p[7] == 1) {
		ip_addr_set4(a, p + 8);
		return 0;
	}
	if (len >= 24 && p[7] == 2) {
		ip_addr_set6(a, p + 8);
		return 0;
	}
	return -1;
}

static bool exporter_wanted(const struct decode_ctx *x, const struct cap_dgram *d,
			    enum flow_proto proto)
{
	struct ip_addr agent;
	bool has_agent;
	size_t i;

	if (!x->nexporters)
		return true;
	has_agent = proto == FLOW_PROTO_SFLOW5 && !sflow_agent(d->data, d->len, &agent);
	for (i = 0; i < x->nexporters; i++) {
		if (ip_addr_eq(&x->exporters[i], &d->src))
			return true;
		if (has_agent && ip_addr_eq(&x->exporters[i], &agent))
			return true;
	}
	return false;
}

static void warn_packet(struct decode_ctx *x, const struct cap_dgram *d,
			enum flow_proto proto, enum flow_err err)
{
	char a[IP_ADDR_STRLEN];

	if (x->quiet)
		return;
	if (x->warnings++ == DECODE_MAX_WARNINGS) {
		fprintf(stderr, "wanscope: decode: %s: further decode errors are only "
			"counted (see --stats)\n", x->file);
		return;
	}
	if (x->warnings > DECODE_MAX_WARNINGS)
		return;
	ip_addr_fmt(&d->src, a);
	fprintf(stderr, "wanscope: decode: %s: packet %llu from %s port %u: %s: %s\n",
		x->file, (unsigned long long)x->cap.st.packets, a, d->sport,
		flow_proto_name(proto), flow_err_name(err));
}

static void on_dgram(void *arg, const struct cap_dgram *d)
{
	struct decode_ctx *x = arg;
	struct flow_pkt pkt = { .data = d->data, .len = d->len, .src = d->src,
				.sport = d->sport, .recv_ms = d->ts_ms };
	enum flow_proto force = FLOW_PROTO_NONE, proto;
	enum flow_err err;
	size_t i;

	for (i = 0; i < x->nports; i++) {
		if (x->ports[i].port == d->dport) {
			force = x->ports[i].proto;
			break;
		}
	}
	proto = force ? force : flow_proto_detect(d->data, d->len);
	if (proto == FLOW_PROTO_NONE) {
		x->not_flow++;
		return;
	}
	if (!exporter_wanted(x, d, proto)) {
		x->filtered++;
		return;
	}
	if (!x->ticked || d->ts_ms - x->last_tick_ms >= 1000) {
		flow_decoder_tick(x->dec, d->ts_ms);
		x->last_tick_ms = d->ts_ms;
		x->ticked = true;
	}
	err = flow_decode(x->dec, &pkt, force);
	if (err != FE_OK) {
		x->decode_errors++;
		warn_packet(x, d, proto, err);
	}
}

/* Per exporter/domain stats, sorted so that output is reproducible. */
struct exp_row {
	struct ip_addr addr;
	enum flow_proto proto;
	uint32_t domain;
	struct flow_exp_stats st;
};

struct exp_rows {
	struct exp_row *v;
	size_t n, cap;
};

static void collect_row(void *arg, const struct ip_addr *a, enum flow_proto p,
			uint32_t dom, const struct flow_exp_stats *st)
{
	struct exp_rows *rows = arg;

	if (rows->n == rows->cap) {
		size_t ncap = rows->cap ? rows->cap * 2 : 16;
		struct exp_row *nv = realloc(rows->v, ncap * sizeof(*nv));

		if (!nv)
			return;
		rows->v = nv;
		rows->cap = ncap;
	}
	rows->v[rows->n].addr = *a;
	rows->v[rows->n].proto = p;
	rows->v[rows->n].domain = dom;
	rows->v[rows->n++].st = *st;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct exp_row *a = pa, *b = pb;
	int c = ip_addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->domain < b->domain ? -1 : a->domain > b->domain;
}

#define SKU(b, name, v) do { wbuf_puts_lit(b, ",\"" name "\":"); wbuf_put_u64(b, v); } while (0)

static void json_errors(struct wbuf *b, const uint64_t *errors, bool all)
{
	bool first = true;
	int i;

	wbuf_puts_lit(b, ",\"errors\":{");
	for (i = 1; i < FE__COUNT; i++) {
		if (!all && !errors[i])
			continue;
		if (!first)
			wbuf_putc(b, ',');
		first = false;
		wbuf_putc(b, '"');
		wbuf_puts(b, flow_err_name((enum flow_err)i));
		wbuf_puts_lit(b, "\":");
		wbuf_put_u64(b, errors[i]);
	}
	wbuf_putc(b, '}');
}

static void stats_json(struct decode_ctx *x, const struct flow_totals *t,
		       const struct exp_rows *rows)
{
	const struct cap_stats *c = &x->cap.st;
	const struct ipfrag_stats *f = ipfrag_stats(x->cap.frag);
	struct wbuf *b = &x->out;
	char tb[TIME_ISO_LEN], ab[IP_ADDR_STRLEN];
	size_t i;

	wbuf_puts_lit(b, "{\"type\":\"stats\",\"files\":");
	wbuf_put_u64(b, x->files);
	SKU(b, "files_failed", x->files_failed);
	SKU(b, "files_truncated", c->files_truncated);
	wbuf_puts_lit(b, ",\"capture\":{\"packets\":");
	wbuf_put_u64(b, c->packets);
	SKU(b, "bytes", c->bytes);
	SKU(b, "link_errors", c->link_errors);
	SKU(b, "non_ip", c->non_ip);
	SKU(b, "ip_errors", c->ip_errors);
	SKU(b, "non_udp", c->non_udp);
	SKU(b, "udp_errors", c->udp_errors);
	SKU(b, "snap_truncated", c->snap_truncated);
	SKU(b, "udp_datagrams", c->udp_datagrams);
	SKU(b, "not_flow", x->not_flow);
	SKU(b, "filtered", x->filtered);
	wbuf_puts_lit(b, "},\"fragments\":{\"fragments\":");
	wbuf_put_u64(b, f->fragments);
	SKU(b, "reassembled", f->reassembled);
	SKU(b, "incomplete", f->incomplete);
	SKU(b, "dropped_table_full", f->dropped_table_full);
	SKU(b, "dropped_bad", f->dropped_bad);
	SKU(b, "dropped_overlap", f->dropped_overlap);
	SKU(b, "duplicates", f->duplicates);
	wbuf_puts_lit(b, "},\"decoder\":{\"packets\":");
	wbuf_put_u64(b, t->packets);
	SKU(b, "packets_with_errors", x->decode_errors);
	SKU(b, "records", t->records);
	SKU(b, "flows", t->flows);
	SKU(b, "counters", t->counters);
	SKU(b, "exporters", t->exporters);
	SKU(b, "exporters_evicted", t->exporters_evicted);
	SKU(b, "pending_records_decoded", t->pending_records_decoded);
	json_errors(b, t->errors, true);
	wbuf_puts_lit(b, "},\"exporters\":[");
	for (i = 0; i < rows->n; i++) {
		const struct exp_row *r = &rows->v[i];

		if (i)
			wbuf_putc(b, ',');
		wbuf_puts_lit(b, "{\"exporter\":\"");
		wbuf_put(b, ab, ip_addr_fmt(&r->addr, ab));
		wbuf_puts_lit(b, "\",\"version\":\"");
		wbuf_puts(b, flow_proto_name(r->proto));
		wbuf_putc(b, '"');
		SKU(b, "domain", r->domain);
		SKU(b, "packets", r->st.packets);
		SKU(b, "records", r->st.records);
		SKU(b, "bytes", r->st.bytes);
		SKU(b, "templates", r->st.templates);
		SKU(b, "options_templates", r->st.options_templates);
		SKU(b, "template_withdrawals", r->st.template_withdrawals);
		SKU(b, "seq_lost", r->st.seq_lost);
		SKU(b, "seq_out_of_order", r->st.seq_out_of_order);
		SKU(b, "seq_restarts", r->st.seq_restarts);
		json_errors(b, r->st.errors, false);
		wbuf_puts_lit(b, ",\"first_seen\":\"");
		wbuf_put(b, tb, time_fmt_iso_ms(r->st.first_seen_ms, tb));
		wbuf_puts_lit(b, "\",\"last_seen\":\"");
		wbuf_put(b, tb, time_fmt_iso_ms(r->st.last_seen_ms, tb));
		wbuf_puts_lit(b, "\"}");
	}
	wbuf_puts_lit(b, "],\"written\":");
	wbuf_put_u64(b, x->written);
	wbuf_puts_lit(b, "}\n");
}

static void errors_text(FILE *f, const uint64_t *errors)
{
	bool any = false;
	int i;

	for (i = 1; i < FE__COUNT; i++) {
		if (errors[i]) {
			fprintf(f, "%s%s %llu", any ? ", " : "", flow_err_name((enum flow_err)i),
				(unsigned long long)errors[i]);
			any = true;
		}
	}
	fputs(any ? "\n" : "none\n", f);
}

static void stats_text(struct decode_ctx *x, const struct flow_totals *t,
		       const struct exp_rows *rows)
{
	const struct cap_stats *c = &x->cap.st;
	const struct ipfrag_stats *f = ipfrag_stats(x->cap.frag);
	FILE *o = stderr;
	char ab[IP_ADDR_STRLEN];
	size_t i;

	fprintf(o, "files:          %u read, %u failed, %llu cut short\n", x->files,
		x->files_failed, (unsigned long long)c->files_truncated);
	fprintf(o, "packets read:   %llu (%llu bytes)\n",
		(unsigned long long)c->packets, (unsigned long long)c->bytes);
	fprintf(o, "skipped:        %llu non-IP, %llu non-UDP, %llu not flow export, "
		"%llu filtered by exporter\n", (unsigned long long)c->non_ip,
		(unsigned long long)c->non_udp, (unsigned long long)x->not_flow,
		(unsigned long long)x->filtered);
	fprintf(o, "malformed:      %llu link, %llu IP, %llu UDP, %llu cut by snaplen\n",
		(unsigned long long)c->link_errors, (unsigned long long)c->ip_errors,
		(unsigned long long)c->udp_errors, (unsigned long long)c->snap_truncated);
	fprintf(o, "fragments:      %llu seen, %llu datagrams reassembled, %llu incomplete, "
		"%llu dropped (table full %llu, bad %llu, overlap %llu), %llu duplicates\n",
		(unsigned long long)f->fragments, (unsigned long long)f->reassembled,
		(unsigned long long)f->incomplete,
		(unsigned long long)(f->dropped_table_full + f->dropped_bad + f->dropped_overlap),
		(unsigned long long)f->dropped_table_full, (unsigned long long)f->dropped_bad,
		(unsigned long long)f->dropped_overlap, (unsigned long long)f->duplicates);
	fprintf(o, "UDP datagrams:  %llu, %llu to the decoder (%llu with errors)\n",
		(unsigned long long)c->udp_datagrams, (unsigned long long)t->packets,
		(unsigned long long)x->decode_errors);
	fprintf(o, "records:        %llu (%llu flows, %llu counter samples), %llu written\n",
		(unsigned long long)t->records, (unsigned long long)t->flows,
		(unsigned long long)t->counters, (unsigned long long)x->written);
	fprintf(o, "decode errors:  ");
	errors_text(o, t->errors);
	fprintf(o, "exporters:      %llu\n", (unsigned long long)t->exporters);
	for (i = 0; i < rows->n; i++) {
		const struct exp_row *r = &rows->v[i];

		ip_addr_fmt(&r->addr, ab);
		fprintf(o, "  %s %s domain %u: %llu packets, %llu records, %llu templates, "
			"%llu options templates, %llu sequence lost, %llu out of order, "
			"%llu restarts; errors: ", ab, flow_proto_name(r->proto), r->domain,
			(unsigned long long)r->st.packets, (unsigned long long)r->st.records,
			(unsigned long long)r->st.templates,
			(unsigned long long)r->st.options_templates,
			(unsigned long long)r->st.seq_lost,
			(unsigned long long)r->st.seq_out_of_order,
			(unsigned long long)r->st.seq_restarts);
		errors_text(o, r->st.errors);
	}
}

static void report_stats(struct decode_ctx *x)
{
	struct flow_totals t;
	struct exp_rows rows = { 0 };

	flow_decoder_totals(x->dec, &t);
	flow_decoder_foreach(x->dec, collect_row, &rows);
	if (rows.n)
		qsort(rows.v, rows.n, sizeof(*rows.v), row_cmp);
	if (x->fmt == OUT_JSONL)
		stats_json(x, &t, &rows);
	else
		stats_text(x, &t, &rows);
	free(rows.v);
}

static int decode_file(struct decode_ctx *x, const char *path)
{
	char err[512] = "";
	int rc;

	x->file = strcmp(path, "-") ? path : "(stdin)";
	x->warnings = 0;
	rc = cap_read_file(&x->cap, path, err, sizeof(err));
	x->files++;
	if (rc < 0) {
		x->files_failed++;
		fprintf(stderr, "wanscope: decode: %s: %s\n", x->file, err);
		return -1;
	}
	if (rc > 0)
		fprintf(stderr, "wanscope: decode: warning: %s: %s\n", x->file, err);
	return 0;
}

enum { OPT_MAXFRAG = 256, OPT_FRAGTIMEOUT, OPT_SAMPLING };

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "stats", no_argument, NULL, 's' },
	{ "port", required_argument, NULL, 'p' },
	{ "exporter", required_argument, NULL, 'e' },
	{ "limit", required_argument, NULL, 'n' },
	{ "max-fragments", required_argument, NULL, OPT_MAXFRAG },
	{ "fragment-timeout", required_argument, NULL, OPT_FRAGTIMEOUT },
	{ "sampling", required_argument, NULL, OPT_SAMPLING },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parse options into @x, @fcfg and @dcfg. Return: -1 ok, else an exit code. */
static int parse_args(struct decode_ctx *x, struct ipfrag_cfg *fcfg,
		      struct flow_decoder_cfg *dcfg, int argc, char **argv)
{
	struct flow_sampling_rule rule;
	char err[256];
	uint64_t ms;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:sp:e:n:qh", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (out_format_parse(optarg, &x->fmt) < 0) {
				fprintf(stderr, "wanscope: decode: --format: '%s' is not "
					"jsonl, csv or text\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			x->stats = true;
			break;
		case 'p':
			if (parse_port(x, optarg) < 0)
				return EXIT_USAGE;
			break;
		case 'e':
			if (x->nexporters == DECODE_MAX_EXPORTERS) {
				fprintf(stderr, "wanscope: decode: --exporter: at most %d\n",
					DECODE_MAX_EXPORTERS);
				return EXIT_USAGE;
			}
			if (ip_addr_parse(optarg, &x->exporters[x->nexporters]) < 0) {
				fprintf(stderr, "wanscope: decode: --exporter: '%s' is not an "
					"IPv4 or IPv6 address\n", optarg);
				return EXIT_USAGE;
			}
			x->nexporters++;
			break;
		case 'n':
			if (opt_u64("decode: --limit", optarg, 1, UINT64_MAX, &x->limit) < 0)
				return EXIT_USAGE;
			break;
		case OPT_MAXFRAG:
			if (opt_u32("decode: --max-fragments", optarg, 1, 65536,
				    &fcfg->max_datagrams) < 0)
				return EXIT_USAGE;
			break;
		case OPT_FRAGTIMEOUT:
			if (opt_duration_ms("decode: --fragment-timeout", optarg, &ms) < 0)
				return EXIT_USAGE;
			if (!ms || ms > 3600000) {
				fprintf(stderr, "wanscope: decode: --fragment-timeout: '%s' "
					"is out of range (0.001..3600)\n", optarg);
				return EXIT_USAGE;
			}
			fcfg->timeout_ms = (uint32_t)ms;
			break;
		case OPT_SAMPLING:
			if (!strchr(optarg, '=')) {
				if (opt_u32("decode: --sampling", optarg, 1, UINT32_MAX,
					    &dcfg->sampling_override) < 0)
					return EXIT_USAGE;
			} else if (flow_sampling_rule_parse(optarg, true, &rule, err,
							    sizeof(err)) < 0 ||
				   flow_sampling_rule_add(dcfg->sampling_rules,
							  &dcfg->nsampling_rules, &rule,
							  err, sizeof(err)) < 0) {
				fprintf(stderr, "wanscope: decode: --sampling: %s\n", err);
				return EXIT_USAGE;
			}
			break;
		case 'q':
			x->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "wanscope: decode: %s needs a value\n", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "wanscope: decode: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "wanscope: decode: unknown option '%s'\n",
					argv[optind - 1]);
			fprintf(stderr, "(see 'wanscope decode --help')\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "wanscope: decode: no capture FILE given "
			"(see 'wanscope decode --help')\n");
		return EXIT_USAGE;
	}
	return -1;
}

int decode_main(int argc, char **argv)
{
	struct decode_ctx *x = calloc(1, sizeof(*x));
	struct ipfrag_cfg fcfg = { 0 };
	struct flow_decoder_cfg dcfg = { 0 };
	int rc, i;

	if (!x) {
		fprintf(stderr, "wanscope: decode: out of memory\n");
		return EXIT_FAIL;
	}
	x->fmt = OUT_JSONL;
	rc = parse_args(x, &fcfg, &dcfg, argc, argv);
	if (rc >= 0) {
		free(x);
		return rc;
	}
	x->dec = flow_decoder_new(&dcfg, sink, x);
	if (!x->dec || wbuf_init(&x->out, 1 << 20, (size_t)64 << 20) < 0 ||
	    cap_reader_init(&x->cap, &fcfg, on_dgram, x) < 0) {
		fprintf(stderr, "wanscope: decode: out of memory\n");
		flow_decoder_free(x->dec);
		wbuf_free(&x->out);
		free(x);
		return EXIT_FAIL;
	}
	x->cap.stop = &x->stop;
	if (x->fmt == OUT_CSV)
		out_csv_header(&x->out);
	else if (x->fmt == OUT_TEXT)
		out_text_header(&x->out);
	rc = EXIT_OK;
	for (i = optind; i < argc && !x->stop; i++)
		if (decode_file(x, argv[i]) < 0)
			rc = EXIT_FAIL;
	/* End of input: what is still pending is decoded now or counted. */
	ipfrag_finish(x->cap.frag);
	if (!x->stop)
		flow_decoder_flush(x->dec);
	if (x->stats) {
		out_flush(x);
		report_stats(x);
	}
	out_flush(x);
	if (fflush(stdout) != 0 || x->write_error) {
		fprintf(stderr, "wanscope: decode: writing output failed\n");
		rc = EXIT_FAIL;
	}
	cap_reader_free(&x->cap);
	flow_decoder_free(x->dec);
	wbuf_free(&x->out);
	free(x);
	return rc;
}
