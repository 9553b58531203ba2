/* SPDX-License-Identifier: BSD-2-Clause */
/* ping.c - wanscope ping: ICMP/ICMPv6 echo, unprivileged, iputils-style output */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/icmptool.h"
#include "lib/opt.h"
#include "lib/wbuf.h"
#include "subcommands.h"

#define SEQ_SPACE 65536
/* Replies and errors kept for --json. */
#define PING_JSON_MAX 100000

struct ping_ev {
	uint16_t seq;
	bool error;
	int ttl;
	double rtt_ms;
	struct icmpsock_msg m;
};

struct ping {
	struct ping_opts o;
	struct icmpsock s;
	struct icmptool_loop loop;
	struct ip_addr dst;
	char dst_str[IP_ADDR_STRLEN];
	uint8_t *payload;
	uint8_t *rxbuf;
	int64_t *sent_ns;	/* by sequence: CLOCK_REALTIME of the send, 0 = none */
	uint8_t *seen;		/* by sequence: a reply arrived (duplicates) */
	uint64_t ntx, nrx, nerr, ndup;
	uint64_t outstanding;
	struct rtt_stats rtt;
	int64_t start_ns, last_tx_ns;
	struct ping_ev *evs;
	size_t nev;
	uint64_t ev_dropped;
	bool send_failed;
};

static void ping_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope ping [-4|-6] [-c COUNT] [-i INTERVAL] [-s SIZE] [-t TTL]\n"
"                     [-W TIMEOUT] [-w DEADLINE] [-I SOURCE] [-q] [--json] HOST\n"
"\n"
"Send ICMP (IPv4) or ICMPv6 echo requests to HOST and print each reply, then a\n"
"summary, like iputils ping. Works without privileges through ICMP datagram\n"
"sockets when net.ipv4.ping_group_range contains one of the caller's groups\n"
"(it governs IPv6 too); falls back to raw sockets with CAP_NET_RAW. Routers'\n"
"errors (time exceeded, unreachable) are read from the socket's error queue\n"
"and printed as \"From ROUTER icmp_seq=N ...\".\n"
"\n"
"Options:\n"
"  -4, -6            use IPv4 / IPv6 (default: as HOST resolves, IPv4 first)\n"
"  -c COUNT          stop after sending COUNT requests (default: until ^C)\n"
"  -i INTERVAL       seconds between requests (default 1, at least 0.002;\n"
"                    e.g. 0.2, 50ms)\n"
"  -s SIZE           payload bytes (default 56; the ICMP packet is SIZE+8)\n"
"  -t TTL            IP TTL / IPv6 hop limit of the requests (default: system)\n"
"  -W TIMEOUT        seconds to wait for outstanding replies after the last\n"
"                    request (default 10)\n"
"  -w DEADLINE       stop after DEADLINE seconds whatever was sent or received\n"
"  -I SOURCE         source address\n"
"  -q                quiet: only the summary\n"
"  -n                numeric output (the default; accepted for compatibility)\n"
"      --json        print one JSON object with every reply and the summary\n"
"  -h, --help        this help\n"
"\n"
"Exit status: 0 at least one reply was received (with -c and -w: COUNT\n"
"replies before the deadline), 1 no reply, 2 usage or other error (such as\n"
"ICMP sockets not being allowed: the message names the sysctl to run).\n"
"\n"
"Examples:\n"
"  wanscope ping -c 3 192.0.2.1\n"
"  wanscope ping -6 -i 0.2 -s 1400 -w 5 2001:db8::1\n"
"  wanscope ping -c 1 -t 2 192.0.2.1     # who is hop 2?\n");
}

