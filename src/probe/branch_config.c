/* SPDX-License-Identifier: BSD-2-Clause */
/* branch_config.c - `wanscope branch-config`: the branch side of
 * bidirectional probes, printed for iproute2, VyOS or nftables */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/opt.h"
#include "probe/branch.h"
#include "probe/config.h"
#include "subcommands.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: wanscope branch-config --tunnel IF [--type reply|request]\n"
"                              [--target ADDR] [--target-prefix PREFIX]\n"
"                              [--hub-prefix PREFIX]... [--via ADDR]\n"
"                              [--table N] [--priority N]\n"
"                              [--format iproute2|vyos|nftables]\n"
"\n"
"Print what a branch router needs so the hub's bidirectional probes come back\n"
"through the tunnel they went out on.\n"
"\n"
"  reply type    probes arrive on IF as ICMP echo replies from the target prefix\n"
"                to the hub; a table whose default route is IF and a rule\n"
"                sending ICMP from the target prefix (arriving on IF, to the hub's\n"
"                prefixes) to that table return them. The branch forwards them:\n"
"                IP forwarding on, rp_filter 0 or 2 on IF.\n"
"  request type  the target lives on a loopback; a local-route rule sends what\n"
"                it answers to the hub's source prefixes into the tunnel's table.\n"
"\n"
"Options:\n"
"  -T, --tunnel IF          the branch's tunnel device (required)\n"
"  -t, --type TYPE          reply (default) or request\n"
"  -a, --target ADDR        the health-check target (default " PROBE_DEFAULT_TARGET ")\n"
"  -P, --target-prefix PFX  reply type: source prefix to match (default: the\n"
"                           target's /30 within 172.64.240.252/30, else the host)\n"
"  -H, --hub-prefix PFX     the hub's probe source addresses (repeatable); with\n"
"                           several tunnels on one branch, each tunnel's probes\n"
"                           must be told apart by hub prefix or target\n"
"  -g, --via ADDR           next hop in the table, for Ethernet-like tunnels\n"
"                           (VXLAN): the hub's address on IF\n"
"      --table N            routing table (default %u)\n"
"      --priority N         rule priority (default: the table number)\n"
"  -f, --format FMT         iproute2 (default): plain 'ip' commands, one per line,\n"
"                           for sh; vyos: 'set' commands (VyOS 1.4); nftables: an\n"
"                           'nft -f' script that exempts probes from conntrack\n"
"                           and marks them, with the matching 'ip rule' as comments\n"
"  -h, --help               this help\n"
"\n"
"Examples:\n"
"  wanscope branch-config --tunnel vti0 --hub-prefix 10.255.0.1/32 | sh\n"
"  wanscope branch-config --type request --tunnel wg0 --target 10.99.0.7 \\\n"
"      --hub-prefix 10.255.0.0/24 --format vyos\n"
"\n"
"Check the result on the branch with 'wanscope branch-check' (same options).\n"
"Exit status: 0 printed, 2 usage error.\n", BRANCH_DEFAULT_TABLE);
}

static const char *ipv(const struct branch_opts *o) { return o->target.family == 6 ? "-6 " : ""; }
static const char *icmp_proto(const struct branch_opts *o)
{
	return o->target.family == 6 ? "ipv6-icmp" : "icmp";
}

static void fmt_default(const struct branch_opts *o, char *buf, size_t n)
{
	char v[IP_ADDR_STRLEN];

	if (ip_addr_is_set(&o->via)) {
		ip_addr_fmt(&o->via, v);
		snprintf(buf, n, "default via %s dev %s", v, o->tunnel);
	} else {
		snprintf(buf, n, "default dev %s", o->tunnel);
	}
}

