/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * edge.c - `wanscope edge`: terminate connectors, route private prefixes
 * to them through a TUN interface
 *
 * Theory of operation
 *
 * Packets routed into the TUN interface (routes to every announced prefix
 * and to each --route point at it) are read one by one, matched by longest
 * prefix against the prefixes of the connectors that are up (a prefix trie,
 * edgeroute.c), and sent to one of the connectors announcing the best
 * match; the choice is a hash of the flow (addresses, protocol, ports or
 * echo id), so a flow sticks to a connector and moves when that connector
 * goes away. With no connector for the destination the edge answers ICMP
 * destination unreachable (net unreachable) itself, rate limited, from its
 * own address (a raw socket: the kernel fills in the source). Packets
 * from connectors are checked to pass edgeguard (an echo reply from inside
 * the connector's own prefixes, or an ICMP error about a client's echo into
 * them, addressed to a client that recently sent something into the TUN)
 * and are written to the TUN, so the host routes them to the client.
 * Everything else is counted by reason and dropped: an authenticated
 * connector still cannot spoof.
 *
 * Hops: the client's packet was forwarded into the TUN by this host's
 * kernel, which already decremented its TTL and answered expiry with time
 * exceeded from the host's address; the edge is that hop, so this process
 * does not decrement again. The connector is the next hop.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "icmp/edgeguard.h"
#include "icmp/edgeroute.h"
#include "icmp/icmppkt.h"
#include "icmp/proxy.h"
#include "icmp/transport.h"
#include "icmp/tun.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/opt.h"
#include "lib/timeutil.h"
#include "pkt/pkt.h"
#include "subcommands.h"

#define EDGE_MAX_ROUTES 256
#define EDGE_TICK_MS 100
#define EDGE_TUN_BUDGET 256	/* packets read from the TUN per loop pass */

enum edge_ev { EV_UDP, EV_TUN, EV_TIMER, EV_SIGNAL, EV_QTIMER };

struct edge_conn {
	bool used;
	struct tp_peer peer;
	struct ip_prefix pfx[TP_MAX_PREFIXES];
	unsigned npfx;
	uint64_t to_conn, from_conn, refused;
};

struct edge_stats {
	uint64_t tun_rx, tun_tx, to_connectors, from_connectors;
	uint64_t unreach_sent, unreach_ratelimited, no_connector_silent;
	uint64_t bad_tun_packet, bad_conn_packet, bad_announce, send_failed;
	uint64_t cookies_sent, connectors_full, sessions_failed, sessions_up;
	uint64_t handshakes_failed, unknown_dropped;
	uint64_t routes_full, route_errors;
	uint64_t guard[EG_NVERDICTS];	/* packets from connectors, by verdict */
};

struct edge {
	struct tp_creds creds;
	struct tp_io io;
	struct tun tun;
	struct edge_conn *conns;
	unsigned max_conns;
	struct edge_routes rt;		/* announced prefix -> connectors */
	struct ip_prefix routes[EDGE_MAX_ROUTES];
	unsigned nroutes;
	bool install_routes;
	int raw4, raw6;
	int epfd, tfd, sfd, qfd;		/* qfd: the sessions' own timers */
	uint64_t qarmed;
	uint64_t tokens_ms, tokens_at;
	uint32_t err_rate, err_burst;
	const char *stats_file;
	uint64_t next_stats_ms;
	struct edge_stats st;
	struct eg_clients clients;
	struct log_rl guard_rl, hs_rl;
	uint8_t pkt[TP_MAX_MSG + 64];	/* [0] = message type */
	uint8_t out[TP_MAX_MSG + 64];
	bool quit;
};

/* ---- statistics ---- */

