/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_harden.c - regressions from the adversarial review of the flow
 * decoders: each test pins one bug that was found and fixed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "flowtest.h"

#define EXP "192.0.2.9"
#define SECS 1700000000u

/* Send f->p as is (v9) or with its IPFIX length patched. */
static enum flow_err fx_send(struct fx *f)
{
	if (f->p.b[1] == 10)
		pb_ipfix_end(&f->p);
	return t_feed(f->d, &f->p, EXP, SECS * 1000LL);
}

/* ---- template sets full of records that are not templates ------------- */

/* A set of 16k template records "id 0, count 0" (each refused) used to
 * re-scan the rest of the set for padding before every record. The count
 * must be exact and a template after zero padding must still be seen. */
static void test_template_set_zero_records(void **state)
{
	struct fx *f = fx_new(NULL);
	size_t s;
	unsigned n = 0;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	s = pb_set_begin(&f->p, 2);
	while (f->p.n < 65535 - 8) {
		pb_u32(&f->p, 0);
		n++;
	}
	pb_u32(&f->p, 1);	/* id 0, count 1: cut off by the set end */
	pb_set_end(&f->p, s);
	fx_send(f);
	assert_int_equal(t_err(f->d, FE_TEMPLATE_BAD), n + 1);

	/* v9: the same with a real template first and 3 bytes of padding */
	pb_nf9_hdr(&f->p, 0, 1000, SECS, 0, 1);
	s = pb_set_begin(&f->p, 0);
	pb_u16(&f->p, 300);
	pb_u16(&f->p, 1);
	pb_field(&f->p, 1, 4, 0);
	pb_zero(&f->p, 3);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 300);
	pb_u32(&f->p, 1234);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f), FE_OK);
	assert_int_equal(f->s->n, 1);
	assert_int_equal(f->s->r[0].bytes, 1234);
	fx_free(f);
}

/* ---- withdraw-all keeps count of each kind ---------------------------- */

static void ipfix_tmpl(struct pb *p, unsigned set, unsigned id, unsigned ie)
{
	size_t s = pb_set_begin(p, set);

	pb_u16(p, id);
	pb_u16(p, set == 3 ? 2 : 1);
	if (set == 3)
		pb_u16(p, 1);		/* scope count */
	if (set == 3)
		pb_field(p, 149, 4, 0);	/* observationDomainId */
	pb_field(p, ie, 4, 0);
	pb_set_end(p, s);
}

static void ipfix_withdraw_all(struct pb *p, unsigned set)
{
	size_t s = pb_set_begin(p, set);

	pb_u16(p, set);
	pb_u16(p, 0);
	pb_set_end(p, s);
}

/* A data set of one 4-byte record (8 for an options template). */
static void ipfix_data(struct pb *p, unsigned id, uint32_t v, bool opt)
{
	size_t s = pb_set_begin(p, id);

	if (opt)
		pb_u32(p, 1);
	pb_u32(p, v);
	pb_set_end(p, s);
}

/* Withdraw-all of one kind skips the walk when there is none of that
 * kind; the per-kind count must follow redefinitions that change the
 * kind of an id. */
static void test_withdraw_all_kinds(void **state)
{
	struct fx *f = fx_new(NULL);

	(void)state;
	/* 400 is an options template, then redefined as a data template */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	ipfix_tmpl(&f->p, 3, 400, 34);
	ipfix_tmpl(&f->p, 2, 400, 1);
	ipfix_withdraw_all(&f->p, 3);	/* no options left: 400 stays */
	ipfix_data(&f->p, 400, 77, false);
	assert_int_equal(fx_send(f), FE_OK);
	assert_int_equal(f->s->n, 1);
	assert_int_equal(f->s->r[0].bytes, 77);

	/* and back to options: withdraw-all data keeps it, options drops it */
	pb_ipfix_hdr(&f->p, SECS, 1, 1);
	ipfix_tmpl(&f->p, 3, 400, 34);
	ipfix_tmpl(&f->p, 2, 401, 1);
	ipfix_withdraw_all(&f->p, 2);
	ipfix_data(&f->p, 400, 10, true);	/* options: rate 10 */
	ipfix_withdraw_all(&f->p, 3);
	ipfix_tmpl(&f->p, 2, 401, 1);
	ipfix_data(&f->p, 401, 5, false);
	ipfix_data(&f->p, 400, 10, true);	/* no template: pending */
	assert_int_equal(fx_send(f), FE_OK);
	assert_int_equal(f->s->n, 2);
	assert_int_equal(f->s->r[1].bytes, 5);
	assert_int_equal(f->s->r[1].sampling_rate, 10);
	flow_decoder_flush(f->d);
	assert_int_equal(t_err(f->d, FE_PENDING_EXPIRED), 1);
	fx_free(f);
}

/* ---- pending: a cap on the number of sets, nothing kept for empty ones */

