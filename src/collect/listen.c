/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * listen.c - listener URLs, UDP sockets, steering exporters to threads
 *
 * Theory of operation
 * Template-based protocols (NetFlow v9, IPFIX) need every packet of an
 * exporter to reach the decoder that saw its templates. With N receive
 * threads each listener is a SO_REUSEPORT group of N sockets, one per
 * thread; the kernel's default choice hashes the 4-tuple, which keeps an
 * exporter on one socket only while its source port stays the same. So
 * we attach a classic BPF program to the group (SO_ATTACH_REUSEPORT_CBPF)
 * that picks the socket from a hash of the source address alone: an
 * exporter always lands on the same thread, whatever its source ports,
 * and a [::] socket's IPv4-mapped packets are hashed on their IPv4
 * source. If the kernel refuses the program, the collector falls back to
 * one receive thread, which is always correct.
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collect/collect_int.h"
#include "lib/opt.h"

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif
#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

int collect_listen_parse(const char *url, struct collect_listen *l,
			 char *err, size_t errlen)
{
	const char *p = url, *host, *port;
	char h[IP_ADDR_STRLEN + 2];
	size_t hl;
	char *end;
	unsigned long v;

	memset(l, 0, sizeof(*l));
	if (strncmp(p, "udp://", 6)) {
		snprintf(err, errlen, "'%s': expected udp://HOST:PORT", url);
		return -1;
	}
	p += 6;
	if (*p == '[') {
		host = p + 1;
		end = strchr(host, ']');
		if (!end || end[1] != ':') {
			snprintf(err, errlen, "'%s': expected udp://[IPv6]:PORT", url);
			return -1;
		}
		hl = (size_t)(end - host);
		port = end + 2;
	} else {
		host = p;
		end = strrchr(p, ':');
		if (!end) {
			snprintf(err, errlen, "'%s': missing :PORT", url);
			return -1;
		}
		hl = (size_t)(end - host);
		port = end + 1;
		if (memchr(host, ':', hl)) {
			snprintf(err, errlen, "'%s': put an IPv6 address in brackets", url);
			return -1;
		}
	}
	if (hl >= sizeof(h)) {
		snprintf(err, errlen, "'%s': host too long", url);
		return -1;
	}
	memcpy(h, host, hl);
	h[hl] = 0;
	if (!hl) {
		l->addr.family = 6;	/* all zero: [::] */
	} else if (ip_addr_parse(h, &l->addr) < 0) {
		snprintf(err, errlen, "'%s': '%s' is not an IP address", url, h);
		return -1;
	}
	errno = 0;
	v = strtoul(port, &end, 10);
	if (!*port || *end || errno || v == 0 || v > 65535 || *port == '-' || *port == '+') {
		snprintf(err, errlen, "'%s': '%s' is not a port (1..65535)", url, port);
		return -1;
	}
	l->port = (uint16_t)v;
	if (l->addr.family == 6)
		snprintf(l->url, sizeof(l->url), "udp://[%s]:%u", hl ? h : "::", l->port);
	else
		snprintf(l->url, sizeof(l->url), "udp://%s:%u", h, l->port);
	return 0;
}

/* cBPF: A = hash(source address) % n. Loads use the network-header
 * offset because the program runs with data at the UDP payload. */
static int attach_steering(int fd, unsigned n)
{
	struct sock_filter code[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_NET_OFF + 0),
		/* 1 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		/* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x60, 2, 0),
		/* 3 IPv4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JA, 10, 0, 0),
		/* 5 IPv6: xor of the four source words */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 8),
		/* 6 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
		/* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),
		/* 8 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		/* 9 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
		/* 10 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 16),
		/* 11 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		/* 12 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
		/* 13 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 20),
		/* 14 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		/* 15 hash */ BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1u),
		/* 16 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
		/* 17 */ BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
		/* 18 */ BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog));
}

static int sock_open(struct collector *c, const struct collect_listen *l, bool *warned)
{
	union { struct sockaddr_storage ss; struct sockaddr sa; } u;
	int fd, one = 1, zero = 0, got = 0;
	socklen_t len, glen = sizeof(got);
	int want = c->cfg.rcvbuf > INT32_MAX / 2 ? INT32_MAX / 2 : (int)c->cfg.rcvbuf;

	fd = socket(l->addr.family == 6 ? AF_INET6 : AF_INET,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("collect: %s: socket", l->url);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) < 0)
		log_warn("collect: %s: SO_RXQ_OVFL (kernel drops will not be counted)", l->url);
	if (l->addr.family == 6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	/* SO_RCVBUFFORCE passes net.core.rmem_max when we may (root) */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &glen) == 0 &&
	    got / 2 < want && !*warned) {
		log_warnx("collect: %s: receive buffer is %d bytes, not the %d asked for: "
			  "the kernel caps it (raise net.core.rmem_max, e.g. "
			  "'sysctl -w net.core.rmem_max=%d', or run as root)",
			  l->url, got / 2, want, want);
		*warned = true;
	}
	len = (socklen_t)ip_addr_to_sockaddr(&l->addr, l->port, &u.ss, sizeof(u.ss));
	if (bind(fd, &u.sa, len) < 0) {
		log_warn("collect: %s: bind", l->url);
		close(fd);
		return -1;
	}
	return fd;
}

/* SO_REUSEPORT would let us join another process's group silently and
 * share its packets: bind once without it to see that the port is free. */
static int port_free(const struct collect_listen *l)
{
	union { struct sockaddr_storage ss; struct sockaddr sa; } u;
	int fd, zero = 0, rc = 0;
	socklen_t len;

	fd = socket(l->addr.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (l->addr.family == 6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	len = (socklen_t)ip_addr_to_sockaddr(&l->addr, l->port, &u.ss, sizeof(u.ss));
	if (bind(fd, &u.sa, len) < 0) {
		log_warn("collect: %s: bind (is another collector running?)", l->url);
		rc = -1;
	}
	close(fd);
	return rc;
}

int listen_open_all(struct collector *c)
{
	unsigned i, t;
	bool warned = false;

	for (i = 0; i < c->cfg.nlisten; i++) {
		if (port_free(&c->cfg.listen[i]) < 0)
			return -1;
		for (t = 0; t < c->nthreads; t++) {
			int fd = sock_open(c, &c->cfg.listen[i], &warned);

			if (fd < 0)
				return -1;
			c->rt[t].fds[i] = fd;
		}
		if (c->nthreads > 1 && attach_steering(c->rt[0].fds[i], c->nthreads) < 0) {
			log_warn("collect: %s: cannot steer exporters to threads "
				 "(SO_ATTACH_REUSEPORT_CBPF); using one receive thread",
				 c->cfg.listen[i].url);
			return -2;
		}
	}
	c->steering = c->nthreads > 1;
	return 0;
}
