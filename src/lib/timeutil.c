/* SPDX-License-Identifier: BSD-2-Clause */
/* timeutil.c - clocks and fast UTC timestamp formatting */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/timeutil.h"

uint64_t time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t time_mono_ms(void) { return time_mono_ns() / 1000000u; }

int64_t time_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Howard Hinnant's days_from_civil / civil_from_days algorithms. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static inline void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t time_fmt_iso_ms(int64_t ms, char buf[TIME_ISO_LEN])
{
	int64_t days, secs, y;
	unsigned mo, d, msec;
	const int64_t lo = -62167219200000LL;	/* 0000-01-01 */
	const int64_t hi = 253402300799999LL;	/* 9999-12-31T23:59:59.999 */

	if (ms < lo)
		ms = lo;
	if (ms > hi)
		ms = hi;
	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	msec = (unsigned)(ms - days * 86400000);
	secs = msec / 1000;
	msec %= 1000;
	civil_from_days(days, &y, &mo, &d);
	put2(buf, (unsigned)(y / 100));
	put2(buf + 2, (unsigned)(y % 100));
	buf[4] = '-';
	put2(buf + 5, mo);
	buf[7] = '-';
	put2(buf + 8, d);
	buf[10] = 'T';
	put2(buf + 11, (unsigned)(secs / 3600));
	buf[13] = ':';
	put2(buf + 14, (unsigned)(secs / 60 % 60));
	buf[16] = ':';
	put2(buf + 17, (unsigned)(secs % 60));
	buf[19] = '.';
	buf[20] = (char)('0' + msec / 100);
	put2(buf + 21, msec % 100);
	buf[23] = 'Z';
	buf[24] = '\0';
	return 24;
}

int time_parse_iso_ms(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, n = 0, frac = 0;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
		   &n) != 6 || n != 19)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || h < 0 || mi < 0 || sec < 0)
		return -1;
	p = s + n;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*p == 'Z')
		p++;
	if (*p)
		return -1;
	*ms = (time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	       h * 3600 + mi * 60 + sec) * 1000 + frac;
	return 0;
}
