/* SPDX-License-Identifier: BSD-2-Clause */
/* test_nf5.c - NetFlow v5 decoder on hand-built packets */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "flow/flow.h"

#define MAXREC 64

struct sink {
	struct flow_rec r[MAXREC];
	size_t n;
};

static void sink_fn(void *arg, const struct flow_rec *recs, size_t n)
{
	struct sink *s = arg;
	size_t i;

	for (i = 0; i < n && s->n < MAXREC; i++)
		s->r[s->n++] = recs[i];
}

struct pkt {
	uint8_t b[2048];
	size_t len;
};

static void put8(struct pkt *p, uint8_t v) { p->b[p->len++] = v; }
static void put16(struct pkt *p, uint16_t v) { put8(p, (uint8_t)(v >> 8)); put8(p, (uint8_t)v); }
static void put32(struct pkt *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p, (uint16_t)v); }

static void hdr(struct pkt *p, uint16_t count, uint32_t uptime, uint32_t secs,
		uint32_t nsecs, uint32_t seq, uint8_t etype, uint8_t eid, uint16_t sampling)
{
	p->len = 0;
	put16(p, 5);
	put16(p, count);
	put32(p, uptime);
	put32(p, secs);
	put32(p, nsecs);
	put32(p, seq);
	put8(p, etype);
	put8(p, eid);
	put16(p, sampling);
}

/* A record with distinctive values; @k varies the source address. */
static void rec(struct pkt *p, uint8_t k, uint32_t first, uint32_t last)
{
	put32(p, 0x0a000000u | k);	/* 10.0.0.k */
	put32(p, 0xc0a80102);		/* 192.168.1.2 */
	put32(p, 0xac100001);		/* 172.16.0.1 */
	put16(p, 3);
	put16(p, 65535);
	put32(p, 17);
	put32(p, 0xfffffff0u);
	put32(p, first);
	put32(p, last);
	put16(p, 40000);
	put16(p, 443);
	put8(p, 0);
	put8(p, 0x1b);
	put8(p, 6);
	put8(p, 0xb8);
	put16(p, 64512);
	put16(p, 65001);
	put8(p, 24);
	put8(p, 16);
	put16(p, 0);
}

static struct flow_decoder *dec(struct sink *s, uint32_t override)
{
	struct flow_decoder_cfg cfg = { .sampling_override = override };

	memset(s, 0, sizeof(*s));
	return flow_decoder_new(&cfg, sink_fn, s);
}

static enum flow_err feed(struct flow_decoder *d, const struct pkt *p, const char *src)
{
	struct flow_pkt fp = { .data = p->b, .len = p->len, .recv_ms = 1700000000123 };

	assert_int_equal(ip_addr_parse(src, &fp.src), 0);
	fp.sport = 9995;
	return flow_decode(d, &fp, FLOW_PROTO_NONE);
}

struct stats_find {
	uint32_t domain;
	struct flow_exp_stats st;
	int n;
};

static void find_fn(void *arg, const struct ip_addr *a, enum flow_proto proto,
		    uint32_t domain, const struct flow_exp_stats *st)
{
	struct stats_find *f = arg;

	(void)a;
	assert_int_equal(proto, FLOW_PROTO_NF5);
	f->n++;
	if (domain == f->domain)
		f->st = *st;
}

static struct flow_exp_stats stats(struct flow_decoder *d, uint32_t domain, int *n)
{
	struct stats_find f = { .domain = domain };

	flow_decoder_foreach(d, find_fn, &f);
	if (n)
		*n = f.n;
	return f.st;
}

