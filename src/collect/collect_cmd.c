/* SPDX-License-Identifier: BSD-2-Clause */
/* collect_cmd.c - `wanscope collect`: receive flows and store them */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collector.h"
#include "lib/log.h"
#include "lib/mainloop.h"
#include "lib/opt.h"
#include "subcommands.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: wanscope collect [--listen udp://HOST:PORT]... [--db FILE] [OPTIONS]\n"
"       wanscope collect --stats [--db FILE | --stats-file FILE]\n"
"\n"
"Receive NetFlow v5/v9, IPFIX and sFlow v5 from exporters and store them:\n"
"per-minute rollups in the SQLite database FILE and raw flow records in\n"
"IPFIX files in FILE.d/, zstd-compressed unless --raw-compress says\n"
"otherwise (see docs/collect.md). Runs in the foreground until SIGINT or\n"
"SIGTERM, then stores everything received and exits. SIGUSR1 logs the\n"
"statistics.\n"
"\n"
"Options:\n"
"  -l, --listen URL        listen on udp://HOST:PORT (repeatable; IPv6 as\n"
"                          udp://[::]:2055). Default: udp://[::]:2055 and\n"
"                          udp://[::]:6343. The protocol is detected per packet.\n"
"  -d, --db FILE           the store (default: flows.db)\n"
"  -a, --allow PREFIX      accept exporters in PREFIX only (repeatable); others\n"
"                          are counted (not_allowed) and dropped. Default: all\n"
"  -t, --threads N         receive threads, 1..16 (default: CPUs, at most 4);\n"
"                          exporters are steered to threads by source address\n"
"      --rcvbuf BYTES      socket receive buffer (default: 32M; a warning says\n"
"                          when net.core.rmem_max caps it). What the store\n"
"                          is behind waits here; beyond, the kernel drops\n"
"                          datagrams (counted: kernel_drops)\n"
"      --queue N           records held between receive and store (default:\n"
"                          262144); when it is full the receive threads stop\n"
"                          reading until the store catches up\n"
"      --retain DURATION   delete raw files older than this (default: 7d)\n"
"      --retain-size BYTES delete the oldest raw files beyond this total\n"
"                          (default: 10G; 0 = no limit)\n"
"      --rollup-retain DURATION  delete rollups older than this (default: 90d)\n"
"      --rotate DURATION   start a new raw file this often (default: 5m)\n"
"      --commit DURATION   store commit interval (default: 2s)\n"
"      --rollup-keys N     keys kept per dimension and commit, the rest summed\n"
"                          as 'other' (default: 1000)\n"
"      --sampling [EXPORTER=]N\n"
"                          force sampling rate N for every exporter, or for\n"
"                          the exporters in EXPORTER (an address or prefix;\n"
"                          the longest match wins; N = 0 there: as exported);\n"
"                          repeatable\n"
"      --default-sampling [EXPORTER=]N\n"
"                          rate for exporters that announce none (default: 1),\n"
"                          or for those in EXPORTER; repeatable. EXPORTER is\n"
"                          the UDP source address (the agent address for\n"
"                          sFlow), as 'flows top --by exporter' shows it\n"
"      --no-raw            store rollups only\n"
"      --raw-compress zstd|lz4|none  how raw files are written (default:\n"
"                          zstd, the smallest files). none writes plain IPFIX:\n"
"                          no compression CPU, about 8 times the bytes. lz4\n"
"                          is in between; on flow records it saves little CPU\n"
"                          over zstd (--zstd-level -5 saves as much with\n"
"                          smaller files). Readers take every kind, in any\n"
"                          mix, so this can change between runs (figures in\n"
"                          docs/collect.md)\n"
"      --zstd-level N      zstd level of raw files: 1..19, or -1..-7 for\n"
"                          zstd's fast levels, less CPU for bigger files\n"
"                          (default: 1)\n"
"  -s, --stats-file FILE   statistics JSON, rewritten every second (default:\n"
"                          FILE.stats.json beside the database)\n"
"      --stats             print the running collector's statistics and exit\n"
"  -v, --verbose           log more\n"
"  -h, --help              this help\n"
"\n"
"Durations take ms, s, m, h or d; sizes K, M, G (powers of 1024).\n"
"\n"
"Examples:\n"
"  wanscope collect --listen udp://[::]:2055 --listen udp://127.0.0.1:6343 --db /var/lib/wanscope/flows.db\n"
"  wanscope collect --allow 192.0.2.0/24 --allow 2001:db8::/32 --db flows.db\n"
"  wanscope collect --zstd-level -5 --db flows.db     # less CPU, bigger files\n"
"  wanscope collect --raw-compress none --db flows.db # least CPU, plain IPFIX\n"
"  wanscope collect --stats --db flows.db\n"
"\n"
"Environment: WANSCOPE_COLLECT_STORE_DELAY_US=N makes the store sleep N\n"
"microseconds per 1024 records (a test knob: a slow store).\n"
"\n"
"Exit status: 0 stopped by a signal with everything stored, 1 failure\n"
"(startup, or records the store could not take), 2 usage error.\n");
}

