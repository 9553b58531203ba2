/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flows_cmd.c - `wanscope flows top|series|raw`: query the flow store
 *
 * top and series are answered from the per-minute rollups when the
 * filter looks at nothing but the exporter (the rollups are kept per
 * exporter), and by scanning the raw IPFIX files otherwise; raw always
 * scans. Keys are aggregated as text in one hash map so both paths print
 * through the same code.
 */
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/filter.h"
#include "collect/rollup.h"
#include "collect/store.h"
#include "flow/ipfix_file.h"
#include "flow/output.h"
#include "lib/hmap.h"
#include "lib/opt.h"
#include "lib/timeutil.h"
#include "lib/wbuf.h"
#include "subcommands.h"

int collect_parse_duration(const char *what, const char *s, uint64_t *ms);

#define AGG_MAX_KEYS 4000000u
#define KEY_LEN 64

enum mode { M_TOP, M_SERIES, M_RAW };
enum by {
	BY_NONE, BY_SRC, BY_DST, BY_SRCNET, BY_DSTNET, BY_SRCPORT, BY_DSTPORT,
	BY_PROTO, BY_EXPORTER, BY_IFIN, BY_IFOUT, BY_AS, BY_SRCAS, BY_DSTAS,
};
static const char *const by_names[] = {
	[BY_NONE] = "", [BY_SRC] = "src", [BY_DST] = "dst", [BY_SRCNET] = "srcnet",
	[BY_DSTNET] = "dstnet", [BY_SRCPORT] = "srcport", [BY_DSTPORT] = "dstport",
	[BY_PROTO] = "proto", [BY_EXPORTER] = "exporter", [BY_IFIN] = "ifin",
	[BY_IFOUT] = "ifout", [BY_AS] = "as", [BY_SRCAS] = "srcas", [BY_DSTAS] = "dstas",
};
/* the rollup dimension answering each --by */
static const char *const by_dim[] = {
	[BY_NONE] = "proto", [BY_SRC] = "src", [BY_DST] = "dst", [BY_SRCNET] = "srcnet",
	[BY_DSTNET] = "dstnet", [BY_SRCPORT] = "srcport", [BY_DSTPORT] = "dstport",
	[BY_PROTO] = "proto", [BY_EXPORTER] = "proto", [BY_IFIN] = "ifin",
	[BY_IFOUT] = "ifout", [BY_AS] = "srcas", [BY_SRCAS] = "srcas", [BY_DSTAS] = "dstas",
};
enum order { O_BYTES, O_PACKETS, O_FLOWS };

struct agg {
	struct hmap_node node;
	int64_t t;
	uint64_t bytes, packets, flows;
	char key[KEY_LEN];
};