static void print_iproute2(const struct branch_opts *o)
{
	char t[IP_ADDR_STRLEN], tp[IP_PREFIX_STRLEN], h[IP_PREFIX_STRLEN], def[128];
	unsigned i;

	ip_addr_fmt(&o->target, t);
	ip_prefix_fmt(&o->target_prefix, tp);
	fmt_default(o, def, sizeof(def));
	printf("# wanscope branch-config: %s-type health checks over %s\n",
	       probe_type_name(o->type), o->tunnel);
	if (o->type == PROBE_REPLY) {
		printf("# also needed: sysctl -w net.ipv%s.%s=1 and rp_filter 0 or 2 on %s\n",
		       o->target.family == 6 ? "6" : "4",
		       o->target.family == 6 ? "conf.all.forwarding" : "ip_forward", o->tunnel);
		printf("ip %sroute replace %s table %u\n", ipv(o), def, o->table);
		if (!o->nhub)
			printf("ip %srule add priority %u iif %s from %s ipproto %s lookup %u\n",
			       ipv(o), o->priority, o->tunnel, tp, icmp_proto(o), o->table);
		for (i = 0; i < o->nhub; i++) {
			ip_prefix_fmt(&o->hub[i], h);
			printf("ip %srule add priority %u iif %s from %s to %s ipproto %s lookup %u\n",
			       ipv(o), o->priority, o->tunnel, tp, h, icmp_proto(o), o->table);
		}
		return;
	}
	printf("ip %saddress replace %s/%u dev lo\n", ipv(o), t, o->target.family == 6 ? 128 : 32);
	printf("ip %sroute replace %s table %u\n", ipv(o), def, o->table);
	if (!o->nhub)
		printf("ip %srule add priority %u from %s ipproto %s lookup %u\n", ipv(o),
		       o->priority, t, icmp_proto(o), o->table);
	for (i = 0; i < o->nhub; i++) {
		ip_prefix_fmt(&o->hub[i], h);
		printf("ip %srule add priority %u from %s to %s lookup %u\n", ipv(o), o->priority, t,
		       h, o->table);
	}
}

static void print_vyos(const struct branch_opts *o)
{
	char t[IP_ADDR_STRLEN], tp[IP_PREFIX_STRLEN], h[IP_PREFIX_STRLEN], v[IP_ADDR_STRLEN];
	const char *six = o->target.family == 6 ? "6" : "";
	const char *any = o->target.family == 6 ? "::/0" : "0.0.0.0/0";
	const char *route = o->target.family == 6 ? "route6" : "route";
	unsigned i, rule = 10;

	ip_addr_fmt(&o->target, t);
	ip_prefix_fmt(&o->target_prefix, tp);
	printf("# wanscope branch-config: %s-type health checks over %s (VyOS 1.4)\n",
	       probe_type_name(o->type), o->tunnel);
	if (ip_addr_is_set(&o->via)) {
		ip_addr_fmt(&o->via, v);
		printf("set protocols static table %u %s %s next-hop %s interface %s\n", o->table,
		       route, any, v, o->tunnel);
	} else {
		printf("set protocols static table %u %s %s interface %s\n", o->table, route, any,
		       o->tunnel);
	}
	if (o->type == PROBE_REPLY) {
		for (i = 0; i < (o->nhub ? o->nhub : 1); i++, rule += 10) {
			printf("set policy %s WANSCOPE-PROBE rule %u source address %s\n", route, rule,
			       tp);
			if (o->nhub) {
				ip_prefix_fmt(&o->hub[i], h);
				printf("set policy %s WANSCOPE-PROBE rule %u destination address %s\n",
				       route, rule, h);
			}
			printf("set policy %s WANSCOPE-PROBE rule %u protocol %s\n", route, rule,
			       o->target.family == 6 ? "ipv6-icmp" : "icmp");
			printf("set policy %s WANSCOPE-PROBE rule %u set table %u\n", route, rule,
			       o->table);
		}
		printf("set policy %s WANSCOPE-PROBE interface %s\n", route, o->tunnel);
		return;
	}
	printf("set interfaces loopback lo address %s/%u\n", t, o->target.family == 6 ? 128 : 32);
	for (i = 0; i < (o->nhub ? o->nhub : 1); i++, rule += 10) {
		printf("set policy local-route%s rule %u source address %s\n", six, rule, t);
		if (o->nhub) {
			ip_prefix_fmt(&o->hub[i], h);
			printf("set policy local-route%s rule %u destination address %s\n", six, rule, h);
		}
		printf("set policy local-route%s rule %u set table %u\n", six, rule, o->table);
	}
}

