/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * prober.c - the probing engine
 *
 * Theory of operation
 *
 * Each target of each tunnel is one entry in a binary min-heap keyed by
 * its next event: the next regular probe, the deadline of its oldest
 * outstanding attempt, or "now" when a retry is due. One timerfd is armed
 * for the heap's top, so thousands of targets cost one wakeup per event
 * and nothing while idle.
 *
 * Bidirectional probes are complete IP packets written into the tunnel
 * device's transmit path through an AF_PACKET socket bound to it; the
 * routing table never sees them, so they cannot take another path. The
 * probes of one wakeup are built into a batch and handed to the kernel
 * with one sendmmsg per socket (a probe's slot is taken when it is
 * queued; a send error frees it and counts as a failed attempt). The
 * same socket receives them back (filtered in the kernel to ICMP echo
 * replies), before the hub's rp_filter. Unidirectional probes are plain
 * echo requests through a raw ICMP socket, answered by any path.
 *
 * A reply counts only when its MAC verifies (forged otherwise), when it
 * came back on the tunnel it was sent into (wrong_iface otherwise) and
 * when its sequence is still outstanding in the target's slot table
 * (stale otherwise: late, duplicated or replayed). Each attempt ends once,
 * as a reply or a timeout; a timeout schedules a quick retry until the
 * tunnel's retries are used up. Results feed the target's health state
 * machine (health.c); a tunnel's state is the quorum of its targets'
 * states, and a change moves the tunnel's routes (steer.c), writes the
 * state file and runs the alert actions.
 *
 * Pacing. Each target's regular probes follow a fixed schedule: start +
 * phase + k * interval, where the phase is the target's global index on
 * a golden-ratio sequence scaled to its interval (so any number of
 * targets, of one tunnel or of several sharing a device, fall due spread
 * evenly; the phase is stable for the life of the process). A wakeup
 * sends what falls due within SEND_SLACK_NS, but no device (probe socket)
 * gets more than send-burst probes at once: each socket has a token bucket
 * (GCRA: a "theoretical arrival time" tat, one probe costs cost_ns, a
 * send is allowed while tat - now <= (burst - 1) * cost_ns) whose rate is
 * what the device's targets need when every attempt fails and is retried
 * times a headroom, so the pace does not fall behind the schedule. A send
 * refused by the pace is deferred, not dropped: refused sends queue up in
 * groups of a burst, each group due when the bucket will be full again,
 * and the target waits (not_before) for its group; its schedule is
 * untouched, and a probe is timed from the moment it is built, so a
 * deferred probe is neither a loss nor a longer RTT.
 */
#include <errno.h>
#include <signal.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/cursor.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "pkt/build.h"
#include "pkt/pkt.h"
#include "probe/prober.h"
#include "probe/sock.h"

enum { EV_TIMER = 1, EV_SIGNAL, EV_HOUSEKEEP, EV_SOCK };

#define PROBE_BUF 65536
/* Regular probes due within this much are sent in the same wakeup: with
 * thousands of targets this batches sends (and so replies) instead of
 * waking once per probe. Timeouts are never decided early. */
#define SEND_SLACK_NS 10000000ull
#define PACE_MIN_COST_NS 1ull	/* a pace never faster than a probe per ns */
/* A device's pace is this many times the rate its targets need when every
 * attempt is retried: a wakeup that comes late loses the bucket's unused
 * tokens, and a pace with no room to spare would then fall behind. */
#define PACE_HEADROOM 4.0
#define LL_REFRESH_NS (10 * 1000000000ull)
#define TX_BATCH 64
#define TX_SLOT 9216		/* > the largest probe (9000) */

struct txent {
	uint32_t tg, seq;
	uint8_t attempt;
};

struct txbatch {
	int sock;		/* index into prober.socks, -1 = empty */
	unsigned n;
	struct txent ent[TX_BATCH];
	struct mmsghdr mh[TX_BATCH];
	struct iovec iov[TX_BATCH];
	struct sockaddr_ll sll[TX_BATCH];
	uint8_t buf[TX_BATCH][TX_SLOT];
};

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- the timer heap ------------------------------------------------------ */

static uint64_t tg_key(const struct prober *p, const struct ptarget *g)
{
	uint64_t k = UINT64_MAX;

	if (g->retry_attempt)
		k = g->not_before;
	else if (!p->count || g->regular_sent < p->count)
		k = g->next_send_ns > g->not_before ? g->next_send_ns : g->not_before;
	if (g->nbusy && g->first_deadline < k)
		k = g->first_deadline;
	return k;
}

