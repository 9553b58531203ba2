/* SPDX-License-Identifier: BSD-2-Clause */
/* snap.c - the host snapshot: records, limits, lookups, FIB index */
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"

struct dr_alias_list {
	size_t n, cap;
	const struct nl_route **r;
};

struct dr_fib_table {
	uint32_t id;
	struct ptrie trie;
};

static const struct dr_conf conf_unknown = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

void dr_snap_init(struct dr_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->conf_all = conf_unknown;
	s->conf_default = conf_unknown;
	s->ip_forward = -1;
	s->fwmark_reflect = -1;
	s->tcp_fwmark_accept = -1;
}

static void free_alias_list(void *v)
{
	struct dr_alias_list *l = v;

	free(l->r);
	free(l);
}

static void free_tables(struct dr_snap *s)
{
	size_t i;

	for (i = 0; i < s->ntables; i++)
		ptrie_destroy(&s->tables[i].trie, free_alias_list);
	free(s->tables);
	s->tables = NULL;
	s->ntables = 0;
}

void dr_snap_free(struct dr_snap *s)
{
	free_tables(s);
	free(s->links);
	free(s->addrs);
	free(s->routes);
	free(s->rules);
	free(s->nft);
	memset(s, 0, sizeof(*s));
}

void dr_snap_note(struct dr_snap *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nnotes >= DR_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(s->notes[s->nnotes++].text, sizeof(s->notes[0].text), fmt, ap);
	va_end(ap);
}

/* Make room for one more element. Return: 0, or -1 with @err. */
static int grow(void **arr, size_t n, size_t elem, size_t max, const char *what,
		char *err, size_t errlen)
{
	size_t cap;
	void *p;

	if (n >= max) {
		snprintf(err, errlen, "more than %zu %s: snapshot too large", max, what);
		return -1;
	}
	/* Capacity is implicit: 16, then doubling; grow when n reaches it. */
	if (n != 0 && (n < 16 || (n & (n - 1)) != 0))
		return 0;
	cap = n ? n * 2 : 16;
	p = realloc(*arr, cap * elem);
	if (!p) {
		snprintf(err, errlen, "out of memory reading %s", what);
		return -1;
	}
	*arr = p;
	return 0;
}

int dr_snap_add_link(struct dr_snap *s, const struct nl_link *l, char *err, size_t errlen)
{
	struct dr_link *d;

	if (dr_link_by_index(s, l->ifindex)) {
		snprintf(err, errlen, "link %s: ifindex %d appears twice", l->name, l->ifindex);
		return -1;
	}
	if (grow((void **)&s->links, s->nlinks, sizeof(*s->links), DR_MAX_LINKS, "links",
		 err, errlen) < 0)
		return -1;
	d = &s->links[s->nlinks++];
	d->l = *l;
	d->conf = conf_unknown;
	return 0;
}

int dr_snap_add_addr(struct dr_snap *s, const struct nl_ifaddr *a, char *err, size_t errlen)
{
	if (grow((void **)&s->addrs, s->naddrs, sizeof(*s->addrs), DR_MAX_ADDRS, "addresses",
		 err, errlen) < 0)
		return -1;
	s->addrs[s->naddrs++] = *a;
	return 0;
}

int dr_snap_add_route(struct dr_snap *s, const struct nl_route *r, char *err, size_t errlen)
{
	if (grow((void **)&s->routes, s->nroutes, sizeof(*s->routes), DR_MAX_ROUTES, "routes",
		 err, errlen) < 0)
		return -1;
	s->routes[s->nroutes++] = *r;
	return 0;
}