struct query {
	const char *db;
	char rawdir[4200];
	sqlite3 *h;
	enum mode mode;
	enum by by;
	enum order order;
	int64_t since_ms, until_ms;
	uint64_t step_ms;
	uint32_t limit;
	bool json, unscaled, scan;
	struct filter *f;
	struct hmap agg;
	size_t nagg;
	uint64_t agg_overflow;
	struct wbuf out;
	struct out_cache oc;		/* zeroed with the query */
	uint64_t printed;
	struct ipfix_read_stats rs;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: wanscope flows top [--by KEY] [OPTIONS] [FILTER]\n"
"       wanscope flows series [--by KEY] [--step DURATION] [OPTIONS] [FILTER]\n"
"       wanscope flows raw [OPTIONS] [FILTER]\n"
"\n"
"Query the flow store written by `wanscope collect` / `wanscope run`.\n"
"  top     the keys with the most traffic\n"
"  series  traffic per time step (of the top keys with --by)\n"
"  raw     the stored flow records, one per line\n"
"\n"
"Options:\n"
"  -d, --db FILE          the store (default: flows.db)\n"
"  -b, --by KEY           src dst srcnet dstnet srcport dstport proto exporter\n"
"                         ifin ifout as srcas dstas (top default: dst; series:\n"
"                         none = totals). as is the source AS.\n"
"  -L, --last DURATION    the time window ending now (default: 15m)\n"
"      --since TIME       window start (ISO 8601 UTC, e.g. 2026-01-02T03:04:05Z)\n"
"      --until TIME       window end (default: now)\n"
"  -n, --limit N          rows (top, default 20), keys (series, default 10),\n"
"                         records (raw, default: all)\n"
"  -s, --step DURATION    series step (default: 1m)\n"
"  -o, --order FIELD      bytes, packets or flows (default: bytes)\n"
"  -f, --filter TEXT      the filter (or give it as the last arguments)\n"
"      --unscaled         bytes and packets as exported, not scaled by the\n"
"                         sampling rate\n"
"      --scan             answer top/series from raw files even when the\n"
"                         rollups could\n"
"  -j, --json             JSON output\n"
"  -h, --help             this help\n"
"\n"
"Time windows are by arrival at the collector; rollups have minute\n"
"resolution. Filter language (see docs/collect.md):\n"
"  [src|dst] host ADDR    [src|dst] net PREFIX    [src|dst] port [OP] N\n"
"  proto tcp|udp|icmp|N   tcp  udp  icmp          exporter ADDR|PREFIX\n"
"  in if N   out if N     [src|dst] as N          bytes|packets|flows OP N\n"
"  inet  inet6            and  or  not  ( )       OP: = != < <= > >=\n"
"\n"
"Examples:\n"
"  wanscope flows top --db flows.db --by dst --last 1h\n"
"  wanscope flows top --by srcport 'dst net 203.0.113.0/24 and proto udp and not port 53'\n"
"  wanscope flows series --by exporter --step 5m --last 6h --json\n"
"  wanscope flows raw --db flows.db --json 'src host 192.0.2.7'\n"
"\n"
"JSON: top prints [{\"key\":...,\"bytes\":N,\"packets\":N,\"flows\":N},...];\n"
"series adds \"time\"; raw prints one record object per line.\n"
"Exit status: 0 success, 1 failure (no database, read error), 2 usage error\n"
"(including a bad filter).\n");
}

/* ---- aggregation ---- */

static uint64_t agg_hash(int64_t t, const char *key)
{
	return hash_bytes(key, strlen(key), (uint64_t)t);
}

static void agg_add(struct query *q, int64_t t, const char *key,
		    uint64_t bytes, uint64_t packets, uint64_t flows)
{
	uint64_t h = agg_hash(t, key);
	struct hmap_node *n;
	struct agg *a;

	for (n = hmap_first_with(&q->agg, h); n; n = hmap_next_with(n)) {
		a = hmap_entry(n, struct agg, node);
		if (a->t == t && !strcmp(a->key, key))
			goto add;
	}
	if (q->nagg >= AGG_MAX_KEYS) {
		q->agg_overflow++;
		return;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		q->agg_overflow++;
		return;
	}
	a->t = t;
	snprintf(a->key, sizeof(a->key), "%s", key);
	hmap_insert(&q->agg, &a->node, h);
	q->nagg++;
add:
	a->bytes += bytes;
	a->packets += packets;
	a->flows += flows;
}

static void agg_clear(struct query *q)
{
	struct hmap_iter it;
	struct hmap_node *n, *nx;

	for (n = hmap_iter_first(&q->agg, &it); n; n = nx) {
		nx = hmap_iter_next(&q->agg, &it);
		hmap_remove(&q->agg, n);
		free(hmap_entry(n, struct agg, node));
	}
	q->nagg = 0;
}

static struct agg **agg_array(struct query *q)
{
	struct agg **v = calloc(q->nagg + 1, sizeof(*v));
	struct hmap_iter it;
	struct hmap_node *n;
	size_t i = 0;

	if (!v)
		return NULL;
	for (n = hmap_iter_first(&q->agg, &it); n; n = hmap_iter_next(&q->agg, &it))
		v[i++] = hmap_entry(n, struct agg, node);
	return v;
}

