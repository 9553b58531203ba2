/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * export_run.c - the exporter inside `wanscope run`: its export.* options
 * and the component that captures from the daemon's main loop
 *
 * The daemon keeps its privileges for its other components, so unlike
 * `wanscope export` this does not switch user.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "export/export_run.h"
#include "lib/log.h"
#include "lib/timeutil.h"

struct exp_daemon {
	struct exporter x;
};

static int if_parse(void *base, const char *val, char *err, size_t errlen)
{
	struct export_conf *c = base;

	if (c->nifs == EXP_MAX_IFS) {
		snprintf(err, errlen, "at most %d interfaces", EXP_MAX_IFS);
		return -1;
	}
	if (!*val || strlen(val) >= IF_NAMESIZE) {
		snprintf(err, errlen, "'%s' is not an interface name", val);
		return -1;
	}
	snprintf(c->ifnames[c->nifs++], IF_NAMESIZE, "%s", val);
	return 0;
}

static bool if_value(const void *base, unsigned i, char *buf, size_t len)
{
	const struct export_conf *c = base;

	if (i >= c->nifs)
		return false;
	snprintf(buf, len, "%s", c->ifnames[i]);
	return true;
}

static void if_clear(void *base) { ((struct export_conf *)base)->nifs = 0; }

static int col_parse(void *base, const char *val, char *err, size_t errlen)
{
	struct export_conf *c = base;
	struct ip_addr a;
	uint16_t port;

	if (c->ncols == EXP_MAX_COLLECTORS) {
		snprintf(err, errlen, "at most %d collectors", EXP_MAX_COLLECTORS);
		return -1;
	}
	if (strlen(val) >= sizeof(c->collectors[0])) {
		snprintf(err, errlen, "'%s' is too long", val);
		return -1;
	}
	if (exp_collector_parse(val, &a, &port, err, errlen) < 0)
		return -1;
	snprintf(c->collectors[c->ncols++], sizeof(c->collectors[0]), "%s", val);
	return 0;
}

static bool col_value(const void *base, unsigned i, char *buf, size_t len)
{
	const struct export_conf *c = base;

	if (i >= c->ncols)
		return false;
	snprintf(buf, len, "%s", c->collectors[i]);
	return true;
}

static void col_clear(void *base) { ((struct export_conf *)base)->ncols = 0; }

static int proto_parse(void *base, const char *val, char *err, size_t errlen)
{
	enum flow_proto p = flow_proto_parse(val);

	if (p != FLOW_PROTO_NF9 && p != FLOW_PROTO_IPFIX && p != FLOW_PROTO_SFLOW5) {
		snprintf(err, errlen, "'%s' is not ipfix, v9 or sflow", val);
		return -1;
	}
	((struct export_conf *)base)->proto = p;
	return 0;
}

static bool proto_value(const void *base, unsigned i, char *buf, size_t len)
{
	const struct export_conf *c = base;

	if (i)
		return false;
	snprintf(buf, len, "%s", c->proto == FLOW_PROTO_NF9 ? "v9" :
		 c->proto == FLOW_PROTO_SFLOW5 ? "sflow" : "ipfix");
	return true;
}

#define OFF(f) offsetof(struct export_conf, f)
#define STR_(x) #x
#define STR(x) STR_(x)
const struct conf_opt export_conf_opts[] = {
	{ "export.interface", CONF_CUSTOM, 0, 0, NULL, 0, 0, CONF_REPEAT, if_parse, if_value,
	  if_clear, "capture on this interface (repeatable, up to 16)" },
	{ "export.collector", CONF_CUSTOM, 0, 0, NULL, 0, 0, CONF_REPEAT, col_parse,
	  col_value, col_clear, "udp://HOST:PORT to send to (repeatable, up to 8)" },
	{ "export.protocol", CONF_CUSTOM, 0, 0, "ipfix", 0, 0, 0, proto_parse, proto_value,
	  NULL, "ipfix, v9 or sflow" },
	{ "export.sampling", CONF_U32, 1, 1u << 30, "1", OFF(sampling), 0, 0, NULL, NULL,
	  NULL, "sample 1 in N packets at random" },
	{ "export.active_timeout", CONF_DURATION, 1000, UINT32_MAX, "60s", OFF(active_ms), 0,
	  0, NULL, NULL, NULL, "export long flows this often" },
	{ "export.idle_timeout", CONF_DURATION, 1000, UINT32_MAX, "15s", OFF(idle_ms), 0, 0,
	  NULL, NULL, NULL, "export a flow idle this long" },
	{ "export.max_flows", CONF_U32, 1, 1u << 24, "65536", OFF(max_flows), 0, 0, NULL,
	  NULL, NULL, "flow cache size; a full cache evicts the least recently seen" },
	{ "export.observation_domain", CONF_U32, 0, UINT32_MAX, "0", OFF(domain), 0, 0, NULL,
	  NULL, NULL, "IPFIX observation domain / v9 source id / sFlow sub-agent" },
	{ "export.template_refresh", CONF_DURATION, 1000, UINT32_MAX, "30s",
	  OFF(template_refresh_ms), 0, 0, NULL, NULL, NULL,
	  "resend v9/IPFIX templates this often" },
	{ "export.counter_interval", CONF_DURATION, 0, UINT32_MAX, "20s",
	  OFF(counter_interval_ms), 0, 0, NULL, NULL, NULL,
	  "sFlow interface counters this often (0 = never)" },
	{ "export.mtu", CONF_U32, FENC_MTU_MIN, FENC_MTU_MAX, STR(FENC_MTU_DEFAULT), OFF(mtu),
	  0, 0, NULL, NULL, NULL, "largest export datagram payload" },
};
const size_t export_conf_nopts = sizeof(export_conf_opts) / sizeof(export_conf_opts[0]);

