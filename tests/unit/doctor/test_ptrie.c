/* SPDX-License-Identifier: BSD-2-Clause */
/* test_ptrie.c - prefix trie: exact, longest match, order, removal, random cross-check */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ptrie.h"

static struct ip_prefix pfx(const char *s)
{
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse(s, &p, false), 0);
	return p;
}

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static void put(struct ptrie *t, const char *s, intptr_t v)
{
	struct ip_prefix p = pfx(s);
	void **slot = ptrie_slot(t, &p);

	assert_non_null(slot);
	*slot = (void *)v;
}

struct order {
	intptr_t seen[16];
	int n;
};

static int collect(void *arg, const struct ip_prefix *p, void *v)
{
	struct order *o = arg;

	(void)p;
	o->seen[o->n++] = (intptr_t)v;
	return 0;
}

static void test_lpm(void **state)
{
	struct ptrie t;
	struct ip_addr a;
	struct ip_prefix m;
	struct order o = { 0 };

	(void)state;
	ptrie_init(&t, 0);
	put(&t, "0.0.0.0/0", 1);
	put(&t, "10.0.0.0/8", 2);
	put(&t, "10.1.0.0/16", 3);
	put(&t, "10.1.2.0/24", 4);
	put(&t, "10.1.2.3/32", 5);
	put(&t, "192.168.0.0/16", 6);
	put(&t, "2001:db8::/32", 7);
	put(&t, "::/0", 8);
	assert_int_equal(t.count, 8);
	a = addr("10.1.2.3");
	assert_int_equal((intptr_t)ptrie_lookup(&t, &a, &m), 5);
	assert_int_equal(m.len, 32);
	a = addr("10.1.2.4");
	assert_int_equal((intptr_t)ptrie_lookup(&t, &a, NULL), 4);
	a = addr("10.1.9.9");
	assert_int_equal((intptr_t)ptrie_lookup(&t, &a, NULL), 3);
	a = addr("10.9.9.9");
	assert_int_equal((intptr_t)ptrie_lookup(&t, &a, NULL), 2);
	a = addr("8.8.8.8");
	assert_int_equal((intptr_t)ptrie_lookup(&t, &a, NULL), 1);
	a = addr("2001:db8::1");
	assert_int_equal((intptr_t)ptrie_lookup(&t, &a, NULL), 7);
	a = addr("2001:db9::1");
	assert_int_equal((intptr_t)ptrie_lookup(&t, &a, NULL), 8);
	/* every covering prefix, longest first */
	a = addr("10.1.2.3");
	ptrie_match_each(&t, &a, collect, &o);
	assert_int_equal(o.n, 5);
	assert_int_equal(o.seen[0], 5);
	assert_int_equal(o.seen[4], 1);
	/* exact get and removal keep the rest intact */
	m = pfx("10.1.0.0/16");
	assert_int_equal((intptr_t)ptrie_get(&t, &m), 3);
	assert_int_equal((intptr_t)ptrie_remove(&t, &m), 3);
	assert_null(ptrie_get(&t, &m));
	a = addr("10.1.9.9");
	assert_int_equal((intptr_t)ptrie_lookup(&t, &a, NULL), 2);
	a = addr("10.1.2.3");
	assert_int_equal((intptr_t)ptrie_lookup(&t, &a, NULL), 5);
	m = pfx("10.1.0.0/17");	/* never inserted */
	assert_null(ptrie_remove(&t, &m));
	assert_int_equal(t.count, 7);
	ptrie_destroy(&t, NULL);
}

static void test_limit(void **state)
{
	struct ptrie t;
	struct ip_prefix p;

	(void)state;
	ptrie_init(&t, 3);
	put(&t, "10.0.0.0/8", 1);
	put(&t, "11.0.0.0/8", 2);	/* glue + leaf: 3 nodes */
	p = pfx("12.0.0.0/8");
	assert_null(ptrie_slot(&t, &p));
	assert_int_equal(t.full, 1);
	ptrie_destroy(&t, NULL);
}

/* Random prefixes and addresses: the trie agrees with a linear scan. */
static void test_random(void **state)
{
	enum { N = 400, Q = 4000 };
	static struct ip_prefix ps[N];
	static bool dup[N];
	struct ptrie t;
	unsigned i, j, seed = 12345;

	(void)state;
	ptrie_init(&t, 0);
	for (i = 0; i < N; i++) {
		uint32_t v;
		void **slot;

		seed = seed * 1103515245u + 12345u;
		v = seed & 0x0f0fff00u;
		ip_addr_set4u(&ps[i].addr, v | 0x0a000000u);
		ps[i].len = (uint8_t)(8 + (seed >> 8) % 25);
		ip_addr_mask(&ps[i].addr, ps[i].len);
		dup[i] = ptrie_get(&t, &ps[i]) != NULL;
		if (dup[i])
			continue;
		slot = ptrie_slot(&t, &ps[i]);
		assert_non_null(slot);
		*slot = &ps[i];
	}
	for (i = 0; i < Q; i++) {
		struct ip_addr a;
		const struct ip_prefix *best = NULL, *got;

		seed = seed * 1103515245u + 12345u;
		ip_addr_set4u(&a, (seed & 0x0f0fffffu) | 0x0a000000u);
		for (j = 0; j < N; j++)
			if (!dup[j] && ip_prefix_contains(&ps[j], &a) && (!best || ps[j].len > best->len))
				best = &ps[j];
		got = ptrie_lookup(&t, &a, NULL);
		if (best)
			assert_non_null(got);
		if (got) {
			assert_non_null(best);
			assert_int_equal(got->len, best->len);
			assert_true(ip_addr_eq(&got->addr, &best->addr));
		}
	}
	for (i = 0; i < N; i += 2)
		if (!dup[i])
			assert_ptr_equal(ptrie_remove(&t, &ps[i]), &ps[i]);
	for (i = 1; i < N; i += 2)
		if (!dup[i])
			assert_ptr_equal(ptrie_get(&t, &ps[i]), &ps[i]);
	ptrie_destroy(&t, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lpm),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
