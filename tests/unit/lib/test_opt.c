/* SPDX-License-Identifier: BSD-2-Clause */
/* test_opt.c - strict value parsing */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>

#include "lib/opt.h"

static void test_numbers(void **state)
{
	uint64_t v;
	uint32_t u;

	(void)state;
	assert_int_equal(opt_u64("x", "42", 0, 100, &v), 0);
	assert_true(v == 42);
	assert_int_equal(opt_u64("x", "0x10", 0, 100, &v), 0);
	assert_true(v == 16);
	/* a leading zero is not octal (strtoull base 0 read 010 as 8, 08 as
	 * an error) */
	assert_int_equal(opt_u64("x", "010", 0, 100, &v), 0);
	assert_true(v == 10);
	assert_int_equal(opt_u64("x", "08", 0, 100, &v), 0);
	assert_true(v == 8);
	assert_int_equal(opt_u64("x", "0X1f", 0, 100, &v), 0);
	assert_true(v == 31);
	assert_int_equal(opt_u64("x", "0x", 0, 100, &v), -1);
	assert_int_equal(opt_u64("x", "101", 0, 100, &v), -1);
	assert_int_equal(opt_u64("x", "-1", 0, 100, &v), -1);
	assert_int_equal(opt_u64("x", "4x", 0, 100, &v), -1);
	assert_int_equal(opt_u64("x", "", 0, 100, &v), -1);
	assert_int_equal(opt_u32("x", "4294967295", 0, UINT32_MAX, &u), 0);
	assert_int_equal(opt_u32("x", "4294967296", 0, UINT32_MAX, &u), -1);
}

static void test_durations(void **state)
{
	uint64_t ms;

	(void)state;
	assert_int_equal(opt_duration_ms("i", "0.2", &ms), 0);
	assert_true(ms == 200);
	assert_int_equal(opt_duration_ms("i", "15m", &ms), 0);
	assert_true(ms == 900000);
	assert_int_equal(opt_duration_ms("i", "250ms", &ms), 0);
	assert_true(ms == 250);
	assert_int_equal(opt_duration_ms("i", "1h", &ms), 0);
	assert_true(ms == 3600000);
	assert_int_equal(opt_duration_ms("i", "-1", &ms), -1);
	assert_int_equal(opt_duration_ms("i", "5 s", &ms), -1);
	assert_int_equal(opt_duration_ms("i", "nan", &ms), -1);
	assert_int_equal(opt_duration_ms("i", "1d", &ms), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
