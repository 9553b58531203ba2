/* SPDX-License-Identifier: BSD-2-Clause */
/* edgeroute.c - announced prefixes to connectors, longest usable match */
#include <stdlib.h>
#include <string.h>

#include "icmp/edgeroute.h"

/* The connectors announcing one prefix, ascending. */
struct er_conns {
	unsigned n, cap;
	unsigned conn[];
};

int er_init(struct edge_routes *r, unsigned max_conns, unsigned max_pfx)
{
	memset(r, 0, sizeof(*r));
	r->max_conns = max_conns;
	/* Each stored prefix adds at most one value node and one glue node. */
	ptrie_init(&r->trie, 2 * (size_t)max_conns * max_pfx + 2);
	return 0;
}

void er_free(struct edge_routes *r)
{
	ptrie_destroy(&r->trie, free);
}

int er_add(struct edge_routes *r, unsigned conn, const struct ip_prefix *p)
{
	void **slot = ptrie_slot(&r->trie, p);
	struct er_conns *v;
	unsigned i = 0;

	if (!slot || conn >= r->max_conns) {
		r->full++;
		return -1;
	}
	v = *slot;
	while (v && i < v->n && v->conn[i] < conn)
		i++;
	if (v && i < v->n && v->conn[i] == conn)
		return 0;
	if (!v || v->n == v->cap) {	/* never beyond max_conns: each appears once */
		unsigned cap = v ? 2 * v->cap : 4;
		struct er_conns *nv;

		if (cap > r->max_conns)
			cap = r->max_conns;
		nv = realloc(v, sizeof(*nv) + cap * sizeof(nv->conn[0]));
		if (!nv) {
			if (!v)
				ptrie_remove(&r->trie, p);
			r->full++;
			return -1;
		}
		if (!v)
			nv->n = 0;
		nv->cap = cap;
		*slot = v = nv;
	}
	memmove(&v->conn[i + 1], &v->conn[i], (v->n - i) * sizeof(v->conn[0]));
	v->conn[i] = conn;
	v->n++;
	return 0;
}

void er_del(struct edge_routes *r, unsigned conn, const struct ip_prefix *p)
{
	struct er_conns *v = ptrie_get(&r->trie, p);
	unsigned i;

	if (!v)
		return;
	for (i = 0; i < v->n && v->conn[i] != conn; i++)
		;
	if (i == v->n)
		return;
	memmove(&v->conn[i], &v->conn[i + 1], (v->n - i - 1) * sizeof(v->conn[0]));
	if (--v->n == 0)
		free(ptrie_remove(&r->trie, p));
}

struct er_pick {
	bool (*usable)(void *ctx, unsigned conn);
	void *ctx;
	unsigned *out, max, n;
};

static int er_pick_cb(void *arg, const struct ip_prefix *p, void *val)
{
	struct er_pick *k = arg;
	const struct er_conns *v = val;
	unsigned i;

	(void)p;
	for (i = 0; v && i < v->n && k->n < k->max; i++)
		if (k->usable(k->ctx, v->conn[i]))
			k->out[k->n++] = v->conn[i];
	return k->n > 0;
}

unsigned er_match(const struct edge_routes *r, const struct ip_addr *dst,
		  bool (*usable)(void *ctx, unsigned conn), void *ctx, unsigned *out,
		  unsigned max)
{
	struct er_pick k = { usable, ctx, out, max, 0 };

	if (!max)
		return 0;
	ptrie_match_each(&r->trie, dst, er_pick_cb, &k);
	return k.n;
}