int ping_parse_args(int argc, char **argv, struct ping_opts *o)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->interval_ms = 1000;
	o->size = 56;
	o->timeout_ms = 10000;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "46c:i:s:t:W:w:I:qnh", lo, NULL)) != -1) {
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'c':
			if (opt_u64("ping: -c", optarg, 1, UINT32_MAX, &o->count) < 0)
				return -1;
			break;
		case 'i':
			if (opt_duration_ms("ping: -i", optarg, &o->interval_ms) < 0)
				return -1;
			/* iputils' floor for users: no accidental floods. */
			if (o->interval_ms < 2) {
				fprintf(stderr, "wanscope: ping: -i: '%s' is below 0.002 s\n",
					optarg);
				return -1;
			}
			break;
		case 's':
			if (opt_u32("ping: -s", optarg, 0, ICMPSOCK_MAX_PAYLOAD, &o->size) < 0)
				return -1;
			break;
		case 't':
			if (opt_u32("ping: -t", optarg, 1, 255, &o->ttl) < 0)
				return -1;
			break;
		case 'W':
			if (opt_duration_ms("ping: -W", optarg, &o->timeout_ms) < 0)
				return -1;
			break;
		case 'w':
			if (opt_duration_ms("ping: -w", optarg, &o->deadline_ms) < 0)
				return -1;
			if (!o->deadline_ms) {
				fprintf(stderr, "wanscope: ping: -w: the deadline must be > 0\n");
				return -1;
			}
			break;
		case 'I':
			o->source = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'n':
			o->numeric = true;
			break;
		case 'J':
			o->json = true;
			break;
		case 'h':
			ping_usage(stdout);
			return 1;
		default:
			if (optopt && strchr("ciIstWw", optopt))
				fprintf(stderr, "wanscope: ping: -%c needs a value\n", optopt);
			else if (optopt)
				fprintf(stderr, "wanscope: ping: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "wanscope: ping: unknown option %s\n",
					argv[optind - 1]);
			fprintf(stderr, "Try 'wanscope ping --help'.\n");
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "wanscope: ping: %s\nTry 'wanscope ping --help'.\n",
			optind >= argc ? "missing HOST" : "more than one HOST given");
		return -1;
	}
	o->host = argv[optind];
	return 0;
}

static double ms_between(int64_t a_ns, int64_t b_ns)
{
	return (double)(b_ns - a_ns) / 1e6;
}

static void ping_keep(struct ping *p, const struct icmpsock_msg *m, bool error, double rtt)
{
	struct ping_ev *e;

	if (!p->o.json)
		return;
	if (p->nev >= PING_JSON_MAX) {
		p->ev_dropped++;
		return;
	}
	if (!p->evs) {
		p->evs = calloc(PING_JSON_MAX, sizeof(*p->evs));
		if (!p->evs) {
			p->ev_dropped++;
			return;
		}
	}
	e = &p->evs[p->nev++];
	e->seq = m->seq;
	e->error = error;
	e->ttl = m->ttl;
	e->rtt_ms = rtt;
	e->m = *m;
	e->m.buf = NULL;
}

static void ping_on_reply(struct ping *p, struct icmpsock_msg *m)
{
	char from[IP_ADDR_STRLEN], t[32];
	int64_t sent = p->sent_ns[m->seq];
	bool dup;
	double rtt;

	if (!sent)
		return;	/* not ours (a stale reply from before this run) */
	dup = p->seen[m->seq] == 1;
	rtt = ms_between(sent, m->rx_ns);
	if (rtt < 0)
		rtt = 0;
	if (dup) {
		p->ndup++;
	} else {
		if (!p->seen[m->seq])
			p->outstanding--;
		p->seen[m->seq] = 1;
		p->nrx++;
		rtt_add(&p->rtt, rtt);
		ping_keep(p, m, false, rtt);
	}
	if (p->o.quiet || p->o.json)
		return;
	ip_addr_fmt(&m->from, from);
	printf("%zu bytes from %s: icmp_seq=%u", m->len + 8, from, m->seq);
	if (m->ttl >= 0)
		printf(" ttl=%d", m->ttl);
	printf(" time=%s ms%s\n", rtt_fmt(rtt, t, sizeof(t)), dup ? " (DUP!)" : "");
	fflush(stdout);
}

