/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.c - prober configuration file
 *
 * The file is a list of lines "KEYWORD VALUE...", '#' starts a comment.
 * Settings before the first "tunnel NAME" line are global, or defaults
 * for every tunnel that follows; a "tunnel NAME" line starts a section
 * that ends at the next one. One table (copts[]) names every option with
 * its kind, bounds, default and field: it drives parsing, the built-in
 * defaults and the canonical printout (-nv), which parses again.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "probe/config.h"

enum copt_kind { K_DUR, K_U32, K_BOOL, K_PPM, K_ADDR, K_STR, K_CMD, K_TYPE, K_IFACE,
		 K_TARGET, K_ROUTE };
enum copt_where { W_GLOBAL, W_TUNNEL };

struct copt {
	const char *name;
	uint8_t kind, where;
	uint64_t min, max;	/* numbers; string kinds: max length */
	size_t off;
	const char *def;
};

#define G(f) offsetof(struct probe_conf, f)
#define T(f) offsetof(struct tunnel_conf, f)
#define DAY_MS 86400000u

static const struct copt copts[] = {
	{ "state-file", K_STR, W_GLOBAL, 1, PROBE_PATH_LEN - 1, G(state_file),
	  "/run/wanscope/tunnels.json" },
	{ "state-interval", K_DUR, W_GLOBAL, 100, 3600000, G(state_every_ms), "1s" },
	{ "alert-exec", K_CMD, W_GLOBAL, 0, PROBE_CMD_LEN - 1, G(alert_exec), "" },
	{ "alert-webhook", K_CMD, W_GLOBAL, 0, PROBE_CMD_LEN - 1, G(alert_webhook), "" },
	{ "route-protocol", K_U32, W_GLOBAL, 1, 255, G(route_protocol), "245" },
	{ "send-burst", K_U32, W_GLOBAL, 1, 1024, G(send_burst), "32" },
	{ "iface", K_IFACE, W_TUNNEL, 1, 15, T(iface), "" },
	{ "type", K_TYPE, W_TUNNEL, 0, 0, T(type), "reply" },
	{ "source", K_ADDR, W_TUNNEL, 0, 0, T(source), "" },
	{ "peer", K_ADDR, W_TUNNEL, 0, 0, T(peer), "" },
	{ "target", K_TARGET, W_TUNNEL, 0, 0, T(targets), "" },
	{ "quorum", K_U32, W_TUNNEL, 0, PROBE_MAX_TARGETS, T(quorum), "0" },
	{ "interval", K_DUR, W_TUNNEL, 10, 3600000, T(interval_ms), "1s" },
	{ "timeout", K_DUR, W_TUNNEL, 1, 60000, T(timeout_ms), "300ms" },
	{ "retries", K_U32, W_TUNNEL, 0, 10, T(retries), "2" },
	{ "size", K_U32, W_TUNNEL, 60, PROBE_MAX_SIZE, T(size), "84" },
	{ "df", K_BOOL, W_TUNNEL, 0, 1, T(df), "no" },
	{ "dscp", K_U32, W_TUNNEL, 0, 63, T(dscp), "0" },
	{ "ttl", K_U32, W_TUNNEL, 1, 255, T(ttl), "64" },
	{ "down-window", K_DUR, W_TUNNEL, 10, 3600000, T(health.down_window_ms), "1s" },
	{ "down-probes", K_U32, W_TUNNEL, 1, HEALTH_RECENT, T(health.down_min_probes), "3" },
	{ "degrade-window", K_DUR, W_TUNNEL, 100, DAY_MS, T(health.degrade_window_ms), "5m" },
	{ "degrade-loss", K_PPM, W_TUNNEL, 0, 1000000, T(health.degrade_loss_ppm), "0.1%" },
	{ "degrade-failures", K_U32, W_TUNNEL, 1, 1000000, T(health.degrade_min_fail), "2" },
	{ "up-from-down", K_U32, W_TUNNEL, 1, 100000, T(health.up_from_down), "3" },
	{ "up-from-degraded", K_U32, W_TUNNEL, 1, 100000, T(health.up_from_degraded), "30" },
	{ "min-state", K_DUR, W_TUNNEL, 0, DAY_MS, T(health.min_state_ms), "5m" },
	{ "stats-window", K_DUR, W_TUNNEL, 1000, DAY_MS, T(stats_window_ms), "60s" },
	{ "slo", K_PPM, W_TUNNEL, 0, 1000000, T(slo_ppm), "98%" },
	{ "slo-short", K_DUR, W_TUNNEL, 1000, DAY_MS, T(slo_short_ms), "5m" },
	{ "slo-long", K_DUR, W_TUNNEL, 1000, 7 * (uint64_t)DAY_MS, T(slo_long_ms), "1h" },
	{ "slo-interval", K_DUR, W_TUNNEL, 1000, DAY_MS, T(slo_every_ms), "5m" },
	{ "route", K_ROUTE, W_TUNNEL, 0, 0, T(routes), "" },
	{ "penalty-degraded", K_U32, W_TUNNEL, 0, 100000000, T(penalty_degraded), "500000" },
	{ "penalty-down", K_U32, W_TUNNEL, 0, 100000000, T(penalty_down), "1000000" },
};
#define NCOPT (sizeof(copts) / sizeof(copts[0]))

