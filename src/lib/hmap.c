/* SPDX-License-Identifier: BSD-2-Clause */
/* hmap.c - intrusive hash map with chained buckets */
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"

uint64_t hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
	uint64_t w;

	while (len >= 8) {
		memcpy(&w, b, 8);
		h = hash_u64(h ^ w) + 0x9e3779b97f4a7c15ULL;
		b += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, b, len);
	return hash_u64(h ^ w ^ ((uint64_t)len << 56));
}

int hmap_init(struct hmap *m, size_t n)
{
	size_t sz = 8;

	while (sz < n)
		sz <<= 1;
	m->buckets = calloc(sz, sizeof(*m->buckets));
	if (!m->buckets)
		return -1;
	m->mask = sz - 1;
	m->count = 0;
	return 0;
}

void hmap_destroy(struct hmap *m)
{
	free(m->buckets);
	m->buckets = NULL;
	m->mask = 0;
	m->count = 0;
}

static int hmap_grow(struct hmap *m)
{
	size_t nsz = (m->mask + 1) * 2, i;
	struct hmap_node **nb = calloc(nsz, sizeof(*nb));

	if (!nb)
		return -1;
	for (i = 0; i <= m->mask; i++) {
		struct hmap_node *n = m->buckets[i], *next;

		for (; n; n = next) {
			next = n->next;
			n->next = nb[n->hash & (nsz - 1)];
			nb[n->hash & (nsz - 1)] = n;
		}
	}
	free(m->buckets);
	m->buckets = nb;
	m->mask = nsz - 1;
	return 0;
}

int hmap_insert(struct hmap *m, struct hmap_node *n, uint64_t hash)
{
	struct hmap_node **b = &m->buckets[hash & m->mask];

	n->hash = hash;
	n->next = *b;
	*b = n;
	m->count++;
	if (m->count > m->mask + 1)
		return hmap_grow(m);
	return 0;
}

void hmap_remove(struct hmap *m, struct hmap_node *n)
{
	struct hmap_node **pp = &m->buckets[n->hash & m->mask];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			m->count--;
			return;
		}
	}
}

struct hmap_node *hmap_first_with(const struct hmap *m, uint64_t hash)
{
	struct hmap_node *n = m->buckets[hash & m->mask];

	while (n && n->hash != hash)
		n = n->next;
	return n;
}

struct hmap_node *hmap_next_with(const struct hmap_node *n)
{
	uint64_t hash = n->hash;

	for (n = n->next; n && n->hash != hash; n = n->next)
		;
	return (struct hmap_node *)n;
}

struct hmap_node *hmap_iter_first(const struct hmap *m, struct hmap_iter *it)
{
	it->bucket = 0;
	it->node = NULL;
	return hmap_iter_next(m, it);
}

struct hmap_node *hmap_iter_next(const struct hmap *m, struct hmap_iter *it)
{
	if (it->node && it->node->next) {
		it->node = it->node->next;
		return it->node;
	}
	if (it->node)
		it->bucket++;
	for (; it->bucket <= m->mask; it->bucket++) {
		if (m->buckets[it->bucket]) {
			it->node = m->buckets[it->bucket];
			return it->node;
		}
	}
	it->node = NULL;
	return NULL;
}