static enum order sort_order;

static uint64_t ord_val(const struct agg *a)
{
	return sort_order == O_PACKETS ? a->packets : sort_order == O_FLOWS ? a->flows : a->bytes;
}

static int cmp_val(const void *x, const void *y)
{
	const struct agg *a = *(const struct agg *const *)x, *b = *(const struct agg *const *)y;

	if (ord_val(a) != ord_val(b))
		return ord_val(a) < ord_val(b) ? 1 : -1;
	return strcmp(a->key, b->key);
}

static int cmp_time_val(const void *x, const void *y)
{
	const struct agg *a = *(const struct agg *const *)x, *b = *(const struct agg *const *)y;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return cmp_val(x, y);
}

/* ---- keys of raw records ---- */

static void if_key(char *buf, const struct ip_addr *e, uint32_t n)
{
	char s[IP_ADDR_STRLEN];

	ip_addr_fmt(e, s);
	if (e->family == 6)
		snprintf(buf, KEY_LEN, "[%s]:%u", s, n);
	else
		snprintf(buf, KEY_LEN, "%s:%u", s, n);
}

static void addr_key(char *buf, const struct flow_rec *r, const struct ip_addr *a,
		     enum flow_field f, bool net)
{
	if (!flow_has(r, f) || !a->family) {
		snprintf(buf, KEY_LEN, "none");
	} else if (net) {
		struct ip_prefix p = { .addr = *a,
			.len = a->family == 4 ? RU_NET4_LEN : RU_NET6_LEN };
		char s[IP_PREFIX_STRLEN];

		ip_addr_mask(&p.addr, p.len);
		ip_prefix_fmt(&p, s);
		snprintf(buf, KEY_LEN, "%s", s);
	} else {
		ip_addr_fmt(a, buf);
	}
}

static void rec_key(const struct query *q, const struct flow_rec *r, char *buf)
{
#define NUM(f, v) snprintf(buf, KEY_LEN, "%u", flow_has(r, f) ? (unsigned)(v) : 0u)
	switch (q->by) {
	case BY_NONE: buf[0] = 0; break;
	case BY_SRC: addr_key(buf, r, &r->src, FF_SRC, false); break;
	case BY_DST: addr_key(buf, r, &r->dst, FF_DST, false); break;
	case BY_SRCNET: addr_key(buf, r, &r->src, FF_SRC, true); break;
	case BY_DSTNET: addr_key(buf, r, &r->dst, FF_DST, true); break;
	case BY_SRCPORT: NUM(FF_SRC_PORT, r->src_port); break;
	case BY_DSTPORT: NUM(FF_DST_PORT, r->dst_port); break;
	case BY_PROTO: NUM(FF_PROTO, r->proto); break;
	case BY_EXPORTER: ip_addr_fmt(&r->exporter, buf); break;
	case BY_IFIN: if_key(buf, &r->exporter, flow_has(r, FF_IN_IF) ? r->in_if : 0); break;
	case BY_IFOUT: if_key(buf, &r->exporter, flow_has(r, FF_OUT_IF) ? r->out_if : 0); break;
	case BY_AS:
	case BY_SRCAS: NUM(FF_SRC_AS, r->src_as); break;
	case BY_DSTAS: NUM(FF_DST_AS, r->dst_as); break;
	}
#undef NUM
}

/* ---- raw scan ---- */

static int on_rec(void *arg, const struct flow_rec *r)
{
	struct query *q = arg;
	char key[KEY_LEN];
	uint64_t rate;
	int64_t t;

	if (r->recv_ms < q->since_ms || r->recv_ms >= q->until_ms)
		return 0;
	if (!filter_match(q->f, r, !q->unscaled))
		return 0;
	if (q->mode == M_RAW) {
		if (q->json)
			out_json_rec(&q->out, &q->oc, r);
		else
			out_text_rec(&q->out, r);
		if (q->out.len > 1 << 16)
			wbuf_flush(&q->out, stdout);
		return q->limit && ++q->printed >= q->limit;
	}
	rate = q->unscaled || !r->sampling_rate ? 1 : r->sampling_rate;
	rec_key(q, r, key);
	t = q->mode == M_SERIES ? r->recv_ms / (int64_t)q->step_ms * (int64_t)q->step_ms : 0;
	agg_add(q, t, key, r->bytes * rate, r->packets * rate,
		flow_has(r, FF_FLOWS) ? r->flows : 1);
	return 0;
}

