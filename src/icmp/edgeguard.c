/* SPDX-License-Identifier: BSD-2-Clause */
/* edgeguard.c - what the edge accepts from a connector (see edgeguard.h) */
#include <stdlib.h>
#include <string.h>

#include "icmp/edgeguard.h"
#include "icmp/icmppkt.h"
#include "lib/hmap.h"
#include "pkt/pkt.h"

int eg_clients_init(struct eg_clients *t, uint32_t max)
{
	uint32_t sets = 1;

	memset(t, 0, sizeof(*t));
	while (sets * EG_WAYS < max && sets < (1u << 24))
		sets <<= 1;
	t->slots = calloc((size_t)sets * EG_WAYS, sizeof(*t->slots));
	if (!t->slots)
		return -1;
	t->nsets = sets;
	return 0;
}

void eg_clients_free(struct eg_clients *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static struct eg_slot *eg_set(const struct eg_clients *t, const struct ip_addr *a)
{
	uint64_t h = hash_bytes(a->a, sizeof(a->a), a->family);

	return &t->slots[(size_t)(h & (t->nsets - 1)) * EG_WAYS];
}

static bool eg_live(const struct eg_slot *s, uint64_t now_ms)
{
	return s->addr.family && now_ms - s->seen_ms <= EG_CLIENT_TTL_MS;
}

void eg_client_seen(struct eg_clients *t, const struct ip_addr *a, uint64_t now_ms)
{
	struct eg_slot *set = eg_set(t, a), *victim = NULL;
	unsigned i;

	for (i = 0; i < EG_WAYS; i++)
		if (set[i].addr.family && ip_addr_eq(&set[i].addr, a)) {
			set[i].seen_ms = now_ms;
			return;
		}
	for (i = 0; i < EG_WAYS && !victim; i++)
		if (!eg_live(&set[i], now_ms))
			victim = &set[i];
	if (!victim) {	/* all live: push out the least recently seen */
		victim = &set[0];
		for (i = 1; i < EG_WAYS; i++)
			if (set[i].seen_ms < victim->seen_ms)
				victim = &set[i];
		t->evicted++;
	}
	victim->addr = *a;
	victim->seen_ms = now_ms;
}

bool eg_client_known(const struct eg_clients *t, const struct ip_addr *a, uint64_t now_ms)
{
	const struct eg_slot *set = eg_set(t, a);
	unsigned i;

	for (i = 0; i < EG_WAYS; i++)
		if (set[i].addr.family && ip_addr_eq(&set[i].addr, a))
			return eg_live(&set[i], now_ms);
	return false;
}

static bool eg_in(const struct ip_prefix *pfx, unsigned n, const struct ip_addr *a)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (ip_prefix_contains(&pfx[i], a))
			return true;
	return false;
}

/* An ordinary unicast address (a router may report errors from it). */
static bool eg_unicast(const struct ip_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == 4)
		return a->a[0] != 0 && a->a[0] != 127 && a->a[0] < 224;
	return memcmp(a->a, zero, 16) != 0 && a->a[0] != 0xff &&
	       !(memcmp(a->a, zero, 15) == 0 && a->a[15] == 1);
}

static bool eg_is_error(const struct pkt_meta *m)
{
	if (m->ip_version == 4)
		return m->icmp_type == ICMPPKT_V4_UNREACH ||
		       m->icmp_type == ICMPPKT_V4_TIME_EXCEEDED ||
		       m->icmp_type == ICMPPKT_V4_PARAM_PROB;
	return m->icmp_type >= ICMPPKT_V6_UNREACH && m->icmp_type <= ICMPPKT_V6_PARAM_PROB;
}

/* The quoted packet of the error @m: the client's echo request to us. */
static bool eg_error_ok(const struct pkt_meta *m, const struct ip_prefix *pfx, unsigned n)
{
	struct pkt_meta q;

	if (!eg_unicast(&m->src) ||
	    pkt_parse_ip(m->l4_payload, m->l4_payload_len, &q) < 0 || q.depth < PKT_L4 ||
	    q.ip_version != m->ip_version || q.later_fragment)
		return false;
	if (q.ip_version == 4 ? q.proto != IPPROTO_NUM_ICMP || q.icmp_type != ICMPPKT_V4_ECHO
			      : q.proto != IPPROTO_NUM_ICMPV6 || q.icmp_type != ICMPPKT_V6_ECHO)
		return false;
	return ip_addr_eq(&q.src, &m->dst) && eg_in(pfx, n, &q.dst);
}

enum eg_verdict eg_check(const struct eg_clients *t, const struct ip_prefix *pfx, unsigned n,
			 const uint8_t *pkt, size_t len, uint64_t now_ms)
{
	struct pkt_meta m;
	uint8_t icmp;

	if (pkt_parse_ip(pkt, len, &m) < 0 || m.ip_total_len != len)
		return EG_MALFORMED;
	if (m.fragment)
		return EG_FRAGMENT;
	icmp = m.ip_version == 4 ? IPPROTO_NUM_ICMP : IPPROTO_NUM_ICMPV6;
	if (m.proto != icmp || m.depth < PKT_L4)
		return EG_NOT_ALLOWED;
	if (!eg_client_known(t, &m.dst, now_ms))
		return EG_DST_NOT_CLIENT;
	if (m.icmp_type == (m.ip_version == 4 ? ICMPPKT_V4_ECHO_REPLY : ICMPPKT_V6_ECHO_REPLY)) {
		if (m.icmp_code != 0)
			return EG_NOT_ALLOWED;
		return eg_in(pfx, n, &m.src) ? EG_PASS : EG_SRC_OUTSIDE;
	}
	if (eg_is_error(&m))
		return eg_error_ok(&m, pfx, n) ? EG_PASS : EG_BAD_ERROR;
	return EG_NOT_ALLOWED;
}

const char *eg_verdict_name(enum eg_verdict v)
{
	static const char *const names[EG_NVERDICTS] = {
		[EG_PASS] = "pass",
		[EG_MALFORMED] = "drop_conn_malformed",
		[EG_FRAGMENT] = "drop_conn_fragment",
		[EG_DST_NOT_CLIENT] = "drop_conn_dst_not_client",
		[EG_SRC_OUTSIDE] = "drop_conn_src_outside",
		[EG_BAD_ERROR] = "drop_conn_bad_error",
		[EG_NOT_ALLOWED] = "drop_conn_not_allowed",
	};

	return (unsigned)v < EG_NVERDICTS ? names[v] : "?";
}
