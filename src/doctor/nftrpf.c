/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nftrpf.c - nftables reverse-path rules (`fib saddr . iif oif missing drop`)
 *
 * Theory of operation: IPv6 has no rp_filter sysctl; hosts filter spoofed
 * sources with an nftables rule instead (firewalld's IPv6_rpfilter puts
 * `meta nfproto ipv6 fib saddr . mark . iif oif missing drop` in its
 * prerouting chain), and some use the same rule for IPv4. The kernel
 * (net/ipv{4,6}/netfilter/nft_fib_ipv{4,6}.c) evaluates `fib saddr` as a
 * route lookup towards the packet's source, from the packet's destination,
 * with iif = loopback and the packet's mark only with the `mark` flag:
 * the same question as the rp_filter sysctl's check. The result `oif` is
 * the route's device; with the `iif` flag it is the incoming interface
 * when the route uses it and 0 ("missing") otherwise (strict), without it
 * any route counts (loose). Local, anycast and error routes count as
 * missing. An IPv6 link-local source is looked up on the incoming
 * interface only and always passes.
 *
 * That is why `ip -6 rule add from ADDR lookup T` fixes a strict rule: the
 * lookup carries our address as its source, so the rule sends it to the
 * interface's own table. The doctor does not evaluate the ruleset: a rule
 * applies when its table family (or `meta nfproto`) and its `iifname` fit;
 * other matches in the same rule (rare for these rules) are assumed to
 * match, and an earlier accept in the chain is not seen. Marks set on the
 * packet path are not modelled (mark 0).
 */
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/fmt.h"

const char *dr_nft_rule_name(const struct dr_nft_rule *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %s handle %llu", r->family, r->table, r->chain,
		 (unsigned long long)r->handle);
	return buf;
}

const char *dr_nft_rpf_loose_text(const struct dr_nft_rule *r, char *buf, size_t len)
{
	const char *iif = strstr(r->summary, " . iif");
	size_t n = iif ? (size_t)(iif - r->summary) : strlen(r->summary);

	snprintf(buf, len, "%.*s%s", (int)n, r->summary, iif ? iif + 6 : "");
	return buf;
}

/* iifname "eth*" matches by prefix, as nft does. */
static bool ifname_match(const char *pat, const char *name)
{
	size_t n = strlen(pat);

	if (n && pat[n - 1] == '*')
		return !strncmp(pat, name, n - 1);
	return !strcmp(pat, name);
}

static bool applies(const struct dr_snap *s, const struct dr_nft_rule *r, const char *hook,
		    int iif, int family)
{
	if (!r->fib_rpf || (r->nfproto && r->nfproto != family))
		return false;
	if (strcmp(r->hook, hook))
		return false;
	return !r->iifname[0] || ifname_match(r->iifname, dr_ifname(s, iif));
}

static bool link_local6(const struct ip_addr *a)
{
	return a->family == 6 && a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80;
}

static int lo_ifindex(const struct dr_snap *s)
{
	size_t i;

	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].l.flags & IFF_LOOPBACK)
			return s->links[i].l.ifindex;
	return 1;
}

/* One rule. Return: true when it drops the request. */
static bool rule_drops(const struct dr_snap *s, const struct dr_nft_rule *r, int iif,
		       const struct ip_addr *src, const struct ip_addr *dst,
		       struct dr_nft_rpf *out, struct dr_trace *tr)
{
	struct dr_flow fl = { 0 };
	char name[200], rb[200];
	const struct nl_route *rt;
	unsigned k;

	dr_trace_add(tr, "nftables reverse-path rule %s (hook %s): `%s` — %s",
		     dr_nft_rule_name(r, name, sizeof(name)), r->hook, r->summary,
		     r->fib_iif ? "strict: the route back to the source must leave by the interface the packet came in on" :
		     "loose: some route back to the source must exist");
	if (link_local6(src)) {
		dr_trace_add(tr, "the source %s is link-local: looked up on %s only, passes",
			     dr_addr_str(src), dr_ifname(s, iif));
		return false;
	}
	fl.dst = *src;
	fl.src = *dst;
	fl.iif = lo_ifindex(s);
	dr_trace_add(tr, "its lookup: the source %s, from %s, iif %s%s", dr_addr_str(src),
		     dr_addr_str(dst), dr_ifname(s, fl.iif),
		     r->fib_mark ? ", with the packet's mark (0 here)" : "");
	memset(&out->rev, 0, sizeof(out->rev));
	out->rev_ok = false;
	if (dr_fib_lookup(s, &fl, &out->rev, tr) != 0 || !out->rev.route) {
		dr_trace_add(tr, "no route back to %s: oif missing, DROPPED by nftables (%s)",
			     dr_addr_str(src), name);
		return true;
	}
	rt = out->rev.route;
	if (out->rev.type != RTN_UNICAST) {
		dr_trace_add(tr, "the source routes to a %s route: oif missing, DROPPED by nftables (%s)",
			     nl_route_type_name(out->rev.type), name);
		return true;
	}
	out->rev_ok = true;
	if (!r->fib_iif) {
		dr_trace_add(tr, "a route back exists: passes");
		return false;
	}
	for (k = 0; k < rt->nh_count; k++)
		if (rt->nh[k].ifindex == iif) {
			dr_trace_add(tr, "the route back uses %s, the interface the packet came in on: passes",
				     dr_ifname(s, iif));
			return false;
		}
	dr_fmt_route(s, rt, rb, sizeof(rb));
	dr_trace_add(tr, "the route back (%s) leaves by %s, not %s: oif missing, DROPPED by nftables (%s)",
		     rb, rt->nh_count ? dr_ifname(s, rt->nh[0].ifindex) : "?", dr_ifname(s, iif), name);
	return true;
}

bool dr_nft_rpf_check(const struct dr_snap *s, const char *hook, int iif,
		      const struct ip_addr *src, const struct ip_addr *dst,
		      struct dr_nft_rpf *out, struct dr_trace *tr)
{
	size_t i;

	for (i = 0; i < s->nnft; i++) {
		const struct dr_nft_rule *r = &s->nft[i];

		if (!applies(s, r, hook, iif, src->family))
			continue;
		if (rule_drops(s, r, iif, src, dst, out, tr)) {
			out->rule = r;
			return true;
		}
		out->checked++;
	}
	return false;
}
