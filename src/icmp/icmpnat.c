/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * icmpnat.c - echo-sequence NAT for the connector's ICMP proxy
 *
 * Theory of operation
 *
 * Clients behind the edge send echo requests to hosts behind the
 * connector. The connector runs unprivileged, so it can only send them
 * through ICMP datagram ("ping") sockets, and the kernel owns the echo
 * identifier of such a socket: it overwrites the id we send and delivers a
 * reply only to the socket whose id it carries. One socket per client flow
 * (cloudflared, pasta) is simple but costs a socket, an fd and an
 * identifier per flow: the kernel's ping socket table has 64 hash buckets
 * and one 65,535-id space per namespace, and measured throughput halves at
 * 10,000 sockets.
 *
 * So we keep a small fixed pool of sockets per family (--icmp-sockets,
 * default 2) and multiplex on the *sequence number* instead: every echo we
 * proxy gets a fresh 16-bit sequence on one socket of the pool, and the
 * mapping
 *
 *     (socket, proxied seq)  <->  (client address, dst, client id, client seq)
 *
 * lives until the reply or an error for it arrives, or until the timeout.
 * The socket is chosen by a hash of (client, id), so one ping flow stays on
 * one socket and its replies come back in order. Replies and errors are
 * looked up by (socket, seq) in a flat 65,536-slot array per socket: O(1),
 * no hashing on the reply path. A reply must come from the host the echo
 * went to and an error must quote that destination, otherwise it is
 * counted as forged and dropped.
 *
 * Bounds: at most max_mappings echoes in flight (preallocated entries), at
 * most max_per_client per client address, at most max_clients distinct
 * client addresses, and 65,536 per socket. Entries sit on a doubly linked
 * age list in allocation order; since every entry has the same timeout the
 * oldest is always at the head, so expiry is O(1) per expired entry. A
 * sequence slot still held by a live entry is skipped (bounded probing).
 *
 * Hops: the edge's host already took its hop; the connector is a hop too,
 * so an echo arriving with TTL <= 1 is answered with time exceeded from
 * the connector's own address, and otherwise sent on with TTL - 1 (per
 * packet ancillary data on the socket). Routers behind us then expire it
 * and their errors arrive on the socket's error queue; we turn them back
 * into ICMP errors from that router to the client, quoting the client's
 * original header (kept in the entry) so the client's traceroute matches
 * them. A reply's TTL is decremented once (our hop), not reset. Errors
 * we originate ourselves are rate limited (token bucket).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/icmpnat.h"
#include "icmp/icmppkt.h"
#include "pkt/pkt.h"

#define NIL UINT32_MAX
#define PROBE_MAX 64

static const char *const drop_names[NAT_DROP_MAX] = {
	[NAT_DROP_MALFORMED] = "malformed",
	[NAT_DROP_FRAGMENT] = "fragment",
	[NAT_DROP_NOT_ICMP] = "not_icmp",
	[NAT_DROP_NOT_ECHO] = "not_echo_request",
	[NAT_DROP_CHECKSUM] = "bad_checksum",
	[NAT_DROP_NO_SOCKET] = "family_not_served",
	[NAT_DROP_CLIENT_LIMIT] = "client_limit",
	[NAT_DROP_CLIENTS_FULL] = "clients_full",
	[NAT_DROP_TABLE_FULL] = "table_full",
	[NAT_DROP_SEQ_EXHAUSTED] = "seq_exhausted",
	[NAT_DROP_SEND_FAILED] = "send_failed",
	[NAT_DROP_TTL_NO_SOURCE] = "ttl_expired_no_source",
	[NAT_DROP_REPLY_UNKNOWN] = "reply_unknown",
	[NAT_DROP_REPLY_FORGED] = "reply_forged",
	[NAT_DROP_REPLY_TTL] = "reply_ttl_expired",
	[NAT_DROP_ERROR_UNKNOWN] = "error_unknown",
	[NAT_DROP_ERROR_FORGED] = "error_forged",
	[NAT_DROP_ERROR_OTHER] = "error_other",
	[NAT_DROP_RATELIMIT] = "error_ratelimited",
	[NAT_DROP_TOO_BIG] = "too_big",
};

const char *nat_drop_name(enum nat_drop d)
{
	return d < NAT_DROP_MAX ? drop_names[d] : "?";
}

void nat_config_default(struct nat_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_mappings = 65536;
	cfg->max_per_client = 4096;
	cfg->max_clients = 4096;
	cfg->timeout_ms = 10000;
	cfg->nsock[NAT_FAM_V4] = 2;
	cfg->nsock[NAT_FAM_V6] = 2;
	cfg->err_rate = 1000;
	cfg->err_burst = 100;
}