/* The words iputils ping uses, so output reads (and greps) the same. */
static const char *ping_err_text(int family, const struct icmpsock_msg *m, char *buf,
				 size_t len)
{
	static const char *const v4u[16] = {
		"Destination Net Unreachable", "Destination Host Unreachable",
		"Destination Protocol Unreachable", "Destination Port Unreachable",
		NULL, "Source Route Failed", "Destination Net Unknown",
		"Destination Host Unknown", "Source Host Isolated",
		"Destination Net Prohibited", "Destination Host Prohibited",
		"Destination Net Unreachable for Type of Service",
		"Destination Host Unreachable for Type of Service", "Packet filtered",
		"Precedence Violation", "Precedence Cutoff",
	};
	static const char *const v6u[8] = {
		"No route", "Administratively prohibited", "Beyond scope of source address",
		"Address unreachable", "Port unreachable", "Source address failed ingress/egress policy",
		"Reject route to destination", "Error in source routing header",
	};

	switch (m->kind) {
	case ICMPSOCK_TIME_EXCEEDED:
		if (family == AF_INET)
			return m->code ? "Frag reassembly time exceeded" : "Time to live exceeded";
		return m->code ? "Time exceeded: Defrag" : "Time exceeded: Hop limit";
	case ICMPSOCK_UNREACH:
		if (family == AF_INET && m->code < 16 && v4u[m->code])
			return v4u[m->code];
		if (family == AF_INET6 && m->code < 8) {
			snprintf(buf, len, "Destination unreachable: %s", v6u[m->code]);
			return buf;
		}
		break;
	case ICMPSOCK_PKT_TOO_BIG:
		snprintf(buf, len, family == AF_INET ? "Frag needed and DF set (mtu = %u)" :
			 "Packet too big: mtu=%u", m->info);
		return buf;
	case ICMPSOCK_PARAM_PROB:
		return "Parameter problem";
	default:
		break;
	}
	return icmpsock_describe(family, m, false, buf, len);
}

static void ping_on_error(struct ping *p, struct icmpsock_msg *m)
{
	char from[IP_ADDR_STRLEN], d[64];
	const char *what;

	if (m->kind != ICMPSOCK_LOCAL_ERR && !p->sent_ns[m->seq])
		return;
	if (m->kind != ICMPSOCK_LOCAL_ERR && !p->seen[m->seq]) {
		/* An error answers the request: it is no longer outstanding. */
		p->seen[m->seq] = 2;
		p->outstanding--;
	}
	p->nerr++;
	ping_keep(p, m, true, 0);
	if (p->o.quiet || p->o.json)
		return;
	what = ping_err_text(p->s.family, m, d, sizeof(d));
	ip_addr_fmt(&m->from, from);
	printf("From %s icmp_seq=%u %s\n", from, m->seq, what);
	fflush(stdout);
}

static int ping_drain(struct ping *p)
{
	struct icmpsock_msg m[ICMPSOCK_BATCH];
	int n, i, total = 0;
	size_t cap = p->o.size;

	do {
		for (i = 0; i < ICMPSOCK_BATCH; i++) {
			m[i].buf = p->rxbuf + (size_t)i * cap;
			m[i].cap = cap;
		}
		n = icmpsock_recv(&p->s, m, ICMPSOCK_BATCH);
		for (i = 0; i < n; i++)
			ping_on_reply(p, &m[i]);
		if (n > 0)
			total += n;
	} while (n == ICMPSOCK_BATCH);
	do {
		for (i = 0; i < ICMPSOCK_BATCH; i++) {
			m[i].buf = NULL;
			m[i].cap = 0;
		}
		n = icmpsock_recv_err(&p->s, m, ICMPSOCK_BATCH);
		for (i = 0; i < n; i++)
			ping_on_error(p, &m[i]);
	} while (n == ICMPSOCK_BATCH);
	return total;
}

static int ping_send_one(struct ping *p)
{
	struct icmpsock_tx tx = {
		.dst = p->dst,
		.seq = (uint16_t)(p->ntx + 1),
		.ttl = (int)p->o.ttl,
		.payload = p->payload,
		.len = p->o.size,
	};
	int r;

	/* Forget the request that used this sequence 65536 sends ago. */
	p->sent_ns[tx.seq] = 0;
	if (p->seen[tx.seq] == 0 && p->ntx >= SEQ_SPACE && p->outstanding)
		p->outstanding--;
	p->seen[tx.seq] = 0;
	r = icmpsock_send(&p->s, &tx, 1);
	p->ntx++;
	p->last_tx_ns = icmptool_now_ns();
	if (r < 0) {
		p->nerr++;
		if (!p->o.quiet && !p->o.json)
			printf("ping: sendmsg: %s\n", strerror(-r));
		p->send_failed = true;
		return r;
	}
	p->sent_ns[tx.seq] = tx.sent_ns;
	p->outstanding++;
	return 0;
}

