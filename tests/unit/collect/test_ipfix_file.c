/* SPDX-License-Identifier: BSD-2-Clause */
/* test_ipfix_file.c - zstd IPFIX raw files: round trip, torn blocks, plain IPFIX */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "flow/ipfix_file.h"

#define N 5000

static struct flow_rec mk(int i)
{
	struct flow_rec r;

	memset(&r, 0, sizeof(r));
	r.type = FLOW_REC_FLOW;
	r.proto_version = (uint8_t)((i % 4 == 0) ? FLOW_PROTO_SFLOW5 : FLOW_PROTO_IPFIX);
	r.recv_ms = 1700000000000 + i;
	r.export_ms = 1700000000000 + i - 5;
	r.domain = (uint32_t)i % 3;
	r.sampling_rate = 1 + (uint32_t)i % 5;
	if (i % 3 == 0) {
		uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				  (uint8_t)(i >> 8), (uint8_t)i };
		ip_addr_set6(&r.src, a);
		a[5] = 1;
		ip_addr_set6(&r.dst, a);
		ip_addr_set4u(&r.next_hop, 0x0a000001);	/* v4 next hop of a v6 flow */
		r.ip_version = 6;
		r.flow_label = 0x12345;
		r.present |= FF_BIT(FF_FLOW_LABEL);
	} else {
		ip_addr_set4u(&r.src, 0x0a000000u + (uint32_t)i);
		ip_addr_set4u(&r.dst, 0xcb007100u + (uint32_t)(i % 256));
		ip_addr_set4u(&r.next_hop, 0xc0000201);
		r.ip_version = 4;
	}
	if (i % 5 == 0) {
		uint8_t e[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
		ip_addr_set6(&r.exporter, e);
	} else {
		ip_addr_set4u(&r.exporter, 0xc0000200u + (uint32_t)(i % 7));
	}
	r.time_start_ms = r.recv_ms - 1000;
	r.time_end_ms = r.recv_ms - 10;
	r.src_port = (uint16_t)(1024 + i);
	r.dst_port = 443;
	r.proto = i % 2 ? 6 : 17;
	r.tcp_flags = 0x1b;
	r.tos = 0xb8;
	r.in_if = 3;
	r.out_if = (uint32_t)i;
	r.bytes = (uint64_t)i * 1000 + 1;
	r.packets = (uint64_t)i + 1;
	r.src_as = 64500;
	r.dst_as = 4200000000u;
	r.vlan = 42;
	r.src_mask = 24;
	r.dst_mask = 16;
	r.src_mac[0] = 0x02;
	r.src_mac[5] = (uint8_t)i;
	r.seq = (uint32_t)i;
	r.present |= FF_BIT(FF_TIME_START) | FF_BIT(FF_TIME_END) | FF_BIT(FF_SRC) |
		     FF_BIT(FF_DST) | FF_BIT(FF_SRC_PORT) | FF_BIT(FF_DST_PORT) |
		     FF_BIT(FF_PROTO) | FF_BIT(FF_TCP_FLAGS) | FF_BIT(FF_TOS) |
		     FF_BIT(FF_IN_IF) | FF_BIT(FF_OUT_IF) | FF_BIT(FF_BYTES) |
		     FF_BIT(FF_PACKETS) | FF_BIT(FF_SRC_AS) | FF_BIT(FF_DST_AS) |
		     FF_BIT(FF_NEXT_HOP) | FF_BIT(FF_VLAN) | FF_BIT(FF_SRC_MASK) |
		     FF_BIT(FF_DST_MASK) | FF_BIT(FF_SRC_MAC) | FF_BIT(FF_SEQ);
	if (i % 7 == 0)		/* a record without ports: absent stays absent */
		r.present &= ~(FF_BIT(FF_SRC_PORT) | FF_BIT(FF_DST_PORT));
	if (i % 4 == 1) {	/* only common fields: a compact template */
		r.present &= ~(FF_BIT(FF_VLAN) | FF_BIT(FF_SRC_MAC) | FF_BIT(FF_SEQ) |
			       FF_BIT(FF_FLOW_LABEL));
		memset(r.src_mac, 0, sizeof(r.src_mac));
		r.vlan = 0;
		r.seq = 0;
		r.flow_label = 0;
		if (i % 8 == 5)	/* too big for the compact counters */
			r.bytes = 5000000000ull + (uint64_t)i;
	}
	return r;
}

struct check {
	int next;
	int stop_at;
};