static int raw_scan(struct query *q)
{
	sqlite3_stmt *st;
	char path[8400];
	int rc = 0, e;

	if (sqlite3_prepare_v2(q->h,
		"SELECT path, size FROM raw_file WHERE size > 0 AND "
		"coalesce(last_ms, created_ms) >= ?1 AND coalesce(first_ms, created_ms) < ?2 "
		"ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "wanscope: flows: %s: %s\n", q->db, sqlite3_errmsg(q->h));
		return -1;
	}
	sqlite3_bind_int64(st, 1, q->since_ms);
	sqlite3_bind_int64(st, 2, q->until_ms);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ipfix_read_stats rs;

		snprintf(path, sizeof(path), "%s/%s", q->rawdir,
			 (const char *)sqlite3_column_text(st, 0));
		e = ipfix_file_read(path, (uint64_t)sqlite3_column_int64(st, 1), on_rec, q, &rs);
		if (e < 0) {
			fprintf(stderr, "wanscope: flows: %s: %s\n", path, strerror(-e));
			rc = -1;
			continue;
		}
		q->rs.records += rs.records;
		q->rs.torn_blocks += rs.torn_blocks;
		q->rs.bad_messages += rs.bad_messages;
		if (q->mode == M_RAW && q->limit && q->printed >= q->limit)
			break;
	}
	sqlite3_finalize(st);
	if (q->rs.torn_blocks || q->rs.bad_messages)
		fprintf(stderr, "wanscope: flows: skipped %llu damaged blocks and %llu bad "
			"messages in raw files\n", (unsigned long long)q->rs.torn_blocks,
			(unsigned long long)q->rs.bad_messages);
	return rc;
}

/* ---- rollups ---- */

static void sql_match(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct query *q = sqlite3_user_data(ctx);
	struct ip_addr a;
	const unsigned char *s = sqlite3_value_text(argv[0]);

	(void)argc;
	if (!s || ip_addr_parse((const char *)s, &a) < 0)
		memset(&a, 0, sizeof(a));
	sqlite3_result_int(ctx, filter_match_exporter(q->f, &a));
}

static int rollup_query(struct query *q)
{
	char sql[1024];
	const char *keyexpr, *b = q->unscaled ? "bytes_unscaled" : "bytes",
		   *p = q->unscaled ? "packets_unscaled" : "packets";
	int64_t step_s = q->mode == M_SERIES ? (int64_t)(q->step_ms / 1000) : 0;
	sqlite3_stmt *st;

	switch (q->by) {
	case BY_NONE: keyexpr = "''"; break;
	case BY_EXPORTER: keyexpr = "exporter"; break;
	case BY_IFIN:
	case BY_IFOUT:
		keyexpr = "CASE WHEN instr(exporter, ':') THEN '[' || exporter || ']:' || key "
			  "ELSE exporter || ':' || key END";
		break;
	default: keyexpr = "key"; break;
	}
	snprintf(sql, sizeof(sql),
		 "SELECT %s, %s AS k, sum(%s), sum(%s), sum(flows) FROM rollup "
		 "WHERE dim = ?1 AND minute >= ?2 AND minute < ?3%s%s GROUP BY 1, 2",
		 step_s ? "minute / ?4 * ?4" : "0", keyexpr, b, p,
		 q->by == BY_NONE || q->by == BY_EXPORTER || q->by == BY_PROTO ||
		 q->by == BY_IFIN || q->by == BY_IFOUT ? "" : " AND key != 'other'",
		 q->f && filter_exporter_only(q->f) ? " AND ws_match(exporter)" : "");
	if (sqlite3_create_function(q->h, "ws_match", 1, SQLITE_UTF8, q, sql_match,
				    NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "wanscope: flows: %s: %s\n", q->db, sqlite3_errmsg(q->h));
		return -1;
	}
	sqlite3_bind_text(st, 1, by_dim[q->by], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, q->since_ms / 60000 * 60);
	sqlite3_bind_int64(st, 3, (q->until_ms + 59999) / 60000 * 60);
	if (step_s)
		sqlite3_bind_int64(st, 4, step_s);
	while (sqlite3_step(st) == SQLITE_ROW)
		agg_add(q, sqlite3_column_int64(st, 0) * 1000,
			(const char *)sqlite3_column_text(st, 1),
			(uint64_t)sqlite3_column_int64(st, 2),
			(uint64_t)sqlite3_column_int64(st, 3),
			(uint64_t)sqlite3_column_int64(st, 4));
	sqlite3_finalize(st);
	return 0;
}

