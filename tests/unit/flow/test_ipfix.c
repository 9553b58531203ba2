/* SPDX-License-Identifier: BSD-2-Clause */
/* test_ipfix.c - IPFIX decoder and the template engine under it */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "flowtest.h"

#define EXP "2001:db8::1"
#define SECS 1700000000u
#define T0 (SECS * 1000LL)
#define NTP_OFFSET 2208988800u

static enum flow_err fx_send(struct fx *f, int64_t recv_ms)
{
	pb_ipfix_end(&f->p);
	return t_feed(f->d, &f->p, EXP, recv_ms);
}

/* A template record of (id, len) pairs, IANA only. */
static void tmpl_rec(struct pb *p, unsigned id, unsigned n, const unsigned (*fl)[2])
{
	unsigned i;

	pb_u16(p, id);
	pb_u16(p, n);
	for (i = 0; i < n; i++)
		pb_field(p, fl[i][0], fl[i][1], 0);
}

static void tmpl_set(struct pb *p, unsigned id, unsigned n, const unsigned (*fl)[2])
{
	size_t s = pb_set_begin(p, 2);

	tmpl_rec(p, id, n, fl);
	pb_set_end(p, s);
}

static void test_fields(void **state)
{
	static const unsigned fl[][2] = {
		{ 27, 16 }, { 28, 16 }, { 62, 16 }, { 63, 16 }, { 29, 1 }, { 30, 1 },
		{ 31, 4 }, { 56, 6 }, { 80, 6 }, { 58, 2 }, { 61, 1 }, { 136, 1 },
		{ 89, 1 }, { 234, 4 }, { 235, 4 }, { 139, 2 }, { 3, 8 }, { 16, 4 },
		{ 17, 4 }, { 4, 1 },
	};
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t mac1[6] = { 0, 1, 2, 3, 4, 5 }, mac2[6] = { 6, 7, 8, 9, 10, 11 };
	struct fx *f = fx_new(NULL);
	const struct flow_rec *r;
	size_t s;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	tmpl_set(&f->p, 256, sizeof(fl) / sizeof(fl[0]), fl);
	s = pb_set_begin(&f->p, 256);
	pb_bytes(&f->p, a6, 16);
	pb_bytes(&f->p, a6, 15);
	pb_u8(&f->p, 2);
	pb_bytes(&f->p, a6, 15);
	pb_u8(&f->p, 3);
	pb_bytes(&f->p, a6, 15);
	pb_u8(&f->p, 4);
	pb_u8(&f->p, 48);
	pb_u8(&f->p, 64);
	pb_u32(&f->p, 0xbeef);
	pb_bytes(&f->p, mac1, 6);
	pb_bytes(&f->p, mac2, 6);
	pb_u16(&f->p, 100);
	pb_u8(&f->p, 1);
	pb_u8(&f->p, 3);
	pb_u8(&f->p, 0x42);
	pb_u32(&f->p, 7);
	pb_u32(&f->p, 8);
	pb_u16(&f->p, 0x8000 | 1);	/* echo request, code 1 */
	pb_u64(&f->p, 12);
	pb_u32(&f->p, 65001);
	pb_u32(&f->p, 4200000000u);
	pb_u8(&f->p, 58);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_OK);
	assert_int_equal(f->s->n, 1);
	r = &f->s->r[0];
	assert_int_equal(r->proto_version, FLOW_PROTO_IPFIX);
	assert_int_equal(r->ip_version, 6);
	assert_int_equal(r->src.family, 6);
	assert_memory_equal(r->src.a, a6, 16);
	assert_int_equal(r->dst.a[15], 2);
	assert_int_equal(r->next_hop.a[15], 3);
	assert_int_equal(r->bgp_next_hop.a[15], 4);
	assert_int_equal(r->src_mask, 48);
	assert_int_equal(r->dst_mask, 64);
	assert_int_equal(r->flow_label, 0xbeef);
	assert_memory_equal(r->src_mac, mac1, 6);
	assert_memory_equal(r->dst_mac, mac2, 6);
	assert_int_equal(r->vlan, 100);
	assert_int_equal(r->direction, 1);
	assert_int_equal(r->end_reason, 3);
	assert_int_equal(r->fwd_status, 0x42);
	assert_int_equal(r->vrf_in, 7);
	assert_int_equal(r->vrf_out, 8);
	assert_int_equal(r->icmp_type, 0x80);
	assert_int_equal(r->icmp_code, 1);
	assert_int_equal(r->flows, 12);
	assert_int_equal(r->src_as, 65001);
	assert_int_equal(r->dst_as, 4200000000u);
	assert_int_equal(r->proto, 58);
	assert_true(r->export_ms == T0);
	assert_true(r->present == (FF_BIT(FF_SRC) | FF_BIT(FF_DST) | FF_BIT(FF_NEXT_HOP) |
		FF_BIT(FF_BGP_NEXT_HOP) | FF_BIT(FF_SRC_MASK) | FF_BIT(FF_DST_MASK) |
		FF_BIT(FF_FLOW_LABEL) | FF_BIT(FF_SRC_MAC) | FF_BIT(FF_DST_MAC) |
		FF_BIT(FF_VLAN) | FF_BIT(FF_DIRECTION) | FF_BIT(FF_END_REASON) |
		FF_BIT(FF_FWD_STATUS) | FF_BIT(FF_VRF_IN) | FF_BIT(FF_VRF_OUT) |
		FF_BIT(FF_ICMP) | FF_BIT(FF_FLOWS) | FF_BIT(FF_SRC_AS) |
		FF_BIT(FF_DST_AS) | FF_BIT(FF_PROTO)));
	assert_int_equal(r->n_extra, 0);
	assert_int_equal(t_err_total(f->d), 0);
	fx_free(f);
}

