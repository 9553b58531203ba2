/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mtr.c - wanscope mtr: traceroute and ping combined, continuously;
 * --report like mtr's report, a live full-screen view, --json
 *
 * Each round (every -i seconds) sends one echo request per TTL, from the
 * first TTL to the destination's (max TTL until it has answered). The
 * sequence number names the probe: a table indexed by sequence holds its
 * TTL and send time, and a ring in send order expires unanswered probes
 * after --timeout, so only answered or expired probes count in Snt and
 * probes in flight never show as loss. The lowest TTL at which the
 * destination answers becomes the last hop; hops beyond it are forgotten.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "icmp/icmptool.h"
#include "lib/opt.h"
#include "lib/wbuf.h"
#include "subcommands.h"

#define SEQ_SPACE 65536
#define MTR_MAX_TTL 255

struct mprobe {
	int64_t sent_real;
	int64_t sent_mono;
	uint8_t ttl;
	bool pending;
};

struct mtr {
	struct mtr_opts o;
	struct icmpsock s;
	struct icmptool_loop loop;
	struct ip_addr dst;
	char dst_str[IP_ADDR_STRLEN];
	struct mtr_hop hop[MTR_MAX_TTL + 1];	/* by TTL */
	unsigned dest_ttl;		/* 0 = not reached yet */
	struct mprobe *pr;		/* by sequence */
	uint16_t *ring;			/* sequences in send order */
	uint32_t ring_head, ring_tail;	/* free-running */
	uint16_t next_seq;
	uint64_t rounds;
	uint8_t *payload;
	bool live;
	bool tty_raw;
	struct termios tty_saved;
	time_t start;
};

static void mtr_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope mtr [-4|-6] [-r] [-c COUNT] [-i INTERVAL] [-f FIRST_TTL]\n"
"                    [-m MAX_TTL] [-s SIZE] [-a SOURCE] [-Z TIMEOUT] [-w]\n"
"                    [--resolve] [--json] HOST\n"
"\n"
"Trace the path to HOST and keep probing every hop, showing loss and round\n"
"trip times per hop like mtr. Works without privileges through ICMP\n"
"datagram sockets (net.ipv4.ping_group_range must contain one of the\n"
"caller's groups; raw sockets are used with CAP_NET_RAW).\n"
"\n"
"On a terminal it shows a live full-screen view, redrawn every second\n"
"(q quits). With --report (or when standard output is not a terminal) it\n"
"runs COUNT rounds and prints mtr's report:\n"
"  HOST: client        Loss%%   Snt   Last   Avg  Best  Wrst StDev\n"
"    1.|-- 192.0.2.1    0.0%%    10    0.3   0.3   0.2   0.4   0.1\n"
"Loss%% counts probes answered or timed out; StDev is the sample standard\n"
"deviation; times are in milliseconds. A hop that never answered shows as ???.\n"
"\n"
"Options:\n"
"  -4, -6              use IPv4 / IPv6 (default: as HOST resolves, IPv4 first)\n"
"  -r, --report        report mode: COUNT rounds, then the table\n"
"  -c, --report-cycles COUNT  rounds to run (default 10; live view: until q)\n"
"  -i, --interval S    seconds between rounds (default 1)\n"
"  -f, --first-ttl N   first TTL (default 1)\n"
"  -m, --max-ttl N     largest TTL (default 30, at most 255)\n"
"  -s, --psize BYTES   echo payload bytes (default 36; 64-byte IPv4 packets)\n"
"  -a, --address ADDR  source address\n"
"  -Z, --timeout S     a probe unanswered this long is lost (default 2)\n"
"  -w, --report-wide   do not shorten host names in the report\n"
"  -n, --no-dns        numeric addresses (the default)\n"
"      --resolve       show reverse-DNS names\n"
"  -j, --json          print the report as JSON (mtr's layout: report.hubs[])\n"
"  -t, --live          the live view even if COUNT is given\n"
"  -h, --help          this help\n"
"\n"
"Exit status: 0 the destination answered, 1 it did not, 2 usage or other\n"
"error (such as ICMP sockets not being allowed: the message names the\n"
"sysctl to run).\n"
"\n"
"Examples:\n"
"  wanscope mtr 192.0.2.1\n"
"  wanscope mtr -r -c 20 -i 0.2 192.0.2.1\n"
"  wanscope mtr -6 --json -c 5 2001:db8::1\n");
}