static void edge_stats_print(const struct edge *e, FILE *f)
{
	const struct edge_stats *s = &e->st;
	unsigned i, up = 0;
	uint64_t blocked = 0, rx_bad = 0;

	for (i = 0; i < e->max_conns; i++) {
		if (!e->conns[i].used)
			continue;
		up += e->conns[i].peer.state == TP_UP;
		blocked += e->conns[i].peer.tx_blocked;
		rx_bad += e->conns[i].peer.rx_bad;
	}
	fprintf(f,
		"connectors_up %u\nsessions_up %llu\nsessions_failed %llu\n"
		"handshakes_failed %llu\ndrop_unknown_peer %llu\n"
		"tun_rx %llu\ntun_tx %llu\nto_connectors %llu\nfrom_connectors %llu\n"
		"unreach_sent %llu\ndrop_unreach_ratelimited %llu\n"
		"drop_no_connector_silent %llu\ndrop_bad_tun_packet %llu\n"
		"drop_bad_message %llu\ndrop_bad_announce %llu\n"
		"drop_send_failed %llu\nchallenges_sent %llu\ndrop_connectors_full %llu\n"
		"routes_full %llu\nroute_errors %llu\nudp_tx_errors %llu\n",
		up, (unsigned long long)s->sessions_up,
		(unsigned long long)s->sessions_failed,
		(unsigned long long)s->handshakes_failed,
		(unsigned long long)s->unknown_dropped, (unsigned long long)s->tun_rx,
		(unsigned long long)s->tun_tx, (unsigned long long)s->to_connectors,
		(unsigned long long)s->from_connectors, (unsigned long long)s->unreach_sent,
		(unsigned long long)s->unreach_ratelimited,
		(unsigned long long)s->no_connector_silent,
		(unsigned long long)s->bad_tun_packet, (unsigned long long)s->bad_conn_packet,
		(unsigned long long)s->bad_announce, (unsigned long long)s->send_failed,
		(unsigned long long)s->cookies_sent, (unsigned long long)s->connectors_full,
		(unsigned long long)s->routes_full, (unsigned long long)s->route_errors,
		(unsigned long long)e->io.tx_errors);
	for (i = 1; i < EG_NVERDICTS; i++)
		fprintf(f, "%s %llu\n", eg_verdict_name(i), (unsigned long long)s->guard[i]);
	fprintf(f, "clients_evicted %llu\nsessions_tx_blocked %llu\nsessions_rx_bad %llu\n",
		(unsigned long long)e->clients.evicted, (unsigned long long)blocked,
		(unsigned long long)rx_bad);
}

static void edge_stats_fn(const void *ctx, FILE *f)
{
	edge_stats_print(ctx, f);
}

/* ---- routes ---- */

static void edge_route_add(struct edge *e, const struct ip_prefix *p)
{
	char s[IP_PREFIX_STRLEN];
	unsigned i;
	int rc;

	for (i = 0; i < e->nroutes; i++)
		if (e->routes[i].len == p->len && ip_addr_eq(&e->routes[i].addr, &p->addr))
			return;
	if (e->nroutes == EDGE_MAX_ROUTES) {
		e->st.routes_full++;
		return;
	}
	e->routes[e->nroutes++] = *p;
	ip_prefix_fmt(p, s);
	if (!e->install_routes) {
		log_info("route needed: ip %sroute replace %s dev %s",
			 p->addr.family == 6 ? "-6 " : "", s, e->tun.name);
		return;
	}
	rc = tun_route(&e->tun, p, true);
	if (rc < 0) {
		e->st.route_errors++;
		errno = -rc;
		log_warn("route %s dev %s", s, e->tun.name);
		return;
	}
	log_info("route %s dev %s installed", s, e->tun.name);
}

static void edge_routes_remove(struct edge *e)
{
	unsigned i;

	if (!e->install_routes)
		return;
	for (i = 0; i < e->nroutes; i++)
		tun_route(&e->tun, &e->routes[i], false);
}

/* ---- generated errors ---- */

static bool edge_ratelimit_ok(struct edge *e, uint64_t now)
{
	uint64_t max = (uint64_t)e->err_burst * 1000;

	e->tokens_ms += (now - e->tokens_at) * e->err_rate;
	e->tokens_at = now;
	if (e->tokens_ms > max)
		e->tokens_ms = max;
	if (e->tokens_ms < 1000)
		return false;
	e->tokens_ms -= 1000;
	return true;
}

