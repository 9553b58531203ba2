/* SPDX-License-Identifier: BSD-2-Clause */
/* test_flowenc.c - export encoders, read back by our own decoders */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flowenc.h"
#include "pkt/pkt.h"

#define MAX_DG 4096
#define MAX_RECS 20000

struct dgrams {
	uint8_t *p[MAX_DG];
	size_t len[MAX_DG];
	size_t n;
};

struct recs {
	struct flow_rec r[MAX_RECS];
	size_t n;
};

static void out(void *arg, const uint8_t *p, size_t len)
{
	struct dgrams *d = arg;

	assert_true(d->n < MAX_DG);
	d->p[d->n] = malloc(len);
	memcpy(d->p[d->n], p, len);
	d->len[d->n++] = len;
}

static void dgrams_free(struct dgrams *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->p[i]);
	free(d);
}

static void sink(void *arg, const struct flow_rec *r, size_t n)
{
	struct recs *o = arg;
	size_t i;

	for (i = 0; i < n && o->n < MAX_RECS; i++)
		o->r[o->n++] = r[i];
}

static uint64_t seq_lost;
static void exp_fn(void *arg, const struct ip_addr *e, enum flow_proto p, uint32_t dom,
		   const struct flow_exp_stats *st)
{
	(void)arg; (void)e; (void)p; (void)dom;
	seq_lost += st->seq_lost + st->seq_out_of_order;
}

/* Decode every datagram; everything must decode without error. */
static struct recs *decode_all(const struct dgrams *d, enum flow_proto proto)
{
	struct flow_decoder_cfg cfg = { 0 };
	struct recs *o = calloc(1, sizeof(*o));
	struct flow_decoder *dec = flow_decoder_new(&cfg, sink, o);
	struct flow_totals t;
	size_t i;

	assert_non_null(dec);
	for (i = 0; i < d->n; i++) {
		struct flow_pkt p = { .data = d->p[i], .len = d->len[i],
				      .recv_ms = 1700000100000 };

		ip_addr_set4u(&p.src, 0x7f000001);
		assert_int_equal(flow_decode(dec, &p, proto), FE_OK);
	}
	flow_decoder_totals(dec, &t);
	for (i = 0; i < FE__COUNT; i++)
		assert_int_equal(t.errors[i], 0);
	seq_lost = 0;
	flow_decoder_foreach(dec, exp_fn, NULL);
	assert_int_equal(seq_lost, 0);
	flow_decoder_free(dec);
	return o;
}

static struct flow_rec mkrec(unsigned i)
{
	struct flow_rec r;

	memset(&r, 0, sizeof(r));
	r.ip_version = i % 3 == 2 ? 6 : 4;
	if (r.ip_version == 4) {
		ip_addr_set4u(&r.src, 0x0a000000 + i);
		ip_addr_set4u(&r.dst, 0xc0000200 + (i & 0xff));
	} else {
		uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };

		a[15] = (uint8_t)i;
		a[14] = (uint8_t)(i >> 8);
		ip_addr_set6(&r.src, a);
		a[0] = 0xfd;
		ip_addr_set6(&r.dst, a);
	}
	r.proto = (uint8_t)((i % 4 == 3) ? (r.ip_version == 4 ? 1 : 58) : (i & 1 ? 17 : 6));
	if (r.proto == 1 || r.proto == 58) {
		r.icmp_type = 8;
		r.icmp_code = (uint8_t)(i % 5);
	} else {
		r.src_port = (uint16_t)(1024 + i);
		r.dst_port = 443;
	}
	r.tos = (uint8_t)(i * 4);
	r.tcp_flags = r.proto == 6 ? 0x1b : 0;
	r.in_if = 7;
	r.direction = (uint8_t)(i & 1);
	r.vlan = (uint16_t)(i % 4095);
	r.packets = 1 + i;
	r.bytes = 1000 * (uint64_t)i + 60;
	r.time_start_ms = 1700000000000 + i;
	r.time_end_ms = r.time_start_ms + 5000;
	r.end_reason = (uint8_t)(1 + i % 5);
	return r;
}

