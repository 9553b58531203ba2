/* SPDX-License-Identifier: BSD-2-Clause */
/* test_ipfix_file.c - IPFIX raw files in zstd, LZ4 and plain blocks: round
 * trip, torn blocks, plain IPFIX, a file mixing the three */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <lz4frame.h>
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

static const enum ipfix_codec zstd = IPFIX_CODEC_ZSTD, lz4 = IPFIX_CODEC_LZ4,
	none = IPFIX_CODEC_NONE;

static enum ipfix_codec codec_of(void **state)
{
	return *(const enum ipfix_codec *)*state;
}

/* Write records @from..@to-1 in blocks of about @block bytes, appending
 * to @buf (*len bytes so far). */
static uint8_t *write_more(uint8_t *buf, enum ipfix_codec codec, size_t block, int from,
			   int to, size_t *len, size_t *nblocks)
{
	struct ipfix_fw *w = ipfix_fw_new(block, codec, 1);
	const uint8_t *out;
	size_t n;
	int i;

	assert_non_null(w);
	for (i = from; i < to; i++) {
		struct flow_rec r = mk(i);

		if (ipfix_fw_add(w, &r) || i == to - 1) {
			assert_int_equal(ipfix_fw_finish(w, 0, &out, &n), 0);
			buf = realloc(buf, *len + n);
			assert_non_null(buf);
			memcpy(buf + *len, out, n);
			*len += n;
			(*nblocks)++;
		}
	}
	ipfix_fw_free(w);
	return buf;
}

/* Write N records in blocks of about @block bytes. */
static uint8_t *write_file(enum ipfix_codec codec, size_t block, size_t *len, size_t *nblocks)
{
	*len = 0;
	*nblocks = 0;
	return write_more(NULL, codec, block, 0, N, len, nblocks);
}

static void test_round_trip(void **state)
{
	struct ipfix_read_stats st;
	struct check c = { 0, 0 };
	size_t len, nb;
	enum ipfix_codec codec = codec_of(state);
	uint8_t *buf = write_file(codec, 64 * 1024, &len, &nb);

	assert_true(nb > 5);
	assert_int_equal(ipfix_file_read_buf(buf, len, on_rec, &c, &st), 0);
	assert_int_equal(c.next, N);
	assert_int_equal(st.records, N);
	/* plain blocks run together: one run */
	assert_int_equal(st.blocks, codec == IPFIX_CODEC_NONE ? 1 : nb);
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
	enum ipfix_codec codec = codec_of(state);
	uint8_t *buf = write_file(codec, 64 * 1024, &len, &nb);

	assert_int_equal(ipfix_file_read_buf(buf, len, NULL, NULL, &full), 0);
	/* every truncation point: whole blocks read, the torn one skipped */
	for (cut = 1; cut < len; cut += 997) {
		c.next = 0;
		assert_int_equal(ipfix_file_read_buf(buf, cut, on_rec, &c, &st) < 0 && cut >= 4, 0);
		assert_true(st.records <= full.records);
		assert_true(st.torn_blocks <= 1);
		/* what was read is the records in order, the last one whole */
		assert_int_equal(c.next, st.records);
	}
	if (codec == IPFIX_CODEC_NONE) {	/* no checksum to fail */
		free(buf);
		return;
	}
	/* a flipped byte in the middle: that block fails its checksum, the rest reads */
	buf[len / 2] ^= 0x55;
	c.next = 0;
	assert_int_equal(ipfix_file_read_buf(buf, len, NULL, NULL, &st), 0);
	assert_int_equal(st.torn_blocks, 1);
	assert_true(st.records < full.records && st.records > full.records / 2);
	free(buf);
}

/* LZ4-decompress one frame. */
static size_t lz4_decompress(uint8_t *dst, size_t cap, const uint8_t *src, size_t len)
{
	LZ4F_dctx *d;
	size_t in = len, out = cap, r;

	assert_false(LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)));
	r = LZ4F_decompress(d, dst, &out, src, &in, NULL);
	assert_int_equal(r, 0);		/* the frame is complete */
	assert_int_equal(in, len);
	LZ4F_freeDecompressionContext(d);
	return out;
}

