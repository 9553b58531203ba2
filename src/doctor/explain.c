/* SPDX-License-Identifier: BSD-2-Clause */
/* explain.c - `doctor explain` (one request, step by step) and `doctor route` */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/fmt.h"
#include "doctor/kernel.h"
#include "lib/opt.h"

static void explain_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope doctor explain --to ADDR [--in IF] [--from ADDR]\n"
"                               [--proto icmp|tcp|udp] [--dport N]\n"
"                               [--snapshot DIR] [--json]\n"
"\n"
"Follow one request the way the kernel does: the input route lookup through\n"
"the policy rules, the reverse-path check (strict/loose, and the route that\n"
"made it fail; the rp_filter sysctl for IPv4, nftables `fib saddr . iif oif\n"
"missing` rules for IPv6 and IPv4, naming the rule), local delivery, the reply's route lookup (from, iif, fwmark,\n"
"table, priority), the reply's egress interface and source address; then a\n"
"verdict per protocol: ICMP answered or dropped, TCP answered or dropped and\n"
"why (e.g. an asymmetric reply through a stateful filter, on this host's\n"
"nftables or upstream). Live, each lookup is confirmed with the kernel\n"
"(RTM_GETROUTE, as `ip route get` does) and disagreements are reported.\n"
"\n"
"  --to ADDR       the address the request is sent to (required)\n"
"  --in IF         the interface it arrives on (default: the one holding --to)\n"
"  --from ADDR     the client (default 203.0.113.10 or 3fff::10: off-link)\n"
"  --proto P       icmp, tcp or udp (default tcp); the verdict covers ICMP and TCP\n"
"  --dport N       destination port (shown; rules do not match ports here)\n"
"  --snapshot DIR  read a saved snapshot instead of this host\n"
"  --json          steps, kernel confirmations, and last a verdict object:\n"
"                  {\"verdict\":{\"icmp\":\"answered|dropped\",\"tcp\":\"answered|dropped\",...}}\n"
"\n"
"Example:\n"
"  wanscope doctor explain --in eth1 --from 10.8.0.4 --to 10.0.0.12 --proto tcp --dport 80\n"
"\n"
"Exit status: 0 answered (ICMP and TCP), 1 something is dropped, 2 usage error\n"
"or the host could not be read.\n");
}

static int iface_of_addr(const struct dr_snap *s, const struct ip_addr *a)
{
	size_t i;

	for (i = 0; i < s->naddrs; i++)
		if (ip_addr_eq(&s->addrs[i].local, a))
			return s->addrs[i].ifindex;
	return 0;
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_ICMP ? "icmp" : p == IPPROTO_UDP ? "udp" : "tcp";
}

