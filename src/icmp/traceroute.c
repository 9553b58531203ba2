/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * traceroute.c - wanscope traceroute: ICMP echo probes with rising TTL,
 * unprivileged, output compatible with traceroute -I
 *
 * All probes go out quickly and in parallel (up to -N in flight, in TTL
 * order), like modern traceroute: each is an echo request with its own TTL
 * and sequence number; routers' time-exceeded and unreachable messages come
 * from the socket's error queue, the destination's echo replies from the
 * socket. The sequence number names the probe (TTL and query). Hop lines are
 * printed in order as soon as every probe of a hop is answered or timed out;
 * the first TTL at which the destination answers (or an unreachable is
 * reported) ends the trace.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/icmptool.h"
#include "lib/opt.h"
#include "lib/wbuf.h"
#include "subcommands.h"

#define TRACE_MAX_QUERIES 10
#define TRACE_MAX_SIM 256

struct tprobe {
	struct trace_probe r;
	int64_t sent_real;	/* CLOCK_REALTIME of the send (kernel timestamps) */
	int64_t sent_mono;	/* 0 = not sent */
	bool done;
};

struct trace {
	struct trace_opts o;
	struct icmpsock s;
	struct icmptool_loop loop;
	struct ip_addr dst;
	struct tprobe *pr;	/* (ttl - 1) * nqueries + query */
	unsigned nprobes;
	unsigned next;		/* next probe index to send */
	unsigned inflight;
	unsigned last_ttl;	/* the destination's TTL once known, else max_ttl */
	unsigned printed;	/* TTLs printed so far (from first_ttl) */
	bool reached;
	uint8_t *payload;
	size_t plen;
	struct wbuf json;
};

static void trace_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope traceroute [-4|-6] [-I] [-n] [-f FIRST_TTL] [-m MAX_TTL]\n"
"                           [-q NQUERIES] [-w WAIT] [-N SIMULTANEOUS]\n"
"                           [-s SOURCE] [--resolve] [--json] HOST [PACKETLEN]\n"
"\n"
"Show the routers on the path to HOST with ICMP echo probes of rising TTL /\n"
"hop limit, like 'traceroute -I', without privileges: replies and the\n"
"routers' time-exceeded/unreachable messages are read through an ICMP\n"
"datagram socket and its error queue (net.ipv4.ping_group_range must contain\n"
"one of the caller's groups; raw sockets are used with CAP_NET_RAW).\n"
"All probes are sent at once (up to -N in flight) and hop lines are printed\n"
"in order as they complete:\n"
"   1  192.0.2.1  0.301 ms  0.210 ms  0.198 ms\n"
"   2  * * *\n"
"An address is printed again only when it changes between a hop's probes.\n"
"Flags after a time: !H !N !P !X !S !F-MTU (unreachable: host, network,\n"
"protocol, administratively prohibited, source route / scope, needs\n"
"fragmentation).\n"
"\n"
"Options:\n"
"  -4, -6           use IPv4 / IPv6 (default: as HOST resolves, IPv4 first)\n"
"  -I, --icmp       ICMP echo probes: always on, accepted for compatibility\n"
"  -n               numeric addresses (the default)\n"
"      --resolve    print reverse-DNS names as 'name (address)'\n"
"  -f FIRST_TTL     start at this TTL (default 1)\n"
"  -m MAX_TTL       give up after this TTL (default 30, at most 255)\n"
"  -q NQUERIES      probes per hop (default 3, at most 10)\n"
"  -w WAIT          seconds to wait for a probe's answer (default 5)\n"
"  -N SIMULTANEOUS  probes in flight at once (default 16)\n"
"  -s SOURCE        source address\n"
"      --json       print one JSON object with every hop and probe\n"
"  -h, --help       this help\n"
"  PACKETLEN        total IP packet length (default 60 for IPv4, 80 for IPv6)\n"
"\n"
"Exit status: 0 the destination answered, 1 it did not (within MAX_TTL),\n"
"2 usage or other error (such as ICMP sockets not being allowed: the\n"
"message names the sysctl to run).\n"
"\n"
"Examples:\n"
"  wanscope traceroute -I -n 192.0.2.1\n"
"  wanscope traceroute -6 -q 1 -w 1 -m 12 2001:db8::1\n");
}

