/* SPDX-License-Identifier: BSD-2-Clause */
/* test_edgeroute.c - the edge's longest-prefix choice of connectors */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/edgeroute.h"

#define NCONN 40
#define NPFX 6

/* The connectors as the edge sees them: up or not, and their prefixes. */
struct model {
	bool up[NCONN];
	struct ip_prefix pfx[NCONN][NPFX];
	unsigned npfx[NCONN];
};

static bool usable(void *ctx, unsigned i)
{
	const struct model *m = ctx;

	assert_true(i < NCONN);
	return m->up[i];
}

/* The edge's former linear scan: every up connector's longest covering
 * prefix; the connectors with the longest one, in index order. */
static unsigned reference(const struct model *m, const struct ip_addr *dst, unsigned *out,
			  unsigned max)
{
	unsigned i, j, nc = 0;
	int best = -1;

	for (i = 0; i < NCONN; i++) {
		int len = -1;

		if (!m->up[i])
			continue;
		for (j = 0; j < m->npfx[i]; j++)
			if (m->pfx[i][j].len > len && ip_prefix_contains(&m->pfx[i][j], dst))
				len = m->pfx[i][j].len;
		if (len < 0 || len < best)
			continue;
		if (len > best) {
			best = len;
			nc = 0;
		}
		if (nc < max)
			out[nc++] = i;
	}
	return nc;
}

static void announce(struct edge_routes *r, struct model *m, unsigned c, const char **pfx,
		     unsigned n)
{
	unsigned i;

	for (i = 0; i < m->npfx[c]; i++)
		er_del(r, c, &m->pfx[c][i]);
	m->npfx[c] = 0;
	for (i = 0; i < n; i++) {
		assert_int_equal(ip_prefix_parse(pfx[i], &m->pfx[c][i], false), 0);
		assert_int_equal(er_add(r, c, &m->pfx[c][i]), 0);
		m->npfx[c]++;
	}
}

static void expect(struct edge_routes *r, struct model *m, const char *dst, const char *want)
{
	unsigned out[NCONN], ref[NCONN], n, nref, i;
	struct ip_addr a;
	char got[256] = "";

	assert_int_equal(ip_addr_parse(dst, &a), 0);
	n = er_match(r, &a, usable, m, out, NCONN);
	nref = reference(m, &a, ref, NCONN);
	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%u", i ? "," : "",
			 out[i]);
	assert_string_equal(got, want);
	assert_int_equal(n, nref);
	assert_memory_equal(out, ref, n * sizeof(out[0]));
}

static void test_overlapping(void **state)
{
	static struct model m;
	struct edge_routes r;
	unsigned i;

	(void)state;
	memset(&m, 0, sizeof(m));
	er_init(&r, NCONN, NPFX);
	announce(&r, &m, 0, (const char *[]){ "10.0.0.0/8", "2001:db8::/32" }, 2);
	announce(&r, &m, 1, (const char *[]){ "10.1.0.0/16", "2001:db8:1::/48" }, 2);
	announce(&r, &m, 2, (const char *[]){ "10.1.0.0/16", "2001:db8:1::/48", "0.0.0.0/0" }, 3);
	announce(&r, &m, 3, (const char *[]){ "10.1.2.0/24", "2001:db8:1:2::/64" }, 2);
	announce(&r, &m, 4, (const char *[]){ "10.1.2.3/32", "2001:db8:1:2::3/128" }, 2);
	for (i = 0; i < 5; i++)
		m.up[i] = true;
	m.up[3] = false;

	expect(&r, &m, "10.9.9.9", "0");
	expect(&r, &m, "10.1.9.9", "1,2");
	expect(&r, &m, "10.1.2.9", "1,2");	/* the /24's only connector is down */
	expect(&r, &m, "10.1.2.3", "4");
	expect(&r, &m, "192.0.2.1", "2");	/* the default route */
	expect(&r, &m, "2001:db8:9::1", "0");
	expect(&r, &m, "2001:db8:1:9::1", "1,2");
	expect(&r, &m, "2001:db8:1:2::9", "1,2");
	expect(&r, &m, "2001:db8:1:2::3", "4");
	expect(&r, &m, "2001:db9::1", "");	/* no IPv6 default */
	m.up[3] = true;
	expect(&r, &m, "10.1.2.9", "3");
	expect(&r, &m, "2001:db8:1:2::9", "3");
	m.up[1] = false;
	expect(&r, &m, "10.1.9.9", "2");
	m.up[2] = false;
	expect(&r, &m, "10.1.9.9", "0");
	expect(&r, &m, "192.0.2.1", "");
	/* Withdrawing (a new announcement replaces the old one). */
	m.up[1] = m.up[2] = true;
	announce(&r, &m, 4, (const char *[]){ "2001:db8:1:2::3/128" }, 1);
	expect(&r, &m, "10.1.2.3", "3");
	expect(&r, &m, "2001:db8:1:2::3", "4");
	announce(&r, &m, 2, NULL, 0);
	expect(&r, &m, "10.1.9.9", "1");
	expect(&r, &m, "192.0.2.1", "");
	/* The same prefix twice in one announcement counts once. */
	announce(&r, &m, 5, (const char *[]){ "10.1.0.0/16", "10.1.0.0/16" }, 2);
	m.up[5] = true;
	expect(&r, &m, "10.1.9.9", "1,5");
	er_del(&r, 5, &m.pfx[5][0]);
	m.npfx[5] = 0;
	expect(&r, &m, "10.1.9.9", "1");
	/* At most max candidates, the lowest indices. */
	{
		unsigned out[1];
		struct ip_addr a;

		announce(&r, &m, 7, (const char *[]){ "10.1.0.0/16" }, 1);
		m.up[7] = true;
		assert_int_equal(ip_addr_parse("10.1.9.9", &a), 0);
		assert_int_equal(er_match(&r, &a, usable, &m, out, 1), 1);
		assert_int_equal(out[0], 1);
	}
	er_free(&r);
	assert_int_equal(r.full, 0);
}

