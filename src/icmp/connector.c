/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * connector.c - `wanscope connector`: dial out to an edge, announce
 * private prefixes, proxy ICMP echo for its clients (unprivileged)
 *
 * Theory of operation
 *
 * The connector needs no inbound port, no root and no capabilities. It
 * keeps one QUIC (or DTLS) session to the edge (transport.c), reconnecting with
 * exponential backoff (0.5 s doubling to 30 s, with jitter) whenever the
 * session dies: the edge closed it, stayed silent for 10 s, refused the
 * port or failed authentication. Once up it announces its --route prefixes.
 *
 * Packets from the edge go to the echo NAT (icmpnat.c), which decides
 * per packet: send an echo through one of a few ICMP datagram sockets,
 * answer (time exceeded from us), or drop and count. Echoes are queued
 * per socket and sent with one sendmmsg per socket per loop pass; replies
 * are read with recvmmsg and errors from the socket error queue (EPOLLERR),
 * translated back by the NAT and returned to the edge in one batch of
 * QUIC packets or DTLS records (one sendmmsg).
 *
 * Permission: the sockets are "ping" sockets, allowed when the effective
 * or a supplementary group lies in net.ipv4.ping_group_range; otherwise a
 * raw socket if we have CAP_NET_RAW. When neither works the connector says
 * why, prints the exact sysctl to run and exits 1 -- or, with
 * --allow-no-icmp, stays up and answers echoes with "administratively
 * prohibited" so the path shows where it stops.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "icmp/icmpnat.h"
#include "icmp/icmppkt.h"
#include "icmp/icmpsock.h"
#include "icmp/proxy.h"
#include "icmp/transport.h"
#include "lib/log.h"
#include "lib/opt.h"
#include "lib/timeutil.h"
#include "pkt/pkt.h"
#include "subcommands.h"

#define CONN_TICK_MS 100
#define CONN_BACKOFF_MIN 500
#define CONN_BACKOFF_MAX 30000

/* Event references: type in the high bits, socket index in the low. */
enum conn_ev { EV_UDP = 1, EV_TIMER, EV_SIGNAL, EV_ICMP, EV_QTIMER };
#define EV_REF(type, fam, idx) ((uint32_t)(type) << 24 | (uint32_t)(fam) << 16 | (idx))

/* Echoes waiting for one socket's sendmmsg. */
struct conn_txq {
	unsigned n;
	struct icmpsock_tx tx[ICMPSOCK_BATCH];
	struct nat_tx ntx[ICMPSOCK_BATCH];
	uint8_t buf[ICMPSOCK_BATCH][TP_MAX_MSG];
};

struct conn_stats {
	uint64_t sessions_up, sessions_lost, to_edge, from_edge, not_up_drops;
	uint64_t handshakes_failed, to_edge_failed;
	uint64_t bad_messages, icmp_rx_errors;
};

struct connector {
	struct tp_creds creds;
	struct tp_io io;
	struct tp_peer peer;
	bool have_peer;
	struct sockaddr_storage edge;
	socklen_t edge_len;
	const char *edge_name;
	struct ip_prefix routes[TP_MAX_PREFIXES];
	unsigned nroutes;
	struct nat nat;
	struct icmpsock socks[2][NAT_MAX_SOCKS];
	struct conn_txq *txq[2][NAT_MAX_SOCKS];
	int epfd, tfd, sfd, qfd;	/* qfd: the session's own timers */
	uint64_t qarmed;
	uint64_t backoff_ms, reconnect_at;
	const char *stats_file;
	uint64_t next_stats_ms;
	struct conn_stats st;
	struct log_rl rl;
	uint8_t out[TP_MAX_MSG + 64];	/* [0] = message type */
	uint8_t rxbuf[ICMPSOCK_BATCH][TP_MAX_MSG];
	bool quit;
};

static int fam_af(unsigned fam)
{
	return fam == NAT_FAM_V4 ? AF_INET : AF_INET6;
}

/* ---- statistics ---- */

