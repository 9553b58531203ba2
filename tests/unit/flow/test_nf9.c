/* SPDX-License-Identifier: BSD-2-Clause */
/* test_nf9.c - NetFlow v9 decoder and the template engine under it */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "flowtest.h"

#define EXP "192.0.2.1"
#define EXP2 "192.0.2.2"
#define SECS 1700000000u
#define UPTIME 100000u
#define T0 (SECS * 1000LL)

/* The basic template: 13 fields, 38 bytes per record. */
static void basic_template_rec(struct pb *p, unsigned id)
{
	pb_u16(p, id);
	pb_u16(p, 13);
	pb_field(p, 8, 4, 0);	/* src */
	pb_field(p, 12, 4, 0);	/* dst */
	pb_field(p, 7, 2, 0);	/* sport */
	pb_field(p, 11, 2, 0);	/* dport */
	pb_field(p, 4, 1, 0);	/* proto */
	pb_field(p, 1, 4, 0);	/* bytes */
	pb_field(p, 2, 4, 0);	/* packets */
	pb_field(p, 22, 4, 0);	/* first switched */
	pb_field(p, 21, 4, 0);	/* last switched */
	pb_field(p, 10, 2, 0);	/* in if */
	pb_field(p, 14, 2, 0);	/* out if */
	pb_field(p, 6, 1, 0);	/* tcp flags */
	pb_field(p, 5, 1, 0);	/* tos */
}

static void basic_template(struct pb *p, unsigned id)
{
	size_t s = pb_set_begin(p, 0);

	basic_template_rec(p, id);
	pb_set_end(p, s);
}

static void basic_record(struct pb *p, unsigned k)
{
	pb_ip4(p, 10, 0, 0, (uint8_t)k);
	pb_ip4(p, 10, 1, 0, 1);
	pb_u16(p, 1000 + k);
	pb_u16(p, 443);
	pb_u8(p, 6);
	pb_u32(p, 1500 * (k + 1));
	pb_u32(p, k + 1);
	pb_u32(p, UPTIME - 10000);
	pb_u32(p, UPTIME - 1000);
	pb_u16(p, 3);
	pb_u16(p, 4);
	pb_u8(p, 0x1b);
	pb_u8(p, 0x20);
}

static void basic_data(struct pb *p, unsigned id, unsigned n, unsigned first)
{
	size_t s = pb_set_begin(p, id);
	unsigned k;

	for (k = 0; k < n; k++)
		basic_record(p, first + k);
	pb_set_end(p, s);
}

static void check_basic(const struct flow_rec *r, unsigned k)
{
	char buf[IP_ADDR_STRLEN];

	assert_int_equal(r->proto_version, FLOW_PROTO_NF9);
	assert_int_equal(r->ip_version, 4);
	ip_addr_fmt(&r->src, buf);
	assert_int_equal(r->src.a[3], k);
	assert_int_equal(r->src.family, 4);
	assert_int_equal(r->src_port, 1000 + k);
	assert_int_equal(r->dst_port, 443);
	assert_int_equal(r->proto, 6);
	assert_int_equal(r->bytes, 1500 * (k + 1));
	assert_int_equal(r->packets, k + 1);
	assert_int_equal(r->in_if, 3);
	assert_int_equal(r->out_if, 4);
	assert_int_equal(r->tcp_flags, 0x1b);
	assert_int_equal(r->tos, 0x20);
	/* sysUpTime-relative: 10 s and 1 s before the header time */
	assert_true(r->time_start_ms == T0 - 10000);
	assert_true(r->time_end_ms == T0 - 1000);
	assert_true(r->export_ms == T0);
	assert_int_equal(r->sampling_rate, 1);
	assert_true(flow_has(r, FF_SRC) && flow_has(r, FF_DST) && flow_has(r, FF_BYTES) &&
		    flow_has(r, FF_TIME_START) && flow_has(r, FF_TIME_END) &&
		    flow_has(r, FF_TCP_FLAGS) && flow_has(r, FF_TOS) && flow_has(r, FF_IN_IF));
	/* absent fields stay absent */
	assert_false(flow_has(r, FF_SRC_AS) || flow_has(r, FF_NEXT_HOP) ||
		     flow_has(r, FF_VLAN) || flow_has(r, FF_SAMPLER_ID) ||
		     flow_has(r, FF_SRC_MAC) || flow_has(r, FF_ICMP));
	assert_int_equal(r->n_extra, 0);
}

