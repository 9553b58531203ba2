/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wbuf.h - bounded, growable output buffer with fast formatting helpers
 *
 * Used where output is produced per record (JSON lines, CSV): appends are
 * inlined; the buffer is flushed to a FILE by the caller. A buffer never
 * grows past @max; an append that would is dropped and counted in @toobig.
 */
#ifndef WS_WBUF_H
#define WS_WBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct wbuf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
	uint64_t toobig;
};

/* Return: 0, or -1 when out of memory. */
int wbuf_init(struct wbuf *b, size_t cap, size_t max);
void wbuf_free(struct wbuf *b);
/* Make room for @n more bytes. Return: true when there is room. */
bool wbuf_reserve(struct wbuf *b, size_t n);
static inline void wbuf_reset(struct wbuf *b) { b->len = 0; }

static inline void wbuf_put(struct wbuf *b, const void *s, size_t n)
{
	if (b->cap - b->len < n && !wbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void wbuf_putc(struct wbuf *b, char c)
{
	if (b->cap == b->len && !wbuf_reserve(b, 1))
		return;
	b->p[b->len++] = c;
}

/* strlen, not sizeof: a conditional of two literals ("c ? \",x\" : \"x\"")
 * is a pointer, whose sizeof cut the text to 7 bytes. Compilers fold
 * strlen of a literal to a constant, so this costs nothing. */
#define wbuf_puts_lit(b, lit) wbuf_put((b), (lit), strlen(lit))
static inline void wbuf_puts(struct wbuf *b, const char *s) { wbuf_put(b, s, strlen(s)); }

void wbuf_put_u64(struct wbuf *b, uint64_t v);
void wbuf_put_i64(struct wbuf *b, int64_t v);
void wbuf_printf(struct wbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal with quotes, escaping as RFC 8259 requires. */
void wbuf_put_json_str(struct wbuf *b, const char *s, size_t n);
void wbuf_put_hex(struct wbuf *b, const uint8_t *p, size_t n);
/* Write out and empty. Return: 0, or -1 on a write error. */
int wbuf_flush(struct wbuf *b, FILE *f);

#endif
