/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * branch_check.c - `wanscope branch-check`: on a branch, verify against
 * the live routing (RTM_GETROUTE, like `ip route get`) that probes will
 * come back through the tunnel, and name what is missing
 */
#include <errno.h>
#include <stdarg.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nl.h"
#include "lib/opt.h"
#include "probe/branch.h"
#include "probe/config.h"
#include "subcommands.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: wanscope branch-check --tunnel IF [--type reply|request] [--target ADDR]\n"
"                             [--target-prefix PREFIX] [--hub-prefix PREFIX]...\n"
"                             [--table N]\n"
"\n"
"Run on a branch router: checks with the kernel's own route lookups that the\n"
"hub's probes will come back through IF, and names what is missing. Takes the\n"
"options of 'wanscope branch-config'.\n"
"\n"
"  reply type    would an ICMP echo reply from the target prefix to the hub,\n"
"                arriving on IF, be forwarded back out of IF? (IP forwarding,\n"
"                rp_filter, the policy rule and its table's default route)\n"
"  request type  is the target a local address, and would its echo replies to\n"
"                the hub leave through IF?\n"
"Also warns when nftables has connection-tracking (ct state) rules: stateful\n"
"firewalls drop reply-type probes as out-of-state; choose request type there.\n"
"\n"
"Options: as branch-config (--tunnel, --type, --target, --target-prefix,\n"
"--hub-prefix, --table); without --hub-prefix the check uses 192.0.2.1 as the\n"
"hub's address.\n"
"\n"
"Exit status: 0 everything is in place, 1 something is missing (listed),\n"
"2 usage error.\n");
}

struct check {
	const struct branch_opts *o;
	struct nl nl;
	int ifindex;
	int problems;
};

__attribute__((format(printf, 2, 3)))
static void missing(struct check *c, const char *fmt, ...)
{
	va_list ap;

	printf("MISSING: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	c->problems++;
}

static int read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static const char *ifname(int idx, char *buf)
{
	if (!idx || !if_indextoname((unsigned)idx, buf))
		snprintf(buf, IF_NAMESIZE, "?");
	return buf;
}

struct rule_find {
	const struct branch_opts *o;
	const struct ip_addr *src, *dst;
	bool found;
	uint32_t table, priority;
};

static int rule_cb(void *arg, const struct nl_rule *r)
{
	struct rule_find *f = arg;

	if (f->found || r->action != FR_ACT_TO_TBL || r->table == 253 || r->table == 254 ||
	    r->table == 255 || r->invert)
		return 0;
	if (r->src.len && !ip_prefix_contains(&r->src, f->src))
		return 0;
	if (r->dst.len && !ip_prefix_contains(&r->dst, f->dst))
		return 0;
	if (!r->src.len && !r->dst.len)
		return 0;
	if (r->iif[0] && strcmp(r->iif, f->o->tunnel))
		return 0;
	f->found = true;
	f->table = r->table;
	f->priority = r->priority;
	return 0;
}

struct default_find {
	uint32_t table;
	int ifindex;
	bool any, via_tunnel;
};

static int default_cb(void *arg, const struct nl_route *r)
{
	struct default_find *f = arg;
	unsigned i;

	if (r->table != f->table || r->dst.len != 0 || r->type != RTN_UNICAST)
		return 0;
	f->any = true;
	for (i = 0; i < r->nh_count; i++)
		if (r->nh[i].ifindex == f->ifindex)
			f->via_tunnel = true;
	return 0;
}

/* Explain why the reply path does not use the tunnel. */
static void diagnose_rule(struct check *c, const struct ip_addr *src, const struct ip_addr *dst)
{
	const struct branch_opts *o = c->o;
	struct rule_find rf = { o, src, dst, false, 0, 0 };
	struct default_find df = { 0 };
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];

	ip_addr_fmt(src, s);
	ip_addr_fmt(dst, d);
	nl_dump_rules(&c->nl, src->family, rule_cb, &rf);
	if (!rf.found) {
		missing(c, "a policy rule sending packets from %s to %s into a table whose default "
			"route is %s (see 'wanscope branch-config')", s, d, o->tunnel);
		return;
	}
	df.table = rf.table;
	df.ifindex = c->ifindex;
	nl_dump_routes(&c->nl, src->family, default_cb, &df);
	if (!df.via_tunnel)
		missing(c, "table %u (rule priority %u matches) has %s; it needs a default route "
			"through %s", rf.table, rf.priority,
			df.any ? "a default route through another device" : "no default route",
			o->tunnel);
	else
		missing(c, "rule priority %u -> table %u exists, but an earlier rule or a more "
			"specific route in table %u wins", rf.priority, rf.table, rf.table);
}