/* Answer @pkt with net unreachable from this host's own address. */
static void edge_unreach(struct edge *e, const struct pkt_meta *m, const uint8_t *pkt,
			 size_t len, uint64_t now)
{
	struct icmppkt_err_spec spec = { .kind = ICMPPKT_ERR_NET_UNREACH };
	struct sockaddr_storage ss;
	struct ip_addr any = { .family = m->src.family };
	size_t n, hl = m->ip_version == 4 ? 20 : 40;
	socklen_t sl;
	int fd = m->ip_version == 4 ? e->raw4 : e->raw6;

	if (!icmppkt_may_answer(m) || fd < 0) {
		e->st.no_connector_silent++;
		return;
	}
	if (!edge_ratelimit_ok(e, now)) {
		e->st.unreach_ratelimited++;
		return;
	}
	/* Source 0 / ::: the kernel fills in our address for the route. */
	n = icmppkt_error(e->out, sizeof(e->out), &any, &m->src, &spec, pkt, len);
	if (!n)
		return;
	sl = (socklen_t)ip_addr_to_sockaddr(&m->src, 0, &ss, sizeof(ss));
	if (m->ip_version == 4)
		n = (size_t)sendto(fd, e->out, n, 0, (struct sockaddr *)&ss, sl);
	else	/* ICMPv6 raw socket: the kernel adds the header and checksum */
		n = (size_t)sendto(fd, e->out + hl, n - hl, 0, (struct sockaddr *)&ss, sl);
	if ((ssize_t)n < 0)
		e->st.send_failed++;
	else
		e->st.unreach_sent++;
}

/* ---- packets from the TUN ---- */

static uint64_t flow_hash(const struct pkt_meta *m)
{
	uint64_t h = hash_bytes(m->src.a, 16, m->proto) ^ hash_bytes(m->dst.a, 16, 7);

	if (m->proto == IPPROTO_NUM_ICMP || m->proto == IPPROTO_NUM_ICMPV6)
		h ^= hash_u64(m->icmp_id);
	else
		h ^= hash_u64((uint64_t)m->src_port << 16 | m->dst_port);
	return hash_u64(h);
}

static bool edge_conn_up(void *ctx, unsigned i)
{
	const struct edge *e = ctx;

	return e->conns[i].used && e->conns[i].peer.state == TP_UP;
}

/* Longest prefix match over the connectors that are up; among those
 * announcing the best prefix (the first 64 by index) pick one by flow
 * hash. */
static struct edge_conn *edge_pick(struct edge *e, const struct pkt_meta *m)
{
	unsigned cand[64], nc;

	nc = er_match(&e->rt, &m->dst, edge_conn_up, e, cand, sizeof(cand) / sizeof(cand[0]));
	if (!nc)
		return NULL;
	return &e->conns[cand[flow_hash(m) % nc]];
}

/* Connector @c announces @pfx[0 .. @n - 1] from now on (none: n = 0). */
static void edge_conn_prefixes(struct edge *e, struct edge_conn *c, const struct ip_prefix *pfx,
			       unsigned n)
{
	unsigned ci = (unsigned)(c - e->conns), i;

	for (i = 0; i < c->npfx; i++)
		er_del(&e->rt, ci, &c->pfx[i]);
	c->npfx = 0;
	for (i = 0; i < n; i++) {
		c->pfx[c->npfx++] = pfx[i];
		if (er_add(&e->rt, ci, &pfx[i]) < 0) {
			char s[IP_PREFIX_STRLEN];

			ip_prefix_fmt(&pfx[i], s);
			e->st.routes_full++;
			log_warnx("connector %s: no memory to route %s to it", c->peer.name, s);
		}
	}
}

