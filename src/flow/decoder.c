/* SPDX-License-Identifier: BSD-2-Clause */
/* decoder.c - exporter table, record batches, sequence accounting, dispatch */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flow/flow_int.h"

static const char *const err_names[FE__COUNT] = {
	[FE_OK] = "ok",
	[FE_SHORT] = "short_packet",
	[FE_VERSION] = "bad_version",
	[FE_LENGTH] = "bad_length",
	[FE_SET_LENGTH] = "bad_set_length",
	[FE_TEMPLATE_BAD] = "bad_template",
	[FE_TEMPLATE_LIMIT] = "template_limit",
	[FE_NO_TEMPLATE] = "no_template",
	[FE_PENDING_LIMIT] = "pending_limit",
	[FE_PENDING_EXPIRED] = "pending_expired",
	[FE_RECORD] = "bad_record",
	[FE_SAMPLE] = "bad_sample",
	[FE_EXPORTER_LIMIT] = "exporter_limit",
	[FE_NOT_ALLOWED] = "exporter_not_allowed",
	[FE_NOMEM] = "out_of_memory",
};

const char *flow_err_name(enum flow_err e)
{
	return (unsigned)e < FE__COUNT && err_names[e] ? err_names[e] : "unknown";
}

const char *flow_proto_name(enum flow_proto p)
{
	switch (p) {
	case FLOW_PROTO_NF5: return "nf5";
	case FLOW_PROTO_NF9: return "nf9";
	case FLOW_PROTO_IPFIX: return "ipfix";
	case FLOW_PROTO_SFLOW5: return "sflow5";
	default: return "none";
	}
}

enum flow_proto flow_proto_parse(const char *s)
{
	static const struct { const char *name; enum flow_proto p; } t[] = {
		{ "nf5", FLOW_PROTO_NF5 }, { "netflow5", FLOW_PROTO_NF5 },
		{ "v5", FLOW_PROTO_NF5 }, { "nf9", FLOW_PROTO_NF9 },
		{ "netflow9", FLOW_PROTO_NF9 }, { "v9", FLOW_PROTO_NF9 },
		{ "ipfix", FLOW_PROTO_IPFIX }, { "sflow5", FLOW_PROTO_SFLOW5 },
		{ "sflow", FLOW_PROTO_SFLOW5 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcasecmp(s, t[i].name))
			return t[i].p;
	return FLOW_PROTO_NONE;
}

enum flow_proto flow_proto_detect(const uint8_t *p, size_t len)
{
	uint16_t v;

