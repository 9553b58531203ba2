/* SPDX-License-Identifier: BSD-2-Clause */
/* addr.h - IPv4/IPv6 addresses and prefixes */
#ifndef WS_ADDR_H
#define WS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Enough for any IPv6 text form including an IPv4 tail, plus NUL. */
#define IP_ADDR_STRLEN 46
/* An address, a slash and up to three digits. */
#define IP_PREFIX_STRLEN (IP_ADDR_STRLEN + 4)

/*
 * An IP address of either family. IPv4 lives in the first four bytes of @a;
 * the rest is zero, so addresses compare and hash with memcmp/hash_bytes.
 * @family is 0 (no address), 4 or 6.
 */
struct ip_addr {
	uint8_t family;
	uint8_t a[16];
};

struct ip_prefix {
	struct ip_addr addr;
	uint8_t len;
};

static inline bool ip_addr_is_set(const struct ip_addr *x) { return x->family != 0; }

void ip_addr_set4(struct ip_addr *x, const void *be4);
void ip_addr_set6(struct ip_addr *x, const void *be16);
void ip_addr_set4u(struct ip_addr *x, uint32_t host_order);
uint32_t ip_addr_v4u(const struct ip_addr *x);
bool ip_addr_eq(const struct ip_addr *x, const struct ip_addr *y);
int ip_addr_cmp(const struct ip_addr *x, const struct ip_addr *y);

/* Return: 0 on success, -1 if @s is not an IPv4 or IPv6 address. */
int ip_addr_parse(const char *s, struct ip_addr *out);

/*
 * Text form (inet_ntop style; IPv4 is formatted without libc for speed).
 * Return: the length written, excluding the NUL ("" and 0 for no address).
 */
size_t ip_addr_fmt(const struct ip_addr *x, char buf[IP_ADDR_STRLEN]);

/* Accepts "ADDR" (host prefix) or "ADDR/LEN". Host bits must be zero
 * unless @allow_host_bits, in which case they are cleared.
 * Return: 0 on success, -1 on a bad prefix. */
int ip_prefix_parse(const char *s, struct ip_prefix *out, bool allow_host_bits);
size_t ip_prefix_fmt(const struct ip_prefix *p, char buf[IP_PREFIX_STRLEN]);
bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *x);
/* Clear bits of @x beyond @len. */
void ip_addr_mask(struct ip_addr *x, unsigned len);

/* Convert to/from struct sockaddr_storage (port in host order). */
struct sockaddr;
int ip_addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *x, uint16_t *port);
size_t ip_addr_to_sockaddr(const struct ip_addr *x, uint16_t port, void *ss, size_t sslen);

#endif
