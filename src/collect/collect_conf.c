/* SPDX-License-Identifier: BSD-2-Clause */
/* collect_conf.c - the collector's options in `wanscope run` config files */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collector.h"
#include "lib/conf.h"

static int listen_parse(void *base, const char *val, char *err, size_t errlen)
{
	struct collect_cfg *c = base;

	if (c->nlisten == COLLECT_MAX_LISTEN) {
		snprintf(err, errlen, "at most %d listeners", COLLECT_MAX_LISTEN);
		return -1;
	}
	if (collect_listen_parse(val, &c->listen[c->nlisten], err, errlen) < 0)
		return -1;
	c->nlisten++;
	return 0;
}

static bool listen_value(const void *base, unsigned i, char *buf, size_t len)
{
	const struct collect_cfg *c = base;

	if (i >= c->nlisten)
		return false;
	snprintf(buf, len, "%s", c->listen[i].url);
	return true;
}

static void listen_clear(void *base)
{
	((struct collect_cfg *)base)->nlisten = 0;
}

static int allow_parse(void *base, const char *val, char *err, size_t errlen)
{
	struct collect_cfg *c = base;

	if (c->nallow == COLLECT_MAX_ALLOW) {
		snprintf(err, errlen, "at most %d prefixes", COLLECT_MAX_ALLOW);
		return -1;
	}
	if (ip_prefix_parse(val, &c->allow[c->nallow], false) < 0) {
		snprintf(err, errlen, "'%s' is not a prefix (like 192.0.2.0/24, host bits zero)",
			 val);
		return -1;
	}
	c->nallow++;
	return 0;
}

static bool allow_value(const void *base, unsigned i, char *buf, size_t len)
{
	const struct collect_cfg *c = base;
	char p[IP_PREFIX_STRLEN];

	if (i >= c->nallow)
		return false;
	ip_prefix_fmt(&c->allow[i], p);
	snprintf(buf, len, "%s", p);
	return true;
}

static void allow_clear(void *base)
{
	((struct collect_cfg *)base)->nallow = 0;
}

static int compress_parse(void *base, const char *val, char *err, size_t errlen)
{
	if (ipfix_codec_parse(val, &((struct collect_cfg *)base)->raw_compress) < 0) {
		snprintf(err, errlen, "'%s' is not zstd, lz4 or none", val);
		return -1;
	}
	return 0;
}

int collect_zstd_level_parse(const char *s, int32_t *level, char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < COLLECT_ZSTD_MIN || v > COLLECT_ZSTD_MAX || v == 0) {
		snprintf(err, errlen, "'%s' is not a zstd level (%d..-1 fast, 1..%d)", s,
			 COLLECT_ZSTD_MIN, COLLECT_ZSTD_MAX);
		return -1;
	}
	*level = (int32_t)v;
	return 0;
}

static int zstd_level_parse(void *base, const char *val, char *err, size_t errlen)
{
	return collect_zstd_level_parse(val, &((struct collect_cfg *)base)->zstd_level, err,
					errlen);
}

static bool zstd_level_value(const void *base, unsigned i, char *buf, size_t len)
{
	if (i)
		return false;
	snprintf(buf, len, "%d", (int)((const struct collect_cfg *)base)->zstd_level);
	return true;
}

static bool compress_value(const void *base, unsigned i, char *buf, size_t len)
{
	if (i)
		return false;
	snprintf(buf, len, "%s", ipfix_codec_name(((const struct collect_cfg *)base)->raw_compress));
	return true;
}

/* Per-exporter sampling rates: one list holds both kinds, each key adds,
 * prints and clears only its own. */
static int rule_parse(void *base, const char *val, bool force, char *err, size_t errlen)
{
	struct collect_cfg *c = base;
	struct flow_sampling_rule r;

	if (flow_sampling_rule_parse(val, force, &r, err, errlen) < 0)
		return -1;
	return flow_sampling_rule_add(c->sampling_rules, &c->nsampling_rules, &r,
				      err, errlen);
}

static bool rule_value(const void *base, unsigned i, bool force, char *buf, size_t len)
{
	const struct collect_cfg *c = base;
	unsigned k;

	for (k = 0; k < c->nsampling_rules; k++)
		if (c->sampling_rules[k].force == force && !i--) {
			flow_sampling_rule_fmt(&c->sampling_rules[k], buf, len);
			return true;
		}
	return false;
}

static void rule_clear(void *base, bool force)
{
	struct collect_cfg *c = base;
	unsigned k, n = 0;

	for (k = 0; k < c->nsampling_rules; k++)
		if (c->sampling_rules[k].force != force)
			c->sampling_rules[n++] = c->sampling_rules[k];
	c->nsampling_rules = n;
}

static int force_parse(void *base, const char *val, char *err, size_t errlen)
{
	return rule_parse(base, val, true, err, errlen);
}

static bool force_value(const void *base, unsigned i, char *buf, size_t len)
{
	return rule_value(base, i, true, buf, len);
}

static void force_clear(void *base)
{
	rule_clear(base, true);
}

static int dflt_parse(void *base, const char *val, char *err, size_t errlen)
{
	return rule_parse(base, val, false, err, errlen);
}

static bool dflt_value(const void *base, unsigned i, char *buf, size_t len)
{
	return rule_value(base, i, false, buf, len);
}

