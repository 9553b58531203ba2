/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fix.c - `doctor fix`: the policy-routing fix, printed, applied or undone
 *
 * Theory of operation: for every interface (other than the one holding the
 * default route) whose addresses `check` flags, the fix gives the interface
 * its own routing table (its connected subnets and its gateway) and one
 * `from ADDR lookup TABLE` rule per address. Replies then leave by the
 * interface their request came in on, and the reverse-path check, which
 * looks the source up *from our address*, hits the same rule: strict
 * rp_filter passes. Table ids and rule priorities are 10000 + ifindex,
 * moved up until neither collides with anything on the host; rules are
 * not added for the primary interface (a `from PRIMARY` rule would capture
 * bridge/container return traffic that must follow main). Interfaces that
 * share a subnet also get arp_ignore=1 / arp_announce=2.
 *
 * --apply adds exactly the printed items that are not present yet, tags
 * routes and rules with protocol DR_RTPROT, and records each addition (and
 * each sysctl's old value) in a state file; --undo removes exactly those.
 * Before printing, the plan is applied to a copy of the snapshot and
 * `check` runs again on it, so the output says what the model predicts.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor/doctor.h"
#include "doctor/fmt.h"
#include "lib/opt.h"
#include "lib/sysctl.h"

#define FIX_MAX_ITEMS 1024
#define FIX_MAX_IFS 128
#define FIX_MAX_GW 16
#define V6_METRIC 1024	/* what the kernel gives IPv6 routes added without one */

enum fix_kind { FIX_ROUTE, FIX_RULE, FIX_SYSCTL };
enum fix_format { FMT_IPROUTE2, FMT_NETPLAN, FMT_NMCLI, FMT_VYOS };

struct fix_item {
	enum fix_kind kind;
	struct nl_route route;
	struct nl_rule rule;
	char iface[IF_NAMESIZE];
	char key[24];
	int value, old;
	bool present;
};

struct fix_iface {
	int ifindex;
	int family;		/* 4 or 6: one entry per interface and family */
	char name[IF_NAMESIZE];
	uint32_t table;
	struct ip_addr gw;
	bool gw_assumed;
	bool loose;		/* --loose: rp_filter=2 instead of a table */
};

struct fix_gw {
	char iface[IF_NAMESIZE];
	struct ip_addr gw;
};

struct fix_plan {
	struct fix_item items[FIX_MAX_ITEMS];
	size_t n;
	struct fix_iface ifs[FIX_MAX_IFS];
	size_t nifs;
	char notes[8][400];
	size_t nnotes;
};

struct fix_opts {
	bool loose;
	struct fix_gw gws[FIX_MAX_GW];
	size_t ngws;
	const char *state;
};

static void plan_note(struct fix_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void plan_note(struct fix_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->nnotes >= 8)
		return;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->nnotes++], sizeof(p->notes[0]), fmt, ap);
	va_end(ap);
}

static struct fix_item *plan_add(struct fix_plan *p, enum fix_kind k)
{
	struct fix_item *it;

	if (p->n >= FIX_MAX_ITEMS)
		return NULL;
	it = &p->items[p->n++];
	memset(it, 0, sizeof(*it));
	it->kind = k;
	return it;
}

/* ---- the state file ---- */

struct fix_state {
	json_t *root;		/* {"version":1,"tables":{IF:T},"items":[...]} */
};

static int state_load(const char *path, struct fix_state *st, char *err, size_t len)
{
	json_error_t je;

	st->root = NULL;
	if (access(path, F_OK) < 0) {
		st->root = json_pack("{s:i,s:{},s:[]}", "version", 1, "tables", "items");
		return st->root ? 0 : -1;
	}
	st->root = json_load_file(path, 0, &je);
	if (!st->root || !json_is_array(json_object_get(st->root, "items")) ||
	    !json_is_object(json_object_get(st->root, "tables"))) {
		dr_sfmt(err, len, "%s: not a doctor fix state file (%s)", path,
			st->root ? "wrong shape" : je.text);
		json_decref(st->root);
		st->root = NULL;
		return -1;
	}
	return 0;
}

