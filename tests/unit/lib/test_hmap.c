/* SPDX-License-Identifier: BSD-2-Clause */
/* test_hmap.c - intrusive hash map */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "lib/hmap.h"

struct item {
	struct hmap_node node;
	int key;
};

static struct item *lookup(struct hmap *m, int key)
{
	uint64_t h = hash_bytes(&key, sizeof(key), 1);
	struct hmap_node *n;

	for (n = hmap_first_with(m, h); n; n = hmap_next_with(n)) {
		struct item *it = hmap_entry(n, struct item, node);

		if (it->key == key)
			return it;
	}
	return NULL;
}

static void test_insert_lookup_remove(void **state)
{
	struct hmap m;
	struct item *items = calloc(10000, sizeof(*items));
	struct hmap_iter it;
	struct hmap_node *n;
	size_t seen = 0;
	int i;

	(void)state;
	assert_int_equal(hmap_init(&m, 4), 0);
	for (i = 0; i < 10000; i++) {
		items[i].key = i * 7;
		hmap_insert(&m, &items[i].node, hash_bytes(&items[i].key, sizeof(int), 1));
	}
	assert_int_equal(hmap_count(&m), 10000);
	for (i = 0; i < 10000; i++)
		assert_ptr_equal(lookup(&m, i * 7), &items[i]);
	assert_null(lookup(&m, 3));
	for (n = hmap_iter_first(&m, &it); n; n = hmap_iter_next(&m, &it))
		seen++;
	assert_int_equal(seen, 10000);
	for (i = 0; i < 10000; i += 2)
		hmap_remove(&m, &items[i].node);
	assert_int_equal(hmap_count(&m), 5000);
	assert_null(lookup(&m, 0));
	assert_ptr_equal(lookup(&m, 7), &items[1]);
	hmap_destroy(&m);
	free(items);
}

static void test_hash_spreads(void **state)
{
	uint8_t a[16] = { 0 }, b[16] = { 0 };

	(void)state;
	b[15] = 1;
	assert_true(hash_bytes(a, 16, 0) != hash_bytes(b, 16, 0));
	assert_true(hash_bytes(a, 16, 0) != hash_bytes(a, 16, 1));
	assert_true(hash_bytes(a, 15, 0) != hash_bytes(a, 16, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_lookup_remove),
		cmocka_unit_test(test_hash_spreads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