static void heap_fix(struct prober *p, uint32_t i)
{
	struct heap_ent *h = p->heap, e = h[i];

	while (i > 0) {
		uint32_t up = (i - 1) / 2;

		if (h[up].key <= e.key)
			break;
		h[i] = h[up];
		p->heap_pos[h[i].tg] = i;
		i = up;
	}
	for (;;) {
		uint32_t l = 2 * i + 1, m;

		if (l >= p->nheap)
			break;
		m = l + 1 < p->nheap && h[l + 1].key < h[l].key ? l + 1 : l;
		if (h[m].key >= e.key)
			break;
		h[i] = h[m];
		p->heap_pos[h[i].tg] = i;
		i = m;
	}
	h[i] = e;
	p->heap_pos[e.tg] = i;
}

static void heap_update(struct prober *p, struct ptarget *g)
{
	uint32_t gi = (uint32_t)(g - p->tg), i = p->heap_pos[gi];
	uint64_t k = tg_key(p, g);

	if (p->heap[i].key == k)
		return;
	p->heap[i].key = k;
	heap_fix(p, i);
}

/* Busy slots are counted and their earliest deadline kept, so a target's
 * heap key costs no scan of its slots. */
static void slot_take(struct ptarget *g, struct probe_slot *s)
{
	if (!g->nbusy++ || s->deadline_ns < g->first_deadline)
		g->first_deadline = s->deadline_ns;
	s->busy = true;
}

static void slot_free(struct ptarget *g, struct probe_slot *s)
{
	unsigned i;

	s->busy = false;
	if (!--g->nbusy || s->deadline_ns != g->first_deadline)
		return;
	/* The earliest went while others are outstanding (retries, loss). */
	g->first_deadline = UINT64_MAX;
	for (i = 0; i < PROBE_SLOTS; i++)
		if (g->slots[i].busy && g->slots[i].deadline_ns < g->first_deadline)
			g->first_deadline = g->slots[i].deadline_ns;
}

/* --- pacing ------------------------------------------------------------- */

/* Where target @k's regular probes fall within their interval @iv_ns: the
 * fractional part of k times the golden ratio, a sequence whose first n
 * points cut the interval into gaps of at most three sizes for any n. */
static uint64_t pace_phase(uint32_t k, uint64_t iv_ns)
{
	uint64_t frac = (uint64_t)k * 0x9e3779b97f4a7c15ull;

	return (uint64_t)((double)(frac >> 11) * 0x1p-53 * (double)iv_ns);
}

/* May socket @d send one more probe at @now? Takes a token when it may. */
static bool pace_take(const struct prober *p, struct psock *d, uint64_t now)
{
	uint64_t from = d->tat > now ? d->tat : now;

	if (from - now > (uint64_t)(p->send_burst - 1) * d->cost_ns)
		return false;
	d->tat = from + d->cost_ns;
	return true;
}

/* A send of @g on @d was refused: it joins the queue of refused sends,
 * which leave in groups of a burst, one group each time the bucket is full
 * again (the first when it next is). A backlog is thus assigned its times
 * once instead of being refused again at every wakeup. */
static void pace_defer(struct prober *p, struct psock *d, struct ptarget *g)
{
	p->tun[g->tunnel].tx_paced++;
	if (d->gate < d->tat) {		/* no group waiting beyond the bucket */
		d->gate = d->tat;
		d->ndefer = 0;
	}
	if (d->ndefer == p->send_burst) {
		d->gate += p->send_burst * d->cost_ns;
		d->ndefer = 0;
	}
	d->ndefer++;
	g->not_before = d->gate;
	d->deferred++;
}

/* Each socket's cost per probe from the rate its targets need. */
static void pace_init(struct prober *p)
{
	double rate[sizeof(p->socks) / sizeof(p->socks[0])] = { 0 };
	uint64_t max_cost = SEND_SLACK_NS / p->send_burst;
	uint32_t i;

	for (i = 0; i < p->ntun; i++) {
		const struct tunnel_conf *c = p->tun[i].conf;

		if (p->tun[i].sock >= 0)
			rate[p->tun[i].sock] += PACE_HEADROOM * c->ntargets * (1 + c->retries) /
						((double)c->interval_ms * 1e-3);
	}
	for (i = 0; i < p->nsocks; i++) {
		struct psock *d = &p->socks[i];
		double cost = rate[i] > 0 ? 1e9 / rate[i] : (double)max_cost;

		d->cost_ns = cost < (double)max_cost ? (uint64_t)cost : max_cost;
		if (d->cost_ns < PACE_MIN_COST_NS)
			d->cost_ns = PACE_MIN_COST_NS;
		d->tat = d->gate = 0;
		d->ndefer = 0;
	}
}

/* --- results and states -------------------------------------------------- */