/* ---- output ---- */

static void put_row(struct query *q, const struct agg *a, bool with_time, bool with_key,
		    bool first)
{
	char t[TIME_ISO_LEN];

	if (q->json) {
		wbuf_puts(&q->out, first ? "" : ",\n");
		wbuf_putc(&q->out, '{');
		if (with_time) {
			time_fmt_iso_ms(a->t, t);
			wbuf_puts_lit(&q->out, "\"time\":\"");
			wbuf_puts(&q->out, t);
			wbuf_puts_lit(&q->out, "\",");
		}
		if (with_key) {
			wbuf_puts_lit(&q->out, "\"key\":");
			wbuf_put_json_str(&q->out, a->key, strlen(a->key));
			wbuf_putc(&q->out, ',');
		}
		wbuf_printf(&q->out, "\"bytes\":%llu,\"packets\":%llu,\"flows\":%llu}",
			    (unsigned long long)a->bytes, (unsigned long long)a->packets,
			    (unsigned long long)a->flows);
		return;
	}
	if (with_time) {
		time_fmt_iso_ms(a->t, t);
		wbuf_printf(&q->out, "%s  ", t);
	}
	if (with_key)
		wbuf_printf(&q->out, "%-40s ", a->key);
	wbuf_printf(&q->out, "%16llu %14llu %12llu\n", (unsigned long long)a->bytes,
		    (unsigned long long)a->packets, (unsigned long long)a->flows);
}

static void header(struct query *q, bool with_time, bool with_key)
{
	if (q->json)
		return;
	if (with_time)
		wbuf_printf(&q->out, "%-24s  ", "time");
	if (with_key)
		wbuf_printf(&q->out, "%-40s ", by_names[q->by]);
	wbuf_printf(&q->out, "%16s %14s %12s\n", "bytes", "packets", "flows");
}

static int output_top(struct query *q)
{
	struct agg **v = agg_array(q);
	size_t i, n = q->nagg;

	if (!v)
		return -1;
	sort_order = q->order;
	qsort(v, n, sizeof(*v), cmp_val);
	if (q->limit && n > q->limit)
		n = q->limit;
	wbuf_puts(&q->out, q->json ? "[" : "");
	header(q, false, true);
	for (i = 0; i < n; i++)
		put_row(q, v[i], false, true, i == 0);
	wbuf_puts(&q->out, q->json ? "]\n" : "");
	free(v);
	return 0;
}

