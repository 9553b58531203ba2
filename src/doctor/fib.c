/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fib.c - a model of the kernel's IPv4/IPv6 forwarding decisions
 *
 * Theory of operation: this follows net/core/fib_rules.c, net/ipv4/
 * fib_trie.c, fib_frontend.c and route.c closely enough that its answers
 * can be checked against `ip route get` (tests/net/doctor_diff.sh does,
 * for thousands of random cases).
 *
 * - Policy rules are walked in list order. A rule matches when iif, oif,
 *   fwmark/mask, from, to, tos and ipproto all fit; "not" inverts the whole
 *   match. goto jumps to the first rule with the target priority and the
 *   walk continues from there; an unresolved goto is ignored. A table
 *   lookup that finds nothing (or a throw route) continues with the next
 *   rule; any other result, success or error route, ends the walk unless
 *   suppress_prefixlength/ifgroup rejects a successful result.
 * - A table is searched longest prefix first; within a prefix, routes are
 *   ordered TOS first, then metric. Error routes (blackhole, unreachable,
 *   prohibit, throw) answer at once; others must have a usable next hop
 *   (not dead; on the requested oif if any), or the search backtracks to
 *   shorter prefixes.
 * - The reverse-path check (fib_validate_source) looks up the packet's
 *   source with the packet's destination as source, iif = loopback (or
 *   the forwarding device), the mark only when src_valid_mark is set; it
 *   passes when any next hop uses the ingress device. Otherwise strict
 *   mode drops, loose mode accepts (a route existed). No route: both drop.
 */
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/fmt.h"

void dr_trace_add(struct dr_trace *t, const char *fmt, ...)
{
	va_list ap;

	if (!t)
		return;
	if (t->n >= DR_TRACE_LINES) {
		t->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(t->line[t->n++], sizeof(t->line[0]), fmt, ap);
	va_end(ap);
}

static int lo_ifindex(const struct dr_snap *s)
{
	size_t i;

	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].l.flags & IFF_LOOPBACK)
			return s->links[i].l.ifindex;
	return 1;
}

static bool v4_in(const struct ip_addr *a, uint32_t net, unsigned len)
{
	uint32_t m = len ? 0xffffffffu << (32 - len) : 0;

	return a->family == 4 && (ip_addr_v4u(a) & m) == net;
}

/* ---- table lookup ---- */

static int route_error(uint8_t type)
{
	switch (type) {
	case RTN_BLACKHOLE: return -EINVAL;
	case RTN_UNREACHABLE: return -EHOSTUNREACH;
	case RTN_PROHIBIT: return -EACCES;
	case RTN_THROW: return -EAGAIN;
	case RTN_NAT: case RTN_XRESOLVE: return -EINVAL;
	default: return 0;
	}
}

struct tbl_ctx {
	const struct dr_flow *fl;
	struct dr_fib_res *res;
	int err;
};

static int tbl_cb(void *arg, const struct ip_prefix *p, const struct nl_route *const *rs, size_t n)
{
	struct tbl_ctx *c = arg;
	const struct dr_flow *fl = c->fl;
	size_t i;
	unsigned k;

	for (i = 0; i < n; i++) {
		const struct nl_route *r = rs[i];
		uint32_t usable = 0;
		int e;

		if (r->family == 4 && r->tos && r->tos != fl->tos)
			continue;
		if (r->family == 6 && r->src.len &&
		    (!ip_addr_is_set(&fl->src) || !ip_prefix_contains(&r->src, &fl->src)))
			continue;
		e = route_error(r->type);
		if (e) {
			c->err = e;
			c->res->route = r;
			c->res->type = r->type;
			c->res->prefixlen = p->len;
			return 1;
		}
		for (k = 0; k < r->nh_count && k < 32; k++) {
			if (r->nh[k].flags & RTNH_F_DEAD)
				continue;
			if (fl->oif && r->nh[k].ifindex != fl->oif)
				continue;
			usable |= 1u << k;
		}
		if (!usable)
			continue;
		c->err = 0;
		c->res->route = r;
		c->res->type = r->type;
		c->res->prefixlen = p->len;
		c->res->nh_usable = usable;
		return 1;
	}
	return 0;
}

