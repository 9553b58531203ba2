/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rollup.h - per-minute aggregates of flow records, by dimension
 *
 * Every flow record adds its bytes, packets and flows to one key in each
 * dimension (source address, destination port, ...) of its arrival
 * minute and exporter. rollup_emit() hands out the keys of each dimension
 * ranked by bytes: the first @keep by themselves, the rest folded into
 * one "other" row per minute and exporter, so totals stay exact while the
 * number of rows stays bounded.
 */
#ifndef WS_ROLLUP_H
#define WS_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

enum rollup_dim {
	RU_SRC, RU_DST, RU_SRCNET, RU_DSTNET, RU_SRCPORT, RU_DSTPORT,
	RU_PROTO, RU_IFIN, RU_IFOUT, RU_SRCAS, RU_DSTAS,
	RU__COUNT
};

/* Prefix lengths of the srcnet/dstnet dimensions. */
#define RU_NET4_LEN 24
#define RU_NET6_LEN 48

/* "src", "dst", "srcnet", "dstnet", "srcport", "dstport", "proto",
 * "ifin", "ifout", "srcas", "dstas". */
const char *rollup_dim_name(enum rollup_dim d);
/* Return: the dimension, or -1. */
int rollup_dim_parse(const char *s);

struct rollup_val {
	uint64_t bytes, packets, flows;		/* scaled by the sampling rate */
	uint64_t bytes_unscaled, packets_unscaled;
};

struct rollup;

/* @max_keys: keys held per dimension before new keys go to "other".
 * Return: the table, or NULL when out of memory. */
struct rollup *rollup_new(uint32_t max_keys);
void rollup_free(struct rollup *ru);

/* Add one flow record (others are ignored). */
void rollup_add(struct rollup *ru, const struct flow_rec *r);
/* Add @n records (others are ignored); faster than one by one, as the
 * table lookups of several records overlap. */
void rollup_add_many(struct rollup *ru, const struct flow_rec *recs, size_t n);

/* Records added since the last reset, and those that found no room. */
uint64_t rollup_records(const struct rollup *ru);
uint64_t rollup_overflow(const struct rollup *ru);

/* One output row: @key is text ("203.0.113.7", "443", "other"). */
typedef int (*rollup_emit_fn)(void *arg, int64_t minute_s, enum rollup_dim dim,
			      const struct ip_addr *exporter, const char *key,
			      const struct rollup_val *v);

/* Emit every row, keeping @keep keys per dimension (0 = all).
 * Return: 0, or the first non-zero value @fn returned. */
int rollup_emit(struct rollup *ru, uint32_t keep, rollup_emit_fn fn, void *arg);

/* Forget everything (after a commit). */
void rollup_reset(struct rollup *ru);

#endif