static void tunnel_eval(struct prober *p, struct ptunnel *t, const struct ptarget *why,
			uint64_t now_ms)
{
	unsigned healthy = 0, usable = 0, i, n = t->conf->ntargets;
	enum health_state st;
	char buf[IP_ADDR_STRLEN];

	for (i = 0; i < n; i++) {
		healthy += t->targets[i].h.state == HEALTH_HEALTHY;
		usable += t->targets[i].h.state != HEALTH_DOWN;
	}
	st = health_quorum_counts(healthy, usable, n, t->conf->quorum);
	if (st == t->state)
		return;
	t->prev_state = t->state;
	t->state = st;
	t->since_ms = now_ms;
	t->changed_real_ms = time_real_ms();
	t->transitions++;
	ip_addr_fmt(&why->addr, buf);
	if (n == 1)
		snprintf(t->reason, sizeof(t->reason), "%s: %s", buf, why->h.reason);
	else
		snprintf(t->reason, sizeof(t->reason),
			 "%u of %u targets healthy, %u not down (quorum %u); %s is %s: %s",
			 healthy, n, usable, t->conf->quorum ? t->conf->quorum : (n + 1) / 2,
			 buf, health_state_name(why->h.state), why->h.reason);
	log_info("tunnel %s: %s -> %s: %s", t->conf->name, health_state_name(t->prev_state),
		 health_state_name(st), t->reason);
	if (p->steering)
		steer_update(p, t);
	if (!p->oneshot) {
		alert_transition(p, t);
		state_write(p);
	}
}

static void tg_result(struct prober *p, struct ptunnel *t, struct ptarget *g, uint32_t seq,
		      bool ok, uint64_t rtt_ns, unsigned ttl, size_t bytes, uint64_t now_ns)
{
	uint64_t now_ms = now_ns / 1000000;

	if (ok)
		g->received++;
	else
		g->lost++;
	rttwin_add(&g->stats, now_ms, ok, rtt_ns);
	rttwin_add(&t->stats, now_ms, ok, rtt_ns);
	hwin_add(&t->slo_short, now_ms, ok);
	hwin_add(&t->slo_long, now_ms, ok);
	if (p->on_result)
		p->on_result(p, t, g, seq, ok, rtt_ns, ttl, bytes);
	if (health_result(&g->h, &t->conf->health, now_ms, ok)) {
		char buf[IP_ADDR_STRLEN];

		ip_addr_fmt(&g->addr, buf);
		if (t->conf->ntargets > 1)
			log_info("tunnel %s: target %s is %s: %s", t->conf->name, buf,
				 health_state_name(g->h.state), g->h.reason);
		tunnel_eval(p, t, g, now_ms);
	}
}

/* --- sending ------------------------------------------------------------- */

static int tun_resolve_ll(struct prober *p, struct ptunnel *t, bool wait)
{
	const struct ip_addr *peer = &t->conf->peer;
	struct sockaddr_storage ss;
	size_t sl;
	int r, fd, i;

	r = nl_neigh_lookup(&p->nl, t->ifindex, peer, t->ll, sizeof(t->ll));
	if (r > 0) {
		t->lllen = (unsigned)r;
		return 0;
	}
	/* Ask the kernel to resolve: a datagram to the discard port. */
	fd = socket(peer->family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		sl = ip_addr_to_sockaddr(peer, 9, &ss, sizeof(ss));
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->conf->iface,
			   (socklen_t)strlen(t->conf->iface));
		if (sl)
			sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&ss, (socklen_t)sl);
		close(fd);
	}
	for (i = 0; wait && i < 50; i++) {
		struct timespec ts = { 0, 20 * 1000000 };

		nanosleep(&ts, NULL);
		r = nl_neigh_lookup(&p->nl, t->ifindex, peer, t->ll, sizeof(t->ll));
		if (r > 0) {
			t->lllen = (unsigned)r;
			return 0;
		}
	}
	return -1;
}

static void tx_failed(struct prober *p, struct ptunnel *t, struct ptarget *g, uint32_t seq,
		      uint8_t attempt, int err, uint64_t now)
{
	static struct log_rl rl = LOG_RL_INIT(10000, 5);
	const struct tunnel_conf *c = t->conf;

	t->tx_err++;
	t->last_tx_err = err;
	if (err == EMSGSIZE)
		log_warnx_rl(&rl, "tunnel %s: a probe of %u bytes exceeds the MTU of %s",
			     c->name, c->size, c->iface[0] ? c->iface : "the path");
	else
		log_warnx_rl(&rl, "tunnel %s: sending a probe failed: %s", c->name,
			     strerror(err));
	tg_result(p, t, g, seq, false, 0, 0, 0, now);
	if (attempt < c->retries && attempt + 1 > g->retry_attempt)
		g->retry_attempt = (uint8_t)(attempt + 1);
}

/* Send the queued AF_PACKET probes: one sendmmsg for the whole batch (a
 * failing message is skipped and reported; the rest are sent again). */