static int state_save(const char *path, const struct fix_state *st, char *err, size_t len)
{
	char tmp[4200], dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(st->root, tmp, JSON_INDENT(1)) < 0 || rename(tmp, path) < 0) {
		dr_sfmt(err, len, "%s: cannot write the state file: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- planning ---- */

static bool table_used(const struct dr_snap *s, uint32_t t)
{
	size_t i;

	for (i = 0; i < s->nroutes; i++)
		if (s->routes[i].table == t)
			return true;
	for (i = 0; i < s->nrules; i++)
		if (s->rules[i].action == FR_ACT_TO_TBL && s->rules[i].table == t)
			return true;
	return false;
}

static bool prio_used(const struct dr_snap *s, uint32_t p)
{
	size_t i;

	for (i = 0; i < s->nrules; i++)
		if (s->rules[i].priority == p)
			return true;
	return false;
}

static bool planned_table(const struct fix_plan *p, uint32_t t)
{
	size_t i;

	for (i = 0; i < p->nifs; i++)
		if (p->ifs[i].table == t)
			return true;
	return false;
}

/* The table already planned for @ifindex (the other family), or 0. */
static uint32_t planned_iface_table(const struct fix_plan *p, int ifindex)
{
	size_t i;

	for (i = 0; i < p->nifs; i++)
		if (p->ifs[i].ifindex == ifindex && !p->ifs[i].loose)
			return p->ifs[i].table;
	return 0;
}

/* The interface's gateway: --gateway, a route through it, a gateway inside
 * its subnets, or (assumed) the subnet's first address. */
static void find_gateway(const struct dr_snap *s, const struct fix_opts *o, struct fix_iface *fi)
{
	size_t i, k, pass;
	unsigned n;

	for (i = 0; i < o->ngws; i++)
		if (!strcmp(o->gws[i].iface, fi->name) && o->gws[i].gw.family == fi->family) {
			fi->gw = o->gws[i].gw;
			return;
		}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < s->nroutes; i++) {
			const struct nl_route *r = &s->routes[i];

			if (r->family != fi->family || (pass == 0 && r->dst.len != 0) ||
			    r->protocol == DR_RTPROT)
				continue;
			for (n = 0; n < r->nh_count; n++)
				if (r->nh[n].ifindex == fi->ifindex && ip_addr_is_set(&r->nh[n].gw)) {
					fi->gw = r->nh[n].gw;
					return;
				}
		}
	for (k = 0; k < s->naddrs; k++) {
		const struct nl_ifaddr *a = &s->addrs[k];
		struct ip_prefix p = { a->local, a->prefixlen };

		if (a->ifindex != fi->ifindex || a->local.family != fi->family ||
		    a->scope != RT_SCOPE_UNIVERSE)
			continue;
		ip_addr_mask(&p.addr, p.len);
		for (i = 0; i < s->nroutes; i++)
			for (n = 0; n < s->routes[i].nh_count; n++)
				if (ip_addr_is_set(&s->routes[i].nh[n].gw) &&
				    ip_prefix_contains(&p, &s->routes[i].nh[n].gw)) {
					fi->gw = s->routes[i].nh[n].gw;
					return;
				}
		if (p.len <= (fi->family == 4 ? 30 : 126)) {
			fi->gw = p.addr;
			fi->gw.a[fi->family == 4 ? 3 : 15]++;
			fi->gw_assumed = true;
			return;
		}
	}
}

static bool route_present(const struct dr_snap *s, const struct nl_route *r)
{
	size_t i;

	for (i = 0; i < s->nroutes; i++) {
		const struct nl_route *x = &s->routes[i];

		if (x->family == r->family && x->table == r->table && x->dst.len == r->dst.len &&
		    ip_addr_eq(&x->dst.addr, &r->dst.addr) && x->type == r->type &&
		    x->priority == r->priority && x->nh_count == 1 &&
		    x->nh[0].ifindex == r->nh[0].ifindex && ip_addr_eq(&x->nh[0].gw, &r->nh[0].gw))
			return true;
	}
	return false;
}

static bool rule_present(const struct dr_snap *s, const struct nl_rule *r)
{
	size_t i;

	for (i = 0; i < s->nrules; i++) {
		const struct nl_rule *x = &s->rules[i];

		if (x->family == r->family && x->priority == r->priority && x->action == r->action &&
		    x->table == r->table && x->src.len == r->src.len &&
		    ip_addr_eq(&x->src.addr, &r->src.addr) && !x->dst.len && !x->iif[0] &&
		    !x->fwmask && !x->invert)
			return true;
	}
	return false;
}

static int conf_value(const struct dr_link *l, const char *key)
{
	if (!strcmp(key, "rp_filter")) return l->conf.rp_filter;
	if (!strcmp(key, "arp_ignore")) return l->conf.arp_ignore;
	if (!strcmp(key, "arp_announce")) return l->conf.arp_announce;
	return -1;
}

static void plan_sysctl(struct fix_plan *p, const struct dr_snap *s, const struct dr_link *l,
			const char *key, int value)
{
	struct fix_item *it;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->items[i].kind == FIX_SYSCTL && !strcmp(p->items[i].iface, l->l.name) &&
		    !strcmp(p->items[i].key, key))
			return;
	if (dr_conf_eff(s, l, key) >= value)
		return;
	it = plan_add(p, FIX_SYSCTL);
	if (!it)
		return;
	snprintf(it->iface, sizeof(it->iface), "%s", l->l.name);
	snprintf(it->key, sizeof(it->key), "%s", key);
	it->value = value;
	it->old = conf_value(l, key) < 0 ? 0 : conf_value(l, key);
}

static bool shares_subnet(const struct dr_snap *s, int ifindex)
{
	size_t i, k;

	for (i = 0; i < s->naddrs; i++) {
		const struct nl_ifaddr *a = &s->addrs[i];
		struct ip_prefix p = { a->local, a->prefixlen };

		if (a->ifindex != ifindex || a->local.family != 4 || a->scope != RT_SCOPE_UNIVERSE)
			continue;
		ip_addr_mask(&p.addr, p.len);
		for (k = 0; k < s->naddrs; k++)
			if (s->addrs[k].ifindex != ifindex && s->addrs[k].local.family == 4 &&
			    s->addrs[k].prefixlen == a->prefixlen &&
			    ip_prefix_contains(&p, &s->addrs[k].local))
				return true;
	}
	return false;
}

/* The addresses of @fi's family the plan covers: global ones (IPv6: not
 * tentative or failed duplicate address detection). */
