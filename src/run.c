/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * run.c - `wanscope run`: the daemon
 *
 * One configuration (a file, or the embedded defaults) enables the
 * components; each is started, ticked once a second from the main loop
 * and stopped on SIGINT/SIGTERM. A component is one entry in
 * components[] plus its options table in tables(): the collector is the
 * first; the prober, detector, exporter, ICMP proxy and API hook in the
 * same way (see "Adding a component" below).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/collector.h"
#include "export/export_run.h"
#include "lib/conf.h"
#include "lib/log.h"
#include "lib/mainloop.h"
#include "lib/opt.h"
#include "subcommands.h"

#define RUN_DEFAULT_DB "/var/lib/wanscope/flows.db"
#define RUN_FALLBACK_DIR "wanscope-data"

/* Options of the daemon itself. */
struct run_cfg {
	int log_level;			/* enum log_level */
	bool collect_enable;
	bool export_enable;
};

/* The daemon: its configuration and every component's state. */
struct run {
	struct run_cfg cfg;
	struct collect_cfg collect;
	struct collector *collector;
	struct export_conf exp;
	struct exp_daemon *exporter;
	/* Adding a component: its config struct and state go here. */
	struct mainloop ml;
};

static const char *const level_names[] = { "error", "warning", "info", "debug" };

static int level_parse(void *base, const char *val, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!strcasecmp(val, level_names[i])) {
			((struct run_cfg *)base)->log_level = i;
			return 0;
		}
	snprintf(err, errlen, "'%s' is not error, warning, info or debug", val);
	return -1;
}

static bool level_value(const void *base, unsigned i, char *buf, size_t len)
{
	if (i)
		return false;
	snprintf(buf, len, "%s", level_names[((const struct run_cfg *)base)->log_level & 3]);
	return true;
}

static const struct conf_opt run_opts[] = {
	{ "log.level", CONF_CUSTOM, 0, 0, "info", 0, 0, 0, level_parse, level_value, NULL,
	  "error, warning, info or debug (logs go to stderr)" },
	{ "collect.enable", CONF_BOOL, 0, 0, "yes", offsetof(struct run_cfg, collect_enable),
	  0, 0, NULL, NULL, NULL, "run the flow collector" },
	{ "export.enable", CONF_BOOL, 0, 0, "no", offsetof(struct run_cfg, export_enable),
	  0, 0, NULL, NULL, NULL, "run the flow exporter (capture, export NetFlow/IPFIX/sFlow)" },
};

/* Every options table and the struct it fills. Adding a component: add
 * its table here (options named "ROOM.name"). */
static size_t tables(struct run *r, struct conf_table *t)
{
	size_t n = 0;

	t[n++] = (struct conf_table){ run_opts, sizeof(run_opts) / sizeof(run_opts[0]), &r->cfg };
	t[n++] = (struct conf_table){ collect_conf_opts, collect_conf_nopts, &r->collect };
	t[n++] = (struct conf_table){ export_conf_opts, export_conf_nopts, &r->exp };
	return n;
}

/* ---- the collector component ---- */

/* The default database path needs /var/lib/wanscope; without it (not
 * root, read-only /var) use ./wanscope-data/ and say so. */
static int collect_db_path(struct run *r)
{
	char dir[4096], *slash;

	if (strcmp(r->collect.db, RUN_DEFAULT_DB)) {
		snprintf(dir, sizeof(dir), "%s", r->collect.db);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			if (access(dir, W_OK) < 0) {
				log_warn("run: collect.db %s: directory %s", r->collect.db, dir);
				return -1;
			}
		}
		return 0;
	}
	if ((mkdir("/var/lib/wanscope", 0750) == 0 || errno == EEXIST) &&
	    access("/var/lib/wanscope", W_OK) == 0)
		return 0;
	if (mkdir(RUN_FALLBACK_DIR, 0750) < 0 && errno != EEXIST) {
		log_warn("run: neither /var/lib/wanscope nor ./%s is writable", RUN_FALLBACK_DIR);
		return -1;
	}
	snprintf(r->collect.db, sizeof(r->collect.db), "%s/flows.db", RUN_FALLBACK_DIR);
	log_info("run: /var/lib/wanscope is not writable; storing flows in ./%s/flows.db",
		 RUN_FALLBACK_DIR);
	return 0;
}

static bool collect_enabled(const struct run *r) { return r->cfg.collect_enable; }

static int collect_start(struct run *r)
{
	if (collect_db_path(r) < 0)
		return -1;
	r->collector = collector_start(&r->collect);
	return r->collector ? 0 : -1;
}

static void collect_tick(struct run *r) { collector_tick(r->collector); }
static void collect_usr1(struct run *r) { collector_log_stats(r->collector); }

static int collect_stop(struct run *r)
{
	int rc = collector_stop(r->collector);

	r->collector = NULL;
	return rc;
}

static int collect_check(const struct run *r, char *err, size_t errlen)
{
	if (!r->collect.nlisten) {
		snprintf(err, errlen, "collect.listen: the collector needs at least one listener");
		return -1;
	}
	return 0;
}

/* ---- the exporter component ---- */

static bool export_enabled(const struct run *r) { return r->cfg.export_enable; }

static int export_check(const struct run *r, char *err, size_t errlen)
{
	return export_conf_check(&r->exp, err, errlen);
}

static int export_start(struct run *r)
{
	r->exporter = exp_daemon_start(&r->exp, &r->ml);
	return r->exporter ? 0 : -1;
}

static void export_tick(struct run *r) { exp_daemon_tick(r->exporter); }
static void export_usr1(struct run *r) { exp_daemon_log_stats(r->exporter); }