static void conn_stats_print(const struct connector *c, FILE *f)
{
	fprintf(f, "session_up %d\nsessions_up %llu\nsessions_lost %llu\n"
		"handshakes_failed %llu\n"
		"to_edge %llu\nfrom_edge %llu\ndrop_session_down %llu\n"
		"drop_bad_message %llu\nicmp_socket_errors %llu\n"
		"drop_send_to_edge %llu\nsession_tx_blocked %llu\nsession_rx_bad %llu\n",
		c->have_peer && c->peer.state == TP_UP,
		(unsigned long long)c->st.sessions_up,
		(unsigned long long)c->st.sessions_lost,
		(unsigned long long)c->st.handshakes_failed, (unsigned long long)c->st.to_edge,
		(unsigned long long)c->st.from_edge, (unsigned long long)c->st.not_up_drops,
		(unsigned long long)c->st.bad_messages,
		(unsigned long long)c->st.icmp_rx_errors,
		(unsigned long long)c->st.to_edge_failed,
		(unsigned long long)(c->have_peer ? c->peer.tx_blocked : 0),
		(unsigned long long)(c->have_peer ? c->peer.rx_bad : 0));
	nat_stats_print(&c->nat, f, false);
}

static void conn_stats_fn(const void *ctx, FILE *f)
{
	conn_stats_print(ctx, f);
}

/* ---- to the edge ---- */

static void conn_to_edge(struct connector *c, size_t len, uint64_t now)
{
	if (!c->have_peer || c->peer.state != TP_UP) {
		c->st.not_up_drops++;
		return;
	}
	c->out[0] = TP_MSG_PACKET;
	if (tp_peer_send(&c->peer, c->out, len + 1, now) == 0)
		c->st.to_edge++;
	else
		c->st.to_edge_failed++;
}

/* ---- ICMP sockets ---- */

static void conn_txq_flush(struct connector *c, unsigned fam, unsigned idx, uint64_t now)
{
	struct conn_txq *q = c->txq[fam][idx];
	unsigned done = 0;

	while (done < q->n) {
		int r = icmpsock_send(&c->socks[fam][idx], q->tx + done, q->n - done);
		size_t len;

		if (r > 0) {
			done += (unsigned)r;
			continue;
		}
		/* The first one failed: answer it, go on with the rest. */
		len = nat_send_failed(&c->nat, &q->ntx[done], r < 0 ? -r : EIO, now,
				      c->out + 1, sizeof(c->out) - 1);
		if (len)
			conn_to_edge(c, len, now);
		done++;
	}
	q->n = 0;
}

static void conn_flush_all(struct connector *c, uint64_t now)
{
	unsigned f, i;

	for (f = 0; f < 2; f++)
		for (i = 0; i < c->nat.cfg.nsock[f]; i++)
			if (c->txq[f][i] && c->txq[f][i]->n)
				conn_txq_flush(c, f, i, now);
	tp_io_flush(&c->io);
}

static void conn_icmp_replies(struct connector *c, unsigned fam, unsigned idx, uint64_t now)
{
	struct icmpsock_msg m[ICMPSOCK_BATCH];
	struct nat_rx rx;
	int n, i;
	size_t len;

	do {
		for (i = 0; i < ICMPSOCK_BATCH; i++) {
			m[i].buf = c->rxbuf[i];
			m[i].cap = sizeof(c->rxbuf[i]);
		}
		n = icmpsock_recv(&c->socks[fam][idx], m, ICMPSOCK_BATCH);
		if (n < 0) {
			c->st.icmp_rx_errors++;
			return;
		}
		for (i = 0; i < n; i++) {
			memset(&rx, 0, sizeof(rx));
			rx.kind = NAT_RX_REPLY;
			rx.from = m[i].from;
			rx.seq = m[i].seq;
			rx.ttl = m[i].ttl;
			rx.payload = m[i].buf;
			rx.len = m[i].truncated ? m[i].cap : m[i].len;
			len = nat_socket_rx(&c->nat, fam, idx, &rx, now, c->out + 1,
					    sizeof(c->out) - 1);
			if (len)
				conn_to_edge(c, len, now);
		}
	} while (n == ICMPSOCK_BATCH);
}

