/* SPDX-License-Identifier: BSD-2-Clause */
/* wbuf.c - bounded output buffer */
#include <stdarg.h>
#include <stdlib.h>

#include "lib/wbuf.h"

int wbuf_init(struct wbuf *b, size_t cap, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->p = malloc(cap);
	if (!b->p)
		return -1;
	b->cap = cap;
	b->max = max < cap ? cap : max;
	return 0;
}

void wbuf_free(struct wbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

bool wbuf_reserve(struct wbuf *b, size_t n)
{
	size_t ncap = b->cap ? b->cap : 64;
	char *np;

	if (b->cap - b->len >= n)
		return true;
	if (n > b->max - b->len) {
		b->toobig++;
		return false;
	}
	/* double, but never past max (nor wrap: with a max near SIZE_MAX
	 * the doubling overflowed to 0 and never ended) */
	while (ncap - b->len < n)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	np = realloc(b->p, ncap);
	if (!np) {
		b->toobig++;
		return false;
	}
	b->p = np;
	b->cap = ncap;
	return true;
}

void wbuf_put_u64(struct wbuf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	wbuf_put(b, tmp + i, sizeof(tmp) - i);
}

void wbuf_put_i64(struct wbuf *b, int64_t v)
{
	if (v < 0) {
		wbuf_putc(b, '-');
		wbuf_put_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		wbuf_put_u64(b, (uint64_t)v);
	}
}

void wbuf_printf(struct wbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !wbuf_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void wbuf_put_json_str(struct wbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	wbuf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			wbuf_putc(b, '\\');
			wbuf_putc(b, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes >= 0x80 are escaped as Latin-1 so the
			 * output stays valid JSON whatever the input. */
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			wbuf_put(b, e, 6);
		} else {
			wbuf_putc(b, (char)c);
		}
	}
	wbuf_putc(b, '"');
}

void wbuf_put_hex(struct wbuf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (!wbuf_reserve(b, n * 2))
		return;
	for (i = 0; i < n; i++) {
		b->p[b->len++] = hex[p[i] >> 4];
		b->p[b->len++] = hex[p[i] & 15];
	}
}

int wbuf_flush(struct wbuf *b, FILE *f)
{
	size_t n = b->len;

	b->len = 0;
	if (n && fwrite(b->p, 1, n, f) != n)
		return -1;
	return 0;
}
