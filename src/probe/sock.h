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
#include <linux/if_packet.h>
#include <sys/socket.h>

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
 * incoming ICMP/ICMPv6 echo replies carrying the probe magic with an
 * identifier in @id_base .. @id_base + @nids - 1 (a socket filter), with
 * nanosecond timestamps. Return: the fd, or -errno.
 */
int probe_sock_packet(int ifindex, uint16_t id_base, uint32_t nids);
/* Add the packets the kernel dropped for a full receive buffer since the
 * last call to *@drops (AF_PACKET sockets). Return: 0, or -errno. */
int probe_sock_drops(int fd, uint64_t *drops);
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
 * A receive batch: up to PROBE_RX_BATCH packets per recvmmsg, each in its
 * own buffer of PROBE_RX_SLOT bytes (larger packets are truncated; no probe
 * is larger). Allocate it once, it is big.
 */
#define PROBE_RX_BATCH 64
#define PROBE_RX_SLOT 9216
struct probe_rxbatch {
	struct mmsghdr mh[PROBE_RX_BATCH];
	struct iovec iov[PROBE_RX_BATCH];
	union {
		struct sockaddr_ll ll;
		struct sockaddr_storage ss;
	} from[PROBE_RX_BATCH];
	char cbuf[PROBE_RX_BATCH][64];
	struct probe_rx rx[PROBE_RX_BATCH];
	uint8_t buf[PROBE_RX_BATCH][PROBE_RX_SLOT];
};

/*
 * Receive what is pending, up to PROBE_RX_BATCH packets, with one system
 * call (non-blocking) into @b->rx. AF_PACKET sockets skip our own outgoing
 * packets. Return: the number of packets in @b->rx (0 when nothing is
 * pending), or -errno.
 */
int probe_sock_recv_many(int fd, struct probe_rxbatch *b);

#endif
