/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * icmppkt.h - build the IP packets the edge and the connector originate:
 * ICMP/ICMPv6 errors (time exceeded, unreachable, too big, parameter
 * problem) quoting the packet they are about, and echo replies.
 */
#ifndef WS_ICMP_ICMPPKT_H
#define WS_ICMP_ICMPPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "pkt/pkt.h"

#define ICMPPKT_V4_ECHO_REPLY 0
#define ICMPPKT_V4_UNREACH 3
#define ICMPPKT_V4_ECHO 8
#define ICMPPKT_V4_TIME_EXCEEDED 11
#define ICMPPKT_V4_PARAM_PROB 12
#define ICMPPKT_V6_UNREACH 1
#define ICMPPKT_V6_TOO_BIG 2
#define ICMPPKT_V6_TIME_EXCEEDED 3
#define ICMPPKT_V6_PARAM_PROB 4
#define ICMPPKT_V6_ECHO 128
#define ICMPPKT_V6_ECHO_REPLY 129

/* Errors quote at most this much so they fit the minimum MTUs (576/1280). */
#define ICMPPKT_V4_QUOTE_MAX (576 - 20 - 8)
#define ICMPPKT_V6_QUOTE_MAX (1280 - 40 - 8)
#define ICMPPKT_DEFAULT_TTL 64

/* What kind of error to build; the family decides type numbers. */
enum icmppkt_err {
	ICMPPKT_ERR_TIME_EXCEEDED,
	ICMPPKT_ERR_NET_UNREACH,	/* v4 code 0, v6 code 0 (no route) */
	ICMPPKT_ERR_HOST_UNREACH,	/* v4 code 1, v6 code 3 (address) */
	ICMPPKT_ERR_ADMIN,		/* v4 code 13, v6 code 1 */
	ICMPPKT_ERR_RAW,		/* @type/@code given verbatim */
};

struct icmppkt_err_spec {
	enum icmppkt_err kind;
	uint8_t type, code;		/* ICMPPKT_ERR_RAW only */
	uint32_t info;			/* the 4 bytes after the checksum (MTU,
					 * pointer), host order */
	uint8_t ttl;			/* of the error packet; 0 = 64 */
};

/*
 * Build an ICMP error from @src to @dst quoting @quote (the start of the
 * offending packet, cut to the minimum MTU). Families of @src and @dst
 * must match. Return: the packet length, or 0 when @cap is too small.
 */
size_t icmppkt_error(uint8_t *out, size_t cap, const struct ip_addr *src,
		     const struct ip_addr *dst, const struct icmppkt_err_spec *spec,
		     const uint8_t *quote, size_t quote_len);

/*
 * Build an echo reply (or request, @request) from @src to @dst.
 * Return: the packet length, or 0 when @cap is too small.
 */
size_t icmppkt_echo(uint8_t *out, size_t cap, bool request, const struct ip_addr *src,
		    const struct ip_addr *dst, uint8_t ttl, uint16_t id, uint16_t seq,
		    const uint8_t *payload, size_t len);

/*
 * May an ICMP error be sent about the packet @m describes? Not about ICMP
 * errors, non-first fragments, or packets from unspecified, multicast,
 * broadcast or loopback sources (RFC 1122 3.2.2, RFC 4443 2.4(e)).
 */
bool icmppkt_may_answer(const struct pkt_meta *m);

/*
 * Decrement the TTL / hop limit of the IP packet @p in place (the IPv4
 * header checksum is updated incrementally, RFC 1624).
 * Return: the new TTL, or -1 when it was already 0 or 1 (not changed).
 */
int icmppkt_dec_ttl(uint8_t *p, size_t len);

/* Verify an ICMP(v6) checksum over @l4 of @len bytes. */
bool icmppkt_csum_ok(const struct ip_addr *src, const struct ip_addr *dst,
		     const uint8_t *l4, size_t len);

#endif
