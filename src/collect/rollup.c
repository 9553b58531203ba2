/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rollup.c - per-minute aggregates of flow records, by dimension
 *
 * Theory of operation
 * Each dimension has its own open-addressing table of (minute, exporter,
 * value) keys for the current commit interval; exporters are interned to
 * a 16-bit index so a key is 24 bytes and an entry one cache line. One
 * table per dimension keeps the small dimensions (protocol, ports of a
 * few services, interfaces, AS numbers) in a few cache lines, so a record
 * costs cache misses only in the dimensions that really have many keys
 * (addresses); before looking anything up, each dimension compares the
 * record's key with the one it saw last, which is how consecutive records
 * of one exporter mostly look.
 *
 * A table starts small and doubles when half full, up to the room for
 * @max_keys keys; past that a new key is added to its dimension's "other"
 * key of that minute and exporter instead (counted in overflow), so a
 * flood of random addresses costs bounded memory and totals stay exact.
 * Growing is the only allocation, a bounded number of times; nothing is
 * allocated per record.
 *
 * rollup_emit() selects each dimension's @keep biggest keys with a heap
 * (no full sort) and folds the rest into one "other" row per minute and
 * exporter.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "collect/rollup.h"
#include "lib/hmap.h"

#define FAM_OTHER 0xff
#define EXP_MAX 8192u
#define TAB_MIN 256u		/* slots a table starts with */
#define FOLD_SLOTS 1024u	/* (minute, exporter) pairs folded without sorting */

struct ru_key {
	uint32_t minute;	/* minutes since the epoch */
	uint16_t exp;
	uint8_t dim;
	uint8_t fam;		/* 0 none, 4, 6, 1 number, FAM_OTHER */
	uint8_t a[16];
};

/* One cache line per key. */
struct ru_ent {
	struct ru_key k;
	struct rollup_val v;
};

/* A slot's tag: 0 = empty, else 1..128 from the key's hash, so probing
 * reads a small byte array and touches an entry only on a likely match. */
#define TAG(h) ((uint8_t)(((h) >> 57) + 1))

struct ru_tab {
	struct ru_ent *t;
	uint8_t *tag;
	size_t mask, bytes, count;
	struct ru_ent *last;		/* the entry the previous record hit */
};

struct fold_ent {
	uint64_t me;			/* minute << 16 | exporter; 0 = empty */
	struct rollup_val v;
};

struct rollup {
	struct ru_tab tab[RU__COUNT];
	size_t max_keys;		/* per dimension, before "other" */
	size_t cap_max;			/* slots a table may grow to */
	uint64_t records, overflow;
	/* interned exporters */
	struct ip_addr exps[EXP_MAX];
	uint32_t nexp;
	uint16_t exp_slot[EXP_MAX * 2];	/* index + 1, 0 = empty */
	uint16_t last_exp;
	struct ip_addr last_addr;
	/* scratch for emit */
	struct ru_ent **scratch;
	size_t scratch_cap;
	struct fold_ent fold[FOLD_SLOTS];
};

static const char *const dim_names[RU__COUNT] = {
	[RU_SRC] = "src", [RU_DST] = "dst", [RU_SRCNET] = "srcnet",
	[RU_DSTNET] = "dstnet", [RU_SRCPORT] = "srcport",
	[RU_DSTPORT] = "dstport", [RU_PROTO] = "proto", [RU_IFIN] = "ifin",
	[RU_IFOUT] = "ifout", [RU_SRCAS] = "srcas", [RU_DSTAS] = "dstas",
};

const char *rollup_dim_name(enum rollup_dim d)
{
	return (unsigned)d < RU__COUNT ? dim_names[d] : "?";
}

int rollup_dim_parse(const char *s)
{
	int i;

	for (i = 0; i < RU__COUNT; i++)
		if (!strcmp(s, dim_names[i]))
			return i;
	return -1;
}

static struct ru_ent *tab_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* big and touched at random: ask for huge pages, TLB misses dominate */
	if (bytes >= (2u << 20))
		madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

static void tab_free(struct ru_tab *tb)
{
	if (tb->t)
		munmap(tb->t, tb->bytes);
	free(tb->tag);
	tb->t = NULL;
	tb->tag = NULL;
}

static int tab_init(struct ru_tab *tb, size_t slots)
{
	tb->bytes = slots * sizeof(struct ru_ent);
	tb->t = tab_alloc(tb->bytes);
	tb->tag = calloc(slots, 1);
	if (!tb->t || !tb->tag) {
		tab_free(tb);
		return -1;
	}
	tb->mask = slots - 1;
	tb->count = 0;
	tb->last = NULL;
	return 0;
}

