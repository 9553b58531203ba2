/* SPDX-License-Identifier: BSD-2-Clause */
/* test_ipfrag.c - fragment reassembly: order, overlap, duplicates, limits */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "flow/ipfrag.h"

static uint8_t payload[3000];

static struct ipfrag_frag frag(uint32_t id, uint32_t off, size_t len, bool more)
{
	struct ipfrag_frag f = { .id = id, .proto = 17, .offset = off, .more = more,
				 .data = payload + off, .len = len };

	ip_addr_set4u(&f.src, 0x7f000001);
	ip_addr_set4u(&f.dst, 0x7f000002);
	return f;
}

static int add(struct ipfrag *t, struct ipfrag_frag f, int64_t now,
	       const uint8_t **out, size_t *len)
{
	uint8_t proto = 0;

	return ipfrag_add(t, &f, now, out, len, &proto);
}

static void test_in_and_out_of_order(void **state)
{
	struct ipfrag *t = ipfrag_new(NULL);
	const uint8_t *out;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	assert_int_equal(add(t, frag(1, 0, 1480, true), 0, &out, &len), 0);
	assert_int_equal(add(t, frag(1, 1480, 1480, true), 0, &out, &len), 0);
	assert_int_equal(add(t, frag(1, 2960, 40, false), 0, &out, &len), 1);
	assert_int_equal(len, 3000);
	assert_memory_equal(out, payload, 3000);
	/* last fragment first, middle missing until the end */
	assert_int_equal(add(t, frag(2, 2960, 40, false), 0, &out, &len), 0);
	assert_int_equal(add(t, frag(2, 0, 1480, true), 0, &out, &len), 0);
	assert_int_equal(add(t, frag(2, 1480, 1480, true), 0, &out, &len), 1);
	assert_memory_equal(out, payload, 3000);
	assert_int_equal(ipfrag_stats(t)->reassembled, 2);
	ipfrag_free(t);
}

static void test_overlap_and_duplicate(void **state)
{
	struct ipfrag *t = ipfrag_new(NULL);
	struct ipfrag_frag f;
	uint8_t other[1480];
	const uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(add(t, frag(3, 0, 1480, true), 0, &out, &len), 0);
	/* the same bytes again: a duplicate, ignored */
	assert_int_equal(add(t, frag(3, 0, 1480, true), 0, &out, &len), 0);
	assert_int_equal(ipfrag_stats(t)->duplicates, 1);
	/* different bytes over the same range: the datagram is dropped */
	memset(other, 0xee, sizeof(other));
	f = frag(3, 0, 1480, true);
	f.data = other;
	assert_int_equal(add(t, f, 0, &out, &len), -1);
	assert_int_equal(ipfrag_stats(t)->dropped_overlap, 1);
	/* a misaligned middle fragment is bad */
	assert_int_equal(add(t, frag(4, 0, 1001, true), 0, &out, &len), -1);
	assert_int_equal(ipfrag_stats(t)->dropped_bad, 1);
	/* beyond 64 KiB is bad */
	f = frag(5, 65528, 16, false);
	f.data = payload;
	assert_int_equal(add(t, f, 0, &out, &len), -1);
	assert_int_equal(ipfrag_stats(t)->dropped_bad, 2);
	ipfrag_free(t);
}

static void test_limits_and_timeout(void **state)
{
	struct ipfrag_cfg cfg = { .max_datagrams = 2, .timeout_ms = 1000 };
	struct ipfrag *t = ipfrag_new(&cfg);
	const uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(add(t, frag(10, 0, 1480, true), 0, &out, &len), 0);
	assert_int_equal(add(t, frag(11, 0, 1480, true), 0, &out, &len), 0);
	assert_int_equal(add(t, frag(12, 0, 1480, true), 0, &out, &len), -1);
	assert_int_equal(ipfrag_stats(t)->dropped_table_full, 1);
	ipfrag_expire(t, 500);
	assert_int_equal(ipfrag_stats(t)->incomplete, 0);
	ipfrag_expire(t, 1500);
	assert_int_equal(ipfrag_stats(t)->incomplete, 2);
	/* room again; whatever is partial at the end counts as incomplete */
	assert_int_equal(add(t, frag(12, 0, 1480, true), 1600, &out, &len), 0);
	ipfrag_finish(t);
	assert_int_equal(ipfrag_stats(t)->incomplete, 3);
	ipfrag_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_and_out_of_order),
		cmocka_unit_test(test_overlap_and_duplicate),
		cmocka_unit_test(test_limits_and_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
