/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * icmpnat.h - the connector's ICMP echo proxy: source NAT of echo requests
 * onto a few unprivileged ICMP sockets (see the theory of operation in
 * icmpnat.c)
 */
#ifndef WS_ICMP_ICMPNAT_H
#define WS_ICMP_ICMPNAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addr.h"
#include "lib/hmap.h"

#define NAT_FAM_V4 0
#define NAT_FAM_V6 1
#define NAT_MAX_SOCKS 64		/* per family */
#define NAT_SEQ_SPACE 65536
#define NAT_QUOTE_MAX 68		/* IPv4 header with options + 8 */

struct nat_config {
	uint32_t max_mappings;		/* echoes in flight, all clients */
	uint32_t max_per_client;	/* echoes in flight per client address */
	uint32_t max_clients;		/* distinct client addresses in flight */
	uint32_t timeout_ms;		/* forget an unanswered echo after this */
	unsigned nsock[2];		/* sockets per family; 0: not served */
	struct ip_addr self[2];		/* our address per family (time exceeded) */
	uint32_t err_rate;		/* errors we originate, per second */
	uint32_t err_burst;
};

/* Every reason a packet is dropped, counted. */
enum nat_drop {
	NAT_DROP_MALFORMED,		/* not a well-formed IP packet */
	NAT_DROP_FRAGMENT,
	NAT_DROP_NOT_ICMP,		/* another protocol: not proxied */
	NAT_DROP_NOT_ECHO,		/* ICMP, but not an echo request */
	NAT_DROP_CHECKSUM,		/* ICMP checksum wrong */
	NAT_DROP_NO_SOCKET,		/* family not served (no permission) */
	NAT_DROP_CLIENT_LIMIT,
	NAT_DROP_CLIENTS_FULL,
	NAT_DROP_TABLE_FULL,
	NAT_DROP_SEQ_EXHAUSTED,
	NAT_DROP_SEND_FAILED,
	NAT_DROP_TTL_NO_SOURCE,		/* expired here, no address to answer from */
	NAT_DROP_REPLY_UNKNOWN,		/* reply for no live mapping (late or forged) */
	NAT_DROP_REPLY_FORGED,		/* reply from another host than the echo's */
	NAT_DROP_REPLY_TTL,		/* reply arrived with TTL 1: expires here */
	NAT_DROP_ERROR_UNKNOWN,		/* ICMP error for no live mapping */
	NAT_DROP_ERROR_FORGED,		/* quoted destination does not match */
	NAT_DROP_ERROR_OTHER,		/* error of a kind not translated */
	NAT_DROP_RATELIMIT,		/* an error we would originate: rate limited */
	NAT_DROP_TOO_BIG,		/* answer does not fit the output buffer */
	NAT_DROP_MAX
};

struct nat_stats {
	uint64_t echoes_in;		/* echo requests from clients */
	uint64_t proxied;		/* echoes handed to a socket */
	uint64_t replies;		/* replies returned to clients */
	uint64_t errors_translated;	/* router errors returned to clients */
	uint64_t errors_generated;	/* time exceeded / unreachable from us */
	uint64_t ttl_expired;		/* echoes whose TTL ended here */
	uint64_t timeouts;		/* mappings forgotten unanswered */
	uint64_t drops[NAT_DROP_MAX];
};

struct nat_entry {
	uint32_t prev, next;		/* age list (allocation order) */
	uint32_t client;		/* index into the client table */
	uint64_t born_ms;
	struct ip_addr src, dst;	/* client and destination */
	uint16_t id, seq;		/* the client's */
	uint16_t pseq;			/* ours, on socket @sock */
	uint8_t fam, sock;
	bool live;
	uint8_t quote_len;
	uint8_t quote[NAT_QUOTE_MAX];	/* client's IP header + 8 bytes */
};

struct nat_client {
	struct hmap_node node;
	struct ip_addr addr;
	uint32_t inflight;
	uint32_t next_free;
};

struct nat_sock {
	uint32_t *slot;			/* pseq -> entry index + 1 (0: free) */
	uint16_t next;			/* next pseq to try */
};

struct nat {
	struct nat_config cfg;
	struct nat_entry *e;
	uint32_t free_head;		/* free list through .next */
	uint32_t old, young;		/* age list ends */
	uint32_t active;
	struct nat_client *cl;
	uint32_t cl_free;
	struct hmap clients;
	struct nat_sock socks[2][NAT_MAX_SOCKS];
	uint64_t tokens_ms;		/* error token bucket, in ms of rate */
	uint64_t tokens_at;
	struct nat_stats st;
};

/* An echo to send: on socket @sock of family @fam, to @dst with our @seq. */
struct nat_tx {
	uint8_t fam, sock;
	struct ip_addr dst;
	uint16_t seq;
	uint8_t ttl;
	const uint8_t *payload;		/* points into the input packet */
	size_t len;
};

/* What a socket received, described independently of the socket API. */
enum nat_rx_kind {
	NAT_RX_REPLY,
	NAT_RX_ICMP_ERROR,		/* from router @from: @type, @code, @info */
	NAT_RX_LOCAL_ERROR,		/* local failure @err (e.g. EMSGSIZE) */
};

struct nat_rx {
	enum nat_rx_kind kind;
	struct ip_addr from;		/* replying host / router */
	struct ip_addr dst;		/* errors: destination of the quoted echo */
	uint16_t seq;			/* reply's / quoted echo's sequence */
	uint8_t type, code;
	uint32_t info;			/* MTU or pointer */
	int ttl;			/* replies: as received; -1 unknown */
	int err;
	const uint8_t *payload;
	size_t len;
};

enum nat_verdict {
	NAT_V_DROP,			/* counted */
	NAT_V_SEND,			/* send @tx */
	NAT_V_ANSWER,			/* send the packet written to @out back */
};

/* Return: 0, or -1 when out of memory or the config is out of bounds. */
int nat_init(struct nat *n, const struct nat_config *cfg);
void nat_free(struct nat *n);
/* Fill @cfg with the defaults. */
void nat_config_default(struct nat_config *cfg);

/*
 * One IP packet from the edge (the edge already took its hop). An echo
 * request with TTL > 1 gets a mapping and @tx (TTL decremented); TTL <= 1
 * gets a time exceeded from cfg.self in @out (@out_len); everything else
 * is dropped and counted.
 */
enum nat_verdict nat_input(struct nat *n, const uint8_t *pkt, size_t len, uint64_t now_ms,
			   struct nat_tx *tx, uint8_t *out, size_t cap, size_t *out_len);

/*
 * A reply or error read from socket @sock of family @fam, turned into the
 * packet for the client in @out. Return: its length, 0 when dropped.
 */
size_t nat_socket_rx(struct nat *n, unsigned fam, unsigned sock, const struct nat_rx *rx,
		     uint64_t now_ms, uint8_t *out, size_t cap);

/*
 * Sending @tx failed with @err (positive errno): forget the mapping and
 * write an unreachable from us to @out when allowed.
 * Return: its length, 0 when none.
 */
size_t nat_send_failed(struct nat *n, const struct nat_tx *tx, int err, uint64_t now_ms,
		       uint8_t *out, size_t cap);

/* Forget mappings older than the timeout. Return: how many. */
unsigned nat_expire(struct nat *n, uint64_t now_ms);

const char *nat_drop_name(enum nat_drop d);
/* Print the counters as "name value" lines (or one JSON object). */
void nat_stats_print(const struct nat *n, FILE *f, bool json);

#endif
