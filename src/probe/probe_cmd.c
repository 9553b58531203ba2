/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_cmd.c - `wanscope probe`: one tunnel probe run like ping, or the
 * continuous prober from a config file */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/opt.h"
#include "probe/probe.h"
#include "probe/prober.h"
#include "subcommands.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: wanscope probe --iface IF [--type reply|request|unidirectional]\n"
"                      [--target ADDR] [--source ADDR] [--peer ADDR] [--count N]\n"
"                      [--interval SEC] [--timeout SEC] [--size N] [--df]\n"
"                      [--dscp N] [--ttl N] [--json]\n"
"       wanscope probe --config FILE [-n] [-v]\n"
"\n"
"Probe one tunnel like ping, or run the continuous prober from a config.\n"
"\n"
"Probe types:\n"
"  reply           (default) an ICMP echo reply from the target to the hub's\n"
"                  own address is written into IF's transmit path; the branch\n"
"                  routes it back through the tunnel by policy routing (see\n"
"                  'wanscope branch-config'). Tests both directions without an\n"
"                  ICMP responder on the branch.\n"
"  request         an echo request through IF to a target the branch owns\n"
"                  (e.g. on its loopback); the reply must come back through IF.\n"
"                  Choose it when the branch has a stateful firewall.\n"
"  unidirectional  an echo request to the branch's public address outside the\n"
"                  tunnel (a raw ICMP socket); the reply may take any path.\n"
"Bidirectional probes are received on IF itself (AF_PACKET), before the\n"
"hub's rp_filter; a reply that comes back on another device does not count.\n"
"\n"
"Options:\n"
"  -i, --iface IF       tunnel device (required for reply and request)\n"
"  -t, --type TYPE      reply, request or unidirectional (default reply)\n"
"  -a, --target ADDR    target (default " PROBE_DEFAULT_TARGET " for reply and request;\n"
"                       required for unidirectional). IPv4 or IPv6.\n"
"  -s, --source ADDR    the hub's address probes return to (default: IF's first\n"
"                       address of the target's family)\n"
"  -p, --peer ADDR      Ethernet-like tunnels (VXLAN): the branch's address on\n"
"                       IF, whose MAC the neighbour table gives\n"
"  -c, --count N        probes to send, 0 = until interrupted (default 5)\n"
"  -I, --interval SEC   between probes (default 1; e.g. 0.2, 200ms)\n"
"  -W, --timeout SEC    wait for each reply (default 1)\n"
"  -S, --size N         IP packet size in bytes, headers included (default 84;\n"
"                       minimum 60 for IPv4, 80 for IPv6; at most 9000)\n"
"  -D, --df             set IPv4 don't-fragment, to find MTU problems\n"
"  -Q, --dscp N         DSCP 0..63 (default 0)\n"
"      --ttl N          TTL / hop limit (default 64)\n"
"  -j, --json           one JSON object per probe; the last line is\n"
"                       {\"sent\":N,\"received\":N,\"loss_pct\":X,\"rtt_ms\":{\"min\":..,\"avg\":..,\"max\":..}}\n"
"  -C, --config FILE    run the continuous prober (health states, route steering,\n"
"                       state file, alerts) in the foreground; see docs/probe.md\n"
"  -n                   with --config: check the file and exit\n"
"  -v                   with -n: print the config back in canonical form\n"
"  -h, --help           this help\n"
"\n"
"Examples:\n"
"  wanscope probe --iface vti0 --count 3\n"
"  wanscope probe --iface vx0 --peer 10.100.0.1 --type request --target 192.0.2.9\n"
"  wanscope probe --type unidirectional --target 198.51.100.7 --json\n"
"  wanscope probe --config /etc/wanscope/probe.conf -n\n"
"\n"
"Exit status: 0 when any probe came back (or the config is valid / the prober\n"
"stopped cleanly), 1 when none did (or the prober failed), 2 for usage errors.\n");
}

struct oneshot {
	bool json;
	const char *iface;
	uint64_t sent, received;
	double min, max, sum, sumsq;
	uint64_t timeout_ms;
};

static void on_result(struct prober *p, struct ptunnel *t, struct ptarget *g, uint32_t seq,
		      bool ok, uint64_t rtt_ns, unsigned ttl, size_t bytes)
{
	struct oneshot *o = p->user;
	char buf[IP_ADDR_STRLEN];
	double ms = rtt_ns / 1e6;

	ip_addr_fmt(&g->addr, buf);
	o->sent++;
	if (ok) {
		if (!o->received || ms < o->min)
			o->min = ms;
		if (ms > o->max)
			o->max = ms;
		o->received++;
		o->sum += ms;
		o->sumsq += ms * ms;
	}
	if (o->json) {
		if (ok)
			printf("{\"seq\":%u,\"target\":\"%s\",\"ok\":true,\"rtt_ms\":%.3f,"
			       "\"ttl\":%u,\"bytes\":%zu}\n", seq, buf, ms, ttl, bytes);
		else
			printf("{\"seq\":%u,\"target\":\"%s\",\"ok\":false}\n", seq, buf);
	} else if (ok) {
		printf("%zu bytes from %s via %s: seq=%u ttl=%u time=%.3f ms\n", bytes, buf,
		       t->conf->iface[0] ? t->conf->iface : "any path", seq, ttl, ms);
	} else {
		printf("no reply from %s via %s: seq=%u (%s)\n", buf,
		       t->conf->iface[0] ? t->conf->iface : "any path", seq,
		       t->last_tx_err && t->tx_err ? "send failed" : "timeout");
	}
	fflush(stdout);
}