static void test_post_macs_icmp_split_vlan(void **state)
{
	static const unsigned fl[][2] = {
		{ 81, 6 }, { 57, 6 }, { 243, 2 }, { 178, 1 }, { 179, 1 }, { 8, 4 },
	};
	struct fx *f = fx_new(NULL);
	const struct flow_rec *r;
	size_t s;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	tmpl_set(&f->p, 256, 6, fl);
	s = pb_set_begin(&f->p, 256);
	pb_bytes(&f->p, "\x0a\x0b\x0c\x0d\x0e\x0f", 6);
	pb_bytes(&f->p, "\x1a\x1b\x1c\x1d\x1e\x1f", 6);
	pb_u16(&f->p, 4094);
	pb_u8(&f->p, 135);
	pb_u8(&f->p, 0);
	pb_ip4(&f->p, 192, 0, 2, 9);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_OK);
	r = &f->s->r[0];
	assert_int_equal(r->src_mac[0], 0x0a);
	assert_int_equal(r->dst_mac[5], 0x1f);
	assert_int_equal(r->vlan, 4094);
	assert_int_equal(r->icmp_type, 135);
	assert_true(flow_has(r, FF_ICMP));
	assert_int_equal(r->ip_version, 4);
	fx_free(f);
}

static const unsigned times_fl[][2] = {
	{ 150, 4 }, { 151, 4 }, { 152, 8 }, { 153, 8 },
};

static void test_time_ies(void **state)
{
	static const unsigned ntp_fl[][2] = { { 154, 8 }, { 157, 8 } };
	static const unsigned delta_fl[][2] = { { 158, 4 }, { 159, 4 } };
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS + 10, 0, 1);
	/* seconds, then milliseconds (which come later and win) */
	tmpl_set(&f->p, 256, 2, times_fl);
	tmpl_set(&f->p, 257, 4, times_fl);
	tmpl_set(&f->p, 258, 2, ntp_fl);
	tmpl_set(&f->p, 259, 2, delta_fl);
	s = pb_set_begin(&f->p, 256);
	pb_u32(&f->p, SECS);
	pb_u32(&f->p, SECS + 5);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 257);
	pb_u32(&f->p, 1);
	pb_u32(&f->p, 2);
	pb_u64(&f->p, T0 + 123);
	pb_u64(&f->p, T0 + 456);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 258);
	pb_u32(&f->p, SECS + NTP_OFFSET);
	pb_u32(&f->p, 0x80000000u);	/* half a second */
	pb_u32(&f->p, SECS + NTP_OFFSET + 1);
	pb_u32(&f->p, 0x40000000u);	/* a quarter */
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 259);
	pb_u32(&f->p, 3000000);		/* 3 s before the export time */
	pb_u32(&f->p, 500);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_OK);
	assert_int_equal(f->s->n, 4);
	assert_true(f->s->r[0].time_start_ms == T0);
	assert_true(f->s->r[0].time_end_ms == T0 + 5000);
	assert_true(f->s->r[1].time_start_ms == T0 + 123);
	assert_true(f->s->r[1].time_end_ms == T0 + 456);
	assert_true(f->s->r[2].time_start_ms == T0 + 500);
	assert_true(f->s->r[2].time_end_ms == T0 + 1250);
	assert_true(f->s->r[3].time_start_ms == T0 + 10000 - 3000);
	assert_true(f->s->r[3].time_end_ms == T0 + 10000);
	assert_true(flow_has(&f->s->r[3], FF_TIME_START) && flow_has(&f->s->r[3], FF_TIME_END));
	fx_free(f);
}