static bool fix_addr(const struct nl_ifaddr *a, const struct fix_iface *fi)
{
	if (a->ifindex != fi->ifindex || a->local.family != fi->family || a->scope != RT_SCOPE_UNIVERSE)
		return false;
	return fi->family == 4 || !(a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
}

static int plan_iface_routes(struct fix_plan *p, const struct dr_snap *s, struct fix_iface *fi)
{
	size_t i, k;

	for (i = 0; i < s->naddrs; i++) {
		const struct nl_ifaddr *a = &s->addrs[i];
		struct ip_prefix net = { a->local, a->prefixlen };
		struct fix_item *it;
		bool dup = false;

		if (!fix_addr(a, fi))
			continue;
		ip_addr_mask(&net.addr, net.len);
		for (k = 0; k < p->n; k++)
			if (p->items[k].kind == FIX_ROUTE && p->items[k].route.table == fi->table &&
			    p->items[k].route.dst.len == net.len &&
			    ip_addr_eq(&p->items[k].route.dst.addr, &net.addr))
				dup = true;
		if (!dup && net.len < (fi->family == 4 ? 32 : 128)) {
			if (!(it = plan_add(p, FIX_ROUTE)))
				return -1;
			it->route.family = (uint8_t)fi->family;
			it->route.dst = net;
			it->route.src.addr.family = (uint8_t)fi->family;
			it->route.table = fi->table;
			it->route.type = RTN_UNICAST;
			it->route.protocol = DR_RTPROT;
			if (fi->family == 4) {
				it->route.scope = RT_SCOPE_LINK;
				it->route.prefsrc = a->local;
			} else {
				it->route.priority = V6_METRIC;
			}
			it->route.nh_count = 1;
			it->route.nh[0].ifindex = fi->ifindex;
			it->route.nh[0].weight = 1;
		}
	}
	if (ip_addr_is_set(&fi->gw)) {
		struct fix_item *it = plan_add(p, FIX_ROUTE);

		if (!it)
			return -1;
		it->route.family = (uint8_t)fi->family;
		it->route.dst.addr.family = (uint8_t)fi->family;
		it->route.src.addr.family = (uint8_t)fi->family;
		it->route.table = fi->table;
		it->route.type = RTN_UNICAST;
		it->route.protocol = DR_RTPROT;
		it->route.scope = RT_SCOPE_UNIVERSE;
		if (fi->family == 6)
			it->route.priority = V6_METRIC;
		it->route.nh_count = 1;
		it->route.nh[0].ifindex = fi->ifindex;
		it->route.nh[0].gw = fi->gw;
		it->route.nh[0].weight = 1;
	}
	for (i = 0; i < s->naddrs; i++) {
		const struct nl_ifaddr *a = &s->addrs[i];
		struct fix_item *it;

		if (!fix_addr(a, fi))
			continue;
		if (!(it = plan_add(p, FIX_RULE)))
			return -1;
		it->rule.family = (uint8_t)fi->family;
		it->rule.priority = fi->table;
		it->rule.src.addr = a->local;
		it->rule.src.len = fi->family == 4 ? 32 : 128;
		it->rule.dst.addr.family = (uint8_t)fi->family;
		it->rule.action = FR_ACT_TO_TBL;
		it->rule.table = fi->table;
		it->rule.protocol = DR_RTPROT;
		it->rule.suppress_prefixlen = -1;
		it->rule.suppress_ifgroup = -1;
	}
	return 0;
}

/* An nftables reverse-path rule drops: policy routing is the fix; the
 * loose alternative is a change of that rule, printed, never made. */
static void note_nft_rpf(struct fix_plan *p, const struct dr_snap *s, const struct fix_opts *o,
			 const struct dr_link *l, const struct ip_addr *a)
{
	struct dr_verdict *v = malloc(sizeof(*v));
	char name[200], loose[200];
	struct ip_addr client;
	size_t k;

	if (!v)
		return;
	ip_addr_parse(a->family == 4 ? "203.0.113.10" : "3fff::10", &client);
	dr_analyze(s, l->l.ifindex, &client, a, 6, v, NULL);
	if (v->nft.rule) {
		dr_nft_rule_name(v->nft.rule, name, sizeof(name));
		for (k = 0; k < p->nnotes; k++)
			if (strstr(p->notes[k], name))
				break;
		if (k == p->nnotes)
			plan_note(p, "the nftables rule %s (`%s`) drops requests whose route back leaves elsewhere; %s%s%s%s (the doctor does not edit the firewall)",
				  name, v->nft.rule->summary,
				  a->family == 6 ? "IPv6 has no rp_filter sysctl: " : "",
				  "policy routing below is the fix. To loosen instead, change that rule to `",
				  dr_nft_rpf_loose_text(v->nft.rule, loose, sizeof(loose)),
				  o->loose ? "` (--loose does not apply to it)" : "`");
	}
	free(v);
}

static int make_plan(const struct dr_snap *s, const struct fix_opts *o, const struct fix_state *st,
		     struct fix_plan *p, char *err, size_t len)
{
	struct dr_findings *fs = malloc(sizeof(*fs));
	int primary4 = dr_primary_ifindex(s, 4), primary6 = dr_primary_ifindex(s, 6);
	size_t i, k;

	if (!fs) {
		dr_sfmt(err, len, "out of memory");
		return -1;
	}
	memset(p, 0, sizeof(*p));
	dr_check(s, NULL, fs);
	for (i = 0; i < fs->n; i++) {
		const struct dr_finding *f = &fs->f[i];
		const struct dr_link *l = dr_link_by_name(s, f->iface);
		int fam = f->addr.family, primary = fam == 4 ? primary4 : primary6;
		struct fix_iface *fi;
		uint32_t shared;
		json_t *tv;

		if (!l)
			continue;
		if (!strcmp(f->kind, "nft_rpfilter"))
			note_nft_rpf(p, s, o, l, &f->addr);
		if (fam == 4 && shares_subnet(s, l->l.ifindex)) {
			plan_sysctl(p, s, l, "arp_ignore", 1);
			plan_sysctl(p, s, l, "arp_announce", 2);
		}
		if (!strcmp(f->kind, "arp_flux"))
			continue;
		if (l->l.ifindex == primary) {
			plan_note(p, "%s holds the %sdefault route: no source rules for it (they would capture bridge and container return traffic); its finding needs a look: %s",
				  l->l.name, fam == 6 ? "IPv6 " : "", f->reason);
			continue;
		}
		for (k = 0; k < p->nifs; k++)
			if (p->ifs[k].ifindex == l->l.ifindex && p->ifs[k].family == fam)
				break;
		if (k < p->nifs)
			continue;
		if (p->nifs >= FIX_MAX_IFS)
			break;
		shared = planned_iface_table(p, l->l.ifindex);
		fi = &p->ifs[p->nifs++];
		memset(fi, 0, sizeof(*fi));
		fi->ifindex = l->l.ifindex;
		fi->family = fam;
		snprintf(fi->name, sizeof(fi->name), "%s", l->l.name);
		if (o->loose && !strcmp(f->kind, "rp_filter")) {
			fi->loose = true;
			plan_sysctl(p, s, l, "rp_filter", 2);
			continue;
		}
		tv = json_object_get(json_object_get(st->root, "tables"), fi->name);
		if (shared) {
			fi->table = shared;	/* one table per interface, both families */
		} else if (json_is_integer(tv)) {
			fi->table = (uint32_t)json_integer_value(tv);
		} else {
			uint32_t t = 10000 + (uint32_t)fi->ifindex;

			while (t < 32000 && (table_used(s, t) || prio_used(s, t) || planned_table(p, t)))
				t++;
			if (t >= 32000) {
				free(fs);
				dr_sfmt(err, len, "no free table id / rule priority between 10000 and 32000");
				return -1;
			}
			fi->table = t;
		}
		find_gateway(s, o, fi);
		if (plan_iface_routes(p, s, fi) < 0) {
			free(fs);
			dr_sfmt(err, len, "more than %d changes", FIX_MAX_ITEMS);
			return -1;
		}
	}
	free(fs);
	for (i = 0; i < p->n; i++) {
		struct fix_item *it = &p->items[i];

		if (it->kind == FIX_ROUTE)
			it->present = route_present(s, &it->route);
		else if (it->kind == FIX_RULE)
			it->present = rule_present(s, &it->rule);
		else {
			const struct dr_link *l = dr_link_by_name(s, it->iface);

			it->present = l && conf_value(l, it->key) == it->value;
		}
	}
	return 0;
}

/* Apply the plan to a copy of the snapshot and check again. */
static int predict(const struct dr_snap *s, const struct fix_plan *p, struct dr_findings *out)
{
	struct dr_snap c;
	char err[200];
	size_t i;
	int r = 0;

	dr_snap_init(&c);
	for (i = 0; i < s->nlinks && r == 0; i++) {
		r = dr_snap_add_link(&c, &s->links[i].l, err, sizeof(err));
		c.links[i].conf = s->links[i].conf;
	}
	for (i = 0; i < s->naddrs && r == 0; i++)
		r = dr_snap_add_addr(&c, &s->addrs[i], err, sizeof(err));
	for (i = 0; i < s->nroutes && r == 0; i++)
		r = dr_snap_add_route(&c, &s->routes[i], err, sizeof(err));
	for (i = 0; i < s->nrules && r == 0; i++)
		r = dr_snap_add_rule(&c, &s->rules[i], err, sizeof(err));
	c.conf_all = s->conf_all;
	c.conf_default = s->conf_default;
	c.ip_forward = s->ip_forward;
	c.sysctl_known = s->sysctl_known;
	if (s->nnft && r == 0) {
		c.nft = malloc(s->nnft * sizeof(*c.nft));
		if (c.nft) {
			memcpy(c.nft, s->nft, s->nnft * sizeof(*c.nft));
			c.nnft = s->nnft;
		}
	}
	for (i = 0; i < p->n && r == 0; i++) {
		const struct fix_item *it = &p->items[i];

		if (it->present)
			continue;
		if (it->kind == FIX_ROUTE)
			r = dr_snap_add_route(&c, &it->route, err, sizeof(err));
		else if (it->kind == FIX_RULE)
			r = dr_snap_add_rule(&c, &it->rule, err, sizeof(err));
		else {
			struct dr_link *l = (struct dr_link *)dr_link_by_name(&c, it->iface);

			if (l && !strcmp(it->key, "rp_filter"))
				l->conf.rp_filter = it->value;
			else if (l && !strcmp(it->key, "arp_ignore"))
				l->conf.arp_ignore = it->value;
			else if (l && !strcmp(it->key, "arp_announce"))
				l->conf.arp_announce = it->value;
		}
	}
	if (r == 0)
		r = dr_snap_index(&c, err, sizeof(err));
	if (r == 0)
		dr_check(&c, NULL, out);
	dr_snap_free(&c);
	return r;
}

/* ---- printing ---- */

static void item_iproute2(const struct dr_snap *s, const struct fix_item *it, bool del,
			  char *buf, size_t len)
{
	char tb[16];

	if (it->kind == FIX_ROUTE) {
		const struct nl_route *r = &it->route;

		dr_sfmt(buf, len, "ip%s route %s %s%s%s dev %s%s%s%s table %s proto %u",
			r->family == 6 ? " -6" : "", del ? "del" : "add",
			dr_prefix_str(&r->dst), ip_addr_is_set(&r->nh[0].gw) ? " via " : "",
			ip_addr_is_set(&r->nh[0].gw) ? dr_addr_str(&r->nh[0].gw) : "",
			s ? dr_ifname(s, r->nh[0].ifindex) : it->iface,
			r->scope == RT_SCOPE_LINK ? " scope link" : "",
			ip_addr_is_set(&r->prefsrc) ? " src " : "",
			ip_addr_is_set(&r->prefsrc) ? dr_addr_str(&r->prefsrc) : "",
			dr_table_name(r->table, tb), r->protocol);
	} else if (it->kind == FIX_RULE) {
		const struct nl_rule *r = &it->rule;

		dr_sfmt(buf, len, "ip%s rule %s from %s lookup %s priority %u protocol %u",
			r->family == 6 ? " -6" : "", del ? "del" : "add", dr_prefix_str(&r->src),
			dr_table_name(r->table, tb),
			r->priority, r->protocol);
	} else {
		dr_sfmt(buf, len, "sysctl -w net.ipv4.conf.%s.%s=%d", it->iface, it->key,
			del ? it->old : it->value);
	}
}

static void print_netplan(const struct dr_snap *s, const struct fix_plan *p)
{
	size_t i, k;

	printf("# netplan: merge into /etc/netplan/*.yaml, then `netplan try`\nnetwork:\n  version: 2\n  ethernets:\n");
	for (i = 0; i < p->nifs; i++) {
		const struct fix_iface *fi = &p->ifs[i];
		bool any = false;

		for (k = 0; k < i; k++)
			if (p->ifs[k].ifindex == fi->ifindex)
				break;
		if (k < i)
			continue;	/* the other family, printed with the first */
		printf("    %s:\n", fi->name);
		for (k = 0; k < p->n; k++) {
			const struct fix_item *it = &p->items[k];

			if (it->kind != FIX_ROUTE || it->route.nh[0].ifindex != fi->ifindex)
				continue;
			if (!any)
				printf("      routes:\n");
			any = true;
			printf("        - to: %s\n", dr_prefix_str(&it->route.dst));
			if (ip_addr_is_set(&it->route.nh[0].gw))
				printf("          via: %s\n", dr_addr_str(&it->route.nh[0].gw));
			if (it->route.scope == RT_SCOPE_LINK)
				printf("          scope: link\n");
			if (ip_addr_is_set(&it->route.prefsrc))
				printf("          from: %s\n", dr_addr_str(&it->route.prefsrc));
			printf("          table: %u\n", it->route.table);
		}
		any = false;
		for (k = 0; k < p->n; k++) {
			const struct fix_item *it = &p->items[k];

			if (it->kind != FIX_RULE || it->rule.table != fi->table || fi->loose)
				continue;
			if (!any)
				printf("      routing-policy:\n");
			any = true;
			printf("        - from: %s\n          table: %u\n          priority: %u\n",
			       dr_prefix_str(&it->rule.src), it->rule.table, it->rule.priority);
		}
	}
	for (k = 0; k < p->n; k++)
		if (p->items[k].kind == FIX_SYSCTL)
			printf("# netplan has no sysctls: put net.ipv4.conf.%s.%s = %d in /etc/sysctl.d/60-wanscope.conf\n",
			       p->items[k].iface, p->items[k].key, p->items[k].value);
	(void)s;
}

static void print_nmcli(const struct fix_plan *p)
{
	size_t i, k;

	printf("# NetworkManager: the connection is assumed to be named like the interface\n");
	for (i = 0; i < p->nifs; i++) {
		const struct fix_iface *fi = &p->ifs[i];

		if (fi->loose)
			continue;
		printf("nmcli connection modify %s", fi->name);
		for (k = 0; k < p->n; k++) {
			const struct fix_item *it = &p->items[k];

			const char *ipv = fi->family == 6 ? "ipv6" : "ipv4";

			if (it->kind == FIX_ROUTE && it->route.table == fi->table &&
			    it->route.family == fi->family) {
				if (it->route.dst.len == 0)
					printf(" +%s.routes \"%s %s table=%u\"", ipv,
					       fi->family == 6 ? "::/0" : "0.0.0.0/0",
					       dr_addr_str(&it->route.nh[0].gw), fi->table);
				else
					printf(" +%s.routes \"%s table=%u\"", ipv, dr_prefix_str(&it->route.dst),
					       fi->table);
			} else if (it->kind == FIX_RULE && it->rule.table == fi->table &&
				   it->rule.family == fi->family) {
				printf(" +%s.routing-rules \"priority %u from %s table %u\"", ipv,
				       it->rule.priority, dr_prefix_str(&it->rule.src), fi->table);
			}
		}
		for (k = i + 1; k < p->nifs; k++)
			if (p->ifs[k].ifindex == fi->ifindex && !p->ifs[k].loose)
				break;
		if (k < p->nifs)
			printf("\n");	/* its other family follows; bring it up once */
		else
			printf("\nnmcli connection up %s\n", fi->name);
	}
	for (k = 0; k < p->n; k++)
		if (p->items[k].kind == FIX_SYSCTL)
			printf("sysctl -w net.ipv4.conf.%s.%s=%d  # and persist in /etc/sysctl.d/\n",
			       p->items[k].iface, p->items[k].key, p->items[k].value);
}

static void print_vyos(const struct dr_snap *s, const struct fix_plan *p)
{
	size_t k;

	printf("# VyOS 1.4+ (configure mode)\n");
	for (k = 0; k < p->n; k++) {
		const struct fix_item *it = &p->items[k];

		bool v6 = it->kind == FIX_ROUTE ? it->route.family == 6 : it->rule.family == 6;

		if (it->kind == FIX_ROUTE) {
			const char *dst = it->route.dst.len ? dr_prefix_str(&it->route.dst) :
					  v6 ? "::/0" : "0.0.0.0/0";

			if (ip_addr_is_set(&it->route.nh[0].gw))
				printf("set protocols static table %u route%s %s next-hop %s\n", it->route.table,
				       v6 ? "6" : "", dst, dr_addr_str(&it->route.nh[0].gw));
			else
				printf("set protocols static table %u route%s %s interface %s\n", it->route.table,
				       v6 ? "6" : "", dst, dr_ifname(s, it->route.nh[0].ifindex));
		} else if (it->kind == FIX_RULE) {
			printf("set policy local-route%s rule %u source address %s\n", v6 ? "6" : "",
			       it->rule.priority, dr_addr_str(&it->rule.src.addr));
			printf("set policy local-route%s rule %u set table %u\n", v6 ? "6" : "",
			       it->rule.priority, it->rule.table);
		} else {
			printf("# set system sysctl parameter net.ipv4.conf.%s.%s value %d\n", it->iface,
			       it->key, it->value);
		}
	}
	printf("commit\nsave\n");
}

/* ---- apply / undo ---- */

static json_t *item_json(const struct dr_snap *s, const struct fix_item *it)
{
	char cmd[400];

	item_iproute2(s, it, false, cmd, sizeof(cmd));
	if (it->kind == FIX_ROUTE) {
		const struct nl_route *r = &it->route;

		return json_pack("{s:s,s:i,s:I,s:s,s:s,s:o,s:o,s:i,s:i,s:I,s:s}", "kind", "route",
				 "family", r->family, "table", (json_int_t)r->table,
				 "dst", dr_prefix_str(&r->dst), "dev", dr_ifname(s, r->nh[0].ifindex),
				 "gateway", ip_addr_is_set(&r->nh[0].gw) ? json_string(dr_addr_str(&r->nh[0].gw)) : json_null(),
				 "prefsrc", ip_addr_is_set(&r->prefsrc) ? json_string(dr_addr_str(&r->prefsrc)) : json_null(),
				 "scope", r->scope, "protocol", r->protocol, "metric", (json_int_t)r->priority,
				 "command", cmd);
	}
	if (it->kind == FIX_RULE)
		return json_pack("{s:s,s:i,s:I,s:s,s:I,s:i,s:s}", "kind", "rule", "family", it->rule.family,
				 "priority", (json_int_t)it->rule.priority, "src", dr_prefix_str(&it->rule.src),
				 "table", (json_int_t)it->rule.table, "protocol", it->rule.protocol,
				 "command", cmd);
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:s}", "kind", "sysctl", "iface", it->iface, "key", it->key,
			 "old", it->old, "new", it->value, "command", cmd);
}

