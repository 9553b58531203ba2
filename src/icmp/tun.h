/* SPDX-License-Identifier: BSD-2-Clause */
/* tun.h - the edge's TUN interface and its routes (netlink via libmnl) */
#ifndef WS_ICMP_TUN_H
#define WS_ICMP_TUN_H

#include <stdbool.h>

#include "lib/addr.h"

struct tun {
	int fd;
	int ifindex;
	char name[16];
};

/*
 * Create (or attach to) TUN interface @name without packet information,
 * non-blocking, set its MTU, bring it up and disable reverse-path
 * filtering on it (replies come from addresses behind connectors).
 * Return: 0, or -1 with a message.
 */
int tun_open(struct tun *t, const char *name, unsigned mtu);
void tun_close(struct tun *t);

/*
 * Add (@add) or delete the route @p via the TUN interface in the main
 * table (protocol "static"). Return: 0, or -errno from the kernel.
 */
int tun_route(const struct tun *t, const struct ip_prefix *p, bool add);

#endif
