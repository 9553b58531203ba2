/* SPDX-License-Identifier: BSD-2-Clause */
/* opt.c - strict parsing of command-line and config values */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/opt.h"

int opt_u64(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	/* decimal, or hex with 0x; never octal: "010" is ten, not eight */
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || *end)
		goto bad;
	if (v < min || v > max) {
		fprintf(stderr, "wanscope: %s: %s is out of range (%llu..%llu)\n",
			what, s, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
bad:
	fprintf(stderr, "wanscope: %s: '%s' is not a number\n", what, s ? s : "");
	return -1;
}

int opt_u32(const char *what, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (opt_u64(what, s, min, max, &v) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int opt_duration_ms(const char *what, const char *s, uint64_t *ms)
{
	char *end;
	double v, mul = 1000;

	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		goto bad;
	if (!strcmp(end, "ms"))
		mul = 1;
	else if (!strcmp(end, "s") || !*end)
		mul = 1000;
	else if (!strcmp(end, "m"))
		mul = 60000;
	else if (!strcmp(end, "h"))
		mul = 3600000;
	else
		goto bad;
	if (v * mul > 1e15)
		goto bad;
	*ms = (uint64_t)llround(v * mul);
	return 0;
bad:
	fprintf(stderr, "wanscope: %s: '%s' is not a duration (e.g. 0.5, 200ms, 15m)\n",
		what, s ? s : "");
	return -1;
}