static uint64_t rng = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* An address in a small space, so that prefixes overlap a lot. */
static void rnd_addr(struct ip_addr *a, bool v6)
{
	uint8_t b[16] = { 0 };

	if (v6) {
		b[0] = 0x20, b[1] = 0x01, b[2] = 0x0d, b[3] = 0xb8;
		b[4] = (uint8_t)rnd(3);
		b[7] = (uint8_t)rnd(4);
		b[15] = (uint8_t)rnd(8);
		ip_addr_set6(a, b);
	} else {
		b[0] = 10;
		b[1] = (uint8_t)rnd(3);
		b[2] = (uint8_t)(rnd(4) << 6);
		b[3] = (uint8_t)rnd(8);
		ip_addr_set4(a, b);
	}
}

/* Random announcements, withdrawals, ups and downs: the trie always picks
 * exactly what the linear scan picked, in the same order. */
static void test_random_vs_scan(void **state)
{
	static const uint8_t len4[] = { 0, 8, 14, 16, 18, 24, 26, 29, 32 };
	static const uint8_t len6[] = { 0, 32, 40, 46, 48, 64, 126, 128 };
	static struct model m;
	struct edge_routes r;
	unsigned round, i, k, out[NCONN], ref[NCONN], n, nref, matched = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	er_init(&r, NCONN, NPFX);
	for (round = 0; round < 20000; round++) {
		unsigned c = rnd(NCONN);

		switch (rnd(4)) {
		case 0: {	/* a new announcement from connector c */
			for (i = 0; i < m.npfx[c]; i++)
				er_del(&r, c, &m.pfx[c][i]);
			m.npfx[c] = rnd(NPFX + 1);
			for (i = 0; i < m.npfx[c]; i++) {
				struct ip_prefix *p = &m.pfx[c][i];
				bool v6 = rnd(2);

				rnd_addr(&p->addr, v6);
				p->len = v6 ? len6[rnd(sizeof(len6))] : len4[rnd(sizeof(len4))];
				ip_addr_mask(&p->addr, p->len);
				assert_int_equal(er_add(&r, c, p), 0);
			}
			break;
		}
		case 1:
			m.up[c] = !m.up[c];
			break;
		default:
			for (k = 0; k < 8; k++) {
				struct ip_addr a;
				unsigned max = 1 + rnd(NCONN);

				rnd_addr(&a, rnd(2));
				n = er_match(&r, &a, usable, &m, out, max);
				nref = reference(&m, &a, ref, max);
				assert_int_equal(n, nref);
				assert_memory_equal(out, ref, n * sizeof(out[0]));
				matched += n > 1;
			}
		}
	}
	assert_true(matched > 1000);	/* the overlaps were exercised */
	/* Withdraw everything: the trie is empty again. */
	for (i = 0; i < NCONN; i++)
		for (k = 0; k < m.npfx[i]; k++)
			er_del(&r, i, &m.pfx[i][k]);
	assert_int_equal(r.trie.count, 0);
	assert_int_equal(r.full, 0);
	er_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlapping),
		cmocka_unit_test(test_random_vs_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
