/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipfrag.c - bounded IPv4/IPv6 fragment reassembly
 *
 * Theory of operation: a partial datagram is keyed by (src, dst, id,
 * proto). Fragment offsets are multiples of 8 bytes, so received data is
 * tracked as a bitmap of 8-byte blocks (a 64 KiB datagram needs 8192
 * bits). The datagram is complete when the last fragment (MF clear) has
 * fixed the total length and every block below it is present. A fragment
 * that repeats already received blocks byte for byte is a harmless
 * duplicate; one that overlaps with different bytes poisons the datagram
 * (RFC 5722 drops such datagrams; so do we). Tables are small, so a
 * linear scan finds the datagram; the payload buffer grows to the
 * highest offset seen and never beyond 65535 bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "flow/ipfrag.h"

#define IPFRAG_MAX_PAYLOAD 65535u
#define IPFRAG_BLOCKS ((IPFRAG_MAX_PAYLOAD + 7) / 8)
#define IPFRAG_WORDS ((IPFRAG_BLOCKS + 63) / 64)

struct ipfrag_dgram {
	bool used;
	struct ip_addr src, dst;
	uint32_t id;
	uint8_t proto;
	int64_t first_ms;
	uint32_t total;			/* payload length; 0 = not known yet */
	uint32_t nblocks;		/* blocks received */
	uint32_t max_end;		/* highest byte offset received + 1 */
	uint8_t *buf;
	size_t cap;
	uint64_t have[IPFRAG_WORDS];
};

struct ipfrag {
	struct ipfrag_cfg cfg;
	struct ipfrag_dgram *tab;
	uint32_t nused;
	uint8_t *done;			/* the last completed payload */
	struct ipfrag_stats st;
};

struct ipfrag *ipfrag_new(const struct ipfrag_cfg *cfg)
{
	struct ipfrag *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (cfg)
		f->cfg = *cfg;
	if (!f->cfg.max_datagrams)
		f->cfg.max_datagrams = 256;
	if (!f->cfg.timeout_ms)
		f->cfg.timeout_ms = 30000;
	f->tab = calloc(f->cfg.max_datagrams, sizeof(*f->tab));
	if (!f->tab) {
		free(f);
		return NULL;
	}
	return f;
}

static void dgram_release(struct ipfrag *f, struct ipfrag_dgram *g)
{
	free(g->buf);
	memset(g, 0, sizeof(*g));
	f->nused--;
}

void ipfrag_free(struct ipfrag *f)
{
	uint32_t i;

	if (!f)
		return;
	for (i = 0; i < f->cfg.max_datagrams; i++)
		free(f->tab[i].buf);
	free(f->tab);
	free(f->done);
	free(f);
}

static struct ipfrag_dgram *dgram_find(struct ipfrag *f, const struct ipfrag_frag *fr,
				       int64_t now_ms)
{
	struct ipfrag_dgram *g, *free_slot = NULL;
	uint32_t i;

	for (i = 0; i < f->cfg.max_datagrams; i++) {
		g = &f->tab[i];
		if (!g->used) {
			if (!free_slot)
				free_slot = g;
			continue;
		}
		if (g->id == fr->id && g->proto == fr->proto &&
		    ip_addr_eq(&g->src, &fr->src) && ip_addr_eq(&g->dst, &fr->dst))
			return g;
	}
	if (!free_slot)
		return NULL;
	free_slot->used = true;
	free_slot->src = fr->src;
	free_slot->dst = fr->dst;
	free_slot->id = fr->id;
	free_slot->proto = fr->proto;
	free_slot->first_ms = now_ms;
	f->nused++;
	return free_slot;
}

static bool block_has(const struct ipfrag_dgram *g, uint32_t b)
{
	return (g->have[b / 64] >> (b % 64)) & 1;
}

