/* SPDX-License-Identifier: BSD-2-Clause */
/* addr.c - IPv4/IPv6 addresses and prefixes */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/addr.h"

void ip_addr_set4(struct ip_addr *x, const void *be4)
{
	memset(x, 0, sizeof(*x));
	x->family = 4;
	memcpy(x->a, be4, 4);
}

void ip_addr_set6(struct ip_addr *x, const void *be16)
{
	x->family = 6;
	memcpy(x->a, be16, 16);
}

void ip_addr_set4u(struct ip_addr *x, uint32_t v)
{
	memset(x, 0, sizeof(*x));
	x->family = 4;
	x->a[0] = (uint8_t)(v >> 24);
	x->a[1] = (uint8_t)(v >> 16);
	x->a[2] = (uint8_t)(v >> 8);
	x->a[3] = (uint8_t)v;
}

uint32_t ip_addr_v4u(const struct ip_addr *x)
{
	return (uint32_t)x->a[0] << 24 | (uint32_t)x->a[1] << 16 |
	       (uint32_t)x->a[2] << 8 | x->a[3];
}

bool ip_addr_eq(const struct ip_addr *x, const struct ip_addr *y)
{
	return x->family == y->family && !memcmp(x->a, y->a, 16);
}

int ip_addr_cmp(const struct ip_addr *x, const struct ip_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, 16);
}

int ip_addr_parse(const char *s, struct ip_addr *out)
{
	uint8_t buf[16];

	if (inet_pton(AF_INET, s, buf) == 1) {
		ip_addr_set4(out, buf);
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		ip_addr_set6(out, buf);
		return 0;
	}
	return -1;
}

static size_t fmt_u8(char *p, unsigned v)
{
	if (v >= 100) {
		p[0] = (char)('0' + v / 100);
		p[1] = (char)('0' + v / 10 % 10);
		p[2] = (char)('0' + v % 10);
		return 3;
	}
	if (v >= 10) {
		p[0] = (char)('0' + v / 10);
		p[1] = (char)('0' + v % 10);
		return 2;
	}
	p[0] = (char)('0' + v);
	return 1;
}

size_t ip_addr_fmt(const struct ip_addr *x, char buf[IP_ADDR_STRLEN])
{
	size_t n = 0;
	int i;

	if (x->family == 4) {
		for (i = 0; i < 4; i++) {
			if (i)
				buf[n++] = '.';
			n += fmt_u8(buf + n, x->a[i]);
		}
		buf[n] = '\0';
		return n;
	}
	if (x->family == 6 && inet_ntop(AF_INET6, x->a, buf, IP_ADDR_STRLEN))
		return strlen(buf);
	buf[0] = '\0';
	return 0;
}

void ip_addr_mask(struct ip_addr *x, unsigned len)
{
	unsigned bits = x->family == 4 ? 32 : 128, i;

	if (len >= bits)
		return;
	for (i = len / 8; i < 16; i++) {
		if (i == len / 8 && len % 8)
			x->a[i] &= (uint8_t)(0xff << (8 - len % 8));
		else
			x->a[i] = 0;
	}
}

int ip_prefix_parse(const char *s, struct ip_prefix *out, bool allow_host_bits)
{
	char tmp[IP_PREFIX_STRLEN];
	const char *slash = strchr(s, '/');
	unsigned long len;
	char *end;
	struct ip_addr masked;

	if (!slash) {
		if (ip_addr_parse(s, &out->addr) < 0)
			return -1;
		out->len = out->addr.family == 4 ? 32 : 128;
		return 0;
	}
	if ((size_t)(slash - s) >= sizeof(tmp) || slash[1] == '\0')
		return -1;
	memcpy(tmp, s, (size_t)(slash - s));
	tmp[slash - s] = '\0';
	if (ip_addr_parse(tmp, &out->addr) < 0)
		return -1;
	len = strtoul(slash + 1, &end, 10);
	if (*end || slash[1] < '0' || slash[1] > '9' ||
	    len > (out->addr.family == 4 ? 32u : 128u))
		return -1;
	out->len = (uint8_t)len;
	masked = out->addr;
	ip_addr_mask(&masked, out->len);
	if (!allow_host_bits && !ip_addr_eq(&masked, &out->addr))
		return -1;
	out->addr = masked;
	return 0;
}

size_t ip_prefix_fmt(const struct ip_prefix *p, char buf[IP_PREFIX_STRLEN])
{
	size_t n = ip_addr_fmt(&p->addr, buf);

	n += (size_t)snprintf(buf + n, IP_PREFIX_STRLEN - n, "/%u", p->len);
	return n;
}

bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *x)
{
	struct ip_addr m;

	if (p->addr.family != x->family)
		return false;
	m = *x;
	ip_addr_mask(&m, p->len);
	return !memcmp(m.a, p->addr.a, 16);
}

int ip_addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *x, uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		ip_addr_set4(x, &s4->sin_addr);
		if (port)
			*port = ntohs(s4->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			ip_addr_set4(x, s6->sin6_addr.s6_addr + 12);
		else
			ip_addr_set6(x, &s6->sin6_addr);
		if (port)
			*port = ntohs(s6->sin6_port);
		return 0;
	}
	return -1;
}

size_t ip_addr_to_sockaddr(const struct ip_addr *x, uint16_t port, void *ss, size_t sslen)
{
	if (x->family == 4 && sslen >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in *s4 = ss;

		memset(s4, 0, sizeof(*s4));
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, x->a, 4);
		return sizeof(*s4);
	}
	if (x->family == 6 && sslen >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *s6 = ss;

		memset(s6, 0, sizeof(*s6));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, x->a, 16);
		return sizeof(*s6);
	}
	return 0;
}
