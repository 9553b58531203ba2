/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * analyze.c - verdicts for requests to this host, and `doctor check`
 *
 * Theory of operation: a request is answered when (1) the input route
 * lookup delivers it locally and the reverse-path filter lets it in, and
 * (2) the reply, sent from the address the request went to, has a route.
 * ICMP needs nothing more. TCP also needs the reply to leave by the
 * interface the request came in on whenever something on the path keeps
 * connection state per interface: a cloud provider's per-interface
 * "protocol state filtering", a firewall with one conntrack zone per
 * interface, or this host's own nftables when it sets conntrack zones by
 * interface. The host cannot see an upstream filter, so an asymmetric
 * reply is reported as "TCP dropped by a stateful filter upstream" — the
 * case that hurts in clouds — and says so explicitly.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/fmt.h"

const char *dr_sev_name(enum dr_sev s)
{
	switch (s) {
	case DR_SEV_OK: return "ok";
	case DR_SEV_INFO: return "info";
	case DR_SEV_WARNING: return "warning";
	case DR_SEV_ERROR: return "error";
	}
	return "?";
}

int dr_primary_ifindex(const struct dr_snap *s, int family)
{
	struct dr_route_res o;
	struct dr_flow fl = { 0 };

	if (family == 4)
		ip_addr_parse("203.0.113.10", &fl.dst);
	else
		ip_addr_parse("3fff::10", &fl.dst);
	if (dr_route_output(s, &fl, &o, NULL) == 0 && o.type == RTN_UNICAST)
		return o.dev;
	return 0;
}

bool dr_nft_per_iface_state(const struct dr_snap *s, char *why, size_t len)
{
	size_t i;

	for (i = 0; i < s->nnft; i++) {
		const struct dr_nft_rule *r = &s->nft[i];

		if (r->ct_zone_set && (r->iifname[0] || r->oifname[0])) {
			snprintf(why, len, "%s", r->summary);
			return true;
		}
	}
	return false;
}

static bool devs_contain(const struct dr_route_res *o, int dev)
{
	int i;

	for (i = 0; i < o->ndevs; i++)
		if (o->devs[i] == dev)
			return true;
	return o->ndevs == 0 && o->dev == dev;
}

void dr_analyze(const struct dr_snap *s, int iif, const struct ip_addr *src,
		const struct ip_addr *dst, uint8_t proto, struct dr_verdict *v,
		struct dr_trace *tr)
{
	struct dr_flow in = { 0 }, out = { 0 };
	char why[320];