	if (len < 4)
		return FLOW_PROTO_NONE;
	v = (uint16_t)(p[0] << 8 | p[1]);
	if (v == 5)
		return FLOW_PROTO_NF5;
	if (v == 9)
		return FLOW_PROTO_NF9;
	if (v == 10)
		return FLOW_PROTO_IPFIX;
	/* sFlow: 32-bit version 5, then address type 1 or 2 */
	if (len >= 8 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 5 &&
	    p[4] == 0 && p[5] == 0 && p[6] == 0 && (p[7] == 1 || p[7] == 2))
		return FLOW_PROTO_SFLOW5;
	return FLOW_PROTO_NONE;
}

#define DEF(field, v) do { if (!d->cfg.field) d->cfg.field = (v); } while (0)

struct flow_decoder *flow_decoder_new(const struct flow_decoder_cfg *cfg,
				      flow_sink_fn sink, void *arg)
{
	struct flow_decoder *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (cfg)
		d->cfg = *cfg;
	DEF(max_exporters, 4096);
	DEF(max_templates, 1024);
	DEF(max_fields, 512);
	DEF(pending_bytes, 256 * 1024);
	DEF(pending_max_age_ms, 60000);
	DEF(batch, 256);
	DEF(default_sampling, 1);
	DEF(max_state_bytes, (uint64_t)256 << 20);
	d->sink = sink;
	d->sink_arg = arg;
	d->untrusted_tail = &d->untrusted;
	d->extra_cap = (size_t)d->cfg.batch * 4 + FLOW_MAX_EXTRA_PER_REC;
	d->batch = calloc(d->cfg.batch, sizeof(*d->batch));
	d->extra = calloc(d->extra_cap, sizeof(*d->extra));
	if (!d->batch || !d->extra || hmap_init(&d->exporters, 64) < 0) {
		flow_decoder_free(d);
		return NULL;
	}
	return d;
}

void flow_decoder_free(struct flow_decoder *d)
{
	struct hmap_iter it;
	struct hmap_node *n, *next;

	if (!d)
		return;
	if (d->exporters.buckets) {
		for (n = hmap_iter_first(&d->exporters, &it); n; n = next) {
			struct flow_exporter *e = hmap_entry(n, struct flow_exporter, node);

			next = hmap_iter_next(&d->exporters, &it);
			if (e->ops && e->ops->free)
				e->ops->free(d, e->state);
			free(e);
		}
		hmap_destroy(&d->exporters);
	}
	free(d->batch);
	free(d->extra);
	free(d);
}

static uint64_t exporter_hash(const struct ip_addr *a, enum flow_proto p, uint32_t dom)
{
	return hash_bytes(a, sizeof(*a), ((uint64_t)p << 32) | dom);
}

static bool exporter_proven(const struct flow_exporter *e)
{
	return e->st.records || e->st.templates || e->st.options_templates;
}

static void untrusted_unlink(struct flow_decoder *d, struct flow_exporter *e)
{
	if (e->unext)
		e->unext->uprev = e->uprev;
	else
		d->untrusted_tail = e->uprev;
	*e->uprev = e->unext;
	e->uprev = NULL;
	e->unext = NULL;
}

/* Drop @e, keeping what it counted in the decoder's totals. */
static void exporter_evict(struct flow_decoder *d, struct flow_exporter *e)
{
	int i;

	untrusted_unlink(d, e);
	if (e->ops && e->ops->flush)	/* data held for templates: counted */
		e->ops->flush(d, e);
	hmap_remove(&d->exporters, &e->node);
	d->evicted_records += e->st.records;
	for (i = 0; i < FE__COUNT; i++)
		d->tot.errors[i] += e->st.errors[i];
	d->tot.exporters_evicted++;
	if (e->ops && e->ops->free)
		e->ops->free(d, e->state);
	free(e);
}

/* Make room for one more exporter by evicting the oldest untrusted one. */
static bool exporter_make_room(struct flow_decoder *d)
{
	if (!d->untrusted)
		return false;
	exporter_evict(d, d->untrusted);
	return true;
}

/* The configured rates for a new exporter: the longest matching rule's,
 * else the decoder-wide ones. A rule of either kind replaces both
 * decoder-wide rates, so "EXPORTER=N" as a default exempts that exporter
 * from a decoder-wide override. */
static void exporter_sampling(const struct flow_decoder *d, struct flow_exporter *e)
{
	const struct flow_sampling_rule *best = NULL, *r;
	unsigned i;

	e->force_rate = d->cfg.sampling_override;
	e->default_rate = d->cfg.default_sampling;
	for (i = 0; i < d->cfg.nsampling_rules; i++) {
		r = &d->cfg.sampling_rules[i];
		if (ip_prefix_contains(&r->exporters, &e->addr) &&
		    (!best || r->exporters.len > best->exporters.len))
			best = r;
	}
	if (!best)
		return;
	/* a prefix may carry one rule of each kind: take both */
	e->force_rate = 0;
	e->default_rate = d->cfg.default_sampling;
	for (i = 0; i < d->cfg.nsampling_rules; i++) {
		r = &d->cfg.sampling_rules[i];
		if (r->exporters.len != best->exporters.len ||
		    !ip_prefix_contains(&r->exporters, &e->addr))
			continue;
		if (r->force)
			e->force_rate = r->rate;
		else
			e->default_rate = r->rate;
	}
}

int flow_sampling_rule_parse(const char *s, bool force, struct flow_sampling_rule *out,
			     char *err, size_t errlen)
{
	const char *eq = strrchr(s, '=');
	char pfx[IP_PREFIX_STRLEN + 8];
	unsigned long long v;
	char *end;

	if (!eq || (size_t)(eq - s) >= sizeof(pfx)) {
		snprintf(err, errlen, "'%s' is not EXPORTER=RATE (like 192.0.2.1=100)", s);
		return -1;
	}
	memcpy(pfx, s, (size_t)(eq - s));
	pfx[eq - s] = 0;
	memset(out, 0, sizeof(*out));
	if (ip_prefix_parse(pfx, &out->exporters, false) < 0) {
		snprintf(err, errlen, "'%s' is not an address or prefix (host bits zero)", pfx);
		return -1;
	}
	errno = 0;
	v = strtoull(eq + 1, &end, 10);
	if (!isdigit((unsigned char)eq[1]) || *end || errno || v > UINT32_MAX ||
	    (!force && v == 0)) {
		snprintf(err, errlen, "'%s' is not a sampling rate (%s..4294967295)",
			 eq + 1, force ? "0" : "1");
		return -1;
	}
	out->rate = (uint32_t)v;
	out->force = force;
	return 0;
}

int flow_sampling_rule_add(struct flow_sampling_rule *rules, unsigned *n,
			   const struct flow_sampling_rule *r, char *err, size_t errlen)
{
	char p[IP_PREFIX_STRLEN];
	unsigned i;

	for (i = 0; i < *n; i++) {
		if (rules[i].force == r->force &&
		    rules[i].exporters.len == r->exporters.len &&
		    ip_addr_eq(&rules[i].exporters.addr, &r->exporters.addr)) {
			ip_prefix_fmt(&r->exporters, p);
			snprintf(err, errlen, "a rate for %s is given twice", p);
			return -1;
		}
	}
	if (*n == FLOW_MAX_SAMPLING_RULES) {
		snprintf(err, errlen, "at most %d per-exporter sampling rates",
			 FLOW_MAX_SAMPLING_RULES);
		return -1;
	}
	rules[(*n)++] = *r;
	return 0;
}

void flow_sampling_rule_fmt(const struct flow_sampling_rule *r, char *buf, size_t len)
{
	char p[IP_PREFIX_STRLEN];

	ip_prefix_fmt(&r->exporters, p);
	snprintf(buf, len, "%s=%u", p, r->rate);
}

struct flow_exporter *flow_exporter_get(struct flow_decoder *d,
					const struct ip_addr *addr,
					enum flow_proto proto, uint32_t domain)
{
	uint64_t h = exporter_hash(addr, proto, domain);
	struct hmap_node *n;
	struct flow_exporter *e;