static int output_series(struct query *q)
{
	struct agg **v = agg_array(q), **tot = NULL;
	struct hmap keys;
	size_t i, n = q->nagg, ntot = 0;
	bool first = true;
	int rc = 0;

	if (!v || hmap_init(&keys, 64) < 0) {
		free(v);
		return -1;
	}
	sort_order = q->order;
	/* the top keys over the whole window */
	if (q->by != BY_NONE) {
		struct query t = { .order = q->order };

		hmap_init(&t.agg, 64);
		for (i = 0; i < n; i++)
			agg_add(&t, 0, v[i]->key, v[i]->bytes, v[i]->packets, v[i]->flows);
		tot = agg_array(&t);
		ntot = t.nagg;
		if (tot) {
			qsort(tot, ntot, sizeof(*tot), cmp_val);
			if (q->limit && ntot > q->limit)
				ntot = q->limit;
			for (i = 0; i < ntot; i++) {
				hmap_remove(&t.agg, &tot[i]->node);
				hmap_insert(&keys, &tot[i]->node, agg_hash(0, tot[i]->key));
			}
		}
		agg_clear(&t);
		hmap_destroy(&t.agg);
	}
	qsort(v, n, sizeof(*v), cmp_time_val);
	wbuf_puts(&q->out, q->json ? "[" : "");
	header(q, true, q->by != BY_NONE);
	for (i = 0; i < n; i++) {
		if (q->by != BY_NONE) {
			struct hmap_node *k;
			bool found = false;

			for (k = hmap_first_with(&keys, agg_hash(0, v[i]->key)); k;
			     k = hmap_next_with(k))
				if (!strcmp(hmap_entry(k, struct agg, node)->key, v[i]->key))
					found = true;
			if (!found)
				continue;
		}
		put_row(q, v[i], true, q->by != BY_NONE, first);
		first = false;
	}
	wbuf_puts(&q->out, q->json ? "]\n" : "");
	for (i = 0; i < ntot; i++)
		free(tot[i]);
	free(tot);
	free(v);
	hmap_destroy(&keys);
	return rc;
}

/* ---- main ---- */

static int parse_by(const char *s, enum by *out)
{
	size_t i;

	for (i = 1; i < sizeof(by_names) / sizeof(by_names[0]); i++)
		if (!strcmp(s, by_names[i])) {
			*out = (enum by)i;
			return 0;
		}
	fprintf(stderr, "wanscope: flows: --by: '%s' is not one of src, dst, srcnet, dstnet, "
		"srcport, dstport, proto, exporter, ifin, ifout, as, srcas, dstas\n", s);
	return -1;
}

static void filter_error(const char *text, const struct filter_err *e)
{
	fprintf(stderr, "wanscope: flows: bad filter: column %zu: %s\n  %s\n  %*s^\n",
		e->pos, e->msg, text, (int)(e->pos - 1), "");
}

