/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipfrag.h - bounded IPv4/IPv6 fragment reassembly for capture reading
 *
 * Large IPFIX and sFlow datagrams are often fragmented on the wire. The
 * table holds at most @max_datagrams partial datagrams; a datagram that
 * stays incomplete for @timeout_ms of capture time, or is still partial at
 * the end, is counted as incomplete. Nothing grows without a bound.
 */
#ifndef WS_IPFRAG_H
#define WS_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

struct ipfrag_cfg {
	uint32_t max_datagrams;		/* partial datagrams held: 256 */
	uint32_t timeout_ms;		/* capture time: 30 s */
};

struct ipfrag_stats {
	uint64_t fragments;		/* fragments offered */
	uint64_t reassembled;		/* datagrams completed */
	uint64_t incomplete;		/* datagrams given up (timeout, end) */
	uint64_t dropped_table_full;	/* fragments: no room for a new datagram */
	uint64_t dropped_bad;		/* fragments: bad offset/length */
	uint64_t dropped_overlap;	/* datagrams: overlapping fragments */
	uint64_t duplicates;		/* fragments seen twice, ignored */
};

/* One fragment as found in a packet. @data is the fragmentable part. */
struct ipfrag_frag {
	struct ip_addr src, dst;
	uint32_t id;			/* IPv4: 16 bits; IPv6: 32 bits */
	uint8_t proto;			/* IPv4 protocol; IPv6 next header */
	uint32_t offset;		/* in bytes */
	bool more;			/* more fragments follow */
	const uint8_t *data;
	size_t len;
};

struct ipfrag;

/* Return: a table, or NULL when out of memory. */
struct ipfrag *ipfrag_new(const struct ipfrag_cfg *cfg);
void ipfrag_free(struct ipfrag *f);

/*
 * Add a fragment seen at @now_ms. When it completes its datagram, *@out
 * and *@outlen describe the reassembled payload (valid until the next call
 * on @f) and *@proto its protocol.
 * Return: 1 complete, 0 held, -1 dropped (counted in the stats).
 */
int ipfrag_add(struct ipfrag *f, const struct ipfrag_frag *fr, int64_t now_ms,
	       const uint8_t **out, size_t *outlen, uint8_t *proto);

/* Give up datagrams older than the timeout at @now_ms. */
void ipfrag_expire(struct ipfrag *f, int64_t now_ms);
/* Give up everything still partial (end of input). */
void ipfrag_finish(struct ipfrag *f);
const struct ipfrag_stats *ipfrag_stats(const struct ipfrag *f);

#endif