/* "10", "64K", "32M", "1G". Return: 0 or -1 (message printed). */
int collect_parse_size(const char *what, const char *s, uint64_t *out);
int collect_parse_size(const char *what, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	v = strtoull(s, &end, 10);
	if (*end) {
		switch (*end) {
		case 'k': case 'K': mul = 1ull << 10; break;
		case 'm': case 'M': mul = 1ull << 20; break;
		case 'g': case 'G': mul = 1ull << 30; break;
		case 't': case 'T': mul = 1ull << 40; break;
		default: goto bad;
		}
		if (end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
			goto bad;
	}
	if (v > UINT64_MAX / mul)
		goto bad;
	*out = v * mul;
	return 0;
bad:
	fprintf(stderr, "wanscope: %s: '%s' is not a size (like 64K, 32M, 10G)\n",
		what, s ? s : "");
	return -1;
}

/* Durations with a 'd' suffix too. */
int collect_parse_duration(const char *what, const char *s, uint64_t *ms);
int collect_parse_duration(const char *what, const char *s, uint64_t *ms)
{
	size_t n = s ? strlen(s) : 0;

	if (n > 1 && s[n - 1] == 'd' && s[n - 2] >= '0' && s[n - 2] <= '9') {
		char buf[64];
		uint64_t v;

		if (n >= sizeof(buf))
			goto bad;
		memcpy(buf, s, n - 1);
		buf[n - 1] = 0;
		if (opt_u64(what, buf, 0, UINT64_MAX / 86400000, &v) < 0)
			return -1;
		*ms = v * 86400000;
		return 0;
	}
	return opt_duration_ms(what, s, ms);
bad:
	fprintf(stderr, "wanscope: %s: '%s' is not a duration\n", what, s);
	return -1;
}

static int print_stats(const char *path)
{
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		fprintf(stderr, "wanscope: collect: %s: %m (is a collector running "
			"with this --db / --stats-file?)\n", path);
		return EXIT_FAIL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return EXIT_OK;
}

static void on_tick(void *arg)
{
	collector_tick(arg);
}

static void on_signal(void *arg, int sig)
{
	if (sig == SIGUSR1)
		collector_log_stats(arg);
}

enum {
	O_RCVBUF = 256, O_QUEUE, O_RETAIN, O_RETAIN_SIZE, O_ROLLUP_RETAIN,
	O_ROTATE, O_COMMIT, O_ROLLUP_KEYS, O_SAMPLING, O_DEF_SAMPLING,
	O_NO_RAW, O_STATS, O_RAW_COMPRESS, O_ZSTD_LEVEL,
};

/* --sampling / --default-sampling: "N" for every exporter, or
 * "EXPORTER=N". Return: 0, or -1 after the message. */
static int sampling_arg(struct collect_cfg *cfg, const char *arg, bool force)
{
	const char *opt = force ? "--sampling" : "--default-sampling";
	struct flow_sampling_rule r;
	char err[256], what[64];

	if (!strchr(arg, '=')) {
		snprintf(what, sizeof(what), "collect: %s", opt);
		return opt_u32(what, arg, 1, UINT32_MAX,
			       force ? &cfg->sampling_override : &cfg->default_sampling);
	}
	if (flow_sampling_rule_parse(arg, force, &r, err, sizeof(err)) < 0 ||
	    flow_sampling_rule_add(cfg->sampling_rules, &cfg->nsampling_rules, &r,
				   err, sizeof(err)) < 0) {
		fprintf(stderr, "wanscope: collect: %s: %s\n", opt, err);
		return -1;
	}
	return 0;
}

int collect_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "allow", required_argument, NULL, 'a' },
		{ "threads", required_argument, NULL, 't' },
		{ "rcvbuf", required_argument, NULL, O_RCVBUF },
		{ "queue", required_argument, NULL, O_QUEUE },
		{ "retain", required_argument, NULL, O_RETAIN },
		{ "retain-size", required_argument, NULL, O_RETAIN_SIZE },
		{ "rollup-retain", required_argument, NULL, O_ROLLUP_RETAIN },
		{ "rotate", required_argument, NULL, O_ROTATE },
		{ "commit", required_argument, NULL, O_COMMIT },
		{ "rollup-keys", required_argument, NULL, O_ROLLUP_KEYS },
		{ "sampling", required_argument, NULL, O_SAMPLING },
		{ "default-sampling", required_argument, NULL, O_DEF_SAMPLING },
		{ "no-raw", no_argument, NULL, O_NO_RAW },
		{ "raw-compress", required_argument, NULL, O_RAW_COMPRESS },
		{ "zstd-level", required_argument, NULL, O_ZSTD_LEVEL },
		{ "stats-file", required_argument, NULL, 's' },
		{ "stats", no_argument, NULL, O_STATS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct collect_cfg cfg;
	struct collector *c;
	struct mainloop ml;
	char err[256], path[4200];
	bool stats = false;
	int o, verbose = 0, sig;
	uint64_t u;

	collect_cfg_defaults(&cfg);
	optind = 1;
	while ((o = getopt_long(argc, argv, "l:d:a:t:s:vh", longopts, NULL)) != -1) {
		switch (o) {
		case 'l':
			if (cfg.nlisten == COLLECT_MAX_LISTEN) {
				fprintf(stderr, "wanscope: collect: at most %d --listen\n",
					COLLECT_MAX_LISTEN);
				return EXIT_USAGE;
			}
			if (collect_listen_parse(optarg, &cfg.listen[cfg.nlisten], err,
						 sizeof(err)) < 0) {
				fprintf(stderr, "wanscope: collect: --listen: %s\n", err);
				return EXIT_USAGE;
			}
			cfg.nlisten++;
			break;
		case 'd':
			if (strlen(optarg) >= sizeof(cfg.db) - 32) {
				fprintf(stderr, "wanscope: collect: --db: path too long\n");
				return EXIT_USAGE;
			}
			snprintf(cfg.db, sizeof(cfg.db), "%s", optarg);
			break;
		case 'a':
			if (cfg.nallow == COLLECT_MAX_ALLOW) {
				fprintf(stderr, "wanscope: collect: at most %d --allow\n",
					COLLECT_MAX_ALLOW);
				return EXIT_USAGE;
			}
			if (ip_prefix_parse(optarg, &cfg.allow[cfg.nallow], false) < 0) {
				fprintf(stderr, "wanscope: collect: --allow: '%s' is not a "
					"prefix (like 192.0.2.0/24 or 2001:db8::/32, host "
					"bits zero)\n", optarg);
				return EXIT_USAGE;
			}
			cfg.nallow++;
			break;
		case 't':
			if (opt_u32("collect: --threads", optarg, 1, COLLECT_MAX_THREADS,
				    &cfg.threads) < 0)
				return EXIT_USAGE;
			break;
		case O_RCVBUF:
			if (collect_parse_size("collect: --rcvbuf", optarg, &cfg.rcvbuf) < 0)
				return EXIT_USAGE;
			break;
		case O_QUEUE:
			if (opt_u64("collect: --queue", optarg, 2048, 1u << 26,
				    &cfg.queue_records) < 0)
				return EXIT_USAGE;
			break;
		case O_RETAIN:
			if (collect_parse_duration("collect: --retain", optarg, &cfg.retain_ms) < 0)
				return EXIT_USAGE;
			break;
		case O_RETAIN_SIZE:
			if (collect_parse_size("collect: --retain-size", optarg,
					       &cfg.retain_bytes) < 0)
				return EXIT_USAGE;
			break;
		case O_ROLLUP_RETAIN:
			if (collect_parse_duration("collect: --rollup-retain", optarg,
						   &cfg.rollup_retain_ms) < 0)
				return EXIT_USAGE;
			break;
		case O_ROTATE:
			if (collect_parse_duration("collect: --rotate", optarg, &u) < 0)
				return EXIT_USAGE;
			if (u < 1000) {
				fprintf(stderr, "wanscope: collect: --rotate: at least 1s\n");
				return EXIT_USAGE;
			}
			cfg.rotate_ms = u;
			break;
		case O_COMMIT:
			if (collect_parse_duration("collect: --commit", optarg, &u) < 0)
				return EXIT_USAGE;
			if (u < 100 || u > 60000) {
				fprintf(stderr, "wanscope: collect: --commit: %s is out of "
					"range (100ms..60s)\n", optarg);
				return EXIT_USAGE;
			}
			cfg.commit_ms = u;
			break;
		case O_ROLLUP_KEYS:
			if (opt_u32("collect: --rollup-keys", optarg, 1, 1000000,
				    &cfg.rollup_keys) < 0)
				return EXIT_USAGE;
			break;
		case O_SAMPLING:
		case O_DEF_SAMPLING:
			if (sampling_arg(&cfg, optarg, o == O_SAMPLING) < 0)
				return EXIT_USAGE;
			break;
		case O_NO_RAW:
			cfg.raw = false;
			break;
		case O_RAW_COMPRESS:
			if (ipfix_codec_parse(optarg, &cfg.raw_compress) < 0) {
				fprintf(stderr, "wanscope: collect: --raw-compress: '%s' is "
					"not zstd, lz4 or none\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_ZSTD_LEVEL:
			if (collect_zstd_level_parse(optarg, &cfg.zstd_level, err,
						     sizeof(err)) < 0) {
				fprintf(stderr, "wanscope: collect: --zstd-level: %s\n", err);
				return EXIT_USAGE;
			}
			break;
		case 's':
			snprintf(cfg.stats_file, sizeof(cfg.stats_file), "%s", optarg);
			break;
		case O_STATS:
			stats = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wanscope: collect: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (stats) {
		collect_stats_path(&cfg, path, sizeof(path));
		return print_stats(path);
	}
	if (!cfg.nlisten) {
		collect_listen_parse("udp://[::]:2055", &cfg.listen[0], err, sizeof(err));
		collect_listen_parse("udp://[::]:6343", &cfg.listen[1], err, sizeof(err));
		cfg.nlisten = 2;
	}
	log_init("wanscope", verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO, false);
	if (mainloop_init(&ml, 1000, NULL, NULL, NULL) < 0) {
		log_warn("collect: signals");
		return EXIT_FAIL;
	}
	c = collector_start(&cfg);
	if (!c) {
		mainloop_free(&ml);
		return EXIT_FAIL;
	}
	ml.on_tick = on_tick;
	ml.on_signal = on_signal;
	ml.arg = c;
	sig = mainloop_run(&ml);
	log_info("collect: %s: storing what was received", strsignal(sig));
	mainloop_free(&ml);
	return collector_stop(c) < 0 ? EXIT_FAIL : EXIT_OK;
}