struct cparse {
	struct probe_conf *c;
	const char *path;
	int line;
	int errors;
	int seen[NCOPT];	/* line where each option was set in this section */
	struct tunnel_conf *t;	/* current section, NULL for global */
};

__attribute__((format(printf, 3, 4)))
static void cerr(struct cparse *p, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", p->path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	p->errors++;
}

uint32_t probe_min_size(uint8_t family)
{
	return (family == 6 ? 40 : 20) + 8 + 32;
}

const char *probe_type_name(uint32_t t)
{
	return t == PROBE_REQUEST ? "request" : t == PROBE_UNIDIR ? "unidirectional" : "reply";
}

int probe_type_parse(const char *s, uint32_t *t)
{
	if (!strcmp(s, "reply"))
		*t = PROBE_REPLY;
	else if (!strcmp(s, "request"))
		*t = PROBE_REQUEST;
	else if (!strcmp(s, "unidirectional") || !strcmp(s, "unidir"))
		*t = PROBE_UNIDIR;
	else
		return -1;
	return 0;
}

/* Quiet number parsers: the caller words the error. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_dur(const char *s, uint64_t *ms)
{
	char *end;
	double v, mul;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -1;
	if (!strcmp(end, "ms"))
		mul = 1;
	else if (!*end || !strcmp(end, "s"))
		mul = 1000;
	else if (!strcmp(end, "m"))
		mul = 60000;
	else if (!strcmp(end, "h"))
		mul = 3600000;
	else
		return -1;
	if (v * mul > 1e15)
		return -1;
	*ms = (uint64_t)llround(v * mul);
	return 0;
}

static int parse_ppm(const char *s, uint64_t *ppm)
{
	char buf[32], *end;
	size_t n = strlen(s);
	double v;

	if (!n || n >= sizeof(buf) || *s == '-' || *s == '+')
		return -1;
	memcpy(buf, s, n + 1);
	if (buf[n - 1] == '%')
		buf[n - 1] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (errno || end == buf || *end || !isfinite(v) || v < 0 || v > 100)
		return -1;
	*ppm = (uint64_t)llround(v * 10000);
	return 0;
}

static void *field(const struct copt *o, struct probe_conf *c, struct tunnel_conf *t)
{
	return o->where == W_GLOBAL ? (char *)c + o->off : (char *)t + o->off;
}

static int route_parse(struct cparse *p, char **tok, int ntok, struct probe_route *r)
{
	int i;
	uint64_t v;

	memset(r, 0, sizeof(*r));
	r->table = 254;
	r->line = p->line;
	if (ntok < 1) {
		cerr(p, p->line, "route: missing prefix (route PREFIX [via ADDR] [metric N] [table N|main])");
		return -1;
	}
	if (ip_prefix_parse(tok[0], &r->dst, false) < 0) {
		cerr(p, p->line, "route: '%s' is not a prefix (host bits must be zero)", tok[0]);
		return -1;
	}
	for (i = 1; i < ntok; i += 2) {
		if (i + 1 >= ntok) {
			cerr(p, p->line, "route: '%s' needs a value", tok[i]);
			return -1;
		}
		if (!strcmp(tok[i], "via")) {
			if (ip_addr_parse(tok[i + 1], &r->via) < 0) {
				cerr(p, p->line, "route: via '%s' is not an address", tok[i + 1]);
				return -1;
			}
			if (r->via.family != r->dst.addr.family) {
				cerr(p, p->line, "route: via %s is not of the prefix's family",
				     tok[i + 1]);
				return -1;
			}
		} else if (!strcmp(tok[i], "metric")) {
			if (parse_u64(tok[i + 1], &v) < 0 || v > UINT32_MAX) {
				cerr(p, p->line, "route: metric '%s' is not a number 0..%u",
				     tok[i + 1], UINT32_MAX);
				return -1;
			}
			r->metric = (uint32_t)v;
		} else if (!strcmp(tok[i], "table")) {
			if (!strcmp(tok[i + 1], "main")) {
				r->table = 254;
			} else if (parse_u64(tok[i + 1], &v) < 0 || v < 1 || v > UINT32_MAX ||
				   v == 255) {
				cerr(p, p->line, "route: table '%s' is not 'main' or a number 1..%u "
				     "other than 255 (local)", tok[i + 1], UINT32_MAX);
				return -1;
			} else {
				r->table = (uint32_t)v;
			}
		} else {
			cerr(p, p->line, "route: unknown word '%s' (expected via, metric or table)",
			     tok[i]);
			return -1;
		}
	}
	return 0;
}

static int append(void **arr, uint32_t *n, size_t elsz, uint32_t max, const void *el)
{
	void *np;

	if (*n >= max)
		return -1;
	if ((*n & (*n - 1)) == 0) {	/* grow at powers of two */
		np = realloc(*arr, (*n ? *n * 2 : 4) * elsz);
		if (!np)
			return -1;
		*arr = np;
	}
	memcpy((char *)*arr + *n * elsz, el, elsz);
	(*n)++;
	return 0;
}

