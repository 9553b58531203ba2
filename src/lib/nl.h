/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nl.h - rtnetlink over libmnl: dumps of links, addresses, routes and
 * policy rules, single lookups (RTM_GETROUTE as `ip route get` does, a link
 * by name, a neighbour's link-layer address), and adding, replacing and
 * removing routes and rules
 *
 * Synchronous request/answer on one NETLINK_ROUTE socket per context; the
 * kernel's error for a request comes back as -errno. Records are decoded
 * into fixed-size structs so callers own no netlink memory; dumps hand each
 * record to a callback and stop calling it when it returns non-zero. One
 * struct nl_route describes a route in both directions; a route with
 * several nexthops is written and read as one RTA_MULTIPATH route.
 *
 * Route ownership is the caller's: rtm_protocol says who wrote a route
 * (the prober 245, the doctor's fixes 246), and deletes name it.
 */
#ifndef WS_NL_H
#define WS_NL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

#define NL_MAX_NEXTHOPS 32
/* The socket buffer; also enough for any single request this module builds. */
#define NL_BUFSZ (64 * 1024)

struct mnl_socket;
struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char *buf;		/* NL_BUFSZ bytes: the request, then the answers */
};

struct nl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16];		/* IFLA_INFO_KIND ("veth", "bridge", ...) or "" */
	unsigned flags;		/* IFF_* */
	unsigned short type;	/* ARPHRD_* (ETHER; NONE for tun, ...) */
	unsigned mtu;
	int master;		/* ifindex of the master (bridge, vrf) or 0 */
	uint8_t operstate;	/* IF_OPER_* */
	int group;
};

struct nl_ifaddr {
	int ifindex;
	struct ip_addr local;	/* IFA_LOCAL (IFA_ADDRESS when absent) */
	struct ip_addr peer;	/* IFA_ADDRESS when it differs (point-to-point) */
	uint8_t prefixlen;
	uint8_t scope;		/* RT_SCOPE_* */
	uint32_t flags;		/* IFA_F_* (secondary, tentative, ...) */
	char label[IF_NAMESIZE];
};

struct nl_nexthop {
	int ifindex;		/* 0: none (blackhole and friends) */
	struct ip_addr gw;	/* family 0: directly connected */
	uint16_t weight;	/* 1..256 */
	uint8_t flags;		/* RTNH_F_* */
};

struct nl_route {
	uint8_t family;		/* 4 or 6 */
	struct ip_prefix dst;
	struct ip_prefix src;	/* RTA_SRC (IPv6 source routing); len 0 = any */
	uint32_t table;		/* RT_TABLE_MAIN = 254 */
	uint8_t type;		/* RTN_*; writing 0 means RTN_UNICAST */
	uint8_t protocol;	/* RTPROT_*: who owns it; 0 on delete = any */
	uint8_t scope;		/* RT_SCOPE_*; ignored on delete */
	uint8_t tos;
	uint32_t priority;	/* RTA_PRIORITY, the metric; 0 on delete = any */
	struct ip_addr prefsrc;
	uint32_t flags;		/* RTM_F_* | RTNH_F_* of rtm_flags */
	unsigned nh_count;
	struct nl_nexthop nh[NL_MAX_NEXTHOPS];
	int iif;		/* RTM_GETROUTE answers: the input interface */
	uint32_t mark;
};

/* Rule actions: FR_ACT_* from linux/fib_rules.h. */
struct nl_rule {
	uint8_t family;		/* 4 or 6 */
	uint32_t priority;
	struct ip_prefix src;	/* len 0 with family 0: any */
	struct ip_prefix dst;
	bool invert;		/* "not" */
	char iif[IF_NAMESIZE];	/* "" = any */
	char oif[IF_NAMESIZE];
	uint32_t fwmark;
	uint32_t fwmask;	/* 0 = no fwmark match */
	uint32_t table;
	uint8_t action;		/* FR_ACT_TO_TBL, _GOTO, _NOP, _BLACKHOLE, _UNREACHABLE, _PROHIBIT */
	uint32_t goto_target;
	int32_t suppress_prefixlen;	/* -1 = unset */
	int32_t suppress_ifgroup;	/* -1 = unset */
	uint8_t tos;
	uint8_t protocol;	/* RTPROT_* that added the rule */
	uint8_t ip_proto;	/* 0 = any */
	bool has_l3mdev;
};

