/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * siphash.h - SipHash-2-4 (Aumasson and Bernstein), a keyed 64-bit MAC
 * for short messages, incremental
 */
#ifndef WS_SIPHASH_H
#define WS_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash {
	uint64_t v0, v1, v2, v3;
	uint64_t tail;		/* pending bytes, little-endian */
	unsigned ntail;
	uint64_t total;
};

/* Start a MAC under the 16-byte @key. */
void siphash_init(struct siphash *s, const uint8_t key[16]);
void siphash_update(struct siphash *s, const void *p, size_t len);
/* Return: the 64-bit MAC of everything fed since siphash_init. */
uint64_t siphash_final(struct siphash *s);
/* One-shot convenience. Return: the MAC of @len bytes at @p. */
uint64_t siphash24(const uint8_t key[16], const void *p, size_t len);

#endif