static void test_plain_ipfix(void **state)
{
	struct ipfix_read_stats st;
	struct check c = { 0, 0 };
	size_t len, nb, plen, rlen, rnb;
	uint8_t *buf, *plain, *ref;

	(void)state;
	/* the same records written plain, the reference */
	ref = write_file(IPFIX_CODEC_NONE, IPFIX_FILE_BLOCK_DEFAULT, &rlen, &rnb);
	assert_int_equal(rnb, 1);
	/* zstdcat FILE gives a plain IPFIX file we (and others) read */
	buf = write_file(IPFIX_CODEC_ZSTD, IPFIX_FILE_BLOCK_DEFAULT, &len, &nb);
	assert_int_equal(nb, 1);
	plen = (size_t)ZSTD_getFrameContentSize(buf, len);
	plain = malloc(plen);
	assert_int_equal(ZSTD_decompress(plain, plen, buf, len), plen);
	assert_int_equal(plen, rlen);
	assert_memory_equal(plain, ref, rlen);
	free(buf);
	free(plain);
	/* lz4cat FILE: the same */
	buf = write_file(IPFIX_CODEC_LZ4, IPFIX_FILE_BLOCK_DEFAULT, &len, &nb);
	assert_int_equal(nb, 1);
	plain = malloc(rlen + 1);
	assert_int_equal(lz4_decompress(plain, rlen + 1, buf, len), rlen);
	assert_memory_equal(plain, ref, rlen);
	free(buf);
	assert_int_equal(ipfix_file_read_buf(plain, rlen, on_rec, &c, &st), 0);
	assert_int_equal(c.next, N);
	assert_int_equal(st.blocks, 1);
	/* garbage is not a raw file */
	memset(plain, 0x41, 64);
	assert_int_equal(ipfix_file_read_buf(plain, 64, NULL, NULL, &st), -1);
	free(plain);
	free(ref);
}

/* An LZ4 frame as the lz4 tool writes it (no content size) reads too. */
static void test_lz4_no_size(void **state)
{
	struct ipfix_read_stats st;
	struct check c = { 0, 0 };
	LZ4F_preferences_t prefs;
	size_t rlen, rnb, cap, n;
	uint8_t *ref = write_file(IPFIX_CODEC_NONE, IPFIX_FILE_BLOCK_DEFAULT, &rlen, &rnb), *z;

	(void)state;
	memset(&prefs, 0, sizeof(prefs));
	cap = LZ4F_compressFrameBound(rlen, &prefs);
	z = malloc(cap);
	n = LZ4F_compressFrame(z, cap, ref, rlen, &prefs);
	assert_false(LZ4F_isError(n));
	assert_int_equal(ipfix_file_read_buf(z, n, on_rec, &c, &st), 0);
	assert_int_equal(c.next, N);
	assert_int_equal(st.torn_blocks, 0);
	free(z);
	free(ref);
}

/* A file with zstd, then LZ4, then plain blocks, then zstd again (the
 * codec changed between runs): every record reads, in order. */
static void test_mixed(void **state)
{
	struct ipfix_read_stats st;
	struct check c = { 0, 0 };
	size_t len = 0, nb = 0;
	uint8_t *buf;

	(void)state;
	buf = write_more(NULL, IPFIX_CODEC_ZSTD, 32 * 1024, 0, 1000, &len, &nb);
	buf = write_more(buf, IPFIX_CODEC_LZ4, 32 * 1024, 1000, 2000, &len, &nb);
	buf = write_more(buf, IPFIX_CODEC_NONE, 32 * 1024, 2000, 3000, &len, &nb);
	buf = write_more(buf, IPFIX_CODEC_ZSTD, 32 * 1024, 3000, 4000, &len, &nb);
	buf = write_more(buf, IPFIX_CODEC_LZ4, 32 * 1024, 4000, N, &len, &nb);
	assert_int_equal(ipfix_file_read_buf(buf, len, on_rec, &c, &st), 0);
	assert_int_equal(c.next, N);
	assert_int_equal(st.records, N);
	assert_int_equal(st.torn_blocks, 0);
	assert_int_equal(st.bad_messages, 0);
	free(buf);
}

static void test_codec_names(void **state)
{
	enum ipfix_codec c;

	(void)state;
	assert_int_equal(ipfix_codec_parse("lz4", &c), 0);
	assert_int_equal(c, IPFIX_CODEC_LZ4);
	assert_string_equal(ipfix_codec_name(c), "lz4");
	assert_int_equal(ipfix_codec_parse("none", &c), 0);
	assert_string_equal(ipfix_codec_suffix(c), ".ipfix");
	assert_int_equal(ipfix_codec_parse("zstd", &c), 0);
	assert_string_equal(ipfix_codec_suffix(c), ".ipfix.zst");
	assert_int_equal(ipfix_codec_parse("gzip", &c), -1);
	assert_int_equal(ipfix_codec_parse("", &c), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_round_trip, (void *)&zstd),
		cmocka_unit_test_prestate(test_round_trip, (void *)&lz4),
		cmocka_unit_test_prestate(test_round_trip, (void *)&none),
		cmocka_unit_test_prestate(test_torn, (void *)&zstd),
		cmocka_unit_test_prestate(test_torn, (void *)&lz4),
		cmocka_unit_test_prestate(test_torn, (void *)&none),
		cmocka_unit_test(test_plain_ipfix),
		cmocka_unit_test(test_lz4_no_size),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_codec_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
