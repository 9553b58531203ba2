/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * export_cmd.c - `wanscope export`: options, capture and the event loop
 *
 * Live capture opens each interface with libpcap, which on Linux maps an
 * AF_PACKET TPACKET_V3 ring; the ring's descriptors, a one-second timerfd
 * and a signalfd share one epoll loop. --read replays a capture file with
 * its own timestamps as the clock, so a run is deterministic.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "export/export.h"
#include "export/export_run.h"
#include "flow/pcapread.h"
#include "lib/evloop.h"
#include "lib/log.h"
#include "lib/opt.h"
#include "lib/timeutil.h"
#include "subcommands.h"

enum { REF_PCAP = 1, REF_TIMER, REF_SIGNAL };
enum { OPT_MAX_FLOWS = 256, OPT_DOMAIN, OPT_TREFRESH, OPT_CTR, OPT_MTU, OPT_AGENT,
       OPT_SEED, OPT_SNAPLEN, OPT_ACTIVE, OPT_IDLE, OPT_USER };

/* A default from the export.* table, the one source of them. */
#define D(name) export_conf_default("export." name)

static void usage(FILE *f)
{
	fputs(
"usage: wanscope export (-i IF [-i IF ...] | -r FILE) -c udp://HOST:PORT\n"
"                       [-P ipfix|v9|sflow] [-s N] [OPTIONS]\n"
"\n"
"Capture packets and export them as flow records: NetFlow v9 (RFC 3954) or\n"
"IPFIX (RFC 7011) from a flow cache, or sFlow v5 packet samples.\n"
"\n"
"For NetFlow v9 and IPFIX each sampled packet is accounted in a flow keyed\n"
"by interface, direction, IP version, source, destination, protocol,\n"
"ports (ICMP type and code), ToS and VLAN, counting packets, IP bytes,\n"
"first/last time and the OR of TCP flags. A flow is exported when it has\n"
"been idle for --idle-timeout, lives longer than --active-timeout (its\n"
"next packet starts a new flow), sees a TCP FIN or RST, is evicted from a\n"
"full cache, or at exit. Records carry flowEndReason (IPFIX); counters\n"
"are as sampled (not scaled). When sampling, an options record sent with\n"
"the templates announces samplingInterval N and samplingAlgorithm random.\n"
"For sFlow each sampled packet becomes a flow sample with the first 128\n"
"bytes of the frame, the sampling rate, sample pool and drops (and for\n"
"802.1Q-tagged frames extended switch data: VLAN and priority); generic\n"
"interface counters are sent every --counter-interval.\n"
"\n"
"Input (one of):\n"
"  -i, --interface IF   capture on IF (repeatable, up to 16); needs\n"
"                       CAP_NET_RAW. Packets the host sends count as\n"
"                       direction egress (source MAC is IF's own)\n"
"  -r, --read FILE      read a pcap/pcapng capture instead, like softflowd -r;\n"
"                       capture timestamps are the clock, so output is\n"
"                       deterministic (with --seed when sampling)\n"
"\n"
"Options:\n"
"  -c, --collector udp://HOST:PORT\n"
"                       send datagrams here; HOST is an IPv4 address or\n"
"                       [IPv6]; repeatable (up to 8), each gets every datagram\n", f);
	fprintf(f,
"  -P, --protocol P     ipfix, v9 (or nf9), sflow (default %s)\n"
"  -s, --sampling N     sample 1 in N packets at random (default %s: all)\n"
"      --active-timeout SECONDS\n"
"                       export long flows this often (default %s)\n"
"      --idle-timeout SECONDS\n"
"                       export a flow idle this long (default %s)\n"
"      --max-flows N    flow cache size; a full cache evicts the least\n"
"                       recently seen flow, counted (default %s)\n"
"      --observation-domain N\n"
"                       IPFIX observation domain, v9 source id, sFlow\n"
"                       sub-agent id (default %s)\n"
"      --template-refresh SECONDS\n"
"                       resend v9/IPFIX templates this often; they are also\n"
"                       sent at start (default %s)\n"
"      --counter-interval SECONDS\n"
"                       sFlow interface counters this often, 0 = never\n"
"                       (default %s; live capture only)\n"
"      --mtu BYTES      largest export datagram payload (default %s,\n"
"                       %d..%d)\n",
		D("protocol"), D("sampling"), D("active_timeout"), D("idle_timeout"),
		D("max_flows"), D("observation_domain"), D("template_refresh"),
		D("counter_interval"), D("mtu"), FENC_MTU_MIN, FENC_MTU_MAX);
	fprintf(f,
"      --agent-address ADDR\n"
"                       sFlow agent address (default: the source address\n"
"                       toward the first collector)\n"
"      --snaplen BYTES  bytes captured per packet (default %d)\n"
"      --seed N         sampling random seed (default: random)\n"
"      --user USER      once the capture and sockets are open, run as USER\n"
"                       with no privileges when started as root (default\n"
"                       nobody; - keeps root)\n"
"      --stats          print statistics as one JSON line on standard output\n"
"                       at exit instead of the summary on standard error\n"
"  -q, --quiet          no summary line on standard error at exit\n"
"  -h, --help           show this help\n"
"\n"
"Statistics: packets and bytes captured, sampled, malformed and non-IP\n"
"packets, flows created and expired by reason (idle, active, fin/rst,\n"
"forced, evicted), records, datagrams and bytes exported, send errors and\n"
"the kernel's capture drops (PACKET_STATISTICS via pcap_stats).\n"
"SIGINT or SIGTERM exports every cached flow and exits 0.\n"
"\n"
"Exit status:\n"
"  0  stopped by SIGINT/SIGTERM, or --read reached the end of FILE\n"
"  1  an interface, capture file or collector could not be opened, the\n"
"     --user could not be switched to, or capture failed\n"
"  2  usage error\n"
"\n"
"Examples:\n"
"  wanscope export -i eth0 -c udp://192.0.2.10:4739\n"
"  wanscope export -i eth0 -i eth1 -P v9 -s 100 -c udp://192.0.2.10:2055\n"
"  wanscope export -i eth0 -P sflow -s 512 -c udp://[2001:db8::10]:6343\n"
"  wanscope export -r trace.pcap -P ipfix -c udp://127.0.0.1:4739 --stats\n",
		EXP_SNAPLEN_DEFAULT);
}

