/* SPDX-License-Identifier: BSD-2-Clause */
/* fmt.h - iproute2-style text for routes, rules and addresses */
#ifndef WS_DOCTOR_FMT_H
#define WS_DOCTOR_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "doctor/doctor.h"

/* The rule as `ip rule` prints it, without the priority. */
void dr_fmt_rule(const struct nl_rule *r, char *buf, size_t len);
/* The route as `ip route` prints it (with "table N" outside main). */
void dr_fmt_route(const struct dr_snap *s, const struct nl_route *r, char *buf, size_t len);
/* Short-lived text forms for messages: each call returns one of eight
 * rotating static buffers, so up to eight can appear in one printf. */
const char *dr_addr_str(const struct ip_addr *a);
const char *dr_prefix_str(const struct ip_prefix *p);
const char *dr_hex(uint32_t v);

/* snprintf that truncates silently (messages built from bounded parts). */
void dr_sfmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