static void test_template_then_data(void **state)
{
	struct fx *f = fx_new(NULL);
	struct flow_exp_stats st;
	struct flow_totals t;

	(void)state;
	pb_nf9_hdr(&f->p, 4, UPTIME, SECS, 1, 7);
	basic_template(&f->p, 256);
	basic_data(&f->p, 256, 3, 0);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 5000), FE_OK);
	assert_int_equal(f->s->n, 3);
	check_basic(&f->s->r[0], 0);
	check_basic(&f->s->r[2], 2);
	assert_true(f->s->r[0].recv_ms == 5000);
	assert_int_equal(f->s->r[0].domain, 7);
	st = t_stats(f->d, EXP, FLOW_PROTO_NF9, 7);
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.templates, 1);
	flow_decoder_totals(f->d, &t);
	assert_int_equal(t.records, 3);
	assert_int_equal(t_err_total(f->d), 0);
	fx_free(f);
}

static void test_uptime_conversion(void **state)
{
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	/* the uptime counter wrapped 500 ms ago; the flow started before */
	pb_nf9_hdr(&f->p, 2, 500, SECS, 1, 0);
	s = pb_set_begin(&f->p, 0);
	pb_u16(&f->p, 300);
	pb_u16(&f->p, 2);
	pb_field(&f->p, 22, 4, 0);
	pb_field(&f->p, 21, 4, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 300);
	pb_u32(&f->p, 0xffffff00u);	/* 756 ms before the header */
	pb_u32(&f->p, 700);		/* 200 ms after it: clock skew */
	pb_set_end(&f->p, s);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_OK);
	assert_int_equal(f->s->n, 1);
	assert_true(f->s->r[0].time_start_ms == T0 - 756);
	assert_true(f->s->r[0].time_end_ms == T0 + 200);
	fx_free(f);
}

static void test_data_then_template(void **state)
{
	struct fx *f = fx_new(NULL);
	struct flow_totals t;

	(void)state;
	pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 1, 0);
	basic_data(&f->p, 256, 2, 0);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1111), FE_OK);
	assert_int_equal(f->s->n, 0);
	/* the template comes a minute later by the exporter's clock */
	pb_nf9_hdr(&f->p, 2, UPTIME + 60000, SECS + 60, 2, 0);
	basic_template(&f->p, 256);
	basic_data(&f->p, 256, 1, 5);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 2222), FE_OK);
	assert_int_equal(f->s->n, 3);
	/* the held records come first, with their own packet's times */
	check_basic(&f->s->r[0], 0);
	check_basic(&f->s->r[1], 1);
	assert_true(f->s->r[0].recv_ms == 1111);
	assert_true(f->s->r[2].recv_ms == 2222);
	assert_true(f->s->r[2].export_ms == T0 + 60000);
	assert_true(f->s->r[2].time_start_ms == T0 + 60000 - 70000);
	flow_decoder_totals(f->d, &t);
	assert_int_equal(t.pending_records_decoded, 2);
	assert_int_equal(t_err_total(f->d), 0);
	fx_free(f);
}

static void test_pending_limit_and_expiry(void **state)
{
	struct flow_decoder_cfg cfg = { .pending_bytes = 300, .pending_max_age_ms = 1000 };
	struct fx *f = fx_new(&cfg);
	unsigned i;

	(void)state;
	/* each set is 4 + 3 * 38 = 118 bytes of data plus bookkeeping */
	for (i = 0; i < 3; i++) {
		pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 1 + i, 0);
		basic_data(&f->p, 256 + i, 3, 0);
		t_feed(f->d, &f->p, EXP, 1000);
	}
	assert_int_equal(t_err(f->d, FE_PENDING_LIMIT), 1);
	flow_decoder_tick(f->d, 1500);		/* not old enough */
	assert_int_equal(t_err(f->d, FE_PENDING_EXPIRED), 0);
	flow_decoder_tick(f->d, 2001);
	assert_int_equal(t_err(f->d, FE_PENDING_EXPIRED), 2);
	/* the template arrives too late: nothing left to decode */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 4, 0);
	basic_template(&f->p, 256);
	t_feed(f->d, &f->p, EXP, 2100);
	assert_int_equal(f->s->n, 0);
	/* still pending at flush: dropped and counted */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 5, 0);
	basic_data(&f->p, 999, 1, 0);
	t_feed(f->d, &f->p, EXP, 2200);
	flow_decoder_flush(f->d);
	assert_int_equal(t_err(f->d, FE_PENDING_EXPIRED), 3);
	fx_free(f);
}