static void summary(const struct oneshot *o, const struct ptunnel *t)
{
	double loss = o->sent ? 100.0 * (double)(o->sent - o->received) / (double)o->sent : 0;
	double avg = o->received ? o->sum / (double)o->received : 0;
	double sd = o->received ? sqrt(fmax(0, o->sumsq / (double)o->received - avg * avg)) : 0;
	char buf[IP_ADDR_STRLEN];

	if (o->json) {
		printf("{\"sent\":%llu,\"received\":%llu,\"loss_pct\":%.1f,\"rtt_ms\":"
		       "{\"min\":%.3f,\"avg\":%.3f,\"max\":%.3f}}\n",
		       (unsigned long long)o->sent, (unsigned long long)o->received, loss,
		       o->min, avg, o->max);
		return;
	}
	ip_addr_fmt(&t->targets[0].addr, buf);
	printf("\n--- %s via %s %s probe statistics ---\n", buf,
	       t->conf->iface[0] ? t->conf->iface : "any path", probe_type_name(t->conf->type));
	printf("%llu sent, %llu received, %.1f%% loss", (unsigned long long)o->sent,
	       (unsigned long long)o->received, loss);
	if (t->rx_forged || t->rx_stale || t->rx_wrong_iface)
		printf(", ignored: %llu forged, %llu stale, %llu on another device",
		       (unsigned long long)t->rx_forged, (unsigned long long)t->rx_stale,
		       (unsigned long long)t->rx_wrong_iface);
	printf("\n");
	if (o->received)
		printf("rtt min/avg/max/stddev = %.3f/%.3f/%.3f/%.3f ms\n", o->min, avg, o->max, sd);
}

static int config_mode(const char *path, bool check, bool verbose)
{
	struct probe_conf conf;
	int ret;

	if (!check)
		return prober_run(path) == 0 ? EXIT_OK : EXIT_FAIL;
	probe_conf_init(&conf);
	ret = probe_conf_load(&conf, path, NULL);
	if (ret == 0) {
		if (verbose)
			probe_conf_print(&conf, stdout);
		else
			printf("%s: OK, %u tunnel(s)\n", path, conf.ntunnels);
	}
	probe_conf_free(&conf);
	return ret == 0 ? EXIT_OK : EXIT_FAIL;
}

static int parse_secs(const char *what, const char *s, uint64_t min, uint64_t *ms)
{
	if (opt_duration_ms(what, s, ms) < 0)
		return -1;
	if (*ms < min) {
		fprintf(stderr, "wanscope: %s: %s is below the minimum %llu ms\n", what, s,
			(unsigned long long)min);
		return -1;
	}
	return 0;
}