int nat_init(struct nat *n, const struct nat_config *cfg)
{
	unsigned f, s;
	uint32_t i;

	memset(n, 0, sizeof(*n));
	n->cfg = *cfg;
	if (!cfg->max_mappings || cfg->max_mappings >= NIL || !cfg->max_clients ||
	    cfg->nsock[0] > NAT_MAX_SOCKS || cfg->nsock[1] > NAT_MAX_SOCKS)
		return -1;
	n->e = calloc(cfg->max_mappings, sizeof(*n->e));
	n->cl = calloc(cfg->max_clients, sizeof(*n->cl));
	if (!n->e || !n->cl || hmap_init(&n->clients, 64) < 0)
		goto fail;
	for (i = 0; i < cfg->max_mappings; i++)
		n->e[i].next = i + 1 < cfg->max_mappings ? i + 1 : NIL;
	n->free_head = 0;
	for (i = 0; i < cfg->max_clients; i++)
		n->cl[i].next_free = i + 1 < cfg->max_clients ? i + 1 : NIL;
	n->cl_free = 0;
	n->old = n->young = NIL;
	for (f = 0; f < 2; f++)
		for (s = 0; s < cfg->nsock[f]; s++) {
			n->socks[f][s].slot = calloc(NAT_SEQ_SPACE, sizeof(uint32_t));
			if (!n->socks[f][s].slot)
				goto fail;
			/* Start somewhere unpredictable-ish: not needed for
			 * safety (the kernel checks the id), just spreads use. */
			n->socks[f][s].next = (uint16_t)(s * 4099u + f * 257u);
		}
	n->tokens_ms = (uint64_t)cfg->err_burst * 1000;
	return 0;
fail:
	nat_free(n);
	return -1;
}

void nat_free(struct nat *n)
{
	unsigned f, s;

	for (f = 0; f < 2; f++)
		for (s = 0; s < NAT_MAX_SOCKS; s++)
			free(n->socks[f][s].slot);
	hmap_destroy(&n->clients);
	free(n->e);
	free(n->cl);
	memset(n, 0, sizeof(*n));
}

/* ---- clients ---- */

static uint64_t addr_hash(const struct ip_addr *a)
{
	return hash_bytes(a, sizeof(*a), 0x9e3779b97f4a7c15ULL);
}

static uint32_t client_get(struct nat *n, const struct ip_addr *a, bool create)
{
	uint64_t h = addr_hash(a);
	struct hmap_node *hn;
	struct nat_client *c;
	uint32_t i;

	for (hn = hmap_first_with(&n->clients, h); hn; hn = hmap_next_with(hn)) {
		c = hmap_entry(hn, struct nat_client, node);
		if (ip_addr_eq(&c->addr, a))
			return (uint32_t)(c - n->cl);
	}
	if (!create || n->cl_free == NIL)
		return NIL;
	i = n->cl_free;
	c = &n->cl[i];
	n->cl_free = c->next_free;
	c->addr = *a;
	c->inflight = 0;
	hmap_insert(&n->clients, &c->node, h);
	return i;
}

static void client_put(struct nat *n, uint32_t i)
{
	struct nat_client *c = &n->cl[i];

	if (--c->inflight)
		return;
	hmap_remove(&n->clients, &c->node);
	c->next_free = n->cl_free;
	n->cl_free = i;
}

/* ---- entries ---- */

static void entry_release(struct nat *n, uint32_t i)
{
	struct nat_entry *e = &n->e[i];

	if (e->prev != NIL)
		n->e[e->prev].next = e->next;
	else
		n->old = e->next;
	if (e->next != NIL)
		n->e[e->next].prev = e->prev;
	else
		n->young = e->prev;
	n->socks[e->fam][e->sock].slot[e->pseq] = 0;
	client_put(n, e->client);
	e->live = false;
	e->next = n->free_head;
	n->free_head = i;
	n->active--;
}

unsigned nat_expire(struct nat *n, uint64_t now_ms)
{
	unsigned k = 0;

	while (n->old != NIL && now_ms - n->e[n->old].born_ms >= n->cfg.timeout_ms) {
		entry_release(n, n->old);
		n->st.timeouts++;
		k++;
	}
	return k;
}

/* Find a free sequence on a socket; a slot held by an expired entry is
 * reclaimed. Return: the pseq, or -1. */
