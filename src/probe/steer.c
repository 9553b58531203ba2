/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * steer.c - route steering: the routes that use each tunnel, owned by
 * wanscope and moved by health state
 *
 * Routes are grouped by (table, prefix). A member of a group is one
 * tunnel's route to that prefix; its metric is the configured one, plus
 * penalty-degraded or penalty-down. For every distinct metric in a group
 * one route is written (a multipath route when several tunnels share the
 * metric: equal priority is ECMP), with rtm_protocol PROBE_RT_PROTO (or
 * route-protocol) marking it as ours. A change writes the new routes
 * first and only then deletes our routes at metrics no longer wanted, so
 * the prefix is never without a route. Deletes name table, prefix, metric
 * and our protocol, so no route we did not write is touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "lib/log.h"
#include "probe/prober.h"

#define STEER_MAX_NH 16		/* tunnels carrying one prefix */
_Static_assert(STEER_MAX_NH <= NL_MAX_NEXTHOPS, "a group's routes must fit a struct nl_route");

struct steer_member {
	uint32_t tunnel;
	const struct probe_route *r;
};

struct steer_group {
	uint8_t family;
	uint32_t table;
	struct ip_prefix dst;
	struct steer_member *m;
	unsigned nm;
	uint32_t installed[STEER_MAX_NH * 3];
	unsigned ninstalled;
};

struct steer {
	struct steer_group *g;
	unsigned ng;
};