int mtr_parse_args(int argc, char **argv, struct mtr_opts *o)
{
	static const struct option lo[] = {
		{ "report", no_argument, NULL, 'r' },
		{ "report-cycles", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "first-ttl", required_argument, NULL, 'f' },
		{ "max-ttl", required_argument, NULL, 'm' },
		{ "psize", required_argument, NULL, 's' },
		{ "address", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 'Z' },
		{ "report-wide", no_argument, NULL, 'w' },
		{ "no-dns", no_argument, NULL, 'n' },
		{ "resolve", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "live", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool live = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->cycles = 10;
	o->interval_ms = 1000;
	o->first_ttl = 1;
	o->max_ttl = 30;
	o->size = 36;
	o->timeout_ms = 2000;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "46rc:i:f:m:s:a:Z:wnjth", lo, NULL)) != -1) {
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'r':
			o->report = true;
			break;
		case 'c':
			if (opt_u64("mtr: -c", optarg, 1, 1000000, &o->cycles) < 0)
				return -1;
			o->cycles_set = true;
			break;
		case 'i':
			if (opt_duration_ms("mtr: -i", optarg, &o->interval_ms) < 0)
				return -1;
			if (o->interval_ms < 10) {
				fprintf(stderr, "wanscope: mtr: -i: '%s' is below 0.01 s\n", optarg);
				return -1;
			}
			break;
		case 'f':
			if (opt_u32("mtr: -f", optarg, 1, MTR_MAX_TTL, &o->first_ttl) < 0)
				return -1;
			break;
		case 'm':
			if (opt_u32("mtr: -m", optarg, 1, MTR_MAX_TTL, &o->max_ttl) < 0)
				return -1;
			break;
		case 's':
			if (opt_u32("mtr: -s", optarg, 0, 65000, &o->size) < 0)
				return -1;
			break;
		case 'a':
			o->source = optarg;
			break;
		case 'Z':
			if (opt_duration_ms("mtr: -Z", optarg, &o->timeout_ms) < 0)
				return -1;
			if (!o->timeout_ms)
				o->timeout_ms = 1;
			break;
		case 'w':
			o->wide = true;
			break;
		case 'n':
			o->resolve = false;
			break;
		case 'R':
			o->resolve = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 't':
			live = true;
			break;
		case 'h':
			mtr_usage(stdout);
			return 1;
		default:
			if (optopt && strchr("cifmsaZ", optopt))
				fprintf(stderr, "wanscope: mtr: -%c needs a value\n", optopt);
			else if (optopt)
				fprintf(stderr, "wanscope: mtr: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "wanscope: mtr: unknown option %s\n",
					argv[optind - 1]);
			fprintf(stderr, "Try 'wanscope mtr --help'.\n");
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "wanscope: mtr: %s\nTry 'wanscope mtr --help'.\n",
			optind >= argc ? "missing HOST" : "more than one HOST given");
		return -1;
	}
	if (o->first_ttl > o->max_ttl) {
		fprintf(stderr, "wanscope: mtr: -f %u is greater than -m %u\n", o->first_ttl,
			o->max_ttl);
		return -1;
	}
	o->live = live;
	o->host = argv[optind];
	return 0;
}

double mtr_loss(const struct mtr_hop *h)
{
	if (!h->sent)
		return 0;
	return 100.0 * (double)(h->sent - h->recvd) / (double)h->sent;
}

size_t mtr_fmt_row(unsigned ttl, const struct mtr_hop *h, const char *name, int width,
		   char *buf, size_t len)
{
	int n;

	if (!h->recvd)
		n = snprintf(buf, len, "%3u.|-- %-*s %5.1f%% %5llu %6.1f %5.1f %5.1f %5.1f %5.1f",
			     ttl, width, "???", mtr_loss(h), (unsigned long long)h->sent,
			     0.0, 0.0, 0.0, 0.0, 0.0);
	else
		n = snprintf(buf, len, "%3u.|-- %-*.*s %5.1f%% %5llu %6.1f %5.1f %5.1f %5.1f %5.1f",
			     ttl, width, width, name, mtr_loss(h), (unsigned long long)h->sent,
			     h->rtt.last, h->rtt.mean, h->rtt.min, h->rtt.max,
			     rtt_stddev(&h->rtt));
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : (len ? len - 1 : 0);
}

