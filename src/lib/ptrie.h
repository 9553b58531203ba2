/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ptrie.h - path-compressed binary prefix trie (longest-prefix match)
 *
 * Keys are struct ip_prefix; IPv4 and IPv6 live in separate roots. Each
 * node stores one opaque value pointer owned by the caller. Lookups visit
 * every stored prefix that covers an address, longest first, which is
 * what a FIB needs when a match must be skipped (a route whose next hop
 * does not fit) and the search backtracks to shorter prefixes.
 */
#ifndef WS_PTRIE_H
#define WS_PTRIE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/addr.h"

struct ptrie_node;

struct ptrie {
	struct ptrie_node *root4;
	struct ptrie_node *root6;
	size_t count;		/* prefixes holding a value */
	size_t nodes;		/* nodes allocated, glue included */
	size_t max_nodes;	/* 0: unlimited */
	unsigned long long full;	/* inserts refused by max_nodes */
};

void ptrie_init(struct ptrie *t, size_t max_nodes);
/* Free all nodes; @free_value (may be NULL) is called for each value. */
void ptrie_destroy(struct ptrie *t, void (*free_value)(void *v));

/*
 * The slot holding @p's value, created (holding NULL) when absent.
 * Return: the slot, or NULL when out of memory or max_nodes was hit.
 */
void **ptrie_slot(struct ptrie *t, const struct ip_prefix *p);
/* Return: the value stored for exactly @p, or NULL. */
void *ptrie_get(const struct ptrie *t, const struct ip_prefix *p);
/* Remove @p; Return: its value (the caller frees it), or NULL. */
void *ptrie_remove(struct ptrie *t, const struct ip_prefix *p);

/*
 * Call @fn for each stored prefix covering @a, longest first, until it
 * returns non-zero. Return: that value, or 0 when every call returned 0.
 */
int ptrie_match_each(const struct ptrie *t, const struct ip_addr *a,
		     int (*fn)(void *arg, const struct ip_prefix *p, void *v), void *arg);
/* Return: the value of the longest prefix covering @a (NULL if none);
 * its prefix goes to @matched when that is not NULL. */
void *ptrie_lookup(const struct ptrie *t, const struct ip_addr *a, struct ip_prefix *matched);
/* Call @fn for every stored prefix in address order (shorter before longer
 * at the same address) until it returns non-zero. Return: as ptrie_match_each. */
int ptrie_walk(const struct ptrie *t, int (*fn)(void *arg, const struct ip_prefix *p, void *v),
	       void *arg);

#endif