static void conn_icmp_errors(struct connector *c, unsigned fam, unsigned idx, uint64_t now)
{
	struct icmpsock_msg m[ICMPSOCK_BATCH];
	struct nat_rx rx;
	int n, i;
	size_t len;

	do {
		for (i = 0; i < ICMPSOCK_BATCH; i++) {
			m[i].buf = c->rxbuf[i];
			m[i].cap = sizeof(c->rxbuf[i]);
		}
		n = icmpsock_recv_err(&c->socks[fam][idx], m, ICMPSOCK_BATCH);
		if (n < 0) {
			c->st.icmp_rx_errors++;
			return;
		}
		for (i = 0; i < n; i++) {
			memset(&rx, 0, sizeof(rx));
			rx.kind = m[i].kind == ICMPSOCK_LOCAL_ERR ? NAT_RX_LOCAL_ERROR :
								    NAT_RX_ICMP_ERROR;
			rx.from = m[i].from;
			rx.dst = m[i].dst;
			rx.seq = m[i].seq;
			rx.type = m[i].type;
			rx.code = m[i].code;
			rx.info = m[i].info;
			rx.err = m[i].err;
			rx.ttl = -1;
			len = nat_socket_rx(&c->nat, fam, idx, &rx, now, c->out + 1,
					    sizeof(c->out) - 1);
			if (len)
				conn_to_edge(c, len, now);
		}
	} while (n == ICMPSOCK_BATCH);
}

/* ---- from the edge ---- */

static void conn_packet(struct connector *c, const uint8_t *p, size_t len, uint64_t now)
{
	struct nat_tx t;
	struct conn_txq *q;
	struct icmpsock_tx *tx;
	size_t olen = 0;

	switch (nat_input(&c->nat, p, len, now, &t, c->out + 1, sizeof(c->out) - 1, &olen)) {
	case NAT_V_DROP:
		return;
	case NAT_V_ANSWER:
		conn_to_edge(c, olen, now);
		return;
	case NAT_V_SEND:
		break;
	}
	q = c->txq[t.fam][t.sock];
	if (q->n == ICMPSOCK_BATCH)
		conn_txq_flush(c, t.fam, t.sock, now);
	memcpy(q->buf[q->n], t.payload, t.len);
	q->ntx[q->n] = t;
	q->ntx[q->n].payload = q->buf[q->n];
	tx = &q->tx[q->n];
	memset(tx, 0, sizeof(*tx));
	tx->dst = t.dst;
	tx->seq = t.seq;
	tx->ttl = t.ttl;
	tx->payload = q->buf[q->n];
	tx->len = t.len;
	q->n++;
}

static void conn_on_msg(void *ctx, struct tp_peer *p, uint8_t type, const uint8_t *body,
			size_t len)
{
	struct connector *c = ctx;

	(void)p;
	switch (type) {
	case TP_MSG_PACKET:
		c->st.from_edge++;
		conn_packet(c, body, len, time_mono_ms());
		return;
	case TP_MSG_KEEPALIVE:
		return;
	default:
		c->st.bad_messages++;
		return;
	}
}

/* ---- the session ---- */

static void conn_session_down(struct connector *c, uint64_t now)
{
	uint32_t r = 0;
	uint64_t jitter;

	if (c->have_peer) {
		log_warnx_rl(&c->rl, "edge %s: session down: %s", c->edge_name,
			     c->peer.error[0] ? c->peer.error : "closed");
		if (c->peer.state == TP_UP || c->peer.rx_msgs)
			c->st.sessions_lost++;
		else
			c->st.handshakes_failed++;
		tp_peer_free(&c->peer);
		c->have_peer = false;
	}
	if (c->io.fd >= 0) {
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->io.fd, NULL);
		close(c->io.fd);
		c->io.fd = -1;
	}
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) < 0)
		r = (uint32_t)now;
	jitter = c->backoff_ms / 4 ? r % (c->backoff_ms / 4 + 1) : 0;
	c->reconnect_at = now + c->backoff_ms + jitter;
	c->backoff_ms = c->backoff_ms * 2 > CONN_BACKOFF_MAX ? CONN_BACKOFF_MAX :
							       c->backoff_ms * 2;
}