/* Return: 0 (found), an error route's -errno, or -EAGAIN (nothing here). */
static int table_lookup(const struct dr_snap *s, uint32_t id, const struct dr_flow *fl,
			struct dr_fib_res *res)
{
	const struct dr_fib_table *t = dr_fib_table(s, id);
	struct tbl_ctx c = { fl, res, -EAGAIN };

	res->table = id;
	res->route = NULL;
	if (!t)
		return -EAGAIN;
	if (!dr_fib_table_match(t, &fl->dst, tbl_cb, &c))
		return -EAGAIN;
	return c.err;
}

/* ---- rules ---- */

static bool rule_match(const struct dr_snap *s, const struct nl_rule *r, const struct dr_flow *fl)
{
	struct ip_addr zero = { .family = fl->dst.family };
	const struct ip_addr *src = ip_addr_is_set(&fl->src) ? &fl->src : &zero;
	bool m = true;

	if (r->iif[0] && (!fl->iif || strcmp(r->iif, dr_ifname(s, fl->iif))))
		m = false;
	else if (r->oif[0] && (!fl->oif || strcmp(r->oif, dr_ifname(s, fl->oif))))
		m = false;
	else if ((r->fwmark ^ fl->mark) & r->fwmask)
		m = false;
	else if (r->has_l3mdev)
		m = false;
	else if (r->src.len && !ip_prefix_contains(&r->src, src))
		m = false;
	else if (r->dst.len && !ip_prefix_contains(&r->dst, &fl->dst))
		m = false;
	else if (r->tos && r->tos != fl->tos)
		m = false;
	else if (r->ip_proto && r->ip_proto != fl->ip_proto)
		m = false;
	return r->invert ? !m : m;
}

static bool suppressed(const struct dr_snap *s, const struct nl_rule *r,
		       const struct dr_fib_res *res)
{
	if (r->suppress_prefixlen >= 0 && res->prefixlen <= r->suppress_prefixlen)
		return true;
	if (r->suppress_ifgroup >= 0 && res->route && res->route->nh_count) {
		const struct dr_link *l = dr_link_by_index(s, res->route->nh[0].ifindex);

		if (l && l->l.group == r->suppress_ifgroup)
			return true;
	}
	return false;
}

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case -ENETUNREACH: return "network unreachable";
	case -EHOSTUNREACH: return "host unreachable";
	case -EACCES: return "prohibited";
	case -EINVAL: return "blackhole/invalid";
	case -EAGAIN: return "no route (continue)";
	default: return "error";
	}
}