/* Set option @o from its value tokens. @raw is the rest of the line. */
static void set_opt(struct cparse *p, const struct copt *o, char **tok, int ntok,
		    const char *raw, struct tunnel_conf *t)
{
	void *f = field(o, p->c, t);
	const char *v = ntok ? tok[0] : "";
	uint64_t n;

	if (o->kind == K_CMD) {
		if (strlen(raw) > o->max) {
			cerr(p, p->line, "%s: longer than %llu characters", o->name,
			     (unsigned long long)o->max);
			return;
		}
		snprintf(f, o->max + 1, "%s", raw);
		return;
	}
	if (o->kind == K_ROUTE) {
		struct probe_route r;

		if (route_parse(p, tok, ntok, &r) == 0 &&
		    append((void **)&t->routes, &t->nroutes, sizeof(r), PROBE_MAX_ROUTES, &r) < 0)
			cerr(p, p->line, "route: more than %u routes in one tunnel", PROBE_MAX_ROUTES);
		return;
	}
	if (ntok != 1) {
		cerr(p, p->line, "%s: expected one value, got %d", o->name, ntok);
		return;
	}
	switch (o->kind) {
	case K_DUR:
		if (parse_dur(v, &n) < 0) {
			cerr(p, p->line, "%s: '%s' is not a duration (e.g. 300ms, 1s, 5m)", o->name, v);
			return;
		}
		if (n < o->min || n > o->max) {
			cerr(p, p->line, "%s: %s is out of range (%llums..%llums)", o->name, v,
			     (unsigned long long)o->min, (unsigned long long)o->max);
			return;
		}
		*(uint64_t *)f = n;
		break;
	case K_U32:
		if (parse_u64(v, &n) < 0) {
			cerr(p, p->line, "%s: '%s' is not a number", o->name, v);
			return;
		}
		if (n < o->min || n > o->max) {
			cerr(p, p->line, "%s: %s is out of range (%llu..%llu)", o->name, v,
			     (unsigned long long)o->min, (unsigned long long)o->max);
			return;
		}
		*(uint32_t *)f = (uint32_t)n;
		break;
	case K_PPM:
		if (parse_ppm(v, &n) < 0) {
			cerr(p, p->line, "%s: '%s' is not a percentage 0..100 (e.g. 0.1%% or 98)",
			     o->name, v);
			return;
		}
		*(uint32_t *)f = (uint32_t)n;
		break;
	case K_BOOL:
		if (!strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "true"))
			*(bool *)f = true;
		else if (!strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false"))
			*(bool *)f = false;
		else
			cerr(p, p->line, "%s: '%s' is not yes or no", o->name, v);
		break;
	case K_ADDR:
		if (ip_addr_parse(v, f) < 0)
			cerr(p, p->line, "%s: '%s' is not an IPv4 or IPv6 address", o->name, v);
		break;
	case K_STR:
	case K_IFACE:
		if (strlen(v) < o->min || strlen(v) > o->max) {
			cerr(p, p->line, "%s: '%s' is longer than %llu characters", o->name, v,
			     (unsigned long long)o->max);
			return;
		}
		if (o->kind == K_IFACE && strpbrk(v, "/:")) {
			cerr(p, p->line, "%s: '%s' is not an interface name", o->name, v);
			return;
		}
		snprintf(f, o->max + 1, "%s", v);
		break;
	case K_TYPE:
		if (probe_type_parse(v, f) < 0)
			cerr(p, p->line, "type: '%s' is not reply, request or unidirectional", v);
		break;
	case K_TARGET: {
		struct ip_addr a;

		if (ip_addr_parse(v, &a) < 0) {
			cerr(p, p->line, "target: '%s' is not an IPv4 or IPv6 address", v);
			return;
		}
		if (append((void **)&t->targets, &t->ntargets, sizeof(a), PROBE_MAX_TARGETS, &a) < 0)
			cerr(p, p->line, "target: more than %u targets in one tunnel",
			     PROBE_MAX_TARGETS);
		break;
	}
	default:
		break;
	}
}