int export_conf_check(const struct export_conf *c, char *err, size_t errlen)
{
	if (!c->nifs) {
		snprintf(err, errlen, "export.interface: the exporter needs an interface");
		return -1;
	}
	if (!c->ncols) {
		snprintf(err, errlen, "export.collector: the exporter needs a collector");
		return -1;
	}
	if (c->counter_interval_ms && c->counter_interval_ms < 1000) {
		snprintf(err, errlen, "export.counter_interval: below 1 second");
		return -1;
	}
	return 0;
}

void exp_cfg_from_conf(struct exp_cfg *cfg, const struct export_conf *c)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->proto = c->proto;
	cfg->sampling = c->sampling;
	cfg->active_ms = (uint32_t)c->active_ms;
	cfg->idle_ms = (uint32_t)c->idle_ms;
	cfg->max_flows = c->max_flows;
	cfg->domain = c->domain;
	cfg->template_refresh_ms = (uint32_t)c->template_refresh_ms;
	cfg->counter_interval_ms = (uint32_t)c->counter_interval_ms;
	cfg->mtu = c->mtu;
	cfg->snaplen = EXP_SNAPLEN_DEFAULT;
}

int exp_cfg_defaults(struct exp_cfg *cfg)
{
	struct export_conf c;
	struct conf_table t = { export_conf_opts, export_conf_nopts, &c };
	char err[256];

	memset(&c, 0, sizeof(c));
	if (conf_defaults(&t, 1, err, sizeof(err)) < 0) {
		log_warnx("export: built-in defaults: %s", err);
		return -1;
	}
	exp_cfg_from_conf(cfg, &c);
	return 0;
}

const struct conf_opt *export_conf_opt(const char *name)
{
	size_t i;

	for (i = 0; i < export_conf_nopts; i++)
		if (!strcmp(export_conf_opts[i].name, name))
			return &export_conf_opts[i];
	return NULL;
}

const char *export_conf_default(const char *name)
{
	const struct conf_opt *o = export_conf_opt(name);

	return !o ? "?" : o->def ? o->def : "none";
}

static void on_ring(void *arg, int fd, uint32_t events)
{
	struct exp_daemon *d = arg;
	unsigned i;

	(void)events;
	for (i = 0; i < d->x.nifs; i++)
		if (d->x.ifs[i].fd == fd)
			exp_if_drain(&d->x, i);
}

static void close_all(struct exp_daemon *d)
{
	exp_if_close_all(&d->x);
	exp_stop(&d->x);
	free(d);
}

struct exp_daemon *exp_daemon_start(const struct export_conf *c, struct mainloop *ml)
{
	struct exp_daemon *d = calloc(1, sizeof(*d));
	struct exp_cfg *cfg;
	unsigned i;

	if (!d) {
		log_warnx("export: out of memory");
		return NULL;
	}
	cfg = &d->x.cfg;
	exp_cfg_from_conf(cfg, c);
	for (i = 0; i < c->ncols; i++)
		if (exp_collector_open(&d->x, c->collectors[i]) < 0)
			goto fail;
	for (i = 0; i < c->nifs; i++)
		if (exp_if_open(&d->x, c->ifnames[i]) < 0)
			goto fail;
	for (i = 0; i < d->x.nifs; i++)
		if (mainloop_add_fd(ml, d->x.ifs[i].fd, EPOLLIN, on_ring, d) < 0) {
			log_warnx("export: %s: cannot watch its capture", d->x.ifs[i].name);
			goto fail;
		}
	if (exp_start(&d->x, time_real_ms()) < 0)
		goto fail;
	if (cfg->proto == FLOW_PROTO_SFLOW5)
		exp_tick(&d->x, time_real_ms());	/* first counters at start */
	log_info("export: capturing on %u interface(s), exporting %s", d->x.nifs,
		 flow_proto_name(cfg->proto));
	return d;
fail:
	close_all(d);
	return NULL;
}

void exp_daemon_tick(struct exp_daemon *d)
{
	exp_if_update_drops(&d->x);
	exp_tick(&d->x, time_real_ms());
}

void exp_daemon_log_stats(struct exp_daemon *d)
{
	exp_print_stats(&d->x, stderr, false);
}

int exp_daemon_stop(struct exp_daemon *d)
{
	exp_if_final_drain(&d->x);
	exp_finish(&d->x, time_real_ms());
	exp_print_stats(&d->x, stderr, false);
	close_all(d);
	return 0;
}