/* ---- Engine ---- */

static unsigned mtr_top(const struct mtr *m)
{
	unsigned t, top = m->o.first_ttl;

	if (m->dest_ttl)
		return m->dest_ttl;
	/* Not reached: up to one hop past the last that answered. */
	for (t = m->o.first_ttl; t <= m->o.max_ttl; t++)
		if (m->hop[t].recvd)
			top = t + 1;
	return top > m->o.max_ttl ? m->o.max_ttl : top;
}

static void hop_note_addr(struct mtr_hop *h, const struct ip_addr *a)
{
	unsigned i;

	if (!ip_addr_is_set(&h->addr)) {
		h->addr = *a;
		return;
	}
	if (ip_addr_eq(&h->addr, a))
		return;
	for (i = 0; i < h->nalt; i++)
		if (ip_addr_eq(&h->alt[i], &h->addr))
			break;
	if (i == h->nalt && h->nalt < sizeof(h->alt) / sizeof(h->alt[0]))
		h->alt[h->nalt++] = h->addr;
	h->addr = *a;
}

static void mtr_reached(struct mtr *m, unsigned ttl)
{
	unsigned t;

	if (m->dest_ttl && m->dest_ttl <= ttl)
		return;
	m->dest_ttl = ttl;
	for (t = ttl + 1; t <= MTR_MAX_TTL; t++)
		memset(&m->hop[t], 0, sizeof(m->hop[t]));
}

static void mtr_answer(struct mtr *m, const struct icmpsock_msg *msg)
{
	struct mprobe *p = &m->pr[msg->seq];
	struct mtr_hop *h;
	double rtt;

	if (!p->pending)
		return;
	p->pending = false;
	if (m->dest_ttl && p->ttl > m->dest_ttl)
		return;
	h = &m->hop[p->ttl];
	rtt = (double)(msg->rx_ns - p->sent_real) / 1e6;
	h->sent++;
	h->recvd++;
	rtt_add(&h->rtt, rtt < 0 ? 0 : rtt);
	hop_note_addr(h, &msg->from);
	h->last_kind = msg->kind;
	h->last_code = msg->code;
	if (msg->kind != ICMPSOCK_TIME_EXCEEDED) {
		h->final = true;
		mtr_reached(m, p->ttl);
	}
}

static void mtr_drain(struct mtr *m)
{
	struct icmpsock_msg msg[ICMPSOCK_BATCH];
	int n, i;

	do {
		for (i = 0; i < ICMPSOCK_BATCH; i++) {
			msg[i].buf = NULL;
			msg[i].cap = 0;
		}
		n = icmpsock_recv(&m->s, msg, ICMPSOCK_BATCH);
		for (i = 0; i < n; i++)
			mtr_answer(m, &msg[i]);
	} while (n == ICMPSOCK_BATCH);
	do {
		n = icmpsock_recv_err(&m->s, msg, ICMPSOCK_BATCH);
		for (i = 0; i < n; i++)
			if (msg[i].kind != ICMPSOCK_LOCAL_ERR)
				mtr_answer(m, &msg[i]);
	} while (n == ICMPSOCK_BATCH);
}

/* Expire unanswered probes; return the next expiry time (0 = none pending). */
static int64_t mtr_expire(struct mtr *m, int64_t now)
{
	int64_t to = (int64_t)m->o.timeout_ms * 1000000;

	while (m->ring_head != m->ring_tail) {
		struct mprobe *p = &m->pr[m->ring[m->ring_head % SEQ_SPACE]];

		if (!p->pending) {
			m->ring_head++;
			continue;
		}
		if (now < p->sent_mono + to)
			return p->sent_mono + to;
		p->pending = false;
		if (!m->dest_ttl || p->ttl <= m->dest_ttl)
			m->hop[p->ttl].sent++;
		m->ring_head++;
	}
	return 0;
}

static uint64_t mtr_pending(const struct mtr *m)
{
	return m->ring_tail - m->ring_head;
}