static void conn_session_start(struct connector *c, uint64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_REF(EV_UDP, 0, 0) };
	int fd, big = 4 << 20;

	fd = socket(c->edge.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&c->edge, c->edge_len) < 0 ||
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warnx_rl(&c->rl, "edge %s: %s", c->edge_name, strerror(errno));
		if (fd >= 0)
			close(fd);
		c->reconnect_at = now + c->backoff_ms;
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	tp_io_init(&c->io, fd, true);
	if (tp_peer_init(&c->peer, &c->io, &c->creds, (struct sockaddr *)&c->edge,
			 c->edge_len, NULL, now) < 0) {
		c->have_peer = true;
		conn_session_down(c, now);
		return;
	}
	c->have_peer = true;
	tp_io_flush(&c->io);
	c->reconnect_at = 0;
}

static void conn_session_up(struct connector *c, uint64_t now)
{
	uint8_t buf[TP_MAX_MSG];
	size_t n = tp_announce_encode(c->routes, c->nroutes, buf, sizeof(buf));

	c->st.sessions_up++;
	c->backoff_ms = CONN_BACKOFF_MIN;
	log_info("edge %s: authenticated, announcing %u prefix%s", c->edge_name,
		 c->nroutes, c->nroutes == 1 ? "" : "es");
	if (n)
		tp_peer_send(&c->peer, buf, n, now);
}

static void conn_udp_read(struct connector *c, uint64_t now)
{
	int n, i;

	while (c->have_peer && (n = tp_io_recv(&c->io)) != 0) {
		if (n < 0) {
			snprintf(c->peer.error, sizeof(c->peer.error), "%s", strerror(-n));
			conn_session_down(c, now);
			return;
		}
		for (i = 0; i < n; i++) {
			enum tp_state before = c->peer.state;

			if (tp_peer_input(&c->peer, c->io.rxbuf[i], c->io.rx[i].msg_len, now,
					  conn_on_msg, c) < 0) {
				conn_flush_all(c, now);
				conn_session_down(c, now);
				return;
			}
			if (before == TP_HANDSHAKE && c->peer.state == TP_UP)
				conn_session_up(c, now);
		}
		conn_flush_all(c, now);
		if (n < TP_BATCH)
			break;
	}
}

static void conn_tick(struct connector *c, uint64_t now)
{
	if (!c->have_peer) {
		if (now >= c->reconnect_at)
			conn_session_start(c, now);
	} else {
		enum tp_state before = c->peer.state;

		if (tp_peer_tick(&c->peer, now) < 0)
			conn_session_down(c, now);
		else if (before == TP_HANDSHAKE && c->peer.state == TP_UP)
			conn_session_up(c, now);
		if (c->io.fd >= 0)
			tp_io_flush(&c->io);
	}
	nat_expire(&c->nat, now);
	if (c->stats_file && now >= c->next_stats_ms) {
		proxy_stats_file(c->stats_file, conn_stats_fn, c);
		c->next_stats_ms = now + 1000;
	}
}

/* The session's own timers (QUIC loss detection, ACKs, keepalive). */
static void conn_qtimer(struct connector *c, uint64_t now)
{
	enum tp_state before;

	if (!c->have_peer || tp_peer_deadline_ms(&c->peer) > now)
		return;
	before = c->peer.state;
	if (tp_peer_tick(&c->peer, now) < 0)
		conn_session_down(c, now);
	else if (before == TP_HANDSHAKE && c->peer.state == TP_UP)
		conn_session_up(c, now);
}

/* ---- setup ---- */