int dr_fib_lookup(const struct dr_snap *s, const struct dr_flow *fl, struct dr_fib_res *res,
		  struct dr_trace *tr)
{
	uint8_t fam = fl->dst.family;
	char rb[256], tb[16];
	size_t i, j;
	int e;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < s->nrules; i++) {
		const struct nl_rule *r = &s->rules[i];

		if (r->family != fam)
			continue;
jumped:
		if (!rule_match(s, r, fl))
			continue;
		dr_fmt_rule(r, rb, sizeof(rb));
		switch (r->action) {
		case FR_ACT_GOTO:
			for (j = 0; j < s->nrules; j++)
				if (s->rules[j].family == fam && s->rules[j].priority == r->goto_target)
					break;
			if (j == s->nrules) {
				dr_trace_add(tr, "rule %u `%s` matches, but no rule has priority %u: ignored",
					     r->priority, rb, r->goto_target);
				continue;
			}
			dr_trace_add(tr, "rule %u `%s` matches: jump to priority %u",
				     r->priority, rb, r->goto_target);
			i = j;
			r = &s->rules[j];
			goto jumped;
		case FR_ACT_NOP:
			continue;
		case FR_ACT_TO_TBL:
			e = table_lookup(s, r->table, fl, res);
			break;
		case FR_ACT_UNREACHABLE:
			e = -ENETUNREACH;
			break;
		case FR_ACT_PROHIBIT:
			e = -EACCES;
			break;
		default:
			e = -EINVAL;
			break;
		}
		if (e == 0 && suppressed(s, r, res)) {
			dr_trace_add(tr, "rule %u `%s` matches; /%u route suppressed by the rule",
				     r->priority, rb, res->prefixlen);
			continue;
		}
		if (r->action == FR_ACT_TO_TBL) {
			if (e == 0 || (e != -EAGAIN && res->route)) {
				dr_fmt_route(s, res->route, rb + 128, sizeof(rb) - 128);
				dr_trace_add(tr, "rule %u `%s` matches → table %s: %s%s%s",
					     r->priority, rb, dr_table_name(r->table, tb), rb + 128,
					     e ? " → " : "", e ? err_name(e) : "");
			} else if (tr) {
				dr_trace_add(tr, "rule %u `%s` matches → no route in table %s, next rule",
					     r->priority, rb, dr_table_name(r->table, tb));
			}
		} else {
			dr_trace_add(tr, "rule %u `%s` matches → %s", r->priority, rb, err_name(e));
		}
		if (e != -EAGAIN) {
			res->rule = r;
			res->err = e;
			/* Without custom rules the kernel merges local into main
			 * and reports local routes as found in main. */
			if (fam == 4 && !s->custom_rules && res->table == RT_TABLE_LOCAL)
				res->table = RT_TABLE_MAIN;
			return e;
		}
	}
	memset(res, 0, sizeof(*res));
	res->err = -ENETUNREACH;
	dr_trace_add(tr, "no rule gave a route: network unreachable");
	return res->err;
}

/* ---- reverse-path filter ---- */

const char *dr_rp_name(enum dr_rp r)
{
	switch (r) {
	case DR_RP_PASS: return "pass";
	case DR_RP_OFF_LOCAL_SRC: return "local source";
	case DR_RP_STRICT: return "strict rp_filter";
	case DR_RP_NO_ROUTE: return "no route back";
	case DR_RP_INVALID_SRC: return "invalid source";
	case DR_RP_LOCAL_SRC: return "local source";
	case DR_RP_NO_ADDR: return "ingress has no address";
	}
	return "?";
}

static bool has_v4_addr(const struct dr_snap *s, int ifindex)
{
	size_t i;

	for (i = 0; i < s->naddrs; i++)
		if (s->addrs[i].ifindex == ifindex && s->addrs[i].local.family == 4)
			return true;
	return false;
}

static bool custom_local_routes(const struct dr_snap *s)
{
	size_t i;

	for (i = 0; i < s->nroutes; i++)
		if (s->routes[i].type == RTN_LOCAL && s->routes[i].family == 4 &&
		    s->routes[i].protocol != RTPROT_KERNEL)
			return true;
	return false;
}

static bool nh_uses_dev(const struct nl_route *r, int dev)
{
	unsigned k;

	for (k = 0; k < r->nh_count; k++)
		if (r->nh[k].ifindex == dev)
			return true;
	return false;
}

void dr_validate_source(const struct dr_snap *s, const struct ip_addr *src,
			const struct ip_addr *dst, uint32_t mark, int dev, int oif,
			struct dr_rp_res *out, struct dr_trace *tr)
{
	const struct dr_link *l = dr_link_by_index(s, dev);
	int rpf = dr_conf_eff(s, l, "rp_filter");
	int accept_local = dr_conf_eff(s, l, "accept_local");
	int svm = dr_conf_eff(s, l, "src_valid_mark");
	int redirects = dr_conf_eff(s, l, "send_redirects");
	struct dr_flow fl = { 0 };
	char rb[200];
	int e;