static void test_fields(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct pkt p;
	const struct flow_rec *r;
	char buf[IP_ADDR_STRLEN];
	struct flow_exp_stats st;

	(void)state;
	/* uptime 100 s; export 1700000000.5; 1-in-100 deterministic sampling */
	hdr(&p, 1, 100000, 1700000000, 500000000, 7, 1, 2, 0x4000 | 100);
	rec(&p, 9, 40000, 99000);
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_OK);
	assert_int_equal(s.n, 1);
	r = &s.r[0];
	assert_int_equal(r->type, FLOW_REC_FLOW);
	assert_int_equal(r->proto_version, FLOW_PROTO_NF5);
	assert_int_equal(r->ip_version, 4);
	ip_addr_fmt(&r->exporter, buf);
	assert_string_equal(buf, "192.0.2.7");
	assert_int_equal(r->domain, 0x0102);
	ip_addr_fmt(&r->src, buf);
	assert_string_equal(buf, "10.0.0.9");
	ip_addr_fmt(&r->dst, buf);
	assert_string_equal(buf, "192.168.1.2");
	ip_addr_fmt(&r->next_hop, buf);
	assert_string_equal(buf, "172.16.0.1");
	assert_int_equal(r->in_if, 3);
	assert_int_equal(r->out_if, 65535);
	assert_int_equal(r->packets, 17);
	assert_int_equal(r->bytes, 0xfffffff0u);
	assert_int_equal(r->export_ms, 1700000000500);
	assert_int_equal(r->time_start_ms, 1700000000500 - 60000);
	assert_int_equal(r->time_end_ms, 1700000000500 - 1000);
	assert_int_equal(r->recv_ms, 1700000000123);
	assert_int_equal(r->src_port, 40000);
	assert_int_equal(r->dst_port, 443);
	assert_int_equal(r->tcp_flags, 0x1b);
	assert_int_equal(r->proto, 6);
	assert_int_equal(r->tos, 0xb8);
	assert_int_equal(r->src_as, 64512);
	assert_int_equal(r->dst_as, 65001);
	assert_int_equal(r->src_mask, 24);
	assert_int_equal(r->dst_mask, 16);
	assert_int_equal(r->sampling_rate, 100);
	assert_true(flow_has(r, FF_TIME_START) && flow_has(r, FF_TIME_END));
	assert_true(flow_has(r, FF_SRC) && flow_has(r, FF_DST) && flow_has(r, FF_NEXT_HOP));
	assert_true(flow_has(r, FF_IN_IF) && flow_has(r, FF_OUT_IF));
	assert_true(flow_has(r, FF_BYTES) && flow_has(r, FF_PACKETS));
	assert_true(flow_has(r, FF_SRC_PORT) && flow_has(r, FF_DST_PORT));
	assert_true(flow_has(r, FF_TCP_FLAGS) && flow_has(r, FF_PROTO) && flow_has(r, FF_TOS));
	assert_true(flow_has(r, FF_SRC_AS) && flow_has(r, FF_DST_AS));
	assert_true(flow_has(r, FF_SRC_MASK) && flow_has(r, FF_DST_MASK));
	assert_false(flow_has(r, FF_VLAN) || flow_has(r, FF_SRC_MAC) || flow_has(r, FF_SEQ));
	st = stats(d, 0x0102, NULL);
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.bytes, 24 + 48);
	assert_int_equal(st.last_seen_ms, 1700000000123);
	flow_decoder_free(d);
}

static void test_uptime_wrap(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct pkt p;

	(void)state;
	/* uptime wrapped to 1 s; the flow started 256 ms before the wrap */
	hdr(&p, 1, 1000, 1700000000, 0, 1, 0, 0, 0);
	rec(&p, 1, 0xffffff00u, 500);
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].time_start_ms, 1700000000000 - 1000 - 256);
	assert_int_equal(s.r[0].time_end_ms, 1700000000000 - 500);
	/* interval 0: unsampled */
	assert_int_equal(s.r[0].sampling_rate, 1);
	flow_decoder_free(d);
}

static void test_sampling_override(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 1000);
	struct pkt p;

	(void)state;
	hdr(&p, 1, 1000, 1700000000, 0, 1, 0, 0, 0x8000 | 64);
	rec(&p, 1, 0, 0);
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_OK);
	assert_int_equal(s.r[0].sampling_rate, 1000);
	flow_decoder_free(d);
	d = dec(&s, 0);
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_OK);
	assert_int_equal(s.r[0].sampling_rate, 64);	/* mode bits ignored */
	flow_decoder_free(d);
}

/* The rate one v5 packet from @src gets under @cfg (@announced in the
 * header, 0 = none). */
static uint32_t rate_of(const struct flow_decoder_cfg *cfg, const char *src,
			uint16_t announced)
{
	static struct sink s;
	struct flow_decoder *d;
	struct pkt p;
	uint32_t rate;

	memset(&s, 0, sizeof(s));
	d = flow_decoder_new(cfg, sink_fn, &s);
	assert_non_null(d);
	hdr(&p, 1, 1000, 1700000000, 0, 1, 0, 0, announced ? 0x4000 | announced : 0);
	rec(&p, 1, 0, 0);
	assert_int_equal(feed(d, &p, src), FE_OK);
	assert_int_equal(s.n, 1);
	rate = s.r[0].sampling_rate;
	flow_decoder_free(d);
	return rate;
}