/* Rebuild an item from the state file. Return: 0, or -1 (malformed). */
static int item_from_json(const json_t *j, struct fix_item *it)
{
	const char *kind = json_string_value(json_object_get(j, "kind"));

	memset(it, 0, sizeof(*it));
	if (!kind)
		return -1;
	if (!strcmp(kind, "route")) {
		struct nl_route *r = &it->route;
		const char *dst = json_string_value(json_object_get(j, "dst"));
		const char *dev = json_string_value(json_object_get(j, "dev"));
		const char *gw = json_string_value(json_object_get(j, "gateway"));
		const char *ps = json_string_value(json_object_get(j, "prefsrc"));

		it->kind = FIX_ROUTE;
		r->family = (uint8_t)json_integer_value(json_object_get(j, "family"));
		if ((r->family != 4 && r->family != 6) || !dst || !dev)
			return -1;
		if (!strcmp(dst, "default")) {
			r->dst.addr.family = r->family;
		} else if (ip_prefix_parse(dst, &r->dst, false) < 0) {
			return -1;
		}
		r->src.addr.family = r->family;
		r->table = (uint32_t)json_integer_value(json_object_get(j, "table"));
		r->scope = (uint8_t)json_integer_value(json_object_get(j, "scope"));
		r->protocol = (uint8_t)json_integer_value(json_object_get(j, "protocol"));
		r->priority = (uint32_t)json_integer_value(json_object_get(j, "metric"));
		r->type = RTN_UNICAST;
		r->nh_count = 1;
		r->nh[0].weight = 1;
		r->nh[0].ifindex = (int)if_nametoindex(dev);
		snprintf(it->iface, sizeof(it->iface), "%s", dev);
		if (gw && ip_addr_parse(gw, &r->nh[0].gw) < 0)
			return -1;
		if (ps && ip_addr_parse(ps, &r->prefsrc) < 0)
			return -1;
		return 0;
	}
	if (!strcmp(kind, "rule")) {
		const char *src = json_string_value(json_object_get(j, "src"));
		struct nl_rule *r = &it->rule;

		it->kind = FIX_RULE;
		r->family = (uint8_t)json_integer_value(json_object_get(j, "family"));
		if (!src || ip_prefix_parse(src, &r->src, false) < 0 || r->src.addr.family != r->family)
			return -1;
		r->dst.addr.family = r->family;
		r->priority = (uint32_t)json_integer_value(json_object_get(j, "priority"));
		r->table = (uint32_t)json_integer_value(json_object_get(j, "table"));
		r->protocol = (uint8_t)json_integer_value(json_object_get(j, "protocol"));
		r->action = FR_ACT_TO_TBL;
		r->suppress_prefixlen = -1;
		r->suppress_ifgroup = -1;
		return 0;
	}
	if (!strcmp(kind, "sysctl")) {
		const char *ifn = json_string_value(json_object_get(j, "iface"));
		const char *key = json_string_value(json_object_get(j, "key"));

		it->kind = FIX_SYSCTL;
		if (!ifn || !key || strlen(ifn) >= IF_NAMESIZE || strlen(key) >= sizeof(it->key))
			return -1;
		snprintf(it->iface, sizeof(it->iface), "%s", ifn);
		snprintf(it->key, sizeof(it->key), "%s", key);
		it->old = (int)json_integer_value(json_object_get(j, "old"));
		it->value = (int)json_integer_value(json_object_get(j, "new"));
		return 0;
	}
	return -1;
}