/* The question of a single route lookup (fields left zero are unset). */
struct nl_route_query {
	struct ip_addr dst;
	struct ip_addr src;
	int iif;		/* ifindex: run the input path as for a received packet */
	int oif;
	uint32_t mark;
	uint8_t tos;
	uint8_t ip_proto;
	uint16_t sport, dport;
};

/* Return: 0, or -errno when the socket could not be opened. */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* Return: 0 with @out filled, -ENODEV when there is no such link, or -errno. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *out);

/* Dumps. @family: 0 (both), 4 or 6 where it applies. Records the decoder
 * does not understand are skipped. Return: 0, the callback's non-zero
 * value, or -errno. */
int nl_dump_links(struct nl *nl, int (*cb)(void *arg, const struct nl_link *l), void *arg);
int nl_dump_addrs(struct nl *nl, int family,
		  int (*cb)(void *arg, const struct nl_ifaddr *a), void *arg);
int nl_dump_routes(struct nl *nl, int family,
		   int (*cb)(void *arg, const struct nl_route *r), void *arg);
int nl_dump_rules(struct nl *nl, int family,
		  int (*cb)(void *arg, const struct nl_rule *r), void *arg);

/*
 * Ask the kernel which route it would use (RTM_GETROUTE with RTM_F_FIB_MATCH
 * off, like `ip route get`). With @q->iif the input path runs, including
 * the reverse-path filter. @out->table is the table the route was found in
 * (RTM_F_LOOKUP_TABLE).
 * Return: 0 with @out filled, or the kernel's -errno (its value varies
 * between kernel versions for the same drop reason).
 */
int nl_route_get(struct nl *nl, const struct nl_route_query *q, struct nl_route *out);

/*
 * Add (NLM_F_CREATE|NLM_F_EXCL), add or replace (NLM_F_CREATE|NLM_F_REPLACE)
 * or delete one route / rule. A delete matches table, destination, source,
 * tos and type, and protocol and metric when they are non-zero; its scope
 * is "any". Return: 0, or -errno (-EEXIST: already there; -ESRCH/-ENOENT:
 * absent; -EINVAL: family not 4 or 6).
 */
int nl_route_add(struct nl *nl, const struct nl_route *r);
int nl_route_replace(struct nl *nl, const struct nl_route *r);
int nl_route_del(struct nl *nl, const struct nl_route *r);
int nl_rule_add(struct nl *nl, const struct nl_rule *r);
int nl_rule_del(struct nl *nl, const struct nl_rule *r);

/*
 * Link-layer address of neighbour @addr on @ifindex from the neighbour
 * table (an entry with an address that is not incomplete, failed or noarp,
 * or is permanent).
 * Return: its length, -ENOENT when there is no usable entry (or its address
 * is longer than @cap), or -errno.
 */
int nl_neigh_lookup(struct nl *nl, int ifindex, const struct ip_addr *addr,
		    uint8_t *lladdr, unsigned cap);

/*
 * The route codec the functions above use, for tests and tools. Encode @r
 * as a request of @type (RTM_NEWROUTE, RTM_DELROUTE) with NLM_F_REQUEST,
 * NLM_F_ACK and @flags into @buf (NL_BUFSZ bytes; sequence number 0).
 * Return: the message length, or -EINVAL when the family is not 4 or 6.
 */
int nl_route_encode(void *buf, uint16_t type, uint16_t flags, const struct nl_route *r);
/*
 * Decode the route message of @len bytes at @msg (an RTM_NEWROUTE answer
 * or request; the message type is not checked). Attributes that do not
 * fit are ignored; nexthops beyond NL_MAX_NEXTHOPS are dropped.
 * Return: 0, or -1 when it is truncated or not a route of family 4 or 6.
 */
int nl_route_decode(const void *msg, size_t len, struct nl_route *out);

/* Names of RTN_* route types and FR_ACT_* actions as iproute2 prints them. */
const char *nl_route_type_name(uint8_t type);
/* Return: RTN_* for @s, or -1. */
int nl_route_type_parse(const char *s);
const char *nl_scope_name(uint8_t scope);
/* Return: RT_SCOPE_* for @s ("global", "link", "host", "site", "nowhere" or a number), or -1. */
int nl_scope_parse(const char *s);

#endif