static void test_sysuptime_times(void **state)
{
	static const unsigned with_init[][2] = { { 160, 8 }, { 22, 4 }, { 21, 4 } };
	static const unsigned without[][2] = { { 22, 4 }, { 21, 4 } };
	struct fx *f = fx_new(NULL);
	const struct t_extra *x;
	size_t s;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	tmpl_set(&f->p, 256, 3, with_init);
	tmpl_set(&f->p, 257, 2, without);
	s = pb_set_begin(&f->p, 256);
	pb_u64(&f->p, T0 - 1000000);
	pb_u32(&f->p, 999000);
	pb_u32(&f->p, 1000000);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 257);	/* no base known yet: kept raw */
	pb_u32(&f->p, 5);
	pb_u32(&f->p, 6);
	pb_set_end(&f->p, s);
	/* systemInitTimeMilliseconds from options data */
	s = pb_set_begin(&f->p, 3);
	pb_u16(&f->p, 300);
	pb_u16(&f->p, 2);
	pb_u16(&f->p, 1);
	pb_field(&f->p, 149, 4, 0);
	pb_field(&f->p, 160, 8, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 300);
	pb_u32(&f->p, 1);
	pb_u64(&f->p, T0 - 50000);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 257);
	pb_u32(&f->p, 10000);
	pb_u32(&f->p, 20000);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_OK);
	assert_int_equal(f->s->n, 3);
	assert_true(f->s->r[0].time_start_ms == T0 - 1000);
	assert_true(f->s->r[0].time_end_ms == T0);
	assert_false(flow_has(&f->s->r[1], FF_TIME_START));
	assert_int_equal(f->s->r[1].n_extra, 2);
	x = t_extra_find(f->s, 1, 0, 22);
	assert_non_null(x);
	assert_int_equal(x->len, 4);
	assert_memory_equal(x->data, "\0\0\0\x05", 4);
	assert_true(f->s->r[2].time_start_ms == T0 - 40000);
	assert_true(f->s->r[2].time_end_ms == T0 - 30000);
	fx_free(f);
}