static void tx_flush(struct prober *p, uint64_t now)
{
	struct txbatch *b = p->txb;
	unsigned i = 0;

	while (i < b->n) {
		int r = p->tx_hook ? p->tx_hook(p, (unsigned)b->sock, b->mh + i, b->n - i) :
			sendmmsg(p->socks[b->sock].fd, b->mh + i, b->n - i, 0);

		if (r > 0) {
			i += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		{
			struct txent *e = &b->ent[i];
			struct ptarget *g = &p->tg[e->tg];
			struct probe_slot *s = &g->slots[e->seq % PROBE_SLOTS];

			if (s->busy && s->seq == e->seq)
				slot_free(g, s);
			tx_failed(p, &p->tun[g->tunnel], g, e->seq, e->attempt,
				  r < 0 ? errno : EIO, now);
			heap_update(p, g);
		}
		i++;
	}
	b->n = 0;
	b->sock = -1;
}

/* A buffer for the next probe on socket @si (flushing when full or when
 * the batch belongs to another socket). */
static uint8_t *tx_slot(struct prober *p, int si, uint64_t now)
{
	struct txbatch *b = p->txb;

	if (b->n && (b->sock != si || b->n == TX_BATCH))
		tx_flush(p, now);
	b->sock = si;
	return b->buf[b->n];
}

static void tx_queue(struct prober *p, struct ptunnel *t, struct ptarget *g, uint32_t seq,
		     uint8_t attempt, size_t len)
{
	struct txbatch *b = p->txb;
	struct sockaddr_ll *sll = &b->sll[b->n];
	unsigned k = b->n++;

	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_ifindex = t->ifindex;
	sll->sll_protocol = htons(g->addr.family == 6 ? ETH_P_IPV6 : ETH_P_IP);
	if (t->l2 && t->lllen && t->lllen <= sizeof(sll->sll_addr)) {
		sll->sll_halen = (unsigned char)t->lllen;
		memcpy(sll->sll_addr, t->ll, t->lllen);
	}
	b->iov[k].iov_base = b->buf[k];
	b->iov[k].iov_len = len;
	memset(&b->mh[k], 0, sizeof(b->mh[k]));
	b->mh[k].msg_hdr.msg_name = sll;
	b->mh[k].msg_hdr.msg_namelen = sizeof(*sll);
	b->mh[k].msg_hdr.msg_iov = &b->iov[k];
	b->mh[k].msg_hdr.msg_iovlen = 1;
	b->ent[k].tg = (uint32_t)(g - p->tg);
	b->ent[k].seq = seq;
	b->ent[k].attempt = attempt;
}

static void tg_send(struct prober *p, struct ptunnel *t, struct ptarget *g, uint8_t attempt,
		    uint64_t now)
{
	const struct tunnel_conf *c = t->conf;
	struct probe_slot *s;
	struct probe_hdr ph;
	struct pkt_echo e;
	uint8_t *payload;
	size_t hl = pkt_ip_hdr_len(g->addr.family), len;
	uint32_t seq = g->seq++;
	int r;

	s = &g->slots[seq % PROBE_SLOTS];
	if (s->busy) {		/* outlived PROBE_SLOTS newer probes: lost */
		slot_free(g, s);
		tg_result(p, t, g, s->seq, false, 0, 0, 0, now);
	}
	memset(&e, 0, sizeof(e));
	e.id = t->icmp_id;
	e.seq = (uint16_t)seq;
	e.ttl = (uint8_t)c->ttl;
	e.dscp = (uint8_t)c->dscp;
	e.df = c->df;
	e.ip_id = (uint16_t)(seq * 2654435761u >> 16);
	e.payload_len = c->size - hl - 8;
	ph.tunnel = t->idx;
	ph.target = g->idx;
	ph.seq = seq;
	ph.tx_ns = real_ns();
	if (c->type == PROBE_UNIDIR) {
		e.src = ip_addr_is_set(&t->source) ? t->source : g->addr;
		e.dst = g->addr;
		payload = p->buf + 8;
		probe_wire_build(payload, e.payload_len, &ph, &g->addr, e.id, p->key);
		e.payload = payload;
		len = pkt_build_icmp_echo(p->buf + PROBE_BUF / 2, PROBE_BUF / 2, &e);
		r = len ? probe_sock_raw_send(p->socks[t->sock].fd, &g->addr,
					      p->buf + PROBE_BUF / 2, len) : -EINVAL;
	} else {
		if (c->type == PROBE_REPLY) {
			/* The packet the branch should send back: from the target. */
			e.reply = true;
			e.src = g->addr;
			e.dst = t->source;
		} else {
			e.src = t->source;
			e.dst = g->addr;
		}
		uint8_t *buf;

		if (t->l2 && now - t->ll_checked_ns > LL_REFRESH_NS) {
			t->ll_checked_ns = now;
			tun_resolve_ll(p, t, false);
		}
		buf = tx_slot(p, t->sock, now);
		payload = buf + hl + 8;
		probe_wire_build(payload, e.payload_len, &ph, &g->addr, e.id, p->key);
		e.payload = payload;
		/* Build in place: the payload already sits after the headers. */
		len = pkt_build_echo(buf, TX_SLOT, &e);
		r = len ? 0 : -EINVAL;
		if (len)
			tx_queue(p, t, g, seq, attempt, len);
	}
	g->sent++;
	t->tx++;
	if (r < 0) {
		tx_failed(p, t, g, seq, attempt, -r, now);
		return;
	}
	s->seq = seq;
	s->attempt = attempt;
	s->deadline_ns = now + c->timeout_ms * 1000000;
	slot_take(g, s);
}

static void tg_run(struct prober *p, struct ptarget *g, uint64_t now)
{
	struct ptunnel *t = &p->tun[g->tunnel];
	const struct tunnel_conf *c = t->conf;
	struct psock *d = &p->socks[t->sock];
	uint64_t iv = c->interval_ms * 1000000;
	unsigned i;

	for (i = 0; g->nbusy && i < PROBE_SLOTS; i++) {
		struct probe_slot *s = &g->slots[i];

		if (!s->busy || s->deadline_ns > now)
			continue;
		slot_free(g, s);
		tg_result(p, t, g, s->seq, false, 0, 0, 0, now);
		if (s->attempt < c->retries && s->attempt + 1 > g->retry_attempt)
			g->retry_attempt = (uint8_t)(s->attempt + 1);
	}
	if (g->not_before > now)	/* waiting for the device's pace */
		return;
	if (g->retry_attempt) {
		uint8_t a = g->retry_attempt;

		if (!pace_take(p, d, now)) {
			pace_defer(p, d, g);
			return;
		}
		g->retry_attempt = 0;
		tg_send(p, t, g, a, now);
	}
	if ((!p->count || g->regular_sent < p->count) && g->next_send_ns <= now + SEND_SLACK_NS) {
		if (!pace_take(p, d, now)) {
			pace_defer(p, d, g);
			return;
		}
		g->regular_sent++;
		tg_send(p, t, g, 0, now);
		/* Next slot of the schedule; when the loop fell a whole interval
		 * behind (a stall), skip the slots missed, keeping the phase. */
		g->next_send_ns += iv;
		if (g->next_send_ns <= now) {
			uint64_t n = (now - g->next_send_ns) / iv + 1;

			g->next_send_ns += n * iv;
			g->skipped += n;
			t->tx_skipped += n;
		}
	}
}

void prober_run_due(struct prober *p, uint64_t now)
{
	unsigned guard = 0;

	while (p->nheap && p->heap[0].key <= now + SEND_SLACK_NS &&
	       guard++ < 4 * p->nheap + 16) {
		struct ptarget *g = &p->tg[p->heap[0].tg];
		uint64_t before = p->heap[0].key;

		tg_run(p, g, now);
		heap_update(p, g);
		/* A deadline inside the slack is not due yet, a deferred send
		 * waits for its pace: wait for them. */
		if (p->heap[0].tg == (uint32_t)(g - p->tg) && p->heap[0].key == before)
			break;
	}
	if (p->txb->n)
		tx_flush(p, now);
}

/* --- receiving ----------------------------------------------------------- */

void prober_handle_reply(struct prober *p, unsigned si, const struct probe_rx *rx,
			 uint64_t now)
{
	struct pkt_meta m;
	const uint8_t *pl;
	size_t pllen;
	uint16_t id, seq;
	uint8_t type;
	struct ip_addr src;
	struct probe_hdr h;
	struct ptunnel *t;
	struct ptarget *g;
	struct probe_slot *s;
	unsigned ttl = 0;
	uint32_t ti;

	if (p->socks[si].kind == PSOCK_RAW6) {
		struct cursor c = cur_init(rx->pkt, rx->len);

		type = cur_u8(&c);
		cur_skip(&c, 3);
		id = cur_u16(&c);
		seq = cur_u16(&c);
		if (!cur_ok(&c)) {
			p->rx_bad++;
			return;
		}
		pl = cur_ptr(&c);
		pllen = cur_left(&c);
		src = rx->from;
		if (type != ICMP_ECHO_REPLY6)
			return;
	} else {
		if (pkt_parse_ip(rx->pkt, rx->len, &m) < 0 || m.depth != PKT_L4) {
			p->rx_bad++;
			return;
		}
		if (!((m.proto == IPPROTO_NUM_ICMP && m.icmp_type == ICMP_ECHO_REPLY4) ||
		      (m.proto == IPPROTO_NUM_ICMPV6 && m.icmp_type == ICMP_ECHO_REPLY6)))
			return;
		id = m.icmp_id;
		seq = m.icmp_seq;
		src = m.src;
		pl = m.l4_payload;
		pllen = m.l4_payload_len;
		ttl = m.ttl;
	}
	ti = (uint16_t)(id - p->tun[0].icmp_id);
	if (ti >= p->ntun) {
		p->rx_not_ours++;
		return;
	}
	t = &p->tun[ti];
	switch (probe_wire_check(pl, pllen, &h, &src, id, seq, p->key)) {
	case PROBE_NOT_OURS:
		p->rx_not_ours++;
		return;
	case PROBE_FORGED: {
		static struct log_rl rl = LOG_RL_INIT(10000, 3);
		char buf[IP_ADDR_STRLEN];

		t->rx_forged++;
		ip_addr_fmt(&src, buf);
		log_warnx_rl(&rl, "tunnel %s: ignoring a forged probe reply from %s",
			     t->conf->name, buf);
		return;
	}
	case PROBE_OK:
		break;
	}
	if (h.tunnel != ti || h.target >= t->conf->ntargets ||
	    !ip_addr_eq(&t->targets[h.target].addr, &src)) {
		t->rx_forged++;
		return;
	}
	if ((int)si != t->sock) {
		t->rx_wrong_iface++;
		return;
	}
	g = &t->targets[h.target];
	s = &g->slots[h.seq % PROBE_SLOTS];
	if (!s->busy || s->seq != h.seq) {
		t->rx_stale++;
		return;
	}
	slot_free(g, s);
	t->rx_ok++;
	tg_result(p, t, g, h.seq, true, rx->ts_ns > h.tx_ns ? rx->ts_ns - h.tx_ns : 0, ttl,
		  (p->socks[si].kind == PSOCK_RAW6 ? 40 : 0) + rx->len, now);
	heap_update(p, g);
}

static void sock_rx(struct prober *p, unsigned si)
{
	uint64_t now = time_mono_ns();	/* one clock read per batch of replies */
	int i, j, r;

	for (i = 0; i < 1024 / PROBE_RX_BATCH; i++) {
		r = probe_sock_recv_many(p->socks[si].fd, p->rxb);
		for (j = 0; j < r; j++)
			prober_handle_reply(p, si, &p->rxb->rx[j], now);
		if (r < PROBE_RX_BATCH)
			break;
	}
}

/* --- setup --------------------------------------------------------------- */

static int sock_get(struct prober *p, enum psock_kind kind, int ifindex, int fd)
{
	unsigned i;

	for (i = 0; fd < 0 && i < p->nsocks; i++)
		if (p->socks[i].kind == kind && p->socks[i].ifindex == ifindex)
			return (int)i;
	if (p->nsocks == sizeof(p->socks) / sizeof(p->socks[0])) {
		log_warnx("more than %zu probe sockets", sizeof(p->socks) / sizeof(p->socks[0]));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0)
		fd = probe_sock_packet(ifindex, p->tun[0].icmp_id, p->ntun);
	if (fd < 0) {
		errno = -fd;
		log_warn("probe socket on ifindex %d", ifindex);
		return -1;
	}
	p->socks[p->nsocks].fd = fd;
	p->socks[p->nsocks].kind = kind;
	p->socks[p->nsocks].ifindex = ifindex;
	return (int)p->nsocks++;
}

struct src_find {
	int ifindex;
	uint8_t family;
	struct ip_addr *out;
	bool global;
};

static int src_find_cb(void *arg, const struct nl_ifaddr *a)
{
	struct src_find *f = arg;

	if (a->ifindex != f->ifindex || a->local.family != f->family)
		return 0;
	if (ip_addr_is_set(f->out) && (f->global || a->scope != 0))
		return 0;
	*f->out = a->local;
	f->global = a->scope == 0;
	return 0;
}

static int tunnel_setup(struct prober *p, struct ptunnel *t)
{
	const struct tunnel_conf *c = t->conf;
	uint8_t fam = c->targets[0].family;
	struct nl_link link;
	char buf[IP_ADDR_STRLEN];
	int r;

	if (c->iface[0]) {
		r = p->have_nl ? nl_link_get(&p->nl, c->iface, &link) : -ENOSYS;
		if (r < 0) {
			log_warnx("tunnel %s: iface %s: %s", c->name, c->iface,
				  r == -ENODEV ? "no such device" : strerror(-r));
			return -1;
		}
		t->ifindex = link.ifindex;
		t->l2 = link.type == ARPHRD_ETHER;
		if (!(link.flags & IFF_UP))
			log_warnx("tunnel %s: %s is down", c->name, c->iface);
		if (!strcmp(link.kind, "wireguard") && c->type == PROBE_REPLY)
			log_warnx("tunnel %s: %s is WireGuard: reply probes are sent to the hub's "
				  "own address, which must be in the peer's allowed-ips; prefer "
				  "type request with a per-peer target", c->name, c->iface);
	} else if (c->type != PROBE_UNIDIR) {
		log_warnx("tunnel %s: no iface", c->name);
		return -1;
	}
	if (c->type == PROBE_UNIDIR) {
		int fd = probe_sock_raw(fam, &t->source, c->dscp, c->ttl, c->df);

		if (fd < 0) {
			errno = -fd;
			log_warn("tunnel %s: raw ICMP socket", c->name);
			return -1;
		}
		t->sock = sock_get(p, fam == 6 ? PSOCK_RAW6 : PSOCK_RAW4, -1 - (int)t->idx, fd);
		return t->sock < 0 ? -1 : 0;
	}
	if (!ip_addr_is_set(&t->source)) {
		struct src_find f = { t->ifindex, fam, &t->source, false };

		nl_dump_addrs(&p->nl, fam, src_find_cb, &f);
		if (!ip_addr_is_set(&t->source)) {
			log_warnx("tunnel %s: %s has no IPv%u address to receive probes on; set "
				  "'source'", c->name, c->iface, fam);
			return -1;
		}
	}
	if (t->l2) {
		if (!ip_addr_is_set(&c->peer)) {
			log_warnx("tunnel %s: %s is an Ethernet-like device (%s): set 'peer' (--peer) "
				  "to the branch's address on it so probes can be framed for it",
				  c->name, c->iface, link.kind[0] ? link.kind : "ether");
			return -1;
		}
		if (tun_resolve_ll(p, t, true) < 0) {
			ip_addr_fmt(&c->peer, buf);
			log_warnx("tunnel %s: no link-layer address for peer %s on %s (no "
				  "neighbour entry); will keep trying", c->name, buf, c->iface);
		}
		t->ll_checked_ns = time_mono_ns();
	}
	t->sock = sock_get(p, PSOCK_PACKET, t->ifindex, -1);
	return t->sock < 0 ? -1 : 0;
}

int prober_alloc(struct prober *p, struct probe_conf *conf, uint64_t now)
{
	uint32_t i, j, k;

	p->conf = conf;
	p->tfd = p->sfd = p->hk_tfd = -1;
	p->loop.epfd = -1;
	p->send_burst = conf->send_burst ? conf->send_burst : 1;
	p->ntun = conf->ntunnels;
	for (i = 0; i < p->ntun; i++)
		p->ntg += conf->tunnels[i].ntargets;
	p->tun = calloc(p->ntun ? p->ntun : 1, sizeof(*p->tun));
	p->tg = calloc(p->ntg ? p->ntg : 1, sizeof(*p->tg));
	p->heap = calloc(p->ntg ? p->ntg : 1, sizeof(*p->heap));
	p->heap_pos = calloc(p->ntg ? p->ntg : 1, sizeof(*p->heap_pos));
	p->buf = malloc(PROBE_BUF);
	p->txb = malloc(sizeof(*p->txb));
	p->rxb = malloc(sizeof(*p->rxb));
	if (!p->rxb || !p->tun || !p->tg || !p->heap || !p->heap_pos || !p->buf || !p->txb) {
		log_warnx("out of memory for %u targets", p->ntg);
		return -1;
	}
	p->txb->n = 0;
	p->txb->sock = -1;
	p->real_minus_mono_ms = time_real_ms() - (int64_t)(now / 1000000);
	for (i = 0, k = 0; i < p->ntun; i++) {
		struct ptunnel *t = &p->tun[i];
		const struct tunnel_conf *c = &conf->tunnels[i];

		t->conf = c;
		t->idx = i;
		t->sock = -1;
		t->source = c->source;
		t->icmp_id = (uint16_t)(p->id_base + i);
		t->targets = &p->tg[k];
		t->since_ms = now / 1000000;
		snprintf(t->reason, sizeof(t->reason), "initial state");
		rttwin_init(&t->stats, c->stats_window_ms);
		hwin_init(&t->slo_short, c->slo_short_ms);
		hwin_init(&t->slo_long, c->slo_long_ms);
		t->next_slo_ns = now + c->slo_every_ms * 1000000;
		for (j = 0; j < c->ntargets; j++, k++) {
			struct ptarget *g = &p->tg[k];

			g->addr = c->targets[j];
			g->tunnel = i;
			g->idx = j;
			health_init(&g->h, &c->health, now / 1000000);
			rttwin_init(&g->stats, c->stats_window_ms);
		}
	}
	return 0;
}

void prober_sched_init(struct prober *p, uint64_t now)
{
	uint32_t k;

	pace_init(p);
	for (k = 0; k < p->ntg; k++) {
		struct ptarget *g = &p->tg[k];

		g->next_send_ns = now + pace_phase(k, p->tun[g->tunnel].conf->interval_ms *
							 1000000);
		p->heap[k].tg = k;
		p->heap[k].key = tg_key(p, g);
		p->heap_pos[k] = k;
	}
	/* Insert one by one: each sift-up starts from a valid heap. */
	for (p->nheap = 0; p->nheap < p->ntg; p->nheap++)
		heap_fix(p, p->nheap);
}

int prober_init(struct prober *p, struct probe_conf *conf)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, 0 };
	uint64_t now = time_mono_ns();
	uint32_t i;
	int r;

	p->tfd = p->sfd = p->hk_tfd = -1;
	p->txb = NULL;
	p->rxb = NULL;
	p->loop.epfd = -1;
	if (getrandom(p->key, sizeof(p->key), 0) != sizeof(p->key) ||
	    getrandom(&p->id_base, sizeof(p->id_base), 0) != sizeof(p->id_base)) {
		log_warn("getrandom");
		return -1;
	}
	r = nl_open(&p->nl);
	p->have_nl = r == 0;
	if (r < 0) {
		errno = -r;
		log_warn("netlink");
	}
	if (prober_alloc(p, conf, now) < 0)
		return -1;
	for (i = 0; i < p->ntun; i++)
		if (tunnel_setup(p, &p->tun[i]) < 0)
			return -1;
	prober_sched_init(p, time_mono_ns());	/* setup may have taken a while */
	if ((r = ev_init(&p->loop)) < 0 || (p->tfd = ev_timer_new()) < 0 ||
	    (p->hk_tfd = ev_timer_new()) < 0 || (p->sfd = ev_signalfd(sigs)) < 0) {
		log_warnx("event loop setup failed");
		return -1;
	}
	ev_add(&p->loop, p->tfd, EPOLLIN, ev_ref(EV_TIMER, p->tfd, 0));
	ev_add(&p->loop, p->sfd, EPOLLIN, ev_ref(EV_SIGNAL, p->sfd, 0));
	if (!p->oneshot) {
		ev_timer_every(p->hk_tfd, conf->state_every_ms * 1000000);
		ev_add(&p->loop, p->hk_tfd, EPOLLIN, ev_ref(EV_HOUSEKEEP, p->hk_tfd, 0));
	}
	for (i = 0; i < p->nsocks; i++)
		if (ev_add(&p->loop, p->socks[i].fd, EPOLLIN,
			   ev_ref(EV_SOCK, p->socks[i].fd, i)) < 0)
			return -1;
	if (p->steering && steer_init(p) < 0)
		return -1;
	return 0;
}