static void apply_defaults(struct probe_conf *c)
{
	struct cparse p = { .c = c, .path = "(built-in)", .t = &c->defaults };
	size_t i;

	for (i = 0; i < NCOPT; i++) {
		char *tok[1] = { (char *)copts[i].def };

		if (!*copts[i].def && copts[i].kind != K_CMD)
			continue;
		set_opt(&p, &copts[i], tok, 1, copts[i].def, &c->defaults);
	}
}

void probe_conf_init(struct probe_conf *c)
{
	memset(c, 0, sizeof(*c));
	apply_defaults(c);
}

static void tunnel_free(struct tunnel_conf *t)
{
	free(t->targets);
	free(t->routes);
	t->targets = NULL;
	t->routes = NULL;
}

void probe_conf_free(struct probe_conf *c)
{
	uint32_t i;

	for (i = 0; i < c->ntunnels; i++)
		tunnel_free(&c->tunnels[i]);
	free(c->tunnels);
	tunnel_free(&c->defaults);
	c->tunnels = NULL;
	c->ntunnels = 0;
}

static const struct copt *copt_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOPT; i++)
		if (!strcmp(copts[i].name, name))
			return &copts[i];
	return NULL;
}

static void start_tunnel(struct cparse *p, char **tok, int ntok)
{
	struct tunnel_conf t;
	const char *s;

	if (ntok != 1) {
		cerr(p, p->line, "tunnel: expected one name, got %d words", ntok);
		p->t = NULL;
		return;
	}
	for (s = tok[0]; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			break;
	if (*s || strlen(tok[0]) >= PROBE_NAME_LEN) {
		cerr(p, p->line, "tunnel: '%s' is not a name (letters, digits, - _ . and at most %d "
		     "characters)", tok[0], PROBE_NAME_LEN - 1);
	}
	t = p->c->defaults;
	t.targets = NULL;
	t.routes = NULL;
	t.ntargets = t.nroutes = 0;
	snprintf(t.name, sizeof(t.name), "%s", tok[0]);
	t.line = p->line;
	if (append((void **)&p->c->tunnels, &p->c->ntunnels, sizeof(t), PROBE_MAX_TUNNELS, &t) < 0) {
		cerr(p, p->line, "tunnel: more than %u tunnels", PROBE_MAX_TUNNELS);
		p->t = NULL;
		return;
	}
	p->t = &p->c->tunnels[p->c->ntunnels - 1];
	memset(p->seen, 0, sizeof(p->seen));
}

static void parse_line(struct cparse *p, char *line)
{
	char *tok[16], *s, *raw = NULL;
	int ntok = 0;
	const struct copt *o;

	if ((s = strchr(line, '#')))
		*s = '\0';
	s = line;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			*s++ = '\0';
		if (!*s)
			break;
		if (ntok == 1 && !raw)
			raw = s;
		if (ntok == 16) {
			cerr(p, p->line, "more than 15 values on one line");
			return;
		}
		tok[ntok++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
	}
	if (!ntok)
		return;
	if (!strcmp(tok[0], "tunnel")) {
		start_tunnel(p, tok + 1, ntok - 1);
		return;
	}
	o = copt_find(tok[0]);
	if (!o) {
		cerr(p, p->line, "unknown setting '%s'", tok[0]);
		return;
	}
	if (o->kind == K_CMD && raw) {
		/* The rest of the line, as written (tokenising put NULs in it). */
		size_t i, n = (size_t)(tok[ntok - 1] + strlen(tok[ntok - 1]) - raw);

		for (i = 0; i < n; i++)
			if (!raw[i])
				raw[i] = ' ';
	}
	if (o->where == W_GLOBAL && p->t) {
		cerr(p, p->line, "'%s' is a global setting: put it before the first 'tunnel'",
		     o->name);
		return;
	}
	if (!p->t && (o->kind == K_TARGET || o->kind == K_ROUTE || o->kind == K_IFACE)) {
		cerr(p, p->line, "'%s' belongs in a tunnel section (after 'tunnel NAME')", o->name);
		return;
	}
	if (o->kind != K_TARGET && o->kind != K_ROUTE) {
		size_t i = (size_t)(o - copts);

		if (p->seen[i]) {
			cerr(p, p->line, "'%s' is set twice (first on line %d)", o->name, p->seen[i]);
			return;
		}
		p->seen[i] = p->line;
	}
	set_opt(p, o, tok + 1, ntok - 1, raw ? raw : "", p->t ? p->t : &p->c->defaults);
}

struct tgt_key {
	const char *iface;
	struct ip_addr a;
	uint32_t tunnel;
};

static int tgt_key_cmp(const void *x, const void *y)
{
	const struct tgt_key *a = x, *b = y;
	int r = strcmp(a->iface, b->iface);

	if (r)
		return r;
	r = ip_addr_cmp(&a->a, &b->a);
	if (r)
		return r;
	return a->tunnel < b->tunnel ? -1 : a->tunnel > b->tunnel;
}

static void validate_tunnel(struct cparse *p, struct tunnel_conf *t)
{
	uint8_t fam;
	uint32_t i;

	if (!t->iface[0] && t->type != PROBE_UNIDIR)
		cerr(p, t->line, "tunnel '%s': no 'iface' (the tunnel device to probe through)",
		     t->name);
	if (!t->ntargets) {
		struct ip_addr a;

		if (t->type == PROBE_UNIDIR) {
			cerr(p, t->line, "tunnel '%s': type unidirectional needs a 'target' (the "
			     "branch's public address)", t->name);
			return;
		}
		ip_addr_parse(PROBE_DEFAULT_TARGET, &a);
		append((void **)&t->targets, &t->ntargets, sizeof(a), 1, &a);
	}
	fam = t->targets[0].family;
	for (i = 1; i < t->ntargets; i++)
		if (t->targets[i].family != fam) {
			cerr(p, t->line, "tunnel '%s': targets mix IPv4 and IPv6; use one tunnel "
			     "section per family", t->name);
			break;
		}
	if (ip_addr_is_set(&t->source) && t->source.family != fam)
		cerr(p, t->line, "tunnel '%s': source is IPv%u but the targets are IPv%u",
		     t->name, t->source.family, fam);
	if (t->size < probe_min_size(fam))
		cerr(p, t->line, "tunnel '%s': size %u is below the minimum %u for IPv%u "
		     "(IP header, 8 ICMP, 32 probe header)", t->name, t->size,
		     probe_min_size(fam), fam);
	if (t->quorum > t->ntargets)
		cerr(p, t->line, "tunnel '%s': quorum %u exceeds its %u target(s)", t->name,
		     t->quorum, t->ntargets);
	if (t->slo_short_ms >= t->slo_long_ms)
		cerr(p, t->line, "tunnel '%s': slo-short must be shorter than slo-long", t->name);
	for (i = 0; i < t->nroutes; i++) {
		if ((uint64_t)t->routes[i].metric + t->penalty_down > UINT32_MAX ||
		    (uint64_t)t->routes[i].metric + t->penalty_degraded > UINT32_MAX)
			cerr(p, t->routes[i].line, "route: metric %u plus the down penalty %u "
			     "exceeds %u", t->routes[i].metric, t->penalty_down, UINT32_MAX);
	}
	if ((uint64_t)(t->retries + 1) * t->timeout_ms >= t->health.down_window_ms &&
	    (t->retries + 1) * 1 >= t->health.down_min_probes)
		fprintf(stderr, "%s:%d: warning: tunnel '%s': %u attempts of timeout %llums do "
			"not fit into down-window %llums: a dead tunnel is detected only by "
			"its regular probes\n", p->path, t->line, t->name, t->retries + 1,
			(unsigned long long)t->timeout_ms,
			(unsigned long long)t->health.down_window_ms);
}

static void validate(struct cparse *p)
{
	struct probe_conf *c = p->c;
	struct tgt_key *keys;
	size_t nkeys = 0, k;
	uint32_t i, j;

	for (i = 0; i < c->ntunnels; i++) {
		validate_tunnel(p, &c->tunnels[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(c->tunnels[i].name, c->tunnels[j].name))
				cerr(p, c->tunnels[i].line, "tunnel '%s' is defined twice (first "
				     "on line %d)", c->tunnels[i].name, c->tunnels[j].line);
		nkeys += c->tunnels[i].ntargets;
	}
	if (!nkeys)
		return;
	keys = calloc(nkeys, sizeof(*keys));
	if (!keys) {
		cerr(p, p->line, "out of memory");
		return;
	}
	for (i = 0, k = 0; i < c->ntunnels; i++)
		for (j = 0; j < c->tunnels[i].ntargets; j++) {
			keys[k].iface = c->tunnels[i].iface;
			keys[k].a = c->tunnels[i].targets[j];
			keys[k++].tunnel = i;
		}
	qsort(keys, nkeys, sizeof(*keys), tgt_key_cmp);
	for (k = 1; k < nkeys; k++) {
		const struct tunnel_conf *a = &c->tunnels[keys[k - 1].tunnel];
		const struct tunnel_conf *b = &c->tunnels[keys[k].tunnel];
		char buf[IP_ADDR_STRLEN];

		if (strcmp(keys[k].iface, keys[k - 1].iface) ||
		    !ip_addr_eq(&keys[k].a, &keys[k - 1].a))
			continue;
		ip_addr_fmt(&keys[k].a, buf);
		if (a == b)
			cerr(p, a->line, "tunnel '%s': target %s is listed twice", a->name, buf);
		else
			cerr(p, b->line, "tunnels '%s' (line %d) and '%s' both probe %s on %s: one "
			     "address cannot serve several peers of one interface (WireGuard routes "
			     "by allowed-ips); give each peer its own target", a->name, a->line,
			     b->name, buf, a->iface);
	}
	free(keys);
}

int probe_conf_load(struct probe_conf *c, const char *path, FILE *f)
{
	struct cparse p = { .c = c, .path = path };
	char line[4096];
	bool own = !f;

	if (own) {
		f = fopen(path, "r");
		if (!f) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	while (fgets(line, sizeof(line), f)) {
		p.line++;
		if (!strchr(line, '\n') && !feof(f)) {
			int ch;

			cerr(&p, p.line, "line longer than %zu characters", sizeof(line) - 2);
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		parse_line(&p, line);
	}
	if (ferror(f))
		cerr(&p, p.line, "read error");
	if (own)
		fclose(f);
	if (!c->ntunnels && !p.errors)
		cerr(&p, p.line, "no tunnels configured (add 'tunnel NAME' sections)");
	validate(&p);
	return p.errors ? -1 : 0;
}

static void print_dur(FILE *f, uint64_t ms)
{
	if (ms && ms % 3600000 == 0)
		fprintf(f, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms && ms % 60000 == 0)
		fprintf(f, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		fprintf(f, "%llus", (unsigned long long)(ms / 1000));
	else
		fprintf(f, "%llums", (unsigned long long)ms);
}

static void print_opt(FILE *f, const struct copt *o, const void *base, const char *indent)
{
	const void *v = (const char *)base + o->off;
	char buf[IP_PREFIX_STRLEN];
	uint32_t i;

	switch (o->kind) {
	case K_TARGET: {
		const struct tunnel_conf *t = base;

		for (i = 0; i < t->ntargets; i++) {
			ip_addr_fmt(&t->targets[i], buf);
			fprintf(f, "%starget %s\n", indent, buf);
		}
		return;
	}
	case K_ROUTE: {
		const struct tunnel_conf *t = base;

		for (i = 0; i < t->nroutes; i++) {
			const struct probe_route *r = &t->routes[i];

			ip_prefix_fmt(&r->dst, buf);
			fprintf(f, "%sroute %s", indent, buf);
			if (ip_addr_is_set(&r->via)) {
				ip_addr_fmt(&r->via, buf);
				fprintf(f, " via %s", buf);
			}
			fprintf(f, " metric %u table ", r->metric);
			if (r->table == 254)
				fprintf(f, "main\n");
			else
				fprintf(f, "%u\n", r->table);
		}
		return;
	}
	case K_ADDR:
		if (!ip_addr_is_set(v))
			return;
		break;
	case K_STR:
	case K_CMD:
	case K_IFACE:
		if (!*(const char *)v)
			return;
		break;
	default:
		break;
	}
	fprintf(f, "%s%s ", indent, o->name);
	switch (o->kind) {
	case K_DUR:
		print_dur(f, *(const uint64_t *)v);
		break;
	case K_U32:
		fprintf(f, "%u", *(const uint32_t *)v);
		break;
	case K_PPM:
		fprintf(f, "%g%%", *(const uint32_t *)v / 10000.0);
		break;
	case K_BOOL:
		fprintf(f, "%s", *(const bool *)v ? "yes" : "no");
		break;
	case K_ADDR:
		ip_addr_fmt(v, buf);
		fprintf(f, "%s", buf);
		break;
	case K_TYPE:
		fprintf(f, "%s", probe_type_name(*(const uint32_t *)v));
		break;
	default:
		fprintf(f, "%s", (const char *)v);
		break;
	}
	fputc('\n', f);
}

void probe_conf_print(const struct probe_conf *c, FILE *f)
{
	uint32_t i;
	size_t k;

	for (k = 0; k < NCOPT; k++)
		if (copts[k].where == W_GLOBAL)
			print_opt(f, &copts[k], c, "");
	for (i = 0; i < c->ntunnels; i++) {
		fprintf(f, "\ntunnel %s\n", c->tunnels[i].name);
		for (k = 0; k < NCOPT; k++)
			if (copts[k].where == W_TUNNEL)
				print_opt(f, &copts[k], &c->tunnels[i], "  ");
	}
}