	memset(v, 0, sizeof(*v));
	in.dst = *dst;
	in.src = *src;
	in.iif = iif;
	in.ip_proto = proto;
	/* nftables prerouting runs before the route lookup. The lookup is
	 * still modelled (silently): the kernel confirmation compares it. */
	if (dr_nft_rpf_check(s, "prerouting", iif, src, dst, &v->nft, tr)) {
		dr_route_input(s, &in, &v->in, NULL);
		snprintf(v->tcp_reason, sizeof(v->tcp_reason), "nft_rpfilter");
		return;
	}
	if (dr_route_input(s, &in, &v->in, tr) != 0) {
		snprintf(v->tcp_reason, sizeof(v->tcp_reason), "%s",
			 v->in.rp_done && v->in.rp.verdict != DR_RP_PASS ? "rp_filter" :
			 v->in.err == -EINVAL ? "martian" : "no_route");
		return;
	}
	if (v->in.type != RTN_LOCAL) {
		dr_trace_add(tr, "%s is not an address of this host: the request is %s, not answered here",
			     dr_addr_str(dst), v->in.forward ? "forwarded" : "not delivered");
		snprintf(v->tcp_reason, sizeof(v->tcp_reason), "not_local");
		return;
	}
	if (dr_nft_rpf_check(s, "input", iif, src, dst, &v->nft, tr)) {
		snprintf(v->tcp_reason, sizeof(v->tcp_reason), "nft_rpfilter");
		return;
	}
	v->delivered = true;
	out.dst = *src;
	out.src = *dst;
	out.ip_proto = proto;
	/* Replies carry the request's mark only when the sysctls say so. */
	dr_trace_add(tr, "the reply goes from %s back to %s", dr_addr_str(dst), dr_addr_str(src));
	v->out_done = true;
	if (dr_route_output(s, &out, &v->out, tr) != 0) {
		snprintf(v->tcp_reason, sizeof(v->tcp_reason), "no_route_back");
		return;
	}
	v->reply_src = v->out.src;
	v->egress = v->out.dev;
	v->icmp_answered = true;
	if (devs_contain(&v->out, iif) && (v->out.ndevs <= 1)) {
		dr_trace_add(tr, "the reply leaves by %s, where the request came in: symmetric",
			     dr_ifname(s, iif));
		v->tcp_answered = true;
		return;
	}
	if (v->out.type == RTN_LOCAL) {
		dr_trace_add(tr, "the reply stays on this host");
		v->tcp_answered = true;
		return;
	}
	snprintf(v->tcp_reason, sizeof(v->tcp_reason), "asymmetric");
	if (dr_nft_per_iface_state(s, why, sizeof(why))) {
		snprintf(v->filter, sizeof(v->filter), "host");
		dr_trace_add(tr, "ASYMMETRIC: the request came in on %s, the reply leaves by %s; this host's nftables keeps per-interface conntrack state (%s): the SYN-ACK is invalid there and dropped",
			     dr_ifname(s, iif), dr_ifname(s, v->egress), why);
	} else {
		snprintf(v->filter, sizeof(v->filter), "upstream");
		dr_trace_add(tr, "ASYMMETRIC: the request came in on %s, the reply leaves by %s%s: ICMP is answered, but a stateful filter upstream (e.g. a cloud provider's per-interface protocol state filtering, or a firewall with per-interface conntrack) would drop the SYN-ACK",
			     dr_ifname(s, iif), dr_ifname(s, v->egress),
			     v->out.ndevs > 1 ? " (multipath: some flows)" : "");
	}
}

/* ---- check ---- */

static void add_finding(struct dr_findings *out, const char *ifname, const struct ip_addr *a,
			enum dr_sev sev, const char *kind, const char *reason)
{
	struct dr_finding *f;
	size_t i;

	for (i = 0; i < out->n; i++) {
		f = &out->f[i];
		if (!strcmp(f->iface, ifname) && ip_addr_eq(&f->addr, a)) {
			size_t l = strlen(f->reason);

			if (!strcmp(f->kind, kind))
				return;	/* one reason per kind is enough */

			if (sev > f->sev) {
				char old[sizeof(f->reason)];

				snprintf(old, sizeof(old), "%s", f->reason);
				dr_sfmt(f->reason, sizeof(f->reason), "%s; also: %s", reason, old);
				snprintf(f->kind, sizeof(f->kind), "%s", kind);
				f->sev = sev;
			} else if (l + 10 < sizeof(f->reason)) {
				snprintf(f->reason + l, sizeof(f->reason) - l, "; also: %s", reason);
			}
			return;
		}
	}
	if (out->n >= DR_MAX_FINDINGS) {
		out->dropped++;
		return;
	}
	f = &out->f[out->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->iface, sizeof(f->iface), "%s", ifname);
	f->addr = *a;
	f->sev = sev;
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
}

/* An off-link client address that no connected route covers. */
static void pick_client(const struct dr_snap *s, int family, struct ip_addr *out)
{
	static const char *const v4[] = { "203.0.113.10", "198.51.100.10", "192.0.2.10" };
	static const char *const v6[] = { "3fff::10", "2001:db8:ffff::10" };
	const char *const *c = family == 4 ? v4 : v6;
	size_t n = family == 4 ? 3 : 2, i, k;

	for (i = 0; i < n; i++) {
		bool covered = false;

		ip_addr_parse(c[i], out);
		for (k = 0; k < s->naddrs && !covered; k++) {
			struct ip_prefix p = { s->addrs[k].local, s->addrs[k].prefixlen };

			ip_addr_mask(&p.addr, p.len);
			covered = p.addr.family == family && ip_prefix_contains(&p, out);
		}
		if (!covered)
			return;
	}
}