static void test_redefinition(void **state)
{
	struct fx *f = fx_new(NULL);
	struct flow_exp_stats st;
	size_t s;

	(void)state;
	pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 1, 0);
	basic_template(&f->p, 256);
	basic_data(&f->p, 256, 1, 0);
	t_feed(f->d, &f->p, EXP, 1);
	/* same id, new layout: a bare src address */
	pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 2, 0);
	s = pb_set_begin(&f->p, 0);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 1);
	pb_field(&f->p, 8, 4, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 198, 51, 100, 7);
	pb_ip4(&f->p, 198, 51, 100, 8);
	pb_set_end(&f->p, s);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 2), FE_OK);
	assert_int_equal(f->s->n, 3);
	assert_int_equal(f->s->r[1].src.a[3], 7);
	assert_int_equal(f->s->r[2].src.a[3], 8);
	assert_false(flow_has(&f->s->r[1], FF_BYTES));
	/* and back (a byte-identical template is only a refresh) */
	pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 3, 0);
	basic_template(&f->p, 256);
	basic_template(&f->p, 256);
	basic_data(&f->p, 256, 1, 4);
	t_feed(f->d, &f->p, EXP, 3);
	assert_int_equal(f->s->n, 4);
	check_basic(&f->s->r[3], 4);
	st = t_stats(f->d, EXP, FLOW_PROTO_NF9, 0);
	assert_int_equal(st.templates, 4);
	assert_int_equal(t_err_total(f->d), 0);
	fx_free(f);
}

static void test_template_timeout(void **state)
{
	struct flow_decoder_cfg cfg = { .template_timeout_ms = 1000 };
	struct fx *f = fx_new(&cfg);

	(void)state;
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 1, 0);
	basic_template(&f->p, 256);
	t_feed(f->d, &f->p, EXP, 10000);
	flow_decoder_tick(f->d, 10500);
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 2, 0);
	basic_data(&f->p, 256, 1, 0);
	t_feed(f->d, &f->p, EXP, 10600);
	assert_int_equal(f->s->n, 1);
	flow_decoder_tick(f->d, 11001);		/* expired now */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 3, 0);
	basic_data(&f->p, 256, 1, 0);
	t_feed(f->d, &f->p, EXP, 11100);
	assert_int_equal(f->s->n, 1);		/* waits for a template */
	flow_decoder_flush(f->d);
	assert_int_equal(t_err(f->d, FE_PENDING_EXPIRED), 1);
	fx_free(f);
}

/* Options template 257: scope system, then sampler id, mode, interval. */
static void sampler_options(struct pb *p, unsigned sampler, uint32_t interval)
{
	size_t s = pb_set_begin(p, 1);

	pb_u16(p, 257);
	pb_u16(p, 4);		/* scope length in bytes */
	pb_u16(p, 12);		/* options length in bytes */
	pb_field(p, 1, 4, 0);	/* scope: system */
	pb_field(p, 48, 1, 0);	/* FLOW_SAMPLER_ID */
	pb_field(p, 49, 1, 0);	/* FLOW_SAMPLER_MODE */
	pb_field(p, 50, 4, 0);	/* FLOW_SAMPLER_RANDOM_INTERVAL */
	pb_u16(p, 0);		/* padding */
	pb_set_end(p, s);
	s = pb_set_begin(p, 257);
	pb_u32(p, 0x0a000001);	/* scope value: looks like IE 1, is not */
	pb_u8(p, sampler);
	pb_u8(p, 2);
	pb_u32(p, interval);
	pb_zero(p, 2);
	pb_set_end(p, s);
}

/* Data template 260: src address and sampler id. */
static void sampled_template(struct pb *p)
{
	size_t s = pb_set_begin(p, 0);

	pb_u16(p, 260);
	pb_u16(p, 3);
	pb_field(p, 8, 4, 0);
	pb_field(p, 1, 4, 0);
	pb_field(p, 48, 1, 0);
	pb_set_end(p, s);
}