static void test_varlen_and_enterprise(void **state)
{
	struct fx *f = fx_new(NULL);
	const struct t_extra *x;
	uint8_t longname[300];
	size_t s;

	(void)state;
	memset(longname, 'x', sizeof(longname));
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	s = pb_set_begin(&f->p, 2);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 5);
	pb_field(&f->p, 8, 4, 0);
	pb_field(&f->p, 82, 65535, 0);		/* interfaceName */
	pb_field(&f->p, 100, 2, 9);		/* Cisco-specific */
	pb_field(&f->p, 1, 8, 29305);		/* reverse octetDeltaCount */
	pb_field(&f->p, 8, 65535, 0);		/* mapped IE, variable: raw */
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 10, 0, 0, 1);
	pb_u8(&f->p, 4);
	pb_bytes(&f->p, "eth0", 4);
	pb_u16(&f->p, 0xabcd);
	pb_u64(&f->p, 77);
	pb_u8(&f->p, 0);			/* empty */
	pb_ip4(&f->p, 10, 0, 0, 2);
	pb_u8(&f->p, 255);			/* long form */
	pb_u16(&f->p, sizeof(longname));
	pb_bytes(&f->p, longname, sizeof(longname));
	pb_u16(&f->p, 0x1234);
	pb_u64(&f->p, 78);
	pb_u8(&f->p, 4);
	pb_ip4(&f->p, 1, 2, 3, 4);
	pb_zero(&f->p, 3);			/* padding */
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_OK);
	assert_int_equal(f->s->n, 2);
	assert_int_equal(f->s->r[0].src.a[3], 1);
	assert_int_equal(f->s->r[0].n_extra, 4);
	x = t_extra_find(f->s, 0, 0, 82);
	assert_non_null(x);
	assert_int_equal(x->len, 4);
	assert_memory_equal(x->data, "eth0", 4);
	x = t_extra_find(f->s, 0, 9, 100);
	assert_non_null(x);
	assert_memory_equal(x->data, "\xab\xcd", 2);
	x = t_extra_find(f->s, 0, 29305, 1);
	assert_non_null(x);
	assert_int_equal(x->len, 8);
	assert_int_equal(x->data[7], 77);
	x = t_extra_find(f->s, 0, 0, 8);
	assert_non_null(x);
	assert_int_equal(x->len, 0);
	assert_false(flow_has(&f->s->r[0], FF_BYTES));
	x = t_extra_find(f->s, 1, 0, 82);
	assert_non_null(x);
	assert_int_equal(x->len, 300);
	assert_int_equal(x->data[299], 'x');
	x = t_extra_find(f->s, 1, 0, 8);
	assert_memory_equal(x->data, "\x01\x02\x03\x04", 4);
	assert_int_equal(f->s->r[1].src.a[3], 2);
	/* a variable-length record running past its set */
	pb_ipfix_hdr(&f->p, SECS, 2, 1);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 10, 0, 0, 3);
	pb_u8(&f->p, 200);
	pb_bytes(&f->p, "short", 5);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 2), FE_RECORD);
	assert_int_equal(f->s->n, 2);
	assert_int_equal(t_err(f->d, FE_RECORD), 1);
	fx_free(f);
}

static void test_reduced_size(void **state)
{
	static const unsigned fl[][2] = {
		{ 1, 4 }, { 2, 2 }, { 10, 2 }, { 6, 2 }, { 16, 2 },
	};
	static const unsigned total[][2] = { { 85, 3 }, { 86, 1 } };
	static const unsigned both[][2] = { { 85, 8 }, { 1, 8 } };
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	tmpl_set(&f->p, 256, 5, fl);
	tmpl_set(&f->p, 257, 2, total);
	tmpl_set(&f->p, 258, 2, both);
	s = pb_set_begin(&f->p, 256);
	pb_u32(&f->p, 3000000000u);
	pb_u16(&f->p, 65000);
	pb_u16(&f->p, 513);
	pb_u16(&f->p, 0x0112);		/* ECE bit beyond the low byte */
	pb_u16(&f->p, 64512);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 257);
	pb_u8(&f->p, 1);
	pb_u16(&f->p, 2);
	pb_u8(&f->p, 9);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 258);
	pb_u64(&f->p, 1000000);
	pb_u64(&f->p, 1500);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_OK);
	assert_int_equal(f->s->n, 3);
	assert_int_equal(f->s->r[0].bytes, 3000000000u);
	assert_int_equal(f->s->r[0].packets, 65000);
	assert_int_equal(f->s->r[0].in_if, 513);
	assert_int_equal(f->s->r[0].tcp_flags, 0x12);
	assert_int_equal(f->s->r[0].src_as, 64512);
	assert_int_equal(f->s->r[1].bytes, 0x10002);
	assert_int_equal(f->s->r[1].packets, 9);
	assert_int_equal(f->s->r[2].bytes, 1500);	/* the delta */
	assert_non_null(t_extra_find(f->s, 2, 0, 85));
	fx_free(f);
}

