/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpl.c - template cache and compiled record programs (NetFlow v9, IPFIX)
 *
 * Theory of operation
 *
 * NetFlow v9 and IPFIX records are described by templates the exporter
 * sends now and then; a data set names its template by id. Template ids
 * are scoped to one exporter address + source id (v9) or observation
 * domain (IPFIX); the decoder core already keeps one struct flow_exporter
 * per (address, protocol, domain), and this file hangs one struct
 * tmpl_cache behind each (flow_exporter.state).
 *
 * Lookup. Data set ids are 256..65535, so the cache indexes templates by
 * id directly: a 256-entry array of pages, each page 256 template
 * pointers allocated on first use. Finding a template is two loads, no
 * hashing, and memory stays bounded (at most 255 pages) whatever ids a
 * flood uses; the number of templates is capped by cfg.max_templates
 * (FE_TEMPLATE_LIMIT) and their field count by cfg.max_fields.
 *
 * Compilation. A template is compiled once, when it arrives, into a field
 * program: an array of struct tmpl_op {offset, width, op, target}. Each
 * information element we map to struct flow_rec gets an op that stores
 * into a field of the record at a fixed offset (generic integer stores of
 * 1/2/4/8 bytes with reduced-size encoding handled by reading 1..8 bytes
 * big-endian), or a special op (addresses, MACs, ICMP type/code, the time
 * encodings, sampling). Anything else - enterprise fields, IEs we do not
 * map, mapped IEs with an unusable width - becomes an EXTRA op that hands
 * the raw bytes to flow_rec_add_extra(). Zero-length fields and
 * paddingOctets produce no op at all.
 *
 * When every field has a fixed length (the common case) the template's
 * record length is known: a data set holds len / rec_len records, each
 * taken from the set with one bounds-checked cur_bytes(), and every op
 * reads at an offset the compiler proved to lie inside the record
 * (off + width <= rec_len). So the per-record work is one memset (in
 * flow_rec_new), one loop over the ops and a switch: no allocation,
 * hashing or locking per record or field. Templates with variable-length
 * fields (and all options templates, which are rare) run the same ops
 * sequentially through a cursor instead, reading each field's length.
 *
 * Values some IEs need from elsewhere in the record (flowStartSysUpTime
 * relative to systemInitTimeMilliseconds, per-record sampling fields) are
 * gathered in a small scratch and resolved after the last op; only
 * templates that have such fields pay for that (TF_POST).
 *
 * Options data is not emitted as flow records: it feeds the per-cache
 * sampler table (sampler/selector id -> rate), the exporter-wide rate
 * (options without a sampler id) and systemInitTimeMilliseconds. A flow's
 * sampling rate is, in order: the configured override (the exporter's
 * sampling rule, else cfg.sampling_override); the record's own interval
 * fields; its sampler id looked up in the table; the exporter-wide rate;
 * the configured default (the rule's, else cfg.default_sampling).
 *
 * Refresh and redefinition. Exporters resend templates often. The field
 * specifiers are kept as received; a template that matches them byte for
 * byte only refreshes its timestamp, anything else is compiled anew and
 * replaces the old one. A refused redefinition removes the old template
 * too: its layout no longer describes the data. cfg.template_timeout_ms
 * (when set) expires templates not refreshed in time, on tick.
 *
 * Memory. Everything an exporter can make grow - templates, template
 * pages, pending copies - is charged to one decoder-wide budget,
 * cfg.max_state_bytes (flow_state_charge), besides the per exporter+domain
 * caps (max_templates, pending_bytes). Without it the caps multiply:
 * 4096 exporter+domains x 1024 templates x ~12 KiB (512 fields) is 48 GiB,
 * and 4096 x 256 KiB pending is 1 GiB. With it the worst case is
 * max_state_bytes + max_exporters x the fixed ~3.6 KiB of struct
 * flow_exporter and struct tmpl_cache (tests/unit/flow/test_flood.c
 * measures it). A template over budget counts template_limit, pending
 * data over budget pending_limit.
 *
 * Pending data. A data set whose template is unknown is copied, with the
 * header facts of its message (struct tmpl_msg), into a FIFO bounded by
 * cfg.pending_bytes (FE_PENDING_LIMIT when full). When the template
 * arrives the waiting sets are decoded in order; records keep their own
 * packet's times. Extras of those records point into the copies, so the
 * batch is handed to the sink before the copies are freed. Sets older
 * than cfg.pending_max_age_ms on tick, or still waiting at flush, are
 * dropped as FE_PENDING_EXPIRED (counted once per set).
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "flow/tmpl.h"

#define TMPL_VARLEN 0xffff
#define TMPL_PAGES 256
#define TMPL_MAX_SAMPLERS 64
/* Pending sets per exporter+domain. Every new template walks the list, so
 * a list of thousands of tiny sets (256 KiB / 48 bytes) made each template
 * of a 64 KiB template flood cost a walk: ~75 ms a packet. Real sets are
 * ~1400 bytes, so pending_bytes binds first for them (~190 sets). */
#define TMPL_MAX_PEND_SETS 256
/* A v9 boot time (unix secs - sysUpTime) that moves on by more than this
 * while sysUpTime goes back is an exporter restart. */
#define TMPL_BOOT_SLACK_MS 5000
/* Seconds between the NTP epoch (1900) and the Unix epoch. */
#define NTP_UNIX_OFFSET 2208988800LL

enum tmpl_opcode {
	OP_NONE,	/* not mapped (ie_map only) */
	OP_EXTRA,	/* kept raw */
	OP_SKIP,	/* consumed, ignored (sequential programs) */
	OP_U8, OP_U16, OP_U32, OP_U64,
	OP_UFIT,	/* a field wider than its target: stored when it fits */
	OP_IP4, OP_IP6, OP_MAC, OP_ICMP,
	OP_T_SEC, OP_T_MS, OP_T_NTP, OP_T_DUS,
	OP_T_UP,	/* 21/22 (ie_map only): becomes one of the next two */
	OP_T_V9UP,	/* v9: ms of sysUpTime, relative to the header */
	OP_T_SYSUP,	/* IPFIX: ms since systemInitTimeMilliseconds */
	OP_SYSINIT, OP_SAMP_INT, OP_SAMP_SPI, OP_SAMP_SPS, OP_SAMPLER,
};

struct tmpl_op {
	uint16_t off;		/* offset in a fixed-length record */
	uint16_t len;		/* width, or TMPL_VARLEN */
	uint8_t op;		/* enum tmpl_opcode */
	uint8_t fbit;		/* FF_* the store sets */
	uint8_t aux;		/* IP version to set / 0 start 1 end / UFIT width */
	uint8_t v9_scope;	/* a NetFlow v9 options scope field */
	uint16_t dst;		/* offset of the target in struct flow_rec */
	uint16_t id;		/* information element */
	uint32_t pen;		/* enterprise, 0 for IANA */
};

enum { TF_SEQ = 1, TF_POST = 2 };

struct tmpl {
	struct tmpl *next, *prev;	/* every template of the cache */
	int64_t last_ms;		/* defined or last refreshed */
	uint16_t id;
	uint8_t options;
	uint8_t flags;			/* TF_* */
	uint16_t rec_len;		/* fixed-length records, else 0 */
	uint16_t min_len;		/* shortest possible record (>= 1) */
	uint16_t nscope;		/* options: leading scope fields */
	uint32_t size;			/* bytes charged to max_state_bytes */
	uint32_t nops;
	uint32_t raw_len;
	const uint8_t *raw;		/* field specifiers as received */
	struct tmpl_op ops[];
};

struct tmpl_pend {
	struct tmpl_pend *next;
	struct tmpl_msg msg;
	uint32_t cost;			/* bytes charged to pending_bytes */
	uint16_t set_id;
	uint16_t len;
	uint8_t data[];
};

struct tmpl_sampler {
	uint64_t id;
	uint32_t rate;
};

struct tmpl_cache {
	struct tmpl **page[TMPL_PAGES];
	struct tmpl *all;
	uint32_t count, noptions;
	struct tmpl_pend *pend, **pend_tail;
	uint32_t pend_bytes, npend;
	struct tmpl_sampler samplers[TMPL_MAX_SAMPLERS];
	uint32_t nsamplers, last_sampler;
	uint32_t opt_rate;		/* exporter-wide rate; 0 = none */
	bool has_sys_init, has_uptime;
	int64_t sys_init_ms;
	int64_t boot_ms;		/* v9: unix time - sysUpTime */
	uint32_t last_uptime;
};

/* ---- the information elements we map ---------------------------------- */

struct ie_map {
	uint8_t op, fbit, aux;
	uint16_t dst;
};

#define IE(o, field, f, a) { o, f, a, offsetof(struct flow_rec, field) }
#define IEX(o) { o, 0, 0, 0 }

static const struct ie_map ie_map[] = {
	[1] = IE(OP_U64, bytes, FF_BYTES, 0),
	[2] = IE(OP_U64, packets, FF_PACKETS, 0),
	[3] = IE(OP_U64, flows, FF_FLOWS, 0),
	[4] = IE(OP_U8, proto, FF_PROTO, 0),
	[5] = IE(OP_U8, tos, FF_TOS, 0),
	[6] = IE(OP_U8, tcp_flags, FF_TCP_FLAGS, 0),
	[7] = IE(OP_U16, src_port, FF_SRC_PORT, 0),
	[8] = IE(OP_IP4, src, FF_SRC, 4),
	[9] = IE(OP_U8, src_mask, FF_SRC_MASK, 0),
	[10] = IE(OP_U32, in_if, FF_IN_IF, 0),
	[11] = IE(OP_U16, dst_port, FF_DST_PORT, 0),
	[12] = IE(OP_IP4, dst, FF_DST, 4),
	[13] = IE(OP_U8, dst_mask, FF_DST_MASK, 0),
	[14] = IE(OP_U32, out_if, FF_OUT_IF, 0),
	[15] = IE(OP_IP4, next_hop, FF_NEXT_HOP, 0),
	[16] = IE(OP_U32, src_as, FF_SRC_AS, 0),
	[17] = IE(OP_U32, dst_as, FF_DST_AS, 0),
	[18] = IE(OP_IP4, bgp_next_hop, FF_BGP_NEXT_HOP, 0),
	[21] = IE(OP_T_UP, time_end_ms, FF_TIME_END, 1),
	[22] = IE(OP_T_UP, time_start_ms, FF_TIME_START, 0),
	[27] = IE(OP_IP6, src, FF_SRC, 6),
	[28] = IE(OP_IP6, dst, FF_DST, 6),
	[29] = IE(OP_U8, src_mask, FF_SRC_MASK, 0),
	[30] = IE(OP_U8, dst_mask, FF_DST_MASK, 0),
	[31] = IE(OP_U32, flow_label, FF_FLOW_LABEL, 0),
	[32] = IE(OP_ICMP, icmp_type, FF_ICMP, 0),
	[34] = IEX(OP_SAMP_INT),
	[48] = IE(OP_SAMPLER, sampler_id, FF_SAMPLER_ID, 0),
	[50] = IEX(OP_SAMP_INT),
	[56] = IE(OP_MAC, src_mac, FF_SRC_MAC, 0),
	[57] = IE(OP_MAC, dst_mac, FF_DST_MAC, 0),
	[58] = IE(OP_U16, vlan, FF_VLAN, 0),
	[61] = IE(OP_U8, direction, FF_DIRECTION, 0),
	[62] = IE(OP_IP6, next_hop, FF_NEXT_HOP, 0),
	[63] = IE(OP_IP6, bgp_next_hop, FF_BGP_NEXT_HOP, 0),
	[80] = IE(OP_MAC, dst_mac, FF_DST_MAC, 0),
	[81] = IE(OP_MAC, src_mac, FF_SRC_MAC, 0),
	[85] = IE(OP_U64, bytes, FF_BYTES, 0),
	[86] = IE(OP_U64, packets, FF_PACKETS, 0),
	[89] = IE(OP_U8, fwd_status, FF_FWD_STATUS, 0),
	[136] = IE(OP_U8, end_reason, FF_END_REASON, 0),
	[139] = IE(OP_ICMP, icmp_type, FF_ICMP, 0),
	[150] = IE(OP_T_SEC, time_start_ms, FF_TIME_START, 0),
	[151] = IE(OP_T_SEC, time_end_ms, FF_TIME_END, 0),
	[152] = IE(OP_T_MS, time_start_ms, FF_TIME_START, 0),
	[153] = IE(OP_T_MS, time_end_ms, FF_TIME_END, 0),
	[154] = IE(OP_T_NTP, time_start_ms, FF_TIME_START, 0),
	[155] = IE(OP_T_NTP, time_end_ms, FF_TIME_END, 0),
	[156] = IE(OP_T_NTP, time_start_ms, FF_TIME_START, 0),
	[157] = IE(OP_T_NTP, time_end_ms, FF_TIME_END, 0),
	[158] = IE(OP_T_DUS, time_start_ms, FF_TIME_START, 0),
	[159] = IE(OP_T_DUS, time_end_ms, FF_TIME_END, 0),
	[160] = IEX(OP_SYSINIT),
	[176] = IE(OP_U8, icmp_type, FF_ICMP, 0),
	[177] = IE(OP_U8, icmp_code, FF_ICMP, 0),
	[178] = IE(OP_U8, icmp_type, FF_ICMP, 0),
	[179] = IE(OP_U8, icmp_code, FF_ICMP, 0),
	[210] = IEX(OP_SKIP),		/* paddingOctets */
	[234] = IE(OP_U32, vrf_in, FF_VRF_IN, 0),
	[235] = IE(OP_U32, vrf_out, FF_VRF_OUT, 0),
	[243] = IE(OP_U16, vlan, FF_VLAN, 0),
	[302] = IE(OP_SAMPLER, sampler_id, FF_SAMPLER_ID, 0),
	[305] = IEX(OP_SAMP_SPI),
	[306] = IEX(OP_SAMP_SPS),
};

#define IE_MAP_LEN (sizeof(ie_map) / sizeof(ie_map[0]))

/* Can @op use a field of @len bytes (fixed, non-zero)? */
static bool op_width_ok(unsigned op, unsigned len)
{
	switch (op) {
	case OP_IP4:
		return len == 4;
	case OP_IP6:
		return len == 16;
	case OP_MAC:
		return len == 6;
	case OP_T_NTP:
		return len == 8;
	case OP_ICMP:
		return len <= 2;	/* unsigned16 type << 8 | code */
	case OP_SKIP:
		return true;
	default:
		return len <= 8;	/* reduced-size encoding: 1..8 */
	}
}

/* ---- cache housekeeping ---------------------------------------------- */

static inline struct tmpl *tmpl_find(const struct tmpl_cache *tc, uint16_t id)
{
	struct tmpl **pg = tc->page[id >> 8];

	return pg ? pg[id & 0xff] : NULL;
}

static void tmpl_remove(struct flow_decoder *d, struct tmpl_cache *tc, struct tmpl *t)
{
	tc->page[t->id >> 8][t->id & 0xff] = NULL;
	flow_state_release(d, t->size);
	tc->noptions -= t->options;
	if (t->prev)
		t->prev->next = t->next;
	else
		tc->all = t->next;
	if (t->next)
		t->next->prev = t->prev;
	tc->count--;
	free(t);
}

/* Put @t in the slot of its id, replacing @old (which may be NULL).
 * Return: 0, FE_TEMPLATE_LIMIT (state budget) or FE_NOMEM when the page
 * cannot be allocated (not counted). */
static enum flow_err tmpl_insert(struct flow_decoder *d, struct tmpl_cache *tc,
				 struct tmpl *t, struct tmpl *old)
{
	struct tmpl ***pg = &tc->page[t->id >> 8];

	if (!*pg) {
		if (!flow_state_charge(d, 256 * sizeof(**pg)))
			return FE_TEMPLATE_LIMIT;
		*pg = calloc(256, sizeof(**pg));
		if (!*pg) {
			flow_state_release(d, 256 * sizeof(**pg));
			return FE_NOMEM;
		}
	}
	if (old)
		tmpl_remove(d, tc, old);
	(*pg)[t->id & 0xff] = t;
	t->prev = NULL;
	t->next = tc->all;
	if (tc->all)
		tc->all->prev = t;
	tc->all = t;
	tc->count++;
	tc->noptions += t->options;
	return FE_OK;
}

/* Only when the decoder goes: nothing is given back to the budget. */
static void pend_free_all(struct flow_decoder *d, struct tmpl_cache *tc)
{
	struct tmpl_pend *pe, *next;

	for (pe = tc->pend; pe; pe = next) {
		next = pe->next;
		flow_state_release(d, pe->cost);
		free(pe);
	}
	tc->pend = NULL;
	tc->pend_tail = &tc->pend;
	tc->pend_bytes = 0;
	tc->npend = 0;
}

static void cache_free(struct flow_decoder *d, void *state)
{
	struct tmpl_cache *tc = state;
	struct tmpl *t, *next;
	unsigned i;

	if (!tc)
		return;
	for (t = tc->all; t; t = next) {
		next = t->next;
		flow_state_release(d, t->size);
		free(t);
	}
	for (i = 0; i < TMPL_PAGES; i++) {
		if (tc->page[i])
			flow_state_release(d, 256 * sizeof(*tc->page[i]));
		free(tc->page[i]);
	}
	pend_free_all(d, tc);
	free(tc);
}

/* Drop pending sets older than @now_ms - max age (all when @all). */
static void pend_expire(struct flow_decoder *d, struct flow_exporter *e,
			struct tmpl_cache *tc, int64_t now_ms, bool all)
{
	struct tmpl_pend **pp = &tc->pend, *pe;

	while ((pe = *pp)) {
		if (all || now_ms - pe->msg.recv_ms > (int64_t)d->cfg.pending_max_age_ms) {
			*pp = pe->next;
			tc->pend_bytes -= pe->cost;
			tc->npend--;
			flow_state_release(d, pe->cost);
			flow_count_err(d, e, FE_PENDING_EXPIRED);
			free(pe);
		} else {
			pp = &pe->next;
		}
	}
	tc->pend_tail = pp;
}

static void cache_tick(struct flow_decoder *d, struct flow_exporter *e, int64_t now_ms)
{
	struct tmpl_cache *tc = e->state;
	struct tmpl *t, *next;

	if (tc->npend)
		pend_expire(d, e, tc, now_ms, false);
	if (!d->cfg.template_timeout_ms)
		return;
	for (t = tc->all; t; t = next) {
		next = t->next;
		if (now_ms - t->last_ms > (int64_t)d->cfg.template_timeout_ms)
			tmpl_remove(d, tc, t);
	}
}

static void cache_flush(struct flow_decoder *d, struct flow_exporter *e)
{
	struct tmpl_cache *tc = e->state;

	if (tc->npend)
		pend_expire(d, e, tc, 0, true);
}

static const struct flow_state_ops tmpl_state_ops = {
	.free = cache_free,
	.tick = cache_tick,
	.flush = cache_flush,
};

struct tmpl_cache *tmpl_cache_get(struct flow_decoder *d, struct flow_exporter *e)
{
	struct tmpl_cache *tc;

	if (e->state)
		return e->state;
	tc = calloc(1, sizeof(*tc));
	if (!tc) {
		flow_count_err(d, e, FE_NOMEM);
		return NULL;
	}
	tc->pend_tail = &tc->pend;
	e->state = tc;
	e->ops = &tmpl_state_ops;
	return tc;
}

bool tmpl_uptime_restarted(struct tmpl_cache *tc, uint32_t uptime, uint32_t secs)
{
	/* When the exporter booted, by its own clock. A reordered packet
	 * has a smaller uptime but the same boot time (within the second
	 * unix_secs is truncated to); a restart moves the boot time on. A
	 * wrap of the 32-bit ms counter (49.7 days) looks like a boot 2^32
	 * ms later, and is no restart. */
	int64_t boot = (int64_t)secs * 1000 - uptime;
	bool restarted = false;

	if (tc->has_uptime && uptime < tc->last_uptime) {
		int64_t moved = boot - tc->boot_ms;
		int64_t wrap = moved - ((int64_t)1 << 32);

		if (moved > TMPL_BOOT_SLACK_MS &&
		    (wrap > TMPL_BOOT_SLACK_MS || wrap < -TMPL_BOOT_SLACK_MS))
			restarted = true;
		else if (moved < TMPL_BOOT_SLACK_MS)
			return false;	/* reordered: keep the newest */
	}
	tc->has_uptime = true;
	tc->last_uptime = uptime;
	tc->boot_ms = boot;
	return restarted;
}

/* ---- sampling --------------------------------------------------------- */

static bool sampler_lookup(struct tmpl_cache *tc, uint64_t id, uint32_t *rate)
{
	uint32_t i = tc->last_sampler;

	if (i < tc->nsamplers && tc->samplers[i].id == id) {
		*rate = tc->samplers[i].rate;
		return true;
	}
	for (i = 0; i < tc->nsamplers; i++) {
		if (tc->samplers[i].id == id) {
			tc->last_sampler = i;
			*rate = tc->samplers[i].rate;
			return true;
		}
	}
	return false;
}

static void sampler_set(struct flow_decoder *d, struct flow_exporter *e,
			struct tmpl_cache *tc, uint64_t id, uint32_t rate)
{
	uint32_t i;

	for (i = 0; i < tc->nsamplers; i++) {
		if (tc->samplers[i].id == id) {
			tc->samplers[i].rate = rate;
			return;
		}
	}
	if (tc->nsamplers == TMPL_MAX_SAMPLERS) {
		/* the sampler table is part of the template cache */
		flow_count_err(d, e, FE_TEMPLATE_LIMIT);
		return;
	}
	tc->samplers[tc->nsamplers].id = id;
	tc->samplers[tc->nsamplers].rate = rate;
	tc->nsamplers++;
}

static uint32_t rate_clamp(uint64_t r)
{
	return r == 0 ? 1 : r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

/* round(@a / @b) for @b > 0, without the overflow of (a + b / 2) / b
 * (8-byte option fields can hold anything). */
static uint64_t div_round(uint64_t a, uint64_t b)
{
	return a / b + (a % b >= b - b / 2);
}

/* packet interval + space: 1 of every (interval + space) is taken */
static uint32_t rate_interval_space(uint64_t spi, uint64_t sps)
{
	uint64_t q;

	if (!spi)
		return 1;
	q = div_round(sps, spi);	/* (spi + sps) / spi - 1 */
	return q >= UINT32_MAX ? UINT32_MAX : (uint32_t)q + 1;
}

/* ---- template compilation -------------------------------------------- */

struct field_spec {
	uint32_t pen;
	uint16_t id, len;
};

/* One field specifier from @c: IPFIX has the enterprise bit and number,
 * NetFlow v9 has neither. */
static struct field_spec spec_read(struct cursor *c, bool ipfix)
{
	struct field_spec f = { 0, 0, 0 };

	f.id = cur_u16(c);
	f.len = cur_u16(c);
	if (ipfix && (f.id & 0x8000)) {
		f.id &= 0x7fff;
		f.pen = cur_u32(c);
	}
	return f;
}

/* The op for field @f (@v9_scope: a NetFlow v9 options scope field). */
static struct tmpl_op op_compile(const struct field_spec *f, bool ipfix,
				 bool v9_scope, bool has_delta_bytes,
				 bool has_delta_pkts)
{
	struct tmpl_op o = { .len = f->len, .op = OP_EXTRA, .id = f->id, .pen = f->pen };
	struct ie_map m = { 0, 0, 0, 0 };

	if (v9_scope) {
		/* v9 scope types (system, interface, ...) are not IEs */
		o.op = OP_SKIP;
		o.v9_scope = 1;
		return o;
	}
	if (!f->pen && f->id < IE_MAP_LEN)
		m = ie_map[f->id];
	if ((f->id == 85 && has_delta_bytes) || (f->id == 86 && has_delta_pkts))
		m.op = OP_NONE;		/* the delta counter wins */
	if (m.op == OP_T_UP)
		m.op = ipfix ? OP_T_SYSUP : OP_T_V9UP;
	if (m.op == OP_NONE || f->len == TMPL_VARLEN || !op_width_ok(m.op, f->len))
		return o;
	o.op = m.op;
	o.fbit = m.fbit;
	o.aux = m.aux;
	o.dst = m.dst;
	/* Wider than the record's field (against RFC 7011 6.2, but sent):
	 * a value that does not fit is kept raw instead of cut. tcpControlBits
	 * is unsigned16 since RFC 7125 and only its low 8 bits are flags we
	 * keep (the next bit is NS), so it is cut on purpose. */
	if ((m.op == OP_U8 || m.op == OP_U16 || m.op == OP_U32) &&
	    f->len > (m.op == OP_U8 ? 1u : m.op == OP_U16 ? 2u : 4u) &&
	    !(f->id == 6 && !f->pen)) {
		o.op = OP_UFIT;
		o.aux = m.op == OP_U8 ? 1 : m.op == OP_U16 ? 2 : 4;
	}
	return o;
}

static bool op_needs_post(unsigned op)
{
	return op == OP_T_SYSUP || op == OP_SYSINIT || op == OP_SAMP_INT ||
	       op == OP_SAMP_SPI || op == OP_SAMP_SPS || op == OP_SAMPLER;
}

static void pend_release(struct flow_decoder *d, struct flow_exporter *e,
			 struct tmpl_cache *tc, uint16_t id);

enum flow_err tmpl_define(struct flow_decoder *d, struct flow_exporter *e,
			  struct cursor *c, uint16_t id, unsigned nfields,
			  unsigned nscope, bool options)
{
	bool ipfix = e->proto == FLOW_PROTO_IPFIX;
	struct tmpl_cache *tc = tmpl_cache_get(d, e);
	struct cursor scan = *c;
	struct field_spec f;
	uint32_t fixed = 0, nvar = 0, nops = 0, min_len, off, rawlen;
	size_t size;
	bool v9_varlen = false, has1 = false, has2 = false, seq;
	const uint8_t *raw = cur_ptr(c);
	struct tmpl *t, *old;
	enum flow_err err = FE_OK;
	unsigned i;

	if (!tc) {
		cur_fail(c);
		return FE_NOMEM;
	}
	if (options)
		e->st.options_templates++;
	else
		e->st.templates++;

	/* pass 1: measure and validate */
	for (i = 0; i < nfields && cur_ok(&scan); i++) {
		f = spec_read(&scan, ipfix);
		if (f.len == TMPL_VARLEN) {
			v9_varlen |= !ipfix;
			nvar++;
		} else {
			fixed += f.len;
		}
		has1 |= !f.pen && f.id == 1;
		has2 |= !f.pen && f.id == 2;
	}
	if (!cur_ok(&scan)) {
		flow_count_err(d, e, FE_TEMPLATE_BAD);
		cur_fail(c);
		err = FE_TEMPLATE_BAD;
		goto refuse;
	}
	rawlen = (uint32_t)(cur_off(&scan) - cur_off(c));
	*c = scan;
	min_len = fixed + nvar;
	if (id < 256 || v9_varlen || min_len == 0 || fixed > 0xffff ||
	    nscope > nfields || (options && ipfix && nscope == 0))
		err = FE_TEMPLATE_BAD;
	else if (nfields > d->cfg.max_fields)
		err = FE_TEMPLATE_LIMIT;
	if (err) {
		flow_count_err(d, e, err);
		goto refuse;
	}

	old = tmpl_find(tc, id);
	/* The scope count is not in the raw specifiers, but a v9 scope
	 * field is compiled differently: it must match too. */
	if (old && old->options == options && old->nscope == nscope &&
	    old->raw_len == rawlen && !memcmp(old->raw, raw, rawlen)) {
		old->last_ms = d->now_ms;	/* refresh */
		return FE_OK;
	}
	if (old) {
		/* replaced below, or refused: either way its layout no
		 * longer describes the data */
		tmpl_remove(d, tc, old);
		old = NULL;
	} else if (tc->count >= d->cfg.max_templates) {
		flow_count_err(d, e, FE_TEMPLATE_LIMIT);
		return FE_TEMPLATE_LIMIT;
	}

	/* pass 2: compile */
	size = sizeof(*t) + nfields * sizeof(struct tmpl_op) + rawlen;
	if (!flow_state_charge(d, size)) {
		/* over the decoder-wide budget */
		flow_count_err(d, e, FE_TEMPLATE_LIMIT);
		return FE_TEMPLATE_LIMIT;
	}
	t = malloc(size);
	if (!t) {
		flow_state_release(d, size);
		flow_count_err(d, e, FE_NOMEM);
		return FE_NOMEM;
	}
	t->size = (uint32_t)size;
	seq = options || nvar > 0;
	t->id = id;
	t->options = options;
	t->nscope = (uint16_t)nscope;
	t->flags = seq ? TF_SEQ : 0;
	t->last_ms = d->now_ms;
	t->rec_len = seq ? 0 : (uint16_t)fixed;
	t->min_len = (uint16_t)(min_len > 0xffff ? 0xffff : min_len);
	t->raw_len = rawlen;
	t->raw = (const uint8_t *)&t->ops[nfields];
	memcpy((uint8_t *)&t->ops[nfields], raw, rawlen);
	scan = cur_init(raw, rawlen);
	for (i = 0, off = 0; i < nfields; i++) {
		struct tmpl_op o;

		f = spec_read(&scan, ipfix);
		if (f.len == 0)
			continue;	/* zero-length: nothing to read or keep */
		o = op_compile(&f, ipfix, options && !ipfix && i < nscope, has1, has2);
		o.off = (uint16_t)off;
		if (f.len != TMPL_VARLEN)
			off += f.len;
		if (o.op == OP_SKIP && !seq)
			continue;
		if (op_needs_post(o.op))
			t->flags |= TF_POST;
		t->ops[nops++] = o;
	}
	t->nops = nops;
	if ((err = tmpl_insert(d, tc, t, old)) != FE_OK) {
		flow_state_release(d, size);
		free(t);
		flow_count_err(d, e, err);
		return err;
	}
	if (tc->npend)
		pend_release(d, e, tc, id);
	return FE_OK;

refuse:
	old = tmpl_find(tc, id);
	if (old)
		tmpl_remove(d, tc, old);
	return err;
}

void tmpl_withdraw(struct flow_decoder *d, struct flow_exporter *e, uint16_t id)
{
	struct tmpl_cache *tc = tmpl_cache_get(d, e);
	struct tmpl *t;

	e->st.template_withdrawals++;
	if (tc && (t = tmpl_find(tc, id)))
		tmpl_remove(d, tc, t);
}

void tmpl_withdraw_all(struct flow_decoder *d, struct flow_exporter *e, bool options)
{
	struct tmpl_cache *tc = tmpl_cache_get(d, e);
	struct tmpl *t, *next;

	e->st.template_withdrawals++;
	/* Nothing of that kind: do not walk the others. A set of such
	 * records would otherwise cost a walk of the whole cache each
	 * (16k records x 1024 templates: ~30 ms a packet). */
	if (!tc || !(options ? tc->noptions : tc->count - tc->noptions))
		return;
	for (t = tc->all; t; t = next) {
		next = t->next;
		if (t->options == options)
			tmpl_remove(d, tc, t);
	}
}

/* ---- running a program ------------------------------------------------ */

enum {
	S_UP0 = 1, S_UP1 = 2, S_SYSINIT = 4, S_INT = 8, S_SPI = 16, S_SPS = 32,
	S_SAMPLER = 64,
};

/* What a record says that needs the whole record to resolve. */
struct rec_scratch {
	unsigned has;		/* S_* */
	uint64_t up[2];
	const uint8_t *up_p[2];
	uint16_t up_len[2];
	uint64_t sysinit, interval, spi, sps, sampler;
};

/* Big-endian unsigned of 1..8 bytes (reduced-size encoding). */
static inline uint64_t rd_uint(const uint8_t *p, unsigned n)
{
	uint64_t v;
	uint32_t w;
	uint16_t h;
	unsigned i;

	switch (n) {
	case 1:
		return p[0];
	case 2:
		memcpy(&h, p, 2);
		return be16toh(h);
	case 4:
		memcpy(&w, p, 4);
		return be32toh(w);
	case 8:
		memcpy(&v, p, 8);
		return be64toh(v);
	default:
		for (v = 0, i = 0; i < n; i++)
			v = v << 8 | p[i];
		return v;
	}
}

static inline void put_time(struct flow_rec *r, const struct tmpl_op *o, int64_t ms)
{
	memcpy((uint8_t *)r + o->dst, &ms, sizeof(ms));
	r->present |= FF_BIT(o->fbit);
}

static inline void put_addr(struct flow_rec *r, const struct tmpl_op *o,
			    const uint8_t *p, unsigned family, unsigned n)
{
	struct ip_addr *a = (struct ip_addr *)(void *)((uint8_t *)r + o->dst);

	a->family = (uint8_t)family;
	memcpy(a->a, p, n);
	memset(a->a + n, 0, sizeof(a->a) - n);
	r->present |= FF_BIT(o->fbit);
	if (o->aux)
		r->ip_version = o->aux;
}

/*
 * Apply one op to @r. @p points at @len bytes of the field, which the
 * caller has taken from the record through the cursor (sequential
 * programs) or which the compiler proved lie inside the record (fixed).
 */
static inline __attribute__((always_inline)) void op_apply(struct flow_decoder *d, struct flow_rec *r,
			    struct rec_scratch *s, const struct tmpl_msg *m,
			    const struct tmpl_op *o, const uint8_t *p, unsigned len)
{
	uint8_t *base = (uint8_t *)r;
	uint64_t v;
	uint16_t v16;
	uint32_t v32;

	switch (o->op) {
	case OP_U8:
		base[o->dst] = (uint8_t)rd_uint(p, len);
		break;
	case OP_U16:
		v16 = (uint16_t)rd_uint(p, len);
		memcpy(base + o->dst, &v16, 2);
		break;
	case OP_U32:
		v32 = (uint32_t)rd_uint(p, len);
		memcpy(base + o->dst, &v32, 4);
		break;
	case OP_U64:
		v = rd_uint(p, len);
		memcpy(base + o->dst, &v, 8);
		break;
	case OP_UFIT:
		v = rd_uint(p, len);
		if (v >> (o->aux * 8)) {
			(void)flow_rec_add_extra(d, r, o->pen, o->id, p, (uint16_t)len);
			return;
		}
		if (o->aux == 1) {
			base[o->dst] = (uint8_t)v;
		} else if (o->aux == 2) {
			v16 = (uint16_t)v;
			memcpy(base + o->dst, &v16, 2);
		} else {
			v32 = (uint32_t)v;
			memcpy(base + o->dst, &v32, 4);
		}
		break;
	case OP_IP4:
		put_addr(r, o, p, 4, 4);
		return;
	case OP_IP6:
		put_addr(r, o, p, 6, 16);
		return;
	case OP_MAC:
		memcpy(base + o->dst, p, 6);
		break;
	case OP_ICMP:
		v = rd_uint(p, len);
		r->icmp_type = (uint8_t)(v >> 8);
		r->icmp_code = (uint8_t)v;
		break;
	case OP_T_SEC:
		put_time(r, o, (int64_t)(rd_uint(p, len) * 1000u));	/* wraps, never UB */
		return;
	case OP_T_MS:
		put_time(r, o, (int64_t)rd_uint(p, len));
		return;
	case OP_T_NTP:
		v = rd_uint(p, 8);
		put_time(r, o, ((int64_t)(v >> 32) - NTP_UNIX_OFFSET) * 1000 +
			       (int64_t)(((v & 0xffffffffu) * 1000) >> 32));
		return;
	case OP_T_DUS:
		put_time(r, o, m->export_ms - (int64_t)(rd_uint(p, len) / 1000));
		return;
	case OP_T_V9UP:
		/* signed: a flow may end a little after the header's uptime */
		put_time(r, o, m->export_ms -
			 (int32_t)(m->sys_uptime - (uint32_t)rd_uint(p, len)));
		return;
	case OP_T_SYSUP:
		s->has |= S_UP0 << o->aux;
		s->up[o->aux] = rd_uint(p, len);
		s->up_p[o->aux] = p;
		s->up_len[o->aux] = (uint16_t)len;
		return;
	case OP_SYSINIT:
		s->has |= S_SYSINIT;
		s->sysinit = rd_uint(p, len);
		return;
	case OP_SAMP_INT:
		s->has |= S_INT;
		s->interval = rd_uint(p, len);
		return;
	case OP_SAMP_SPI:
		s->has |= S_SPI;
		s->spi = rd_uint(p, len);
		return;
	case OP_SAMP_SPS:
		s->has |= S_SPS;
		s->sps = rd_uint(p, len);
		return;
	case OP_SAMPLER:
		s->has |= S_SAMPLER;
		s->sampler = rd_uint(p, len);	/* the lookup uses all 64 bits */
		if (s->sampler > UINT32_MAX) {
			(void)flow_rec_add_extra(d, r, o->pen, o->id, p, (uint16_t)len);
			return;
		}
		r->sampler_id = (uint32_t)s->sampler;
		break;
	case OP_EXTRA:
		(void)flow_rec_add_extra(d, r, o->pen, o->id, p, (uint16_t)len);
		return;
	default:
		return;
	}
	r->present |= FF_BIT(o->fbit);
}

/* Resolve what needed the whole record: uptime-relative times and the
 * record's own sampling fields. */
static void rec_post(struct flow_decoder *d, const struct flow_exporter *e,
		     struct tmpl_cache *tc, struct flow_rec *r,
		     const struct rec_scratch *s)
{
	unsigned k;
	uint32_t rate;

	if (s->has & (S_UP0 | S_UP1)) {
		bool known = (s->has & S_SYSINIT) || tc->has_sys_init;
		int64_t base = (s->has & S_SYSINIT) ? (int64_t)s->sysinit : tc->sys_init_ms;

		for (k = 0; k < 2; k++) {
			if (!(s->has & (S_UP0 << k)))
				continue;
			if (!known) {
				/* no base to add it to: keep it raw */
				(void)flow_rec_add_extra(d, r, 0, k ? 21 : 22,
							 s->up_p[k], s->up_len[k]);
			} else if (k) {
				r->time_end_ms = (int64_t)((uint64_t)base + s->up[k]);
				flow_set(r, FF_TIME_END);
			} else {
				r->time_start_ms = (int64_t)((uint64_t)base + s->up[k]);
				flow_set(r, FF_TIME_START);
			}
		}
	}
	if (e->force_rate)
		return;
	if (s->has & S_INT)
		r->sampling_rate = rate_clamp(s->interval);
	else if ((s->has & (S_SPI | S_SPS)) == (S_SPI | S_SPS))
		r->sampling_rate = rate_interval_space(s->spi, s->sps);
	else if ((s->has & S_SAMPLER) && sampler_lookup(tc, s->sampler, &rate))
		r->sampling_rate = rate;
}

/* What an options record says about sampling and system init time. */
struct opt_vals {
	unsigned has;
	uint64_t sampler, interval, spi, sps, size, population, sysinit, algo;
	double probability;
};

enum {
	OV_SAMPLER = 1, OV_INT = 2, OV_SPI = 4, OV_SIZE = 8, OV_POP = 16,
	OV_PROB = 32, OV_SYSINIT = 64, OV_SPS = 128, OV_ALGO = 256,
};

/* selectorAlgorithm (IANA registry of PSAMP selector algorithms) */
enum {
	SEL_COUNT_SYSTEMATIC = 1, SEL_RANDOM_N_OF_N = 3, SEL_UNIFORM_PROB = 4,
};

static void opt_field(struct opt_vals *ov, const struct tmpl_op *o,
		      const uint8_t *p, unsigned len)
{
	uint64_t v;

	if (o->pen || o->v9_scope || len == 0 || len > 8)
		return;		/* v9 scope, enterprise, or not a number */
	v = rd_uint(p, len);
	switch (o->id) {
	case 48:	/* samplerId / FLOW_SAMPLER_ID */
	case 302:	/* selectorId */
		ov->has |= OV_SAMPLER;
		ov->sampler = v;
		break;
	case 34:	/* samplingInterval */
	case 50:	/* samplerRandomInterval */
		ov->has |= OV_INT;
		ov->interval = v;
		break;
	case 305:	/* samplingPacketInterval */
		ov->has |= OV_SPI;
		ov->spi = v;
		break;
	case 306:	/* samplingPacketSpace */
		ov->has |= OV_SPS;
		ov->sps = v;
		break;
	case 304:	/* selectorAlgorithm */
		ov->has |= OV_ALGO;
		ov->algo = v;
		break;
	case 309:	/* samplingSize */
		ov->has |= OV_SIZE;
		ov->size = v;
		break;
	case 310:	/* samplingPopulation */
		ov->has |= OV_POP;
		ov->population = v;
		break;
	case 311:	/* samplingProbability (float64) */
		if (len == 8) {
			memcpy(&ov->probability, &v, 8);
			ov->has |= OV_PROB;
		}
		break;
	case 160:	/* systemInitTimeMilliseconds */
		ov->has |= OV_SYSINIT;
		ov->sysinit = v;
		break;
	default:
		break;
	}
}

/* The rate an options record describes. Return: false when it names none. */
static bool opt_rate(const struct opt_vals *ov, uint32_t *rate)
{
	bool count = (ov->has & (OV_SPI | OV_SPS)) == (OV_SPI | OV_SPS);
	bool n_of_n = (ov->has & (OV_SIZE | OV_POP)) == (OV_SIZE | OV_POP) && ov->size;
	bool prob = (ov->has & OV_PROB) && ov->probability > 0 && ov->probability <= 1;
	uint64_t algo = (ov->has & OV_ALGO) ? ov->algo : 0;

	/* With a selectorAlgorithm, the parameters of that algorithm count
	 * (Cisco sends samplingPacketInterval 1 beside n-out-of-N values). */
	if (algo == SEL_RANDOM_N_OF_N && n_of_n)
		count = prob = false;
	else if (algo == SEL_UNIFORM_PROB && prob)
		count = n_of_n = false;
	if (ov->has & OV_INT)
		*rate = rate_clamp(ov->interval);
	else if (count)
		*rate = rate_interval_space(ov->spi, ov->sps);
	else if (n_of_n)
		*rate = rate_clamp(div_round(ov->population, ov->size));
	else if (prob)
		*rate = 1.0 / ov->probability >= (double)UINT32_MAX ? UINT32_MAX :
			rate_clamp((uint64_t)(1.0 / ov->probability + 0.5));
	else
		return false;
	return true;
}

static void opt_apply(struct flow_decoder *d, struct flow_exporter *e,
		      struct tmpl_cache *tc, const struct opt_vals *ov)
{
	uint32_t rate;

	if (ov->has & OV_SYSINIT) {
		tc->has_sys_init = true;
		tc->sys_init_ms = (int64_t)ov->sysinit;
	}
	if (!opt_rate(ov, &rate))
		return;
	if (ov->has & OV_SAMPLER)
		sampler_set(d, e, tc, ov->sampler, rate);
	else
		tc->opt_rate = rate;
}

/* Read the next field of a sequential program: its length (variable
 * ones carry it in front) and its bytes. Return: NULL on overrun. */
static inline const uint8_t *seq_field(struct cursor *c, const struct tmpl_op *o,
				       unsigned *len)
{
	unsigned n = o->len;

	if (n == TMPL_VARLEN) {
		n = cur_u8(c);
		if (n == 255)
			n = cur_u16(c);
	}
	*len = n;
	if (!cur_ok(c) || !cur_need(c, n))
		return NULL;
	return cur_bytes(c, n);
}

/* Decode the records of one set with template @t.
 * Return: FE_OK or FE_RECORD (counted). */
static enum flow_err run_set(struct flow_decoder *d, struct flow_exporter *e,
			     struct tmpl_cache *tc, const struct tmpl *t,
			     struct cursor *body, const struct tmpl_msg *m,
			     long *nrec)
{
	const struct tmpl_op *o, *end = t->ops + t->nops;
	uint32_t rate = e->force_rate ? e->force_rate :
			tc->opt_rate ? tc->opt_rate : e->default_rate;
	struct rec_scratch s;
	struct flow_rec *r;
	const uint8_t *p;
	unsigned len;
	long n = 0, good = 0;

	if (t->options) {
		while (cur_left(body) >= t->min_len) {
			struct opt_vals ov = { 0 };

			n++;
			for (o = t->ops; o < end; o++) {
				p = seq_field(body, o, &len);
				if (!p)
					break;
				opt_field(&ov, o, p, len);
			}
			if (!cur_ok(body))
				break;
			opt_apply(d, e, tc, &ov);
		}
	} else if (!(t->flags & TF_SEQ)) {
		n = (long)(cur_left(body) / t->rec_len);
		for (good = 0; good < n; good++) {
			p = cur_bytes(body, t->rec_len);
			r = flow_rec_new(d, e);
			r->recv_ms = m->recv_ms;
			r->export_ms = m->export_ms;
			r->sampling_rate = rate;
			s.has = 0;
			for (o = t->ops; o < end; o++)
				op_apply(d, r, &s, m, o, p + o->off, o->len);
			if (t->flags & TF_POST)
				rec_post(d, e, tc, r, &s);
		}
	} else {
		while (cur_left(body) >= t->min_len) {
			n++;
			r = flow_rec_new(d, e);
			r->recv_ms = m->recv_ms;
			r->export_ms = m->export_ms;
			r->sampling_rate = rate;
			s.has = 0;
			for (o = t->ops; o < end; o++) {
				p = seq_field(body, o, &len);
				if (!p)
					break;
				if (o->op != OP_SKIP)
					op_apply(d, r, &s, m, o, p, len);
			}
			if (!cur_ok(body)) {
				flow_rec_drop(d, r);
				break;
			}
			if (t->flags & TF_POST)
				rec_post(d, e, tc, r, &s);
			good++;
		}
	}
	e->st.records += (uint64_t)good;
	*nrec = n;
	/* Bytes left over are padding, unless the set did not even hold one
	 * whole record or a record ran past the set's end. */
	if (!cur_ok(body) || (n == 0 && cur_left(body) > 0)) {
		flow_count_err(d, e, FE_RECORD);
		return FE_RECORD;
	}
	return FE_OK;
}

/* ---- pending data ----------------------------------------------------- */

static enum flow_err pend_add(struct flow_decoder *d, struct flow_exporter *e,
			      struct tmpl_cache *tc, uint16_t set_id,
			      struct cursor *body, const struct tmpl_msg *m)
{
	size_t len = cur_left(body);
	size_t cost = sizeof(struct tmpl_pend) + len;
	struct tmpl_pend *pe;

	if (cost > d->cfg.pending_bytes - tc->pend_bytes ||
	    tc->npend >= TMPL_MAX_PEND_SETS || !flow_state_charge(d, cost)) {
		cur_skip(body, len);
		flow_count_err(d, e, FE_PENDING_LIMIT);
		return FE_PENDING_LIMIT;
	}
	pe = malloc(cost);
	if (!pe) {
		flow_state_release(d, cost);
		cur_skip(body, len);
		flow_count_err(d, e, FE_NOMEM);
		return FE_NOMEM;
	}
	pe->next = NULL;
	pe->msg = *m;
	pe->cost = (uint32_t)cost;
	pe->set_id = set_id;
	pe->len = (uint16_t)len;
	cur_copy(body, pe->data, len);
	*tc->pend_tail = pe;
	tc->pend_tail = &pe->next;
	tc->pend_bytes += (uint32_t)cost;
	tc->npend++;
	return FE_OK;
}

/* Template @id just arrived: decode what waited for it, in order. */
static void pend_release(struct flow_decoder *d, struct flow_exporter *e,
			 struct tmpl_cache *tc, uint16_t id)
{
	struct tmpl_pend **pp = &tc->pend, *pe, *ready = NULL, **rt = &ready;
	const struct tmpl *t = tmpl_find(tc, id);
	uint64_t before = e->st.records;
	long n;

	while ((pe = *pp)) {
		if (pe->set_id == id) {
			*pp = pe->next;
			pe->next = NULL;
			*rt = pe;
			rt = &pe->next;
			tc->pend_bytes -= pe->cost;
			tc->npend--;
			flow_state_release(d, pe->cost);
		} else {
			pp = &pe->next;
		}
	}
	tc->pend_tail = pp;
	if (!ready)
		return;
	for (pe = ready; pe; pe = pe->next) {
		struct cursor c = cur_init(pe->data, pe->len);

		(void)run_set(d, e, tc, t, &c, &pe->msg, &n);
	}
	d->tot.pending_records_decoded += e->st.records - before;
	/* the records' extras point into the copies: hand them over first */
	flow_batch_flush(d);
	while (ready) {
		pe = ready->next;
		free(ready);
		ready = pe;
	}
}

enum flow_err tmpl_data(struct flow_decoder *d, struct flow_exporter *e,
			uint16_t set_id, struct cursor *body,
			const struct tmpl_msg *m, long *nrec)
{
	struct tmpl_cache *tc = tmpl_cache_get(d, e);
	const struct tmpl *t;

	*nrec = -1;
	if (!tc)
		return FE_NOMEM;
	t = tmpl_find(tc, set_id);
	if (!t && !cur_left(body)) {
		*nrec = 0;	/* an empty set: nothing to wait for */
		return FE_OK;
	}
	if (!t)
		return pend_add(d, e, tc, set_id, body, m);
	return run_set(d, e, tc, t, body, m, nrec);
}
