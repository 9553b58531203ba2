/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hmap.h - intrusive hash map
 *
 * Callers embed a struct hmap_node in their own element, compute the hash
 * themselves (hash_bytes) and compare keys in a loop over hmap_first_with().
 * The table doubles when it holds more elements than buckets. It allocates
 * nothing per element; the element's owner allocates and frees it.
 */
#ifndef WS_HMAP_H
#define WS_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_node {
	struct hmap_node *next;
	uint64_t hash;
};

struct hmap {
	struct hmap_node **buckets;
	size_t mask;	/* buckets - 1 */
	size_t count;
};

/* 64-bit hash of @len bytes (a small, fast non-cryptographic hash). */
uint64_t hash_bytes(const void *p, size_t len, uint64_t seed);
static inline uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Return: 0, or -1 when out of memory. */
int hmap_init(struct hmap *m, size_t initial_buckets);
/* Frees the bucket array only; elements belong to the caller. */
void hmap_destroy(struct hmap *m);
static inline size_t hmap_count(const struct hmap *m) { return m->count; }

/* Return: 0, or -1 when growing failed (the node is inserted anyway). */
int hmap_insert(struct hmap *m, struct hmap_node *n, uint64_t hash);
void hmap_remove(struct hmap *m, struct hmap_node *n);

struct hmap_node *hmap_first_with(const struct hmap *m, uint64_t hash);
struct hmap_node *hmap_next_with(const struct hmap_node *n);

/* Iteration over all nodes; removal of the current node is allowed when
 * the caller fetched the next one first (HMAP_FOR_EACH_SAFE). */
struct hmap_iter {
	size_t bucket;
	struct hmap_node *node;
};
struct hmap_node *hmap_iter_first(const struct hmap *m, struct hmap_iter *it);
struct hmap_node *hmap_iter_next(const struct hmap *m, struct hmap_iter *it);

#define hmap_entry(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif
