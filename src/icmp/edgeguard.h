/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * edgeguard.h - what the edge accepts from a connector (anti-spoofing)
 *
 * Theory of operation
 *
 * A connector is trusted for its own prefixes only, as a WireGuard peer is
 * for its AllowedIPs: an authenticated connector must not be able to make
 * the edge emit packets that claim to come from anywhere else, nor send
 * packets to hosts that never talked to it. The connector is an ICMP echo
 * proxy, so everything it may legitimately return is one of two kinds:
 *
 *   1. an echo reply (ICMP 0 / ICMPv6 129) whose SOURCE lies inside one of
 *      the prefixes this connector announced (the destination answered);
 *   2. an ICMP error (ICMP 3, 11, 12 / ICMPv6 1, 2, 3, 4) about an echo
 *      request the client sent: the quoted packet is an ICMP(v6) echo
 *      request of the same family FROM the error's destination (the client)
 *      TO an address inside this connector's prefixes. Its outer source is
 *      then whatever router reported the problem -- a router behind the
 *      connector, or the connector itself (time exceeded, prohibited) --
 *      neither of which lies inside the announced prefixes in general, so
 *      for errors the outer source only has to be an ordinary unicast
 *      address; the quoted destination is what binds the error to the
 *      connector's prefixes.
 *
 * In both cases the DESTINATION must be a client: an address that sent a
 * packet into the edge's TUN within the last EG_CLIENT_TTL_MS (a small
 * set-associative table, eg_clients). That is exact "routes back via the
 * edge" without a routing lookup per packet, and it keeps a connector from
 * reaching hosts on the edge's side that never used the proxy, or other
 * connectors' networks. Fragments, other protocols and other ICMP types
 * are refused. Each refusal has its own reason, which the edge counts.
 */
#ifndef WS_ICMP_EDGEGUARD_H
#define WS_ICMP_EDGEGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define EG_WAYS 4			/* slots per set */
#define EG_CLIENT_TTL_MS 120000		/* longer than any echo timeout */

enum eg_verdict {
	EG_PASS,
	EG_MALFORMED,		/* not a whole IP packet */
	EG_FRAGMENT,		/* connectors never send fragments */
	EG_DST_NOT_CLIENT,	/* destination never sent us anything */
	EG_SRC_OUTSIDE,		/* echo reply from outside the prefixes */
	EG_BAD_ERROR,		/* ICMP error not about a client's echo to us */
	EG_NOT_ALLOWED,		/* other protocol or ICMP type */
	EG_NVERDICTS
};

struct eg_slot {
	struct ip_addr addr;
	uint64_t seen_ms;
};

/* Recently seen client addresses: a bounded, set-associative table. */
struct eg_clients {
	struct eg_slot *slots;
	uint32_t nsets;			/* power of two */
	uint64_t evicted;		/* live entries pushed out (table full) */
};

/*
 * Allocate room for about @max clients (rounded up to a power of two).
 * Return: 0, or -1 when out of memory.
 */
int eg_clients_init(struct eg_clients *t, uint32_t max);
void eg_clients_free(struct eg_clients *t);

/* Record that @a sent a packet into the TUN at @now_ms. */
void eg_client_seen(struct eg_clients *t, const struct ip_addr *a, uint64_t now_ms);

/* Did @a send something within EG_CLIENT_TTL_MS before @now_ms? */
bool eg_client_known(const struct eg_clients *t, const struct ip_addr *a, uint64_t now_ms);

/*
 * May the packet @pkt of @len bytes from a connector that announced
 * @pfx[0..n) be passed to the clients? Return: EG_PASS or the reason not.
 */
enum eg_verdict eg_check(const struct eg_clients *t, const struct ip_prefix *pfx, unsigned n,
			 const uint8_t *pkt, size_t len, uint64_t now_ms);

/* Counter name of a verdict ("drop_conn_src_outside", ...). */
const char *eg_verdict_name(enum eg_verdict v);

#endif