	memset(out, 0, sizeof(*out));
	out->mode = rpf;
	if (src->family != 4) {
		out->verdict = DR_RP_PASS;
		return;
	}
	if (!rpf && (dev != oif || !redirects)) {
		if (accept_local)
			goto pass_quick;
		if (!s->custom_rules && !custom_local_routes(s)) {
			if (dr_is_local_addr(s, src)) {
				dr_trace_add(tr, "rp_filter=0 on %s, but the source %s is one of this host's addresses: martian, dropped",
					     dr_ifname(s, dev), dr_addr_str(src));
				out->verdict = DR_RP_OFF_LOCAL_SRC;
				return;
			}
			goto pass_quick;
		}
	}
	fl.dst = *src;
	fl.src = *dst;
	fl.iif = oif ? oif : lo_ifindex(s);
	fl.mark = svm ? mark : 0;
	dr_trace_add(tr, "reverse-path check (rp_filter=%d, %s on %s): look up the source %s as the kernel does, from %s, iif %s%s",
		     rpf, rpf == 1 ? "strict" : rpf == 2 ? "loose" : "off", dr_ifname(s, dev),
		     dr_addr_str(src), ip_addr_is_set(dst) ? dr_addr_str(dst) : "0.0.0.0",
		     dr_ifname(s, fl.iif), svm ? " with the packet's mark (src_valid_mark=1)" :
		     (mark ? ", without the mark (src_valid_mark=0)" : ""));
	out->rev_done = true;
	e = dr_fib_lookup(s, &fl, &out->rev, tr);
	if (e) {
		if (rpf) {
			dr_trace_add(tr, "no route back to %s: the reverse-path filter drops the packet",
				     dr_addr_str(src));
			out->verdict = DR_RP_NO_ROUTE;
			return;
		}
		goto pass;
	}
	if (out->rev.type != RTN_UNICAST) {
		if (out->rev.type != RTN_LOCAL) {
			dr_trace_add(tr, "the source routes to a %s route: invalid source, dropped",
				     nl_route_type_name(out->rev.type));
			out->verdict = DR_RP_INVALID_SRC;
			return;
		}
		if (!accept_local) {
			dr_trace_add(tr, "the source is a local address and accept_local=0 on %s: dropped",
				     dr_ifname(s, dev));
			out->verdict = DR_RP_LOCAL_SRC;
			return;
		}
	}
	if (nh_uses_dev(out->rev.route, dev) ||
	    (out->rev.type == RTN_LOCAL && dev == lo_ifindex(s))) {
		dr_trace_add(tr, "the route back uses %s, the interface the packet came in on: pass",
			     dr_ifname(s, dev));
		goto pass;
	}
	dr_fmt_route(s, out->rev.route, rb, sizeof(rb));
	if (!has_v4_addr(s, dev)) {
		if (rpf) {
			dr_trace_add(tr, "%s has no IPv4 address and the route back leaves elsewhere: dropped",
				     dr_ifname(s, dev));
			out->verdict = DR_RP_NO_ADDR;
			return;
		}
		goto pass;
	}
	if (rpf == 1) {
		dr_trace_add(tr, "strict mode: the route back (%s) leaves by %s, not %s: DROPPED (rp_filter)",
			     rb, out->rev.route && out->rev.route->nh_count ?
			     dr_ifname(s, out->rev.route->nh[0].ifindex) : "?", dr_ifname(s, dev));
		out->verdict = DR_RP_STRICT;
		return;
	}
	dr_trace_add(tr, "loose mode: a route back exists (%s, via %s): pass", rb,
		     out->rev.route && out->rev.route->nh_count ?
		     dr_ifname(s, out->rev.route->nh[0].ifindex) : "?");
pass:
	out->verdict = DR_RP_PASS;
	return;
pass_quick:
	dr_trace_add(tr, "rp_filter=0 on %s: no reverse-path check", dr_ifname(s, dev));
	out->verdict = DR_RP_PASS;
}

/* ---- source address selection ---- */

