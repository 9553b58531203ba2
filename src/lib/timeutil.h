/* SPDX-License-Identifier: BSD-2-Clause */
/* timeutil.h - clocks and fast UTC timestamp formatting */
#ifndef WS_TIMEUTIL_H
#define WS_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Length of "2026-01-01T00:00:00.000Z" plus NUL. */
#define TIME_ISO_LEN 25

uint64_t time_mono_ms(void);
uint64_t time_mono_ns(void);
int64_t time_real_ms(void);

/*
 * Format @ms (milliseconds since the Unix epoch, UTC) as ISO 8601 with
 * milliseconds and a Z suffix. Years outside 0..9999 are clamped.
 * Return: the number of characters written (24), excluding the NUL.
 */
size_t time_fmt_iso_ms(int64_t ms, char buf[TIME_ISO_LEN]);

/*
 * Parse ISO 8601 "YYYY-MM-DDTHH:MM:SS[.mmm][Z]" (UTC).
 * Return: 0 on success, -1 when @s is not such a timestamp.
 */
int time_parse_iso_ms(const char *s, int64_t *ms);

/* Days since 1970-01-01 for a proleptic Gregorian date. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
