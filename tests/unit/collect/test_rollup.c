/* SPDX-License-Identifier: BSD-2-Clause */
/* test_rollup.c - rollup arithmetic: sums, scaling, top-N + other, overflow */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/rollup.h"

struct row {
	int64_t minute;
	int dim;
	char exp[IP_ADDR_STRLEN];
	char key[64];
	struct rollup_val v;
};

struct rows {
	struct row r[4096];
	size_t n;
};

static int collect_row(void *arg, int64_t minute_s, enum rollup_dim dim,
		       const struct ip_addr *exporter, const char *key,
		       const struct rollup_val *v)
{
	struct rows *rs = arg;
	struct row *r = &rs->r[rs->n++];

	r->minute = minute_s;
	r->dim = dim;
	ip_addr_fmt(exporter, r->exp);
	snprintf(r->key, sizeof(r->key), "%s", key);
	r->v = *v;
	return 0;
}

static struct flow_rec mk(const char *exp, const char *src, const char *dst,
			  uint16_t dport, uint64_t bytes, uint64_t pkts, uint32_t rate,
			  int64_t recv_ms)
{
	struct flow_rec r;

	memset(&r, 0, sizeof(r));
	r.type = FLOW_REC_FLOW;
	ip_addr_parse(exp, &r.exporter);
	ip_addr_parse(src, &r.src);
	ip_addr_parse(dst, &r.dst);
	r.proto = 6;
	r.dst_port = dport;
	r.src_port = 1000;
	r.bytes = bytes;
	r.packets = pkts;
	r.sampling_rate = rate;
	r.recv_ms = recv_ms;
	r.present = FF_BIT(FF_SRC) | FF_BIT(FF_DST) | FF_BIT(FF_PROTO) |
		    FF_BIT(FF_SRC_PORT) | FF_BIT(FF_DST_PORT);
	return r;
}

static const struct row *find(const struct rows *rs, int dim, int64_t minute,
			      const char *exp, const char *key)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].dim == dim && rs->r[i].minute == minute &&
		    !strcmp(rs->r[i].exp, exp) && !strcmp(rs->r[i].key, key))
			return &rs->r[i];
	return NULL;
}

static void totals(const struct rows *rs, int dim, struct rollup_val *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < rs->n; i++)
		if (rs->r[i].dim == dim) {
			t->bytes += rs->r[i].v.bytes;
			t->packets += rs->r[i].v.packets;
			t->flows += rs->r[i].v.flows;
			t->bytes_unscaled += rs->r[i].v.bytes_unscaled;
		}
}

static void test_sums_and_scaling(void **state)
{
	static struct rows rs;
	struct rollup *ru = rollup_new(1000);
	struct flow_rec r;
	const struct row *x;
	struct rollup_val t;
	int d;

	(void)state;
	rs.n = 0;
	r = mk("192.0.2.1", "10.0.0.1", "203.0.113.7", 443, 100, 2, 10, 120000);
	rollup_add(ru, &r);
	r = mk("192.0.2.1", "10.0.0.2", "203.0.113.7", 443, 50, 1, 1, 150000);
	rollup_add(ru, &r);
	r = mk("192.0.2.1", "10.0.0.2", "203.0.113.7", 443, 70, 1, 1, 180000);	/* next minute */
	rollup_add(ru, &r);
	r = mk("192.0.2.2", "10.0.0.2", "203.0.113.7", 80, 5, 1, 1, 150000);
	r.flows = 4;
	r.present |= FF_BIT(FF_FLOWS);
	rollup_add(ru, &r);
	assert_int_equal(rollup_records(ru), 4);
	assert_int_equal(rollup_emit(ru, 0, collect_row, &rs), 0);
	x = find(&rs, RU_DST, 120, "192.0.2.1", "203.0.113.7");
	assert_non_null(x);
	assert_int_equal(x->v.bytes, 1000 + 50);	/* 100 x 10 + 50 */
	assert_int_equal(x->v.packets, 20 + 1);
	assert_int_equal(x->v.flows, 2);
	assert_int_equal(x->v.bytes_unscaled, 150);
	assert_int_equal(x->v.packets_unscaled, 3);
	x = find(&rs, RU_DST, 180, "192.0.2.1", "203.0.113.7");
	assert_non_null(x);
	assert_int_equal(x->v.bytes, 70);
	x = find(&rs, RU_DSTPORT, 120, "192.0.2.2", "80");
	assert_non_null(x);
	assert_int_equal(x->v.flows, 4);
	assert_non_null(find(&rs, RU_DSTNET, 120, "192.0.2.1", "203.0.113.0/24"));
	assert_non_null(find(&rs, RU_PROTO, 120, "192.0.2.1", "6"));
	assert_non_null(find(&rs, RU_IFIN, 120, "192.0.2.1", "0"));
	assert_non_null(find(&rs, RU_SRCAS, 180, "192.0.2.1", "0"));
	/* every dimension carries the same totals */
	for (d = 0; d < RU__COUNT; d++) {
		totals(&rs, d, &t);
		assert_int_equal(t.bytes, 1000 + 50 + 70 + 5);
		assert_int_equal(t.bytes_unscaled, 100 + 50 + 70 + 5);
		assert_int_equal(t.flows, 1 + 1 + 1 + 4);
	}
	rollup_reset(ru);
	rs.n = 0;
	assert_int_equal(rollup_emit(ru, 0, collect_row, &rs), 0);
	assert_int_equal(rs.n, 0);
	rollup_free(ru);
}