static void roundtrip(enum flow_proto proto, uint32_t sampling, size_t mtu)
{
	struct nfenc *e = malloc(sizeof(*e));
	struct dgrams *d = calloc(1, sizeof(*d));
	struct nfenc_cfg cfg = { .proto = proto, .domain = 77, .mtu = mtu,
				 .template_refresh_ms = 2000, .sampling = sampling,
				 .boot_ms = 1699999990000 };
	struct recs *o;
	const unsigned N = 3000;
	unsigned i;

	assert_int_equal(nfenc_init(e, &cfg, out, d), 0);
	nfenc_tick(e, 1700000000000);
	assert_int_equal(d->n, 1);	/* templates at start, alone */
	for (i = 0; i < N; i++) {
		struct flow_rec r = mkrec(i);

		nfenc_add(e, &r, 1700000000000 + i * 3);
	}
	nfenc_flush(e);
	assert_int_equal(e->st.records, N);
	assert_true(e->st.templates >= 2 * 4);	/* refreshed every 2 s */
	for (i = 0; i < d->n; i++)
		assert_true(d->len[i] <= mtu);
	o = decode_all(d, proto);
	assert_int_equal(o->n, N);
	for (i = 0; i < N; i++) {
		struct flow_rec w = mkrec(i);
		const struct flow_rec *r = &o->r[i];

		assert_int_equal(r->ip_version, w.ip_version);
		assert_true(ip_addr_eq(&r->src, &w.src));
		assert_true(ip_addr_eq(&r->dst, &w.dst));
		assert_int_equal(r->proto, w.proto);
		assert_int_equal(r->packets, w.packets);
		assert_int_equal(r->bytes, w.bytes);
		assert_int_equal(r->tos, w.tos);
		assert_int_equal(r->tcp_flags, w.tcp_flags);
		assert_int_equal(r->in_if, 7);
		assert_int_equal(r->vlan, w.vlan);
		assert_int_equal(r->direction, w.direction);
		assert_int_equal(r->time_start_ms, w.time_start_ms);
		assert_int_equal(r->time_end_ms, w.time_end_ms);
		assert_int_equal(r->domain, 77);
		assert_int_equal(r->sampling_rate, sampling);
		if (w.proto == 1 || w.proto == 58) {
			assert_int_equal(r->icmp_type, 8);
			assert_int_equal(r->icmp_code, w.icmp_code);
		} else {
			assert_int_equal(r->src_port, w.src_port);
			assert_int_equal(r->dst_port, 443);
		}
		if (proto == FLOW_PROTO_IPFIX)
			assert_int_equal(r->end_reason, w.end_reason);
	}
	free(o);
	dgrams_free(d);
	free(e);
}

static void test_ipfix(void **state) { (void)state; roundtrip(FLOW_PROTO_IPFIX, 1, 1400); }
static void test_ipfix_sampled(void **state) { (void)state; roundtrip(FLOW_PROTO_IPFIX, 100, 512); }
static void test_nf9(void **state) { (void)state; roundtrip(FLOW_PROTO_NF9, 1, 1400); }
static void test_nf9_sampled(void **state) { (void)state; roundtrip(FLOW_PROTO_NF9, 64, 8952); }

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }

struct sampler_seen {
	unsigned opt_templates, opt_records;
	bool field34_in_data_template;
};

/* Walk the sets of one datagram: options templates, options data (whose
 * samplingInterval @patch replaces when non-zero), data templates. */
static void walk_sets(uint8_t *p, size_t len, bool ipfix, uint32_t domain, uint32_t rate,
		      uint32_t patch, struct sampler_seen *s)
{
	size_t off = ipfix ? 16 : 20, k;

	while (off + 4 <= len) {
		uint16_t id = rd16(p + off), slen = rd16(p + off + 2);
		uint8_t *b = p + off + 4;

		assert_true(slen >= 4 && off + slen <= len);
		if (id == (ipfix ? 3 : 1)) {
			/* one options template: 258, scope, 34/4, 35/1 */
			assert_int_equal(rd16(b), NFENC_TMPL_OPT);
			if (ipfix) {
				assert_int_equal(rd16(b + 2), 3);	/* fields */
				assert_int_equal(rd16(b + 4), 1);	/* scope fields */
				assert_int_equal(rd16(b + 6), 149);
			} else {
				assert_int_equal(rd16(b + 2), 4);	/* scope bytes */
				assert_int_equal(rd16(b + 4), 8);	/* option bytes */
				assert_int_equal(rd16(b + 6), 1);	/* System */
			}
			assert_int_equal(rd16(b + 8), 4);
			assert_int_equal(rd16(b + 10), 34);
			assert_int_equal(rd16(b + 12), 4);
			assert_int_equal(rd16(b + 14), 35);
			assert_int_equal(rd16(b + 16), 1);
			s->opt_templates++;
		} else if (id == NFENC_TMPL_OPT) {
			assert_int_equal(slen, 16);
			assert_int_equal(rd32(b), domain);
			assert_int_equal(rd32(b + 4), rate);
			assert_int_equal(b[8], NFENC_SAMPLING_RANDOM);
			if (patch) {
				b[4] = (uint8_t)(patch >> 24);
				b[5] = (uint8_t)(patch >> 16);
				b[6] = (uint8_t)(patch >> 8);
				b[7] = (uint8_t)patch;
			}
			s->opt_records++;
		} else if (id == (ipfix ? 2 : 0)) {
			for (k = 4; k + 4 <= (size_t)slen - 4; k += 4)
				if (rd16(b + k) == 34)
					s->field34_in_data_template = true;
		}
		off += slen;
	}
}