static void check_route(struct check *c, const struct nl_route_query *q, const char *what)
{
	struct nl_route r;
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN], n[IF_NAMESIZE];
	int ret = nl_route_get(&c->nl, q, &r);

	ip_addr_fmt(&q->src, s);
	ip_addr_fmt(&q->dst, d);
	if (ret == -EXDEV) {
		missing(c, "%s: the kernel drops it as a martian: rp_filter on %s rejects source %s "
			"(set net.ipv4.conf.%s.rp_filter=0 or 2, or route the target prefix via %s)",
			what, c->o->tunnel, s, c->o->tunnel, c->o->tunnel);
		return;
	}
	if (ret < 0) {
		missing(c, "%s: no route (%s)", what, strerror(-ret));
		diagnose_rule(c, &q->src, &q->dst);
		return;
	}
	if (r.type != RTN_UNICAST || !r.nh_count || r.nh[0].ifindex != c->ifindex) {
		missing(c, "%s would leave through %s (table %u), not %s", what,
			r.nh_count ? ifname(r.nh[0].ifindex, n) : "nowhere", r.table, c->o->tunnel);
		diagnose_rule(c, &q->src, &q->dst);
		return;
	}
	printf("ok: %s leaves through %s (table %u)\n", what, c->o->tunnel, r.table);
}

static void check_firewall(struct check *c)
{
	char line[512];
	bool ct = false;
	FILE *f = popen("nft list ruleset 2>/dev/null", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "ct state") && !strstr(line, "wanscope"))
			ct = true;
	pclose(f);
	if (!ct)
		return;
	if (c->o->type == PROBE_REPLY)
		printf("warning: nftables has connection-tracking (ct state) rules: a stateful "
		       "firewall drops reply-type probes as out-of-state echo replies; choose "
		       "request type, or exempt the probes (branch-config --format nftables)\n");
	else
		printf("note: nftables has ct state rules; request-type probes are ordinary "
		       "pings, allow echo requests to the target from the hub\n");
}

int branch_check_main(int argc, char **argv)
{
	struct branch_opts o;
	struct check c = { .o = &o };
	struct nl_link link;
	struct nl_route_query q;
	struct ip_addr hub;
	char t[IP_ADDR_STRLEN], h[IP_ADDR_STRLEN], what[160];
	unsigned i, nh;
	int r = branch_opts_parse(&o, argc, argv, "branch-check", false, usage);

	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if ((r = nl_open(&c.nl)) < 0) {
		fprintf(stderr, "wanscope: branch-check: netlink: %s\n", strerror(-r));
		return EXIT_FAIL;
	}
	r = nl_link_get(&c.nl, o.tunnel, &link);
	if (r < 0) {
		missing(&c, "tunnel device %s: %s", o.tunnel,
			r == -ENODEV ? "no such device" : strerror(-r));
		nl_close(&c.nl);
		return EXIT_FAIL;
	}
	c.ifindex = link.ifindex;
	if (!(link.flags & IFF_UP))
		missing(&c, "%s is down (ip link set %s up)", o.tunnel, o.tunnel);
	else
		printf("ok: %s is up\n", o.tunnel);
	ip_addr_fmt(&o.target, t);
	nh = o.nhub ? o.nhub : 1;
	for (i = 0; i < nh; i++) {
		if (o.nhub) {
			hub = o.hub[i].addr;
			if (o.hub[i].len < (hub.family == 6 ? 128 : 32))
				hub.a[hub.family == 6 ? 15 : 3] |= 1;	/* a host in the prefix */
		} else {
			ip_addr_parse(o.target.family == 6 ? "2001:db8::1" : "192.0.2.1", &hub);
		}
		ip_addr_fmt(&hub, h);
		memset(&q, 0, sizeof(q));
		q.dst = hub;
		q.src = o.target;
		q.ip_proto = o.target.family == 6 ? 58 : 1;
		if (o.type == PROBE_REPLY) {
			int fwd = read_sysctl(o.target.family == 6 ?
					      "/proc/sys/net/ipv6/conf/all/forwarding" :
					      "/proc/sys/net/ipv4/ip_forward");

			if (i == 0 && fwd == 0) {
				missing(&c, "IP forwarding is off: the branch must forward reply "
					"probes (sysctl -w %s=1)", o.target.family == 6 ?
					"net.ipv6.conf.all.forwarding" : "net.ipv4.ip_forward");
				continue;
			}
			q.iif = c.ifindex;
			snprintf(what, sizeof(what), "a reply probe %s -> %s arriving on %s", t, h,
				 o.tunnel);
		} else {
			struct nl_route_query lq = { 0 };
			struct nl_route lr;

			if (i == 0) {
				lq.dst = o.target;
				if (nl_route_get(&c.nl, &lq, &lr) < 0 || lr.type != RTN_LOCAL)
					missing(&c, "target %s is not a local address (ip address add "
						"%s/%u dev lo)", t, t, o.target.family == 6 ? 128 : 32);
				else
					printf("ok: target %s is a local address\n", t);
			}
			snprintf(what, sizeof(what), "an echo reply %s -> %s", t, h);
		}
		check_route(&c, &q, what);
	}
	check_firewall(&c);
	nl_close(&c.nl);
	if (c.problems)
		printf("%d problem(s) found\n", c.problems);
	return c.problems ? EXIT_FAIL : EXIT_OK;
}
