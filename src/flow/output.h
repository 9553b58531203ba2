/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * output.h - flow records as JSON lines, CSV or aligned text
 *
 * The JSON line shape is an interface other parts and tests rely on:
 * fields may be added, never renamed. A field the exporter did not send
 * is left out.
 */
#ifndef WS_FLOW_OUTPUT_H
#define WS_FLOW_OUTPUT_H

#include "flow/flow.h"
#include "lib/timeutil.h"
#include "lib/wbuf.h"

enum out_format { OUT_JSONL, OUT_CSV, OUT_TEXT };

/* State kept between records: the last timestamps formatted (a packet's
 * records share arrival and export times) and the last day. Zero it
 * before use. */
#define OUT_TIME_CACHE 4
struct out_cache {
	int64_t ms[OUT_TIME_CACHE];
	char iso[OUT_TIME_CACHE][TIME_ISO_LEN];
	uint8_t valid, next;
	int64_t day_ms;			/* start of the day in @date, or -1 */
	char date[11];			/* "YYYY-MM-DDT" */
};

/* Return: 0, or -1 when @s names no format. */
int out_format_parse(const char *s, enum out_format *f);

/* Append one record as one JSON object and a newline. */
void out_json_rec(struct wbuf *b, struct out_cache *c, const struct flow_rec *r);
/* The CSV header line and one flow record as a CSV line (counters: none). */
void out_csv_header(struct wbuf *b);
void out_csv_rec(struct wbuf *b, struct out_cache *c, const struct flow_rec *r);
/* The text header line and one record as aligned text. */
void out_text_header(struct wbuf *b);
void out_text_rec(struct wbuf *b, const struct flow_rec *r);

#endif