static void test_withdrawal(void **state)
{
	static const unsigned a[][2] = { { 8, 4 } };
	static const unsigned b[][2] = { { 12, 4 } };
	struct fx *f = fx_new(NULL);
	struct flow_exp_stats st;
	size_t s;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	tmpl_set(&f->p, 256, 1, a);
	tmpl_set(&f->p, 257, 1, b);
	assert_int_equal(fx_send(f, 1), FE_OK);
	/* withdraw 256, then send data for both */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	s = pb_set_begin(&f->p, 2);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 10, 0, 0, 1);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 257);
	pb_ip4(&f->p, 10, 0, 0, 2);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 2), FE_OK);
	assert_int_equal(f->s->n, 1);
	assert_true(flow_has(&f->s->r[0], FF_DST));
	/* withdraw all data templates */
	pb_ipfix_hdr(&f->p, SECS, 1, 1);
	s = pb_set_begin(&f->p, 2);
	pb_u16(&f->p, 2);
	pb_u16(&f->p, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 257);
	pb_ip4(&f->p, 10, 0, 0, 3);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 3), FE_OK);
	assert_int_equal(f->s->n, 1);
	/* all options templates (none here); redefine 256: pending decoded */
	pb_ipfix_hdr(&f->p, SECS, 1, 1);
	s = pb_set_begin(&f->p, 3);
	pb_u16(&f->p, 3);
	pb_u16(&f->p, 0);
	pb_set_end(&f->p, s);
	tmpl_set(&f->p, 256, 1, a);
	assert_int_equal(fx_send(f, 4), FE_OK);
	assert_int_equal(f->s->n, 2);
	assert_int_equal(f->s->r[1].src.a[3], 1);
	st = t_stats(f->d, EXP, FLOW_PROTO_IPFIX, 1);
	assert_int_equal(st.template_withdrawals, 3);
	flow_decoder_flush(f->d);
	assert_int_equal(t_err(f->d, FE_PENDING_EXPIRED), 1);	/* 257's */
	fx_free(f);
}

static void test_options_withdraw_keeps_data(void **state)
{
	static const unsigned a[][2] = { { 8, 4 }, { 302, 2 } };
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	tmpl_set(&f->p, 256, 2, a);
	s = pb_set_begin(&f->p, 3);
	pb_u16(&f->p, 300);
	pb_u16(&f->p, 2);
	pb_u16(&f->p, 1);
	pb_field(&f->p, 302, 2, 0);
	pb_field(&f->p, 34, 4, 0);
	pb_set_end(&f->p, s);
	/* withdraw all options templates: the data template stays */
	s = pb_set_begin(&f->p, 3);
	pb_u16(&f->p, 3);
	pb_u16(&f->p, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 300);	/* now waits */
	pb_u16(&f->p, 1);
	pb_u32(&f->p, 50);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 10, 0, 0, 1);
	pb_u16(&f->p, 1);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_OK);
	assert_int_equal(f->s->n, 1);
	assert_int_equal(f->s->r[0].sampling_rate, 1);
	assert_int_equal(f->s->r[0].sampler_id, 1);
	fx_free(f);
}

/* Options template @id: scope selectorId, then @n (id, len) fields. */
static void opt_tmpl(struct pb *p, unsigned id, unsigned n, const unsigned (*fl)[2])
{
	size_t s = pb_set_begin(p, 3);
	unsigned i;

	pb_u16(p, id);
	pb_u16(p, n + 1);
	pb_u16(p, 1);
	pb_field(p, 302, 4, 0);
	for (i = 0; i < n; i++)
		pb_field(p, fl[i][0], fl[i][1], 0);
	pb_set_end(p, s);
}