struct rollup *rollup_new(uint32_t max_keys)
{
	struct rollup *ru = calloc(1, sizeof(*ru));
	size_t cap = TAB_MIN;
	int d;

	if (!ru)
		return NULL;
	if (max_keys < 64)
		max_keys = 64;
	/* at most half full with max_keys, with room for the "other" keys */
	while (cap < (size_t)max_keys * 2)
		cap <<= 1;
	ru->max_keys = max_keys;
	ru->cap_max = cap;
	for (d = 0; d < RU__COUNT; d++)
		if (tab_init(&ru->tab[d], TAB_MIN) < 0) {
			rollup_free(ru);
			return NULL;
		}
	return ru;
}

void rollup_free(struct rollup *ru)
{
	int d;

	if (!ru)
		return;
	for (d = 0; d < RU__COUNT; d++)
		tab_free(&ru->tab[d]);
	free(ru->scratch);
	free(ru);
}

uint64_t rollup_records(const struct rollup *ru) { return ru->records; }
uint64_t rollup_overflow(const struct rollup *ru) { return ru->overflow; }

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	x ^= x >> 33;
	return x;
}

static inline uint64_t key_hash(const struct ru_key *k)
{
	uint64_t w[3];

	memcpy(w, k, sizeof(w));
	return mix((w[0] * 0x9e3779b97f4a7c15ULL) ^ (w[1] * 0xc2b2ae3d27d4eb4fULL) ^ w[2]);
}

