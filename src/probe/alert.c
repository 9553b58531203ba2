/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alert.c - alert actions: an exec'd command and/or a webhook, run in a
 * child process so the probing loop never waits for them; and the health
 * SLO, evaluated over a short and a long window (alert only when both
 * are below the objective, resolve when either recovers)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_CURL
#include <curl/curl.h>
#endif

#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/wbuf.h"
#include "probe/prober.h"

struct alert_ev {
	const char *event;	/* "state", "slo-alert", "slo-resolved" */
	const struct ptunnel *t;
	char detail[512];
};

static void child_webhook(const char *url, const char *body)
{
#ifdef HAVE_CURL
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c)
		_exit(1);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		fprintf(stderr, "wanscope: alert webhook %s: %s\n", url, curl_easy_strerror(rc));
	_exit(rc == CURLE_OK ? 0 : 1);
#else
	(void)body;
	fprintf(stderr, "wanscope: alert webhook %s: built without libcurl\n", url);
	_exit(1);
#endif
}

static void alert_fire(struct prober *p, const struct alert_ev *ev)
{
	const struct probe_conf *c = p->conf;
	const struct ptunnel *t = ev->t;
	struct wbuf b;
	pid_t pid;

	if (!c->alert_exec[0] && !c->alert_webhook[0])
		return;
	alert_reap(p);
	if (p->nchildren == sizeof(p->children) / sizeof(p->children[0])) {
		log_warnx("alert for tunnel %s dropped: %u alert actions still running",
			  t->conf->name, p->nchildren);
		return;
	}
	if (wbuf_init(&b, 1024, 1 << 16) < 0)
		return;
	wbuf_puts_lit(&b, "{\"event\":");
	wbuf_put_json_str(&b, ev->event, strlen(ev->event));
	wbuf_puts_lit(&b, ",\"tunnel\":");
	wbuf_put_json_str(&b, t->conf->name, strlen(t->conf->name));
	wbuf_printf(&b, ",\"state\":\"%s\",\"previous\":\"%s\",\"detail\":",
		    health_state_name(t->state), health_state_name(t->prev_state));
	wbuf_put_json_str(&b, ev->detail, strlen(ev->detail));
	wbuf_puts_lit(&b, "}");
	wbuf_putc(&b, '\0');
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_warn("alert: fork");
		wbuf_free(&b);
		return;
	}
	if (pid == 0) {
		if (c->alert_webhook[0] && c->alert_exec[0] && fork() == 0)
			child_webhook(c->alert_webhook, b.p);
		setenv("WANSCOPE_EVENT", ev->event, 1);
		setenv("WANSCOPE_TUNNEL", t->conf->name, 1);
		setenv("WANSCOPE_IFACE", t->conf->iface, 1);
		setenv("WANSCOPE_STATE", health_state_name(t->state), 1);
		setenv("WANSCOPE_PREVIOUS", health_state_name(t->prev_state), 1);
		setenv("WANSCOPE_DETAIL", ev->detail, 1);
		setenv("WANSCOPE_JSON", b.p, 1);
		if (c->alert_exec[0]) {
			execl("/bin/sh", "sh", "-c", c->alert_exec, (char *)NULL);
			_exit(127);
		}
		child_webhook(c->alert_webhook, b.p);
	}
	p->children[p->nchildren++] = pid;
	wbuf_free(&b);
}

void alert_reap(struct prober *p)
{
	unsigned i = 0;
	int st;

	/* Grandchildren (webhook beside exec) are reparented to init. */
	while (i < p->nchildren) {
		if (waitpid(p->children[i], &st, WNOHANG) == p->children[i]) {
			if (WIFEXITED(st) && WEXITSTATUS(st))
				log_warnx("alert action exited with status %d", WEXITSTATUS(st));
			p->children[i] = p->children[--p->nchildren];
		} else {
			i++;
		}
	}
}

void alert_transition(struct prober *p, const struct ptunnel *t)
{
	struct alert_ev ev = { .event = "state", .t = t };

	snprintf(ev.detail, sizeof(ev.detail), "%s -> %s: %s", health_state_name(t->prev_state),
		 health_state_name(t->state), t->reason);
	alert_fire(p, &ev);
}

static double good_pct(const struct hwin *w, uint64_t now_ms, bool *have)
{
	uint64_t n, fail;

	hwin_sum(w, now_ms, &n, &fail);
	*have = n > 0;
	return n ? 100.0 * (double)(n - fail) / (double)n : 100.0;
}

void alert_slo_check(struct prober *p, struct ptunnel *t, uint64_t now_ns)
{
	const struct tunnel_conf *c = t->conf;
	double slo = c->slo_ppm / 10000.0;
	bool hs, hl, below;
	struct alert_ev ev = { .t = t };

	t->slo_short_pct = good_pct(&t->slo_short, now_ns / 1000000, &hs);
	t->slo_long_pct = good_pct(&t->slo_long, now_ns / 1000000, &hl);
	if (now_ns < t->next_slo_ns)
		return;
	t->next_slo_ns = now_ns + c->slo_every_ms * 1000000;
	if (!hs || !hl)
		return;
	below = t->slo_short_pct < slo && t->slo_long_pct < slo;
	if (below == t->slo_alerting)
		return;
	t->slo_alerting = below;
	ev.event = below ? "slo-alert" : "slo-resolved";
	snprintf(ev.detail, sizeof(ev.detail),
		 "good probes %.3f%% over %llu s and %.3f%% over %llu s; objective %g%%",
		 t->slo_short_pct, (unsigned long long)(c->slo_short_ms / 1000),
		 t->slo_long_pct, (unsigned long long)(c->slo_long_ms / 1000), slo);
	log_info("tunnel %s: %s: %s", c->name, ev.event, ev.detail);
	alert_fire(p, &ev);
}