/* A neighbour on @a's subnet: a known gateway there, else the first host. */
static bool pick_neighbour(const struct dr_snap *s, const struct nl_ifaddr *a, struct ip_addr *out)
{
	struct ip_prefix p = { a->local, a->prefixlen };
	unsigned bits = a->local.family == 4 ? 32 : 128;
	size_t i;
	unsigned k;
	int j;

	if (a->prefixlen + 2u > bits)
		return false;
	ip_addr_mask(&p.addr, p.len);
	for (i = 0; i < s->nroutes; i++)
		for (k = 0; k < s->routes[i].nh_count; k++)
			if (ip_addr_is_set(&s->routes[i].nh[k].gw) &&
			    ip_prefix_contains(&p, &s->routes[i].nh[k].gw) &&
			    !dr_is_local_addr(s, &s->routes[i].nh[k].gw)) {
				*out = s->routes[i].nh[k].gw;
				return true;
			}
	*out = p.addr;
	for (j = 0; j < 8; j++) {
		for (k = bits / 8 - 1; ; k--) {	/* +1 with carry */
			if (++out->a[k] != 0 || k == 0)
				break;
		}
		if (!dr_is_local_addr(s, out))
			return true;
	}
	return false;
}

static void judge(const struct dr_snap *s, const struct dr_link *l, const struct nl_ifaddr *a,
		  const struct ip_addr *client, bool onlink, struct dr_findings *out)
{
	struct dr_verdict v;
	char reason[600], rb[200];
	const char *who = onlink ? "its own subnet" : "off-link clients";

	dr_analyze(s, l->l.ifindex, client, &a->local, 6 /* TCP */, &v, NULL);
	if (v.tcp_answered)
		return;
	if (v.nft.rule) {
		const struct nl_route *back = v.nft.rev_ok ? v.nft.rev.route : NULL;
		char name[200];

		dr_fmt_route(s, back, rb, sizeof(rb));
		dr_nft_rule_name(v.nft.rule, name, sizeof(name));
		if (back)
			dr_sfmt(reason, sizeof(reason),
				"requests from %s (e.g. %s) are dropped by the nftables reverse-path rule `%s` (%s): the route back leaves by %s (%s), not %s; policy routing fixes it%s",
				who, dr_addr_str(client), v.nft.rule->summary, name,
				back->nh_count ? dr_ifname(s, back->nh[0].ifindex) : "?", rb, l->l.name,
				a->local.family == 6 ? " (IPv6 has no rp_filter sysctl)" : "");
		else
			dr_sfmt(reason, sizeof(reason),
				"requests from %s (e.g. %s) are dropped by the nftables reverse-path rule `%s` (%s): no route back to the client",
				who, dr_addr_str(client), v.nft.rule->summary, name);
		add_finding(out, l->l.name, &a->local, DR_SEV_ERROR, "nft_rpfilter", reason);
		return;
	}
	if (!v.delivered) {
		if (!strcmp(v.tcp_reason, "rp_filter")) {
			const struct dr_rp_res *rp = &v.in.rp;
			const struct nl_route *back = rp->rev.route;

			dr_fmt_route(s, back, rb, sizeof(rb));
			if (rp->verdict == DR_RP_STRICT)
				dr_sfmt(reason, sizeof(reason),
					 "requests from %s (e.g. %s) are dropped by strict rp_filter=%d on %s: the route back leaves by %s (%s)",
					 who, dr_addr_str(client), rp->mode, l->l.name,
					 back && back->nh_count ? dr_ifname(s, back->nh[0].ifindex) : "?", rb);
			else
				dr_sfmt(reason, sizeof(reason),
					 "requests from %s (e.g. %s) are dropped by the reverse-path filter on %s: %s",
					 who, dr_addr_str(client), l->l.name, dr_rp_name(rp->verdict));
			add_finding(out, l->l.name, &a->local, DR_SEV_ERROR, "rp_filter", reason);
		} else {
			dr_sfmt(reason, sizeof(reason), "requests from %s (e.g. %s) arriving on %s are not delivered: %s",
				 who, dr_addr_str(client), l->l.name, v.in.why ? v.in.why : "dropped");
			add_finding(out, l->l.name, &a->local, DR_SEV_ERROR, "no_delivery", reason);
		}
		return;
	}
	if (!v.icmp_answered) {
		dr_sfmt(reason, sizeof(reason), "replies to %s (e.g. %s) have no route: %s",
			 who, dr_addr_str(client), v.out.why ? v.out.why : "unreachable");
		add_finding(out, l->l.name, &a->local, DR_SEV_ERROR, "no_route_back", reason);
		return;
	}
	dr_sfmt(reason, sizeof(reason),
		 "replies to %s (e.g. %s) leave by %s, not %s: ICMP works%s, TCP is dropped by %s",
		 who, dr_addr_str(client), dr_ifname(s, v.egress), l->l.name,
		 a->local.family == 4 ? " (rp_filter lets the request in)" : "",
		 !strcmp(v.filter, "host") ? "this host's per-interface conntrack zones (nftables)" :
		 "any stateful filter upstream (e.g. a cloud provider's per-interface state filtering)");
	add_finding(out, l->l.name, &a->local,
		    !strcmp(v.filter, "host") ? DR_SEV_ERROR : DR_SEV_WARNING, "asymmetric", reason);
}