static void test_options_sampling(void **state)
{
	static const unsigned count_based[][2] = { { 304, 2 }, { 305, 4 }, { 306, 4 } };
	static const unsigned n_of_n[][2] = {
		{ 304, 2 }, { 305, 4 }, { 309, 4 }, { 310, 4 },
	};
	static const unsigned prob[][2] = { { 304, 1 }, { 311, 8 } };
	static const unsigned data[][2] = { { 8, 4 }, { 302, 4 } };
	struct fx *f = fx_new(NULL);
	double p = 0.001;
	uint64_t pbits;
	size_t s;

	(void)state;
	memcpy(&pbits, &p, 8);
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	opt_tmpl(&f->p, 400, 3, count_based);
	opt_tmpl(&f->p, 401, 4, n_of_n);
	opt_tmpl(&f->p, 402, 2, prob);
	s = pb_set_begin(&f->p, 402);
	pb_u32(&f->p, 10);
	pb_u8(&f->p, 4);	/* uniform probabilistic */
	pb_u64(&f->p, pbits);
	pb_set_end(&f->p, s);
	tmpl_set(&f->p, 256, 2, data);
	s = pb_set_begin(&f->p, 400);
	pb_u32(&f->p, 7);
	pb_u16(&f->p, 1);
	pb_u32(&f->p, 1);
	pb_u32(&f->p, 99);	/* 1 in 100 */
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 401);
	pb_u32(&f->p, 8);
	pb_u16(&f->p, 3);
	pb_u32(&f->p, 1);	/* Cisco puts an interval of 1 here too */
	pb_u32(&f->p, 1);
	pb_u32(&f->p, 256);	/* 1 out of 256 */
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 10, 0, 0, 1);
	pb_u32(&f->p, 7);
	pb_ip4(&f->p, 10, 0, 0, 2);
	pb_u32(&f->p, 8);
	pb_ip4(&f->p, 10, 0, 0, 3);
	pb_u32(&f->p, 9);
	pb_ip4(&f->p, 10, 0, 0, 5);
	pb_u32(&f->p, 10);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_OK);
	assert_int_equal(f->s->n, 4);
	assert_int_equal(f->s->r[0].sampling_rate, 100);
	assert_int_equal(f->s->r[0].sampler_id, 7);
	assert_int_equal(f->s->r[1].sampling_rate, 256);
	assert_int_equal(f->s->r[2].sampling_rate, 1);
	assert_int_equal(f->s->r[3].sampling_rate, 1000);
	/* another domain of the same exporter: its own sampler table */
	pb_ipfix_hdr(&f->p, SECS, 0, 2);
	tmpl_set(&f->p, 256, 2, data);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 10, 0, 0, 4);
	pb_u32(&f->p, 7);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 2), FE_OK);
	assert_int_equal(f->s->r[4].sampling_rate, 1);
	assert_int_equal(t_err_total(f->d), 0);
	fx_free(f);
}

static void test_per_record_sampling(void **state)
{
	static const unsigned fl[][2] = { { 8, 4 }, { 305, 4 }, { 306, 4 } };
	static const unsigned fl2[][2] = { { 8, 4 }, { 50, 4 } };
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	tmpl_set(&f->p, 256, 3, fl);
	tmpl_set(&f->p, 257, 2, fl2);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 10, 0, 0, 1);
	pb_u32(&f->p, 1);
	pb_u32(&f->p, 9);
	pb_ip4(&f->p, 10, 0, 0, 2);
	pb_u32(&f->p, 0);	/* no interval: unsampled */
	pb_u32(&f->p, 9);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 257);
	pb_ip4(&f->p, 10, 0, 0, 3);
	pb_u32(&f->p, 2000);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_OK);
	assert_int_equal(f->s->n, 3);
	assert_int_equal(f->s->r[0].sampling_rate, 10);
	assert_int_equal(f->s->r[1].sampling_rate, 1);
	assert_int_equal(f->s->r[2].sampling_rate, 2000);
	fx_free(f);
}

static void test_domain_isolation(void **state)
{
	static const unsigned a[][2] = { { 8, 4 }, { 7, 2 } };
	static const unsigned b[][2] = { { 7, 2 }, { 8, 4 } };
	struct fx *f = fx_new(NULL);
	size_t s;
	int dom;

	(void)state;
	for (dom = 1; dom <= 2; dom++) {
		pb_ipfix_hdr(&f->p, SECS, 0, (uint32_t)dom);
		tmpl_set(&f->p, 256, 2, dom == 1 ? a : b);
		assert_int_equal(fx_send(f, 1), FE_OK);
	}
	for (dom = 1; dom <= 2; dom++) {
		pb_ipfix_hdr(&f->p, SECS, 0, (uint32_t)dom);
		s = pb_set_begin(&f->p, 256);
		if (dom == 1) {
			pb_ip4(&f->p, 10, 0, 0, 1);
			pb_u16(&f->p, 80);
		} else {
			pb_u16(&f->p, 81);
			pb_ip4(&f->p, 10, 0, 0, 2);
		}
		pb_set_end(&f->p, s);
		assert_int_equal(fx_send(f, 2), FE_OK);
	}
	assert_int_equal(f->s->n, 2);
	assert_int_equal(f->s->r[0].src.a[3], 1);
	assert_int_equal(f->s->r[0].src_port, 80);
	assert_int_equal(f->s->r[0].domain, 1);
	assert_int_equal(f->s->r[1].src.a[3], 2);
	assert_int_equal(f->s->r[1].src_port, 81);
	assert_int_equal(f->s->r[1].domain, 2);
	fx_free(f);
}