static inline bool key_eq(const struct ru_key *a, const struct ru_key *b)
{
	uint64_t x[3], y[3];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

static uint16_t exp_intern(struct rollup *ru, const struct ip_addr *a)
{
	size_t mask = EXP_MAX * 2 - 1, i;

	if (ru->nexp && ip_addr_eq(a, &ru->last_addr))
		return ru->last_exp;
	i = (size_t)hash_bytes(a, sizeof(*a), 0) & mask;
	for (;; i = (i + 1) & mask) {
		uint16_t s = ru->exp_slot[i];

		if (!s)
			break;
		if (ip_addr_eq(&ru->exps[s - 1], a)) {
			ru->last_exp = (uint16_t)(s - 1);
			ru->last_addr = *a;
			return ru->last_exp;
		}
	}
	if (ru->nexp == EXP_MAX - 1)
		return EXP_MAX - 1;	/* the overflow exporter (no address) */
	ru->exps[ru->nexp] = *a;
	ru->exp_slot[i] = (uint16_t)(ru->nexp + 1);
	ru->last_exp = (uint16_t)ru->nexp++;
	ru->last_addr = *a;
	return ru->last_exp;
}

/* Double @tb (when it may). Return: true when it grew. */
static bool tab_grow(struct rollup *ru, struct ru_tab *tb)
{
	struct ru_tab n;
	size_t i;

	if (tb->mask + 1 >= ru->cap_max || tab_init(&n, (tb->mask + 1) * 2) < 0)
		return false;
	for (i = 0; i <= tb->mask; i++) {
		struct ru_ent *e = &tb->t[i];
		uint64_t h;
		size_t j;

		if (!tb->tag[i])
			continue;
		h = key_hash(&e->k);
		for (j = (size_t)h & n.mask; n.tag[j]; j = (j + 1) & n.mask)
			;
		n.tag[j] = TAG(h);
		n.t[j] = *e;
	}
	n.count = tb->count;
	tab_free(tb);
	*tb = n;
	return true;
}

static struct ru_ent *lookup(struct ru_tab *tb, const struct ru_key *k, uint64_t h,
			     size_t limit)
{
	uint8_t want = TAG(h);
	size_t i;

	for (i = (size_t)h & tb->mask;; i = (i + 1) & tb->mask) {
		uint8_t tg = tb->tag[i];
		struct ru_ent *e = &tb->t[i];

		if (!tg) {
			if (tb->count >= limit)
				return NULL;
			tb->tag[i] = want;
			e->k = *k;
			memset(&e->v, 0, sizeof(e->v));
			tb->count++;
			return e;
		}
		if (tg == want && key_eq(&e->k, k))
			return e;
	}
}

static inline void val_add(struct rollup_val *v, const struct rollup_val *d)
{
	v->bytes += d->bytes;
	v->packets += d->packets;
	v->flows += d->flows;
	v->bytes_unscaled += d->bytes_unscaled;
	v->packets_unscaled += d->packets_unscaled;
}

static void add_key(struct rollup *ru, struct ru_tab *tb, struct ru_key *k, uint64_t h,
		    const struct rollup_val *d)
{
	struct ru_ent *e;
	size_t slots;

	/* keep the table at most half full while it may grow */
	if (tb->count * 2 >= tb->mask + 1 && tb->mask + 1 < ru->cap_max && tab_grow(ru, tb))
		tb->last = NULL;
	slots = tb->mask + 1;
	e = lookup(tb, k, h, ru->max_keys < slots / 4 * 3 ? ru->max_keys : slots / 4 * 3);
	if (!e) {
		ru->overflow++;
		k->fam = FAM_OTHER;
		memset(k->a, 0, sizeof(k->a));
		/* "other" keys may use the rest of the table (cap_max >= 2 max_keys) */
		e = lookup(tb, k, key_hash(k), slots - slots / 8);
		if (!e)
			return;		/* cannot happen: few minutes x exporters */
	}
	tb->last = e;
	val_add(&e->v, d);
}

static inline void key_addr(struct ru_key *k, const struct flow_rec *r,
			    const struct ip_addr *a, enum flow_field f, unsigned plen)
{
	memset(k->a, 0, sizeof(k->a));
	if (!flow_has(r, f) || !a->family) {
		k->fam = 0;
		return;
	}
	k->fam = a->family;
	memcpy(k->a, a->a, 16);
	if (plen) {
		if (a->family == 4) {
			k->a[RU_NET4_LEN / 8] = 0;	/* /24: the last byte */
		} else {
			memset(k->a + RU_NET6_LEN / 8, 0, 16 - RU_NET6_LEN / 8);
		}
	}
}

static inline void key_num(struct ru_key *k, uint32_t v)
{
	memset(k->a, 0, sizeof(k->a));
	k->fam = 1;
	memcpy(k->a, &v, sizeof(v));
}

/* One record's keys and values, between prefetch and update. */
struct ru_pend {
	struct ru_key k[RU__COUNT];
	uint64_t h[RU__COUNT];
	struct rollup_val d;
};

/* Stage 1: the keys of @r, and a prefetch of every slot the previous
 * record did not hit (so stage 2, RU_AHEAD records later, finds them in
 * the cache). */
static void stage_keys(struct rollup *ru, const struct flow_rec *r, struct ru_pend *p,
		       const struct ru_pend *prev)
{
	struct ru_key *k = p->k;
	uint64_t rate = r->sampling_rate ? r->sampling_rate : 1;
	uint32_t minute;
	uint16_t exp;
	int i;

	p->d.bytes_unscaled = r->bytes;
	p->d.packets_unscaled = r->packets;
	p->d.bytes = r->bytes * rate;
	p->d.packets = r->packets * rate;
	p->d.flows = flow_has(r, FF_FLOWS) ? r->flows : 1;
	minute = (uint32_t)(r->recv_ms / 60000);
	if (!minute)
		minute = 1;
	exp = exp_intern(ru, &r->exporter);
	for (i = 0; i < RU__COUNT; i++) {
		k[i].minute = minute;
		k[i].exp = exp;
		k[i].dim = (uint8_t)i;
	}
	key_addr(&k[RU_SRC], r, &r->src, FF_SRC, 0);
	key_addr(&k[RU_DST], r, &r->dst, FF_DST, 0);
	key_addr(&k[RU_SRCNET], r, &r->src, FF_SRC, 1);
	key_addr(&k[RU_DSTNET], r, &r->dst, FF_DST, 1);
	key_num(&k[RU_SRCPORT], flow_has(r, FF_SRC_PORT) ? r->src_port : 0);
	key_num(&k[RU_DSTPORT], flow_has(r, FF_DST_PORT) ? r->dst_port : 0);
	key_num(&k[RU_PROTO], flow_has(r, FF_PROTO) ? r->proto : 0);
	key_num(&k[RU_IFIN], flow_has(r, FF_IN_IF) ? r->in_if : 0);
	key_num(&k[RU_IFOUT], flow_has(r, FF_OUT_IF) ? r->out_if : 0);
	key_num(&k[RU_SRCAS], flow_has(r, FF_SRC_AS) ? r->src_as : 0);
	key_num(&k[RU_DSTAS], flow_has(r, FF_DST_AS) ? r->dst_as : 0);
	for (i = 0; i < RU__COUNT; i++) {
		const struct ru_tab *tb = &ru->tab[i];

		if (prev && key_eq(&prev->k[i], &k[i])) {
			p->h[i] = prev->h[i];
			continue;
		}
		p->h[i] = key_hash(&k[i]);
		__builtin_prefetch(&tb->tag[p->h[i] & tb->mask], 0);
		__builtin_prefetch(&tb->t[p->h[i] & tb->mask], 1);
	}
}

/* Stage 2: add the record to each dimension. */
static void stage_add(struct rollup *ru, struct ru_pend *p)
{
	int i;

	ru->records++;
	for (i = 0; i < RU__COUNT; i++) {
		struct ru_tab *tb = &ru->tab[i];

		if (tb->last && key_eq(&tb->last->k, &p->k[i]))
			val_add(&tb->last->v, &p->d);
		else
			add_key(ru, tb, &p->k[i], p->h[i], &p->d);
	}
}

#define RU_AHEAD 8	/* records between prefetch and update */

void rollup_add_many(struct rollup *ru, const struct flow_rec *recs, size_t n)
{
	struct ru_pend ring[RU_AHEAD];
	const struct ru_pend *prev = NULL;
	size_t i, j = 0, fill = 0, head = 0;

	for (i = 0; i < n; i++) {
		if (recs[i].type != FLOW_REC_FLOW)
			continue;
		if (fill == RU_AHEAD) {
			stage_add(ru, &ring[head]);
			head = (head + 1) % RU_AHEAD;
			fill--;
		}
		j = (head + fill) % RU_AHEAD;
		stage_keys(ru, &recs[i], &ring[j], prev);
		prev = &ring[j];
		fill++;
	}
	while (fill) {
		stage_add(ru, &ring[head]);
		head = (head + 1) % RU_AHEAD;
		fill--;
	}
}

void rollup_add(struct rollup *ru, const struct flow_rec *r)
{
	rollup_add_many(ru, r, 1);
}

/* Total order: bytes, then packets descending, then the key. */
static int ent_cmp(const struct ru_ent *x, const struct ru_ent *y)
{
	if (x->v.bytes != y->v.bytes)
		return x->v.bytes < y->v.bytes ? 1 : -1;
	if (x->v.packets != y->v.packets)
		return x->v.packets < y->v.packets ? 1 : -1;
	return memcmp(&x->k, &y->k, sizeof(x->k));
}

static int by_bytes_desc(const void *a, const void *b)
{
	return ent_cmp(*(const struct ru_ent *const *)a, *(const struct ru_ent *const *)b);
}

static int by_minute_exp(const void *a, const void *b)
{
	const struct ru_ent *x = *(const struct ru_ent *const *)a;
	const struct ru_ent *y = *(const struct ru_ent *const *)b;

	if (x->k.minute != y->k.minute)
		return x->k.minute < y->k.minute ? -1 : 1;
	return (int)x->k.exp - (int)y->k.exp;
}

static void key_text(const struct ru_key *k, char *buf, size_t len)
{
	struct ip_addr a;
	uint32_t v;

	if (k->fam == FAM_OTHER) {
		snprintf(buf, len, "other");
		return;
	}
	if (k->fam == 1) {
		memcpy(&v, k->a, sizeof(v));
		snprintf(buf, len, "%u", v);
		return;
	}
	if (k->fam != 4 && k->fam != 6) {
		snprintf(buf, len, "none");
		return;
	}
	memset(&a, 0, sizeof(a));
	a.family = k->fam;
	memcpy(a.a, k->a, 16);
	if (k->dim == RU_SRCNET || k->dim == RU_DSTNET) {
		struct ip_prefix p = { .addr = a,
			.len = k->fam == 4 ? RU_NET4_LEN : RU_NET6_LEN };
		char t[IP_PREFIX_STRLEN];

		ip_prefix_fmt(&p, t);
		snprintf(buf, len, "%s", t);
	} else {
		char t[IP_ADDR_STRLEN];

		ip_addr_fmt(&a, t);
		snprintf(buf, len, "%s", t);
	}
}

static const struct ip_addr *exp_addr(const struct rollup *ru, uint16_t idx)
{
	static const struct ip_addr none;

	return idx < ru->nexp ? &ru->exps[idx] : &none;
}

/* Min-heap by ent_cmp (the smallest of the kept keys at the root). */
static void heap_down(struct ru_ent **v, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < n && ent_cmp(v[l], v[m]) > 0)
			m = l;
		if (l + 1 < n && ent_cmp(v[l + 1], v[m]) > 0)
			m = l + 1;
		if (m == i)
			return;
		struct ru_ent *t = v[i];

		v[i] = v[m];
		v[m] = t;
		i = m;
	}
}