static bool oneshot_done(const struct prober *p)
{
	uint32_t i, s;

	for (i = 0; i < p->ntg; i++) {
		const struct ptarget *g = &p->tg[i];

		if (g->regular_sent < p->count || g->retry_attempt)
			return false;
		for (s = 0; s < PROBE_SLOTS; s++)
			if (g->slots[s].busy)
				return false;
	}
	return true;
}

static void housekeep(struct prober *p)
{
	uint64_t now = time_mono_ns();
	uint32_t i;

	ev_timer_read(p->hk_tfd);
	for (i = 0; i < p->nsocks; i++)
		if (p->socks[i].kind == PSOCK_PACKET)
			probe_sock_drops(p->socks[i].fd, &p->rx_drops);
	for (i = 0; i < p->ntun; i++)
		alert_slo_check(p, &p->tun[i], now);
	alert_reap(p);
	state_write(p);
}

int prober_loop(struct prober *p)
{
	struct epoll_event evs[64];
	uint64_t armed = UINT64_MAX - 1;
	int n, i;

	while (!p->stop) {
		if (p->nheap) {
			uint64_t at = p->heap[0].key == UINT64_MAX ? 0 :
				      p->heap[0].key ? p->heap[0].key : 1;

			if (at != armed)	/* one syscall fewer per wakeup */
				ev_timer_at(p->tfd, at);
			armed = at;
		}
		n = ev_wait(&p->loop, evs, 64, -1);
		if (n < 0) {
			errno = -n;
			log_warn("epoll_wait");
			return -1;
		}
		for (i = 0; i < n; i++) {
			uint64_t ref = evs[i].data.u64;

			switch (ev_ref_type(ref)) {
			case EV_TIMER:
				ev_timer_read(p->tfd);
				armed = UINT64_MAX - 1;	/* it fired: re-arm */
				prober_run_due(p, time_mono_ns());
				break;
			case EV_SOCK:
				sock_rx(p, ev_ref_idx(ref));
				break;
			case EV_HOUSEKEEP:
				housekeep(p);
				break;
			case EV_SIGNAL: {
				int sig = ev_signal_read(p->sfd);

				if (sig == SIGHUP)
					log_info("SIGHUP: reloading is not supported yet; restart "
						 "to apply a new config");
				else if (sig)
					p->stop = true;
				break;
			}
			default:
				break;
			}
		}
		/* Receiving may free the last outstanding slot: run due work now. */
		prober_run_due(p, time_mono_ns());
		if (p->oneshot && p->count && oneshot_done(p))
			p->stop = true;
	}
	return 0;
}

void prober_free(struct prober *p)
{
	uint32_t i;

	if (p->steering && p->steer)
		steer_restore(p);
	steer_free(p);
	for (i = 0; i < p->nsocks; i++)
		close(p->socks[i].fd);
	if (p->tfd >= 0)
		close(p->tfd);
	if (p->hk_tfd >= 0)
		close(p->hk_tfd);
	if (p->sfd >= 0)
		close(p->sfd);
	ev_close(&p->loop);
	if (p->have_nl)
		nl_close(&p->nl);
	free(p->tun);
	free(p->tg);
	free(p->heap);
	free(p->heap_pos);
	p->heap_pos = NULL;
	free(p->buf);
	free(p->txb);
	p->txb = NULL;
	free(p->rxb);
	p->rxb = NULL;
}