static void ping_summary(struct ping *p, int64_t elapsed_ns)
{
	char loss[32];
	long long ms = elapsed_ns / 1000000;

	loss_fmt(p->ntx, p->nrx, loss, sizeof(loss));
	printf("\n--- %s ping statistics ---\n", p->o.host);
	printf("%llu packets transmitted, %llu received", (unsigned long long)p->ntx,
	       (unsigned long long)p->nrx);
	if (p->ndup)
		printf(", +%llu duplicates", (unsigned long long)p->ndup);
	if (p->nerr)
		printf(", +%llu errors", (unsigned long long)p->nerr);
	printf(", %s%% packet loss, time %lldms\n", loss, ms);
	if (p->nrx)
		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->rtt.min,
		       p->rtt.mean, p->rtt.max, rtt_mdev(&p->rtt));
}

static void json_addr(struct wbuf *b, const char *key, const struct ip_addr *a)
{
	char s[IP_ADDR_STRLEN];
	size_t n = ip_addr_fmt(a, s);

	wbuf_printf(b, "\"%s\":", key);
	if (n)
		wbuf_put_json_str(b, s, n);
	else
		wbuf_puts_lit(b, "null");
}

static void ping_json(struct ping *p, int64_t elapsed_ns)
{
	struct wbuf b;
	char d[64];
	size_t i;

	if (wbuf_init(&b, 4096, (size_t)1 << 30) < 0)
		return;
	wbuf_puts_lit(&b, "{\"host\":");
	wbuf_put_json_str(&b, p->o.host, strlen(p->o.host));
	wbuf_putc(&b, ',');
	json_addr(&b, "address", &p->dst);
	wbuf_printf(&b, ",\"family\":%d,\"size\":%u,\"transmitted\":%llu,\"received\":%llu,"
		    "\"duplicates\":%llu,\"errors\":%llu,\"loss_pct\":%.3f,\"time_ms\":%lld",
		    p->s.family == AF_INET ? 4 : 6, p->o.size, (unsigned long long)p->ntx,
		    (unsigned long long)p->nrx, (unsigned long long)p->ndup,
		    (unsigned long long)p->nerr,
		    p->ntx ? 100.0 * (double)(p->ntx - (p->nrx < p->ntx ? p->nrx : p->ntx)) /
				     (double)p->ntx : 0.0,
		    (long long)(elapsed_ns / 1000000));
	if (p->nrx)
		wbuf_printf(&b, ",\"rtt_ms\":{\"min\":%.3f,\"avg\":%.3f,\"max\":%.3f,\"mdev\":%.3f}",
			    p->rtt.min, p->rtt.mean, p->rtt.max, rtt_mdev(&p->rtt));
	wbuf_puts_lit(&b, ",\"events\":[");
	for (i = 0; i < p->nev; i++) {
		struct ping_ev *e = &p->evs[i];

		if (i)
			wbuf_putc(&b, ',');
		wbuf_printf(&b, "{\"seq\":%u,\"type\":", e->seq);
		if (!e->error) {
			wbuf_puts_lit(&b, "\"reply\",");
			json_addr(&b, "from", &e->m.from);
			wbuf_printf(&b, ",\"ttl\":%d,\"time_ms\":%.3f}", e->ttl, e->rtt_ms);
		} else {
			const char *what = icmpsock_describe(p->s.family, &e->m, false, d,
							     sizeof(d));

			wbuf_puts_lit(&b, "\"error\",");
			json_addr(&b, "from", &e->m.from);
			wbuf_puts_lit(&b, ",\"error\":");
			wbuf_put_json_str(&b, what, strlen(what));
			wbuf_printf(&b, ",\"icmp_type\":%u,\"icmp_code\":%u}", e->m.type,
				    e->m.code);
		}
	}
	wbuf_printf(&b, "],\"events_dropped\":%llu}\n", (unsigned long long)p->ev_dropped);
	wbuf_flush(&b, stdout);
	wbuf_free(&b);
}