static int conn_open_sockets(struct connector *c, bool allow_none)
{
	struct icmpsock_perm perm;
	char why[1024];
	unsigned f, i, open_total = 0;
	int rc, first_err = 0;

	if (icmpsock_perm_check(&perm) == 0 && !perm.allowed) {
		icmpsock_perm_explain(&perm, why, sizeof(why));
		log_warnx("connector: %s", why);
	}
	for (f = 0; f < 2; f++) {
		for (i = 0; i < c->nat.cfg.nsock[f]; i++) {
			rc = icmpsock_open(&c->socks[f][i], fam_af(f), NULL, 0,
					   ICMPSOCK_NONBLOCK);
			if (rc < 0) {
				if (!first_err)
					first_err = rc;
				break;
			}
			c->txq[f][i] = calloc(1, sizeof(*c->txq[f][i]));
			if (!c->txq[f][i])
				return -1;
		}
		if (i < c->nat.cfg.nsock[f] && i == 0)
			log_warnx("connector: IPv%d ICMP socket: %s; IPv%d echoes will not be "
				  "proxied", f ? 6 : 4, strerror(-first_err), f ? 6 : 4);
		c->nat.cfg.nsock[f] = i;
		open_total += i;
	}
	if (!open_total) {
		if (!allow_none) {
			fprintf(stderr, "wanscope: connector: cannot open any ICMP socket (%s).\n"
				"%s\n", strerror(-first_err),
				"Start with --allow-no-icmp to run anyway (echoes are then "
				"answered 'administratively prohibited').");
			return -1;
		}
	}
	return 0;
}

static void conn_pick_self(struct connector *c)
{
	unsigned i;

	for (i = 0; i < c->nroutes; i++) {
		unsigned f = c->routes[i].addr.family == 4 ? NAT_FAM_V4 : NAT_FAM_V6;
		struct ip_addr probe = c->routes[i].addr, src;

		if (ip_addr_is_set(&c->nat.cfg.self[f]))
			continue;
		probe.a[f == NAT_FAM_V4 ? 3 : 15] |= 1;
		if (icmpsock_pick_source(&probe, &src) == 0)
			c->nat.cfg.self[f] = src;
	}
}

static void conn_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope connector --edge HOST:PORT --route PREFIX [--route PREFIX]...\n"
"                          --credentials DIR [OPTIONS]\n"
"\n"
"Serve private prefixes to an edge (`wanscope edge`), proxying ICMP echo\n"
"(ping, traceroute -I, mtr) for its clients. Runs as an ordinary user: it\n"
"dials out (no inbound port), authenticates with DIR/connector.crt over\n"
"QUIC (or DTLS 1.2), announces its prefixes and reconnects with backoff.\n"
"Echo requests are source-NATed through a few unprivileged ICMP sockets\n"
"(allowed by net.ipv4.ping_group_range) with their TTL carried on, so every\n"
"router behind the connector shows in a traceroute; every other packet is\n"
"dropped and counted.\n"
"\n"
"Options:\n"
"  -e, --edge HOST:PORT       the edge to dial (required)\n"
"  -r, --route PREFIX         a prefix this connector serves (required,\n"
"                             repeatable, at most %d)\n"
"  -c, --credentials DIR      directory with ca.crt, connector.crt and\n"
"                             connector.key (required)\n"
"      --transport quic|dtls  what the edge speaks (default quic)\n"
"      --icmp-sockets N       ICMP sockets per address family (default 2, 1..%d)\n"
"      --max-mappings N       echoes in flight at once (default 65536)\n"
"      --max-per-client N     echoes in flight per client address (default 4096)\n"
"      --timeout DURATION     forget an unanswered echo after (default 10s)\n"
"      --error-rate N         ICMP errors per second we may originate (1000)\n"
"      --allow-no-icmp        keep running when no ICMP socket may be opened\n"
"      --stats-file FILE      write counters to FILE every second\n"
"  -v, --verbose              log more\n"
"  -h, --help                 this text\n"
"\n"
"Counters (active mappings, echoes proxied, replies, timeouts, drops by reason)\n"
"are printed to stderr on SIGUSR1.\n"
"\n"
"Example:\n"
"  wanscope connector --edge 192.0.2.1:4433 --route 172.16.10.0/24 \\\n"
"      --credentials ~/wanscope-creds\n"
"\n"
"Exit status: 0 after SIGINT/SIGTERM, 1 on a start-up failure (for example\n"
"ICMP sockets not allowed: the message names the sysctl to run), 2 usage error.\n",
		TP_MAX_PREFIXES, NAT_MAX_SOCKS);
}

static int ep_add(int epfd, int fd, uint32_t ref, uint32_t events)
{
	struct epoll_event x = { .events = events, .data.u32 = ref };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &x);
}