/*
 * A sampled export announces its sampler with the templates, at start and
 * at every refresh, in an options record; data records do not carry the
 * interval. The decoder applies the options record's rate: change it in
 * the datagrams and every record follows.
 */
static void sampler_options(enum flow_proto proto)
{
	bool ipfix = proto == FLOW_PROTO_IPFIX;
	struct nfenc *e = malloc(sizeof(*e));
	struct dgrams *d = calloc(1, sizeof(*d));
	struct nfenc_cfg cfg = { .proto = proto, .domain = 9, .mtu = 512,
				 .template_refresh_ms = 1000, .sampling = 100,
				 .boot_ms = 1699999990000 };
	struct sampler_seen s = { 0 };
	struct recs *o;
	unsigned i;

	assert_int_equal(nfenc_init(e, &cfg, out, d), 0);
	nfenc_tick(e, 1700000000000);
	for (i = 0; i < 1000; i++) {
		struct flow_rec r = mkrec(i);

		nfenc_add(e, &r, 1700000000000 + i * 10);	/* 10 s: 10 refreshes */
	}
	nfenc_flush(e);
	for (i = 0; i < d->n; i++)
		walk_sets(d->p[i], d->len[i], ipfix, 9, 100, 7, &s);
	assert_true(s.opt_templates >= 10);
	assert_int_equal(s.opt_records, s.opt_templates);
	assert_int_equal(e->st.options, s.opt_records);
	assert_false(s.field34_in_data_template);
	o = decode_all(d, proto);	/* IPFIX: options records count in the sequence */
	assert_int_equal(o->n, 1000);
	for (i = 0; i < o->n; i++)
		assert_int_equal(o->r[i].sampling_rate, 7);
	free(o);
	dgrams_free(d);

	/* unsampled: no options at all */
	d = calloc(1, sizeof(*d));
	cfg.sampling = 1;
	memset(&s, 0, sizeof(s));
	assert_int_equal(nfenc_init(e, &cfg, out, d), 0);
	for (i = 0; i < 100; i++) {
		struct flow_rec r = mkrec(i);

		nfenc_add(e, &r, 1700000000000 + i * 100);
	}
	nfenc_flush(e);
	for (i = 0; i < d->n; i++)
		walk_sets(d->p[i], d->len[i], ipfix, 9, 1, 0, &s);
	assert_int_equal(s.opt_templates + s.opt_records, 0);
	assert_int_equal(e->st.options, 0);
	dgrams_free(d);
	free(e);
}

static void test_ipfix_sampler(void **state) { (void)state; sampler_options(FLOW_PROTO_IPFIX); }
static void test_nf9_sampler(void **state) { (void)state; sampler_options(FLOW_PROTO_NF9); }

/* The header sequence numbers follow each RFC. */
static void test_sequence(void **state)
{
	struct nfenc *e = malloc(sizeof(*e));
	struct dgrams *d = calloc(1, sizeof(*d));
	struct nfenc_cfg cfg = { .proto = FLOW_PROTO_IPFIX, .mtu = 512,
				 .template_refresh_ms = 60000 };
	uint32_t expect = 0;
	unsigned i;

	(void)state;
	assert_int_equal(nfenc_init(e, &cfg, out, d), 0);
	for (i = 0; i < 100; i++) {
		struct flow_rec r = mkrec(i);

		nfenc_add(e, &r, 1000);
	}
	nfenc_flush(e);
	for (i = 0; i < d->n; i++) {	/* IPFIX: data records before */
		const uint8_t *p = d->p[i];
		uint32_t seq = (uint32_t)p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11];

		assert_int_equal(p[1], 10);
		assert_int_equal(p[2] << 8 | p[3], d->len[i]);
		/* the first message starts at 0; later ones grow by
		 * the records before them (the decoder checks exactly) */
		assert_true(i == 0 ? seq == 0 : seq > expect);
		expect = seq;
	}
	assert_int_equal(e->seq, 100);
	dgrams_free(d);
	d = calloc(1, sizeof(*d));
	cfg.proto = FLOW_PROTO_NF9;
	assert_int_equal(nfenc_init(e, &cfg, out, d), 0);
	for (i = 0; i < 100; i++) {
		struct flow_rec r = mkrec(i);

		nfenc_add(e, &r, 1000);
	}
	nfenc_flush(e);
	for (i = 0; i < d->n; i++) {	/* v9: export packets before */
		const uint8_t *p = d->p[i];

		assert_int_equal(p[1], 9);
		assert_int_equal((uint32_t)p[12] << 24 | p[13] << 16 | p[14] << 8 | p[15], i);
	}
	dgrams_free(d);
	free(e);
}