static void edge_tun_read(struct edge *e, uint64_t now)
{
	struct pkt_meta m;
	unsigned k;

	for (k = 0; k < EDGE_TUN_BUDGET; k++) {
		ssize_t n = read(e->tun.fd, e->pkt + 1, TP_MAX_MSG - 1);
		struct edge_conn *c;

		if (n < 0)
			break;
		e->st.tun_rx++;
		if (pkt_parse_ip(e->pkt + 1, (size_t)n, &m) < 0) {
			e->st.bad_tun_packet++;
			continue;
		}
		c = edge_pick(e, &m);
		if (!c) {
			edge_unreach(e, &m, e->pkt + 1, (size_t)n, now);
			continue;
		}
		eg_client_seen(&e->clients, &m.src, now);
		e->pkt[0] = TP_MSG_PACKET;
		if (tp_peer_send(&c->peer, e->pkt, (size_t)n + 1, now) < 0) {
			e->st.send_failed++;
			continue;
		}
		c->to_conn++;
		e->st.to_connectors++;
	}
	tp_io_flush(&e->io);
}

/* ---- connectors ---- */

static void edge_on_msg(void *ctx, struct tp_peer *p, uint8_t type, const uint8_t *body,
			size_t len)
{
	struct edge *e = ctx;
	struct edge_conn *c = (struct edge_conn *)(void *)((char *)p -
						offsetof(struct edge_conn, peer));
	struct ip_prefix pfx[TP_MAX_PREFIXES];
	const char *err = NULL;
	enum eg_verdict v;
	int n;
	unsigned i;

	switch (type) {
	case TP_MSG_PACKET:
		v = eg_check(&e->clients, c->pfx, c->npfx, body, len, time_mono_ms());
		if (v != EG_PASS) {
			e->st.guard[v]++;
			c->refused++;
			log_warnx_rl(&e->guard_rl, "connector %s: packet refused: %s",
				     p->name, eg_verdict_name(v) + sizeof("drop_conn_") - 1);
			return;
		}
		if (write(e->tun.fd, body, len) < 0) {
			e->st.send_failed++;
			return;
		}
		c->from_conn++;
		e->st.from_connectors++;
		e->st.tun_tx++;
		return;
	case TP_MSG_ANNOUNCE:
		n = tp_announce_parse(body, len, pfx, TP_MAX_PREFIXES, &err);
		if (n < 0) {
			e->st.bad_announce++;
			log_warnx("connector %s: bad announce: %s", p->name, err);
			edge_conn_prefixes(e, c, NULL, 0);
			return;
		}
		edge_conn_prefixes(e, c, pfx, (unsigned)n);
		for (i = 0; i < c->npfx; i++) {
			char s[IP_PREFIX_STRLEN];

			ip_prefix_fmt(&c->pfx[i], s);
			log_info("connector %s serves %s", p->name, s);
			edge_route_add(e, &c->pfx[i]);
		}
		return;
	case TP_MSG_KEEPALIVE:
		return;
	default:
		e->st.bad_conn_packet++;
		return;
	}
}

static struct edge_conn *edge_find(struct edge *e, const struct sockaddr_storage *ss,
				   socklen_t sl)
{
	unsigned i;

	for (i = 0; i < e->max_conns; i++)
		if (e->conns[i].used && e->conns[i].peer.alen == sl &&
		    !memcmp(&e->conns[i].peer.addr, ss, sl))
			return &e->conns[i];
	return NULL;
}

static void edge_conn_drop(struct edge *e, struct edge_conn *c)
{
	log_info("connector %s gone: %s (%llu packets refused)", c->peer.name, c->peer.error,
		 (unsigned long long)c->refused);
	c->refused = 0;
	edge_conn_prefixes(e, c, NULL, 0);
	tp_peer_free(&c->peer);
	c->used = false;
}

/* A session failed: a refused handshake (bad certificate, wrong name) is
 * counted and logged apart from an established session that died. */