static void test_pending_sets_capped(void **state)
{
	struct fx *f = fx_new(NULL);
	unsigned i;

	(void)state;
	/* 1000 sets of one record for an unknown id, 4 KiB in all */
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	for (i = 0; i < 1000; i++)
		ipfix_data(&f->p, 500, i, false);
	fx_send(f);
	/* and 50 empty sets: counted as nothing, not pending */
	pb_ipfix_hdr(&f->p, SECS, 1000, 1);
	for (i = 0; i < 50; i++)
		pb_set_end(&f->p, pb_set_begin(&f->p, 501));
	assert_int_equal(fx_send(f), FE_OK);
	assert_int_equal(t_err(f->d, FE_PENDING_LIMIT), 1000 - 256);

	pb_ipfix_hdr(&f->p, SECS, 1000, 1);
	ipfix_tmpl(&f->p, 2, 500, 1);
	ipfix_tmpl(&f->p, 2, 501, 1);
	fx_send(f);
	assert_int_equal(f->s->n, 256);
	assert_int_equal(f->s->r[0].bytes, 0);
	assert_int_equal(f->s->r[255].bytes, 255);
	flow_decoder_flush(f->d);
	assert_int_equal(t_err(f->d, FE_PENDING_EXPIRED), 0);
	fx_free(f);
}

/* ---- v9 options template refresh compares the scope split -------------- */

/* v9 options template @id: fields (system scope 1, 4) and (34, 4), of
 * which the first @nscope are scope fields. */
static void nf9_opt_tmpl(struct pb *p, unsigned id, unsigned nscope)
{
	size_t s = pb_set_begin(p, 1);

	pb_u16(p, id);
	pb_u16(p, nscope * 4);
	pb_u16(p, (2 - nscope) * 4);
	pb_field(p, 1, 4, 0);
	pb_field(p, 34, 4, 0);
	pb_zero(p, 2);
	pb_set_end(p, s);
}

static void test_nf9_options_scope_change(void **state)
{
	struct fx *f = fx_new(NULL);
	size_t s;

	(void)state;
	/* both fields scope: the interval is a scope value, no rate */
	pb_nf9_hdr(&f->p, 0, 1000, SECS, 0, 1);
	nf9_opt_tmpl(&f->p, 300, 2);
	s = pb_set_begin(&f->p, 300);
	pb_u32(&f->p, 1);
	pb_u32(&f->p, 10);
	pb_set_end(&f->p, s);
	fx_send(f);
	/* the same specifiers with one scope field: now it is a rate */
	pb_nf9_hdr(&f->p, 0, 2000, SECS + 1, 1, 1);
	nf9_opt_tmpl(&f->p, 300, 1);
	s = pb_set_begin(&f->p, 300);
	pb_u32(&f->p, 1);
	pb_u32(&f->p, 10);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 0);
	pb_u16(&f->p, 301);
	pb_u16(&f->p, 1);
	pb_field(&f->p, 1, 4, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 301);
	pb_u32(&f->p, 500);
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f), FE_OK);
	assert_int_equal(f->s->n, 1);
	assert_int_equal(f->s->r[0].sampling_rate, 10);
	fx_free(f);
}

/* ---- a field wider than its record field is never cut silently -------- */

