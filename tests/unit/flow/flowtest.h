/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flowtest.h - packet builder and record sink for the flow decoder tests
 *
 * Packets are written byte by byte (pb_u8 .. pb_u64), sets and messages
 * get their length patched at the end. The sink copies every record and
 * its extras, since the decoder's pointers die when the sink returns.
 */
#ifndef WS_TEST_FLOWTEST_H
#define WS_TEST_FLOWTEST_H

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"

/* ---- builder ---------------------------------------------------------- */

struct pb {
	uint8_t b[65536];
	size_t n;
};

static inline void pb_u8(struct pb *p, unsigned v) { p->b[p->n++] = (uint8_t)v; }
static inline void pb_u16(struct pb *p, unsigned v) { pb_u8(p, v >> 8); pb_u8(p, v); }
static inline void pb_u32(struct pb *p, uint32_t v) { pb_u16(p, v >> 16); pb_u16(p, v & 0xffff); }
static inline void pb_u64(struct pb *p, uint64_t v) { pb_u32(p, (uint32_t)(v >> 32)); pb_u32(p, (uint32_t)v); }
static inline void pb_bytes(struct pb *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}
static inline void pb_zero(struct pb *p, size_t n)
{
	memset(p->b + p->n, 0, n);
	p->n += n;
}
static inline void pb_ip4(struct pb *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	pb_u8(p, a); pb_u8(p, b); pb_u8(p, c); pb_u8(p, d);
}
static inline void pb_put16(struct pb *p, size_t at, unsigned v)
{
	p->b[at] = (uint8_t)(v >> 8);
	p->b[at + 1] = (uint8_t)v;
}

/* A set/flowset: id and a length patched by pb_set_end(). */
static inline size_t pb_set_begin(struct pb *p, unsigned id)
{
	size_t at = p->n;

	pb_u16(p, id);
	pb_u16(p, 0);
	return at;
}
static inline void pb_set_end(struct pb *p, size_t at)
{
	pb_put16(p, at + 2, (unsigned)(p->n - at));
}

/* A template field specifier; @pen != 0 sets the IPFIX enterprise bit. */
static inline void pb_field(struct pb *p, unsigned id, unsigned len, uint32_t pen)
{
	pb_u16(p, id | (pen ? 0x8000 : 0));
	pb_u16(p, len);
	if (pen)
		pb_u32(p, pen);
}

static inline void pb_nf9_hdr(struct pb *p, unsigned count, uint32_t uptime,
			      uint32_t secs, uint32_t seq, uint32_t source_id)
{
	p->n = 0;
	pb_u16(p, 9);
	pb_u16(p, count);
	pb_u32(p, uptime);
	pb_u32(p, secs);
	pb_u32(p, seq);
	pb_u32(p, source_id);
}

static inline void pb_ipfix_hdr(struct pb *p, uint32_t export_time, uint32_t seq,
				uint32_t domain)
{
	p->n = 0;
	pb_u16(p, 10);
	pb_u16(p, 0);
	pb_u32(p, export_time);
	pb_u32(p, seq);
	pb_u32(p, domain);
}
/* Patch the IPFIX message length (the message starting at @at). */
static inline void pb_ipfix_end_at(struct pb *p, size_t at)
{
	pb_put16(p, at + 2, (unsigned)(p->n - at));
}
static inline void pb_ipfix_end(struct pb *p) { pb_ipfix_end_at(p, 0); }

/* ---- sink ------------------------------------------------------------- */

#define T_MAX_RECS 4096
#define T_MAX_EXTRA 8

struct t_extra {
	uint32_t pen;
	uint16_t id, len;
	uint8_t data[300];
};

struct t_sink {
	size_t n;
	struct flow_rec r[T_MAX_RECS];
	struct t_extra x[T_MAX_RECS][T_MAX_EXTRA];
};

static inline void t_sink_fn(void *arg, const struct flow_rec *recs, size_t n)
{
	struct t_sink *s = arg;
	size_t i, k;

	for (i = 0; i < n && s->n < T_MAX_RECS; i++) {
		struct flow_rec *r = &s->r[s->n];

		*r = recs[i];
		for (k = 0; k < r->n_extra && k < T_MAX_EXTRA; k++) {
			struct t_extra *x = &s->x[s->n][k];

			x->pen = recs[i].extra[k].enterprise;
			x->id = recs[i].extra[k].id;
			x->len = recs[i].extra[k].len;
			if (x->len <= sizeof(x->data))
				memcpy(x->data, recs[i].extra[k].data, x->len);
		}
		r->extra = NULL;
		s->n++;
	}
}

/* The extra @pen/@id of record @i, or NULL. */
static inline const struct t_extra *t_extra_find(const struct t_sink *s, size_t i,
						 uint32_t pen, uint16_t id)
{
	size_t k;

	for (k = 0; k < s->r[i].n_extra && k < T_MAX_EXTRA; k++)
		if (s->x[i][k].pen == pen && s->x[i][k].id == id)
			return &s->x[i][k];
	return NULL;
}

static inline enum flow_err t_feed(struct flow_decoder *d, const struct pb *p,
				   const char *src, int64_t recv_ms)
{
	struct flow_pkt pkt = { .data = p->b, .len = p->n, .sport = 2055, .recv_ms = recv_ms };

	ip_addr_parse(src, &pkt.src);
	return flow_decode(d, &pkt, FLOW_PROTO_NONE);
}

/* Stats of one exporter+domain (zeroes when unknown). */
struct t_find {
	struct ip_addr a;
	enum flow_proto proto;
	uint32_t domain;
	struct flow_exp_stats st;
	int found;
};

static inline void t_find_fn(void *arg, const struct ip_addr *a, enum flow_proto p,
			     uint32_t dom, const struct flow_exp_stats *st)
{
	struct t_find *f = arg;

	if (p == f->proto && dom == f->domain && ip_addr_eq(a, &f->a)) {
		f->st = *st;
		f->found = 1;
	}
}

static inline struct flow_exp_stats t_stats(struct flow_decoder *d, const char *src,
					    enum flow_proto proto, uint32_t domain)
{
	struct t_find f;

	memset(&f, 0, sizeof(f));
	ip_addr_parse(src, &f.a);
	f.proto = proto;
	f.domain = domain;
	flow_decoder_foreach(d, t_find_fn, &f);
	return f.st;
}

static inline uint64_t t_err(struct flow_decoder *d, enum flow_err e)
{
	struct flow_totals t;

	flow_decoder_totals(d, &t);
	return t.errors[e];
}

static inline uint64_t t_err_total(struct flow_decoder *d)
{
	struct flow_totals t;
	uint64_t n = 0;
	int i;

	flow_decoder_totals(d, &t);
	for (i = 1; i < FE__COUNT; i++)
		n += t.errors[i];
	return n;
}

#ifdef assert_non_null	/* cmocka included first: the fixture tests share */
/* A decoder whose records go to a t_sink, and a packet being built. */
struct fx {
	struct flow_decoder *d;
	struct t_sink *s;
	struct pb p;
};

static inline struct fx *fx_new(const struct flow_decoder_cfg *cfg)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->s = calloc(1, sizeof(*f->s));
	assert_non_null(f->s);
	f->d = flow_decoder_new(cfg, t_sink_fn, f->s);
	assert_non_null(f->d);
	return f;
}

static inline void fx_free(struct fx *f)
{
	flow_decoder_free(f->d);
	free(f->s);
	free(f);
}
#endif

#endif