int trace_parse_args(int argc, char **argv, struct trace_opts *o)
{
	static const struct option lo[] = {
		{ "icmp", no_argument, NULL, 'I' },
		{ "resolve", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->first_ttl = 1;
	o->max_ttl = 30;
	o->nqueries = 3;
	o->sim = 16;
	o->wait_ms = 5000;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "46Inf:m:q:w:N:s:h", lo, NULL)) != -1) {
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'I':
		case 'n':
			break;
		case 'R':
			o->resolve = true;
			break;
		case 'J':
			o->json = true;
			break;
		case 'f':
			if (opt_u32("traceroute: -f", optarg, 1, 255, &o->first_ttl) < 0)
				return -1;
			break;
		case 'm':
			if (opt_u32("traceroute: -m", optarg, 1, 255, &o->max_ttl) < 0)
				return -1;
			break;
		case 'q':
			if (opt_u32("traceroute: -q", optarg, 1, TRACE_MAX_QUERIES,
				    &o->nqueries) < 0)
				return -1;
			break;
		case 'w':
			if (opt_duration_ms("traceroute: -w", optarg, &o->wait_ms) < 0)
				return -1;
			if (!o->wait_ms)
				o->wait_ms = 1;
			break;
		case 'N':
			if (opt_u32("traceroute: -N", optarg, 1, TRACE_MAX_SIM, &o->sim) < 0)
				return -1;
			break;
		case 's':
			o->source = optarg;
			break;
		case 'h':
			trace_usage(stdout);
			return 1;
		default:
			if (optopt && strchr("fmqwNs", optopt))
				fprintf(stderr, "wanscope: traceroute: -%c needs a value\n", optopt);
			else if (optopt)
				fprintf(stderr, "wanscope: traceroute: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "wanscope: traceroute: unknown option %s\n",
					argv[optind - 1]);
			fprintf(stderr, "Try 'wanscope traceroute --help'.\n");
			return -1;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		fprintf(stderr, "wanscope: traceroute: %s\nTry 'wanscope traceroute --help'.\n",
			optind >= argc ? "missing HOST" : "too many arguments");
		return -1;
	}
	o->host = argv[optind];
	if (argc - optind == 2) {
		if (opt_u32("traceroute: PACKETLEN", argv[optind + 1], 28, 65000,
			    &o->packetlen) < 0)
			return -1;
		o->packetlen_set = true;
	}
	if (o->first_ttl > o->max_ttl) {
		fprintf(stderr, "wanscope: traceroute: -f %u is greater than -m %u\n",
			o->first_ttl, o->max_ttl);
		return -1;
	}
	return 0;
}

size_t trace_fmt_hop(int family, unsigned ttl, const struct trace_probe *p, unsigned n,
		     bool resolve, char *buf, size_t len)
{
	const struct ip_addr *prev = NULL;
	char a[300], d[32];
	size_t off;
	unsigned i;
	int w;

#define APPEND(...)                                                           \
	do {                                                                  \
		w = snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__); \
		if (w > 0)                                                    \
			off += (size_t)w;                                     \
	} while (0)

	off = 0;
	if (len)
		buf[0] = 0;
	APPEND("%2u ", ttl);
	for (i = 0; i < n; i++) {
		const char *flag;
		struct icmpsock_msg m = { .kind = p[i].kind, .code = p[i].code,
					  .info = p[i].info, .err = p[i].err };

		if (!p[i].answered) {
			APPEND(" *");
			continue;
		}
		if (!prev || !ip_addr_eq(prev, &p[i].from)) {
			icmptool_addr_str(&p[i].from, resolve, a, sizeof(a));
			APPEND(" %s", a);
			prev = &p[i].from;
		}
		APPEND("  %.3f ms", p[i].rtt_ms);
		flag = icmpsock_describe(family, &m, true, d, sizeof(d));
		if (*flag)
			APPEND(" %s", flag);
	}
#undef APPEND
	return off < len ? off : (len ? len - 1 : 0);
}

static bool probe_final(const struct trace_probe *r)
{
	return r->answered && r->kind != ICMPSOCK_TIME_EXCEEDED;
}

/* The destination (or an unreachable) answered at @ttl: stop beyond it. */
static void trace_cut(struct trace *t, unsigned ttl)
{
	unsigned i;

	if (ttl >= t->last_ttl)
		return;
	t->last_ttl = ttl;
	for (i = ttl * t->o.nqueries; i < t->nprobes; i++) {
		if (t->pr[i].sent_mono && !t->pr[i].done)
			t->inflight--;
		t->pr[i].done = true;
	}
}

static void trace_answer(struct trace *t, const struct icmpsock_msg *m)
{
	unsigned idx = (unsigned)m->seq - 1;
	struct tprobe *p;
	double rtt;

	if (m->seq == 0 || idx >= t->nprobes)
		return;
	p = &t->pr[idx];
	if (!p->sent_mono || p->done)
		return;
	rtt = (double)(m->rx_ns - p->sent_real) / 1e6;
	p->r.answered = true;
	p->r.from = m->from;
	p->r.rtt_ms = rtt < 0 ? 0 : rtt;
	p->r.kind = m->kind;
	p->r.code = m->code;
	p->r.info = m->info;
	p->r.err = m->err;
	p->done = true;
	t->inflight--;
	if (m->kind == ICMPSOCK_REPLY)
		t->reached = true;
	if (probe_final(&p->r))
		trace_cut(t, idx / t->o.nqueries + 1);
}