struct exp_run {
	struct exporter x;
	const char *read_file;
	const char *user;
	const char *ifnames[EXP_MAX_IFS];
	unsigned nifnames;
	bool json_stats, quiet;
};

static int parse_secs(const char *opt, const char *s, uint32_t min_ms, uint32_t *out)
{
	uint64_t ms;

	if (opt_duration_ms(opt, s, &ms) < 0)
		return -1;
	if (ms < min_ms || ms > UINT32_MAX) {
		fprintf(stderr, "wanscope: export: %s: '%s' is out of range (%u ms to 49 days)\n",
			opt, s, min_ms);
		return -1;
	}
	*out = (uint32_t)ms;
	return 0;
}

/*
 * An option the export.* table has too (--max-flows is export.max_flows):
 * the table's bounds, so the command line and the daemon accept the same
 * values. Durations are seconds without a suffix, as in the file.
 * Return: 0, or -1 (message printed).
 */
static int parse_tab(const char *name, const char *arg, uint32_t *out)
{
	const struct conf_opt *o;
	char key[64], opt[64], *p;
	uint32_t hi;

	snprintf(key, sizeof(key), "export.%s", name);
	for (p = key; *p; p++)
		if (*p == '-')
			*p = '_';
	snprintf(opt, sizeof(opt), "--%s", name);
	o = export_conf_opt(key);
	if (!o) {
		fprintf(stderr, "wanscope: export: %s: not in the export.* table (a bug)\n", opt);
		return -1;
	}
	hi = o->max > UINT32_MAX ? UINT32_MAX : (uint32_t)o->max;
	if (o->type == CONF_DURATION)
		return parse_secs(opt, arg, (uint32_t)o->min, out);
	snprintf(opt, sizeof(opt), "export: --%s", name);
	return opt_u32(opt, arg, (uint32_t)o->min, hi, out);
}