	for (n = hmap_first_with(&d->exporters, h); n; n = hmap_next_with(n)) {
		e = hmap_entry(n, struct flow_exporter, node);
		if (e->proto == proto && e->domain == domain && ip_addr_eq(&e->addr, addr))
			return d->cur_exp = e;
	}
	if (hmap_count(&d->exporters) >= d->cfg.max_exporters && !exporter_make_room(d)) {
		d->tot.errors[FE_EXPORTER_LIMIT]++;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		d->tot.errors[FE_NOMEM]++;
		return NULL;
	}
	e->addr = *addr;
	e->proto = proto;
	e->domain = domain;
	exporter_sampling(d, e);
	e->st.first_seen_ms = d->now_ms;
	hmap_insert(&d->exporters, &e->node, h);
	e->uprev = d->untrusted_tail;
	*d->untrusted_tail = e;
	d->untrusted_tail = &e->unext;
	return d->cur_exp = e;
}

void flow_batch_flush(struct flow_decoder *d)
{
	size_t i;

	for (i = 0; i < d->nbatch; i++) {
		if (d->batch[i].type == FLOW_REC_COUNTERS)
			d->tot.counters++;
		else
			d->tot.flows++;
	}
	if (d->nbatch && d->sink)
		d->sink(d->sink_arg, d->batch, d->nbatch);
	d->nbatch = 0;
	d->nextra = 0;
}

struct flow_rec *flow_rec_new(struct flow_decoder *d, const struct flow_exporter *e)
{
	struct flow_rec *r;

	if (d->nbatch == d->cfg.batch ||
	    d->extra_cap - d->nextra < FLOW_MAX_EXTRA_PER_REC)
		flow_batch_flush(d);
	r = &d->batch[d->nbatch++];
	memset(r, 0, sizeof(*r));
	r->type = FLOW_REC_FLOW;
	r->proto_version = (uint8_t)e->proto;
	r->exporter = e->addr;
	r->domain = e->domain;
	r->sampling_rate = e->default_rate;
	r->recv_ms = d->now_ms;
	return r;
}

void flow_rec_drop(struct flow_decoder *d, struct flow_rec *r)
{
	if (d->nbatch && r == &d->batch[d->nbatch - 1]) {
		d->nextra -= r->n_extra;
		d->nbatch--;
	}
}

int flow_rec_add_extra(struct flow_decoder *d, struct flow_rec *r,
		       uint32_t enterprise, uint16_t id,
		       const uint8_t *data, uint16_t len)
{
	struct flow_extra *x;

	if (r->n_extra >= FLOW_MAX_EXTRA_PER_REC || d->nextra >= d->extra_cap)
		return -1;
	x = &d->extra[d->nextra++];
	if (!r->n_extra)
		r->extra = x;
	x->enterprise = enterprise;
	x->id = id;
	x->len = len;
	x->data = data;
	r->n_extra++;
	return 0;
}

void flow_seq_account(struct flow_exp_stats *st, struct flow_seq *s,
		      uint32_t seq, uint32_t count, uint32_t max_gap)
{
	int64_t diff;

	if (!s->init) {
		s->init = true;
		s->next = seq + count;
		return;
	}
	diff = (int32_t)(seq - s->next);
	if (diff == 0) {
		s->next = seq + count;
	} else if (diff > 0 && diff < (int64_t)max_gap) {
		st->seq_lost += (uint64_t)diff;
		s->next = seq + count;
	} else if (diff < 0 && -diff < (int64_t)max_gap) {
		/* late packet: it was counted lost when the gap was seen */
		st->seq_out_of_order++;
		if (st->seq_lost >= count)
			st->seq_lost -= count;
	} else {
		st->seq_restarts++;
		s->next = seq + count;
	}
}

enum flow_err flow_decode(struct flow_decoder *d, const struct flow_pkt *p,
			  enum flow_proto force)
{
	struct cursor c = cur_init(p->data, p->len);
	enum flow_proto proto = force ? force : flow_proto_detect(p->data, p->len);
	enum flow_err err;

