/* SPDX-License-Identifier: BSD-2-Clause */
/* test_conf.c - the option table: parse, errors, canonical print round trip */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collector.h"
#include "lib/conf.h"

struct extra {
	bool flag;
	char name[64];
	uint64_t size;
};

static const struct conf_opt extra_opts[] = {
	{ "x.flag", CONF_BOOL, 0, 0, "no", offsetof(struct extra, flag), 0, 0,
	  NULL, NULL, NULL, "a flag" },
	{ "x.name", CONF_STRING, 0, 60, "plain", offsetof(struct extra, name), 64, 0,
	  NULL, NULL, NULL, "a name" },
	{ "x.size", CONF_SIZE, 0, 1ull << 40, "1000", offsetof(struct extra, size), 0, 0,
	  NULL, NULL, NULL, "a size" },
};

struct cfgs {
	struct collect_cfg c;
	struct extra x;
	struct conf_table t[2];
};

static void init(struct cfgs *s)
{
	char err[256];

	memset(s, 0, sizeof(*s));
	collect_cfg_defaults(&s->c);
	s->t[0] = (struct conf_table){ collect_conf_opts, collect_conf_nopts, &s->c };
	s->t[1] = (struct conf_table){ extra_opts, 3, &s->x };
	assert_int_equal(conf_defaults(s->t, 2, err, sizeof(err)), 0);
}

static char *print(struct cfgs *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	conf_print(s->t, 2, f);
	fclose(f);
	return buf;
}

static void test_round_trip(void **state)
{
	static struct cfgs a, b, d;
	static const char text[] =
		"# a comment\n"
		"collect.listen udp://[::1]:2055   # trailing comment\n"
		"collect.listen udp://127.0.0.1:6343\n"
		"\n"
		"  collect.allow 192.0.2.0/24\n"
		"collect.allow 2001:db8::/32\n"
		"collect.db \"/srv/flow data/f#1.db\"\n"
		"collect.retain 36h\n"
		"collect.rotate 90s\n"
		"collect.commit 1500ms\n"
		"collect.rcvbuf 8M\n"
		"collect.retain_size 1536M\n"
		"collect.raw no\n"
		"collect.raw_compress lz4\n"
		"collect.zstd_level -3\n"
		"collect.exporter_sampling 192.0.2.0/24=100\n"
		"collect.exporter_default_sampling 192.0.2.9=512\n"
		"collect.exporter_sampling 2001:db8::1=0\n"
		"x.flag yes\n"
		"x.name \"with \\\"quotes\\\" and \\\\\"\n"
		"x.size 3K\n";
	char err[256], *p1, *p2;

	(void)state;
	init(&a);
	assert_int_equal(conf_parse_text(a.t, 2, text, "t", err, sizeof(err)), 0);
	assert_int_equal(a.c.nlisten, 2);
	assert_string_equal(a.c.listen[0].url, "udp://[::1]:2055");
	assert_int_equal(a.c.nallow, 2);
	assert_string_equal(a.c.db, "/srv/flow data/f#1.db");
	assert_true(a.c.retain_ms == 36 * 3600000ull);
	assert_true(a.c.rotate_ms == 90000);
	assert_true(a.c.commit_ms == 1500);
	assert_true(a.c.rcvbuf == 8ull << 20);
	assert_false(a.c.raw);
	assert_int_equal(a.c.raw_compress, IPFIX_CODEC_LZ4);
	assert_int_equal(a.c.zstd_level, -3);
	assert_int_equal(a.c.nsampling_rules, 3);
	assert_true(a.c.sampling_rules[0].force && a.c.sampling_rules[0].rate == 100);
	assert_false(a.c.sampling_rules[1].force);
	assert_int_equal(a.c.sampling_rules[2].exporters.len, 128);
	assert_true(a.x.flag);
	assert_string_equal(a.x.name, "with \"quotes\" and \\");
	assert_true(a.x.size == 3072);
	p1 = print(&a);
	assert_non_null(strstr(p1, "collect.exporter_sampling 192.0.2.0/24=100\n"
				   "collect.exporter_sampling 2001:db8::1/128=0\n"
				   "collect.exporter_default_sampling 192.0.2.9/32=512\n"));
	init(&b);
	assert_int_equal(conf_parse_text(b.t, 2, p1, "printed", err, sizeof(err)), 0);
	p2 = print(&b);
	assert_string_equal(p1, p2);
	assert_int_equal(b.c.nsampling_rules, 3);
	assert_memory_equal(&a.x, &b.x, sizeof(a.x));
	free(p2);
	/* the defaults print and parse back too */
	init(&d);
	p2 = print(&d);
	init(&b);
	assert_int_equal(conf_parse_text(b.t, 2, p2, "defaults", err, sizeof(err)), 0);
	assert_memory_equal(&d.c, &b.c, sizeof(d.c));
	free(p1);
	free(p2);
}