static int conn_setup(struct connector *c)
{
	struct itimerspec its = {
		.it_interval = { 0, CONN_TICK_MS * 1000000L },
		.it_value = { 0, 1000000L },
	};
	sigset_t sigs;
	unsigned f, i;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	c->sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	c->qfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->sfd < 0 || c->tfd < 0 || c->qfd < 0 || c->epfd < 0 ||
	    ep_add(c->epfd, c->qfd, EV_REF(EV_QTIMER, 0, 0), EPOLLIN) < 0 ||
	    timerfd_settime(c->tfd, 0, &its, NULL) < 0 ||
	    ep_add(c->epfd, c->tfd, EV_REF(EV_TIMER, 0, 0), EPOLLIN) < 0 ||
	    ep_add(c->epfd, c->sfd, EV_REF(EV_SIGNAL, 0, 0), EPOLLIN) < 0) {
		log_warn("event loop setup");
		return -1;
	}
	for (f = 0; f < 2; f++)
		for (i = 0; i < c->nat.cfg.nsock[f]; i++)
			if (ep_add(c->epfd, c->socks[f][i].fd, EV_REF(EV_ICMP, f, i),
				   EPOLLIN) < 0) {
				log_warn("epoll");
				return -1;
			}
	return 0;
}

static void conn_loop(struct connector *c)
{
	struct epoll_event evs[32];
	int i, n;

	while (!c->quit) {
		n = epoll_wait(c->epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return;
		}
		for (i = 0; i < n; i++) {
			uint32_t ref = evs[i].data.u32;
			uint64_t now = time_mono_ms();

			switch ((enum conn_ev)(ref >> 24)) {
			case EV_UDP:
				conn_udp_read(c, now);
				break;
			case EV_ICMP: {
				unsigned f = (ref >> 16) & 0xff, idx = ref & 0xffff;

				if (evs[i].events & EPOLLERR)
					conn_icmp_errors(c, f, idx, now);
				if (evs[i].events & EPOLLIN)
					conn_icmp_replies(c, f, idx, now);
				break;
			}
			case EV_TIMER: {
				uint64_t x;

				if (read(c->tfd, &x, sizeof(x)) >= 0)
					conn_tick(c, now);
				break;
			}
			case EV_QTIMER: {
				uint64_t x;

				if (read(c->qfd, &x, sizeof(x)) >= 0)
					c->qarmed = 0;
				conn_qtimer(c, now);
				break;
			}
			case EV_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(c->sfd, &si, sizeof(si)) != sizeof(si))
					break;
				if (si.ssi_signo == SIGUSR1)
					conn_stats_print(c, stderr);
				else
					c->quit = true;
				break;
			}
			}
		}
		conn_flush_all(c, time_mono_ms());
		tp_timer_arm(c->qfd, &c->qarmed, c->have_peer ?
			     tp_peer_deadline_ms(&c->peer) : UINT64_MAX);
	}
}

static void conn_free(struct connector *c)
{
	unsigned f, i;

	if (c->have_peer) {
		tp_peer_bye(&c->peer);
		tp_io_flush(&c->io);
		tp_peer_free(&c->peer);
	}
	if (c->io.fd >= 0)
		close(c->io.fd);
	for (f = 0; f < 2; f++)
		for (i = 0; i < NAT_MAX_SOCKS; i++) {
			if (c->txq[f][i])
				icmpsock_close(&c->socks[f][i]);
			free(c->txq[f][i]);
		}
	nat_free(&c->nat);
	tp_creds_free(&c->creds);
	free(c);
}

