/* SPDX-License-Identifier: BSD-2-Clause */
/* test_cursor.c - bounds-checked cursor */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/cursor.h"

static void test_reads(void **state)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct cursor c = cur_init(b, sizeof(b));

	(void)state;
	assert_int_equal(cur_u8(&c), 1);
	assert_int_equal(cur_u16(&c), 0x0203);
	assert_int_equal(cur_u32(&c), 0x04050607);
	assert_true(cur_u64(&c) == 0x08090a0b0c0d0e0fULL);
	assert_true(cur_ok(&c));
	assert_int_equal(cur_left(&c), 0);
	assert_int_equal(cur_u8(&c), 0);
	assert_false(cur_ok(&c));
}

static void test_overrun_is_sticky(void **state)
{
	static const uint8_t b[] = { 0xff, 0xfe, 0xfd };
	struct cursor c = cur_init(b, sizeof(b));

	(void)state;
	assert_int_equal(cur_u32(&c), 0);	/* only 3 bytes */
	assert_false(cur_ok(&c));
	assert_int_equal(cur_left(&c), 0);
	assert_int_equal(cur_u8(&c), 0);	/* still failed */
	assert_null(cur_bytes(&c, 1));
}

static void test_sub_and_uint(void **state)
{
	static const uint8_t b[] = { 0, 3, 0xaa, 0xbb, 0xcc, 0x11, 0x22 };
	struct cursor c = cur_init(b, sizeof(b)), s;
	uint16_t n;

	(void)state;
	n = cur_u16(&c);
	s = cur_sub(&c, n);
	assert_true(cur_ok(&s));
	assert_int_equal(cur_uint(&s, 3), 0xaabbcc);
	assert_int_equal(cur_left(&s), 0);
	assert_int_equal(cur_left(&c), 2);
	s = cur_sub(&c, 3);
	assert_false(cur_ok(&s));
	assert_false(cur_ok(&c));
	c = cur_init(b, sizeof(b));
	assert_int_equal(cur_uint(&c, 0), 0);
	assert_int_equal(cur_uint(&c, 9), 0);	/* too wide: skipped? no: fails */
	assert_false(cur_ok(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_overrun_is_sticky),
		cmocka_unit_test(test_sub_and_uint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