static void test_top_and_other(void **state)
{
	static struct rows rs;
	struct rollup *ru = rollup_new(1000);
	struct rollup_val t;
	char src[32];
	const struct row *o;
	int i;

	(void)state;
	rs.n = 0;
	for (i = 0; i < 100; i++) {
		struct flow_rec r;

		snprintf(src, sizeof(src), "10.0.%d.%d", i / 200, 1 + i % 200);
		r = mk("192.0.2.1", src, "203.0.113.7", 443, (uint64_t)(i + 1) * 10, 1, 1, 60000);
		rollup_add(ru, &r);
	}
	assert_int_equal(rollup_emit(ru, 5, collect_row, &rs), 0);
	/* the 5 biggest sources by themselves, the 95 others in one row */
	assert_non_null(find(&rs, RU_SRC, 60, "192.0.2.1", "10.0.0.100"));
	assert_non_null(find(&rs, RU_SRC, 60, "192.0.2.1", "10.0.0.96"));
	assert_null(find(&rs, RU_SRC, 60, "192.0.2.1", "10.0.0.95"));
	o = find(&rs, RU_SRC, 60, "192.0.2.1", "other");
	assert_non_null(o);
	assert_int_equal(o->v.bytes, 10 * (95 * 96 / 2));
	assert_int_equal(o->v.flows, 95);
	totals(&rs, RU_SRC, &t);
	assert_int_equal(t.bytes, 10 * (100 * 101 / 2));
	assert_int_equal(t.flows, 100);
	rollup_free(ru);
}

static void test_overflow(void **state)
{
	static struct rows rs;
	struct rollup *ru = rollup_new(64);	/* tiny: keys run out */
	struct rollup_val t;
	char src[32];
	int i, d;

	(void)state;
	rs.n = 0;
	for (i = 0; i < 500; i++) {
		struct flow_rec r;

		snprintf(src, sizeof(src), "10.1.%d.%d", i / 200, 1 + i % 200);
		r = mk("192.0.2.1", src, "203.0.113.7", 443, 1, 1, 1, 60000);
		rollup_add(ru, &r);
	}
	assert_true(rollup_overflow(ru) > 0);
	assert_int_equal(rollup_emit(ru, 0, collect_row, &rs), 0);
	for (d = 0; d < RU__COUNT; d++) {
		totals(&rs, d, &t);
		assert_int_equal(t.bytes, 500);
		assert_int_equal(t.flows, 500);
	}
	rollup_free(ru);
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->dim != y->dim)
		return x->dim - y->dim;
	if (x->minute != y->minute)
		return x->minute < y->minute ? -1 : 1;
	if ((c = strcmp(x->exp, y->exp)))
		return c;
	return strcmp(x->key, y->key);
}

/* rollup_add_many (lookups overlapped, tables growing, keys running out)
 * gives exactly the rows of rollup_add one record at a time. */
static void test_many_same(void **state)
{
	static struct rows a, b;
	uint32_t maxk[] = { 64, 100000 };
	size_t k, i;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct rollup *r1 = rollup_new(maxk[k]), *r2 = rollup_new(maxk[k]);
		static struct flow_rec recs[3000];
		char src[32], exp[32];

		a.n = b.n = 0;
		for (i = 0; i < 3000; i++) {
			snprintf(src, sizeof(src), "10.2.%zu.%zu", (i * 7) % 40, 1 + i % 150);
			snprintf(exp, sizeof(exp), "192.0.2.%zu", 1 + (i / 10) % 3);
			recs[i] = mk(exp, src, "203.0.113.7", (uint16_t)(i % 5 ? 443 : 53),
				     1 + i % 1000, 1 + i % 7, 1 + (uint32_t)(i % 3),
				     60000 + (int64_t)i * 50);
		}
		for (i = 0; i < 3000; i++)
			rollup_add(r1, &recs[i]);
		rollup_add_many(r2, recs, 1000);
		rollup_add_many(r2, recs + 1000, 2000);
		assert_int_equal(rollup_records(r1), rollup_records(r2));
		assert_int_equal(rollup_overflow(r1), rollup_overflow(r2));
		assert_int_equal(rollup_emit(r1, 10, collect_row, &a), 0);
		assert_int_equal(rollup_emit(r2, 10, collect_row, &b), 0);
		assert_int_equal(a.n, b.n);
		qsort(a.r, a.n, sizeof(a.r[0]), row_cmp);
		qsort(b.r, b.n, sizeof(b.r[0]), row_cmp);
		for (i = 0; i < a.n; i++) {
			assert_int_equal(row_cmp(&a.r[i], &b.r[i]), 0);
			assert_memory_equal(&a.r[i].v, &b.r[i].v, sizeof(a.r[i].v));
		}
		rollup_free(r1);
		rollup_free(r2);
	}
}

static void test_dims(void **state)
{
	(void)state;
	assert_string_equal(rollup_dim_name(RU_SRCPORT), "srcport");
	assert_int_equal(rollup_dim_parse("dstas"), RU_DSTAS);
	assert_int_equal(rollup_dim_parse("bogus"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_and_scaling),
		cmocka_unit_test(test_top_and_other),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_many_same),
		cmocka_unit_test(test_dims),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