static void test_no_version(void **state)
{
	struct nfenc *e = malloc(sizeof(*e));
	struct dgrams *d = calloc(1, sizeof(*d));
	struct nfenc_cfg cfg = { .proto = FLOW_PROTO_IPFIX, .mtu = 100 };
	struct flow_rec r;

	(void)state;
	assert_int_equal(nfenc_init(e, &cfg, out, d), -1);	/* mtu too small */
	cfg.mtu = 1400;
	cfg.proto = FLOW_PROTO_NF5;
	assert_int_equal(nfenc_init(e, &cfg, out, d), -1);
	cfg.proto = FLOW_PROTO_NF9;
	assert_int_equal(nfenc_init(e, &cfg, out, d), 0);
	memset(&r, 0, sizeof(r));
	nfenc_add(e, &r, 0);
	assert_int_equal(e->st.unencodable, 1);
	nfenc_flush(e);
	assert_int_equal(d->n, 0);
	dgrams_free(d);
	free(e);
}

static void test_sflow(void **state)
{
	struct sfenc *e = malloc(sizeof(*e));
	struct dgrams *d = calloc(1, sizeof(*d));
	struct sfenc_cfg cfg = { .mtu = 1400, .sub_agent = 3, .boot_ms = 1700000000000 };
	uint8_t frame[200];
	struct flow_if_counters c;
	struct recs *o;
	unsigned i, nflow = 0, nctr = 0;

	(void)state;
	ip_addr_set4u(&cfg.agent, 0x7f000001);
	assert_int_equal(sfenc_init(e, &cfg, out, d), 0);
	/* Ethernet + IPv4 + UDP */
	memset(frame, 0, sizeof(frame));
	memset(frame, 0x02, 12);
	frame[12] = 0x08;
	frame[14] = 0x45;
	frame[16] = 0;
	frame[17] = 186;
	frame[22] = 64;
	frame[23] = 17;
	frame[26] = 10; frame[29] = 1;
	frame[30] = 10; frame[33] = 2;
	frame[34] = 0x30; frame[35] = 0x39;
	frame[36] = 0x00; frame[37] = 0x35;
	frame[39] = 166;
	for (i = 0; i < 100; i++) {
		struct sfenc_sample s = {
			.source_index = 5, .sampling_rate = 10, .sample_pool = 10 * i,
			.drops = 2, .input_if = 5, .header_protocol = 1,
			.frame_length = 204, .stripped = 4, .header = frame,
			.header_len = i % 2 ? 200 : 60,
		};

		if (i % 3 == 0) {	/* extended switch data: the decoder's VLAN */
			s.has_switch = true;
			s.src_vlan = s.dst_vlan = 100 + i;
			s.src_priority = s.dst_priority = i % 8;
		}
		sfenc_flow(e, &s, i, 1700000000000 + i);
		if (i % 25 == 0) {
			memset(&c, 0, sizeof(c));
			c.if_index = 5;
			c.in_octets = 1000 + i;
			c.out_ucast = i;
			sfenc_counters(e, &c, i / 25, 1700000000000 + i);
		}
	}
	sfenc_flush(e);
	assert_int_equal(e->st.flow_samples, 100);
	assert_int_equal(e->st.counter_samples, 4);
	for (i = 0; i < d->n; i++)
		assert_true(d->len[i] <= 1400);
	o = decode_all(d, FLOW_PROTO_SFLOW5);
	for (i = 0; i < o->n; i++) {
		const struct flow_rec *r = &o->r[i];

		if (r->type == FLOW_REC_COUNTERS) {
			assert_int_equal(r->ctr.if_index, 5);
			assert_int_equal(r->ctr.in_octets, 1000 + nctr * 25);
			nctr++;
			continue;
		}
		assert_int_equal(r->sampling_rate, 10);
		assert_int_equal(r->proto, 17);
		assert_int_equal(r->src_port, 12345);
		assert_int_equal(r->dst_port, 53);
		assert_int_equal(r->seq, nflow);
		assert_int_equal(r->in_if, 5);
		assert_int_equal(r->vlan, nflow % 3 ? 0 : 100 + nflow);
		nflow++;
	}
	assert_int_equal(nflow, 100);
	assert_int_equal(nctr, 4);
	free(o);
	dgrams_free(d);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipfix),
		cmocka_unit_test(test_ipfix_sampled),
		cmocka_unit_test(test_nf9),
		cmocka_unit_test(test_nf9_sampled),
		cmocka_unit_test(test_ipfix_sampler),
		cmocka_unit_test(test_nf9_sampler),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_no_version),
		cmocka_unit_test(test_sflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