static void sampled_record(struct pb *p, unsigned k, unsigned sampler)
{
	pb_ip4(p, 10, 9, 9, (uint8_t)k);
	pb_u32(p, 100);
	pb_u8(p, sampler);
}

static void test_options_sampler_table(void **state)
{
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	pb_nf9_hdr(&f->p, 4, UPTIME, SECS, 1, 0);
	sampler_options(&f->p, 5, 100);
	sampler_options(&f->p, 6, 0);		/* interval 0: unsampled */
	sampled_template(&f->p);
	s = pb_set_begin(&f->p, 260);
	sampled_record(&f->p, 1, 5);
	sampled_record(&f->p, 2, 6);
	sampled_record(&f->p, 3, 7);		/* unknown sampler */
	pb_set_end(&f->p, s);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_OK);
	assert_int_equal(f->s->n, 3);		/* options records are not flows */
	assert_int_equal(f->s->r[0].sampling_rate, 100);
	assert_int_equal(f->s->r[0].sampler_id, 5);
	assert_true(flow_has(&f->s->r[0], FF_SAMPLER_ID));
	assert_int_equal(f->s->r[0].bytes, 100);	/* unscaled */
	assert_int_equal(f->s->r[1].sampling_rate, 1);
	assert_int_equal(f->s->r[2].sampling_rate, 1);
	/* the same sampler redefined */
	pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 2, 0);
	sampler_options(&f->p, 5, 1000);
	s = pb_set_begin(&f->p, 260);
	sampled_record(&f->p, 4, 5);
	pb_set_end(&f->p, s);
	t_feed(f->d, &f->p, EXP, 2);
	assert_int_equal(f->s->r[3].sampling_rate, 1000);
	/* another exporter with the same sampler id knows nothing of it */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 1, 0);
	sampled_template(&f->p);
	s = pb_set_begin(&f->p, 260);
	sampled_record(&f->p, 5, 5);
	pb_set_end(&f->p, s);
	t_feed(f->d, &f->p, EXP2, 3);
	assert_int_equal(f->s->n, 5);
	assert_int_equal(f->s->r[4].sampling_rate, 1);
	assert_int_equal(t_err_total(f->d), 0);
	fx_free(f);
}

static void test_options_exporter_rate(void **state)
{
	struct flow_decoder_cfg cfg = { .default_sampling = 3 };
	struct fx *f = fx_new(&cfg);
	size_t s;

	(void)state;
	pb_nf9_hdr(&f->p, 3, UPTIME, SECS, 1, 0);
	basic_template(&f->p, 256);
	basic_data(&f->p, 256, 1, 0);	/* before the options: default */
	/* Cisco IOS style: SAMPLING_INTERVAL + ALGORITHM, scope system */
	s = pb_set_begin(&f->p, 1);
	pb_u16(&f->p, 258);
	pb_u16(&f->p, 4);
	pb_u16(&f->p, 8);
	pb_field(&f->p, 1, 2, 0);
	pb_field(&f->p, 34, 4, 0);
	pb_field(&f->p, 35, 1, 0);
	pb_u16(&f->p, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 258);
	pb_u16(&f->p, 0);
	pb_u32(&f->p, 64);
	pb_u8(&f->p, 2);
	pb_u8(&f->p, 0);	/* padding */
	pb_set_end(&f->p, s);
	basic_data(&f->p, 256, 1, 1);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_OK);
	assert_int_equal(f->s->n, 2);
	assert_int_equal(f->s->r[0].sampling_rate, 3);
	assert_int_equal(f->s->r[1].sampling_rate, 64);
	/* the same exporter, another source id: not sampled that way */
	pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 1, 1);
	basic_template(&f->p, 256);
	basic_data(&f->p, 256, 1, 2);
	t_feed(f->d, &f->p, EXP, 2);
	assert_int_equal(f->s->r[2].sampling_rate, 3);
	assert_int_equal(t_err_total(f->d), 0);
	fx_free(f);
}