int dr_cmd_explain(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "to", required_argument, NULL, 't' },
		{ "in", required_argument, NULL, 'i' },
		{ "from", required_argument, NULL, 'f' },
		{ "proto", required_argument, NULL, 'p' },
		{ "dport", required_argument, NULL, 'd' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *snap = NULL, *in = NULL;
	struct ip_addr to = { 0 }, from = { 0 };
	uint8_t proto = IPPROTO_TCP;
	uint32_t dport = 0;
	struct dr_trace *tr;
	struct dr_verdict v;
	struct dr_snap s;
	bool json = false, answered;
	json_t *kern;
	int c, iif;
	unsigned i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:i:f:p:d:s:jh", lo, NULL)) != -1) {
		switch (c) {
		case 't':
		case 'f':
			if (ip_addr_parse(optarg, c == 't' ? &to : &from) < 0) {
				fprintf(stderr, "wanscope doctor explain: --%s: '%s' is not an address\n",
					c == 't' ? "to" : "from", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'i': in = optarg; break;
		case 'p':
			if (!strcmp(optarg, "tcp"))
				proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				proto = IPPROTO_UDP;
			else if (!strcmp(optarg, "icmp"))
				proto = IPPROTO_ICMP;
			else {
				fprintf(stderr, "wanscope doctor explain: --proto: '%s' is not icmp, tcp or udp\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			if (opt_u32("doctor explain: --dport", optarg, 1, 65535, &dport) < 0)
				return EXIT_USAGE;
			break;
		case 's': snap = optarg; break;
		case 'j': json = true; break;
		case 'h': explain_usage(stdout); return EXIT_OK;
		default: explain_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || !ip_addr_is_set(&to)) {
		fprintf(stderr, "wanscope doctor explain: %s\n", optind != argc ?
			"unexpected argument" : "--to ADDR is required");
		return EXIT_USAGE;
	}
	if (!ip_addr_is_set(&from))
		ip_addr_parse(to.family == 4 ? "203.0.113.10" : "3fff::10", &from);
	if (from.family != to.family) {
		fprintf(stderr, "wanscope doctor explain: --from and --to are of different families\n");
		return EXIT_USAGE;
	}
	if (dr_load(&s, snap, "explain") < 0)
		return EXIT_USAGE;
	if (in) {
		const struct dr_link *l = dr_link_by_name(&s, in);

		if (!l) {
			fprintf(stderr, "wanscope doctor explain: --in: no interface '%s' on %s\n", in,
				s.live ? "this host" : s.source);
			dr_snap_free(&s);
			return EXIT_USAGE;
		}
		iif = l->l.ifindex;
	} else if (!(iif = iface_of_addr(&s, &to))) {
		fprintf(stderr, "wanscope doctor explain: %s is not an address of %s; give --in IF\n",
			dr_addr_str(&to), s.live ? "this host" : s.source);
		dr_snap_free(&s);
		return EXIT_USAGE;
	}
	tr = calloc(1, sizeof(*tr));
	kern = json_array();
	if (!tr || !kern) {
		free(tr);
		dr_snap_free(&s);
		return EXIT_USAGE;
	}
	dr_analyze(&s, iif, &from, &to, proto, &v, tr);
	if (s.live) {
		struct nl nl;

		if (nl_open(&nl) == 0) {
			struct dr_flow fin = { .dst = to, .src = from, .iif = iif };
			struct dr_flow fout = { .dst = from, .src = to };
			char text[300];
			bool ok;
			json_t *k;

			ok = dr_kernel_confirm(&nl, &s, &fin, true, &v.in, text, sizeof(text));
			k = json_object();
			json_object_set_new(k, "lookup", json_string("input"));
			json_object_set_new(k, "agrees", json_boolean(ok));
			json_object_set_new(k, "kernel", json_string(text));
			json_array_append_new(kern, k);
			dr_trace_add(tr, "kernel check, `ip route get %s from %s iif %s`: %s — %s",
				     dr_addr_str(&to), dr_addr_str(&from), dr_ifname(&s, iif), text,
				     ok ? "agrees with the model" : "DISAGREES with the model");
			if (v.out_done) {
				ok = dr_kernel_confirm(&nl, &s, &fout, false, &v.out, text, sizeof(text));
				k = json_object();
				json_object_set_new(k, "lookup", json_string("reply"));
				json_object_set_new(k, "agrees", json_boolean(ok));
				json_object_set_new(k, "kernel", json_string(text));
				json_array_append_new(kern, k);
				dr_trace_add(tr, "kernel check, `ip route get %s from %s`: %s — %s",
					     dr_addr_str(&from), dr_addr_str(&to), text,
					     ok ? "agrees with the model" : "DISAGREES with the model");
			}
			nl_close(&nl);
		}
	}
	answered = v.icmp_answered && v.tcp_answered;
	if (json) {
		json_t *root = json_object(), *pk = json_object(), *steps = json_array();
		json_t *verdict = json_object(), *notes = json_array();

		json_object_set_new(pk, "in", json_string(dr_ifname(&s, iif)));
		json_object_set_new(pk, "from", json_string(dr_addr_str(&from)));
		json_object_set_new(pk, "to", json_string(dr_addr_str(&to)));
		json_object_set_new(pk, "proto", json_string(proto_name(proto)));
		if (dport)
			json_object_set_new(pk, "dport", json_integer(dport));
		json_object_set_new(root, "packet", pk);
		json_object_set_new(root, "source", json_string(s.source));
		for (i = 0; i < tr->n; i++)
			json_array_append_new(steps, json_string(tr->line[i]));
		json_object_set_new(root, "steps", steps);
		json_object_set_new(root, "kernel", kern);
		kern = NULL;
		for (i = 0; i < s.nnotes; i++)
			json_array_append_new(notes, json_string(s.notes[i].text));
		json_object_set_new(root, "notes", notes);
		json_object_set_new(verdict, "icmp", json_string(v.icmp_answered ? "answered" : "dropped"));
		json_object_set_new(verdict, "tcp", json_string(v.tcp_answered ? "answered" : "dropped"));
		if (proto == IPPROTO_UDP)
			json_object_set_new(verdict, "udp", json_string(v.tcp_answered ? "answered" : "dropped"));
		json_object_set_new(verdict, "tcp_reason", json_string(v.tcp_reason));
		json_object_set_new(verdict, "filter", json_string(v.filter));
		json_object_set_new(verdict, "ingress", json_string(dr_ifname(&s, iif)));
		json_object_set_new(verdict, "egress", v.egress ? json_string(dr_ifname(&s, v.egress)) : json_null());
		if (v.nft.rule) {
			char name[200];

			json_object_set_new(verdict, "rule",
					    json_string(dr_nft_rule_name(v.nft.rule, name, sizeof(name))));
		}
		json_object_set_new(root, "verdict", verdict);
		json_dumpf(root, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(root);
	} else {
		printf("wanscope doctor explain: %s → %s (%s", dr_addr_str(&from), dr_addr_str(&to),
		       proto_name(proto));
		if (dport)
			printf(" dport %u", dport);
		printf("), arriving on %s — %s\n\n", dr_ifname(&s, iif), s.live ? "this host" : s.source);
		for (i = 0; i < s.nnotes; i++)
			printf("note: %s\n", s.notes[i].text);
		for (i = 0; i < tr->n; i++)
			printf("%3u. %s\n", i + 1, tr->line[i]);
		printf("\nVerdict:\n  ICMP  %s\n", v.icmp_answered ? "answered" :
		       "DROPPED (the request never gets an answer)");
		if (v.tcp_answered)
			printf("  TCP   answered\n");
		else if (!strcmp(v.tcp_reason, "asymmetric"))
			printf("  TCP   DROPPED: the SYN-ACK leaves by %s while the SYN came in on %s; %s\n",
			       dr_ifname(&s, v.egress), dr_ifname(&s, iif),
			       !strcmp(v.filter, "host") ?
			       "this host's nftables keeps conntrack state per interface and drops it" :
			       "a stateful filter upstream (e.g. a cloud provider's per-interface protocol state filtering) would drop it");
		else
			printf("  TCP   DROPPED (%s)\n", v.tcp_reason);
		if (v.nft.rule) {
			char name[200], loose[200];

			printf("\nThe drop: nftables rule %s, `%s`.\n",
			       dr_nft_rule_name(v.nft.rule, name, sizeof(name)), v.nft.rule->summary);
			if (v.nft.rev_ok && v.nft.rule->fib_iif)
				printf("Policy routing is the fix: a table for %s and `ip%s rule add from %s lookup TABLE`\n"
				       "make the route back leave by %s, so the rule passes.%s\n",
				       dr_ifname(&s, iif), to.family == 6 ? " -6" : "", dr_addr_str(&to),
				       dr_ifname(&s, iif), to.family == 6 ? " (IPv6 has no rp_filter sysctl.)" : "");
			if (v.nft.rule->fib_iif)
				printf("Loosening instead means changing that rule to `%s`%s\n"
				       "(the doctor does not edit the firewall).\n",
				       dr_nft_rpf_loose_text(v.nft.rule, loose, sizeof(loose)),
				       !strcmp(v.nft.rule->table, "firewalld") ?
				       "; with firewalld: IPv6_rpfilter=loose in /etc/firewalld/firewalld.conf" : "");
		}
		if (!answered)
			printf("\nThe fix: wanscope doctor fix%s%s\n", snap ? " --snapshot " : "", snap ? snap : "");
	}
	json_decref(kern);
	free(tr);
	dr_snap_free(&s);
	return answered ? EXIT_OK : EXIT_FAIL;
}

/* ---- doctor route ---- */

static void route_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope doctor route [--snapshot DIR] [--json] [--kernel]\n"
"                             get DST [from SRC] [iif IF] [oif IF] [mark N]\n"
"       wanscope doctor route [--snapshot DIR] [--json] [--kernel] --batch FILE\n"
"\n"
"The model's answer to `ip route get`: with iif, the input path (including\n"
"the reverse-path filter), otherwise the output path. --batch reads one query\n"
"per line (the words after 'get'; '-' is standard input) and prints one\n"
"answer per line. --kernel also asks the kernel and prints both.\n"
"\n"
"Exit status: 0 done (whatever the answers), 2 usage error or unreadable host.\n");
}

struct rq {
	struct dr_flow fl;
	bool input;
};

static int parse_query(const struct dr_snap *s, char **w, int n, struct rq *q, char *err, size_t len)
{
	int i = 0;

	memset(q, 0, sizeof(*q));
	if (i < n && !strcmp(w[i], "get"))
		i++;
	if (i >= n || ip_addr_parse(w[i], &q->fl.dst) < 0) {
		dr_sfmt(err, len, "expected a destination address, got '%s'", i < n ? w[i] : "");
		return -1;
	}
	for (i++; i < n; i += 2) {
		const struct dr_link *l;

		if (i + 1 >= n) {
			dr_sfmt(err, len, "'%s' needs a value", w[i]);
			return -1;
		}
		if (!strcmp(w[i], "from")) {
			if (ip_addr_parse(w[i + 1], &q->fl.src) < 0 || q->fl.src.family != q->fl.dst.family) {
				dr_sfmt(err, len, "from: '%s' is not an address of the right family", w[i + 1]);
				return -1;
			}
		} else if (!strcmp(w[i], "iif") || !strcmp(w[i], "oif")) {
			if (!(l = dr_link_by_name(s, w[i + 1]))) {
				dr_sfmt(err, len, "%s: no interface '%s'", w[i], w[i + 1]);
				return -1;
			}
			if (w[i][0] == 'i') {
				q->fl.iif = l->l.ifindex;
				q->input = true;
			} else {
				q->fl.oif = l->l.ifindex;
			}
		} else if (!strcmp(w[i], "mark")) {
			char *end;
			unsigned long m = strtoul(w[i + 1], &end, 0);

			if (*end || !*w[i + 1] || m > 0xffffffffUL) {
				dr_sfmt(err, len, "mark: '%s' is not a number", w[i + 1]);
				return -1;
			}
			q->fl.mark = (uint32_t)m;
		} else {
			dr_sfmt(err, len, "unknown keyword '%s'", w[i]);
			return -1;
		}
	}
	return 0;
}

static json_t *addr_or_null(const struct ip_addr *a)
{
	return ip_addr_is_set(a) ? json_string(dr_addr_str(a)) : json_null();
}

static json_t *route_json(const struct dr_snap *s, const struct rq *q, const struct dr_route_res *o)
{
	json_t *j = json_object(), *devs, *gws;
	char tb[16];
	int i;

	json_object_set_new(j, "dst", json_string(dr_addr_str(&q->fl.dst)));
	json_object_set_new(j, "ok", json_boolean(o->err == 0));
	if (q->input && o->rp_done) {
		json_object_set_new(j, "rp", json_string(dr_rp_name(o->rp.verdict)));
		json_object_set_new(j, "rp_mode", json_integer(o->rp.mode));
		if (o->rp_ambiguous)
			json_object_set_new(j, "rp_ambiguous", json_true());
	}
	if (o->err) {
		json_object_set_new(j, "error", json_string(strerror(-o->err)));
		json_object_set_new(j, "why", json_string(o->why ? o->why : ""));
		return j;
	}
	json_object_set_new(j, "type", json_string(nl_route_type_name(o->type)));
	json_object_set_new(j, "table", json_string(dr_table_name(o->table, tb)));
	json_object_set_new(j, "dev", json_string(dr_ifname(s, o->dev)));
	json_object_set_new(j, "gateway", addr_or_null(&o->gw));
	devs = json_array();
	gws = json_array();
	for (i = 0; i < o->ndevs; i++) {
		json_array_append_new(devs, json_string(dr_ifname(s, o->devs[i])));
		json_array_append_new(gws, addr_or_null(&o->gws[i]));
	}
	json_object_set_new(j, "devs", devs);
	json_object_set_new(j, "gateways", gws);
	if (!q->input)
		json_object_set_new(j, "prefsrc", addr_or_null(&o->src));
	return j;
}

static void route_human(const struct dr_snap *s, const struct rq *q, const struct dr_route_res *o)
{
	char tb[16];
	int i;

	if (o->err) {
		printf("%s: %s (%s)\n", dr_addr_str(&q->fl.dst), strerror(-o->err), o->why ? o->why : "");
		return;
	}
	printf("%s %s", nl_route_type_name(o->type), dr_addr_str(&q->fl.dst));
	if (ip_addr_is_set(&q->fl.src))
		printf(" from %s", dr_addr_str(&q->fl.src));
	if (ip_addr_is_set(&o->gw))
		printf(" via %s", dr_addr_str(&o->gw));
	printf(" dev %s table %s", dr_ifname(s, o->dev), dr_table_name(o->table, tb));
	if (!q->input && ip_addr_is_set(&o->src))
		printf(" src %s", dr_addr_str(&o->src));
	if (q->input)
		printf(" iif %s", dr_ifname(s, q->fl.iif));
	for (i = 1; i < o->ndevs; i++)
		printf(" | or dev %s", dr_ifname(s, o->devs[i]));
	printf("\n");
}

static int route_one(const struct dr_snap *s, struct nl *nl, char **w, int n, bool json)
{
	struct dr_route_res o;
	char err[200];
	struct rq q;

	if (parse_query(s, w, n, &q, err, sizeof(err)) < 0) {
		if (json)
			printf("{\"ok\":false,\"query_error\":\"%s\"}\n", "bad query");
		fprintf(stderr, "wanscope doctor route: %s\n", err);
		return -1;
	}
	if (q.input)
		dr_route_input(s, &q.fl, &o, NULL);
	else
		dr_route_output(s, &q.fl, &o, NULL);
	if (json) {
		json_t *j = route_json(s, &q, &o);

		if (nl) {
			char text[300];
			bool agree = dr_kernel_confirm(nl, s, &q.fl, q.input, &o, text, sizeof(text));

			json_object_set_new(j, "kernel", json_string(text));
			json_object_set_new(j, "agree", json_boolean(agree));
		}
		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
	} else {
		route_human(s, &q, &o);
		if (nl) {
			char text[300];
			bool agree = dr_kernel_confirm(nl, s, &q.fl, q.input, &o, text, sizeof(text));

			printf("  %s (%s)\n", text, agree ? "agrees" : "DISAGREES");
		}
	}
	return 0;
}

int dr_cmd_route(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "snapshot", required_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "kernel", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *snap = NULL, *batch = NULL;
	bool json = false, kernel = false;
	struct nl nl, *nlp = NULL;
	struct dr_snap s;
	int c, rc = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:b:kjh", lo, NULL)) != -1) {
		switch (c) {
		case 's': snap = optarg; break;
		case 'b': batch = optarg; break;
		case 'k': kernel = true; break;
		case 'j': json = true; break;
		case 'h': route_usage(stdout); return EXIT_OK;
		default: route_usage(stderr); return EXIT_USAGE;
		}
	}
	if (!batch && optind >= argc) {
		route_usage(stderr);
		return EXIT_USAGE;
	}
	if (dr_load_routing(&s, snap, "route") < 0)
		return EXIT_USAGE;
	if (kernel && !snap && nl_open(&nl) == 0)
		nlp = &nl;
	if (batch) {
		FILE *f = strcmp(batch, "-") ? fopen(batch, "r") : stdin;
		char line[1024];

		if (!f) {
			fprintf(stderr, "wanscope doctor route: %s: %s\n", batch, strerror(errno));
			rc = EXIT_USAGE;
		}
		while (f && fgets(line, sizeof(line), f)) {
			char *w[32], *save = NULL, *t;
			int n = 0;

			for (t = strtok_r(line, " \t\r\n", &save); t && n < 32; t = strtok_r(NULL, " \t\r\n", &save))
				w[n++] = t;
			if (n == 0 || w[0][0] == '#')
				continue;
			route_one(&s, nlp, w, n, json);
		}
		if (f && f != stdin)
			fclose(f);
	} else if (route_one(&s, nlp, argv + optind, argc - optind, json) < 0) {
		rc = EXIT_USAGE;
	}
	fflush(stdout);
	if (nlp)
		nl_close(nlp);
	dr_snap_free(&s);
	return rc;
}