bool dr_select_src(const struct dr_snap *s, int dev, const struct ip_addr *dst, uint8_t scope,
		   struct ip_addr *out)
{
	const struct dr_link *l = dr_link_by_index(s, dev);
	int localnet = dr_conf_eff(s, l, "route_localnet") ? RT_SCOPE_LINK : RT_SCOPE_HOST;
	const struct nl_ifaddr *first = NULL;
	size_t i, k;

	for (i = 0; i < s->naddrs; i++) {
		const struct nl_ifaddr *a = &s->addrs[i];
		int sc = a->scope < localnet ? a->scope : localnet;

		if (a->ifindex != dev || a->local.family != 4 || (a->flags & IFA_F_SECONDARY))
			continue;
		if (sc > scope)
			continue;
		if (!dst || !ip_addr_is_set(dst)) {
			first = a;
			break;
		}
		{
			struct ip_prefix p = { a->local, a->prefixlen };

			ip_addr_mask(&p.addr, p.len);
			if (ip_prefix_contains(&p, dst)) {
				first = a;
				break;
			}
		}
		if (!first)
			first = a;
	}
	if (first) {
		*out = first->local;
		return true;
	}
	for (k = 0; k < s->nlinks; k++) {
		for (i = 0; i < s->naddrs; i++) {
			const struct nl_ifaddr *a = &s->addrs[i];

			if (a->ifindex != s->links[k].l.ifindex || a->local.family != 4 ||
			    (a->flags & IFA_F_SECONDARY))
				continue;
			if (a->scope != RT_SCOPE_LINK && a->scope <= scope) {
				*out = a->local;
				return true;
			}
		}
	}
	return false;
}

/* ---- route resolution ---- */

static void fill_nexthops(const struct dr_snap *s, struct dr_route_res *o)
{
	const struct nl_route *r = o->fib.route;
	unsigned k;

	(void)s;
	o->ndevs = 0;
	if (!r)
		return;
	for (k = 0; k < r->nh_count && k < 32; k++) {
		if (!(o->fib.nh_usable & (1u << k)))
			continue;
		o->devs[o->ndevs] = r->nh[k].ifindex;
		o->gws[o->ndevs] = r->nh[k].gw;
		o->ndevs++;
	}
	if (o->ndevs) {
		o->dev = o->devs[0];
		o->gw = o->gws[0];
	}
}

static int fail(struct dr_route_res *o, int err, const char *why, struct dr_trace *tr)
{
	o->err = err;
	o->why = why;
	dr_trace_add(tr, "%s", why);
	return err;
}

static bool local_table_is_local(const struct dr_snap *s, const struct ip_addr *a)
{
	struct dr_flow fl = { .dst = *a };
	struct dr_fib_res res;

	if (dr_is_local_addr(s, a))
		return true;
	return table_lookup(s, RT_TABLE_LOCAL, &fl, &res) == 0 && res.type == RTN_LOCAL;
}

int dr_route_input(const struct dr_snap *s, const struct dr_flow *fl, struct dr_route_res *o,
		   struct dr_trace *tr)
{
	const struct dr_link *in = dr_link_by_index(s, fl->iif);
	const struct ip_addr *src = &fl->src, *dst = &fl->dst;
	struct dr_flow f = *fl;
	int e;