/* One round: a probe per TTL. Return: 0, or -errno when nothing was sent. */
static int mtr_round(struct mtr *m)
{
	struct icmpsock_tx tx[ICMPSOCK_BATCH];
	unsigned top = m->dest_ttl ? m->dest_ttl : m->o.max_ttl, ttl = m->o.first_ttl;
	int r;

	m->rounds++;
	while (ttl <= top) {
		unsigned k = 0, i;

		for (; ttl <= top && k < ICMPSOCK_BATCH; ttl++, k++) {
			uint16_t seq;

			/* A full ring means 65536 probes in flight: drop the oldest. */
			if (mtr_pending(m) >= SEQ_SPACE - 1) {
				m->pr[m->ring[m->ring_head % SEQ_SPACE]].pending = false;
				m->ring_head++;
			}
			seq = ++m->next_seq;
			if (!seq)
				seq = ++m->next_seq;
			memset(&tx[k], 0, sizeof(tx[k]));
			tx[k].dst = m->dst;
			tx[k].seq = seq;
			tx[k].ttl = (int)ttl;
			tx[k].payload = m->payload;
			tx[k].len = m->o.size;
		}
		r = icmpsock_send(&m->s, tx, k);
		if (r < 0)
			return r;
		for (i = 0; i < (unsigned)r; i++) {
			struct mprobe *p = &m->pr[tx[i].seq];

			p->sent_real = tx[i].sent_ns;
			p->sent_mono = icmptool_now_ns();
			p->ttl = (uint8_t)tx[i].ttl;
			p->pending = true;
			m->ring[m->ring_tail++ % SEQ_SPACE] = tx[i].seq;
		}
	}
	return 0;
}

/* ---- Output ---- */

static void hop_name(const struct mtr *m, const struct mtr_hop *h, char *buf, size_t len)
{
	icmptool_addr_str(&h->addr, m->o.resolve, buf, len);
}

static int name_width(const struct mtr *m, unsigned top)
{
	char name[300];
	int w = 25;
	unsigned t;

	if (!m->o.wide)
		return w;
	for (t = m->o.first_ttl; t <= top; t++) {
		hop_name(m, &m->hop[t], name, sizeof(name));
		if ((int)strlen(name) > w)
			w = (int)strlen(name);
	}
	return w;
}

static void mtr_report(struct mtr *m, FILE *f)
{
	char host[256], start[64], row[600], name[300];
	unsigned top = mtr_top(m), t, i;
	int w = name_width(m, top);
	struct tm tm;

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = 0;
	gmtime_r(&m->start, &tm);
	strftime(start, sizeof(start), "%Y-%m-%dT%H:%M:%S+0000", &tm);
	fprintf(f, "Start: %s\n", start);
	fprintf(f, "HOST: %-*.*s %6s %5s %6s %5s %5s %5s %5s\n", w + 2, w + 2, host, "Loss%",
		"Snt", "Last", "Avg", "Best", "Wrst", "StDev");
	for (t = m->o.first_ttl; t <= top; t++) {
		const struct mtr_hop *h = &m->hop[t];

		hop_name(m, h, name, sizeof(name));
		mtr_fmt_row(t, h, name, w, row, sizeof(row));
		fprintf(f, "%s\n", row);
		for (i = 0; i < h->nalt; i++) {
			icmptool_addr_str(&h->alt[i], m->o.resolve, name, sizeof(name));
			fprintf(f, "    |  `|-- %s\n", name);
		}
	}
}

