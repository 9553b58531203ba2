/* SPDX-License-Identifier: BSD-2-Clause */
/* siphash.c - SipHash-2-4, written from the paper's description */
#include "lib/siphash.h"

static inline uint64_t rotl(uint64_t x, unsigned b) { return x << b | x >> (64 - b); }

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline void sip_round(struct siphash *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13) ^ s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17) ^ s->v2;
	s->v2 = rotl(s->v2, 32);
}

static inline void sip_block(struct siphash *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

void siphash_init(struct siphash *s, const uint8_t key[16])
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);

	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
	s->tail = 0;
	s->ntail = 0;
	s->total = 0;
}

void siphash_update(struct siphash *s, const void *p, size_t len)
{
	const uint8_t *b = p;

	s->total += len;
	while (len && s->ntail) {
		s->tail |= (uint64_t)*b++ << (8 * s->ntail);
		len--;
		if (++s->ntail == 8) {
			sip_block(s, s->tail);
			s->tail = 0;
			s->ntail = 0;
		}
	}
	for (; len >= 8; b += 8, len -= 8)
		sip_block(s, le64(b));
	while (len--)
		s->tail |= (uint64_t)*b++ << (8 * s->ntail++);
}

uint64_t siphash_final(struct siphash *s)
{
	int i;

	sip_block(s, s->tail | (s->total & 0xff) << 56);
	s->v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t siphash24(const uint8_t key[16], const void *p, size_t len)
{
	struct siphash s;

	siphash_init(&s, key);
	siphash_update(&s, p, len);
	return siphash_final(&s);
}