	memset(o, 0, sizeof(*o));
	if (!in)
		return fail(o, -ENODEV, "no such input interface", tr);
	if (dst->family == 4) {
		bool localnet = dr_conf_eff(s, in, "route_localnet");

		if (v4_in(src, 0xe0000000u, 4) || v4_in(src, 0xffffffffu, 32))
			return fail(o, -EINVAL, "martian source (multicast/broadcast)", tr);
		if (v4_in(dst, 0xffffffffu, 32) || (v4_in(src, 0, 32) && v4_in(dst, 0, 32)))
			goto brd_input;
		if (v4_in(src, 0, 8))
			return fail(o, -EINVAL, "martian source (0.0.0.0/8)", tr);
		if (v4_in(dst, 0, 8))
			return fail(o, -EINVAL, "martian destination (0.0.0.0/8)", tr);
		if (v4_in(dst, 0x7f000000u, 8)) {
			if (!localnet)
				return fail(o, -EINVAL, "martian destination (loopback on the wire)", tr);
		} else if (v4_in(src, 0x7f000000u, 8) && !localnet) {
			return fail(o, -EINVAL, "martian source (loopback on the wire)", tr);
		}
	}
	f.oif = 0;
	dr_trace_add(tr, "input route lookup: %s → %s, iif %s%s", dr_addr_str(src),
		     dr_addr_str(dst), in->l.name, "");
	e = dr_fib_lookup(s, &f, &o->fib, tr);
	o->table = o->fib.table;
	if (e) {
		if (dst->family == 4 && !dr_conf_eff(s, in, "forwarding"))
			e = -EHOSTUNREACH;
		o->type = RTN_UNREACHABLE;
		return fail(o, e, "no route for the destination: dropped", tr);
	}
	o->type = o->fib.type;
	if (o->fib.type == RTN_BROADCAST && dst->family == 4)
		goto brd_input;
	if (o->fib.type == RTN_LOCAL) {
		o->dev = lo_ifindex(s);
		if (dst->family == 4) {
			o->rp_done = true;
			dr_validate_source(s, src, dst, fl->mark, fl->iif, 0, &o->rp, tr);
			if (o->rp.verdict != DR_RP_PASS)
				return fail(o, -EINVAL, "the reverse-path check failed: dropped", tr);
		}
		dr_trace_add(tr, "destination is local: delivered to this host");
		return 0;
	}
	if (dst->family == 4 && !dr_conf_eff(s, in, "forwarding"))
		return fail(o, -EHOSTUNREACH, "not a local address and forwarding is off on the input interface: dropped", tr);
	if (o->fib.type != RTN_UNICAST)
		return fail(o, -EINVAL, "martian destination (not a unicast route)", tr);
	fill_nexthops(s, o);
	o->forward = true;
	if (dst->family == 4) {
		int i;

		/* The check runs with the chosen next hop's device as iif, and
		 * the kernel chooses by hash: note when the choice matters. */
		for (i = 1; i < o->ndevs; i++) {
			struct dr_rp_res alt;

			dr_validate_source(s, src, dst, fl->mark, fl->iif, o->devs[i], &alt, NULL);
			dr_validate_source(s, src, dst, fl->mark, fl->iif, o->devs[0], &o->rp, NULL);
			if ((alt.verdict == DR_RP_PASS) != (o->rp.verdict == DR_RP_PASS))
				o->rp_ambiguous = true;
		}
		if (o->rp_ambiguous)
			dr_trace_add(tr, "multipath: whether the reverse-path check passes depends on the next hop the flow hash picks");
		o->rp_done = true;
		dr_validate_source(s, src, dst, fl->mark, fl->iif, o->dev, &o->rp, tr);
		if (o->rp.verdict != DR_RP_PASS)
			return fail(o, -EINVAL, "the reverse-path check failed: dropped", tr);
	}
	dr_trace_add(tr, "forwarded out of %s", dr_ifname(s, o->dev));
	return 0;

brd_input:
	o->type = RTN_BROADCAST;
	o->dev = lo_ifindex(s);
	if (!v4_in(src, 0, 8)) {
		struct ip_addr zero = { .family = 4 };

		o->rp_done = true;
		dr_validate_source(s, src, &zero, fl->mark, fl->iif, 0, &o->rp, tr);
		if (o->rp.verdict != DR_RP_PASS)
			return fail(o, -EINVAL, "the reverse-path check failed: dropped", tr);
	}
	dr_trace_add(tr, "broadcast: delivered to this host");
	return 0;
}

