/* SPDX-License-Identifier: BSD-2-Clause */
/* io.c - the exporter's collector sockets and interface counters */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "export/export.h"
#include "lib/log.h"

int exp_collector_parse(const char *url, struct ip_addr *a, uint16_t *port, char *err,
			size_t errlen)
{
	char host[IP_ADDR_STRLEN + 2];
	const char *h, *colon;
	size_t hlen;
	char *end;
	unsigned long p;

	if (strncmp(url, "udp://", 6) != 0)
		goto bad;
	h = url + 6;
	if (*h == '[') {
		const char *rb = strchr(h, ']');

		if (!rb || rb[1] != ':')
			goto bad;
		h++;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(h, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - h);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = 0;
	if (ip_addr_parse(host, a) < 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address (in '%s')", host, url);
		return -1;
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || p == 0 || p > 65535) {
		snprintf(err, errlen, "'%s' is not a port 1..65535 (in '%s')", colon + 1, url);
		return -1;
	}
	*port = (uint16_t)p;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not udp://HOST:PORT (IPv6 as udp://[ADDR]:PORT)", url);
	return -1;
}

int exp_collector_open(struct exporter *x, const char *url)
{
	struct sockaddr_storage ss;
	struct exp_collector *c;
	struct ip_addr a;
	char err[256];
	uint16_t port;
	size_t salen;
	int fd;

	if (x->ncols == EXP_MAX_COLLECTORS) {
		log_warnx("export: collector %s: at most %d collectors", url, EXP_MAX_COLLECTORS);
		return -1;
	}
	if (exp_collector_parse(url, &a, &port, err, sizeof(err)) < 0) {
		log_warnx("export: collector: %s", err);
		return -1;
	}
	salen = ip_addr_to_sockaddr(&a, port, &ss, sizeof(ss));
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, (socklen_t)salen) < 0) {
		log_warn("export: collector %s", url);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	c = &x->cols[x->ncols++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	snprintf(c->text, sizeof(c->text), "%s", url + 6);
	if (!ip_addr_is_set(&x->cfg.agent)) {
		struct sockaddr_storage me;
		socklen_t mlen = sizeof(me);

		if (getsockname(fd, (struct sockaddr *)&me, &mlen) == 0)
			ip_addr_from_sockaddr((struct sockaddr *)&me, &x->cfg.agent, NULL);
	}
	return 0;
}

/* Read one unsigned number from /sys/class/net/IF/@rel. Return: 0, or -1. */
static int sys_u64(const char *ifname, const char *rel, uint64_t *v)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] == '-')
		return -1;
	buf[n] = 0;
	*v = strtoull(buf, NULL, 0);
	return 0;
}

int exp_if_counters(const struct exp_if *ifp, struct flow_if_counters *c)
{
	uint64_t rx_p = 0, tx_p = 0, mc = 0, v = 0, flags = 0;

	memset(c, 0, sizeof(*c));
	if (!ifp->ifindex || sys_u64(ifp->name, "statistics/rx_bytes", &c->in_octets) < 0)
		return -1;
	c->if_index = ifp->ifindex;
	c->if_type = 6;				/* ethernetCsmacd */
	if (sys_u64(ifp->name, "speed", &v) == 0)
		c->if_speed = v * 1000000;
	c->if_direction = 0;			/* unknown */
	if (sys_u64(ifp->name, "flags", &flags) == 0)
		c->if_status = (flags & 1) ? 1 : 0;	/* IFF_UP: admin up */
	if (sys_u64(ifp->name, "carrier", &v) == 0 && v)
		c->if_status |= 2;
	sys_u64(ifp->name, "statistics/tx_bytes", &c->out_octets);
	sys_u64(ifp->name, "statistics/rx_packets", &rx_p);
	sys_u64(ifp->name, "statistics/tx_packets", &tx_p);
	sys_u64(ifp->name, "statistics/multicast", &mc);
	c->in_mcast = (uint32_t)mc;
	c->in_ucast = (uint32_t)(rx_p - (mc < rx_p ? mc : rx_p));
	c->out_ucast = (uint32_t)tx_p;
	if (sys_u64(ifp->name, "statistics/rx_dropped", &v) == 0)
		c->in_discards = (uint32_t)v;
	if (sys_u64(ifp->name, "statistics/rx_errors", &v) == 0)
		c->in_errors = (uint32_t)v;
	if (sys_u64(ifp->name, "statistics/tx_dropped", &v) == 0)
		c->out_discards = (uint32_t)v;
	if (sys_u64(ifp->name, "statistics/tx_errors", &v) == 0)
		c->out_errors = (uint32_t)v;
	c->promisc = (flags & 0x100) ? 1 : 0;	/* IFF_PROMISC */
	return 0;
}