static void mtr_json(struct mtr *m)
{
	char name[300], src[IP_ADDR_STRLEN] = "";
	unsigned top = mtr_top(m), t, i;
	struct ip_addr sa;
	struct wbuf b;

	if (wbuf_init(&b, 4096, (size_t)16 << 20) < 0)
		return;
	if (icmpsock_pick_source(&m->dst, &sa) == 0)
		ip_addr_fmt(&sa, src);
	wbuf_puts_lit(&b, "{\"report\":{\"mtr\":{\"src\":");
	wbuf_put_json_str(&b, src, strlen(src));
	wbuf_puts_lit(&b, ",\"dst\":");
	wbuf_put_json_str(&b, m->o.host, strlen(m->o.host));
	wbuf_puts_lit(&b, ",\"address\":");
	wbuf_put_json_str(&b, m->dst_str, strlen(m->dst_str));
	wbuf_printf(&b, ",\"psize\":%u,\"tests\":%llu,\"reached\":%s},\"hubs\":[",
		    m->o.size, (unsigned long long)m->rounds, m->dest_ttl ? "true" : "false");
	for (t = m->o.first_ttl; t <= top; t++) {
		const struct mtr_hop *h = &m->hop[t];

		if (t > m->o.first_ttl)
			wbuf_putc(&b, ',');
		if (h->recvd)
			hop_name(m, h, name, sizeof(name));
		else
			snprintf(name, sizeof(name), "???");
		wbuf_printf(&b, "{\"count\":%u,\"host\":", t);
		wbuf_put_json_str(&b, name, strlen(name));
		wbuf_printf(&b, ",\"Loss%%\":%.3f,\"Snt\":%llu,\"Rcv\":%llu,\"Last\":%.3f,"
			    "\"Avg\":%.3f,\"Best\":%.3f,\"Wrst\":%.3f,\"StDev\":%.3f",
			    mtr_loss(h), (unsigned long long)h->sent,
			    (unsigned long long)h->recvd, h->rtt.last, h->rtt.mean, h->rtt.min,
			    h->rtt.max, rtt_stddev(&h->rtt));
		if (h->nalt) {
			wbuf_puts_lit(&b, ",\"other_hosts\":[");
			for (i = 0; i < h->nalt; i++) {
				size_t n = ip_addr_fmt(&h->alt[i], name);

				if (i)
					wbuf_putc(&b, ',');
				wbuf_put_json_str(&b, name, n);
			}
			wbuf_putc(&b, ']');
		}
		wbuf_putc(&b, '}');
	}
	wbuf_puts_lit(&b, "]}}\n");
	wbuf_flush(&b, stdout);
	wbuf_free(&b);
}

/* The live view: plain ANSI escapes, one write per frame. */
static void mtr_draw(struct mtr *m)
{
	char host[256], row[600], name[300], now[32];
	unsigned top = mtr_top(m), t;
	time_t tnow = time(NULL);
	struct tm tm;
	struct wbuf b;
	int w = 30;

	if (wbuf_init(&b, 8192, (size_t)1 << 20) < 0)
		return;
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = 0;
	localtime_r(&tnow, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S%z", &tm);
	wbuf_puts_lit(&b, "\033[H\033[2J");
	wbuf_printf(&b, "\033[1mwanscope mtr\033[0m  %s -> %s (%s)   %s\n", host, m->o.host,
		    m->dst_str, now);
	wbuf_printf(&b, "Keys: \033[1mq\033[0muit   round %llu, every %.2f s%s\n\n",
		    (unsigned long long)m->rounds, (double)m->o.interval_ms / 1000,
		    m->dest_ttl ? "" : "   (destination not reached yet)");
	wbuf_printf(&b, "\033[1m%-*s %6s %5s %6s %5s %5s %5s %5s\033[0m\n", w + 5, " Host",
		    "Loss%", "Snt", "Last", "Avg", "Best", "Wrst", "StDev");
	for (t = m->o.first_ttl; t <= top; t++) {
		const struct mtr_hop *h = &m->hop[t];

		hop_name(m, h, name, sizeof(name));
		if (!h->recvd)
			wbuf_printf(&b, "%3u. %-*s %5.1f%% %5llu\n", t, w, "(waiting for reply)",
				    mtr_loss(h), (unsigned long long)h->sent);
		else {
			mtr_fmt_row(t, h, name, w, row, sizeof(row));
			/* The report prefix "  1.|-- " becomes "  1. " on screen. */
			wbuf_printf(&b, "%3u. %s\n", t, row + 8);
		}
	}
	wbuf_flush(&b, stdout);
	fflush(stdout);
	wbuf_free(&b);
}

static void tty_enter(struct mtr *m)
{
	struct termios t;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &m->tty_saved) == 0) {
		t = m->tty_saved;
		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
			m->tty_raw = true;
	}
	/* Alternate screen, hidden cursor. */
	fputs("\033[?1049h\033[?25l", stdout);
	fflush(stdout);
}

static void tty_leave(struct mtr *m)
{
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (m->tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &m->tty_saved);
}

/* Return: true when the user asked to quit. */
static bool mtr_keys(void)
{
	char c[64];
	ssize_t n = read(STDIN_FILENO, c, sizeof(c)), i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (c[i] == 'q' || c[i] == 'Q' || c[i] == 3)
			return true;
	return false;
}

