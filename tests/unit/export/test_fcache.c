/* SPDX-License-Identifier: BSD-2-Clause */
/* test_fcache.c - the exporter's flow cache: counters, timeouts, FIN/RST, eviction */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "export/fcache.h"

#define MAX_OUT 20000

struct out {
	struct fc_flow f[MAX_OUT];
	enum fc_end why[MAX_OUT];
	size_t n;
	uint64_t packets, bytes;
};

static void sink(void *arg, const struct fc_flow *f, enum fc_end why)
{
	struct out *o = arg;

	o->packets += f->packets;
	o->bytes += f->bytes;
	if (o->n < MAX_OUT) {
		o->f[o->n] = *f;
		o->why[o->n++] = why;
	}
}

static struct pkt_meta tcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
			   uint8_t flags, uint16_t len)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.depth = PKT_L4;
	m.ip_version = 4;
	ip_addr_set4u(&m.src, src);
	ip_addr_set4u(&m.dst, dst);
	m.proto = IPPROTO_NUM_TCP;
	m.src_port = sport;
	m.dst_port = dport;
	m.tcp_flags = flags;
	m.ip_total_len = len;
	return m;
}

static struct out *out_new(void)
{
	struct out *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	return o;
}

static void init(struct fcache *c, struct out *o, uint32_t max)
{
	struct fc_cfg cfg = { .max_flows = max, .idle_ms = 15000, .active_ms = 60000,
			      .hash_key = { 1, 2, 3 } };

	assert_int_equal(fc_init(c, &cfg, sink, o), 0);
}

static void test_counts(void **state)
{
	struct fcache c;
	struct out *o = out_new();
	struct pkt_meta a = tcp(0x0a000001, 0x0a000002, 1000, 80, 0x02, 60);
	struct pkt_meta b = tcp(0x0a000002, 0x0a000001, 80, 1000, 0x12, 1500);

	(void)state;
	init(&c, o, 16);
	fc_add(&c, &a, 3, FC_DIR_IN, 1000);
	a.tcp_flags = 0x10;
	fc_add(&c, &a, 3, FC_DIR_IN, 1500);
	fc_add(&c, &b, 3, FC_DIR_OUT, 1200);
	fc_add(&c, &a, 3, FC_DIR_IN, 2000);
	assert_int_equal(c.st.active, 2);
	assert_int_equal(o->n, 0);
	fc_flush(&c, FC_END_FORCED);
	assert_int_equal(o->n, 2);
	assert_int_equal(o->f[0].packets, 3);
	assert_int_equal(o->f[0].bytes, 180);
	assert_int_equal(o->f[0].first_ms, 1000);
	assert_int_equal(o->f[0].last_ms, 2000);
	assert_int_equal(o->f[0].tcp_flags, 0x12);
	assert_int_equal(o->f[0].k.sport, 1000);
	assert_int_equal(o->f[0].k.ifindex, 3);
	assert_int_equal(o->f[1].packets, 1);
	assert_int_equal(o->f[1].bytes, 1500);
	assert_int_equal(o->f[1].k.dir, FC_DIR_OUT);
	assert_int_equal(o->why[0], FC_END_FORCED);
	assert_int_equal(c.st.active, 0);
	assert_int_equal(c.st.expired[FC_END_FORCED], 2);
	fc_free(&c);
	free(o);
}

static void test_idle_active(void **state)
{
	struct fcache c;
	struct out *o = out_new();
	struct pkt_meta a = tcp(1, 2, 3, 4, 0x10, 100);
	struct pkt_meta b = tcp(5, 6, 7, 8, 0x10, 100);
	int64_t t;

	(void)state;
	init(&c, o, 16);
	fc_add(&c, &a, 0, 0, 0);
	fc_expire(&c, 14999);
	assert_int_equal(o->n, 0);
	fc_expire(&c, 15000);
	assert_int_equal(o->n, 1);
	assert_int_equal(o->why[0], FC_END_IDLE);
	/* a packet every second: never idle, exported at 60 s, then anew */
	for (t = 100000; t <= 100000 + 70000; t += 1000) {
		fc_add(&c, &b, 0, 0, t);
		fc_expire(&c, t);
	}
	assert_int_equal(o->n, 2);
	assert_int_equal(o->why[1], FC_END_ACTIVE);
	assert_int_equal(o->f[1].packets, 60);
	assert_int_equal(o->f[1].first_ms, 100000);
	fc_flush(&c, FC_END_FORCED);
	assert_int_equal(o->f[2].packets, 11);
	assert_int_equal(o->packets, 72);
	fc_free(&c);
	free(o);
}

/* Results do not depend on how often fc_expire runs. */
static void test_late_packet(void **state)
{
	struct fcache c;
	struct out *o = out_new();
	struct pkt_meta a = tcp(1, 2, 3, 4, 0x10, 100);

	(void)state;
	init(&c, o, 16);
	fc_add(&c, &a, 0, 0, 0);
	fc_add(&c, &a, 0, 0, 20000);
	assert_int_equal(o->n, 1);
	assert_int_equal(o->why[0], FC_END_IDLE);
	assert_int_equal(o->f[0].packets, 1);
	assert_int_equal(c.st.active, 1);
	fc_free(&c);
	free(o);
}

