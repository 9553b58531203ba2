/* SPDX-License-Identifier: BSD-2-Clause */
/* test_conf.c - the exporter's one set of defaults: table, CLI, docs */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_run.h"

static const char *docs_path;

/* The daemon's way: conf_defaults() on the table, then the conversion. */
static void daemon_defaults(struct exp_cfg *cfg, struct export_conf *c)
{
	struct conf_table t = { export_conf_opts, export_conf_nopts, c };
	char err[256];

	memset(c, 0, sizeof(*c));
	assert_int_equal(conf_defaults(&t, 1, err, sizeof(err)), 0);
	exp_cfg_from_conf(cfg, c);
}

/* The command line starts from exp_cfg_defaults(): it must be the
 * configuration file's defaults, field by field. */
static void test_cli_equals_config(void **state)
{
	struct exp_cfg a, b;
	struct export_conf c;

	(void)state;
	memset(&a, 0xa5, sizeof(a));
	assert_int_equal(exp_cfg_defaults(&a), 0);
	daemon_defaults(&b, &c);
	assert_int_equal(a.proto, b.proto);
	assert_int_equal(a.sampling, b.sampling);
	assert_int_equal(a.active_ms, b.active_ms);
	assert_int_equal(a.idle_ms, b.idle_ms);
	assert_int_equal(a.max_flows, b.max_flows);
	assert_int_equal(a.domain, b.domain);
	assert_int_equal(a.template_refresh_ms, b.template_refresh_ms);
	assert_int_equal(a.counter_interval_ms, b.counter_interval_ms);
	assert_int_equal(a.mtu, b.mtu);
	assert_int_equal(a.snaplen, EXP_SNAPLEN_DEFAULT);
	assert_memory_equal(&a, &b, sizeof(a));
	/* and they are usable: what the exporter checks at start */
	assert_int_equal(a.proto, FLOW_PROTO_IPFIX);
	assert_true(a.sampling >= 1 && a.max_flows >= 1);
	assert_true(a.mtu >= FENC_MTU_MIN && a.mtu <= FENC_MTU_MAX);
	assert_true(a.idle_ms >= 1000 && a.active_ms >= 1000 && a.template_refresh_ms >= 1000);
	assert_string_equal(export_conf_default("export.mtu"), "1400");
	assert_string_equal(export_conf_default("export.interface"), "none");
	assert_null(export_conf_opt("export.no_such_option"));
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* @a and @b are the same value of option @o (durations: "60" = "60s"). */
static void assert_same_value(const struct conf_opt *o, const char *a, const char *b)
{
	uint64_t x, y;
	char err[128];

	if (o->type == CONF_DURATION) {
		assert_int_equal(conf_parse_duration(a, &x, err, sizeof(err)), 0);
		assert_int_equal(conf_parse_duration(b, &y, err, sizeof(err)), 0);
		if (x != y)
			fail_msg("%s: docs say %s, the table %s", o->name, a, b);
	} else if (strcmp(a, b)) {
		fail_msg("%s: docs say %s, the table %s", o->name, a, b);
	}
}

/* docs/export.md states each default twice: in the options table
 * ("| `--max-flows N` | 65536 |") and in the configuration example
 * ("export.max_flows 65536"). Both must be the table's. */
static void test_docs_match(void **state)
{
	char *doc = slurp(docs_path), *p;
	size_t i, checked = 0;

	(void)state;
	if (!doc)
		skip();
	for (i = 0; i < export_conf_nopts; i++) {
		const struct conf_opt *o = &export_conf_opts[i];
		char cli[64], val[64], pat[80];
		size_t k;

		if (!o->def)
			continue;
		/* export.max_flows is --max-flows */
		snprintf(cli, sizeof(cli), "%s", o->name + strlen("export."));
		for (k = 0; cli[k]; k++)
			if (cli[k] == '_')
				cli[k] = '-';
		snprintf(pat, sizeof(pat), "| `--%s", cli);
		p = strstr(doc, pat);
		if (!p)
			snprintf(pat, sizeof(pat), ", --%s", cli), p = strstr(doc, pat);
		if (!p)
			fail_msg("docs/export.md: no options row for --%s", cli);
		p = strstr(p + 1, "| ");
		assert_non_null(p);
		assert_int_equal(sscanf(p + 2, "%63[^ |]", val), 1);
		if (val[0] == '`') {
			memmove(val, val + 1, strlen(val));
			val[strcspn(val, "`")] = 0;
		}
		assert_same_value(o, val, o->def);
		/* the configuration example */
		snprintf(pat, sizeof(pat), "\n%s ", o->name);
		p = strstr(doc, pat);
		if (!p)
			fail_msg("docs/export.md: %s is not in the configuration example", o->name);
		assert_int_equal(sscanf(p + strlen(pat), "%63s", val), 1);
		assert_same_value(o, val, o->def);
		checked++;
	}
	assert_true(checked >= 9);
	free(doc);
}

/* Keys follow the config convention: export.lower_case_with_underscores. */
static void test_key_names(void **state)
{
	size_t i;
	const char *p;

	(void)state;
	for (i = 0; i < export_conf_nopts; i++) {
		assert_true(strncmp(export_conf_opts[i].name, "export.", 7) == 0);
		for (p = export_conf_opts[i].name + 7; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
				fail_msg("%s: '%c' in a key", export_conf_opts[i].name, *p);
	}
}

/* The hyphenated names of before are unknown keys, with the usual error;
 * the underscored ones parse. */
static void test_old_names_refused(void **state)
{
	static const char *const old[] = {
		"export.active-timeout 60s", "export.idle-timeout 15s", "export.max-flows 10",
		"export.observation-domain 1", "export.template-refresh 30s",
		"export.counter-interval 20s",
	};
	struct export_conf c;
	struct conf_table t = { export_conf_opts, export_conf_nopts, &c };
	char err[256], want[128];
	size_t i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(conf_defaults(&t, 1, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		assert_int_equal(conf_parse_text(&t, 1, old[i], "f.conf", err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "f.conf:1: unknown option '%.*s'",
			 (int)strcspn(old[i], " "), old[i]);
		assert_true(strncmp(err, want, strlen(want)) == 0);
	}
	assert_int_equal(conf_parse_text(&t, 1, "export.max_flows 10\nexport.active_timeout 2m\n"
					 "export.observation_domain 7\n", "f.conf", err,
					 sizeof(err)), 0);
	assert_int_equal(c.max_flows, 10);
	assert_int_equal(c.active_ms, 120000);
	assert_int_equal(c.domain, 7);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_equals_config),
		cmocka_unit_test(test_docs_match),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_old_names_refused),
	};

	docs_path = argc > 1 ? argv[1] : "docs/export.md";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
