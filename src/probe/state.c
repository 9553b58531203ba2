/* SPDX-License-Identifier: BSD-2-Clause */
/* state.c - the prober's state file (JSON), rewritten atomically */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/wbuf.h"
#include "probe/prober.h"

#define STATE_MAX_TARGETS 256	/* per tunnel in the file; the rest is counted */

static void put_num(struct wbuf *b, double v)
{
	wbuf_printf(b, "%.3f", v);
}

static void put_stats(struct wbuf *b, const struct rtt_stats *s)
{
	wbuf_printf(b, "\"sent\":%llu,\"received\":%llu,\"loss_pct\":",
		    (unsigned long long)s->sent, (unsigned long long)s->received);
	put_num(b, s->loss_pct);
	wbuf_puts_lit(b, ",\"rtt_ms\":{\"min\":");
	put_num(b, s->min_ms);
	wbuf_puts_lit(b, ",\"avg\":");
	put_num(b, s->avg_ms);
	wbuf_puts_lit(b, ",\"max\":");
	put_num(b, s->max_ms);
	wbuf_puts_lit(b, ",\"stddev\":");
	put_num(b, s->stddev_ms);
	wbuf_puts_lit(b, ",\"jitter\":");
	put_num(b, s->jitter_ms);
	wbuf_putc(b, '}');
}

static void put_time(struct wbuf *b, int64_t ms)
{
	char buf[TIME_ISO_LEN];

	time_fmt_iso_ms(ms, buf);
	wbuf_putc(b, '"');
	wbuf_puts(b, buf);
	wbuf_putc(b, '"');
}

static void put_tunnel(struct prober *p, struct wbuf *b, const struct ptunnel *t,
		       uint64_t now_ms)
{
	const struct tunnel_conf *c = t->conf;
	struct rtt_stats st;
	char buf[IP_PREFIX_STRLEN];
	uint32_t i, n;

	wbuf_puts_lit(b, "{\"name\":");
	wbuf_put_json_str(b, c->name, strlen(c->name));
	wbuf_puts_lit(b, ",\"iface\":");
	wbuf_put_json_str(b, c->iface, strlen(c->iface));
	wbuf_printf(b, ",\"type\":\"%s\",\"state\":\"%s\",\"since\":", probe_type_name(c->type),
		    health_state_name(t->state));
	put_time(b, (int64_t)t->since_ms + p->real_minus_mono_ms);
	wbuf_printf(b, ",\"transitions\":%u,\"last_transition\":", t->transitions);
	if (t->transitions) {
		wbuf_printf(b, "{\"from\":\"%s\",\"to\":\"%s\",\"at\":",
			    health_state_name(t->prev_state), health_state_name(t->state));
		put_time(b, (int64_t)t->changed_real_ms);
		wbuf_puts_lit(b, ",\"reason\":");
		wbuf_put_json_str(b, t->reason, strlen(t->reason));
		wbuf_putc(b, '}');
	} else {
		wbuf_puts_lit(b, "null");
	}
	wbuf_printf(b, ",\"window_s\":%llu,", (unsigned long long)(c->stats_window_ms / 1000));
	rttwin_stats(&t->stats, now_ms, &st);
	put_stats(b, &st);
	wbuf_printf(b, ",\"counters\":{\"tx\":%llu,\"tx_errors\":%llu,\"rx_ok\":%llu,"
		    "\"forged\":%llu,\"stale\":%llu,\"wrong_iface\":%llu,\"tx_paced\":%llu,"
		    "\"tx_skipped\":%llu}",
		    (unsigned long long)t->tx, (unsigned long long)t->tx_err,
		    (unsigned long long)t->rx_ok, (unsigned long long)t->rx_forged,
		    (unsigned long long)t->rx_stale, (unsigned long long)t->rx_wrong_iface,
		    (unsigned long long)t->tx_paced, (unsigned long long)t->tx_skipped);
	wbuf_printf(b, ",\"slo\":{\"objective_pct\":%g,\"short_pct\":", c->slo_ppm / 10000.0);
	put_num(b, t->slo_short_pct);
	wbuf_puts_lit(b, ",\"long_pct\":");
	put_num(b, t->slo_long_pct);
	wbuf_printf(b, ",\"alerting\":%s}", t->slo_alerting ? "true" : "false");
	wbuf_puts_lit(b, ",\"routes\":[");
	for (i = 0; i < c->nroutes; i++) {
		const struct probe_route *r = &c->routes[i];
		uint32_t m = r->metric + (t->state == HEALTH_DEGRADED ? c->penalty_degraded :
					  t->state == HEALTH_DOWN ? c->penalty_down : 0);

		ip_prefix_fmt(&r->dst, buf);
		wbuf_printf(b, "%s{\"dst\":\"%s\",\"table\":%u,\"metric\":%u}", i ? "," : "", buf,
			    r->table, m);
	}
	wbuf_puts_lit(b, "],\"targets\":[");
	n = c->ntargets < STATE_MAX_TARGETS ? c->ntargets : STATE_MAX_TARGETS;
	for (i = 0; i < n; i++) {
		const struct ptarget *g = &t->targets[i];

		ip_addr_fmt(&g->addr, buf);
		wbuf_printf(b, "%s{\"addr\":\"%s\",\"state\":\"%s\",\"reason\":", i ? "," : "", buf,
			    health_state_name(g->h.state));
		wbuf_put_json_str(b, g->h.reason, strlen(g->h.reason));
		wbuf_putc(b, ',');
		rttwin_stats(&g->stats, now_ms, &st);
		put_stats(b, &st);
		wbuf_putc(b, '}');
	}
	wbuf_printf(b, "],\"targets_omitted\":%u}", c->ntargets - n);
}

int state_write(struct prober *p)
{
	const char *path = p->conf->state_file;
	char tmp[PROBE_PATH_LEN + 16], dir[PROBE_PATH_LEN], *slash;
	uint64_t now_ms = time_mono_ms();
	struct wbuf b;
	FILE *f;
	uint32_t i;
	int ret = 0;

	if (!path[0])
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);	/* one level, like /run/wanscope */
	}
	if (wbuf_init(&b, 4096, 256u << 20) < 0)
		return -1;
	wbuf_puts_lit(&b, "{\"time\":");
	put_time(&b, time_real_ms());
	wbuf_printf(&b, ",\"pid\":%d,\"rx_not_ours\":%llu,\"rx_dropped\":%llu,\"tunnels\":[",
		    (int)getpid(), (unsigned long long)p->rx_not_ours,
		    (unsigned long long)p->rx_drops);
	for (i = 0; i < p->ntun; i++) {
		if (i)
			wbuf_putc(&b, ',');
		put_tunnel(p, &b, &p->tun[i], now_ms);
	}
	wbuf_puts_lit(&b, "]}\n");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || wbuf_flush(&b, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		static struct log_rl rl = LOG_RL_INIT(60000, 1);

		log_warnx_rl(&rl, "state file %s: %s", path, strerror(errno));
		ret = -1;
	}
	wbuf_free(&b);
	return ret;
}