static void test_fin_rst(void **state)
{
	struct fcache c;
	struct out *o = out_new();
	struct pkt_meta a = tcp(1, 2, 3, 4, 0x18, 100);

	(void)state;
	init(&c, o, 16);
	fc_add(&c, &a, 0, 0, 0);
	a.tcp_flags = 0x11;	/* FIN ACK */
	fc_add(&c, &a, 0, 0, 10);
	assert_int_equal(o->n, 1);
	assert_int_equal(o->why[0], FC_END_FIN);
	assert_int_equal(o->f[0].packets, 2);
	assert_int_equal(o->f[0].tcp_flags, 0x19);
	a.tcp_flags = 0x04;	/* RST alone: a one-packet flow */
	fc_add(&c, &a, 0, 0, 20);
	assert_int_equal(o->n, 2);
	assert_int_equal(o->why[1], FC_END_FIN);
	assert_int_equal(o->f[1].packets, 1);
	assert_int_equal(c.st.active, 0);
	/* UDP with the same bits in a non-TCP packet does not end anything */
	a.proto = IPPROTO_NUM_UDP;
	fc_add(&c, &a, 0, 0, 30);
	assert_int_equal(c.st.active, 1);
	fc_free(&c);
	free(o);
}

static void test_evict(void **state)
{
	struct fcache c;
	struct out *o = out_new();
	struct pkt_meta m[6];
	int i;

	(void)state;
	init(&c, o, 4);
	for (i = 0; i < 6; i++)
		m[i] = tcp(100 + (uint32_t)i, 2, 3, 4, 0x10, 100);
	for (i = 0; i < 4; i++)
		fc_add(&c, &m[i], 0, 0, i);
	fc_add(&c, &m[0], 0, 0, 10);	/* flow 0 is now the most recent */
	fc_add(&c, &m[4], 0, 0, 11);	/* evicts flow 1, the least recent */
	assert_int_equal(o->n, 1);
	assert_int_equal(o->why[0], FC_END_EVICTED);
	assert_memory_equal(o->f[0].k.src, m[1].src.a, 4);
	fc_add(&c, &m[5], 0, 0, 12);	/* evicts flow 2 */
	assert_memory_equal(o->f[1].k.src, m[2].src.a, 4);
	assert_int_equal(c.st.expired[FC_END_EVICTED], 2);
	assert_int_equal(c.st.active, 4);
	fc_flush(&c, FC_END_FORCED);
	assert_int_equal(o->packets, 7);
	fc_free(&c);
	free(o);
}

/* Many flows through a small table: deletion keeps every flow findable. */
static void test_churn(void **state)
{
	struct fcache c;
	struct out *o = out_new();
	uint64_t sent = 0, bytes = 0;
	unsigned seed = 7;
	int64_t t = 0;
	int i;

	(void)state;
	init(&c, o, 512);
	for (i = 0; i < 200000; i++) {
		uint32_t f = (uint32_t)rand_r(&seed) % 1500;
		struct pkt_meta m = tcp(f, f * 7, (uint16_t)f, 80,
					(rand_r(&seed) % 50) ? 0x10 : 0x01,
					(uint16_t)(40 + f % 1000));

		t += rand_r(&seed) % 50;
		fc_add(&c, &m, f % 3, 0, t);
		sent++;
		bytes += m.ip_total_len;
		if (i % 1000 == 0)
			fc_expire(&c, t);
		assert_true(c.st.active <= 512);
	}
	/* every cached flow is still found: adding a packet to it creates nothing */
	fc_flush(&c, FC_END_FORCED);
	assert_int_equal(c.st.active, 0);
	assert_int_equal(o->packets, sent);
	assert_int_equal(o->bytes, bytes);
	assert_true(c.st.expired[FC_END_EVICTED] > 0);
	assert_true(c.st.expired[FC_END_FIN] > 0);
	fc_free(&c);
	free(o);
}

/* A flow stays one flow across lookups after neighbours left the table. */
static void test_find_after_delete(void **state)
{
	struct fcache c;
	struct out *o = out_new();
	struct pkt_meta m;
	uint32_t i;

	(void)state;
	init(&c, o, 64);
	for (i = 0; i < 64; i++) {
		m = tcp(i, 0, 1, 1, 0x10, 1);
		fc_add(&c, &m, 0, 0, 0);
	}
	for (i = 0; i < 64; i += 2) {	/* end every other flow */
		m = tcp(i, 0, 1, 1, 0x04, 1);
		fc_add(&c, &m, 0, 0, 1);
	}
	assert_int_equal(c.st.active, 32);
	for (i = 1; i < 64; i += 2) {
		m = tcp(i, 0, 1, 1, 0x10, 1);
		fc_add(&c, &m, 0, 0, 2);
	}
	assert_int_equal(c.st.active, 32);
	assert_int_equal(c.st.created, 64);
	fc_free(&c);
	free(o);
}

static void test_key(void **state)
{
	struct pkt_meta m;
	struct fc_key k;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.depth = PKT_L4;
	m.ip_version = 6;
	m.proto = IPPROTO_NUM_ICMPV6;
	m.icmp_type = 128;
	m.icmp_code = 0;
	m.src_port = 77;	/* the echo id, not part of the key */
	m.has_vlan = true;
	m.vlan = 42;
	fc_key_from_pkt(&k, &m, 9, FC_DIR_OUT);
	assert_int_equal(k.sport, 0);
	assert_int_equal(k.dport, 128 << 8);
	assert_int_equal(k.vlan, 42);
	assert_int_equal(k.ifindex, 9);
	assert_int_equal(k.dir, FC_DIR_OUT);
	m.depth = PKT_L3;	/* a later fragment: no ports */
	m.proto = IPPROTO_NUM_UDP;
	m.src_port = 5;
	fc_key_from_pkt(&k, &m, 9, FC_DIR_OUT);
	assert_int_equal(k.sport, 0);
	assert_int_equal(k.dport, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_idle_active),
		cmocka_unit_test(test_late_packet),
		cmocka_unit_test(test_fin_rst),
		cmocka_unit_test(test_evict),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_find_after_delete),
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
