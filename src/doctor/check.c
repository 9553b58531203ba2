/* SPDX-License-Identifier: BSD-2-Clause */
/* check.c - `doctor check` (findings per address) and `doctor snapshot` */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/fmt.h"
#include "doctor/kernel.h"
#include "lib/opt.h"

static void check_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope doctor check [--snapshot DIR] [--client ADDR] [--json]\n"
"\n"
"For every address on every interface that is up, model a request from an\n"
"off-link client (default 203.0.113.10 / 3fff::10, or --client) and from a\n"
"neighbour on the address's own subnet, arriving on that interface: is it let\n"
"in (the rp_filter sysctl, or an nftables reverse-path rule such as firewalld's\n"
"IPv6 `fib saddr . mark . iif oif missing drop`), delivered, and answered by\n"
"the same interface?\n"
"Prints one finding per address with a problem: severity and reason.\n"
"\n"
"  --snapshot DIR  read a saved snapshot instead of this host (see 'doctor snapshot')\n"
"  --client ADDR   the off-link client to model (default: a documentation address)\n"
"  --json          {\"findings\":[{\"iface\":..,\"address\":..,\"severity\":..,\"reason\":..}]}\n"
"\n"
"Severities: error = requests are dropped or never answered; warning = answered\n"
"asymmetrically (ICMP works, TCP breaks behind a stateful filter) or ARP flux.\n"
"Live, every modelled lookup is also asked of the kernel (RTM_GETROUTE);\n"
"disagreements are listed.\n"
"\n"
"Examples:\n"
"  wanscope doctor check\n"
"  wanscope doctor check --snapshot ./customer-host --json\n"
"\n"
"Exit status: 0 no problem found, 1 problems found, 2 the host or snapshot\n"
"could not be read, or a usage error.\n");
}

/* Live: the kernel's view of every modelled input lookup; counts disagreements. */
static size_t confirm_all(const struct dr_snap *s, const struct dr_opts *o, json_t *jarr, FILE *human)
{
	struct nl nl;
	size_t i, n = 0;

	if (nl_open(&nl) < 0)
		return 0;
	for (i = 0; i < s->naddrs; i++) {
		const struct nl_ifaddr *a = &s->addrs[i];
		struct ip_addr c[2];
		int k, nc = dr_check_clients(s, o, a, c);

		for (k = 0; k < nc; k++) {
			struct dr_flow fl = { .dst = a->local, .src = c[k], .iif = a->ifindex };
			struct dr_route_res m;
			char text[300], msg[600];

			dr_route_input(s, &fl, &m, NULL);
			if (dr_kernel_confirm(&nl, s, &fl, true, &m, text, sizeof(text)))
				continue;
			n++;
			dr_sfmt(msg, sizeof(msg), "ip route get %s from %s iif %s: the model says %s, %s",
				dr_addr_str(&a->local), dr_addr_str(&c[k]), dr_ifname(s, a->ifindex),
				m.err ? "dropped" : "delivered", text);
			if (jarr)
				json_array_append_new(jarr, json_string(msg));
			if (human)
				fprintf(human, "MODEL AND KERNEL DISAGREE: %s\n", msg);
		}
	}
	nl_close(&nl);
	return n;
}

