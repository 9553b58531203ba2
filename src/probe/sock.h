/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sock.h - probe sockets: AF_PACKET on a tunnel device (send into its
 * transmit path, receive before rp_filter) and raw ICMP sockets for
 * unidirectional probes; receive with kernel timestamps
 */
#ifndef WS_PROBE_SOCK_H
#define WS_PROBE_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

struct probe_rx {
	const uint8_t *pkt;	/* the IP packet (raw IPv6: the ICMPv6 message) */
	size_t len;
	uint64_t ts_ns;		/* kernel receive time, CLOCK_REALTIME */
	struct ip_addr from;	/* raw sockets: the sender */
	int pkttype;		/* AF_PACKET: PACKET_HOST ... */
};

/*
 * Open a cooked AF_PACKET socket bound to @ifindex that receives only
 * incoming ICMP/ICMPv6 echo replies (a socket filter), with nanosecond
 * timestamps. Return: the fd, or -errno.
 */
int probe_sock_packet(int ifindex);
/*
 * Send the IP packet @pkt out of @ifindex's transmit path. @ll/@lllen is
 * the link-layer destination for Ethernet-like devices (0 for L3 ones).
 * Return: 0, or -errno (-EMSGSIZE: larger than the device MTU).
 */
int probe_sock_packet_send(int fd, int ifindex, const uint8_t *pkt, size_t len,
			   const uint8_t *ll, unsigned lllen);

/*
 * Open a raw ICMP (family 4) or ICMPv6 (6) socket that receives only echo
 * replies, with timestamps, DSCP @dscp, hop limit @ttl, don't-fragment
 * @df, bound to @src when set. Return: the fd, or -errno.
 */
int probe_sock_raw(uint8_t family, const struct ip_addr *src, unsigned dscp,
		   unsigned ttl, bool df);
/* Send an ICMP message to @dst. Return: 0, or -errno. */
int probe_sock_raw_send(int fd, const struct ip_addr *dst, const uint8_t *icmp, size_t len);

/*
 * Receive one packet into @buf (non-blocking). AF_PACKET sockets skip
 * our own outgoing packets. Return: 1 with @rx filled, 0 when nothing is
 * pending, or -errno.
 */
int probe_sock_recv(int fd, uint8_t *buf, size_t cap, struct probe_rx *rx);

#endif
