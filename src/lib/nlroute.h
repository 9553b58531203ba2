/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nlroute.h - rtnetlink helpers over libmnl: routes (add, replace, delete,
 * dump, get), links, addresses, rules and neighbours
 *
 * Synchronous request/answer on one NETLINK_ROUTE socket per context. The
 * kernel's error for a request comes back as -errno. Routes are described
 * by struct nlr_route in both directions; a route with several nexthops
 * is written as one RTA_MULTIPATH route (IPv4 ECMP).
 */
#ifndef WS_NLROUTE_H
#define WS_NLROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

#define NLR_MAX_NH 16
#define NLR_IFNAMSIZ 16

struct nlr_nexthop {
	int ifindex;
	struct ip_addr gw;	/* family 0: none */
};

struct nlr_route {
	uint8_t family;		/* 4 or 6 */
	uint32_t table;		/* RT_TABLE_MAIN = 254 */
	struct ip_prefix dst;	/* len 0 = default */
	uint32_t metric;	/* RTA_PRIORITY */
	uint8_t protocol;	/* RTPROT_*; 0 on delete = any */
	uint8_t type;		/* RTN_*; 0 means RTN_UNICAST when writing */
	uint8_t scope;
	struct ip_addr prefsrc;
	unsigned nnh;
	struct nlr_nexthop nh[NLR_MAX_NH];
};

struct nlr_link {
	int ifindex;
	char name[NLR_IFNAMSIZ];
	unsigned flags;		/* IFF_* */
	unsigned mtu;
	unsigned short arphrd;	/* ARPHRD_* (ETHER, NONE for tun, ...) */
	char kind[NLR_IFNAMSIZ]; /* IFLA_INFO_KIND: "vxlan", "wireguard", "" */
	uint8_t addr[32];
	uint8_t addr_len;
};

struct nlr_addr {
	int ifindex;
	struct ip_prefix pfx;	/* the address itself, with its prefix length */
	uint8_t scope;
};

struct nlr_rule {
	uint8_t family;
	uint32_t priority;
	uint32_t table;
	uint8_t action;		/* FR_ACT_* */
	bool has_src, has_dst;
	struct ip_prefix src, dst;
	char iif[NLR_IFNAMSIZ], oif[NLR_IFNAMSIZ];
	uint8_t ipproto;	/* 0 = any */
	uint32_t fwmark;
	bool invert;
};

/* What RTM_GETROUTE is asked (like `ip route get`). */
struct nlr_query {
	struct ip_addr dst;	/* required */
	struct ip_addr src;	/* optional */
	int iif, oif;		/* optional (0) */
	uint8_t ipproto;	/* optional, RTA_IP_PROTO */
	uint32_t mark;
};

struct mnl_socket;
struct nlr {
	struct mnl_socket *sock;
	unsigned portid;
	uint32_t seq;
	char *buf;		/* NLR_BUFSZ bytes */
};

/* Return: 0, or -errno when the socket cannot be opened. */
int nlr_open(struct nlr *n);
void nlr_close(struct nlr *n);

/* Return: 0, or the kernel's -errno (-EEXIST, -ESRCH when absent, ...). */
int nlr_route_add(struct nlr *n, const struct nlr_route *r, bool append);
int nlr_route_replace(struct nlr *n, const struct nlr_route *r);
int nlr_route_del(struct nlr *n, const struct nlr_route *r);

/* Called once per route; return non-zero to stop the dump. */
typedef int (*nlr_route_cb)(void *arg, const struct nlr_route *r);
typedef int (*nlr_addr_cb)(void *arg, const struct nlr_addr *a);
typedef int (*nlr_rule_cb)(void *arg, const struct nlr_rule *r);

/* Dump routes of @family (4/6) from every table. Return: 0, or -errno. */
int nlr_route_dump(struct nlr *n, uint8_t family, nlr_route_cb cb, void *arg);
/* Route lookup like `ip route get`. Return: 0 with @out filled, or the
 * kernel's -errno (-ENETUNREACH, -EHOSTUNREACH, -EINVAL ...). */
int nlr_route_get(struct nlr *n, const struct nlr_query *q, struct nlr_route *out);
/* Return: 0, -ENODEV when there is no such link, or -errno. */
int nlr_link_get(struct nlr *n, const char *name, struct nlr_link *out);
int nlr_link_get_index(struct nlr *n, int ifindex, struct nlr_link *out);
/* Dump addresses (family 0 = both). Return: 0, or -errno. */
int nlr_addr_dump(struct nlr *n, uint8_t family, nlr_addr_cb cb, void *arg);
/* Dump policy rules of @family (4/6). Return: 0, or -errno. */
int nlr_rule_dump(struct nlr *n, uint8_t family, nlr_rule_cb cb, void *arg);
/*
 * Link-layer address of neighbour @addr on @ifindex from the neighbour
 * table (any state with an address). Return: its length, -ENOENT when
 * there is no usable entry, or -errno.
 */
int nlr_neigh_lookup(struct nlr *n, int ifindex, const struct ip_addr *addr,
		     uint8_t *lladdr, unsigned cap);

#endif