static bool usable_addr(const struct nl_ifaddr *a)
{
	if (a->scope != RT_SCOPE_UNIVERSE)
		return false;
	if (a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return a->local.family == 4;
	return true;
}

/* Same-subnet interfaces need arp_ignore>=1 and arp_announce>=2. */
static void check_arp(const struct dr_snap *s, const struct dr_link *l, const struct nl_ifaddr *a,
		      struct dr_findings *out)
{
	struct ip_prefix p = { a->local, a->prefixlen };
	char reason[300];
	size_t i;

	if (a->local.family != 4)
		return;
	ip_addr_mask(&p.addr, p.len);
	for (i = 0; i < s->naddrs; i++) {
		const struct nl_ifaddr *b = &s->addrs[i];
		const struct dr_link *bl;

		if (b->ifindex == a->ifindex || b->local.family != 4 || b->prefixlen != a->prefixlen ||
		    !ip_prefix_contains(&p, &b->local))
			continue;
		bl = dr_link_by_index(s, b->ifindex);
		if (dr_conf_eff(s, l, "arp_ignore") >= 1 && dr_conf_eff(s, l, "arp_announce") >= 2)
			return;
		dr_sfmt(reason, sizeof(reason),
			 "%s shares %s with %s: without arp_ignore=1 and arp_announce=2 both interfaces answer ARP for %s (ARP flux)",
			 l->l.name, dr_prefix_str(&p), bl ? bl->l.name : "?", dr_addr_str(&a->local));
		add_finding(out, l->l.name, &a->local, DR_SEV_WARNING, "arp_flux", reason);
		return;
	}
}

int dr_check_clients(const struct dr_snap *s, const struct dr_opts *o,
		     const struct nl_ifaddr *a, struct ip_addr out[2])
{
	const struct dr_link *l = dr_link_by_index(s, a->ifindex);
	int n = 0;

	if (!l || (l->l.flags & IFF_LOOPBACK) || !(l->l.flags & IFF_UP) || !usable_addr(a))
		return 0;
	if (o && o->have_client && o->client.family == a->local.family)
		out[n] = o->client;
	else
		pick_client(s, a->local.family, &out[n]);
	n++;
	if (pick_neighbour(s, a, &out[n]))
		n++;
	return n;
}

void dr_check(const struct dr_snap *s, const struct dr_opts *o, struct dr_findings *out)
{
	struct ip_addr c[2];
	size_t i;
	int n, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < s->naddrs; i++) {
		const struct nl_ifaddr *a = &s->addrs[i];
		const struct dr_link *l = dr_link_by_index(s, a->ifindex);

		n = dr_check_clients(s, o, a, c);
		for (k = 0; k < n; k++)
			judge(s, l, a, &c[k], k == 1, out);
		if (n)
			check_arp(s, l, a, out);
	}
}