/* The longest value an option takes, made of characters the printer must
 * escape, prints as a line twice its length and still parses back. */
static void test_long_escaped(void **state)
{
	static struct cfgs a, b;
	static char text[4100];
	char err[256], *p1, *p2;
	size_t i, n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "collect.db ");
	for (i = 0; i < 4000; i++)
		text[n++] = i % 2 ? '"' : '\\';
	text[n++] = '\n';
	text[n] = 0;
	init(&a);
	if (conf_parse_text(a.t, 2, text, "a", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(strlen(a.c.db), 4000);
	p1 = print(&a);
	assert_true(strlen(p1) > 8000);
	init(&b);
	if (conf_parse_text(b.t, 2, p1, "b", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(a.c.db, b.c.db);
	p2 = print(&b);
	assert_string_equal(p1, p2);
	free(p1);
	free(p2);
}

static void bad(const char *text, const char *want)
{
	static struct cfgs s;
	char err[256];

	init(&s);
	assert_int_equal(conf_parse_text(s.t, 2, text, "f", err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("'%s': got '%s', want '%s'", text, err, want);
}

static void test_errors(void **state)
{
	(void)state;
	bad("collect.nope 1\n", "f:1: unknown option 'collect.nope'");
	bad("\ncollect.threads 17\n", "f:2: collect.threads: 17 is out of range (0..16)");
	bad("collect.threads x\n", "collect.threads: 'x' is not a number");
	bad("collect.threads\n", "collect.threads: missing value");
	bad("collect.db \"\"\n", "collect.db: missing value");
	bad("collect.db a\rb\n", "collect.db: control character 0x0d in the value");
	bad("collect.commit 5\ncollect.commit 6\n", "f:2: collect.commit given twice");
	bad("collect.commit 10ms\n", "collect.commit: 10ms is out of range (100ms..1m)");
	bad("collect.listen tcp://1.2.3.4:5\n", "collect.listen: 'tcp://1.2.3.4:5': expected udp://");
	bad("collect.listen udp://::1:5\n", "put an IPv6 address in brackets");
	bad("collect.allow 10.0.0.1/8\n", "collect.allow: '10.0.0.1/8' is not a prefix");
	bad("x.flag maybe\n", "x.flag: 'maybe' is not yes or no");
	bad("x.name \"open\n", "unterminated quote");
	bad("x.size 4Q\n", "x.size: '4Q' is not a size");
	bad("collect.raw_compress gzip\n", "collect.raw_compress: 'gzip' is not zstd, lz4 or none");
	bad("collect.zstd_level 0\n", "collect.zstd_level: '0' is not a zstd level (-7..-1 fast, 1..19)");
	bad("collect.zstd_level 20\n", "collect.zstd_level: '20' is not a zstd level");
	bad("collect.zstd_level 3x\n", "collect.zstd_level: '3x' is not a zstd level");
	bad("collect.exporter_sampling 192.0.2.1\n", "is not EXPORTER=RATE");
	bad("collect.exporter_default_sampling 192.0.2.1=0\n",
	    "collect.exporter_default_sampling: '0' is not a sampling rate (1..4294967295)");
	bad("collect.exporter_sampling 10.0.0.0/8=2\ncollect.exporter_sampling 10.0.0.0/8=3\n",
	    "f:2: collect.exporter_sampling: a rate for 10.0.0.0/8 is given twice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