static int mtr_run(struct mtr *m)
{
	int64_t next_round, next_draw = 0, step = (int64_t)m->o.interval_ms * 1000000;
	bool sending = true;
	int r, ev;

	next_round = icmptool_now_ns();
	for (;;) {
		int64_t now = icmptool_now_ns(), exp, wake;

		if (sending && now >= next_round) {
			r = mtr_round(m);
			if (r < 0) {
				if (m->live)
					tty_leave(m);
				fprintf(stderr, "wanscope: mtr: send to %s: %s\n", m->dst_str,
					strerror(-r));
				return EXIT_FAIL;
			}
			next_round += step;
			if (next_round < now)
				next_round = now + step;
			if ((!m->live || m->o.cycles_set) && m->rounds >= m->o.cycles)
				sending = false;
		}
		exp = mtr_expire(m, now);
		if (m->live && now >= next_draw) {
			mtr_draw(m);
			next_draw = now + 1000000000;
		}
		if (!sending && !mtr_pending(m))
			break;
		wake = sending ? next_round : 0;
		if (exp && (!wake || exp < wake))
			wake = exp;
		if (m->live && (!wake || next_draw < wake))
			wake = next_draw;
		ev = icmptool_loop_wait(&m->loop, wake);
		if (ev < 0) {
			if (m->live)
				tty_leave(m);
			fprintf(stderr, "wanscope: mtr: %s\n", strerror(-ev));
			return EXIT_USAGE;
		}
		if (ev & ICMPTOOL_EV_SOCK)
			mtr_drain(m);
		if (ev & ICMPTOOL_EV_SIGNAL)
			break;
		if ((ev & ICMPTOOL_EV_INPUT) && mtr_keys())
			break;
	}
	if (m->live)
		tty_leave(m);
	return EXIT_OK;
}

int mtr_main(int argc, char **argv)
{
	struct mtr *m;
	struct ip_addr src = { 0 };
	int r, family;

	m = calloc(1, sizeof(*m));
	if (!m) {
		fprintf(stderr, "wanscope: mtr: out of memory\n");
		return EXIT_USAGE;
	}
	m->s.fd = m->loop.ep = m->loop.tfd = -1;
	r = mtr_parse_args(argc, argv, &m->o);
	if (r) {
		free(m);
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	}
	r = EXIT_USAGE;
	if (icmpsock_resolve("mtr", m->o.host, m->o.family, &m->dst) < 0)
		goto out;
	family = m->dst.family == 4 ? AF_INET : AF_INET6;
	if (m->o.source && (ip_addr_parse(m->o.source, &src) < 0 ||
			    src.family != m->dst.family)) {
		fprintf(stderr, "wanscope: mtr: -a: '%s' is not an IPv%d address\n",
			m->o.source, m->dst.family);
		goto out;
	}
	ip_addr_fmt(&m->dst, m->dst_str);
	m->pr = calloc(SEQ_SPACE, sizeof(*m->pr));
	m->ring = calloc(SEQ_SPACE, sizeof(*m->ring));
	m->payload = calloc(1, m->o.size ? m->o.size : 1);
	if (!m->pr || !m->ring || !m->payload) {
		fprintf(stderr, "wanscope: mtr: out of memory\n");
		goto out;
	}
	if (icmptool_open("mtr", &m->s, family, &src) < 0)
		goto out;
	m->live = !m->o.report && !m->o.json && isatty(STDOUT_FILENO) &&
		  (m->o.live || !m->o.cycles_set);
	r = icmptool_loop_init(&m->loop, m->s.fd, m->live && isatty(STDIN_FILENO) ?
				STDIN_FILENO : -1);
	if (r < 0) {
		fprintf(stderr, "wanscope: mtr: %s\n", strerror(-r));
		r = EXIT_USAGE;
		goto out;
	}
	m->start = time(NULL);
	if (m->live)
		tty_enter(m);
	r = mtr_run(m);
	if (r == EXIT_OK) {
		if (m->o.json)
			mtr_json(m);
		else
			mtr_report(m, stdout);
		r = m->dest_ttl ? EXIT_OK : EXIT_FAIL;
	}
out:
	icmptool_loop_close(&m->loop);
	icmpsock_close(&m->s);
	free(m->pr);
	free(m->ring);
	free(m->payload);
	free(m);
	return r;
}