/* A message with sequence number @seq carrying @n records of template 256. */
static void seq_msg(struct fx *f, uint32_t seq, unsigned n)
{
	size_t s;
	unsigned i;

	pb_ipfix_hdr(&f->p, SECS, seq, 1);
	s = pb_set_begin(&f->p, 256);
	for (i = 0; i < n; i++)
		pb_ip4(&f->p, 10, 0, 0, (uint8_t)i);
	pb_set_end(&f->p, s);
	fx_send(f, 1);
}

static void test_sequence(void **state)
{
	static const unsigned a[][2] = { { 8, 4 } };
	struct fx *f = fx_new(NULL);
	struct flow_exp_stats st;

	(void)state;
	seq_msg(f, 100, 4);		/* no template yet: count unknown */
	pb_ipfix_hdr(&f->p, SECS, 104, 1);
	tmpl_set(&f->p, 256, 1, a);	/* a template-only message */
	fx_send(f, 1);
	seq_msg(f, 104, 3);
	seq_msg(f, 107, 2);
	st = t_stats(f->d, EXP, FLOW_PROTO_IPFIX, 1);
	assert_int_equal(st.seq_lost, 0);
	assert_int_equal(st.records, 9);
	seq_msg(f, 119, 1);		/* 109..118 lost */
	st = t_stats(f->d, EXP, FLOW_PROTO_IPFIX, 1);
	assert_int_equal(st.seq_lost, 10);
	seq_msg(f, 109, 5);		/* late after all */
	st = t_stats(f->d, EXP, FLOW_PROTO_IPFIX, 1);
	assert_int_equal(st.seq_lost, 5);
	assert_int_equal(st.seq_out_of_order, 1);
	seq_msg(f, 3000000000u, 1);	/* restart */
	seq_msg(f, 3000000001u, 1);
	st = t_stats(f->d, EXP, FLOW_PROTO_IPFIX, 1);
	assert_int_equal(st.seq_restarts, 1);
	assert_int_equal(st.seq_lost, 5);
	fx_free(f);
}

static void test_malformed(void **state)
{
	static const unsigned a[][2] = { { 8, 4 } };
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	/* message length beyond the datagram, and below the header */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	tmpl_set(&f->p, 256, 1, a);
	pb_ipfix_end(&f->p);
	f->p.n -= 2;
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_LENGTH);
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	pb_put16(&f->p, 2, 8);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_LENGTH);
	/* bytes after the message that are no message */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	tmpl_set(&f->p, 256, 1, a);
	pb_ipfix_end(&f->p);
	pb_u32(&f->p, 0xdeadbeef);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_LENGTH);
	assert_int_equal(t_err(f->d, FE_LENGTH), 3);
	/* set length below 4, and past the message */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 3);
	assert_int_equal(fx_send(f, 1), FE_SET_LENGTH);
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 12);
	pb_u32(&f->p, 0);
	assert_int_equal(fx_send(f, 1), FE_SET_LENGTH);
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	pb_u16(&f->p, 256);		/* a set header cut in half */
	assert_int_equal(fx_send(f, 1), FE_SET_LENGTH);
	assert_int_equal(t_err(f->d, FE_SET_LENGTH), 3);
	/* reserved set id */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	s = pb_set_begin(&f->p, 4);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_NO_TEMPLATE);
	/* options template without scope; scope count above field count;
	 * template id below 256; withdrawal of id 100 */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	s = pb_set_begin(&f->p, 3);
	pb_u16(&f->p, 300);
	pb_u16(&f->p, 1);
	pb_u16(&f->p, 0);
	pb_field(&f->p, 34, 4, 0);
	pb_u16(&f->p, 301);
	pb_u16(&f->p, 1);
	pb_u16(&f->p, 2);
	pb_field(&f->p, 34, 4, 0);
	pb_set_end(&f->p, s);
	tmpl_set(&f->p, 100, 1, a);
	s = pb_set_begin(&f->p, 2);
	pb_u16(&f->p, 100);
	pb_u16(&f->p, 0);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_TEMPLATE_BAD);
	assert_int_equal(t_err(f->d, FE_TEMPLATE_BAD), 4);
	/* an enterprise number cut off by the end of the set */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	s = pb_set_begin(&f->p, 2);
	pb_u16(&f->p, 302);
	pb_u16(&f->p, 1);
	pb_u16(&f->p, 0x8000 | 5);
	pb_u16(&f->p, 4);
	pb_u16(&f->p, 0);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_TEMPLATE_BAD);
	assert_int_equal(f->s->n, 0);
	fx_free(f);
}