static void edge_peer_failed(struct edge *e, struct edge_conn *c, enum tp_state before)
{
	if (before == TP_HANDSHAKE) {
		e->st.handshakes_failed++;
		log_warnx_rl(&e->hs_rl, "connector %s: handshake refused: %s", c->peer.name,
			     c->peer.error);
		edge_conn_prefixes(e, c, NULL, 0);
		tp_peer_free(&c->peer);
		c->used = false;
		return;
	}
	e->st.sessions_failed++;
	edge_conn_drop(e, c);
}

static void edge_new_peer(struct edge *e, const struct sockaddr_storage *ss, socklen_t sl,
			  uint8_t *d, size_t len, uint64_t now)
{
	struct tp_accept acc;
	struct edge_conn *c = NULL;
	unsigned i;

	switch (tp_accept(&e->io, &e->creds, ss, sl, d, len, &acc)) {
	case 0:
		e->st.cookies_sent++;
		return;
	case -1:
		e->st.unknown_dropped++;
		return;
	}
	for (i = 0; i < e->max_conns; i++)
		if (!e->conns[i].used) {
			c = &e->conns[i];
			break;
		}
	if (!c) {
		e->st.connectors_full++;
		return;
	}
	if (tp_peer_init(&c->peer, &e->io, &e->creds, (const struct sockaddr *)ss, sl, &acc,
			 now) < 0) {
		log_warnx("connector: %s", c->peer.error);
		tp_peer_free(&c->peer);
		return;
	}
	c->used = true;
	edge_conn_prefixes(e, c, NULL, 0);
	if (tp_peer_input(&c->peer, d, len, now, edge_on_msg, e) < 0)
		edge_peer_failed(e, c, TP_HANDSHAKE);
}

static void edge_udp_read(struct edge *e, uint64_t now)
{
	int n, i;

	while ((n = tp_io_recv(&e->io)) > 0) {
		for (i = 0; i < n; i++) {
			struct mmsghdr *mh = &e->io.rx[i];
			struct edge_conn *c = edge_find(e, &e->io.rxaddr[i],
							mh->msg_hdr.msg_namelen);
			enum tp_state before;

			if (!c) {
				edge_new_peer(e, &e->io.rxaddr[i], mh->msg_hdr.msg_namelen,
					      e->io.rxbuf[i], mh->msg_len, now);
				continue;
			}
			before = c->peer.state;
			if (tp_peer_input(&c->peer, e->io.rxbuf[i], mh->msg_len, now,
					  edge_on_msg, e) < 0) {
				edge_peer_failed(e, c, before);
				continue;
			}
			if (before == TP_HANDSHAKE && c->peer.state == TP_UP) {
				e->st.sessions_up++;
				log_info("connector %s authenticated", c->peer.name);
			}
		}
		tp_io_flush(&e->io);
		if (n < TP_BATCH)
			break;
	}
	tp_io_flush(&e->io);
}

static void edge_tick(struct edge *e, uint64_t now)
{
	unsigned i;

	for (i = 0; i < e->max_conns; i++) {
		struct edge_conn *c = &e->conns[i];
		enum tp_state before = c->peer.state;

		if (!c->used)
			continue;
		if (tp_peer_tick(&c->peer, now) < 0)
			edge_peer_failed(e, c, before);
		else if (before == TP_HANDSHAKE && c->peer.state == TP_UP)
			e->st.sessions_up++;
	}
	tp_io_flush(&e->io);
	if (e->stats_file && now >= e->next_stats_ms) {
		proxy_stats_file(e->stats_file, edge_stats_fn, e);
		e->next_stats_ms = now + 1000;
	}
}

/* Sessions whose own timers (QUIC loss detection, ACKs, keepalive) ran out. */
static void edge_qtimers(struct edge *e, uint64_t now)
{
	unsigned i;

	for (i = 0; i < e->max_conns; i++) {
		struct edge_conn *c = &e->conns[i];
		enum tp_state before = c->peer.state;

		if (!c->used || tp_peer_deadline_ms(&c->peer) > now)
			continue;
		if (tp_peer_tick(&c->peer, now) < 0)
			edge_peer_failed(e, c, before);
		else if (before == TP_HANDSHAKE && c->peer.state == TP_UP)
			e->st.sessions_up++;
	}
	tp_io_flush(&e->io);
}