static void apply_report(json_t *out, const char *res, const char *cmd, const char *why)
{
	if (out)
		json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "command", cmd, "result", res,
						     "error", why ? why : ""));
	else if (why)
		printf("%-8s %s: %s\n", res, cmd, why);
	else
		printf("%-8s %s\n", res, cmd);
}

static int apply_plan(const struct dr_snap *s, struct fix_plan *p, struct fix_state *st,
		      const char *state_path, bool json)
{
	json_t *out = json ? json_array() : NULL;
	json_t *items = json_object_get(st->root, "items"), *tables = json_object_get(st->root, "tables");
	char cmd[400], err[300];
	size_t i, added = 0;
	int rc = 0, e;
	struct nl nl;

	if ((e = nl_open(&nl)) < 0) {
		fprintf(stderr, "wanscope doctor fix: netlink: %s\n", strerror(-e));
		return -1;
	}
	for (i = 0; i < p->nifs; i++)
		if (!p->ifs[i].loose)
			json_object_set_new(tables, p->ifs[i].name, json_integer(p->ifs[i].table));
	for (i = 0; i < p->n; i++) {
		struct fix_item *it = &p->items[i];

		item_iproute2(s, it, false, cmd, sizeof(cmd));
		if (it->present) {
			apply_report(out, "present", cmd, NULL);
			continue;
		}
		if (it->kind == FIX_ROUTE)
			e = nl_route_add(&nl, &it->route);
		else if (it->kind == FIX_RULE)
			e = nl_rule_add(&nl, &it->rule);
		else
			e = sysctl_conf_write_int(4, it->iface, it->key, it->value);
		if (e == -EEXIST) {
			apply_report(out, "present", cmd, NULL);
			continue;
		}
		if (e < 0) {
			apply_report(out, "FAILED", cmd, strerror(-e));
			rc = -1;
			continue;
		}
		apply_report(out, "added", cmd, NULL);
		json_array_append_new(items, item_json(s, it));
		added++;
	}
	nl_close(&nl);
	if (added && state_save(state_path, st, err, sizeof(err)) < 0) {
		fprintf(stderr, "wanscope doctor fix: %s\n", err);
		rc = -1;
	}
	if (out) {
		json_t *root = json_pack("{s:o,s:I,s:s}", "applied", out, "added", (json_int_t)added,
					 "state", state_path);

		json_dumpf(root, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(root);
	} else {
		printf("%zu change%s applied%s%s\n", added, added == 1 ? "" : "s",
		       added ? "; undo with: wanscope doctor fix --undo --state " : "",
		       added ? state_path : "");
	}
	return rc;
}

static int undo(const char *state_path, bool json)
{
	struct fix_state st;
	char err[300], cmd[400];
	json_t *items, *out = json_array();
	size_t i, n;
	int rc = 0, e;
	struct nl nl;

	if (access(state_path, F_OK) < 0) {
		if (json) {
			printf("{\"undone\":[],\"note\":\"nothing to undo\"}\n");
		} else {
			printf("wanscope doctor fix --undo: nothing to undo (no %s)\n", state_path);
		}
		json_decref(out);
		return EXIT_OK;
	}
	if (state_load(state_path, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "wanscope doctor fix --undo: %s\n", err);
		json_decref(out);
		return EXIT_USAGE;
	}
	if ((e = nl_open(&nl)) < 0) {
		fprintf(stderr, "wanscope doctor fix --undo: netlink: %s\n", strerror(-e));
		json_decref(st.root);
		json_decref(out);
		return EXIT_FAIL;
	}
	items = json_object_get(st.root, "items");
	n = json_array_size(items);
	for (i = n; i > 0; i--) {
		struct fix_item it;
		const char *res;

		if (item_from_json(json_array_get(items, i - 1), &it) < 0) {
			fprintf(stderr, "wanscope doctor fix --undo: %s: item %zu is malformed, skipped\n",
				state_path, i - 1);
			rc = -1;
			continue;
		}
		item_iproute2(NULL, &it, true, cmd, sizeof(cmd));
		if (it.kind == FIX_ROUTE)
			e = nl_route_del(&nl, &it.route);
		else if (it.kind == FIX_RULE)
			e = nl_rule_del(&nl, &it.rule);
		else {
			int cur;

			e = sysctl_conf_read_int(4, it.iface, it.key, &cur);
			if (e == 0 && cur != it.value)
				e = -ESTALE;
			else if (e == 0)
				e = sysctl_conf_write_int(4, it.iface, it.key, it.old);
		}
		if (e == 0)
			res = "removed";
		else if (e == -ENOENT || e == -ESRCH || e == -ENODEV)
			res = "gone";
		else if (e == -ESTALE)
			res = "changed since, left alone";
		else {
			res = "FAILED";
			rc = -1;
		}
		if (json)
			json_array_append_new(out, json_pack("{s:s,s:s}", "command", cmd, "result", res));
		else
			printf("%-8s %s\n", res, cmd);
	}
	nl_close(&nl);
	json_decref(st.root);
	if (rc == 0)
		unlink(state_path);
	if (json) {
		json_t *root = json_pack("{s:o}", "undone", out);

		json_dumpf(root, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(root);
	} else {
		json_decref(out);
	}
	return rc ? EXIT_FAIL : EXIT_OK;
}

static void fix_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope doctor fix [--apply | --undo] [--format iproute2|netplan|nmcli|vyos]\n"
"                           [--loose] [--gateway IF=ADDR]... [--state FILE]\n"
"                           [--snapshot DIR] [--json]\n"
"\n"
"Print the fix for what `doctor check` finds: for each affected interface\n"
"(never the one holding the default route of that family) a routing table with\n"
"its connected subnets and its gateway, and a `from ADDR` rule per address\n"
"(`ip -6 rule` for IPv6; one table per interface for both families), so replies\n"
"leave by the interface their request came in on. Table ids and rule priorities\n"
"start at 10000 + ifindex and skip any already in use. Interfaces sharing a\n"
"subnet also get arp_ignore=1 and arp_announce=2. The plan is checked on a\n"
"copy of the snapshot and the predicted result is printed.\n"
"\n"
"  --apply          make the changes on this host (idempotent: present items are\n"
"                   skipped); routes and rules are tagged 'proto %d' and every\n"
"                   change is recorded in the state file\n"
"  --undo           remove exactly what --apply added (reads the state file)\n"
"  --format F       iproute2 (default), netplan, nmcli or vyos\n"
"  --loose          instead of policy routing, set rp_filter=2 on interfaces whose\n"
"                   requests strict rp_filter drops. Trade-off: loose mode gives up\n"
"                   spoofing protection on them, and replies still leave by the\n"
"                   default interface, so TCP through stateful filters still fails.\n"
"                   IPv6 has no rp_filter sysctl: when an nftables reverse-path rule\n"
"                   drops, the loose form of that rule is printed, never applied\n"
"  --gateway IF=ADDR  the gateway to use for IF, IPv4 or IPv6 (repeatable; default:\n"
"                   a gateway seen in the routes, else the subnet's first address,\n"
"                   marked as assumed)\n"
"  --state FILE     state file (default %s)\n"
"  --snapshot DIR   plan for a saved snapshot (printing only)\n"
"  --json           the plan (or the undo results) as JSON\n"
"\n"
"Examples:\n"
"  wanscope doctor fix\n"
"  wanscope doctor fix --format netplan --snapshot ./customer-host\n"
"  wanscope doctor fix --apply && wanscope doctor check\n"
"  wanscope doctor fix --undo\n"
"\n"
"Exit status: 0 success (or nothing to fix), 1 a change failed, 2 usage error\n"
"or the host could not be read.\n", DR_RTPROT, DR_STATE_FILE);
}

