/* SPDX-License-Identifier: BSD-2-Clause */
/* test_wbuf.c - output buffer */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>

#include "lib/wbuf.h"

/* test_huge_max asks for more than any allocator gives: ASan must return
 * NULL like libc does instead of stopping the test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static void test_format(void **state)
{
	struct wbuf b;

	(void)state;
	assert_int_equal(wbuf_init(&b, 4, 1024), 0);
	wbuf_put_u64(&b, 0);
	wbuf_putc(&b, ' ');
	wbuf_put_u64(&b, UINT64_MAX);
	wbuf_putc(&b, ' ');
	wbuf_put_i64(&b, INT64_MIN);
	wbuf_putc(&b, ' ');
	wbuf_put_json_str(&b, "a\"b\\c\n\x01\xe9", 8);
	wbuf_putc(&b, ' ');
	wbuf_put_hex(&b, (const uint8_t *)"\x00\xff", 2);
	wbuf_printf(&b, " %d", 42);
	wbuf_putc(&b, '\0');
	assert_string_equal(b.p, "0 18446744073709551615 -9223372036854775808 "
			    "\"a\\\"b\\\\c\\u000a\\u0001\\u00e9\" 00ff 42");
	wbuf_free(&b);
}

static void test_bounded(void **state)
{
	struct wbuf b;
	char big[100] = { 0 };

	(void)state;
	assert_int_equal(wbuf_init(&b, 8, 64), 0);
	wbuf_put(&b, big, 60);
	assert_int_equal(b.len, 60);
	wbuf_put(&b, big, 10);		/* over the maximum: dropped */
	assert_int_equal(b.len, 60);
	assert_int_equal(b.toobig, 1);
	wbuf_free(&b);
}

/* wbuf_puts_lit with a conditional of two literals wrote sizeof(char *)
 * - 1 bytes (decode --stats printed {"expor127.0.0.1", and the second
 * extra of a record ,{"pen"0). */
static void test_puts_lit_conditional(void **state)
{
	struct wbuf b;
	int i;

	(void)state;
	assert_int_equal(wbuf_init(&b, 8, 1024), 0);
	for (i = 0; i < 2; i++)
		wbuf_puts_lit(&b, i ? ",{\"exporter\":\"" : "{\"exporter\":\"");
	wbuf_putc(&b, '\0');
	assert_string_equal(b.p, "{\"exporter\":\",{\"exporter\":\"");
	wbuf_free(&b);
}

/* Growth with a maximum near SIZE_MAX: the doubling wrapped to 0 and
 * looped for ever; now it stops at max (and realloc fails: counted). */
static void test_huge_max(void **state)
{
	struct wbuf b;

	(void)state;
	assert_int_equal(wbuf_init(&b, 64, SIZE_MAX), 0);
	wbuf_putc(&b, 'x');
	assert_false(wbuf_reserve(&b, SIZE_MAX / 2 + 100));
	assert_int_equal(b.toobig, 1);
	assert_int_equal(b.len, 1);
	assert_true(wbuf_reserve(&b, 1000));
	assert_true(b.cap >= 1001);
	wbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_puts_lit_conditional),
		cmocka_unit_test(test_huge_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