static void test_per_record_sampling(void **state)
{
	struct fx *f = fx_new(NULL);
	struct flow_decoder_cfg cfg = { .sampling_override = 10 };
	struct fx *g = fx_new(&cfg);
	size_t s;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct fx *x = i ? g : f;

		pb_nf9_hdr(&x->p, 2, UPTIME, SECS, 1, 0);
		s = pb_set_begin(&x->p, 0);
		pb_u16(&x->p, 256);
		pb_u16(&x->p, 2);
		pb_field(&x->p, 8, 4, 0);
		pb_field(&x->p, 34, 4, 0);
		pb_set_end(&x->p, s);
		s = pb_set_begin(&x->p, 256);
		pb_ip4(&x->p, 10, 0, 0, 1);
		pb_u32(&x->p, 512);
		pb_ip4(&x->p, 10, 0, 0, 2);
		pb_u32(&x->p, 0);
		pb_set_end(&x->p, s);
		assert_int_equal(t_feed(x->d, &x->p, EXP, 1), FE_OK);
		assert_int_equal(x->s->n, 2);
	}
	assert_int_equal(f->s->r[0].sampling_rate, 512);
	assert_int_equal(f->s->r[1].sampling_rate, 1);
	assert_int_equal(g->s->r[0].sampling_rate, 10);
	assert_int_equal(g->s->r[1].sampling_rate, 10);
	fx_free(f);
	fx_free(g);
}

static void test_exporter_isolation(void **state)
{
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	/* exporter 1 source 0: template 256 is the basic one */
	pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 1, 0);
	basic_template(&f->p, 256);
	basic_data(&f->p, 256, 1, 0);
	t_feed(f->d, &f->p, EXP, 1);
	/* exporter 1 source 9 and exporter 2: template 256 is one port */
	for (int i = 0; i < 2; i++) {
		pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 1, i ? 0 : 9);
		s = pb_set_begin(&f->p, 0);
		pb_u16(&f->p, 256);
		pb_u16(&f->p, 1);
		pb_field(&f->p, 11, 2, 0);
		pb_set_end(&f->p, s);
		s = pb_set_begin(&f->p, 256);
		pb_u16(&f->p, 53);
		pb_u8(&f->p, 0);	/* padding, shorter than a record */
		pb_set_end(&f->p, s);
		t_feed(f->d, &f->p, i ? EXP2 : EXP, 2);
	}
	/* exporter 1 source 0 still has its own layout */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 2, 0);
	basic_data(&f->p, 256, 1, 1);
	t_feed(f->d, &f->p, EXP, 3);
	assert_int_equal(f->s->n, 4);
	check_basic(&f->s->r[0], 0);
	assert_int_equal(f->s->r[1].dst_port, 53);
	assert_int_equal(f->s->r[1].domain, 9);
	assert_false(flow_has(&f->s->r[1], FF_SRC));
	assert_int_equal(f->s->r[2].dst_port, 53);
	assert_int_equal(f->s->r[2].exporter.a[3], 2);
	check_basic(&f->s->r[3], 1);
	assert_int_equal(t_err_total(f->d), 0);
	fx_free(f);
}

static void seq_packet(struct fx *f, uint32_t uptime, uint32_t secs, uint32_t seq)
{
	pb_nf9_hdr(&f->p, 0, uptime, secs, seq, 0);
	t_feed(f->d, &f->p, EXP, 1);
}

static void test_sequence(void **state)
{
	struct fx *f = fx_new(NULL);
	struct flow_exp_stats st;

	(void)state;
	seq_packet(f, UPTIME, SECS, 10);
	seq_packet(f, UPTIME + 1000, SECS + 1, 11);
	seq_packet(f, UPTIME + 2000, SECS + 2, 14);	/* 12, 13 lost */
	st = t_stats(f->d, EXP, FLOW_PROTO_NF9, 0);
	assert_int_equal(st.seq_lost, 2);
	seq_packet(f, UPTIME + 1500, SECS + 1, 13);	/* late: reordered */
	st = t_stats(f->d, EXP, FLOW_PROTO_NF9, 0);
	assert_int_equal(st.seq_lost, 1);
	assert_int_equal(st.seq_out_of_order, 1);
	assert_int_equal(st.seq_restarts, 0);
	/* reboot: uptime starts again, and so does the sequence */
	seq_packet(f, 5000, SECS + 100, 1);
	seq_packet(f, 6000, SECS + 101, 2);
	st = t_stats(f->d, EXP, FLOW_PROTO_NF9, 0);
	assert_int_equal(st.seq_restarts, 1);
	assert_int_equal(st.seq_lost, 1);
	assert_int_equal(st.seq_out_of_order, 1);
	/* a reboot that keeps its sequence numbering going is still seen */
	seq_packet(f, 3000, SECS + 200, 3);
	st = t_stats(f->d, EXP, FLOW_PROTO_NF9, 0);
	assert_int_equal(st.seq_restarts, 2);
	assert_int_equal(st.seq_lost, 1);
	assert_int_equal(st.packets, 7);
	fx_free(f);
}

