/* SPDX-License-Identifier: BSD-2-Clause */
/* test_output.c - JSON/CSV record output: fields, addresses, times */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "flow/output.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The value of "key" in a JSON line, as text (without quotes). */
static const char *field(const char *line, const char *key, char *out, size_t outlen)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	if (*p == '"')
		p++;
	e = p + strcspn(p, "\",}");
	snprintf(out, outlen, "%.*s", (int)(e - p), p);
	return out;
}

static void test_ipv6_text_matches_inet_ntop(void **state)
{
	struct out_cache c = { 0 };
	struct flow_rec r = { 0 };
	struct wbuf b;
	char want[INET6_ADDRSTRLEN], got[64];
	int i, j;

	(void)state;
	assert_int_equal(wbuf_init(&b, 4096, 1 << 20), 0);
	r.proto_version = FLOW_PROTO_IPFIX;
	r.sampling_rate = 1;
	flow_set(&r, FF_SRC);
	for (i = 0; i < 200000; i++) {
		uint64_t x = next_rand(), zeros = next_rand();

		r.src.family = 6;
		for (j = 0; j < 16; j++)
			r.src.a[j] = (uint8_t)(x >> (j % 8 * 8));
		/* zero groups in every pattern, so "::" runs of all lengths occur */
		for (j = 0; j < 8; j++)
			if (zeros >> j & 1)
				r.src.a[2 * j] = r.src.a[2 * j + 1] = 0;
		if (i % 7 == 0)	/* small groups: leading zeros to drop */
			for (j = 0; j < 16; j += 2)
				r.src.a[j] = 0;
		wbuf_reset(&b);
		out_json_rec(&b, &c, &r);
		wbuf_putc(&b, '\0');
		inet_ntop(AF_INET6, r.src.a, want, sizeof(want));
		assert_non_null(field(b.p, "src", got, sizeof(got)));
		assert_string_equal(got, want);
	}
	wbuf_free(&b);
}

static void test_times_match_time_fmt(void **state)
{
	struct out_cache c = { 0 };
	struct flow_rec r = { 0 };
	struct wbuf b;
	char want[TIME_ISO_LEN], got[64];
	int64_t base = 1767225600000;
	int i;

	(void)state;
	assert_int_equal(wbuf_init(&b, 4096, 1 << 20), 0);
	r.proto_version = FLOW_PROTO_NF9;
	flow_set(&r, FF_TIME_START);
	for (i = 0; i < 100000; i++) {
		/* mostly near each other (the cache's day path), some far */
		r.time_start_ms = i % 10 ? base + (int64_t)(next_rand() % 400000000) :
			(int64_t)(next_rand() % 400000000000000ULL) - 100000000000000LL;
		wbuf_reset(&b);
		out_json_rec(&b, &c, &r);
		wbuf_putc(&b, '\0');
		time_fmt_iso_ms(r.time_start_ms, want);
		assert_non_null(field(b.p, "time_start", got, sizeof(got)));
		assert_string_equal(got, want);
	}
	wbuf_free(&b);
}

static void test_absent_fields_left_out(void **state)
{
	struct out_cache c = { 0 };
	struct flow_rec r = { 0 };
	struct wbuf b;
	char v[64];

	(void)state;
	assert_int_equal(wbuf_init(&b, 4096, 1 << 20), 0);
	r.proto_version = FLOW_PROTO_NF5;
	r.sampling_rate = 1;
	ip_addr_set4u(&r.exporter, 0xc0000201);
	r.bytes = 1234567890123ULL;
	flow_set(&r, FF_BYTES);
	r.src_port = 80;		/* not flagged: must not appear */
	out_json_rec(&b, &c, &r);
	wbuf_putc(&b, '\0');
	assert_non_null(strstr(b.p, "{\"type\":\"flow\",\"version\":\"nf5\",\"exporter\":\"192.0.2.1\""));
	assert_string_equal(field(b.p, "bytes", v, sizeof(v)), "1234567890123");
	assert_null(field(b.p, "src_port", v, sizeof(v)));
	assert_null(field(b.p, "time_start", v, sizeof(v)));
	assert_string_equal(field(b.p, "sampling_rate", v, sizeof(v)), "1");
	/* CSV: empty cells for absent fields, the header's column count */
	wbuf_reset(&b);
	out_csv_rec(&b, &c, &r);
	wbuf_putc(&b, '\0');
	assert_string_equal(b.p, "nf5,192.0.2.1,0,,,,,,,,,,,,,,,1234567890123,,1,,,,,,\n");
	wbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_text_matches_inet_ntop),
		cmocka_unit_test(test_times_match_time_fmt),
		cmocka_unit_test(test_absent_fields_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