/* Arm the session timer for the earliest deadline of any session. */
static void edge_arm(struct edge *e)
{
	uint64_t next = UINT64_MAX, d;
	unsigned i;

	for (i = 0; i < e->max_conns; i++)
		if (e->conns[i].used && (d = tp_peer_deadline_ms(&e->conns[i].peer)) < next)
			next = d;
	tp_timer_arm(e->qfd, &e->qarmed, next);
}

/* ---- setup ---- */

static int edge_listen(const struct sockaddr_storage *ss, socklen_t sl)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, big = 4 << 20;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (bind(fd, (const struct sockaddr *)ss, sl) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int ep_add(int epfd, int fd, enum edge_ev ev)
{
	struct epoll_event x = { .events = EPOLLIN, .data.u32 = ev };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &x);
}

static void edge_usage(FILE *f)
{
	fprintf(f,
"usage: wanscope edge --listen HOST:PORT --credentials DIR [--tun NAME]\n"
"                     [--route PREFIX]... [OPTIONS]\n"
"\n"
"Terminate connectors (`wanscope connector`) and route the private prefixes\n"
"they announce to them through a TUN interface. Connectors authenticate with\n"
"certificates from `wanscope credentials init DIR` over QUIC with DATAGRAM\n"
"frames (ngtcp2, TLS 1.3 by GnuTLS) or DTLS 1.2 (GnuTLS).\n"
"Each announced prefix gets a route via the TUN interface; a packet goes to a\n"
"connector announcing the longest matching prefix (flows are spread over\n"
"several connectors serving the same prefix and move when one goes away).\n"
"Without a connector for the destination the edge answers ICMP destination\n"
"unreachable. Needs CAP_NET_ADMIN (TUN, routes) and CAP_NET_RAW (errors);\n"
"IP forwarding must be on (sysctl -w net.ipv4.ip_forward=1\n"
"net.ipv6.conf.all.forwarding=1).\n"
"\n"
"Options:\n"
"  -l, --listen HOST:PORT   UDP address to accept connectors on (required)\n"
"  -c, --credentials DIR    directory made by `wanscope credentials init`\n"
"                           (uses ca.crt, edge.crt, edge.key; required)\n"
"  -t, --tun NAME           TUN interface to create or use (default ws0)\n"
"  -r, --route PREFIX       also route PREFIX to the TUN from the start, so\n"
"                           it is answered (unreachable) while no connector\n"
"                           serves it; repeatable (at most %d routes)\n"
"      --no-routes          do not install routes; log the `ip route` needed\n"
"      --transport T        quic or dtls: what connectors speak (default quic)\n"
"      --mtu N              TUN MTU (default 1400, 1280..1452)\n"
"      --max-connectors N   connectors at once (default 64, at most 1024)\n"
"      --error-rate N       ICMP errors per second the edge may send (1000)\n"
"      --max-clients N      client addresses remembered (default 65536); a\n"
"                           connector may only send to a client that sent\n"
"                           something within the last %d s\n"
"      --stats-file FILE    write counters to FILE every second\n"
"  -v, --verbose            log more\n"
"  -h, --help               this text\n"
"\n"
"Packets from a connector are passed only when they are echo replies from\n"
"inside its announced prefixes, or ICMP errors about a client's echo request\n"
"into them, addressed to a known client; the rest is dropped and counted\n"
"(drop_conn_*). Counters are printed to stderr on SIGUSR1.\n"
"\n"
"Example:\n"
"  wanscope credentials init /etc/wanscope/creds\n"
"  wanscope edge --listen 192.0.2.1:4433 --tun ws0 --credentials /etc/wanscope/creds\n"
"\n"
"Exit status: 0 after SIGINT/SIGTERM, 1 on a start-up failure, 2 usage error.\n",
		EDGE_MAX_ROUTES, EG_CLIENT_TTL_MS / 1000);
}