static uint32_t member_metric(const struct prober *p, const struct steer_member *m,
			      bool restore)
{
	const struct ptunnel *t = &p->tun[m->tunnel];

	if (restore || t->state == HEALTH_HEALTHY)
		return m->r->metric;
	if (t->state == HEALTH_DEGRADED)
		return m->r->metric + t->conf->penalty_degraded;
	return m->r->metric + t->conf->penalty_down;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void group_apply(struct prober *p, struct steer_group *grp, bool restore)
{
	uint32_t want[STEER_MAX_NH * 3];
	unsigned nwant = 0, i, j;
	char pbuf[IP_PREFIX_STRLEN];

	ip_prefix_fmt(&grp->dst, pbuf);
	for (i = 0; i < grp->nm && nwant < sizeof(want) / sizeof(want[0]); i++) {
		uint32_t mt = member_metric(p, &grp->m[i], restore);

		for (j = 0; j < nwant && want[j] != mt; j++)
			;
		if (j == nwant)
			want[nwant++] = mt;
	}
	/* want[0..nwant) was filled above; cppcheck cannot follow nwant. */
	// cppcheck-suppress uninitvar
	qsort(want, nwant, sizeof(want[0]), u32_cmp);
	for (i = 0; i < nwant; i++) {
		struct nl_route r;
		int ret;

		memset(&r, 0, sizeof(r));
		r.family = grp->family;
		r.table = grp->table;
		r.dst = grp->dst;
		r.priority = want[i];
		r.protocol = (uint8_t)p->conf->route_protocol;
		r.type = RTN_UNICAST;
		for (j = 0; j < grp->nm && r.nh_count < STEER_MAX_NH; j++) {
			if (member_metric(p, &grp->m[j], restore) != want[i])
				continue;
			r.nh[r.nh_count].ifindex = p->tun[grp->m[j].tunnel].ifindex;
			r.nh[r.nh_count].gw = grp->m[j].r->via;
			r.nh_count++;
		}
		/* A single nexthop without a gateway is on-link. */
		r.scope = r.nh_count == 1 && !ip_addr_is_set(&r.nh[0].gw) ? RT_SCOPE_LINK :
									     RT_SCOPE_UNIVERSE;
		ret = nl_route_replace(&p->nl, &r);
		if (ret < 0)
			log_warnx("route %s table %u metric %u: %s", pbuf, grp->table, want[i],
				  strerror(-ret));
	}
	for (i = 0; i < grp->ninstalled; i++) {
		struct nl_route r;
		int ret;

		for (j = 0; j < nwant && want[j] != grp->installed[i]; j++)
			;
		if (j < nwant)
			continue;
		memset(&r, 0, sizeof(r));
		r.family = grp->family;
		r.table = grp->table;
		r.dst = grp->dst;
		r.priority = grp->installed[i];
		r.protocol = (uint8_t)p->conf->route_protocol;
		r.type = RTN_UNICAST;
		ret = nl_route_del(&p->nl, &r);
		if (ret < 0 && ret != -ESRCH)
			log_warnx("route %s table %u metric %u: delete: %s", pbuf, grp->table,
				  grp->installed[i], strerror(-ret));
	}
	memcpy(grp->installed, want, nwant * sizeof(want[0]));
	grp->ninstalled = nwant;
}

struct leftover_ctx {
	struct prober *p;
	uint8_t family;
};

/* Adopt our routes from an earlier run so group_apply removes the stale ones. */
static int leftover_cb(void *arg, const struct nl_route *r)
{
	struct leftover_ctx *c = arg;
	struct steer *s = c->p->steer;
	unsigned i, j;

	if (r->protocol != c->p->conf->route_protocol)
		return 0;
	for (i = 0; i < s->ng; i++) {
		struct steer_group *g = &s->g[i];

		if (g->family != r->family || g->table != r->table || g->dst.len != r->dst.len ||
		    !ip_addr_eq(&g->dst.addr, &r->dst.addr))
			continue;
		for (j = 0; j < g->ninstalled && g->installed[j] != r->priority; j++)
			;
		if (j == g->ninstalled && g->ninstalled < sizeof(g->installed) / sizeof(g->installed[0]))
			g->installed[g->ninstalled++] = r->priority;
	}
	return 0;
}

int steer_init(struct prober *p)
{
	struct steer *s;
	uint32_t i, k;
	unsigned gi;

	if (!p->have_nl) {
		log_warnx("route steering needs netlink");
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	p->steer = s;
	for (i = 0; i < p->ntun; i++)
		s->ng += p->tun[i].conf->nroutes;
	s->g = calloc(s->ng ? s->ng : 1, sizeof(*s->g));
	if (!s->g)
		return -1;
	s->ng = 0;
	for (i = 0; i < p->ntun; i++) {
		const struct tunnel_conf *c = p->tun[i].conf;

		for (k = 0; k < c->nroutes; k++) {
			const struct probe_route *r = &c->routes[k];
			struct steer_group *g = NULL;
			struct steer_member *nm;

			for (gi = 0; gi < s->ng; gi++)
				if (s->g[gi].table == r->table && s->g[gi].dst.len == r->dst.len &&
				    ip_addr_eq(&s->g[gi].dst.addr, &r->dst.addr))
					g = &s->g[gi];
			if (!g) {
				g = &s->g[s->ng++];
				g->family = r->dst.addr.family;
				g->table = r->table;
				g->dst = r->dst;
			}
			if (g->nm == STEER_MAX_NH) {
				log_warnx("route: more than %d tunnels carry one prefix", STEER_MAX_NH);
				return -1;
			}
			nm = realloc(g->m, (g->nm + 1) * sizeof(*g->m));
			if (!nm)
				return -1;
			g->m = nm;
			g->m[g->nm].tunnel = i;
			g->m[g->nm++].r = r;
		}
	}
	if (!s->ng)
		return 0;
	{
		struct leftover_ctx c4 = { p, 4 }, c6 = { p, 6 };

		nl_dump_routes(&p->nl, 4, leftover_cb, &c4);
		nl_dump_routes(&p->nl, 6, leftover_cb, &c6);
	}
	for (gi = 0; gi < s->ng; gi++)
		group_apply(p, &s->g[gi], false);
	return 0;
}

void steer_update(struct prober *p, const struct ptunnel *t)
{
	struct steer *s = p->steer;
	unsigned gi, j;

	if (!s)
		return;
	for (gi = 0; gi < s->ng; gi++)
		for (j = 0; j < s->g[gi].nm; j++)
			if (s->g[gi].m[j].tunnel == t->idx) {
				group_apply(p, &s->g[gi], false);
				break;
			}
}

void steer_restore(struct prober *p)
{
	struct steer *s = p->steer;
	unsigned gi;

	for (gi = 0; s && gi < s->ng; gi++)
		group_apply(p, &s->g[gi], true);
}

void steer_free(struct prober *p)
{
	struct steer *s = p->steer;
	unsigned gi;

	if (!s)
		return;
	for (gi = 0; gi < s->ng; gi++)
		free(s->g[gi].m);
	free(s->g);
	free(s);
	p->steer = NULL;
}