int flows_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "by", required_argument, NULL, 'b' },
		{ "last", required_argument, NULL, 'L' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "limit", required_argument, NULL, 'n' },
		{ "step", required_argument, NULL, 's' },
		{ "order", required_argument, NULL, 'o' },
		{ "filter", required_argument, NULL, 'f' },
		{ "unscaled", no_argument, NULL, 'u' },
		{ "scan", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct query q = { .db = "flows.db", .step_ms = 60000 };
	struct filter_err fe;
	char err[512], ftext[4096] = "";
	const char *sub;
	uint64_t last = 15 * 60000;
	bool have_limit = false, have_since = false;
	int64_t now = time_real_ms();
	int o, rc = EXIT_OK, i;
	size_t fl = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (!strcmp(sub, "top")) {
		q.mode = M_TOP;
		q.by = BY_DST;
	} else if (!strcmp(sub, "series")) {
		q.mode = M_SERIES;
	} else if (!strcmp(sub, "raw")) {
		q.mode = M_RAW;
	} else {
		fprintf(stderr, "wanscope: flows: unknown query '%s' (top, series or raw)\n", sub);
		return EXIT_USAGE;
	}
	q.until_ms = now;
	optind = 1;
	while ((o = getopt_long(argc - 1, argv + 1, "d:b:L:n:s:o:f:jh", longopts, NULL)) != -1) {
		switch (o) {
		case 'd': q.db = optarg; break;
		case 'b':
			if (parse_by(optarg, &q.by) < 0)
				return EXIT_USAGE;
			break;
		case 'L':
			if (collect_parse_duration("flows: --last", optarg, &last) < 0)
				return EXIT_USAGE;
			break;
		case 'S':
			if (time_parse_iso_ms(optarg, &q.since_ms) < 0) {
				fprintf(stderr, "wanscope: flows: --since: '%s' is not an ISO 8601 "
					"UTC time\n", optarg);
				return EXIT_USAGE;
			}
			have_since = true;
			break;
		case 'U':
			if (time_parse_iso_ms(optarg, &q.until_ms) < 0) {
				fprintf(stderr, "wanscope: flows: --until: '%s' is not an ISO 8601 "
					"UTC time\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (opt_u32("flows: --limit", optarg, 1, UINT32_MAX, &q.limit) < 0)
				return EXIT_USAGE;
			have_limit = true;
			break;
		case 's':
			if (collect_parse_duration("flows: --step", optarg, &q.step_ms) < 0)
				return EXIT_USAGE;
			if (q.step_ms < 1000) {
				fprintf(stderr, "wanscope: flows: --step: at least 1s\n");
				return EXIT_USAGE;
			}
			break;
		case 'o':
			if (!strcmp(optarg, "bytes"))
				q.order = O_BYTES;
			else if (!strcmp(optarg, "packets"))
				q.order = O_PACKETS;
			else if (!strcmp(optarg, "flows"))
				q.order = O_FLOWS;
			else {
				fprintf(stderr, "wanscope: flows: --order: '%s' is not bytes, "
					"packets or flows\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f': snprintf(ftext, sizeof(ftext), "%s", optarg); fl = strlen(ftext); break;
		case 'u': q.unscaled = true; break;
		case 'R': q.scan = true; break;
		case 'j': q.json = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	for (i = optind + 1; i < argc; i++) {
		int w = snprintf(ftext + fl, sizeof(ftext) - fl, "%s%s", fl ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(ftext) - fl) {
			fprintf(stderr, "wanscope: flows: filter too long\n");
			return EXIT_USAGE;
		}
		fl += (size_t)w;
	}
	if (!have_since)
		q.since_ms = q.until_ms - (int64_t)last;
	if (!have_limit)
		q.limit = q.mode == M_TOP ? 20 : q.mode == M_SERIES ? 10 : 0;
	q.f = filter_parse(ftext, &fe);
	if (!q.f) {
		filter_error(ftext, &fe);
		return EXIT_USAGE;
	}
	if (store_open_ro(q.db, &q.h, err, sizeof(err)) < 0) {
		fprintf(stderr, "wanscope: flows: %s\n", err);
		filter_free(q.f);
		return EXIT_FAIL;
	}
	store_raw_dir(q.db, q.rawdir, sizeof(q.rawdir));
	if (hmap_init(&q.agg, 1024) < 0 || wbuf_init(&q.out, 1 << 16, 1 << 24) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (q.mode == M_RAW) {
		if (!q.json)
			out_text_header(&q.out);
		if (raw_scan(&q) < 0)
			rc = EXIT_FAIL;
	} else {
		bool rollups = !q.scan && filter_exporter_only(q.f) &&
			       (q.mode == M_TOP || q.step_ms % 60000 == 0);

		if ((rollups ? rollup_query(&q) : raw_scan(&q)) < 0)
			rc = EXIT_FAIL;
		else if ((q.mode == M_TOP ? output_top(&q) : output_series(&q)) < 0)
			rc = EXIT_FAIL;
		if (q.agg_overflow)
			fprintf(stderr, "wanscope: flows: more than %u keys; %llu records not "
				"counted (narrow the window or the filter)\n", AGG_MAX_KEYS,
				(unsigned long long)q.agg_overflow);
	}
	if (wbuf_flush(&q.out, stdout) < 0 || fflush(stdout) != 0)
		rc = EXIT_FAIL;
out:
	agg_clear(&q);
	hmap_destroy(&q.agg);
	wbuf_free(&q.out);
	filter_free(q.f);
	sqlite3_close(q.h);
	return rc;
}