int probe_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "type", required_argument, NULL, 't' },
		{ "target", required_argument, NULL, 'a' },
		{ "source", required_argument, NULL, 's' },
		{ "peer", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'I' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "size", required_argument, NULL, 'S' },
		{ "df", no_argument, NULL, 'D' },
		{ "dscp", required_argument, NULL, 'Q' },
		{ "ttl", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_conf conf;
	struct tunnel_conf *t;
	struct oneshot o = { 0 };
	struct prober p;
	struct ip_addr target = { 0 };
	const char *config = NULL;
	bool check = false, verbose = false, size_set = false;
	uint32_t count = 5;
	int c, ret;

	probe_conf_init(&conf);
	t = &conf.defaults;
	t->timeout_ms = 1000;
	t->retries = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:t:a:s:p:c:I:W:S:DQ:jC:nvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (strlen(optarg) >= sizeof(t->iface)) {
				fprintf(stderr, "wanscope: probe: --iface: '%s' is too long\n", optarg);
				goto usage;
			}
			snprintf(t->iface, sizeof(t->iface), "%s", optarg);
			break;
		case 't':
			if (probe_type_parse(optarg, &t->type) < 0) {
				fprintf(stderr, "wanscope: probe: --type: '%s' is not reply, request "
					"or unidirectional\n", optarg);
				goto usage;
			}
			break;
		case 'a':
		case 's':
		case 'p':
			if (ip_addr_parse(optarg, c == 'a' ? &target : c == 's' ? &t->source :
					  &t->peer) < 0) {
				fprintf(stderr, "wanscope: probe: --%s: '%s' is not an address\n",
					c == 'a' ? "target" : c == 's' ? "source" : "peer", optarg);
				goto usage;
			}
			break;
		case 'c':
			if (opt_u32("probe: --count", optarg, 0, 100000000, &count) < 0)
				goto usage;
			break;
		case 'I':
			if (parse_secs("probe: --interval", optarg, 10, &t->interval_ms) < 0)
				goto usage;
			break;
		case 'W':
			if (parse_secs("probe: --timeout", optarg, 1, &t->timeout_ms) < 0)
				goto usage;
			if (t->timeout_ms > 60000) {
				fprintf(stderr, "wanscope: probe: --timeout: at most 60 s\n");
				goto usage;
			}
			break;
		case 'S':
			if (opt_u32("probe: --size", optarg, 60, PROBE_MAX_SIZE, &t->size) < 0)
				goto usage;
			size_set = true;
			break;
		case 'D':
			t->df = true;
			break;
		case 'Q':
			if (opt_u32("probe: --dscp", optarg, 0, 63, &t->dscp) < 0)
				goto usage;
			break;
		case 'T':
			if (opt_u32("probe: --ttl", optarg, 1, 255, &t->ttl) < 0)
				goto usage;
			break;
		case 'j':
			o.json = true;
			break;
		case 'C':
			config = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			probe_conf_free(&conf);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wanscope: probe: unexpected argument '%s'\n", argv[optind]);
		goto usage;
	}
	if (config) {
		probe_conf_free(&conf);
		return config_mode(config, check, verbose);
	}
	if (check) {
		fprintf(stderr, "wanscope: probe: -n needs --config FILE\n");
		goto usage;
	}
	if (!ip_addr_is_set(&target)) {
		if (t->type == PROBE_UNIDIR) {
			fprintf(stderr, "wanscope: probe: --target is required for unidirectional "
				"probes (the branch's public address)\n");
			goto usage;
		}
		ip_addr_parse(PROBE_DEFAULT_TARGET, &target);
	}
	if (!t->iface[0] && t->type != PROBE_UNIDIR) {
		fprintf(stderr, "wanscope: probe: --iface is required for %s probes\n",
			probe_type_name(t->type));
		goto usage;
	}
	if (ip_addr_is_set(&t->source) && t->source.family != target.family) {
		fprintf(stderr, "wanscope: probe: --source and --target are of different families\n");
		goto usage;
	}
	if (!size_set && target.family == 6)
		t->size = 104;	/* ping6's default: 56 payload bytes */
	if (t->size < probe_min_size(target.family)) {
		fprintf(stderr, "wanscope: probe: --size: %u is below the minimum %u for IPv%u\n",
			t->size, probe_min_size(target.family), target.family);
		goto usage;
	}
	/* One tunnel, one target: the engine's config built by hand. */
	conf.tunnels = calloc(1, sizeof(*conf.tunnels));
	if (!conf.tunnels)
		goto fail;
	conf.tunnels[0] = *t;
	conf.ntunnels = 1;
	t = &conf.tunnels[0];
	snprintf(t->name, sizeof(t->name), "%s", t->iface[0] ? t->iface : "probe");
	t->targets = malloc(sizeof(target));
	if (!t->targets)
		goto fail;
	t->targets[0] = target;
	t->ntargets = 1;
	conf.state_file[0] = '\0';
	log_init("wanscope probe", LOG_LVL_WARN, false);
	memset(&p, 0, sizeof(p));
	p.oneshot = true;
	p.count = count;
	p.on_result = on_result;
	p.user = &o;
	o.timeout_ms = t->timeout_ms;
	if (prober_init(&p, &conf) < 0) {
		prober_free(&p);
		probe_conf_free(&conf);
		return EXIT_FAIL;
	}
	if (!o.json) {
		char buf[IP_ADDR_STRLEN], sbuf[IP_ADDR_STRLEN];

		ip_addr_fmt(&target, buf);
		ip_addr_fmt(&p.tun[0].source, sbuf);
		printf("PROBE %s via %s (%s): %u bytes%s%s\n", buf,
		       t->iface[0] ? t->iface : "any path", probe_type_name(t->type), t->size,
		       ip_addr_is_set(&p.tun[0].source) ? ", hub address " : "",
		       ip_addr_is_set(&p.tun[0].source) ? sbuf : "");
	}
	ret = prober_loop(&p);
	summary(&o, &p.tun[0]);
	prober_free(&p);
	probe_conf_free(&conf);
	if (ret < 0)
		return EXIT_FAIL;
	return o.received ? EXIT_OK : EXIT_FAIL;
usage:
	probe_conf_free(&conf);
	fprintf(stderr, "Run 'wanscope probe --help' for usage.\n");
	return EXIT_USAGE;
fail:
	probe_conf_free(&conf);
	fprintf(stderr, "wanscope: probe: out of memory\n");
	return EXIT_FAIL;
}