static void test_wide_fields_not_truncated(void **state)
{
	static const unsigned fl[][2] = {
		{ 7, 4 }, { 11, 4 }, { 6, 2 }, { 10, 8 }, { 4, 2 }, { 302, 8 },
		{ 89, 4 },
	};
	struct fx *f = fx_new(NULL);
	const struct t_extra *x;
	size_t s;
	unsigned i, k;

	(void)state;
	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	/* options: selector 2^40 samples 1 in 100 */
	s = pb_set_begin(&f->p, 3);
	pb_u16(&f->p, 600);
	pb_u16(&f->p, 2);
	pb_u16(&f->p, 1);
	pb_field(&f->p, 302, 8, 0);
	pb_field(&f->p, 34, 4, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 600);
	pb_u64(&f->p, UINT64_C(1) << 40);
	pb_u32(&f->p, 100);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 2);
	pb_u16(&f->p, 601);
	pb_u16(&f->p, 7);
	for (i = 0; i < 7; i++)
		pb_field(&f->p, fl[i][0], fl[i][1], 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 601);
	for (k = 0; k < 2; k++) {
		pb_u32(&f->p, k ? 70000 : 80);		/* src port */
		pb_u32(&f->p, k ? 0x10000 : 443);	/* dst port */
		pb_u16(&f->p, 0x0112);			/* NS + SYN/ACK */
		pb_u64(&f->p, k ? (UINT64_C(1) << 32) + 5 : 7);
		pb_u16(&f->p, k ? 0x106 : 6);		/* proto */
		pb_u64(&f->p, k ? UINT64_C(1) << 40 : 9);
		pb_u32(&f->p, k ? 0x100 : 0x40);	/* forwardingStatus */
	}
	pb_set_end(&f->p, s);
	assert_int_equal(fx_send(f), FE_OK);
	assert_int_equal(f->s->n, 2);

	/* values that fit are stored */
	assert_true(flow_has(&f->s->r[0], FF_SRC_PORT));
	assert_int_equal(f->s->r[0].src_port, 80);
	assert_int_equal(f->s->r[0].dst_port, 443);
	assert_int_equal(f->s->r[0].in_if, 7);
	assert_int_equal(f->s->r[0].proto, 6);
	assert_int_equal(f->s->r[0].sampler_id, 9);
	assert_int_equal(f->s->r[0].fwd_status, 0x40);
	assert_int_equal(f->s->r[0].n_extra, 0);
	/* tcpControlBits: the low 8 bits, on purpose */
	assert_int_equal(f->s->r[0].tcp_flags, 0x12);
	assert_int_equal(f->s->r[1].tcp_flags, 0x12);

	/* values that do not fit are absent and kept raw */
	assert_false(flow_has(&f->s->r[1], FF_SRC_PORT));
	assert_false(flow_has(&f->s->r[1], FF_DST_PORT));
	assert_false(flow_has(&f->s->r[1], FF_IN_IF));
	assert_false(flow_has(&f->s->r[1], FF_PROTO));
	assert_false(flow_has(&f->s->r[1], FF_SAMPLER_ID));
	assert_false(flow_has(&f->s->r[1], FF_FWD_STATUS));
	x = t_extra_find(f->s, 1, 0, 7);
	assert_non_null(x);
	assert_int_equal(x->len, 4);
	assert_int_equal(x->data[1], 1);	/* 70000 = 0x00011170 */
	assert_non_null(t_extra_find(f->s, 1, 0, 10));
	assert_non_null(t_extra_find(f->s, 1, 0, 302));
	/* the selector lookup used all 64 bits */
	assert_int_equal(f->s->r[1].sampling_rate, 100);
	assert_int_equal(f->s->r[0].sampling_rate, 1);
	fx_free(f);
}

/* ---- sampling parameters at the ends of their 8-byte range ------------ */

/* One IPFIX options record (scope observationDomainId) with the given
 * 8-byte fields, then one flow; the flow's sampling rate. */
static uint32_t rate_of(const unsigned *ies, const uint64_t *vals, unsigned n)
{
	struct fx *f = fx_new(NULL);
	uint32_t rate;
	size_t s;
	unsigned i;

	pb_ipfix_hdr(&f->p, SECS, 0, 1);
	s = pb_set_begin(&f->p, 3);
	pb_u16(&f->p, 700);
	pb_u16(&f->p, 1 + n);
	pb_u16(&f->p, 1);
	pb_field(&f->p, 149, 4, 0);
	for (i = 0; i < n; i++)
		pb_field(&f->p, ies[i], 8, 0);
	pb_set_end(&f->p, s);
	s = pb_set_begin(&f->p, 700);
	pb_u32(&f->p, 1);
	for (i = 0; i < n; i++)
		pb_u64(&f->p, vals[i]);
	pb_set_end(&f->p, s);
	ipfix_tmpl(&f->p, 2, 701, 1);
	ipfix_data(&f->p, 701, 1, false);
	assert_int_equal(fx_send(f), FE_OK);
	assert_int_equal(f->s->n, 1);
	rate = f->s->r[0].sampling_rate;
	fx_free(f);
	return rate;
}

static void test_sampling_extremes(void **state)
{
	static const unsigned spi_sps[] = { 305, 306 }, n_of_n[] = { 309, 310 };
	const uint64_t big = UINT64_MAX;

	(void)state;
	/* 1 of every 2^64: as rare as a rate can say */
	assert_int_equal(rate_of(spi_sps, (const uint64_t[]){ 1, big }, 2), UINT32_MAX);
	assert_int_equal(rate_of(spi_sps, (const uint64_t[]){ big, big }, 2), 2);
	assert_int_equal(rate_of(spi_sps, (const uint64_t[]){ 3, 7 }, 2), 3);	/* 10/3 */
	assert_int_equal(rate_of(n_of_n, (const uint64_t[]){ 2, big }, 2), UINT32_MAX);
	assert_int_equal(rate_of(n_of_n, (const uint64_t[]){ big / 4, big }, 2), 4);
	assert_int_equal(rate_of(n_of_n, (const uint64_t[]){ 2, 5 }, 2), 3);	/* 2.5 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_set_zero_records),
		cmocka_unit_test(test_withdraw_all_kinds),
		cmocka_unit_test(test_pending_sets_capped),
		cmocka_unit_test(test_nf9_options_scope_change),
		cmocka_unit_test(test_wide_fields_not_truncated),
		cmocka_unit_test(test_sampling_extremes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
