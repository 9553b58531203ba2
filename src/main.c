/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c - subcommand table and dispatch */
#include <stdio.h>
#include <string.h>

#include "lib/opt.h"
#include "subcommands.h"

struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "run", run_main, "run the daemon from a config file (or embedded defaults)" },
	{ "decode", decode_main, "decode NetFlow/IPFIX/sFlow export packets in a capture" },
	{ "collect", collect_main, "receive flows from exporters and store them" },
	{ "flows", flows_main, "query stored flows: top talkers, time series, raw" },
	{ "export", export_main, "capture on interfaces and export NetFlow v9/IPFIX/sFlow" },
	{ "probe", probe_main, "probe a tunnel's health once (like ping)" },
	{ "tunnels", tunnels_main, "show tunnel health states of the running daemon" },
	{ "branch-config", branch_config_main, "print the branch-side policy routing probes need" },
	{ "branch-check", branch_check_main, "check the branch-side policy routing on this host" },
	{ "doctor", doctor_main, "explain and fix asymmetric routing on a multi-homed host" },
	{ "ping", ping_main, "send ICMP echo requests (unprivileged)" },
	{ "traceroute", traceroute_main, "show the hops to a host (unprivileged ICMP)" },
	{ "mtr", mtr_main, "traceroute and ping combined, continuously" },
	{ "edge", edge_main, "terminate connectors and route private prefixes to them" },
	{ "connector", connector_main, "serve private prefixes to an edge, proxying ICMP" },
	{ "credentials", credentials_main, "create the keys an edge and its connectors use" },
};

#define NSUB (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: wanscope COMMAND [OPTIONS]\n"
		"       wanscope help COMMAND | --help | --version\n\n"
		"Keeps tunnelled, multi-site and multi-homed IP networks observable\n"
		"and healthy.\n\nCommands:\n");
	for (i = 0; i < NSUB; i++)
		fprintf(f, "  %-14s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\nRun 'wanscope COMMAND --help' for a command's options.\n"
		   "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static const struct subcommand *find(const char *name)
{
	size_t i;

	for (i = 0; i < NSUB; i++)
		if (!strcmp(subcommands[i].name, name))
			return &subcommands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct subcommand *sc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("wanscope %s\n", WANSCOPE_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return EXIT_OK;
		}
		sc = find(argv[2]);
		if (!sc) {
			fprintf(stderr, "wanscope: unknown command '%s'\n", argv[2]);
			return EXIT_USAGE;
		}
		{
			char *hargv[] = { argv[2], "--help", NULL };

			return sc->main(2, hargv);
		}
	}
	sc = find(argv[1]);
	if (!sc) {
		fprintf(stderr, "wanscope: unknown command '%s' (see 'wanscope --help')\n",
			argv[1]);
		return EXIT_USAGE;
	}
	return sc->main(argc - 1, argv + 1);
}
