/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter.h - the flow filter language (in the spirit of nfdump/tcpdump)
 *
 *   dst net 203.0.113.0/24 and proto udp and not port 53
 *   src host 192.0.2.1 or (exporter 10.0.0.0/8 and in if 3)
 *   bytes > 1M and not (tcp or udp)
 *
 * Grammar (words are case-insensitive):
 *   expr    := term { ("or" | "||") term }
 *   term    := factor { ("and" | "&&") factor }
 *   factor  := ("not" | "!") factor | "(" expr ")" | prim
 *   prim    := [src|dst] host ADDR | [src|dst] net PREFIX
 *            | [src|dst] port [OP] N | [src|dst] as [OP] N
 *            | proto NAME|N | tcp | udp | icmp | icmp6 | gre | esp
 *            | exporter ADDR|PREFIX | in if N | out if N | if N
 *            | bytes [OP] N | packets [OP] N | flows [OP] N
 *            | inet | inet6 | any
 *   OP      := = == != < <= > >=      N may end in k, m, g (x1000)
 */
#ifndef WS_FILTER_H
#define WS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "flow/flow.h"

struct filter_err {
	size_t pos;		/* 1-based column of the offending token */
	char msg[256];
};

struct filter;

/* Return: the compiled filter (an empty text matches everything), or NULL
 * with @err saying where and what was expected. */
struct filter *filter_parse(const char *text, struct filter_err *err);
void filter_free(struct filter *f);

/* @scaled: compare bytes/packets after scaling by the sampling rate. */
bool filter_match(const struct filter *f, const struct flow_rec *r, bool scaled);

/* True when the filter looks at nothing but the exporter (or nothing at
 * all), so per-exporter rollups can answer it. */
bool filter_exporter_only(const struct filter *f);

/* The filter for a record that has only an exporter (rollup rows). */
bool filter_match_exporter(const struct filter *f, const struct ip_addr *exporter);

#endif