int connector_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "edge", required_argument, NULL, 'e' },
		{ "route", required_argument, NULL, 'r' },
		{ "credentials", required_argument, NULL, 'c' },
		{ "icmp-sockets", required_argument, NULL, 'K' },
		{ "transport", required_argument, NULL, 'X' },
		{ "max-mappings", required_argument, NULL, 'M' },
		{ "max-per-client", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "error-rate", required_argument, NULL, 'E' },
		{ "allow-no-icmp", no_argument, NULL, 'A' },
		{ "stats-file", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *edge = NULL, *creds = NULL;
	struct nat_config cfg;
	struct connector *c;
	uint32_t v;
	uint64_t ms;
	bool allow_none = false;
	enum tp_kind kind = TP_QUIC;
	int ch, rc = EXIT_FAIL;

	c = calloc(1, sizeof(*c));
	if (!c)
		return EXIT_FAIL;
	c->io.fd = -1;
	nat_config_default(&cfg);
	while ((ch = getopt_long(argc, argv, "e:r:c:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e': edge = optarg; break;
		case 'c': creds = optarg; break;
		case 'r':
			if (c->nroutes == TP_MAX_PREFIXES) {
				fprintf(stderr, "wanscope: connector: --route: at most %d\n",
					TP_MAX_PREFIXES);
				goto usage;
			}
			if (ip_prefix_parse(optarg, &c->routes[c->nroutes], false) < 0) {
				fprintf(stderr, "wanscope: connector: --route: '%s' is not a "
					"prefix (ADDR/LEN with host bits zero)\n", optarg);
				goto usage;
			}
			c->nroutes++;
			break;
		case 'K':
			if (opt_u32("connector: --icmp-sockets", optarg, 1, NAT_MAX_SOCKS, &v) < 0)
				goto usage;
			cfg.nsock[0] = cfg.nsock[1] = v;
			break;
		case 'M':
			if (opt_u32("connector: --max-mappings", optarg, 1, 1u << 24,
				    &cfg.max_mappings) < 0)
				goto usage;
			break;
		case 'P':
			if (opt_u32("connector: --max-per-client", optarg, 1, 1u << 24,
				    &cfg.max_per_client) < 0)
				goto usage;
			break;
		case 'T':
			if (opt_duration_ms("connector: --timeout", optarg, &ms) < 0 ||
			    ms < 100 || ms > 600000) {
				fprintf(stderr, "wanscope: connector: --timeout: '%s' must be "
					"between 0.1s and 10m\n", optarg);
				goto usage;
			}
			cfg.timeout_ms = (uint32_t)ms;
			break;
		case 'E':
			if (opt_u32("connector: --error-rate", optarg, 0, 1000000,
				    &cfg.err_rate) < 0)
				goto usage;
			break;
		case 'A': allow_none = true; break;
		case 'X':
			if (tp_kind_parse("connector: --transport", optarg, &kind) < 0)
				goto usage;
			break;
		case 'S': c->stats_file = optarg; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h':
			conn_usage(stdout);
			free(c);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind != argc || !edge || !creds || !c->nroutes) {
		fprintf(stderr, "wanscope: connector: %s\n", optind != argc ?
			"unexpected argument" :
			"--edge, --route and --credentials are required");
		goto usage;
	}
	c->edge_name = edge;
	if (tp_parse_endpoint("connector: --edge", edge, &c->edge, &c->edge_len) < 0)
		goto usage;
	if (nat_init(&c->nat, &cfg) < 0) {
		log_warnx("connector: NAT table of %u mappings: out of memory",
			  cfg.max_mappings);
		goto out;
	}
	if (tp_creds_load(&c->creds, creds, CREDS_CONNECTOR, kind, 1472) < 0)
		goto out;
	if (conn_open_sockets(c, allow_none) < 0)
		goto out;
	conn_pick_self(c);
	if (conn_setup(c) < 0)
		goto out;
	c->rl = (struct log_rl)LOG_RL_INIT(10000, 3);
	c->backoff_ms = CONN_BACKOFF_MIN;
	log_info("connector: dialing edge %s (%s); ICMP sockets: %u IPv4, %u IPv6%s",
		 edge, tp_kind_name(kind), c->nat.cfg.nsock[0], c->nat.cfg.nsock[1],
		 c->socks[0][0].raw ? " (raw fallback)" : "");
	conn_loop(c);
	rc = EXIT_OK;
	if (c->stats_file)
		proxy_stats_file(c->stats_file, conn_stats_fn, c);
out:
	conn_free(c);
	return rc;
usage:
	conn_usage(stderr);
	free(c);
	return EXIT_USAGE;
}