int dr_cmd_check(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "snapshot", required_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dr_opts o = { 0 };
	struct dr_findings *fs;
	const char *snap = NULL;
	bool json = false;
	struct dr_snap s;
	size_t i, nerr = 0, nwarn = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:c:jh", lo, NULL)) != -1) {
		switch (c) {
		case 's': snap = optarg; break;
		case 'c':
			if (ip_addr_parse(optarg, &o.client) < 0) {
				fprintf(stderr, "wanscope doctor check: --client: '%s' is not an address\n", optarg);
				return EXIT_USAGE;
			}
			o.have_client = true;
			break;
		case 'j': json = true; break;
		case 'h': check_usage(stdout); return EXIT_OK;
		default: check_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "wanscope doctor check: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (dr_load(&s, snap, "check") < 0)
		return EXIT_USAGE;
	fs = malloc(sizeof(*fs));
	if (!fs) {
		dr_snap_free(&s);
		return EXIT_USAGE;
	}
	dr_check(&s, &o, fs);
	for (i = 0; i < fs->n; i++) {
		if (fs->f[i].sev == DR_SEV_ERROR)
			nerr++;
		else if (fs->f[i].sev == DR_SEV_WARNING)
			nwarn++;
	}
	if (json) {
		json_t *root = json_object(), *arr = json_array(), *notes = json_array();

		for (i = 0; i < fs->n; i++) {
			const struct dr_finding *f = &fs->f[i];
			json_t *j = json_object();

			json_object_set_new(j, "iface", json_string(f->iface));
			json_object_set_new(j, "address", json_string(dr_addr_str(&f->addr)));
			json_object_set_new(j, "severity", json_string(dr_sev_name(f->sev)));
			json_object_set_new(j, "kind", json_string(f->kind));
			json_object_set_new(j, "reason", json_string(f->reason));
			json_array_append_new(arr, j);
		}
		json_object_set_new(root, "findings", arr);
		json_object_set_new(root, "source", json_string(s.source));
		for (i = 0; i < s.nnotes; i++)
			json_array_append_new(notes, json_string(s.notes[i].text));
		json_object_set_new(root, "notes", notes);
		if (s.live) {
			json_t *dis = json_array();

			confirm_all(&s, &o, dis, NULL);
			json_object_set_new(root, "kernel_disagreements", dis);
		}
		json_dumpf(root, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(root);
	} else {
		printf("wanscope doctor check: %s: %zu interfaces, %zu addresses, %zu routes, %zu rules\n",
		       s.live ? "this host" : s.source, s.nlinks, s.naddrs, s.nroutes, s.nrules);
		for (i = 0; i < s.nnotes; i++)
			printf("note: %s\n", s.notes[i].text);
		if (fs->n) {
			printf("\n%-8s %-12s %-26s %s\n", "SEVERITY", "INTERFACE", "ADDRESS", "REASON");
			for (i = 0; i < fs->n; i++) {
				const struct dr_finding *f = &fs->f[i];

				printf("%-8s %-12s %-26s %s\n", dr_sev_name(f->sev), f->iface,
				       dr_addr_str(&f->addr), f->reason);
			}
			printf("\n%zu problem%s (%zu error%s, %zu warning%s).\n", fs->n, fs->n == 1 ? "" : "s",
			       nerr, nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s");
			printf("Details: wanscope doctor explain --in %s --to %s%s%s\n", fs->f[0].iface,
			       dr_addr_str(&fs->f[0].addr), snap ? " --snapshot " : "", snap ? snap : "");
			printf("The fix:  wanscope doctor fix%s%s\n", snap ? " --snapshot " : "", snap ? snap : "");
		} else {
			printf("\nNo problem found: every address answers symmetrically.\n");
		}
		if (s.live)
			confirm_all(&s, &o, NULL, stdout);
	}
	c = fs->n ? EXIT_FAIL : EXIT_OK;
	free(fs);
	dr_snap_free(&s);
	return c;
}

int dr_cmd_snapshot(int argc, char **argv)
{
	char err[512];

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(
"usage: wanscope doctor snapshot DIR\n"
"\n"
"Save this host's routing state in DIR (created if needed), in the format\n"
"--snapshot reads, by running:\n"
"  link.json    ip -j -d link\n"
"  addr.json    ip -j addr\n"
"  route4.json  ip -j route show table all\n"
"  route6.json  ip -j -6 route show table all\n"
"  rule4.json   ip -j rule\n"
"  rule6.json   ip -j -6 rule\n"
"  sysctl.txt   sysctl -a\n"
"  nft.json     nft -j list ruleset   (skipped when nft is not installed)\n"
"A support engineer can collect these by hand too; addr.json, route4.json and\n"
"rule4.json are required, the rest improve the analysis.\n"
"\n"
"Example: wanscope doctor snapshot /tmp/host1 && tar czf host1.tgz -C /tmp host1\n"
"\n"
"Exit status: 0 saved, 1 a required command failed, 2 usage error.\n");
		return EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: wanscope doctor snapshot DIR\n");
		return EXIT_USAGE;
	}
	if (dr_snap_save(argv[1], err, sizeof(err)) < 0) {
		fprintf(stderr, "wanscope doctor snapshot: %s\n", err);
		return EXIT_FAIL;
	}
	printf("wanscope doctor snapshot: saved in %s\n", argv[1]);
	return EXIT_OK;
}
