/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rollup.c - per-minute aggregates of flow records, by dimension
 *
 * Theory of operation
 * One open-addressing table holds every (minute, exporter, dimension,
 * value) key of the current commit interval; exporters are interned to a
 * 16-bit index so a key is 32 bytes and compares with memcmp. The table
 * is sized at start and never grows: past @max_keys, a new key is added
 * to its dimension's "other" key of that minute and exporter instead
 * (counted in overflow), so a flood of random addresses costs bounded
 * memory and totals stay exact. Nothing is allocated per record.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "collect/rollup.h"
#include "lib/hmap.h"

#define FAM_OTHER 0xff
#define EXP_MAX 8192u

struct ru_key {
	uint32_t minute;	/* minutes since the epoch; 0 = empty slot */
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

#define USED(e) ((e)->k.minute != 0)

struct rollup {
	struct ru_ent *t;
	size_t mask, bytes;
	size_t count, max_keys, hard_max;
	uint64_t records, overflow;
	/* interned exporters */
	struct ip_addr exps[EXP_MAX];
	uint32_t nexp;
	uint16_t exp_slot[EXP_MAX * 2];	/* index + 1, 0 = empty */
	uint16_t last_exp;
	struct ip_addr last_addr;
	/* scratch for emit */
	struct ru_ent **scratch;
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

struct rollup *rollup_new(uint32_t max_keys)
{
	struct rollup *ru = calloc(1, sizeof(*ru));
	size_t cap = 1024;