static void test_padding_and_multiple_messages(void **state)
{
	static const unsigned a[][2] = { { 8, 4 }, { 4, 1 } };
	struct fx *f = fx_new(NULL);
	size_t s, m2;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	s = pb_set_begin(&f->p, 2);
	tmpl_rec(&f->p, 256, 2, a);
	pb_zero(&f->p, 8);		/* zero padding in a template set */
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 10, 0, 0, 1);
	pb_u8(&f->p, 6);
	pb_zero(&f->p, 3);		/* shorter than a record */
	pb_set_end(&f->p, s);
	pb_ipfix_end(&f->p);
	/* a second message in the same datagram (as in IPFIX files) */
	m2 = f->p.n;
	pb_u16(&f->p, 10);
	pb_u16(&f->p, 0);
	pb_u32(&f->p, SECS);
	pb_u32(&f->p, 1);
	pb_u32(&f->p, 1);
	s = pb_set_begin(&f->p, 256);
	pb_ip4(&f->p, 10, 0, 0, 2);
	pb_u8(&f->p, 17);
	pb_set_end(&f->p, s);
	pb_ipfix_end_at(&f->p, m2);
	assert_int_equal(t_feed(f->d, &f->p, EXP, 1), FE_OK);
	assert_int_equal(f->s->n, 2);
	assert_int_equal(f->s->r[1].proto, 17);
	assert_int_equal(t_err_total(f->d), 0);
	assert_int_equal(t_stats(f->d, EXP, FLOW_PROTO_IPFIX, 1).seq_lost, 0);
	fx_free(f);
}

static void test_limits(void **state)
{
	struct flow_decoder_cfg cfg = { .max_fields = 4, .max_templates = 3, .pending_bytes = 1024 };
	struct fx *f = fx_new(&cfg);
	unsigned i, j;
	size_t s;

	(void)state;
	/* a field count far beyond the limit, then a flood of ids */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	s = pb_set_begin(&f->p, 2);
	pb_u16(&f->p, 256);
	pb_u16(&f->p, 1000);
	for (i = 0; i < 1000; i++)
		pb_field(&f->p, 1, 1, 0);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f, 1), FE_TEMPLATE_LIMIT);
	for (j = 0; j < 20; j++) {
		pb_ipfix_hdr(&f->p, SECS, 0, 1);
		s = pb_set_begin(&f->p, 2);
		for (i = 0; i < 500; i++) {
			pb_u16(&f->p, 256 + j * 500 + i);
			pb_u16(&f->p, 1);
			pb_field(&f->p, i % 400, 1 + i % 16, i % 3 ? 0 : 99);
		}
		pb_set_end(&f->p, s);
		fx_send(f, 1);
		/* and data nobody will ever describe */
		pb_ipfix_hdr(&f->p, SECS, 0, 1);
		s = pb_set_begin(&f->p, 60000 + j);
		pb_zero(&f->p, 200);
		pb_set_end(&f->p, s);
		fx_send(f, 1);
	}
	assert_int_equal(t_err(f->d, FE_TEMPLATE_LIMIT), 1 + 20 * 500 - 3);
	assert_true(t_err(f->d, FE_PENDING_LIMIT) >= 15);
	flow_decoder_flush(f->d);
	assert_int_equal(t_err(f->d, FE_PENDING_LIMIT) + t_err(f->d, FE_PENDING_EXPIRED), 20);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_post_macs_icmp_split_vlan),
		cmocka_unit_test(test_time_ies),
		cmocka_unit_test(test_sysuptime_times),
		cmocka_unit_test(test_varlen_and_enterprise),
		cmocka_unit_test(test_reduced_size),
		cmocka_unit_test(test_withdrawal),
		cmocka_unit_test(test_options_withdraw_keeps_data),
		cmocka_unit_test(test_options_sampling),
		cmocka_unit_test(test_per_record_sampling),
		cmocka_unit_test(test_domain_isolation),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_padding_and_multiple_messages),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