static void same(const struct flow_rec *a, const struct flow_rec *b)
{
	assert_true(a->present == b->present);
	assert_int_equal(a->proto_version, b->proto_version);
	assert_int_equal(a->ip_version, b->ip_version);
	assert_true(ip_addr_eq(&a->exporter, &b->exporter));
	assert_true(ip_addr_eq(&a->src, &b->src));
	assert_true(ip_addr_eq(&a->dst, &b->dst));
	assert_true(ip_addr_eq(&a->next_hop, &b->next_hop));
	assert_true(a->recv_ms == b->recv_ms);
	assert_true(a->export_ms == b->export_ms);
	assert_true(a->time_start_ms == b->time_start_ms);
	assert_true(a->time_end_ms == b->time_end_ms);
	assert_int_equal(a->domain, b->domain);
	assert_int_equal(a->src_port, b->src_port);
	assert_int_equal(a->dst_port, b->dst_port);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->tcp_flags, b->tcp_flags);
	assert_int_equal(a->tos, b->tos);
	assert_int_equal(a->in_if, b->in_if);
	assert_int_equal(a->out_if, b->out_if);
	assert_true(a->bytes == b->bytes);
	assert_true(a->packets == b->packets);
	assert_int_equal(a->sampling_rate, b->sampling_rate);
	assert_int_equal(a->src_as, b->src_as);
	assert_int_equal(a->dst_as, b->dst_as);
	assert_int_equal(a->vlan, b->vlan);
	assert_int_equal(a->src_mask, b->src_mask);
	assert_int_equal(a->dst_mask, b->dst_mask);
	assert_int_equal(a->flow_label, b->flow_label);
	assert_memory_equal(a->src_mac, b->src_mac, 6);
	assert_int_equal(a->seq, b->seq);
}

static int on_rec(void *arg, const struct flow_rec *r)
{
	struct check *c = arg;
	struct flow_rec want = mk(c->next++);

	same(&want, r);
	return c->stop_at && c->next == c->stop_at;
}

/* Write N records in blocks of about @block bytes. */
static uint8_t *write_file(size_t block, size_t *len, size_t *nblocks)
{
	struct ipfix_fw *w = ipfix_fw_new(block, 1);
	uint8_t *buf = NULL;
	const uint8_t *out;
	size_t n, cap = 0;
	int i;

	assert_non_null(w);
	*len = 0;
	*nblocks = 0;
	for (i = 0; i < N; i++) {
		struct flow_rec r = mk(i);

		if (ipfix_fw_add(w, &r) || i == N - 1) {
			assert_int_equal(ipfix_fw_finish(w, 0, &out, &n), 0);
			buf = realloc(buf, cap += n);
			memcpy(buf + *len, out, n);
			*len += n;
			(*nblocks)++;
		}
	}
	ipfix_fw_free(w);
	return buf;
}

static void test_round_trip(void **state)
{
	struct ipfix_read_stats st;
	struct check c = { 0, 0 };
	size_t len, nb;
	uint8_t *buf = write_file(64 * 1024, &len, &nb);

	(void)state;
	assert_true(nb > 5);
	assert_int_equal(ipfix_file_read_buf(buf, len, on_rec, &c, &st), 0);
	assert_int_equal(c.next, N);
	assert_int_equal(st.records, N);
	assert_int_equal(st.blocks, nb);
	assert_int_equal(st.torn_blocks, 0);
	assert_int_equal(st.bad_messages, 0);
	/* the callback can stop the read */
	c.next = 0;
	c.stop_at = 10;
	assert_int_equal(ipfix_file_read_buf(buf, len, on_rec, &c, &st), 0);
	assert_int_equal(c.next, 10);
	free(buf);
}

static void test_torn(void **state)
{
	struct ipfix_read_stats st, full;
	struct check c = { 0, 0 };
	size_t len, nb, cut;
	uint8_t *buf = write_file(64 * 1024, &len, &nb);

	(void)state;
	assert_int_equal(ipfix_file_read_buf(buf, len, NULL, NULL, &full), 0);
	/* every truncation point: whole blocks read, the torn one skipped */
	for (cut = 1; cut < len; cut += 997) {
		c.next = 0;
		assert_int_equal(ipfix_file_read_buf(buf, cut, on_rec, &c, &st) < 0 && cut >= 4, 0);
		assert_true(st.records <= full.records);
		assert_true(st.torn_blocks <= 1);
	}
	/* a flipped byte in the middle: that block fails its checksum, the rest reads */
	buf[len / 2] ^= 0x55;
	c.next = 0;
	assert_int_equal(ipfix_file_read_buf(buf, len, NULL, NULL, &st), 0);
	assert_int_equal(st.torn_blocks, 1);
	assert_true(st.records < full.records && st.records > full.records / 2);
	free(buf);
}

static void test_plain_ipfix(void **state)
{
	struct ipfix_read_stats st;
	struct check c = { 0, 0 };
	size_t len, nb, plen;
	uint8_t *buf = write_file(IPFIX_FILE_BLOCK_DEFAULT, &len, &nb);
	uint8_t *plain;

	(void)state;
	assert_int_equal(nb, 1);
	/* zstdcat FILE gives a plain IPFIX file we (and others) read */
	plen = (size_t)ZSTD_getFrameContentSize(buf, len);
	plain = malloc(plen);
	assert_int_equal(ZSTD_decompress(plain, plen, buf, len), plen);
	assert_int_equal(ipfix_file_read_buf(plain, plen, on_rec, &c, &st), 0);
	assert_int_equal(c.next, N);
	assert_int_equal(st.blocks, 1);
	/* garbage is not a raw file */
	memset(plain, 0x41, 64);
	assert_int_equal(ipfix_file_read_buf(plain, 64, NULL, NULL, &st), -1);
	free(plain);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_torn),
		cmocka_unit_test(test_plain_ipfix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