	if (!ru)
		return NULL;
	if (max_keys < 64)
		max_keys = 64;
	while (cap < (size_t)max_keys * 2)
		cap <<= 1;
	/* big and touched at random: ask for huge pages, TLB misses dominate */
	ru->bytes = cap * sizeof(*ru->t);
	ru->t = mmap(NULL, ru->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ru->t == MAP_FAILED)
		ru->t = NULL;
	else
		madvise(ru->t, ru->bytes, MADV_HUGEPAGE);
	ru->scratch = calloc(cap, sizeof(*ru->scratch));
	if (!ru->t || !ru->scratch) {
		rollup_free(ru);
		return NULL;
	}
	ru->mask = cap - 1;
	ru->max_keys = max_keys;
	ru->hard_max = cap - cap / 8;	/* room for "other" keys */
	return ru;
}

void rollup_free(struct rollup *ru)
{
	if (!ru)
		return;
	if (ru->t)
		munmap(ru->t, ru->bytes);
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
	return mix(w[0] ^ mix(w[1] ^ mix(w[2])));
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

static struct ru_ent *lookup(struct rollup *ru, const struct ru_key *k, size_t i, bool other)
{
	for (;; i = (i + 1) & ru->mask) {
		struct ru_ent *e = &ru->t[i];

		if (!USED(e)) {
			if (ru->count >= (other ? ru->hard_max : ru->max_keys))
				return NULL;
			e->k = *k;
			memset(&e->v, 0, sizeof(e->v));
			ru->count++;
			return e;
		}
		if (!memcmp(&e->k, k, sizeof(*k)))
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

static void add_key(struct rollup *ru, struct ru_key *k, size_t slot,
		    const struct rollup_val *d)
{
	struct ru_ent *e = lookup(ru, k, slot, false);

	if (!e) {
		ru->overflow++;
		k->fam = FAM_OTHER;
		memset(k->a, 0, sizeof(k->a));
		e = lookup(ru, k, (size_t)key_hash(k) & ru->mask, true);
		if (!e)
			return;		/* cannot happen while hard_max > keys */
	}
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
		struct ip_addr m = *a;

		ip_addr_mask(&m, a->family == 4 ? RU_NET4_LEN : RU_NET6_LEN);
		memcpy(k->a, m.a, 16);
	}
}

static inline void key_num(struct ru_key *k, uint32_t v)
{
	memset(k->a, 0, sizeof(k->a));
	k->fam = 1;
	memcpy(k->a, &v, sizeof(v));
}

void rollup_add(struct rollup *ru, const struct flow_rec *r)
{
	struct ru_key k[RU__COUNT];
	size_t slot[RU__COUNT];
	struct rollup_val d;
	uint64_t rate;
	int i;

	if (r->type != FLOW_REC_FLOW)
		return;
	rate = r->sampling_rate ? r->sampling_rate : 1;
	d.bytes_unscaled = r->bytes;
	d.packets_unscaled = r->packets;
	d.bytes = r->bytes * rate;
	d.packets = r->packets * rate;
	d.flows = flow_has(r, FF_FLOWS) ? r->flows : 1;
	ru->records++;
	k[0].minute = (uint32_t)(r->recv_ms / 60000);
	if (!k[0].minute)
		k[0].minute = 1;	/* 0 marks an empty slot */
	k[0].exp = exp_intern(ru, &r->exporter);
	for (i = 1; i < RU__COUNT; i++) {
		k[i].minute = k[0].minute;
		k[i].exp = k[0].exp;
	}
	for (i = 0; i < RU__COUNT; i++)
		k[i].dim = (uint8_t)i;
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
	/* start every cache miss at once, then walk the slots */
	for (i = 0; i < RU__COUNT; i++) {
		slot[i] = (size_t)key_hash(&k[i]) & ru->mask;
		__builtin_prefetch(&ru->t[slot[i]], 1);
	}
	for (i = 0; i < RU__COUNT; i++)
		add_key(ru, &k[i], slot[i], &d);
}

static int by_bytes_desc(const void *a, const void *b)
{
	const struct ru_ent *x = *(const struct ru_ent *const *)a;
	const struct ru_ent *y = *(const struct ru_ent *const *)b;

	if (x->v.bytes != y->v.bytes)
		return x->v.bytes < y->v.bytes ? 1 : -1;
	if (x->v.packets != y->v.packets)
		return x->v.packets < y->v.packets ? 1 : -1;
	return memcmp(&x->k, &y->k, sizeof(x->k));
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

int rollup_emit(struct rollup *ru, uint32_t keep, rollup_emit_fn fn, void *arg)
{
	char key[IP_PREFIX_STRLEN + 8];
	size_t start[RU__COUNT + 1], fill[RU__COUNT], i, j, n, head;
	int d, rc;

	/* one pass: pointers to every key, grouped by dimension */
	memset(start, 0, sizeof(start));
	for (i = 0; i <= ru->mask; i++)
		if (USED(&ru->t[i]))
			start[ru->t[i].k.dim + 1]++;
	for (d = 0; d < RU__COUNT; d++) {
		start[d + 1] += start[d];
		fill[d] = start[d];
	}
	for (i = 0; i <= ru->mask; i++)
		if (USED(&ru->t[i]))
			ru->scratch[fill[ru->t[i].k.dim]++] = &ru->t[i];
	for (d = 0; d < RU__COUNT; d++) {
		struct ru_ent **v = ru->scratch + start[d];

		n = start[d + 1] - start[d];
		if (!n)
			continue;
		qsort(v, n, sizeof(*v), by_bytes_desc);
		/* the head: keys by themselves; "other" keys sort to the tail */
		head = 0;
		for (i = 0; i < n; i++) {
			if (v[i]->k.fam == FAM_OTHER || (keep && head >= keep))
				continue;
			key_text(&v[i]->k, key, sizeof(key));
			rc = fn(arg, (int64_t)v[i]->k.minute * 60, (enum rollup_dim)d,
				exp_addr(ru, v[i]->k.exp), key, &v[i]->v);
			if (rc)
				return rc;
			v[i] = NULL;
			head++;
		}
		/* the tail: fold per minute and exporter into "other" */
		for (i = 0, j = 0; i < n; i++)
			if (v[i])
				v[j++] = v[i];
		qsort(v, j, sizeof(*v), by_minute_exp);
		for (i = 0; i < j;) {
			struct rollup_val sum = v[i]->v;
			size_t k2 = i + 1;

			while (k2 < j && !by_minute_exp(&v[i], &v[k2]))
				val_add(&sum, &v[k2++]->v);
			rc = fn(arg, (int64_t)v[i]->k.minute * 60, (enum rollup_dim)d,
				exp_addr(ru, v[i]->k.exp), "other", &sum);
			if (rc)
				return rc;
			i = k2;
		}
	}
	return 0;
}

void rollup_reset(struct rollup *ru)
{
	if (ru->count)
		memset(ru->t, 0, ru->bytes);
	ru->count = 0;
	ru->records = 0;
	ru->overflow = 0;
	/* exporters stay interned: their indexes only live in the table */
	ru->nexp = 0;
	memset(ru->exp_slot, 0, sizeof(ru->exp_slot));
}