static void add_rule(struct flow_decoder_cfg *cfg, const char *text, bool force)
{
	struct flow_sampling_rule r;
	char err[256];

	if (flow_sampling_rule_parse(text, force, &r, err, sizeof(err)) < 0 ||
	    flow_sampling_rule_add(cfg->sampling_rules, &cfg->nsampling_rules, &r,
				   err, sizeof(err)) < 0)
		fail_msg("%s: %s", text, err);
}

static void test_sampling_rules(void **state)
{
	struct flow_decoder_cfg cfg = { .sampling_override = 1000 };
	struct flow_sampling_rule r;
	char err[256], buf[64];

	(void)state;
	add_rule(&cfg, "192.0.2.0/24=10", true);
	add_rule(&cfg, "192.0.2.7=0", true);		/* as announced */
	add_rule(&cfg, "192.0.2.8=0", true);
	add_rule(&cfg, "192.0.2.8=32", false);		/* ... else 32 */
	add_rule(&cfg, "2001:db8::/32=5", false);
	/* no rule: the decoder-wide override */
	assert_int_equal(rate_of(&cfg, "198.51.100.1", 64), 1000);
	/* the /24 rule over the decoder-wide one */
	assert_int_equal(rate_of(&cfg, "192.0.2.9", 64), 10);
	/* the longest prefix wins: .7 is exempt, .8 too with its own default */
	assert_int_equal(rate_of(&cfg, "192.0.2.7", 64), 64);
	assert_int_equal(rate_of(&cfg, "192.0.2.7", 0), 1);
	assert_int_equal(rate_of(&cfg, "192.0.2.8", 64), 64);
	assert_int_equal(rate_of(&cfg, "192.0.2.8", 0), 32);
	/* a default-only rule: announced rates stand, silence gets the rule's */
	assert_int_equal(rate_of(&cfg, "2001:db8::1", 0), 5);
	assert_int_equal(rate_of(&cfg, "2001:db8::1", 200), 200);

	/* parse, print, refuse */
	assert_int_equal(flow_sampling_rule_parse("2001:db8::1=7", true, &r, err,
						  sizeof(err)), 0);
	flow_sampling_rule_fmt(&r, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1/128=7");
	assert_int_equal(flow_sampling_rule_parse("192.0.2.1/24=7", true, &r, err,
						  sizeof(err)), -1);
	assert_non_null(strstr(err, "'192.0.2.1/24' is not an address or prefix"));
	assert_int_equal(flow_sampling_rule_parse("192.0.2.1=0", false, &r, err,
						  sizeof(err)), -1);
	assert_non_null(strstr(err, "'0' is not a sampling rate (1..4294967295)"));
	assert_int_equal(flow_sampling_rule_parse("192.0.2.1", true, &r, err,
						  sizeof(err)), -1);
	assert_non_null(strstr(err, "is not EXPORTER=RATE"));
	assert_int_equal(flow_sampling_rule_parse("192.0.2.1=5x", true, &r, err,
						  sizeof(err)), -1);
	assert_int_equal(flow_sampling_rule_parse("192.0.2.0/24=3", true, &r, err,
						  sizeof(err)), 0);
	assert_int_equal(flow_sampling_rule_add(cfg.sampling_rules, &cfg.nsampling_rules,
						&r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a rate for 192.0.2.0/24 is given twice"));
}

static void test_engines(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct pkt p;
	int n;

	(void)state;
	hdr(&p, 1, 1000, 1700000000, 0, 0, 0, 1, 0);
	rec(&p, 1, 0, 0);
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_OK);
	hdr(&p, 1, 1000, 1700000000, 0, 0, 0, 2, 0);
	rec(&p, 1, 0, 0);
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_OK);
	hdr(&p, 1, 1000, 1700000000, 0, 0, 0, 1, 0);
	rec(&p, 1, 0, 0);
	assert_int_equal(feed(d, &p, "2001:db8::7"), FE_OK);
	/* same sequence numbers, separate state: no loss, no restart */
	assert_int_equal(stats(d, 2, &n).seq_restarts, 0);
	assert_int_equal(n, 3);
	assert_int_equal(s.r[1].domain, 2);
	flow_decoder_free(d);
}

static void test_sequence(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct flow_exp_stats st;
	struct pkt p;

	(void)state;
	hdr(&p, 2, 1000, 1700000000, 0, 100, 0, 0, 0);
	rec(&p, 1, 0, 0);
	rec(&p, 2, 0, 0);
	feed(d, &p, "192.0.2.7");		/* 100, 101 */
	hdr(&p, 1, 1000, 1700000000, 0, 105, 0, 0, 0);
	rec(&p, 3, 0, 0);
	feed(d, &p, "192.0.2.7");		/* 102..104 missing */
	st = stats(d, 0, NULL);
	assert_int_equal(st.seq_lost, 3);
	hdr(&p, 1, 1000, 1700000000, 0, 102, 0, 0, 0);
	rec(&p, 4, 0, 0);
	feed(d, &p, "192.0.2.7");		/* 102 arrives late */
	st = stats(d, 0, NULL);
	assert_int_equal(st.seq_lost, 2);
	assert_int_equal(st.seq_out_of_order, 1);
	hdr(&p, 1, 1000, 1700000000, 0, 0x80000000u, 0, 0, 0);
	rec(&p, 5, 0, 0);
	feed(d, &p, "192.0.2.7");		/* exporter restarted */
	st = stats(d, 0, NULL);
	assert_int_equal(st.seq_restarts, 1);
	assert_int_equal(st.seq_lost, 2);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.packets, 4);
	flow_decoder_free(d);
}