/* Return: 1 new data, 0 exact duplicate, -1 conflicting overlap. */
static int dgram_check_overlap(const struct ipfrag_dgram *g, uint32_t first,
			       uint32_t last, const struct ipfrag_frag *fr)
{
	uint32_t b, seen = 0;

	for (b = first; b <= last; b++)
		seen += block_has(g, b);
	if (!seen)
		return 1;
	if (seen == last - first + 1 && fr->offset + fr->len <= g->cap &&
	    !memcmp(g->buf + fr->offset, fr->data, fr->len))
		return 0;
	return -1;
}

static bool dgram_grow(struct ipfrag_dgram *g, size_t end)
{
	size_t ncap = g->cap ? g->cap : 2048;
	uint8_t *nb;

	if (end <= g->cap)
		return true;
	while (ncap < end)
		ncap *= 2;
	if (ncap > IPFRAG_MAX_PAYLOAD)
		ncap = IPFRAG_MAX_PAYLOAD;
	nb = realloc(g->buf, ncap);
	if (!nb)
		return false;
	g->buf = nb;
	g->cap = ncap;
	return true;
}

int ipfrag_add(struct ipfrag *f, const struct ipfrag_frag *fr, int64_t now_ms,
	       const uint8_t **out, size_t *outlen, uint8_t *proto)
{
	struct ipfrag_dgram *g;
	uint32_t first, last, b, end;
	int r;

	f->st.fragments++;
	end = fr->offset + (uint32_t)fr->len;
	/* Offsets are in 8-byte units; all but the last carry whole units. */
	if (fr->offset % 8 || !fr->len || fr->len > IPFRAG_MAX_PAYLOAD ||
	    end > IPFRAG_MAX_PAYLOAD || (fr->more && fr->len % 8)) {
		f->st.dropped_bad++;
		return -1;
	}
	g = dgram_find(f, fr, now_ms);
	if (!g) {
		f->st.dropped_table_full++;
		return -1;
	}
	/* Data beyond a known end, or a second different end, is bad. */
	if ((g->total && end > g->total) ||
	    (!fr->more && ((g->total && end != g->total) || end < g->max_end))) {
		f->st.dropped_overlap++;
		dgram_release(f, g);
		return -1;
	}
	first = fr->offset / 8;
	last = (end - 1) / 8;
	r = dgram_check_overlap(g, first, last, fr);
	if (r < 0) {
		f->st.dropped_overlap++;
		dgram_release(f, g);
		return -1;
	}
	if (r == 0) {
		f->st.duplicates++;
		return 0;
	}
	if (!dgram_grow(g, end)) {
		f->st.dropped_table_full++;
		dgram_release(f, g);
		return -1;
	}
	memcpy(g->buf + fr->offset, fr->data, fr->len);
	for (b = first; b <= last; b++)
		g->have[b / 64] |= UINT64_C(1) << (b % 64);
	g->nblocks += last - first + 1;
	if (end > g->max_end)
		g->max_end = end;
	if (!fr->more)
		g->total = end;
	if (!g->total || g->nblocks != (g->total + 7) / 8)
		return 0;
	/* Complete: hand the buffer over and free the slot. */
	free(f->done);
	f->done = g->buf;
	g->buf = NULL;
	*out = f->done;
	*outlen = g->total;
	*proto = g->proto;
	f->st.reassembled++;
	dgram_release(f, g);
	return 1;
}

void ipfrag_expire(struct ipfrag *f, int64_t now_ms)
{
	uint32_t i;

	if (!f->nused)
		return;
	for (i = 0; i < f->cfg.max_datagrams; i++) {
		struct ipfrag_dgram *g = &f->tab[i];

		if (g->used && now_ms - g->first_ms > (int64_t)f->cfg.timeout_ms) {
			f->st.incomplete++;
			dgram_release(f, g);
		}
	}
}

void ipfrag_finish(struct ipfrag *f)
{
	uint32_t i;

	for (i = 0; i < f->cfg.max_datagrams && f->nused; i++) {
		if (f->tab[i].used) {
			f->st.incomplete++;
			dgram_release(f, &f->tab[i]);
		}
	}
}

const struct ipfrag_stats *ipfrag_stats(const struct ipfrag *f)
{
	return &f->st;
}