int dr_snap_add_rule(struct dr_snap *s, const struct nl_rule *r, char *err, size_t errlen)
{
	size_t pos, i;

	if (grow((void **)&s->rules, s->nrules, sizeof(*s->rules), DR_MAX_RULES, "rules",
		 err, errlen) < 0)
		return -1;
	pos = s->nrules;
	for (i = s->nrules; i > 0; i--) {
		const struct nl_rule *o = &s->rules[i - 1];

		if (o->family == r->family && o->priority <= r->priority)
			break;
		if (o->family == r->family)
			pos = i - 1;
	}
	memmove(&s->rules[pos + 1], &s->rules[pos], (s->nrules - pos) * sizeof(*s->rules));
	s->rules[pos] = *r;
	s->nrules++;
	return 0;
}

const struct dr_link *dr_link_by_index(const struct dr_snap *s, int ifindex)
{
	size_t i;

	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].l.ifindex == ifindex)
			return &s->links[i];
	return NULL;
}

const struct dr_link *dr_link_by_name(const struct dr_snap *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nlinks; i++)
		if (!strcmp(s->links[i].l.name, name))
			return &s->links[i];
	return NULL;
}

const char *dr_ifname(const struct dr_snap *s, int ifindex)
{
	const struct dr_link *l = dr_link_by_index(s, ifindex);

	return l ? l->l.name : "?";
}

/* Kernel defaults for unknown values (a fresh network namespace). */
static int conf_field(const struct dr_conf *c, const char *key)
{
	if (!strcmp(key, "rp_filter"))
		return c->rp_filter;
	if (!strcmp(key, "accept_local"))
		return c->accept_local;
	if (!strcmp(key, "src_valid_mark"))
		return c->src_valid_mark;
	if (!strcmp(key, "arp_ignore"))
		return c->arp_ignore;
	if (!strcmp(key, "arp_announce"))
		return c->arp_announce;
	if (!strcmp(key, "arp_filter"))
		return c->arp_filter;
	if (!strcmp(key, "forwarding"))
		return c->forwarding;
	if (!strcmp(key, "route_localnet"))
		return c->route_localnet;
	if (!strcmp(key, "send_redirects"))
		return c->send_redirects;
	if (!strcmp(key, "log_martians"))
		return c->log_martians;
	return -1;
}

int dr_conf_eff(const struct dr_snap *s, const struct dr_link *l, const char *key)
{
	int all = conf_field(&s->conf_all, key);
	int dev = l ? conf_field(&l->conf, key) : -1;
	int dflt = !strcmp(key, "send_redirects") ? 1 : 0;

	if (all < 0)
		all = dflt;
	if (dev < 0)
		dev = dflt;
	if (!strcmp(key, "forwarding")) {
		if (l && l->conf.forwarding >= 0)
			return l->conf.forwarding;
		return s->ip_forward > 0 ? 1 : all;
	}
	if (!strcmp(key, "rp_filter") || !strcmp(key, "arp_ignore") ||
	    !strcmp(key, "arp_announce"))
		return all > dev ? all : dev;
	return all || dev;
}

bool dr_is_local_addr(const struct dr_snap *s, const struct ip_addr *a)
{
	size_t i;

	for (i = 0; i < s->naddrs; i++)
		if (ip_addr_eq(&s->addrs[i].local, a))
			return true;
	return false;
}

int dr_table_parse(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!strcmp(s, "main"))
		*out = RT_TABLE_MAIN;
	else if (!strcmp(s, "local"))
		*out = RT_TABLE_LOCAL;
	else if (!strcmp(s, "default"))
		*out = RT_TABLE_DEFAULT;
	else if (!strcmp(s, "unspec"))
		*out = RT_TABLE_UNSPEC;
	else {
		if (!*s || *s == '-')
			return -1;
		v = strtoul(s, &end, 0);
		if (*end || v > 0xffffffffUL)
			return -1;
		*out = (uint32_t)v;
	}
	return 0;
}

const char *dr_table_name(uint32_t id, char buf[16])
{
	switch (id) {
	case RT_TABLE_MAIN: return "main";
	case RT_TABLE_LOCAL: return "local";
	case RT_TABLE_DEFAULT: return "default";
	default:
		snprintf(buf, 16, "%u", id);
		return buf;
	}
}

/* ---- FIB index ---- */