static void test_malformed(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct flow_totals t;
	struct pkt p;
	int i;

	(void)state;
	/* header cut short: nothing to key an exporter on */
	hdr(&p, 1, 1000, 1700000000, 0, 0, 0, 0, 0);
	p.len = 23;
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_SHORT);
	flow_decoder_totals(d, &t);
	assert_int_equal(t.errors[FE_SHORT], 1);
	assert_int_equal(t.exporters, 0);
	/* count 3, two whole records and a piece: the two are decoded */
	hdr(&p, 3, 1000, 1700000000, 0, 0, 0, 0, 0);
	rec(&p, 1, 0, 0);
	rec(&p, 2, 0, 0);
	rec(&p, 3, 0, 0);
	p.len -= 10;
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_LENGTH);
	assert_int_equal(s.n, 2);
	/* count 31 with 31 records: over the limit, counted, decoded */
	hdr(&p, 31, 1000, 1700000000, 0, 3, 0, 0, 0);
	for (i = 0; i < 31; i++)
		rec(&p, (uint8_t)i, 0, 0);
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_LENGTH);
	assert_int_equal(s.n, 33);
	/* count 0xffff with one record */
	hdr(&p, 0xffff, 1000, 1700000000, 0, 34, 0, 0, 0);
	rec(&p, 1, 0, 0);
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_LENGTH);
	assert_int_equal(s.n, 34);
	/* trailing bytes after count records are ignored */
	hdr(&p, 1, 1000, 1700000000, 0, 0, 0, 0, 0);
	rec(&p, 1, 0, 0);
	put16(&p, 0);
	assert_int_equal(feed(d, &p, "192.0.2.7"), FE_OK);
	flow_decoder_totals(d, &t);
	assert_int_equal(t.errors[FE_LENGTH], 3);
	assert_int_equal(t.flows, 35);
	assert_int_equal(t.records, 35);
	flow_decoder_free(d);
}

static void test_forced_version(void **state)
{
	struct sink s;
	struct flow_decoder *d = dec(&s, 0);
	struct flow_pkt fp = { 0 };
	struct pkt p;

	(void)state;
	hdr(&p, 1, 1000, 1700000000, 0, 0, 0, 0, 0);
	rec(&p, 1, 0, 0);
	p.b[1] = 7;
	fp.data = p.b;
	fp.len = p.len;
	ip_addr_parse("192.0.2.7", &fp.src);
	assert_int_equal(flow_decode(d, &fp, FLOW_PROTO_NF5), FE_VERSION);
	assert_int_equal(s.n, 0);
	flow_decoder_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_uptime_wrap),
		cmocka_unit_test(test_sampling_override),
		cmocka_unit_test(test_sampling_rules),
		cmocka_unit_test(test_engines),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_forced_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