static void dflt_clear(void *base)
{
	rule_clear(base, false);
}

#define F(x) offsetof(struct collect_cfg, x)
#define DAY (86400000ull)

const struct conf_opt collect_conf_opts[] = {
	{ "collect.listen", CONF_CUSTOM, 0, 0, "udp://[::]:2055 udp://[::]:6343", 0, 0,
	  CONF_REPEAT, listen_parse, listen_value, listen_clear,
	  "listen on udp://HOST:PORT (IPv6 in brackets); the protocol is detected per packet" },
	{ "collect.db", CONF_STRING, 0, 4000, "/var/lib/wanscope/flows.db", F(db),
	  sizeof(((struct collect_cfg *)0)->db), 0, NULL, NULL, NULL,
	  "the SQLite store; raw records go to DB.d/ (the default falls back to "
	  "./wanscope-data/flows.db when /var/lib/wanscope is not writable)" },
	{ "collect.allow", CONF_CUSTOM, 0, 0, NULL, 0, 0, CONF_REPEAT, allow_parse,
	  allow_value, allow_clear,
	  "accept exporters in this prefix only; others are counted and dropped (none = all)" },
	{ "collect.threads", CONF_U32, 0, COLLECT_MAX_THREADS, "0", F(threads), 0, 0,
	  NULL, NULL, NULL, "receive threads, 0 = the CPUs (at most 4)" },
	{ "collect.rcvbuf", CONF_SIZE, 4096, 1ull << 30, "32M", F(rcvbuf), 0, 0,
	  NULL, NULL, NULL, "socket receive buffer (holds what the store is behind)" },
	{ "collect.queue", CONF_U64, 2048, 1ull << 26, "262144", F(queue_records), 0, 0,
	  NULL, NULL, NULL, "records held between receive and store; when full, receiving pauses" },
	{ "collect.retain", CONF_DURATION, 0, 3650 * DAY, "7d", F(retain_ms), 0, 0,
	  NULL, NULL, NULL, "delete raw files older than this (0 = never)" },
	{ "collect.retain_size", CONF_SIZE, 0, 1ull << 50, "10G", F(retain_bytes), 0, 0,
	  NULL, NULL, NULL, "delete the oldest raw files beyond this total (0 = no limit)" },
	{ "collect.rollup_retain", CONF_DURATION, 0, 3650 * DAY, "90d", F(rollup_retain_ms),
	  0, 0, NULL, NULL, NULL, "delete rollups older than this (0 = never)" },
	{ "collect.rotate", CONF_DURATION, 1000, 7 * DAY, "5m", F(rotate_ms), 0, 0,
	  NULL, NULL, NULL, "start a new raw file this often" },
	{ "collect.commit", CONF_DURATION, 100, 60000, "2s", F(commit_ms), 0, 0,
	  NULL, NULL, NULL, "store commit interval" },
	{ "collect.rollup_keys", CONF_U32, 1, 1000000, "1000", F(rollup_keys), 0, 0,
	  NULL, NULL, NULL, "keys kept per rollup dimension and commit; the rest are 'other'" },
	{ "collect.zstd_level", CONF_CUSTOM, 0, 0, "1", 0, 0, 0, zstd_level_parse,
	  zstd_level_value, NULL,
	  "zstd level of raw files: 1..19, or -1..-7 for zstd's fast levels (less CPU, bigger files)" },
	{ "collect.raw_compress", CONF_CUSTOM, 0, 0, "zstd", 0, 0, 0, compress_parse,
	  compress_value, NULL,
	  "raw blocks: zstd (smallest), lz4 (bigger, little less CPU) or none (plain IPFIX, least CPU)" },
	{ "collect.sampling", CONF_U32, 0, UINT32_MAX, "0", F(sampling_override), 0, 0,
	  NULL, NULL, NULL, "force this sampling rate for every exporter (0 = as exported)" },
	{ "collect.default_sampling", CONF_U32, 1, UINT32_MAX, "1", F(default_sampling), 0, 0,
	  NULL, NULL, NULL, "sampling rate of exporters that announce none" },
	{ "collect.exporter_sampling", CONF_CUSTOM, 0, 0, NULL, 0, 0, CONF_REPEAT,
	  force_parse, force_value, force_clear,
	  "EXPORTER=N: force rate N for the exporters in this address or prefix "
	  "(longest prefix wins; N = 0: as exported)" },
	{ "collect.exporter_default_sampling", CONF_CUSTOM, 0, 0, NULL, 0, 0, CONF_REPEAT,
	  dflt_parse, dflt_value, dflt_clear,
	  "EXPORTER=N: rate N for the exporters in this prefix when they announce none" },
	{ "collect.raw", CONF_BOOL, 0, 0, "yes", F(raw), 0, 0, NULL, NULL, NULL,
	  "store raw flow records (no: rollups only)" },
	{ "collect.stats_file", CONF_STRING, 0, 4000, NULL, F(stats_file),
	  sizeof(((struct collect_cfg *)0)->stats_file), 0, NULL, NULL, NULL,
	  "statistics JSON, rewritten every second (default: DB.stats.json)" },
};

const size_t collect_conf_nopts = sizeof(collect_conf_opts) / sizeof(collect_conf_opts[0]);
