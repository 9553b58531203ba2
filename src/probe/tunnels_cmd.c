/* SPDX-License-Identifier: BSD-2-Clause */
/* tunnels_cmd.c - `wanscope tunnels`: health of the running prober's tunnels */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lib/opt.h"
#include "probe/config.h"
#include "subcommands.h"

#define DEFAULT_STATE "/run/wanscope/tunnels.json"

static void usage(FILE *f)
{
	fprintf(f,
"usage: wanscope tunnels [--state FILE] [--targets] [--json]\n"
"\n"
"Show the state, loss, RTT and last transition of every tunnel the running\n"
"prober ('wanscope probe --config FILE' or 'wanscope run') watches. The prober\n"
"rewrites its state file every state-interval and at every transition.\n"
"\n"
"Options:\n"
"  -f, --state FILE   the prober's state file (default " DEFAULT_STATE ")\n"
"  -t, --targets      also list every target of every tunnel\n"
"  -j, --json         the state as one JSON object, plus \"running\": whether the\n"
"                     prober that wrote it is alive\n"
"  -h, --help         this help\n"
"\n"
"Loss and RTT cover each tunnel's stats-window (default 60 s).\n"
"\n"
"Exit status: 0 shown, 1 no state file or it is unreadable, 2 usage error.\n");
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

static double jnum(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void print_rtt(json_t *o)
{
	json_t *r = json_object_get(o, "rtt_ms");

	if (json_integer_value(json_object_get(o, "received")) == 0)
		printf("%-24s", "-");
	else
		printf("%7.2f/%7.2f/%7.2f ", jnum(r, "min"), jnum(r, "avg"), jnum(r, "max"));
}

int tunnels_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "state", required_argument, NULL, 'f' },
		{ "targets", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_STATE;
	bool json = false, targets = false, running;
	json_error_t err;
	json_t *root, *tuns, *t;
	size_t i, j;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:tjh", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 't':
			targets = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "Run 'wanscope tunnels --help' for usage.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wanscope: tunnels: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	root = json_load_file(path, 0, &err);
	if (!root) {
		fprintf(stderr, "wanscope: tunnels: %s: %s (is the prober running? start it with "
			"'wanscope probe --config FILE')\n", path, err.text);
		return EXIT_FAIL;
	}
	tuns = json_object_get(root, "tunnels");
	if (!json_is_array(tuns)) {
		fprintf(stderr, "wanscope: tunnels: %s: no \"tunnels\" array\n", path);
		json_decref(root);
		return EXIT_FAIL;
	}
	{
		json_int_t pid = json_integer_value(json_object_get(root, "pid"));

		running = pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
	}
	if (json) {
		json_object_set_new(root, "running", json_boolean(running));
		json_dumpf(root, stdout, JSON_COMPACT | JSON_REAL_PRECISION(9));
		putchar('\n');
		json_decref(root);
		return EXIT_OK;
	}
	if (!running)
		printf("(the prober is not running; state as of %s)\n", jstr(root, "time"));
	printf("%-16s %-10s %-14s %-9s %-24s %7s %-24s %s\n", "TUNNEL", "IFACE", "TYPE", "STATE",
	       "SINCE", "LOSS%", "RTT min/avg/max ms", "LAST TRANSITION");
	json_array_foreach(tuns, i, t) {
		json_t *lt = json_object_get(t, "last_transition");

		printf("%-16s %-10s %-14s %-9s %-24s %7.3f ", jstr(t, "name"), jstr(t, "iface"),
		       jstr(t, "type"), jstr(t, "state"), jstr(t, "since"), jnum(t, "loss_pct"));
		print_rtt(t);
		if (json_is_object(lt))
			printf("%s -> %s at %s: %s", jstr(lt, "from"), jstr(lt, "to"), jstr(lt, "at"),
			       jstr(lt, "reason"));
		else
			printf("-");
		putchar('\n');
		if (targets) {
			json_t *g;

			json_array_foreach(json_object_get(t, "targets"), j, g) {
				printf("  %-40s %-9s %-24s %7.3f ", jstr(g, "addr"), jstr(g, "state"),
				       "", jnum(g, "loss_pct"));
				print_rtt(g);
				printf("%s\n", jstr(g, "reason"));
			}
		}
	}
	json_decref(root);
	return EXIT_OK;
}