static int parse_args(struct exp_run *r, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "collector", required_argument, NULL, 'c' },
		{ "protocol", required_argument, NULL, 'P' },
		{ "sampling", required_argument, NULL, 's' },
		{ "active-timeout", required_argument, NULL, OPT_ACTIVE },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "observation-domain", required_argument, NULL, OPT_DOMAIN },
		{ "template-refresh", required_argument, NULL, OPT_TREFRESH },
		{ "counter-interval", required_argument, NULL, OPT_CTR },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "agent-address", required_argument, NULL, OPT_AGENT },
		{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "user", required_argument, NULL, OPT_USER },
		{ "stats", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct exp_cfg *cfg = &r->x.cfg;
	const char *cols[EXP_MAX_COLLECTORS];
	unsigned ncols = 0, i;
	uint64_t u;
	uint32_t v;
	int o;

	if (exp_cfg_defaults(cfg) < 0)
		return -1;
	r->user = "nobody";
	while ((o = getopt_long(argc, argv, "i:r:c:P:s:qh", lopts, NULL)) != -1) {
		switch (o) {
		case 'i':
			if (r->nifnames == EXP_MAX_IFS) {
				fprintf(stderr, "wanscope: export: --interface: at most %d\n",
					EXP_MAX_IFS);
				return -1;
			}
			if (strlen(optarg) >= IF_NAMESIZE || !*optarg) {
				fprintf(stderr, "wanscope: export: --interface: '%s' is not an "
					"interface name\n", optarg);
				return -1;
			}
			r->ifnames[r->nifnames++] = optarg;
			break;
		case 'r':
			r->read_file = optarg;
			break;
		case 'c':
			if (ncols == EXP_MAX_COLLECTORS) {
				fprintf(stderr, "wanscope: export: --collector: at most %d\n",
					EXP_MAX_COLLECTORS);
				return -1;
			}
			cols[ncols++] = optarg;
			break;
		case 'P':
			cfg->proto = flow_proto_parse(optarg);
			if (cfg->proto != FLOW_PROTO_NF9 && cfg->proto != FLOW_PROTO_IPFIX &&
			    cfg->proto != FLOW_PROTO_SFLOW5) {
				fprintf(stderr, "wanscope: export: --protocol: '%s' is not ipfix, "
					"v9 or sflow\n", optarg);
				return -1;
			}
			break;
		case 's':
			if (parse_tab("sampling", optarg, &cfg->sampling) < 0)
				return -1;
			break;
		case OPT_ACTIVE:
			if (parse_tab("active-timeout", optarg, &cfg->active_ms) < 0)
				return -1;
			break;
		case OPT_IDLE:
			if (parse_tab("idle-timeout", optarg, &cfg->idle_ms) < 0)
				return -1;
			break;
		case OPT_MAX_FLOWS:
			if (parse_tab("max-flows", optarg, &cfg->max_flows) < 0)
				return -1;
			break;
		case OPT_DOMAIN:
			if (parse_tab("observation-domain", optarg, &cfg->domain) < 0)
				return -1;
			break;
		case OPT_TREFRESH:
			if (parse_tab("template-refresh", optarg, &cfg->template_refresh_ms) < 0)
				return -1;
			break;
		case OPT_CTR:
			if (parse_tab("counter-interval", optarg, &cfg->counter_interval_ms) < 0)
				return -1;
			if (cfg->counter_interval_ms && cfg->counter_interval_ms < 1000) {
				fprintf(stderr, "wanscope: export: --counter-interval: '%s' is "
					"below 1 second\n", optarg);
				return -1;
			}
			break;
		case OPT_MTU:
			if (parse_tab("mtu", optarg, &v) < 0)
				return -1;
			cfg->mtu = v;
			break;
		case OPT_AGENT:
			if (ip_addr_parse(optarg, &cfg->agent) < 0) {
				fprintf(stderr, "wanscope: export: --agent-address: '%s' is not an "
					"IPv4 or IPv6 address\n", optarg);
				return -1;
			}
			break;
		case OPT_SNAPLEN:
			if (opt_u32("export: --snaplen", optarg, 64, 65535, &cfg->snaplen) < 0)
				return -1;
			break;
		case OPT_SEED:
			if (opt_u64("export: --seed", optarg, 1, UINT64_MAX, &u) < 0)
				return -1;
			cfg->seed = u;
			break;
		case OPT_USER:
			r->user = optarg;
			break;
		case 'S':
			r->json_stats = true;
			break;
		case 'q':
			r->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			fputs("Try 'wanscope export --help'.\n", stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wanscope: export: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!r->read_file == !r->nifnames) {
		fprintf(stderr, "wanscope: export: give --interface IF (one or more) or "
			"--read FILE\n");
		return -1;
	}
	if (ncols == 0) {
		fprintf(stderr, "wanscope: export: --collector udp://HOST:PORT is required\n");
		return -1;
	}
	for (i = 0; i < ncols; i++) {
		struct ip_addr a;
		uint16_t port;
		char err[256];

		if (exp_collector_parse(cols[i], &a, &port, err, sizeof(err)) < 0) {
			fprintf(stderr, "wanscope: export: --collector: %s\n", err);
			return -1;
		}
		if (exp_collector_open(&r->x, cols[i]) < 0)
			return -1;
	}
	return 0;
}

/*
 * Everything privileged (capture rings, sockets) is open: as root, become
 * @r->user with no supplementary groups and no way back. Packets are
 * parsed only after this. Return: 0, or -1 (message printed).
 */
static int drop_privs(const struct exp_run *r)
{
	struct passwd *pw;

	if (geteuid() != 0 || strcmp(r->user, "-") == 0)
		return 0;
	pw = getpwnam(r->user);
	if (!pw) {
		fprintf(stderr, "wanscope: export: --user %s: no such user\n", r->user);
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "wanscope: export: --user %s: %s\n", r->user, strerror(errno));
		return -1;
	}
	return 0;
}

static int read_file(struct exp_run *r)
{
	char err[PCAP_ERRBUF_SIZE];
	struct exporter *x = &r->x;
	struct exp_if *ifp = &x->ifs[0];
	struct pcap_pkthdr *h;
	const u_char *p;
	pcap_t *pc;
	FILE *f;
	int rc, ret = 0;

	/* Our own FILE with a big buffer: stdio's default costs a read()
	 * system call every 4 KiB, more than the flow cache itself. */
	f = strcmp(r->read_file, "-") ? fopen(r->read_file, "rbe") : stdin;
	if (!f) {
		fprintf(stderr, "wanscope: export: --read %s: %s\n", r->read_file,
			strerror(errno));
		return -1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	pc = pcap_fopen_offline(f, err);
	if (!pc) {
		fprintf(stderr, "wanscope: export: --read %s: %s\n", r->read_file, err);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (drop_privs(r) < 0) {
		pcap_close(pc);
		return -1;
	}
	memset(ifp, 0, sizeof(*ifp));
	snprintf(ifp->name, sizeof(ifp->name), "file");
	ifp->fd = -1;
	x->nifs = 1;
	if (cap_link_from_dlt(pcap_datalink(pc), &ifp->link) < 0) {
		fprintf(stderr, "wanscope: export: --read %s: link type %s is not supported\n",
			r->read_file, pcap_datalink_val_to_name(pcap_datalink(pc)) ?
			pcap_datalink_val_to_name(pcap_datalink(pc)) : "?");
		pcap_close(pc);
		return -1;
	}
	/* The first packet's time is the uptime zero. */
	rc = pcap_next_ex(pc, &h, &p);
	if (rc == 1) {
		int64_t ts = (int64_t)h->ts.tv_sec * 1000 + h->ts.tv_usec / 1000;

		if (exp_start(x, ts) < 0) {
			pcap_close(pc);
			return -1;
		}
		exp_packet(x, ifp, p, h->caplen, h->len, ts);
		rc = exp_read_pcap(x, pc);
	} else if (rc != PCAP_ERROR_BREAK && exp_start(x, time_real_ms()) < 0) {
		pcap_close(pc);
		return -1;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "wanscope: export: --read %s: %s\n", r->read_file,
			pcap_geterr(pc));
		ret = x->st.packets ? 0 : -1;
	}
	if (!x->started && exp_start(x, time_real_ms()) < 0)
		ret = -1;
	exp_finish(x, x->last_tick_ms);
	pcap_close(pc);
	return ret;
}

static int live(struct exp_run *r)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, 0 };
	struct exporter *x = &r->x;
	struct epoll_event evs[EXP_MAX_IFS + 2];
	struct evloop l;
	int tfd = -1, sfd = -1, ret = -1, n, k;
	bool stop = false;
	unsigned i;

	for (i = 0; i < r->nifnames; i++)
		if (exp_if_open(x, r->ifnames[i]) < 0)
			return -1;
	if (ev_init(&l) < 0) {
		log_warn("export: epoll");
		return -1;
	}
	tfd = ev_timer_new();
	sfd = ev_signalfd(sigs);
	if (tfd < 0 || sfd < 0 || ev_timer_every(tfd, 1000000000ull) < 0 ||
	    ev_add(&l, tfd, EPOLLIN, ev_ref(REF_TIMER, tfd, 0)) < 0 ||
	    ev_add(&l, sfd, EPOLLIN, ev_ref(REF_SIGNAL, sfd, 0)) < 0) {
		log_warnx("export: timer or signal descriptor failed");
		goto out;
	}
	for (i = 0; i < x->nifs; i++)
		if (ev_add(&l, x->ifs[i].fd, EPOLLIN, ev_ref(REF_PCAP, x->ifs[i].fd, i)) < 0) {
			log_warnx("export: %s: cannot poll its capture", x->ifs[i].name);
			goto out;
		}
	if (drop_privs(r) < 0 || exp_start(x, time_real_ms()) < 0)
		goto out;
	if (x->cfg.proto == FLOW_PROTO_SFLOW5)
		exp_tick(x, time_real_ms());	/* first counters at start */
	log_info("export: capturing on %u interface(s), exporting %s", x->nifs,
		 flow_proto_name(x->cfg.proto));
	while (!stop) {
		n = ev_wait(&l, evs, (int)(sizeof(evs) / sizeof(evs[0])), -1);
		if (n < 0) {
			log_warnx("export: epoll_wait: %s", strerror(-n));
			goto out;
		}
		for (k = 0; k < n; k++) {
			uint64_t ref = evs[k].data.u64;

			switch (ev_ref_type(ref)) {
			case REF_PCAP:
				exp_if_drain(x, ev_ref_idx(ref));
				break;
			case REF_TIMER:
				ev_timer_read(tfd);
				exp_if_update_drops(x);
				exp_tick(x, time_real_ms());
				break;
			case REF_SIGNAL:
				if (ev_signal_read(sfd) != SIGHUP)
					stop = true;
				break;
			}
		}
	}
	exp_if_final_drain(x);
	exp_finish(x, time_real_ms());
	ret = 0;
out:
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	ev_close(&l);
	return ret;
}

int export_main(int argc, char **argv)
{
	struct exp_run *r = calloc(1, sizeof(*r));
	int rc;

	if (!r) {
		fprintf(stderr, "wanscope: export: out of memory\n");
		return EXIT_FAIL;
	}
	if (parse_args(r, argc, argv) < 0) {
		exp_stop(&r->x);
		free(r);
		return EXIT_USAGE;
	}
	rc = r->read_file ? read_file(r) : live(r);
	if (!r->x.started)
		;
	else if (r->json_stats)
		exp_print_stats(&r->x, stdout, true);
	else if (!r->quiet)
		exp_print_stats(&r->x, stderr, false);
	exp_if_close_all(&r->x);
	exp_stop(&r->x);
	free(r);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
