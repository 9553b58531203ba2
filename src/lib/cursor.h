/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cursor.h - bounds-checked reads from untrusted bytes
 *
 * Every wire parser reads through a cursor. A read past the end sets a
 * sticky error flag, returns zero and leaves the cursor exhausted, so a
 * parser can read a whole header and test cur_ok() once. No parser does
 * pointer arithmetic on raw buffers or keeps its own "bytes left".
 * Multi-byte reads are big-endian (network order).
 */
#ifndef WS_CURSOR_H
#define WS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

static inline struct cursor cur_init(const void *p, size_t len)
{
	struct cursor c = { .p = p, .len = len };
	return c;
}

static inline bool cur_ok(const struct cursor *c) { return !c->err; }
static inline size_t cur_left(const struct cursor *c) { return c->len - c->off; }
static inline size_t cur_off(const struct cursor *c) { return c->off; }

/* Pointer to the current position; only meaningful with cur_left() > 0. */
static inline const uint8_t *cur_ptr(const struct cursor *c) { return c->p + c->off; }

static inline bool cur_fail(struct cursor *c)
{
	c->err = true;
	c->off = c->len;
	return false;
}

static inline bool cur_need(struct cursor *c, size_t n)
{
	if (c->len - c->off < n)
		return cur_fail(c);
	return true;
}

static inline uint8_t cur_u8(struct cursor *c)
{
	if (!cur_need(c, 1))
		return 0;
	return c->p[c->off++];
}

static inline uint16_t cur_u16(struct cursor *c)
{
	const uint8_t *q;

	if (!cur_need(c, 2))
		return 0;
	q = c->p + c->off;
	c->off += 2;
	return (uint16_t)(q[0] << 8 | q[1]);
}

static inline uint32_t cur_u32(struct cursor *c)
{
	const uint8_t *q;

	if (!cur_need(c, 4))
		return 0;
	q = c->p + c->off;
	c->off += 4;
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	       (uint32_t)q[2] << 8 | q[3];
}

static inline uint64_t cur_u64(struct cursor *c)
{
	uint64_t hi = cur_u32(c);

	return hi << 32 | cur_u32(c);
}

/* Unsigned big-endian integer of 1..8 bytes (0 when @n is 0 or > 8). */
static inline uint64_t cur_uint(struct cursor *c, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (n > 8) {
		cur_need(c, n);
		c->off = c->err ? c->off : c->off + n;
		return 0;
	}
	if (!cur_need(c, n))
		return 0;
	for (i = 0; i < n; i++)
		v = v << 8 | c->p[c->off + i];
	c->off += n;
	return v;
}

/* Return: pointer to @n bytes and advance, or NULL (cursor failed). */
static inline const uint8_t *cur_bytes(struct cursor *c, size_t n)
{
	const uint8_t *q;

	if (!cur_need(c, n))
		return NULL;
	q = c->p + c->off;
	c->off += n;
	return q;
}

static inline bool cur_copy(struct cursor *c, void *dst, size_t n)
{
	const uint8_t *q = cur_bytes(c, n);

	if (!q)
		return false;
	memcpy(dst, q, n);
	return true;
}

static inline bool cur_skip(struct cursor *c, size_t n)
{
	if (!cur_need(c, n))
		return false;
	c->off += n;
	return true;
}

/*
 * A sub-cursor over the next @n bytes; @c advances past them. When fewer
 * than @n bytes are left both cursors fail.
 */
static inline struct cursor cur_sub(struct cursor *c, size_t n)
{
	struct cursor s = { .p = NULL, .len = 0, .off = 0, .err = true };

	if (!cur_need(c, n))
		return s;
	s.p = c->p + c->off;
	s.len = n;
	s.err = false;
	c->off += n;
	return s;
}

/* The rest of @c as a sub-cursor; @c is left empty. */
static inline struct cursor cur_rest(struct cursor *c)
{
	return cur_sub(c, cur_left(c));
}

#endif