static int seq_alloc(struct nat *n, unsigned fam, unsigned sock, uint64_t now_ms)
{
	struct nat_sock *s = &n->socks[fam][sock];
	unsigned k;

	for (k = 0; k < PROBE_MAX; k++) {
		uint16_t q = s->next++;
		uint32_t held = s->slot[q];

		if (!held)
			return q;
		if (now_ms - n->e[held - 1].born_ms >= n->cfg.timeout_ms) {
			entry_release(n, held - 1);
			n->st.timeouts++;
			return q;
		}
	}
	return -1;
}

/* ---- errors we originate ---- */

static bool ratelimit_ok(struct nat *n, uint64_t now_ms)
{
	uint64_t max = (uint64_t)n->cfg.err_burst * 1000;

	n->tokens_ms += (now_ms - n->tokens_at) * n->cfg.err_rate;
	n->tokens_at = now_ms;
	if (n->tokens_ms > max)
		n->tokens_ms = max;
	if (n->tokens_ms < 1000) {
		n->st.drops[NAT_DROP_RATELIMIT]++;
		return false;
	}
	n->tokens_ms -= 1000;
	return true;
}

static size_t originate(struct nat *n, const struct ip_addr *to, unsigned fam,
			const struct icmppkt_err_spec *spec, const uint8_t *quote,
			size_t qlen, uint64_t now_ms, uint8_t *out, size_t cap)
{
	size_t len;

	if (!ip_addr_is_set(&n->cfg.self[fam])) {
		n->st.drops[NAT_DROP_TTL_NO_SOURCE]++;
		return 0;
	}
	if (!ratelimit_ok(n, now_ms))
		return 0;
	len = icmppkt_error(out, cap, &n->cfg.self[fam], to, spec, quote, qlen);
	if (!len) {
		n->st.drops[NAT_DROP_TOO_BIG]++;
		return 0;
	}
	n->st.errors_generated++;
	return len;
}

/* ---- the input path ---- */

static enum nat_verdict drop(struct nat *n, enum nat_drop why)
{
	n->st.drops[why]++;
	return NAT_V_DROP;
}

static unsigned pick_socket(const struct nat *n, unsigned fam, const struct ip_addr *src,
			    uint16_t id)
{
	uint64_t h = addr_hash(src) ^ hash_u64(id);

	return (unsigned)(hash_u64(h) % n->cfg.nsock[fam]);
}

enum nat_verdict nat_input(struct nat *n, const uint8_t *pkt, size_t len, uint64_t now_ms,
			   struct nat_tx *tx, uint8_t *out, size_t cap, size_t *out_len)
{
	struct pkt_meta m;
	const uint8_t *l4;
	size_t l4len, qlen;
	unsigned fam;
	uint8_t echo;
	uint32_t ci, ei;
	struct nat_entry *e;
	int q;