/* Move the @keep biggest of @v[0..n) to its front. */
static void select_top(struct ru_ent **v, size_t n, size_t keep)
{
	size_t i;

	if (keep >= n)
		return;
	for (i = keep / 2; i-- > 0;)
		heap_down(v, keep, i);
	for (i = keep; i < n; i++)
		if (ent_cmp(v[i], v[0]) < 0) {
			struct ru_ent *t = v[0];

			v[0] = v[i];
			v[i] = t;
			heap_down(v, keep, 0);
		}
}

/* Fold @v[0..n) per minute and exporter and emit "other" rows. */
static int emit_other(struct rollup *ru, enum rollup_dim d, struct ru_ent **v, size_t n,
		      rollup_emit_fn fn, void *arg)
{
	size_t i, used = 0;
	int rc;

	memset(ru->fold, 0, sizeof(ru->fold));
	for (i = 0; i < n; i++) {
		uint64_t me = (uint64_t)v[i]->k.minute << 16 | v[i]->k.exp;
		size_t j = (size_t)mix(me) & (FOLD_SLOTS - 1);

		while (ru->fold[j].me && ru->fold[j].me != me)
			j = (j + 1) & (FOLD_SLOTS - 1);
		if (!ru->fold[j].me) {
			if (++used > FOLD_SLOTS / 2)
				break;
			ru->fold[j].me = me;
		}
		val_add(&ru->fold[j].v, &v[i]->v);
	}
	if (i == n) {
		for (i = 0; i < FOLD_SLOTS; i++) {
			const struct fold_ent *f = &ru->fold[i];

			if (!f->me)
				continue;
			rc = fn(arg, (int64_t)(f->me >> 16) * 60, d,
				exp_addr(ru, (uint16_t)(f->me & 0xffff)), "other", &f->v);
			if (rc)
				return rc;
		}
		return 0;
	}
	/* many minutes or exporters: sort */
	qsort(v, n, sizeof(*v), by_minute_exp);
	for (i = 0; i < n;) {
		struct rollup_val sum = v[i]->v;
		size_t k2 = i + 1;

		while (k2 < n && !by_minute_exp(&v[i], &v[k2]))
			val_add(&sum, &v[k2++]->v);
		rc = fn(arg, (int64_t)v[i]->k.minute * 60, d,
			exp_addr(ru, v[i]->k.exp), "other", &sum);
		if (rc)
			return rc;
		i = k2;
	}
	return 0;
}