static int edge_loop(struct edge *e)
{
	struct epoll_event evs[16];
	int i, n;

	while (!e->quit) {
		n = epoll_wait(e->epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return -1;
		}
		for (i = 0; i < n; i++) {
			uint64_t now = time_mono_ms();

			switch ((enum edge_ev)evs[i].data.u32) {
			case EV_UDP:
				edge_udp_read(e, now);
				break;
			case EV_TUN:
				edge_tun_read(e, now);
				break;
			case EV_TIMER: {
				uint64_t x;

				if (read(e->tfd, &x, sizeof(x)) < 0)
					break;
				edge_tick(e, now);
				break;
			}
			case EV_QTIMER: {
				uint64_t x;

				if (read(e->qfd, &x, sizeof(x)) >= 0)
					e->qarmed = 0;
				edge_qtimers(e, now);
				break;
			}
			case EV_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(e->sfd, &si, sizeof(si)) != sizeof(si))
					break;
				if (si.ssi_signo == SIGUSR1)
					edge_stats_print(e, stderr);
				else
					e->quit = true;
				break;
			}
			}
		}
		edge_arm(e);
	}
	return 0;
}

static int edge_setup(struct edge *e, const struct sockaddr_storage *ss, socklen_t sl,
		      const char *tun_name, unsigned mtu)
{
	struct itimerspec its = {
		.it_interval = { 0, EDGE_TICK_MS * 1000000L },
		.it_value = { 0, EDGE_TICK_MS * 1000000L },
	};
	sigset_t sigs;
	int fd;

	fd = edge_listen(ss, sl);
	if (fd < 0) {
		log_warn("--listen");
		return -1;
	}
	tp_io_init(&e->io, fd, false);
	if (tun_open(&e->tun, tun_name, mtu) < 0)
		return -1;
	e->raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	e->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (e->raw4 < 0 || e->raw6 < 0)
		log_warn("raw socket for ICMP errors (needs CAP_NET_RAW); the edge will "
			 "drop packets it cannot route without answering");
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	e->sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	e->qfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->sfd < 0 || e->tfd < 0 || e->qfd < 0 || e->epfd < 0 ||
	    ep_add(e->epfd, e->qfd, EV_QTIMER) < 0 ||
	    timerfd_settime(e->tfd, 0, &its, NULL) < 0 ||
	    ep_add(e->epfd, fd, EV_UDP) < 0 || ep_add(e->epfd, e->tun.fd, EV_TUN) < 0 ||
	    ep_add(e->epfd, e->tfd, EV_TIMER) < 0 || ep_add(e->epfd, e->sfd, EV_SIGNAL) < 0) {
		log_warn("event loop setup");
		return -1;
	}
	return 0;
}

static void edge_free(struct edge *e)
{
	unsigned i;

	for (i = 0; e->conns && i < e->max_conns; i++)
		if (e->conns[i].used) {
			tp_peer_bye(&e->conns[i].peer);
			tp_peer_free(&e->conns[i].peer);
		}
	if (e->io.fd > 0) {
		tp_io_flush(&e->io);
		close(e->io.fd);
	}
	edge_routes_remove(e);
	tun_close(&e->tun);
	free(e->conns);
	er_free(&e->rt);
	eg_clients_free(&e->clients);
	tp_creds_free(&e->creds);
	if (e->raw4 >= 0)
		close(e->raw4);
	if (e->raw6 >= 0)
		close(e->raw6);
	free(e);
}