static int export_stop(struct run *r)
{
	int rc = exp_daemon_stop(r->exporter);

	r->exporter = NULL;
	return rc;
}

/*
 * Adding a component (prober, detector, exporter, ICMP proxy, API):
 * a struct for its config and state in struct run, an options table in
 * tables(), an "ROOM.enable" option in run_opts, and one entry here.
 * Components start in this order and stop in reverse.
 */
struct component {
	const char *name;
	bool (*enabled)(const struct run *r);
	int (*check)(const struct run *r, char *err, size_t errlen);
	int (*start)(struct run *r);
	void (*tick)(struct run *r);
	void (*usr1)(struct run *r);
	int (*stop)(struct run *r);
};

static const struct component components[] = {
	{ "collect", collect_enabled, collect_check, collect_start, collect_tick,
	  collect_usr1, collect_stop },
	{ "export", export_enabled, export_check, export_start, export_tick,
	  export_usr1, export_stop },
};
#define NCOMP (sizeof(components) / sizeof(components[0]))

/* ---- the daemon ---- */

static void on_tick(void *arg)
{
	struct run *r = arg;
	size_t i;

	for (i = 0; i < NCOMP; i++)
		if (components[i].enabled(r) && components[i].tick)
			components[i].tick(r);
}

static void on_signal(void *arg, int sig)
{
	struct run *r = arg;
	size_t i;

	if (sig != SIGUSR1)
		return;
	for (i = 0; i < NCOMP; i++)
		if (components[i].enabled(r) && components[i].usr1)
			components[i].usr1(r);
}

static void usage(FILE *f, struct run *r)
{
	struct conf_table t[8];
	size_t nt = tables(r, t);

	fprintf(f,
"usage: wanscope run [-c FILE] [-n] [-v]\n"
"\n"
"Run the daemon: the components a configuration file enables, or with no\n"
"file the embedded defaults: the flow collector on udp://[::]:2055\n"
"(NetFlow/IPFIX) and udp://[::]:6343 (sFlow), storing into\n"
"/var/lib/wanscope/flows.db (./wanscope-data/flows.db when that is not\n"
"writable). Logs go to stderr. Runs until SIGINT or SIGTERM; SIGUSR1 logs\n"
"statistics.\n"
"\n"
"Options:\n"
"  -c, --config FILE   read the configuration from FILE\n"
"  -n, --check         check the configuration and exit (with -v: print it\n"
"                      canonically; that output is a valid configuration)\n"
"  -v, --verbose       log debug messages (with -n: print the configuration)\n"
"  -h, --help          this help\n"
"\n"
"Configuration file: one option per line, \"name value\", '#' comments,\n"
"values with spaces in double quotes; list options may repeat. Options:\n\n");
	conf_help(t, nt, f);
	fprintf(f,
"\nExample:\n"
"  collect.listen udp://[::]:2055\n"
"  collect.listen udp://0.0.0.0:6343\n"
"  collect.db /srv/flows/flows.db\n"
"  collect.allow 192.0.2.0/24\n"
"  collect.retain 3d\n"
"\n"
"Exit status: 0 stopped by a signal (or -n: the configuration is valid),\n"
"1 failure, 2 usage error or invalid configuration.\n");
}

int run_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct run run;
	struct run *r = &run;
	struct conf_table t[8];
	const char *file = NULL;
	bool check = false;
	int o, verbose = 0, sig, rc = EXIT_OK;
	size_t nt, i, started = 0;
	char err[1024];

	memset(r, 0, sizeof(*r));
	collect_cfg_defaults(&r->collect);
	nt = tables(r, t);
	if (conf_defaults(t, nt, err, sizeof(err)) < 0) {
		fprintf(stderr, "wanscope: run: built-in defaults: %s\n", err);
		return EXIT_FAIL;
	}
	optind = 1;
	while ((o = getopt_long(argc, argv, "c:nvh", longopts, NULL)) != -1) {
		switch (o) {
		case 'c': file = optarg; break;
		case 'n': check = true; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout, r); return EXIT_OK;
		default: usage(stderr, r); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wanscope: run: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (file && conf_parse_file(t, nt, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "wanscope: run: %s\n", err);
		return EXIT_USAGE;
	}
	for (i = 0; i < NCOMP; i++) {
		if (components[i].enabled(r) && components[i].check &&
		    components[i].check(r, err, sizeof(err)) < 0) {
			fprintf(stderr, "wanscope: run: %s%s%s\n", file ? file : "",
				file ? ": " : "", err);
			return EXIT_USAGE;
		}
	}
	if (check) {
		if (verbose)
			conf_print(t, nt, stdout);
		else
			fprintf(stderr, "wanscope: run: configuration OK\n");
		return EXIT_OK;
	}
	log_init("wanscope", verbose ? LOG_LVL_DEBUG : (enum log_level)r->cfg.log_level, false);
	if (mainloop_init(&r->ml, 1000, on_tick, on_signal, r) < 0) {
		log_warn("run: main loop");
		return EXIT_FAIL;
	}
	for (i = 0; i < NCOMP; i++) {
		if (!components[i].enabled(r))
			continue;
		if (components[i].start(r) < 0) {
			log_warnx("run: %s: cannot start", components[i].name);
			rc = EXIT_FAIL;
			break;
		}
		started = i + 1;
	}
	if (rc == EXIT_OK) {
		log_info("run: running (pid %d)", (int)getpid());
		sig = mainloop_run(&r->ml);
		log_info("run: %s: stopping", strsignal(sig));
	}
	while (started-- > 0)
		if (components[started].enabled(r) && components[started].stop(r) < 0)
			rc = EXIT_FAIL;
	mainloop_free(&r->ml);
	return rc;
}