/* Returns the exit status. */
static int ping_run(struct ping *p)
{
	int64_t next_tx, deadline = 0, linger_end, now;
	int ev;

	p->start_ns = icmptool_now_ns();
	if (p->o.deadline_ms)
		deadline = p->start_ns + (int64_t)p->o.deadline_ms * 1000000;
	next_tx = p->start_ns;
	for (;;) {
		int64_t wake;

		now = icmptool_now_ns();
		if (deadline && now >= deadline)
			break;
		if ((!p->o.count || p->ntx < p->o.count) && now >= next_tx) {
			ping_send_one(p);
			next_tx += (int64_t)p->o.interval_ms * 1000000;
			if (next_tx < now)
				next_tx = now;
			continue;
		}
		if (p->o.count && p->ntx >= p->o.count) {
			if (!p->outstanding)
				break;
			linger_end = p->last_tx_ns + (int64_t)p->o.timeout_ms * 1000000;
			if (now >= linger_end)
				break;
			wake = linger_end;
		} else {
			wake = next_tx;
		}
		if (deadline && deadline < wake)
			wake = deadline;
		ev = icmptool_loop_wait(&p->loop, wake);
		if (ev < 0) {
			fprintf(stderr, "wanscope: ping: %s\n", strerror(-ev));
			return EXIT_USAGE;
		}
		if (ev & ICMPTOOL_EV_SOCK)
			ping_drain(p);
		if (ev & ICMPTOOL_EV_SIGNAL)
			break;
		/* With a deadline ping stops as soon as COUNT replies are in. */
		if (deadline && p->o.count && p->nrx >= p->o.count)
			break;
	}
	ping_drain(p);
	now = icmptool_now_ns();
	if (p->o.json)
		ping_json(p, now - p->start_ns);
	else
		ping_summary(p, now - p->start_ns);
	if (!p->nrx)
		return EXIT_FAIL;
	if (p->o.count && p->o.deadline_ms && p->nrx < p->o.count)
		return EXIT_FAIL;
	return EXIT_OK;
}

static void ping_free(struct ping *p)
{
	icmptool_loop_close(&p->loop);
	icmpsock_close(&p->s);
	free(p->payload);
	free(p->rxbuf);
	free(p->sent_ns);
	free(p->seen);
	free(p->evs);
}

int ping_main(int argc, char **argv)
{
	struct ping p;
	struct ip_addr src = { 0 };
	int r, family;
	uint32_t i;

	memset(&p, 0, sizeof(p));
	p.s.fd = p.loop.ep = p.loop.tfd = -1;
	r = ping_parse_args(argc, argv, &p.o);
	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (icmpsock_resolve("ping", p.o.host, p.o.family, &p.dst) < 0)
		return EXIT_USAGE;
	family = p.dst.family == 4 ? AF_INET : AF_INET6;
	if (p.o.source && (ip_addr_parse(p.o.source, &src) < 0 || src.family != p.dst.family)) {
		fprintf(stderr, "wanscope: ping: -I: '%s' is not an IPv%d address\n",
			p.o.source, p.dst.family);
		return EXIT_USAGE;
	}
	if (icmptool_open("ping", &p.s, family, &src) < 0)
		return EXIT_USAGE;
	p.payload = malloc(p.o.size ? p.o.size : 1);
	p.rxbuf = malloc((size_t)ICMPSOCK_BATCH * (p.o.size ? p.o.size : 1));
	p.sent_ns = calloc(SEQ_SPACE, sizeof(*p.sent_ns));
	p.seen = calloc(SEQ_SPACE, 1);
	if (!p.payload || !p.rxbuf || !p.sent_ns || !p.seen) {
		fprintf(stderr, "wanscope: ping: out of memory\n");
		ping_free(&p);
		return EXIT_USAGE;
	}
	for (i = 0; i < p.o.size; i++)
		p.payload[i] = (uint8_t)(0x10 + i);
	r = icmptool_loop_init(&p.loop, p.s.fd, -1);
	if (r < 0) {
		fprintf(stderr, "wanscope: ping: %s\n", strerror(-r));
		ping_free(&p);
		return EXIT_USAGE;
	}
	ip_addr_fmt(&p.dst, p.dst_str);
	if (!p.o.json) {
		if (family == AF_INET)
			printf("PING %s (%s) %u(%u) bytes of data.\n", p.o.host, p.dst_str,
			       p.o.size, p.o.size + 28);
		else
			printf("PING %s(%s) %u data bytes\n", p.o.host, p.dst_str, p.o.size);
		fflush(stdout);
	}
	r = ping_run(&p);
	ping_free(&p);
	return r;
}