int rollup_emit(struct rollup *ru, uint32_t keep, rollup_emit_fn fn, void *arg)
{
	char key[IP_PREFIX_STRLEN + 8];
	size_t i, j, n, head, other;
	int d, rc;

	for (d = 0; d < RU__COUNT; d++) {
		struct ru_tab *tb = &ru->tab[d];
		struct ru_ent **v;

		if (!tb->count)
			continue;
		if (tb->count > ru->scratch_cap) {
			size_t cap = ru->cap_max;
			struct ru_ent **p = realloc(ru->scratch, cap * sizeof(*p));

			if (!p)
				return -1;
			ru->scratch = p;
			ru->scratch_cap = cap;
		}
		v = ru->scratch;
		/* pointers to every key; "other" keys at the back */
		n = 0;
		other = tb->count;
		for (i = 0; i <= tb->mask; i++) {
			struct ru_ent *e = &tb->t[i];

			if (!tb->tag[i])
				continue;
			if (e->k.fam == FAM_OTHER)
				v[--other] = e;
			else
				v[n++] = e;
		}
		/* the head: the keep biggest keys by themselves */
		head = keep && keep < n ? keep : n;
		select_top(v, n, head);
		qsort(v, head, sizeof(*v), by_bytes_desc);
		for (i = 0; i < head; i++) {
			key_text(&v[i]->k, key, sizeof(key));
			rc = fn(arg, (int64_t)v[i]->k.minute * 60, (enum rollup_dim)d,
				exp_addr(ru, v[i]->k.exp), key, &v[i]->v);
			if (rc)
				return rc;
		}
		/* the tail and the "other" keys: one row per minute and exporter */
		j = tb->count - head;
		if (j && (rc = emit_other(ru, (enum rollup_dim)d, v + head, j, fn, arg)))
			return rc;
	}
	return 0;
}

void rollup_reset(struct rollup *ru)
{
	int d;

	for (d = 0; d < RU__COUNT; d++) {
		struct ru_tab *tb = &ru->tab[d];

		if (tb->count)
			memset(tb->tag, 0, tb->mask + 1);
		tb->count = 0;
		tb->last = NULL;
	}
	ru->records = 0;
	ru->overflow = 0;
	/* exporters stay interned: their indexes only live in the table */
	ru->nexp = 0;
	memset(ru->exp_slot, 0, sizeof(ru->exp_slot));
}