static void print_nftables(const struct branch_opts *o)
{
	char t[IP_ADDR_STRLEN], tp[IP_PREFIX_STRLEN], def[128];
	const char *ip = o->target.family == 6 ? "ip6" : "ip";
	const char *icmp = o->target.family == 6 ? "icmpv6" : "icmp";

	ip_addr_fmt(&o->target, t);
	ip_prefix_fmt(&o->target_prefix, tp);
	fmt_default(o, def, sizeof(def));
	printf("# wanscope branch-config: %s-type health checks over %s, for 'nft -f'.\n",
	       probe_type_name(o->type), o->tunnel);
	printf("# Probes are marked 0x%x and routed by a mark rule (not nftables):\n", o->table);
	printf("#   ip %sroute replace %s table %u\n", ipv(o), def, o->table);
	printf("#   ip %srule add priority %u fwmark 0x%x lookup %u\n", ipv(o), o->priority,
	       o->table, o->table);
	printf("# A stateful firewall must accept them: they bypass conntrack here, so allow\n"
	       "# 'ct state untracked' for them in your own filter chains.\n");
	printf("table inet wanscope_probe {\n");
	if (o->type == PROBE_REPLY) {
		printf("\tchain prerouting {\n"
		       "\t\ttype filter hook prerouting priority raw; policy accept;\n"
		       "\t\tiifname \"%s\" %s saddr %s %s type echo-reply notrack meta mark set 0x%x\n"
		       "\t}\n", o->tunnel, ip, tp, icmp, o->table);
		printf("\tchain forward {\n"
		       "\t\ttype filter hook forward priority filter - 10; policy accept;\n"
		       "\t\tiifname \"%s\" %s saddr %s %s type echo-reply accept\n"
		       "\t}\n", o->tunnel, ip, tp, icmp);
	} else {
		printf("\tchain prerouting {\n"
		       "\t\ttype filter hook prerouting priority raw; policy accept;\n"
		       "\t\tiifname \"%s\" %s daddr %s %s type echo-request notrack\n"
		       "\t}\n", o->tunnel, ip, t, icmp);
		printf("\tchain output {\n"
		       "\t\ttype route hook output priority mangle; policy accept;\n"
		       "\t\t%s saddr %s %s type echo-reply meta mark set 0x%x\n"
		       "\t}\n", ip, t, icmp, o->table);
		printf("\tchain output_raw {\n"
		       "\t\ttype filter hook output priority raw; policy accept;\n"
		       "\t\t%s saddr %s %s type echo-reply notrack\n"
		       "\t}\n", ip, t, icmp);
	}
	printf("}\n");
}