int edge_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "credentials", required_argument, NULL, 'c' },
		{ "tun", required_argument, NULL, 't' },
		{ "route", required_argument, NULL, 'r' },
		{ "no-routes", no_argument, NULL, 'N' },
		{ "mtu", required_argument, NULL, 'M' },
		{ "transport", required_argument, NULL, 'T' },
		{ "max-connectors", required_argument, NULL, 'C' },
		{ "error-rate", required_argument, NULL, 'E' },
		{ "max-clients", required_argument, NULL, 'K' },
		{ "stats-file", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *listen = NULL, *creds = NULL, *tun = "ws0", *stats = NULL;
	struct ip_prefix pre[EDGE_MAX_ROUTES];
	unsigned npre = 0, i;
	uint32_t mtu = 1400, maxc = 64, rate = 1000, maxcl = 65536;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct edge *e;
	int ch, rc;
	bool install = true;
	enum tp_kind kind = TP_QUIC;

	while ((ch = getopt_long(argc, argv, "l:c:t:r:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen = optarg; break;
		case 'c': creds = optarg; break;
		case 't': tun = optarg; break;
		case 'N': install = false; break;
		case 'r':
			if (npre == EDGE_MAX_ROUTES) {
				fprintf(stderr, "wanscope: edge: --route: at most %d\n",
					EDGE_MAX_ROUTES);
				return EXIT_USAGE;
			}
			if (ip_prefix_parse(optarg, &pre[npre], false) < 0) {
				fprintf(stderr, "wanscope: edge: --route: '%s' is not a prefix "
					"(ADDR/LEN with host bits zero)\n", optarg);
				return EXIT_USAGE;
			}
			npre++;
			break;
		case 'M':
			if (opt_u32("edge: --mtu", optarg, 1280, 1452, &mtu) < 0)
				return EXIT_USAGE;
			break;
		case 'C':
			if (opt_u32("edge: --max-connectors", optarg, 1, 1024, &maxc) < 0)
				return EXIT_USAGE;
			break;
		case 'E':
			if (opt_u32("edge: --error-rate", optarg, 0, 1000000, &rate) < 0)
				return EXIT_USAGE;
			break;
		case 'K':
			if (opt_u32("edge: --max-clients", optarg, 16, 1u << 24, &maxcl) < 0)
				return EXIT_USAGE;
			break;
		case 'T':
			if (tp_kind_parse("edge: --transport", optarg, &kind) < 0)
				return EXIT_USAGE;
			break;
		case 'S': stats = optarg; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': edge_usage(stdout); return EXIT_OK;
		default: edge_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || !listen || !creds) {
		fprintf(stderr, "wanscope: edge: %s\n", optind != argc ?
			"unexpected argument" : "--listen and --credentials are required");
		edge_usage(stderr);
		return EXIT_USAGE;
	}
	if (tp_parse_endpoint("edge: --listen", listen, &ss, &sl) < 0)
		return EXIT_USAGE;
	e = calloc(1, sizeof(*e));
	if (!e)
		return EXIT_FAIL;
	e->raw4 = e->raw6 = -1;
	e->io.fd = -1;
	e->tun.fd = -1;
	e->max_conns = maxc;
	e->install_routes = install;
	e->err_rate = rate;
	e->err_burst = rate < 50 ? rate : 50;
	e->tokens_ms = (uint64_t)e->err_burst * 1000;
	e->stats_file = stats;
	e->conns = calloc(maxc, sizeof(*e->conns));
	er_init(&e->rt, maxc, TP_MAX_PREFIXES);
	e->guard_rl = (struct log_rl)LOG_RL_INIT(10000, 5);
	e->hs_rl = (struct log_rl)LOG_RL_INIT(10000, 5);
	rc = EXIT_FAIL;
	if (!e->conns || eg_clients_init(&e->clients, maxcl) < 0 || tp_creds_load(&e->creds, creds, CREDS_EDGE, kind, 1472) < 0 ||
	    edge_setup(e, &ss, sl, tun, mtu) < 0)
		goto out;
	for (i = 0; i < npre; i++)
		edge_route_add(e, &pre[i]);
	log_info("edge: listening on %s (%s), tun %s (mtu %u)", listen, tp_kind_name(kind),
		 e->tun.name, mtu);
	e->tokens_at = time_mono_ms();
	rc = edge_loop(e) < 0 ? EXIT_FAIL : EXIT_OK;
	if (e->stats_file)
		proxy_stats_file(e->stats_file, edge_stats_fn, e);
out:
	edge_free(e);
	return rc;
}