	d->tot.packets++;
	d->now_ms = p->recv_ms;
	d->pkt = p;
	d->cur_exp = NULL;
	switch (proto) {
	case FLOW_PROTO_NF5:
		err = nf5_decode(d, &c);
		break;
	case FLOW_PROTO_NF9:
		err = nf9_decode(d, &c);
		break;
	case FLOW_PROTO_IPFIX:
		err = ipfix_decode(d, &c);
		break;
	case FLOW_PROTO_SFLOW5:
		err = sflow_decode(d, &c);
		break;
	default:
		err = p->len < 4 ? FE_SHORT : FE_VERSION;
		d->tot.errors[err]++;
		break;
	}
	flow_batch_flush(d);
	/* Trust comes from a packet without any error that yields records
	 * or templates: random bytes behind a plausible header (a v5 count
	 * that disagrees with the length still salvages whole records) do
	 * not make an exporter permanent. */
	if (err == FE_OK && d->cur_exp && d->cur_exp->uprev && exporter_proven(d->cur_exp))
		untrusted_unlink(d, d->cur_exp);
	d->pkt = NULL;
	return err;
}

void flow_decoder_tick(struct flow_decoder *d, int64_t now_ms)
{
	struct hmap_iter it;
	struct hmap_node *n;

	d->now_ms = now_ms;
	for (n = hmap_iter_first(&d->exporters, &it); n; n = hmap_iter_next(&d->exporters, &it)) {
		struct flow_exporter *e = hmap_entry(n, struct flow_exporter, node);

		if (e->ops && e->ops->tick)
			e->ops->tick(d, e, now_ms);
	}
	flow_batch_flush(d);
}

void flow_decoder_flush(struct flow_decoder *d)
{
	struct hmap_iter it;
	struct hmap_node *n;

	for (n = hmap_iter_first(&d->exporters, &it); n; n = hmap_iter_next(&d->exporters, &it)) {
		struct flow_exporter *e = hmap_entry(n, struct flow_exporter, node);

		if (e->ops && e->ops->flush)
			e->ops->flush(d, e);
	}
	flow_batch_flush(d);
}

void flow_decoder_totals(const struct flow_decoder *d, struct flow_totals *t)
{
	struct hmap_iter it;
	struct hmap_node *n;
	int i;

	*t = d->tot;
	t->records = d->evicted_records;
	t->exporters = hmap_count(&d->exporters);
	t->state_bytes = d->state_bytes;
	t->state_bytes_peak = d->state_peak;
	for (n = hmap_iter_first(&d->exporters, &it); n; n = hmap_iter_next(&d->exporters, &it)) {
		const struct flow_exporter *e = hmap_entry(n, struct flow_exporter, node);

		t->records += e->st.records;
		for (i = 0; i < FE__COUNT; i++)
			t->errors[i] += e->st.errors[i];
	}
}

void flow_decoder_foreach(const struct flow_decoder *d, flow_exp_fn fn, void *arg)
{
	struct hmap_iter it;
	struct hmap_node *n;

	for (n = hmap_iter_first(&d->exporters, &it); n; n = hmap_iter_next(&d->exporters, &it)) {
		const struct flow_exporter *e = hmap_entry(n, struct flow_exporter, node);

		fn(arg, &e->addr, e->proto, e->domain, &e->st);
	}
}