int branch_opts_parse(struct branch_opts *o, int argc, char **argv, const char *cmd,
		      bool with_format, void (*use)(FILE *))
{
	static const struct option lopts[] = {
		{ "tunnel", required_argument, NULL, 'T' },
		{ "type", required_argument, NULL, 't' },
		{ "target", required_argument, NULL, 'a' },
		{ "target-prefix", required_argument, NULL, 'P' },
		{ "hub-prefix", required_argument, NULL, 'H' },
		{ "via", required_argument, NULL, 'g' },
		{ "table", required_argument, NULL, 'b' },
		{ "priority", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_tp = false, have_prio = false;
	char what[64];
	int c;

	memset(o, 0, sizeof(*o));
	o->table = BRANCH_DEFAULT_TABLE;
	ip_addr_parse(PROBE_DEFAULT_TARGET, &o->target);
	optind = 1;
	while ((c = getopt_long(argc, argv, "T:t:a:P:H:g:f:jh", lopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			if (!*optarg || strlen(optarg) >= sizeof(o->tunnel) || strpbrk(optarg, "/ ")) {
				fprintf(stderr, "wanscope %s: --tunnel: '%s' is not an interface name\n",
					cmd, optarg);
				goto usage;
			}
			snprintf(o->tunnel, sizeof(o->tunnel), "%s", optarg);
			break;
		case 't':
			if (probe_type_parse(optarg, &o->type) < 0 || o->type == PROBE_UNIDIR) {
				fprintf(stderr, "wanscope %s: --type: '%s' is not reply or request "
					"(unidirectional probes need nothing on the branch)\n", cmd,
					optarg);
				goto usage;
			}
			break;
		case 'a':
		case 'g':
			if (ip_addr_parse(optarg, c == 'a' ? &o->target : &o->via) < 0) {
				fprintf(stderr, "wanscope %s: --%s: '%s' is not an address\n", cmd,
					c == 'a' ? "target" : "via", optarg);
				goto usage;
			}
			break;
		case 'P':
		case 'H': {
			struct ip_prefix pf;

			if (ip_prefix_parse(optarg, &pf, false) < 0) {
				fprintf(stderr, "wanscope %s: --%s: '%s' is not a prefix (host bits "
					"must be zero)\n", cmd, c == 'P' ? "target-prefix" : "hub-prefix",
					optarg);
				goto usage;
			}
			if (c == 'P') {
				o->target_prefix = pf;
				have_tp = true;
			} else if (o->nhub == BRANCH_MAX_HUB) {
				fprintf(stderr, "wanscope %s: --hub-prefix: at most %d\n", cmd,
					BRANCH_MAX_HUB);
				goto usage;
			} else {
				o->hub[o->nhub++] = pf;
			}
			break;
		}
		case 'b':
		case 'r':
			snprintf(what, sizeof(what), "%s: --%s", cmd, c == 'b' ? "table" : "priority");
			if (opt_u32(what, optarg, 1, 0xfffffffe, c == 'b' ? &o->table : &o->priority) < 0)
				goto usage;
			if (c == 'b' && (o->table == 253 || o->table == 254 || o->table == 255)) {
				fprintf(stderr, "wanscope %s: --table: %u is a reserved table "
					"(default, main, local)\n", cmd, o->table);
				goto usage;
			}
			have_prio |= c == 'r';
			break;
		case 'f':
			if (!with_format)
				goto usage;
			if (!strcmp(optarg, "iproute2"))
				o->format = BR_IPROUTE2;
			else if (!strcmp(optarg, "vyos"))
				o->format = BR_VYOS;
			else if (!strcmp(optarg, "nftables"))
				o->format = BR_NFTABLES;
			else {
				fprintf(stderr, "wanscope %s: --format: '%s' is not iproute2, vyos or "
					"nftables\n", cmd, optarg);
				goto usage;
			}
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			use(stdout);
			return 1;
		default:
			goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wanscope %s: unexpected argument '%s'\n", cmd, argv[optind]);
		goto usage;
	}
	if (!o->tunnel[0]) {
		fprintf(stderr, "wanscope %s: --tunnel is required\n", cmd);
		goto usage;
	}
	if (!have_prio)
		o->priority = o->table;
	if (!have_tp) {
		struct ip_prefix legacy;

		ip_prefix_parse("172.64.240.252/30", &legacy, false);
		o->target_prefix.addr = o->target;
		o->target_prefix.len = o->target.family == 6 ? 128 : 32;
		if (ip_prefix_contains(&legacy, &o->target))
			o->target_prefix = legacy;
	}
	if (o->target_prefix.addr.family != o->target.family ||
	    !ip_prefix_contains(&o->target_prefix, &o->target)) {
		fprintf(stderr, "wanscope %s: --target-prefix does not contain the target\n", cmd);
		goto usage;
	}
	for (c = 0; c < (int)o->nhub; c++)
		if (o->hub[c].addr.family != o->target.family) {
			fprintf(stderr, "wanscope %s: --hub-prefix: not of the target's family\n", cmd);
			goto usage;
		}
	if (ip_addr_is_set(&o->via) && o->via.family != o->target.family) {
		fprintf(stderr, "wanscope %s: --via: not of the target's family\n", cmd);
		goto usage;
	}
	return 0;
usage:
	fprintf(stderr, "Run 'wanscope %s --help' for usage.\n", cmd);
	return -1;
}

int branch_config_main(int argc, char **argv)
{
	struct branch_opts o;
	int r = branch_opts_parse(&o, argc, argv, "branch-config", true, usage);

	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	switch (o.format) {
	case BR_IPROUTE2:
		print_iproute2(&o);
		break;
	case BR_VYOS:
		print_vyos(&o);
		break;
	case BR_NFTABLES:
		print_nftables(&o);
		break;
	}
	return EXIT_OK;
}