	if (pkt_parse_ip(pkt, len, &m) < 0 || m.ip_total_len > len)
		return drop(n, NAT_DROP_MALFORMED);
	if (m.fragment)
		return drop(n, NAT_DROP_FRAGMENT);
	fam = m.ip_version == 4 ? NAT_FAM_V4 : NAT_FAM_V6;
	if (m.proto != (fam == NAT_FAM_V4 ? IPPROTO_NUM_ICMP : IPPROTO_NUM_ICMPV6))
		return drop(n, NAT_DROP_NOT_ICMP);
	if (m.depth < PKT_L4)
		return drop(n, NAT_DROP_MALFORMED);
	echo = fam == NAT_FAM_V4 ? ICMPPKT_V4_ECHO : ICMPPKT_V6_ECHO;
	if (m.icmp_type != echo || m.icmp_code != 0)
		return drop(n, NAT_DROP_NOT_ECHO);
	l4 = m.l4_payload - 8;
	l4len = m.l4_payload_len + 8;
	if (!icmppkt_csum_ok(&m.src, &m.dst, l4, l4len))
		return drop(n, NAT_DROP_CHECKSUM);
	n->st.echoes_in++;
	qlen = (size_t)(l4 - pkt) + 8;
	if (qlen > NAT_QUOTE_MAX)
		qlen = NAT_QUOTE_MAX;
	if (m.ttl <= 1) {
		struct icmppkt_err_spec te = { .kind = ICMPPKT_ERR_TIME_EXCEEDED };

		n->st.ttl_expired++;
		*out_len = originate(n, &m.src, fam, &te, pkt, qlen, now_ms, out, cap);
		return *out_len ? NAT_V_ANSWER : NAT_V_DROP;
	}
	if (!n->cfg.nsock[fam]) {
		/* Not allowed to open ICMP sockets: say where the path stops. */
		struct icmppkt_err_spec ap = { .kind = ICMPPKT_ERR_ADMIN };

		n->st.drops[NAT_DROP_NO_SOCKET]++;
		*out_len = originate(n, &m.src, fam, &ap, pkt, qlen, now_ms, out, cap);
		return *out_len ? NAT_V_ANSWER : NAT_V_DROP;
	}
	nat_expire(n, now_ms);
	if (n->free_head == NIL)
		return drop(n, NAT_DROP_TABLE_FULL);
	ci = client_get(n, &m.src, true);
	if (ci == NIL)
		return drop(n, NAT_DROP_CLIENTS_FULL);
	if (n->cl[ci].inflight >= n->cfg.max_per_client)
		return drop(n, NAT_DROP_CLIENT_LIMIT);
	n->cl[ci].inflight++;
	tx->fam = (uint8_t)fam;
	tx->sock = (uint8_t)pick_socket(n, fam, &m.src, m.icmp_id);
	q = seq_alloc(n, fam, tx->sock, now_ms);
	if (q < 0) {
		client_put(n, ci);
		return drop(n, NAT_DROP_SEQ_EXHAUSTED);
	}
	ei = n->free_head;
	e = &n->e[ei];
	n->free_head = e->next;
	e->client = ci;
	e->born_ms = now_ms;
	e->src = m.src;
	e->dst = m.dst;
	e->id = m.icmp_id;
	e->seq = m.icmp_seq;
	e->pseq = (uint16_t)q;
	e->fam = (uint8_t)fam;
	e->sock = tx->sock;
	e->live = true;
	e->quote_len = (uint8_t)qlen;
	memcpy(e->quote, pkt, qlen);
	e->prev = n->young;
	e->next = NIL;
	if (n->young != NIL)
		n->e[n->young].next = ei;
	else
		n->old = ei;
	n->young = ei;
	n->socks[fam][tx->sock].slot[q] = ei + 1;
	n->active++;
	tx->dst = m.dst;
	tx->seq = (uint16_t)q;
	tx->ttl = (uint8_t)(m.ttl - 1);
	tx->payload = m.l4_payload;
	tx->len = m.l4_payload_len;
	n->st.proxied++;
	return NAT_V_SEND;
}

/* ---- the return path ---- */

static struct nat_entry *lookup(struct nat *n, unsigned fam, unsigned sock, uint16_t seq,
				uint64_t now_ms)
{
	uint32_t held;
	struct nat_entry *e;

	if (fam > 1 || sock >= n->cfg.nsock[fam])
		return NULL;
	held = n->socks[fam][sock].slot[seq];
	if (!held)
		return NULL;
	e = &n->e[held - 1];
	if (now_ms - e->born_ms >= n->cfg.timeout_ms)
		return NULL;	/* expired: nat_expire will collect it */
	return e;
}

/* Info field of a translated error, from the kernel's ee_info. */
static uint32_t err_info(unsigned fam, const struct nat_rx *rx)
{
	if (fam == NAT_FAM_V4) {
		if (rx->type == ICMPPKT_V4_UNREACH && rx->code == 4)
			return rx->info & 0xffff;
		if (rx->type == ICMPPKT_V4_PARAM_PROB)
			return (rx->info & 0xff) << 24;
		return 0;
	}
	if (rx->type == ICMPPKT_V6_TOO_BIG || rx->type == ICMPPKT_V6_PARAM_PROB)
		return rx->info;
	return 0;
}

static bool translatable(unsigned fam, uint8_t type)
{
	if (fam == NAT_FAM_V4)
		return type == ICMPPKT_V4_UNREACH || type == ICMPPKT_V4_TIME_EXCEEDED ||
		       type == ICMPPKT_V4_PARAM_PROB;
	return type == ICMPPKT_V6_UNREACH || type == ICMPPKT_V6_TOO_BIG ||
	       type == ICMPPKT_V6_TIME_EXCEEDED || type == ICMPPKT_V6_PARAM_PROB;
}

