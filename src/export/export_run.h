/* SPDX-License-Identifier: BSD-2-Clause */
/* export_run.h - the exporter as a component of `wanscope run` */
#ifndef WS_EXPORT_RUN_H
#define WS_EXPORT_RUN_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "export/export.h"
#include "lib/conf.h"
#include "lib/mainloop.h"

/* The export.* options of a configuration file. */
struct export_conf {
	char ifnames[EXP_MAX_IFS][IF_NAMESIZE];
	unsigned nifs;
	char collectors[EXP_MAX_COLLECTORS][80];
	unsigned ncols;
	uint32_t proto;			/* enum flow_proto */
	uint32_t sampling, max_flows, domain, mtu;
	uint64_t active_ms, idle_ms, template_refresh_ms, counter_interval_ms;
};

extern const struct conf_opt export_conf_opts[];
extern const size_t export_conf_nopts;

/* Return: 0, or -1 with the reason in @err (no interface or collector). */
int export_conf_check(const struct export_conf *c, char *err, size_t errlen);

/*
 * The one source of the exporter's defaults is export_conf_opts: the
 * daemon converts its parsed export.* options, the command line starts
 * from the table's defaults, both with exp_cfg_from_conf().
 */
void exp_cfg_from_conf(struct exp_cfg *cfg, const struct export_conf *c);
/* @cfg = the table's defaults (and EXP_SNAPLEN_DEFAULT).
 * Return: 0, or -1 when a default does not parse (a bug; logged). */
int exp_cfg_defaults(struct exp_cfg *cfg);
/* The option @name ("export.mtu"). Return: it, or NULL. */
const struct conf_opt *export_conf_opt(const char *name);
/* The default of option @name ("export.mtu") as written in the table;
 * "none" when it has none. Return: never NULL ("?" for no such option). */
const char *export_conf_default(const char *name);

struct exp_daemon;

/* Open the interfaces and collectors, watch the rings from @ml.
 * Return: the running exporter, or NULL (logged). */
struct exp_daemon *exp_daemon_start(const struct export_conf *c, struct mainloop *ml);
/* Once a second: timeouts, templates, counters, drop counters. */
void exp_daemon_tick(struct exp_daemon *d);
/* Log the statistics line (SIGUSR1). */
void exp_daemon_log_stats(struct exp_daemon *d);
/* Export every cached flow, log the statistics, close. Return: 0. */
int exp_daemon_stop(struct exp_daemon *d);

#endif