static void test_unknown_fields_are_extras(void **state)
{
	struct fx *f = fx_new(NULL);
	const struct t_extra *x;
	size_t s;

	(void)state;
	pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 1, 0);
	s = pb_set_begin(&f->p, 0);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 5);
	pb_field(&f->p, 40000, 3, 0);	/* vendor field */
	pb_field(&f->p, 8, 4, 0);
	pb_field(&f->p, 82, 5, 0);	/* interfaceName: not mapped */
	pb_field(&f->p, 8, 0, 0);	/* zero-length: nothing */
	pb_field(&f->p, 8, 2, 0);	/* an address of 2 bytes: raw */
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 256);
	pb_bytes(&f->p, "\x01\x02\x03", 3);
	pb_ip4(&f->p, 10, 0, 0, 1);
	pb_bytes(&f->p, "eth0\0", 5);
	pb_bytes(&f->p, "\xaa\xbb", 2);
	pb_set_end(&f->p, s);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_OK);
	assert_int_equal(f->s->n, 1);
	assert_int_equal(f->s->r[0].n_extra, 3);
	assert_int_equal(f->s->r[0].src.a[3], 1);
	x = t_extra_find(f->s, 0, 0, 40000);
	assert_non_null(x);
	assert_int_equal(x->len, 3);
	assert_memory_equal(x->data, "\x01\x02\x03", 3);
	x = t_extra_find(f->s, 0, 0, 82);
	assert_non_null(x);
	assert_memory_equal(x->data, "eth0", 5);
	x = t_extra_find(f->s, 0, 0, 8);
	assert_non_null(x);
	assert_int_equal(x->len, 2);
	fx_free(f);
}

static void test_vendor_varlen_refused(void **state)
{
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	/* H3C: length 65535 is not legal in NetFlow v9 */
	pb_nf9_hdr(&f->p, 2, UPTIME, SECS, 1, 0);
	s = pb_set_begin(&f->p, 0);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 2);
	pb_field(&f->p, 8, 4, 0);
	pb_field(&f->p, 82, 65535, 0);
	basic_template_rec(&f->p, 257);	/* the next one still counts */
	pb_set_end(&f->p, s);
	basic_data(&f->p, 257, 1, 0);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_TEMPLATE_BAD);
	assert_int_equal(t_err(f->d, FE_TEMPLATE_BAD), 1);
	assert_int_equal(f->s->n, 1);
	check_basic(&f->s->r[0], 0);
	fx_free(f);
}

