/* SPDX-License-Identifier: BSD-2-Clause */
/* test_timeutil.c - UTC timestamp formatting against gmtime */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <time.h>

#include "lib/timeutil.h"

static void test_known(void **state)
{
	char buf[TIME_ISO_LEN];
	int64_t ms;

	(void)state;
	time_fmt_iso_ms(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	time_fmt_iso_ms(1767225600123LL, buf);
	assert_string_equal(buf, "2026-01-01T00:00:00.123Z");
	time_fmt_iso_ms(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	time_fmt_iso_ms(951782400000LL, buf);	/* leap day 2000 */
	assert_string_equal(buf, "2000-02-29T00:00:00.000Z");
	assert_int_equal(time_parse_iso_ms("2026-01-01T00:00:00.123Z", &ms), 0);
	assert_true(ms == 1767225600123LL);
	assert_int_equal(time_parse_iso_ms("2026-01-01T00:00:00.1", &ms), 0);
	assert_true(ms == 1767225600100LL);
	assert_int_equal(time_parse_iso_ms("2026-13-01T00:00:00Z", &ms), -1);
	assert_int_equal(time_parse_iso_ms("2026-01-01 00:00:00", &ms), -1);
	assert_int_equal(time_parse_iso_ms("2026-01-01T00:00:00Zx", &ms), -1);
}

static void test_against_gmtime(void **state)
{
	char buf[TIME_ISO_LEN], want[64];
	int64_t t;

	(void)state;
	for (t = 0; t < 4102444800LL; t += 86400 * 13 + 3607) {
		time_t tt = (time_t)t;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.042Z", &tm);
		time_fmt_iso_ms(t * 1000 + 42, buf);
		assert_string_equal(buf, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_against_gmtime),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
