/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ptrie.c - path-compressed binary prefix trie
 *
 * Theory of operation: every node carries a full prefix (address, length).
 * A node's children extend its prefix by at least one bit; child[b] holds
 * the prefixes whose bit at position len is b. Nodes without a value exist
 * only as "glue" where two branches diverge, so the trie holds at most
 * 2n - 1 nodes for n prefixes and a lookup touches at most 33 (129) nodes.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/ptrie.h"

struct ptrie_node {
	struct ip_prefix p;
	struct ptrie_node *child[2];
	void *value;
	bool has_value;
};

static unsigned maxbits(uint8_t family)
{
	return family == 4 ? 32 : 128;
}

static unsigned bit_at(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* Length of the common leading bits of @a and @b, at most @limit. */
static unsigned common_bits(const uint8_t *a, const uint8_t *b, unsigned limit)
{
	unsigned i = 0;

	while (i < limit && i % 8 == 0 && limit - i >= 8 && a[i / 8] == b[i / 8])
		i += 8;
	while (i < limit && bit_at(a, i) == bit_at(b, i))
		i++;
	return i;
}

static struct ptrie_node **root_of(struct ptrie *t, uint8_t family)
{
	return family == 4 ? &t->root4 : &t->root6;
}

void ptrie_init(struct ptrie *t, size_t max_nodes)
{
	memset(t, 0, sizeof(*t));
	t->max_nodes = max_nodes;
}

static void free_tree(struct ptrie_node *n, void (*free_value)(void *v))
{
	if (!n)
		return;
	free_tree(n->child[0], free_value);
	free_tree(n->child[1], free_value);
	if (n->has_value && free_value)
		free_value(n->value);
	free(n);
}

void ptrie_destroy(struct ptrie *t, void (*free_value)(void *v))
{
	free_tree(t->root4, free_value);
	free_tree(t->root6, free_value);
	memset(t, 0, sizeof(*t));
}

static struct ptrie_node *new_node(struct ptrie *t, const struct ip_addr *a, unsigned len)
{
	struct ptrie_node *n;

	if (t->max_nodes && t->nodes >= t->max_nodes) {
		t->full++;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->p.addr = *a;
	ip_addr_mask(&n->p.addr, len);
	n->p.len = (uint8_t)len;
	t->nodes++;
	return n;
}

void **ptrie_slot(struct ptrie *t, const struct ip_prefix *p)
{
	struct ptrie_node **link, *n, *nn, *glue;
	unsigned len = p->len, c;

	if ((p->addr.family != 4 && p->addr.family != 6) || len > maxbits(p->addr.family))
		return NULL;
	link = root_of(t, p->addr.family);
	while ((n = *link) != NULL) {
		c = common_bits(n->p.addr.a, p->addr.a, len < n->p.len ? len : n->p.len);
		if (c < n->p.len) {
			/* @p diverges from or sits above @n: insert a node at c. */
			nn = new_node(t, &p->addr, len);
			if (!nn)
				return NULL;
			if (c == len) {
				nn->child[bit_at(n->p.addr.a, len)] = n;
				*link = nn;
			} else {
				glue = new_node(t, &p->addr, c);
				if (!glue) {
					free(nn);
					t->nodes--;
					return NULL;
				}
				glue->child[bit_at(n->p.addr.a, c)] = n;
				glue->child[bit_at(p->addr.a, c)] = nn;
				*link = glue;
			}
			nn->has_value = true;
			t->count++;
			return &nn->value;
		}
		if (n->p.len == len) {
			if (!n->has_value) {
				n->has_value = true;
				t->count++;
			}
			return &n->value;
		}
		link = &n->child[bit_at(p->addr.a, n->p.len)];
	}
	nn = new_node(t, &p->addr, len);
	if (!nn)
		return NULL;
	nn->has_value = true;
	t->count++;
	*link = nn;
	return &nn->value;
}

static struct ptrie_node *find_exact(const struct ptrie *t, const struct ip_prefix *p)
{
	const struct ptrie_node *n;
	unsigned len = p->len;

	if (p->addr.family != 4 && p->addr.family != 6)
		return NULL;
	n = p->addr.family == 4 ? t->root4 : t->root6;
	while (n && n->p.len <= len) {
		if (common_bits(n->p.addr.a, p->addr.a, n->p.len) < n->p.len)
			return NULL;
		if (n->p.len == len)
			return n->has_value ? (struct ptrie_node *)n : NULL;
		n = n->child[bit_at(p->addr.a, n->p.len)];
	}
	return NULL;
}

void *ptrie_get(const struct ptrie *t, const struct ip_prefix *p)
{
	struct ptrie_node *n = find_exact(t, p);

	return n ? n->value : NULL;
}

/* Remove the value at @p below *@link; collapse glue on the way back up. */
static bool remove_at(struct ptrie *t, struct ptrie_node **link, const struct ip_prefix *p,
		      void **out)
{
	struct ptrie_node *n = *link;
	bool found;

	if (!n || n->p.len > p->len ||
	    common_bits(n->p.addr.a, p->addr.a, n->p.len) < n->p.len)
		return false;
	if (n->p.len == p->len) {
		if (!n->has_value)
			return false;
		*out = n->value;
		n->value = NULL;
		n->has_value = false;
		t->count--;
		found = true;
	} else {
		found = remove_at(t, &n->child[bit_at(p->addr.a, n->p.len)], p, out);
	}
	if (found && !n->has_value && (!n->child[0] || !n->child[1])) {
		*link = n->child[0] ? n->child[0] : n->child[1];
		free(n);
		t->nodes--;
	}
	return found;
}

void *ptrie_remove(struct ptrie *t, const struct ip_prefix *p)
{
	void *v = NULL;

	if (p->addr.family != 4 && p->addr.family != 6)
		return NULL;
	remove_at(t, root_of(t, p->addr.family), p, &v);
	return v;
}

int ptrie_match_each(const struct ptrie *t, const struct ip_addr *a,
		     int (*fn)(void *arg, const struct ip_prefix *p, void *v), void *arg)
{
	const struct ptrie_node *stack[129], *n;
	unsigned depth = 0, bits;
	int r;

	if (a->family != 4 && a->family != 6)
		return 0;
	bits = maxbits(a->family);
	n = a->family == 4 ? t->root4 : t->root6;
	while (n && common_bits(n->p.addr.a, a->a, n->p.len) == n->p.len) {
		if (n->has_value)
			stack[depth++] = n;
		if (n->p.len >= bits)
			break;
		n = n->child[bit_at(a->a, n->p.len)];
	}
	while (depth > 0) {
		n = stack[--depth];
		r = fn(arg, &n->p, n->value);
		if (r)
			return r;
	}
	return 0;
}

struct first_match {
	void *v;
	struct ip_prefix p;
};

static int take_first(void *arg, const struct ip_prefix *p, void *v)
{
	struct first_match *m = arg;

	m->v = v;
	m->p = *p;
	return 1;
}

void *ptrie_lookup(const struct ptrie *t, const struct ip_addr *a, struct ip_prefix *matched)
{
	struct first_match m = { 0 };

	if (ptrie_match_each(t, a, take_first, &m) && matched)
		*matched = m.p;
	return m.v;
}

static int walk_tree(const struct ptrie_node *n,
		     int (*fn)(void *arg, const struct ip_prefix *p, void *v), void *arg)
{
	int r;

	if (!n)
		return 0;
	if (n->has_value && (r = fn(arg, &n->p, n->value)) != 0)
		return r;
	if ((r = walk_tree(n->child[0], fn, arg)) != 0)
		return r;
	return walk_tree(n->child[1], fn, arg);
}

int ptrie_walk(const struct ptrie *t, int (*fn)(void *arg, const struct ip_prefix *p, void *v),
	       void *arg)
{
	int r = walk_tree(t->root4, fn, arg);

	return r ? r : walk_tree(t->root6, fn, arg);
}