static void test_malformed(void **state)
{
	struct flow_decoder_cfg cfg = { .max_templates = 2, .max_fields = 8 };
	struct fx *f = fx_new(&cfg);
	struct flow_pkt pkt;
	size_t s;
	unsigned i;

	(void)state;
	/* short header */
	pb_nf9_hdr(&f->p, 0, 0, 0, 0, 0);
	f->p.n = 12;
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_SHORT);
	/* forced v9 on something else */
	pb_nf9_hdr(&f->p, 0, 0, 0, 0, 0);
	f->p.b[1] = 5;
	memset(&pkt, 0, sizeof(pkt));
	pkt.data = f->p.b;
	pkt.len = f->p.n;
	ip_addr_parse(EXP, &pkt.src);
	assert_int_equal(flow_decode(f->d, &pkt, FLOW_PROTO_NF9), FE_VERSION);
	/* flowset length below 4, and past the packet */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 1, 0);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 2);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_SET_LENGTH);
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 2, 0);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 40);
	pb_zero(&f->p, 8);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_SET_LENGTH);
	assert_int_equal(t_err(f->d, FE_SET_LENGTH), 2);
	/* reserved flowset id */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 3, 0);
	s = pb_set_begin(&f->p, 7);
	pb_u32(&f->p, 0);
	pb_set_end(&f->p, s);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_NO_TEMPLATE);
	/* template ids below 256; a template cut off by its flowset;
	 * no fields at all */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 4, 0);
	s = pb_set_begin(&f->p, 0);
	pb_u16(&f->p, 255);
	pb_u16(&f->p, 1);
	pb_field(&f->p, 8, 4, 0);
	pb_u16(&f->p, 300);
	pb_u16(&f->p, 0);
	pb_u16(&f->p, 301);
	pb_u16(&f->p, 9);	/* claims 9 fields, has 1 */
	pb_field(&f->p, 8, 4, 0);
	pb_set_end(&f->p, s);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_TEMPLATE_BAD);
	assert_int_equal(t_err(f->d, FE_TEMPLATE_BAD), 3);
	/* options template lengths that are not whole specifiers */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 5, 0);
	s = pb_set_begin(&f->p, 1);
	pb_u16(&f->p, 300);
	pb_u16(&f->p, 3);
	pb_u16(&f->p, 4);
	pb_zero(&f->p, 8);
	pb_set_end(&f->p, s);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_TEMPLATE_BAD);
	/* too many fields, too many templates */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 6, 0);
	s = pb_set_begin(&f->p, 0);
	pb_u16(&f->p, 400);
	pb_u16(&f->p, 9);
	for (i = 0; i < 9; i++)
		pb_field(&f->p, 1, 4, 0);
	for (i = 0; i < 3; i++) {
		pb_u16(&f->p, 500 + i);
		pb_u16(&f->p, 1);
		pb_field(&f->p, 8, 4, 0);
	}
	pb_set_end(&f->p, s);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_TEMPLATE_LIMIT);
	assert_int_equal(t_err(f->d, FE_TEMPLATE_LIMIT), 2);
	/* a record shorter than its template */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 7, 0);
	s = pb_set_begin(&f->p, 0);
	pb_u16(&f->p, 500);
	pb_u16(&f->p, 2);
	pb_field(&f->p, 8, 4, 0);
	pb_field(&f->p, 12, 4, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 500);
	pb_ip4(&f->p, 10, 0, 0, 1);
	pb_u16(&f->p, 0);
	pb_set_end(&f->p, s);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_RECORD);
	assert_int_equal(t_err(f->d, FE_RECORD), 1);
	assert_int_equal(f->s->n, 0);
	/* records followed by padding are fine */
	pb_nf9_hdr(&f->p, 1, UPTIME, SECS, 8, 0);
	s = pb_set_begin(&f->p, 500);
	pb_ip4(&f->p, 10, 0, 0, 1);
	pb_ip4(&f->p, 10, 0, 0, 2);
	pb_zero(&f->p, 3);
	pb_set_end(&f->p, s);
	pb_zero(&f->p, 2);	/* and padding after the last flowset */
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_OK);
	assert_int_equal(f->s->n, 1);
	assert_int_equal(t_err(f->d, FE_RECORD), 1);
	fx_free(f);
}

static void test_template_flood(void **state)
{
	struct flow_decoder_cfg cfg = { .max_templates = 64 };
	struct fx *f = fx_new(&cfg);
	struct flow_exp_stats st;
	unsigned i, j;
	size_t s;

	(void)state;
	for (j = 0; j < 40; j++) {
		pb_nf9_hdr(&f->p, 0, UPTIME, SECS, j, 0);
		s = pb_set_begin(&f->p, 0);
		for (i = 0; i < 100; i++) {
			pb_u16(&f->p, 256 + ((j * 1637 + i * 613) % 65280));
			pb_u16(&f->p, 2);
			pb_field(&f->p, 8, 4, 0);
			pb_field(&f->p, (j + i) % 300, 1 + i % 9, 0);
		}
		pb_set_end(&f->p, s);
		t_feed(f->d, &f->p, EXP, 1);
	}
	st = t_stats(f->d, EXP, FLOW_PROTO_NF9, 0);
	assert_int_equal(st.templates, 4000);
	assert_true(st.errors[FE_TEMPLATE_LIMIT] > 3000);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_then_data),
		cmocka_unit_test(test_uptime_conversion),
		cmocka_unit_test(test_data_then_template),
		cmocka_unit_test(test_pending_limit_and_expiry),
		cmocka_unit_test(test_redefinition),
		cmocka_unit_test(test_template_timeout),
		cmocka_unit_test(test_options_sampler_table),
		cmocka_unit_test(test_options_exporter_rate),
		cmocka_unit_test(test_per_record_sampling),
		cmocka_unit_test(test_exporter_isolation),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_unknown_fields_are_extras),
		cmocka_unit_test(test_vendor_varlen_refused),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_template_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