static struct dr_fib_table *table_get(struct dr_snap *s, uint32_t id, bool create,
				      char *err, size_t errlen)
{
	struct dr_fib_table *t;
	size_t i;

	for (i = 0; i < s->ntables; i++)
		if (s->tables[i].id == id)
			return &s->tables[i];
	if (!create)
		return NULL;
	if (grow((void **)&s->tables, s->ntables, sizeof(*s->tables), DR_MAX_TABLES,
		 "routing tables", err, errlen) < 0)
		return NULL;
	t = &s->tables[s->ntables++];
	t->id = id;
	ptrie_init(&t->trie, 0);
	return t;
}

const struct dr_fib_table *dr_fib_table(const struct dr_snap *s, uint32_t id)
{
	return table_get((struct dr_snap *)s, id, false, NULL, 0);
}

/* Aliases of one prefix in kernel order: TOS descending, then metric. */
static bool alias_before(const struct nl_route *a, const struct nl_route *b)
{
	if (a->tos != b->tos)
		return a->tos > b->tos;
	return a->priority < b->priority;
}

static int index_route(struct dr_snap *s, const struct nl_route *r, char *err, size_t errlen)
{
	struct dr_fib_table *t = table_get(s, r->table, true, err, errlen);
	struct dr_alias_list *l;
	void **slot;
	size_t i;

	if (!t)
		return -1;
	slot = ptrie_slot(&t->trie, &r->dst);
	if (!slot) {
		snprintf(err, errlen, "out of memory indexing routes");
		return -1;
	}
	l = *slot;
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l) {
			snprintf(err, errlen, "out of memory indexing routes");
			return -1;
		}
		*slot = l;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 2;
		const struct nl_route **p = realloc(l->r, ncap * sizeof(*p));

		if (!p) {
			snprintf(err, errlen, "out of memory indexing routes");
			return -1;
		}
		l->r = p;
		l->cap = ncap;
	}
	i = l->n;
	while (i > 0 && alias_before(r, l->r[i - 1])) {
		l->r[i] = l->r[i - 1];
		i--;
	}
	l->r[i] = r;
	l->n++;
	return 0;
}

static bool rules_are_default(const struct dr_snap *s)
{
	static const struct { uint32_t prio, table; } def[] = {
		{ 0, RT_TABLE_LOCAL }, { 32766, RT_TABLE_MAIN }, { 32767, RT_TABLE_DEFAULT },
	};
	size_t i, k = 0;

	for (i = 0; i < s->nrules; i++) {
		const struct nl_rule *r = &s->rules[i];

		if (r->family != 4)
			continue;
		if (k >= 3 || r->priority != def[k].prio || r->table != def[k].table ||
		    r->action != FR_ACT_TO_TBL || r->src.len || r->dst.len || r->iif[0] ||
		    r->oif[0] || r->fwmask || r->invert)
			return false;
		k++;
	}
	return k == 3;
}

int dr_snap_index(struct dr_snap *s, char *err, size_t errlen)
{
	size_t i;

	free_tables(s);
	for (i = 0; i < s->nroutes; i++)
		if (index_route(s, &s->routes[i], err, errlen) < 0)
			return -1;
	s->custom_rules = !rules_are_default(s);
	return 0;
}


struct match_adapt {
	int (*fn)(void *arg, const struct ip_prefix *p, const struct nl_route *const *r, size_t n);
	void *arg;
};

static int match_adapt_cb(void *arg, const struct ip_prefix *p, void *v)
{
	struct match_adapt *m = arg;
	struct dr_alias_list *l = v;

	return m->fn(m->arg, p, l->r, l->n);
}

int dr_fib_table_match(const struct dr_fib_table *t, const struct ip_addr *a,
		       int (*fn)(void *arg, const struct ip_prefix *p,
				 const struct nl_route *const *r, size_t n),
		       void *arg)
{
	struct match_adapt m = { fn, arg };

	return ptrie_match_each(&t->trie, a, match_adapt_cb, &m);
}