size_t nat_socket_rx(struct nat *n, unsigned fam, unsigned sock, const struct nat_rx *rx,
		     uint64_t now_ms, uint8_t *out, size_t cap)
{
	struct nat_entry *e = lookup(n, fam, sock, rx->seq, now_ms);
	struct icmppkt_err_spec spec = { .kind = ICMPPKT_ERR_RAW };
	size_t len = 0;

	switch (rx->kind) {
	case NAT_RX_REPLY: {
		int ttl = rx->ttl < 0 ? ICMPPKT_DEFAULT_TTL : rx->ttl;

		if (!e) {
			n->st.drops[NAT_DROP_REPLY_UNKNOWN]++;
			return 0;
		}
		if (!ip_addr_eq(&rx->from, &e->dst)) {
			n->st.drops[NAT_DROP_REPLY_FORGED]++;
			return 0;
		}
		if (ttl <= 1) {
			n->st.drops[NAT_DROP_REPLY_TTL]++;
			entry_release(n, (uint32_t)(e - n->e));
			return 0;
		}
		len = icmppkt_echo(out, cap, false, &e->dst, &e->src, (uint8_t)(ttl - 1),
				   e->id, e->seq, rx->payload, rx->len);
		if (!len)
			n->st.drops[NAT_DROP_TOO_BIG]++;
		else
			n->st.replies++;
		break;
	}
	case NAT_RX_ICMP_ERROR:
		if (!e) {
			n->st.drops[NAT_DROP_ERROR_UNKNOWN]++;
			return 0;
		}
		if (!ip_addr_eq(&rx->dst, &e->dst) || rx->from.family != e->src.family) {
			n->st.drops[NAT_DROP_ERROR_FORGED]++;
			return 0;
		}
		if (!translatable(fam, rx->type)) {
			n->st.drops[NAT_DROP_ERROR_OTHER]++;
			return 0;
		}
		spec.type = rx->type;
		spec.code = rx->code;
		spec.info = err_info(fam, rx);
		spec.ttl = ICMPPKT_DEFAULT_TTL - 1;
		len = icmppkt_error(out, cap, &rx->from, &e->src, &spec, e->quote,
				    e->quote_len);
		if (!len)
			n->st.drops[NAT_DROP_TOO_BIG]++;
		else
			n->st.errors_translated++;
		break;
	case NAT_RX_LOCAL_ERROR:
		if (!e) {
			n->st.drops[NAT_DROP_ERROR_UNKNOWN]++;
			return 0;
		}
		if (rx->err == EMSGSIZE && rx->info) {
			struct icmppkt_err_spec big = {
				.kind = ICMPPKT_ERR_RAW,
				.type = fam == NAT_FAM_V4 ? ICMPPKT_V4_UNREACH :
							    ICMPPKT_V6_TOO_BIG,
				.code = fam == NAT_FAM_V4 ? 4 : 0,
				.info = rx->info,
			};

			len = originate(n, &e->src, fam, &big, e->quote, e->quote_len,
					now_ms, out, cap);
		} else {
			spec.kind = ICMPPKT_ERR_HOST_UNREACH;
			len = originate(n, &e->src, fam, &spec, e->quote, e->quote_len,
					now_ms, out, cap);
		}
		break;
	}
	entry_release(n, (uint32_t)(e - n->e));
	return len;
}

size_t nat_send_failed(struct nat *n, const struct nat_tx *tx, int err, uint64_t now_ms,
		       uint8_t *out, size_t cap)
{
	struct nat_entry *e = lookup(n, tx->fam, tx->sock, tx->seq, now_ms);
	struct icmppkt_err_spec spec = { .kind = ICMPPKT_ERR_HOST_UNREACH };
	size_t len;

	n->st.drops[NAT_DROP_SEND_FAILED]++;
	if (!e)
		return 0;
	if (err == ENETUNREACH)
		spec.kind = ICMPPKT_ERR_NET_UNREACH;
	else if (err == EACCES || err == EPERM)
		spec.kind = ICMPPKT_ERR_ADMIN;
	len = originate(n, &e->src, tx->fam, &spec, e->quote, e->quote_len, now_ms, out,
			cap);
	entry_release(n, (uint32_t)(e - n->e));
	return len;
}

void nat_stats_print(const struct nat *n, FILE *f, bool json)
{
	const struct nat_stats *s = &n->st;
	static const char *const names[] = {
		"active_mappings", "echoes_in", "echoes_proxied", "replies",
		"errors_translated", "errors_generated", "ttl_expired", "timeouts",
	};
	uint64_t v[] = {
		n->active, s->echoes_in, s->proxied, s->replies, s->errors_translated,
		s->errors_generated, s->ttl_expired, s->timeouts,
	};
	size_t i;

	if (json)
		fputc('{', f);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (json)
			fprintf(f, "%s\"%s\":%llu", i ? "," : "", names[i],
				(unsigned long long)v[i]);
		else
			fprintf(f, "%s %llu\n", names[i], (unsigned long long)v[i]);
	}
	for (i = 0; i < NAT_DROP_MAX; i++) {
		if (json)
			fprintf(f, ",\"drop_%s\":%llu", drop_names[i],
				(unsigned long long)s->drops[i]);
		else
			fprintf(f, "drop_%s %llu\n", drop_names[i],
				(unsigned long long)s->drops[i]);
	}
	if (json)
		fputc('}', f);
}
