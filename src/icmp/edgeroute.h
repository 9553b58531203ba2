/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * edgeroute.h - the edge's routing table: which connectors announce which
 * prefixes, and the connectors serving the longest usable match
 *
 * Theory of operation
 *
 * A prefix trie (lib/ptrie) maps each announced prefix to the connectors
 * announcing it, as a list of connector indices in ascending order. A
 * lookup walks the prefixes covering the destination longest first and
 * stops at the first one announced by a connector that is usable now
 * (the caller decides: up, not just handshaking); the candidates are
 * that prefix's usable connectors in index order, so the caller's
 * hash-of-the-flow choice among them is stable while the set is. Per
 * packet this costs one trie descent instead of a scan of every prefix of
 * every connector.
 */
#ifndef WS_ICMP_EDGEROUTE_H
#define WS_ICMP_EDGEROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/ptrie.h"

struct edge_routes {
	struct ptrie trie;	/* prefix -> struct er_conns */
	unsigned max_conns;
	uint64_t full;		/* announcements refused: no memory / trie full */
};

/* Set up @r for connector indices 0 .. @max_conns - 1, each announcing at
 * most @max_pfx prefixes. Return: 0. */
int er_init(struct edge_routes *r, unsigned max_conns, unsigned max_pfx);
void er_free(struct edge_routes *r);

/* Connector @conn announces @p (again: no change). Return: 0, or -1 when
 * out of memory (counted in full). */
int er_add(struct edge_routes *r, unsigned conn, const struct ip_prefix *p);
/* Connector @conn no longer announces @p. */
void er_del(struct edge_routes *r, unsigned conn, const struct ip_prefix *p);

/*
 * The connectors announcing the longest prefix covering @dst among those
 * with a connector for which @usable(@ctx, index) is true: up to @max of
 * those usable connectors' indices in ascending order go to @out.
 * Return: how many (0: no usable connector serves @dst).
 */
unsigned er_match(const struct edge_routes *r, const struct ip_addr *dst,
		  bool (*usable)(void *ctx, unsigned conn), void *ctx, unsigned *out,
		  unsigned max);

#endif
