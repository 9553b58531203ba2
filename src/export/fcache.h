/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fcache.h - the exporter's flow cache: a bounded, preallocated table of
 * active flows with idle and active timeouts
 */
#ifndef WS_FCACHE_H
#define WS_FCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt/pkt.h"

/* Why a flow left the cache (IPFIX flowEndReason values). */
enum fc_end {
	FC_END_IDLE = 1,	/* idle timeout */
	FC_END_ACTIVE = 2,	/* active timeout */
	FC_END_FIN = 3,		/* TCP FIN or RST seen */
	FC_END_FORCED = 4,	/* flushed at exit */
	FC_END_EVICTED = 5,	/* cache full: the least recently seen flow */
};

/* Flow direction (IPFIX flowDirection). */
enum { FC_DIR_IN = 0, FC_DIR_OUT = 1 };

/* The key; compared and hashed as bytes, so always fully zeroed first. */
struct fc_key {
	uint8_t src[16], dst[16];
	uint32_t ifindex;
	uint16_t sport, dport;		/* ICMP: 0, type << 8 | code */
	uint16_t vlan;
	uint8_t ipver, proto, tos, dir;
	uint8_t pad[2];
};

/* The two orders of the flows in the cache, oldest first. */
enum fc_list {
	FC_LRU = 0,		/* by last packet */
	FC_AGE = 1,		/* by creation */
};

struct fc_link {
	uint32_t prev, next;
};

struct fc_flow {
	struct fc_key k;
	uint64_t hash;
	uint64_t packets, bytes;
	int64_t first_ms, last_ms;
	struct fc_link link[2];		/* by enum fc_list */
	uint8_t tcp_flags;
	bool used;
};

/* A flow leaving the cache; @f is valid during the call only. */
typedef void (*fc_expire_fn)(void *arg, const struct fc_flow *f, enum fc_end why);

struct fc_cfg {
	uint32_t max_flows;		/* table size, >= 1 */
	uint32_t idle_ms;		/* no packet for this long: expire */
	uint32_t active_ms;		/* older than this: export and restart */
	uint8_t hash_key[16];		/* SipHash key (random in live use) */
};

struct fc_stats {
	uint64_t packets, bytes;	/* added */
	uint64_t created;
	uint64_t expired[6];		/* by enum fc_end */
	uint64_t active;		/* flows now in the cache */
};

struct fcache {
	struct fc_cfg cfg;
	fc_expire_fn expire;
	void *arg;
	struct fc_flow *flows;		/* max_flows entries */
	uint32_t *slots;		/* open addressing: flow index + 1, 0 = empty */
	uint32_t mask;			/* slots - 1 */
	uint32_t free_head;		/* free list through link[FC_LRU].next; NIL = none */
	struct {
		uint32_t head, tail;
	} list[2];			/* by enum fc_list */
	struct fc_stats st;
};

/* Return: 0, or -1 when out of memory or @cfg is unusable. */
int fc_init(struct fcache *c, const struct fc_cfg *cfg, fc_expire_fn fn, void *arg);
void fc_free(struct fcache *c);

/*
 * Account one packet (already parsed to at least L3) seen on @ifindex in
 * direction @dir at @ts_ms. A TCP FIN or RST ends its flow at once; a full
 * cache first evicts the least recently seen flow.
 */
void fc_add(struct fcache *c, const struct pkt_meta *m, uint32_t ifindex, uint8_t dir,
	    int64_t ts_ms);

/* Fill @k from a parsed packet (exposed for tests and the fuzzer). */
void fc_key_from_pkt(struct fc_key *k, const struct pkt_meta *m, uint32_t ifindex,
		     uint8_t dir);

/* Expire flows idle or active too long at @now_ms. */
void fc_expire(struct fcache *c, int64_t now_ms);

/* Expire every flow with reason @why (FC_END_FORCED at exit). */
void fc_flush(struct fcache *c, enum fc_end why);

#endif
