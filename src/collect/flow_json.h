/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flow_json.h - one flow record as a JSON object (the `wanscope decode`
 * line shape: fields the exporter did not send are left out)
 */
#ifndef WS_FLOW_JSON_H
#define WS_FLOW_JSON_H

#include "flow/flow.h"
#include "lib/wbuf.h"

/* Append @r as one JSON object (no newline). */
void collect_json_rec(struct wbuf *b, const struct flow_rec *r);

#endif
