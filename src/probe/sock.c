/* SPDX-License-Identifier: BSD-2-Clause */
/* sock.c - AF_PACKET and raw ICMP probe sockets with kernel timestamps */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe/sock.h"
#include "probe/wire.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/*
 * The kernel keeps everything but our probes' replies away from us:
 * IPv4 ICMP echo replies (type 0, first fragment) and ICMPv6 echo replies
 * (type 129, no extension headers) whose identifier is one of ours
 * (base .. base + n - 1, modulo 2^16) and whose payload starts with the
 * probe magic. The socket is SOCK_DGRAM, so offset 0 is the IP header.
 * Other ICMP on a busy tunnel (or another pinger on the same host) is
 * dropped before it is queued, copied or woken up for.
 */
#define F_DROP 28
#define F_ACCEPT 27
#define F_J(pc, to) ((to) - (pc) - 1)
static const struct sock_filter echo_reply_filter[] = {
	/*  0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
	/*  1 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),
	/*  2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, F_J(2, 16)),
	/*  3 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),		/* protocol */
	/*  4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, F_J(4, F_DROP)),
	/*  5 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),		/* fragment offset */
	/*  6 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, F_J(6, F_DROP), 0),
	/*  7 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),		/* X = IHL * 4 */
	/*  8 */ BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),		/* ICMP type */
	/*  9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, F_J(9, F_DROP)),
	/* 10 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4),		/* identifier */
	/* 11 */ BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 0),		/* - base */
	/* 12 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xffff),
	/* 13 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 1, F_J(13, F_DROP), 0),	/* n */
	/* 14 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 8),		/* magic */
	/* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PROBE_MAGIC, F_J(15, F_ACCEPT),
			  F_J(15, F_DROP)),
	/* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, F_J(16, F_DROP)),
	/* 17 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),		/* next header */
	/* 18 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, F_J(18, F_DROP)),
	/* 19 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40),		/* ICMPv6 type */
	/* 20 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 129, 0, F_J(20, F_DROP)),
	/* 21 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 44),		/* identifier */
	/* 22 */ BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 0),		/* - base */
	/* 23 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xffff),
	/* 24 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 1, F_J(24, F_DROP), 0),	/* n */
	/* 25 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 48),		/* magic */
	/* 26 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PROBE_MAGIC, F_J(26, F_ACCEPT),
			  F_J(26, F_DROP)),
	/* 27 */ BPF_STMT(BPF_RET | BPF_K, 0x40000),
	/* 28 */ BPF_STMT(BPF_RET | BPF_K, 0),
};

static int sock_common(int fd)
{
	int one = 1, sz = 4 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		return -errno;
	/* Best effort: a bigger buffer absorbs bursts of replies (thousands
	 * of probes sent in one wakeup come back together); beyond
	 * rmem_max only with CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return 0;
}

int probe_sock_packet(int ifindex, uint16_t id_base, uint32_t nids)
{
	struct sock_filter f[sizeof(echo_reply_filter) / sizeof(echo_reply_filter[0])];
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct sockaddr_ll sll;
	int fd, one = 1, e;

	memcpy(f, echo_reply_filter, sizeof(f));
	f[11].k = f[22].k = id_base;
	f[13].k = f[24].k = nids;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Filter before binding so no unfiltered packet is ever queued. */
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto fail;
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if ((e = sock_common(fd)) < 0) {
		close(fd);
		return e;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	return -e;
}

int probe_sock_packet_send(int fd, int ifindex, const uint8_t *pkt, size_t len,
			   const uint8_t *ll, unsigned lllen)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	sll.sll_protocol = htons((pkt[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP);
	if (lllen && lllen <= sizeof(sll.sll_addr)) {
		sll.sll_halen = (unsigned char)lllen;
		memcpy(sll.sll_addr, ll, lllen);
	}
	if (sendto(fd, pkt, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	return 0;
}

int probe_sock_raw(uint8_t family, const struct ip_addr *src, unsigned dscp,
		   unsigned ttl, bool df)
{
	int fd, e, v;
	struct sockaddr_storage ss;
	size_t sl;

	fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		return -errno;
	if ((e = sock_common(fd)) < 0)
		goto out;
	if (family == 6) {
		struct icmp6_filter f6;

		ICMP6_FILTER_SETBLOCKALL(&f6);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f6);
		v = (int)(dscp << 2);
		if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f6, sizeof(f6)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)) < 0)
			goto fail;
		v = (int)ttl;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)) < 0)
			goto fail;
		v = df;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &v, sizeof(v)) < 0)
			goto fail;
	} else {
		struct icmp_filter f4 = { .data = ~(1u << ICMP_ECHOREPLY) };

		v = (int)(dscp << 2);
		if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f4, sizeof(f4)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)) < 0)
			goto fail;
		v = (int)ttl;
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)) < 0)
			goto fail;
		v = df ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT;
		if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)) < 0)
			goto fail;
	}
	if (src && ip_addr_is_set(src)) {
		sl = ip_addr_to_sockaddr(src, 0, &ss, sizeof(ss));
		if (!sl || bind(fd, (struct sockaddr *)&ss, (socklen_t)sl) < 0)
			goto fail;
	}
	return fd;
fail:
	e = -errno;
out:
	close(fd);
	return e;
}

int probe_sock_raw_send(int fd, const struct ip_addr *dst, const uint8_t *icmp, size_t len)
{
	struct sockaddr_storage ss;
	size_t sl = ip_addr_to_sockaddr(dst, 0, &ss, sizeof(ss));

	if (!sl)
		return -EINVAL;
	if (sendto(fd, icmp, len, 0, (struct sockaddr *)&ss, (socklen_t)sl) < 0)
		return -errno;
	return 0;
}

static uint64_t ts_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int probe_sock_drops(int fd, uint64_t *drops)
{
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);

	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) < 0)
		return -errno;
	*drops += st.tp_drops;
	return 0;
}

int probe_sock_recv_many(int fd, struct probe_rxbatch *b)
{
	struct cmsghdr *cm;
	int n, i, k;

	for (i = 0; i < PROBE_RX_BATCH; i++) {
		struct msghdr *mh = &b->mh[i].msg_hdr;

		b->iov[i].iov_base = b->buf[i];
		b->iov[i].iov_len = PROBE_RX_SLOT;
		mh->msg_name = &b->from[i];
		mh->msg_namelen = sizeof(b->from[i]);
		mh->msg_iov = &b->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = b->cbuf[i];
		mh->msg_controllen = sizeof(b->cbuf[i]);
		mh->msg_flags = 0;
	}
	do
		n = recvmmsg(fd, b->mh, PROBE_RX_BATCH, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (i = 0, k = 0; i < n; i++) {
		struct msghdr *mh = &b->mh[i].msg_hdr;
		struct probe_rx *rx = &b->rx[k];

		memset(rx, 0, sizeof(*rx));
		if (b->from[i].ss.ss_family == AF_PACKET) {
			rx->pkttype = b->from[i].ll.sll_pkttype;
			if (rx->pkttype == PACKET_OUTGOING)
				continue;
		} else {
			ip_addr_from_sockaddr((struct sockaddr *)&b->from[i].ss, &rx->from, NULL);
		}
		rx->pkt = b->buf[i];
		rx->len = b->mh[i].msg_len > PROBE_RX_SLOT ? PROBE_RX_SLOT : b->mh[i].msg_len;
		for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				rx->ts_ns = (uint64_t)ts.tv_sec * 1000000000u +
					    (uint64_t)ts.tv_nsec;
			}
		}
		if (!rx->ts_ns)
			rx->ts_ns = ts_now();
		k++;
	}
	return k;
}