static void trace_drain(struct trace *t)
{
	struct icmpsock_msg m[ICMPSOCK_BATCH];
	int n, i;

	do {
		for (i = 0; i < ICMPSOCK_BATCH; i++) {
			m[i].buf = NULL;
			m[i].cap = 0;
		}
		n = icmpsock_recv(&t->s, m, ICMPSOCK_BATCH);
		for (i = 0; i < n; i++)
			trace_answer(t, &m[i]);
	} while (n == ICMPSOCK_BATCH);
	do {
		n = icmpsock_recv_err(&t->s, m, ICMPSOCK_BATCH);
		for (i = 0; i < n; i++)
			if (m[i].kind != ICMPSOCK_LOCAL_ERR)
				trace_answer(t, &m[i]);
	} while (n == ICMPSOCK_BATCH);
}

/* Return: 0, or -errno when the first probe of a batch could not be sent. */
static int trace_send(struct trace *t)
{
	struct icmpsock_tx tx[ICMPSOCK_BATCH];
	unsigned k = 0, i, limit = t->last_ttl * t->o.nqueries;
	int r;

	while (t->inflight + k < t->o.sim && t->next + k < limit && k < ICMPSOCK_BATCH) {
		unsigned idx = t->next + k;

		memset(&tx[k], 0, sizeof(tx[k]));
		tx[k].dst = t->dst;
		tx[k].seq = (uint16_t)(idx + 1);
		tx[k].ttl = (int)(idx / t->o.nqueries + 1);
		tx[k].payload = t->payload;
		tx[k].len = t->plen;
		k++;
	}
	if (!k)
		return 0;
	r = icmpsock_send(&t->s, tx, k);
	if (r < 0)
		return r;
	for (i = 0; i < (unsigned)r; i++) {
		struct tprobe *p = &t->pr[t->next + i];

		p->sent_real = tx[i].sent_ns;
		p->sent_mono = icmptool_now_ns();
	}
	t->next += (unsigned)r;
	t->inflight += (unsigned)r;
	return 0;
}

/* Expire probes; return the earliest pending expiry (0 = none). */
static int64_t trace_expire(struct trace *t, int64_t now)
{
	int64_t wait = (int64_t)t->o.wait_ms * 1000000, first = 0;
	unsigned i;

	for (i = 0; i < t->next; i++) {
		struct tprobe *p = &t->pr[i];

		if (p->done || !p->sent_mono)
			continue;
		if (now >= p->sent_mono + wait) {
			p->done = true;
			t->inflight--;
		} else if (!first || p->sent_mono + wait < first) {
			first = p->sent_mono + wait;
		}
	}
	return first;
}

static void json_hop(struct trace *t, unsigned ttl, const struct tprobe *p)
{
	char a[IP_ADDR_STRLEN], d[64];
	unsigned q;

	if (t->json.len > 1 && t->json.p[t->json.len - 1] != '[')
		wbuf_putc(&t->json, ',');
	wbuf_printf(&t->json, "{\"ttl\":%u,\"probes\":[", ttl);
	for (q = 0; q < t->o.nqueries; q++) {
		const struct trace_probe *r = &p[q].r;

		if (q)
			wbuf_putc(&t->json, ',');
		if (!r->answered) {
			wbuf_puts_lit(&t->json, "{\"address\":null}");
			continue;
		}
		{
			struct icmpsock_msg m = { .kind = r->kind, .code = r->code,
						  .info = r->info, .err = r->err };
			const char *what = icmpsock_describe(t->s.family, &m, false, d, sizeof(d));
			size_t n = ip_addr_fmt(&r->from, a);

			wbuf_puts_lit(&t->json, "{\"address\":");
			wbuf_put_json_str(&t->json, a, n);
			wbuf_printf(&t->json, ",\"rtt_ms\":%.3f,\"type\":", r->rtt_ms);
			wbuf_put_json_str(&t->json, what, strlen(what));
			wbuf_putc(&t->json, '}');
		}
	}
	wbuf_puts_lit(&t->json, "]}");
}

/* Print every completed hop, in order. */
static void trace_print(struct trace *t)
{
	char line[2048];

	while (t->o.first_ttl + t->printed <= t->last_ttl) {
		unsigned ttl = t->o.first_ttl + t->printed, q;
		struct tprobe *p = &t->pr[(ttl - 1) * t->o.nqueries];
		struct trace_probe r[TRACE_MAX_QUERIES];

		for (q = 0; q < t->o.nqueries; q++) {
			if (!p[q].done)
				return;
			r[q] = p[q].r;
		}
		if (t->o.json) {
			json_hop(t, ttl, p);
		} else {
			trace_fmt_hop(t->s.family, ttl, r, t->o.nqueries, t->o.resolve, line,
				      sizeof(line));
			puts(line);
			fflush(stdout);
		}
		t->printed++;
	}
}