int dr_cmd_fix(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "apply", no_argument, NULL, 'a' },
		{ "undo", no_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "loose", no_argument, NULL, 'l' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "state", required_argument, NULL, 'S' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fix_opts o = { .state = DR_STATE_FILE };
	enum fix_format fmt = FMT_IPROUTE2;
	const char *snap = NULL;
	bool apply = false, do_undo = false, json = false;
	struct dr_findings *pred = NULL;
	struct fix_plan *p = NULL;
	struct fix_state st = { 0 };
	char err[300], cmd[400];
	struct dr_snap s;
	int c, rc = EXIT_OK;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "auf:lg:S:s:jh", lo, NULL)) != -1) {
		switch (c) {
		case 'a': apply = true; break;
		case 'u': do_undo = true; break;
		case 'f':
			if (!strcmp(optarg, "iproute2")) fmt = FMT_IPROUTE2;
			else if (!strcmp(optarg, "netplan")) fmt = FMT_NETPLAN;
			else if (!strcmp(optarg, "nmcli")) fmt = FMT_NMCLI;
			else if (!strcmp(optarg, "vyos")) fmt = FMT_VYOS;
			else {
				fprintf(stderr, "wanscope doctor fix: --format: '%s' is not iproute2, netplan, nmcli or vyos\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'l': o.loose = true; break;
		case 'g': {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || (size_t)(eq - optarg) >= IF_NAMESIZE || o.ngws >= FIX_MAX_GW ||
			    ip_addr_parse(eq + 1, &o.gws[o.ngws].gw) < 0) {
				fprintf(stderr, "wanscope doctor fix: --gateway: '%s' is not IF=ADDR\n", optarg);
				return EXIT_USAGE;
			}
			memcpy(o.gws[o.ngws].iface, optarg, (size_t)(eq - optarg));
			o.ngws++;
			break;
		}
		case 'S': o.state = optarg; break;
		case 's': snap = optarg; break;
		case 'j': json = true; break;
		case 'h': fix_usage(stdout); return EXIT_OK;
		default: fix_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || (apply && do_undo) || ((apply || do_undo) && snap)) {
		fprintf(stderr, "wanscope doctor fix: %s\n", optind != argc ? "unexpected argument" :
			apply && do_undo ? "--apply and --undo exclude each other" :
			"--apply/--undo change this host; they do not take --snapshot");
		return EXIT_USAGE;
	}
	if (do_undo)
		return undo(o.state, json);
	if (state_load(snap ? "/nonexistent/wanscope" : o.state, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "wanscope doctor fix: %s\n", err);
		return EXIT_USAGE;
	}
	if (dr_load(&s, snap, "fix") < 0) {
		json_decref(st.root);
		return EXIT_USAGE;
	}
	p = malloc(sizeof(*p));
	pred = malloc(sizeof(*pred));
	if (!p || !pred || make_plan(&s, &o, &st, p, err, sizeof(err)) < 0) {
		fprintf(stderr, "wanscope doctor fix: %s\n", p && pred ? err : "out of memory");
		rc = EXIT_USAGE;
		goto out;
	}
	if (predict(&s, p, pred) < 0)
		pred->n = 0;
	if (json && !apply) {
		json_t *root = json_object(), *items = json_array(), *ifs = json_array(), *pj = json_array();
		json_t *notes = json_array();

		for (i = 0; i < p->nifs; i++)
			json_array_append_new(ifs, json_pack("{s:s,s:i,s:o,s:o,s:b,s:s}", "iface", p->ifs[i].name,
				"family", p->ifs[i].family,
				"table", p->ifs[i].loose ? json_null() : json_integer(p->ifs[i].table),
				"gateway", ip_addr_is_set(&p->ifs[i].gw) ? json_string(dr_addr_str(&p->ifs[i].gw)) : json_null(),
				"gateway_assumed", p->ifs[i].gw_assumed,
				"method", p->ifs[i].loose ? "loose_rp_filter" : "policy_routing"));
		for (i = 0; i < p->n; i++) {
			json_t *j = item_json(&s, &p->items[i]);

			json_object_set_new(j, "present", json_boolean(p->items[i].present));
			json_array_append_new(items, j);
		}
		for (i = 0; i < pred->n; i++)
			json_array_append_new(pj, json_pack("{s:s,s:s,s:s,s:s}", "iface", pred->f[i].iface,
				"address", dr_addr_str(&pred->f[i].addr), "severity", dr_sev_name(pred->f[i].sev),
				"reason", pred->f[i].reason));
		for (i = 0; i < p->nnotes; i++)
			json_array_append_new(notes, json_string(p->notes[i]));
		json_object_set_new(root, "interfaces", ifs);
		json_object_set_new(root, "changes", items);
		json_object_set_new(root, "notes", notes);
		json_object_set_new(root, "predicted_findings", pj);
		json_dumpf(root, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(root);
		goto out;
	}
	if (p->n == 0 && apply && json) {
		printf("{\"applied\":[],\"added\":0}\n");
		goto out;
	}
	if (p->n == 0) {
		printf("wanscope doctor fix: nothing to change%s.\n",
		       p->nnotes ? "" : ": no problem found that policy routing fixes");
		for (i = 0; i < p->nnotes; i++)
			printf("note: %s\n", p->notes[i]);
		goto out;
	}
	if (apply && json) {
		if (apply_plan(&s, p, &st, o.state, true) < 0)
			rc = EXIT_FAIL;
		goto out;
	}
	printf("# wanscope doctor fix for %s: each interface answers for its own addresses\n",
	       s.live ? "this host" : s.source);
	for (i = 0; i < p->nifs; i++) {
		const struct fix_iface *fi = &p->ifs[i];

		const char *v6 = fi->family == 6 ? " (IPv6)" : "";

		if (fi->loose)
			printf("# %s: loose rp_filter (2). Trade-off: no spoofing protection on %s, and replies still leave by the default interface, so TCP through a stateful filter keeps failing.\n",
			       fi->name, fi->name);
		else if (ip_addr_is_set(&fi->gw))
			printf("# %s%s: table %u, rule priority %u, gateway %s%s\n", fi->name, v6, fi->table,
			       fi->table, dr_addr_str(&fi->gw), fi->gw_assumed ?
			       " (ASSUMED: the subnet's first address; set it with --gateway IF=ADDR)" : "");
		else
			printf("# %s%s: table %u, rule priority %u, no gateway known: only on-link replies (give --gateway %s=ADDR)\n",
			       fi->name, v6, fi->table, fi->table, fi->name);
	}
	for (i = 0; i < p->nnotes; i++)
		printf("# note: %s\n", p->notes[i]);
	if (apply) {
		if (apply_plan(&s, p, &st, o.state, false) < 0)
			rc = EXIT_FAIL;
	} else if (fmt == FMT_IPROUTE2) {
		for (i = 0; i < p->n; i++) {
			item_iproute2(&s, &p->items[i], false, cmd, sizeof(cmd));
			printf("%s%s\n", p->items[i].present ? "# present: " : "", cmd);
		}
	} else if (fmt == FMT_NETPLAN) {
		print_netplan(&s, p);
	} else if (fmt == FMT_NMCLI) {
		print_nmcli(p);
	} else {
		print_vyos(&s, p);
	}
	if (!apply) {
		if (pred->n == 0)
			printf("# predicted after the fix: every address answers symmetrically\n");
		for (i = 0; i < pred->n; i++)
			printf("# predicted after the fix, still: %s %s %s: %s\n", dr_sev_name(pred->f[i].sev),
			       pred->f[i].iface, dr_addr_str(&pred->f[i].addr), pred->f[i].reason);
		for (i = 0; i < p->nifs && !o.loose; i++)
			if (p->ifs[i].family == 4) {
				printf("# (or --loose: rp_filter=2 instead; ICMP then works but TCP through stateful filters still fails)\n");
				break;
			}
	}
out:
	json_decref(st.root);
	free(p);
	free(pred);
	dr_snap_free(&s);
	return rc;
}
