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

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/*
 * Accept IPv4 ICMP echo replies (type 0, first fragment) and ICMPv6 echo
 * replies (type 129, no extension headers); the socket is SOCK_DGRAM, so
 * offset 0 is the IP header.
 */
static struct sock_filter echo_reply_filter[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
	BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 7),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),			/* protocol */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 11),
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),			/* fragment offset */
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 9, 0),
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),			/* X = IHL * 4 */
	BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),			/* ICMP type */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 6),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 5),		/* version 6 */
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),			/* next header */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 3),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40),			/* ICMPv6 type */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 129, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0x40000),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

static int sock_common(int fd)
{
	int one = 1, sz = 1 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		return -errno;
	/* Best effort: a bigger buffer absorbs bursts of replies. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return 0;
}

int probe_sock_packet(int ifindex)
{
	struct sock_fprog prog = {
		.len = sizeof(echo_reply_filter) / sizeof(echo_reply_filter[0]),
		.filter = echo_reply_filter,
	};
	struct sockaddr_ll sll;
	int fd, one = 1, e;

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

int probe_sock_recv(int fd, uint8_t *buf, size_t cap, struct probe_rx *rx)
{
	union {
		struct sockaddr_ll ll;
		struct sockaddr_storage ss;
	} from;
	char cbuf[CMSG_SPACE(sizeof(struct timespec)) + 64];
	struct iovec iov = { buf, cap };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	for (;;) {
		mh.msg_namelen = sizeof(from);
		mh.msg_controllen = sizeof(cbuf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		memset(rx, 0, sizeof(*rx));
		if (from.ss.ss_family == AF_PACKET) {
			rx->pkttype = from.ll.sll_pkttype;
			if (rx->pkttype == PACKET_OUTGOING)
				continue;
		} else {
			ip_addr_from_sockaddr((struct sockaddr *)&from.ss, &rx->from, NULL);
		}
		break;
	}
	rx->pkt = buf;
	rx->len = (size_t)n > cap ? cap : (size_t)n;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			rx->ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		}
	}
	if (!rx->ts_ns) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		rx->ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	return 1;
}