static int trace_run(struct trace *t)
{
	int ev, r;

	/* Probes below the first TTL are never sent. */
	t->next = (t->o.first_ttl - 1) * t->o.nqueries;
	for (;;) {
		int64_t now, wake;

		r = trace_send(t);
		if (r < 0) {
			char a[IP_ADDR_STRLEN];

			ip_addr_fmt(&t->dst, a);
			fprintf(stderr, "wanscope: traceroute: send to %s: %s\n", a, strerror(-r));
			return EXIT_FAIL;
		}
		now = icmptool_now_ns();
		wake = trace_expire(t, now);
		trace_print(t);
		if (t->o.first_ttl + t->printed > t->last_ttl)
			break;
		if (t->inflight < t->o.sim && t->next < t->last_ttl * t->o.nqueries)
			continue;
		ev = icmptool_loop_wait(&t->loop, wake);
		if (ev < 0) {
			fprintf(stderr, "wanscope: traceroute: %s\n", strerror(-ev));
			return EXIT_USAGE;
		}
		if (ev & ICMPTOOL_EV_SIGNAL)
			return EXIT_FAIL;
		if (ev & ICMPTOOL_EV_SOCK)
			trace_drain(t);
	}
	return t->reached ? EXIT_OK : EXIT_FAIL;
}

int traceroute_main(int argc, char **argv)
{
	struct trace t;
	struct ip_addr src = { 0 };
	char a[IP_ADDR_STRLEN];
	unsigned hdr;
	int r, family;

	memset(&t, 0, sizeof(t));
	t.s.fd = t.loop.ep = t.loop.tfd = -1;
	r = trace_parse_args(argc, argv, &t.o);
	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (icmpsock_resolve("traceroute", t.o.host, t.o.family, &t.dst) < 0)
		return EXIT_USAGE;
	family = t.dst.family == 4 ? AF_INET : AF_INET6;
	hdr = family == AF_INET ? 28 : 48;
	if (!t.o.packetlen_set)
		t.o.packetlen = family == AF_INET ? 60 : 80;
	if (t.o.packetlen < hdr) {
		fprintf(stderr, "wanscope: traceroute: PACKETLEN %u is below the %u header bytes\n",
			t.o.packetlen, hdr);
		return EXIT_USAGE;
	}
	if (t.o.source && (ip_addr_parse(t.o.source, &src) < 0 || src.family != t.dst.family)) {
		fprintf(stderr, "wanscope: traceroute: -s: '%s' is not an IPv%d address\n",
			t.o.source, t.dst.family);
		return EXIT_USAGE;
	}
	t.plen = t.o.packetlen - hdr;
	t.nprobes = t.o.max_ttl * t.o.nqueries;
	t.last_ttl = t.o.max_ttl;
	t.pr = calloc(t.nprobes, sizeof(*t.pr));
	t.payload = calloc(1, t.plen ? t.plen : 1);
	if (!t.pr || !t.payload || wbuf_init(&t.json, 4096, (size_t)64 << 20) < 0) {
		fprintf(stderr, "wanscope: traceroute: out of memory\n");
		r = EXIT_USAGE;
		goto out;
	}
	if (icmptool_open("traceroute", &t.s, family, &src) < 0) {
		r = EXIT_USAGE;
		goto out;
	}
	r = icmptool_loop_init(&t.loop, t.s.fd, -1);
	if (r < 0) {
		fprintf(stderr, "wanscope: traceroute: %s\n", strerror(-r));
		r = EXIT_USAGE;
		goto out;
	}
	ip_addr_fmt(&t.dst, a);
	if (!t.o.json) {
		printf("traceroute to %s (%s), %u hops max, %u byte packets\n", t.o.host, a,
		       t.o.max_ttl, t.o.packetlen);
		fflush(stdout);
	} else {
		wbuf_puts_lit(&t.json, "{\"host\":");
		wbuf_put_json_str(&t.json, t.o.host, strlen(t.o.host));
		wbuf_puts_lit(&t.json, ",\"address\":");
		wbuf_put_json_str(&t.json, a, strlen(a));
		wbuf_printf(&t.json, ",\"family\":%d,\"max_ttl\":%u,\"packet_len\":%u,\"hops\":[",
			    t.dst.family, t.o.max_ttl, t.o.packetlen);
	}
	r = trace_run(&t);
	if (t.o.json) {
		wbuf_printf(&t.json, "],\"reached\":%s}\n", t.reached ? "true" : "false");
		wbuf_flush(&t.json, stdout);
	}
out:
	icmptool_loop_close(&t.loop);
	icmpsock_close(&t.s);
	free(t.pr);
	free(t.payload);
	wbuf_free(&t.json);
	return r;
}