int dr_route_output(const struct dr_snap *s, const struct dr_flow *fl, struct dr_route_res *o,
		    struct dr_trace *tr)
{
	const struct ip_addr *dst = &fl->dst;
	struct dr_flow f = *fl;
	const struct nl_route *r;
	int e;

	memset(o, 0, sizeof(*o));
	if (dst->family == 4 && ip_addr_is_set(&f.src)) {
		if (v4_in(&f.src, 0xe0000000u, 4) || v4_in(&f.src, 0xffffffffu, 32) ||
		    v4_in(&f.src, 0, 8))
			return fail(o, -EINVAL, "invalid source address", tr);
		if (!local_table_is_local(s, &f.src))
			return fail(o, -ENETUNREACH, "the source is not an address of this host", tr);
	}
	if (dst->family == 6 && ip_addr_is_set(&f.src) && !dr_is_local_addr(s, &f.src))
		return fail(o, -EINVAL, "the source is not an address of this host", tr);
	if (f.oif) {
		const struct dr_link *l = dr_link_by_index(s, f.oif);

		if (!l)
			return fail(o, -ENODEV, "no such output interface", tr);
		if (!(l->l.flags & IFF_UP))
			return fail(o, -ENETUNREACH, "output interface is down", tr);
	}
	f.iif = lo_ifindex(s);
	dr_trace_add(tr, "output route lookup: %s%s → %s%s%s", ip_addr_is_set(&f.src) ? "from " : "",
		     ip_addr_is_set(&f.src) ? dr_addr_str(&f.src) : "", dr_addr_str(dst),
		     f.mark ? " mark " : "", f.mark ? dr_hex(f.mark) : "");
	e = dr_fib_lookup(s, &f, &o->fib, tr);
	o->table = o->fib.table;
	if (e) {
		if (f.oif && dst->family == 4) {
			o->type = RTN_UNICAST;
			o->dev = f.oif;
			o->ndevs = 1;
			o->devs[0] = f.oif;
			if (ip_addr_is_set(&f.src))
				o->src = f.src;
			else
				dr_select_src(s, f.oif, NULL, RT_SCOPE_LINK, &o->src);
			dr_trace_add(tr, "no route, but an output interface was given: assume on-link");
			return 0;
		}
		return fail(o, e, "no route to the destination", tr);
	}
	r = o->fib.route;
	o->type = o->fib.type;
	if (o->type == RTN_LOCAL) {
		o->dev = lo_ifindex(s);
		if (ip_addr_is_set(&f.src))
			o->src = f.src;
		else if (ip_addr_is_set(&r->prefsrc))
			o->src = r->prefsrc;
		else
			o->src = *dst;
		dr_trace_add(tr, "the destination is local: looped back");
		return 0;
	}
	fill_nexthops(s, o);
	if (ip_addr_is_set(&f.src))
		o->src = f.src;
	else if (ip_addr_is_set(&r->prefsrc))
		o->src = r->prefsrc;
	else if (dst->family == 4)
		dr_select_src(s, o->dev, &o->gw, r->scope, &o->src);
	if (dst->family == 4) {
		if (v4_in(dst, 0, 8))
			return fail(o, -EINVAL, "zero destination", tr);
		if (v4_in(dst, 0xffffffffu, 32))
			o->type = RTN_BROADCAST;
		else if (v4_in(dst, 0xe0000000u, 4))
			o->type = RTN_MULTICAST;
		if (v4_in(&o->src, 0x7f000000u, 8) && o->dev != lo_ifindex(s))
			return fail(o, -EINVAL, "loopback source on a non-loopback interface", tr);
	}
	dr_trace_add(tr, "leaves by %s%s%s, source %s", dr_ifname(s, o->dev),
		     ip_addr_is_set(&o->gw) ? " via " : "",
		     ip_addr_is_set(&o->gw) ? dr_addr_str(&o->gw) : "",
		     ip_addr_is_set(&o->src) ? dr_addr_str(&o->src) : "(none)");
	return 0;
}
