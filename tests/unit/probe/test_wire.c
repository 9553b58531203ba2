/* SPDX-License-Identifier: BSD-2-Clause */
/* test_wire.c - SipHash-2-4 vectors and probe MAC verification */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "lib/siphash.h"
#include "probe/wire.h"

/* Vectors of the SipHash paper: key 00..0f, message 00..(n-1). */
static void test_siphash_vectors(void **state)
{
	uint8_t key[16], msg[64];
	struct siphash s;
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
	assert_true(siphash24(key, msg, 8) == 0x93f5f5799a932462ULL);
	/* incremental updates in odd pieces give the same MAC */
	for (i = 0; i <= 63; i++) {
		uint64_t one = siphash24(key, msg, i);
		unsigned a = i / 3, b = i / 2;

		siphash_init(&s, key);
		siphash_update(&s, msg, a);
		siphash_update(&s, msg + a, b - a);
		siphash_update(&s, msg + b, i - b);
		assert_true(siphash_final(&s) == one);
	}
}

static void test_probe_mac(void **state)
{
	uint8_t key[PROBE_KEY_LEN], key2[PROBE_KEY_LEN], buf[100];
	struct probe_hdr h = { .tunnel = 3, .target = 7, .seq = 0x12345, .tx_ns = 42 }, got;
	struct ip_addr tgt, other;

	(void)state;
	memset(key, 1, sizeof(key));
	memset(key2, 2, sizeof(key2));
	ip_addr_parse("172.64.240.253", &tgt);
	ip_addr_parse("172.64.240.254", &other);
	assert_int_equal(probe_wire_build(buf, 20, &h, &tgt, 0x1111, key), -1);
	assert_int_equal(probe_wire_build(buf, sizeof(buf), &h, &tgt, 0x1111, key), 0);
	assert_int_equal(probe_wire_check(buf, sizeof(buf), &got, &tgt, 0x1111, 0x2345, key),
			 PROBE_OK);
	assert_int_equal(got.tunnel, 3);
	assert_int_equal(got.target, 7);
	assert_int_equal(got.seq, 0x12345);
	assert_true(got.tx_ns == 42);
	/* wrong key, target, identifier, ICMP sequence: forged */
	assert_int_equal(probe_wire_check(buf, sizeof(buf), &got, &tgt, 0x1111, 0x2345, key2),
			 PROBE_FORGED);
	assert_int_equal(probe_wire_check(buf, sizeof(buf), &got, &other, 0x1111, 0x2345, key),
			 PROBE_FORGED);
	assert_int_equal(probe_wire_check(buf, sizeof(buf), &got, &tgt, 0x1112, 0x2345, key),
			 PROBE_FORGED);
	assert_int_equal(probe_wire_check(buf, sizeof(buf), &got, &tgt, 0x1111, 0x2346, key),
			 PROBE_FORGED);
	/* any flipped bit in the payload: forged (or not ours, in the magic) */
	for (unsigned i = 0; i < sizeof(buf); i++) {
		buf[i] ^= 0x10;
		assert_int_not_equal(probe_wire_check(buf, sizeof(buf), &got, &tgt, 0x1111,
						      0x2345, key), PROBE_OK);
		buf[i] ^= 0x10;
	}
	/* truncated: the padding is covered too */
	assert_int_equal(probe_wire_check(buf, sizeof(buf) - 1, &got, &tgt, 0x1111, 0x2345, key),
			 PROBE_FORGED);
	assert_int_equal(probe_wire_check(buf, 31, &got, &tgt, 0x1111, 0x2345, key),
			 PROBE_NOT_OURS);
	buf[0] = 'x';
	assert_int_equal(probe_wire_check(buf, sizeof(buf), &got, &tgt, 0x1111, 0x2345, key),
			 PROBE_NOT_OURS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_probe_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
