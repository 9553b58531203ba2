/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpl.h - template cache and record engine shared by NetFlow v9 and IPFIX
 *
 * nf9.c and ipfix.c parse their message headers and set headers and hand
 * template records, withdrawals and data sets to this engine, which keeps
 * one struct tmpl_cache per exporter+domain (flow_exporter.state). See the
 * theory of operation at the top of tmpl.c.
 */
#ifndef WS_FLOW_TMPL_H
#define WS_FLOW_TMPL_H

#include "flow/flow_int.h"

/* Facts from the message header a set arrived in. Kept with data that
 * waits for its template, so records decoded later carry them. */
struct tmpl_msg {
	int64_t recv_ms;	/* arrival of the packet */
	int64_t export_ms;	/* header time: v9 unix secs, IPFIX export time */
	uint32_t sys_uptime;	/* v9 header sysUpTime (ms) */
};

/* Opaque per exporter+domain state. */
struct tmpl_cache;

/*
 * The template cache of @e, created on first use.
 * Return: the cache, or NULL when out of memory (counted as FE_NOMEM).
 */
struct tmpl_cache *tmpl_cache_get(struct flow_decoder *d, struct flow_exporter *e);

/*
 * Read the field specifiers of template @id from @c (NetFlow v9 or IPFIX
 * format, by e->proto) and install the template, replacing any earlier
 * one with the same id; data that waited for @id is decoded now.
 * @nfields counts all fields, @nscope the leading scope fields (options
 * templates only; @options says which kind it is).
 * Return: FE_OK, or FE_TEMPLATE_LIMIT / FE_TEMPLATE_BAD / FE_NOMEM when
 * the template is refused (counted). When the specifiers run past the set
 * @c is left failed and the caller must stop the set; otherwise @c is past
 * the template.
 */
enum flow_err tmpl_define(struct flow_decoder *d, struct flow_exporter *e,
			  struct cursor *c, uint16_t id, unsigned nfields,
			  unsigned nscope, bool options);

/* IPFIX withdrawal of one template (counted in st.template_withdrawals). */
void tmpl_withdraw(struct flow_decoder *d, struct flow_exporter *e, uint16_t id);

/* IPFIX withdrawal of all templates (@options false) or all options
 * templates (@options true). */
void tmpl_withdraw_all(struct flow_decoder *d, struct flow_exporter *e,
		       bool options);

/*
 * Decode data set @set_id whose body (after the set header) is @body.
 * Without a template the set is copied to the pending buffer.
 * @nrec is set to the number of data records the set held (flow and
 * options records, malformed ones too), or -1 when it is not known yet.
 * Return: FE_OK or the first error (counted).
 */
enum flow_err tmpl_data(struct flow_decoder *d, struct flow_exporter *e,
			uint16_t set_id, struct cursor *body,
			const struct tmpl_msg *m, long *nrec);

/* Offset in @c just past its last non-zero byte: the zero bytes after it
 * are padding at the end of a set. Found once per set, so a set of many
 * records stays linear (re-scanning the rest before each record was
 * quadratic: ~190 ms of CPU for one 64 KiB set of zero records). */
static inline size_t tmpl_padding_start(const struct cursor *c)
{
	size_t i = c->len;

	while (i > c->off && !c->p[i - 1])
		i--;
	return i;
}

/* NetFlow v9 restart detection from the header's sysUpTime and unix secs.
 * Return: true when the exporter restarted since the last packet. */
bool tmpl_uptime_restarted(struct tmpl_cache *tc, uint32_t uptime, uint32_t secs);

#endif
