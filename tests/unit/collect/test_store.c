/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store.c - the flow store: commit, crash recovery, retention */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/collector.h"
#include "collect/store.h"
#include "flow/ipfix_file.h"
#include "lib/timeutil.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ws-test-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void cfg_init(struct collect_cfg *cfg, const char *name)
{
	collect_cfg_defaults(cfg);
	snprintf(cfg->db, sizeof(cfg->db), "%s/%s", dir, name);
}

static struct flow_rec mk(int i, int64_t recv_ms)
{
	struct flow_rec r;

	memset(&r, 0, sizeof(r));
	r.type = FLOW_REC_FLOW;
	r.proto_version = FLOW_PROTO_NF5;
	ip_addr_set4u(&r.exporter, 0xc0000201);
	ip_addr_set4u(&r.src, 0x0a000000u + (uint32_t)(i % 50));
	ip_addr_set4u(&r.dst, 0xcb007100u + (uint32_t)(i % 9));
	r.ip_version = 4;
	r.proto = 17;
	r.dst_port = 53;
	r.bytes = 100;
	r.packets = 2;
	r.sampling_rate = 1;
	r.recv_ms = recv_ms;
	r.present = FF_BIT(FF_SRC) | FF_BIT(FF_DST) | FF_BIT(FF_PROTO) |
		    FF_BIT(FF_DST_PORT) | FF_BIT(FF_BYTES) | FF_BIT(FF_PACKETS);
	return r;
}

static int64_t q1(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static int count_rec(void *arg, const struct flow_rec *r)
{
	(void)r;
	(*(uint64_t *)arg)++;
	return 0;
}

/* Records in every raw file, read up to the committed size. */
static uint64_t raw_count(const char *db, bool whole_files)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	uint64_t n = 0;
	char path[4400];

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT path, size FROM raw_file", -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(path, sizeof(path), "%s.d/%s", db, sqlite3_column_text(st, 0));
		assert_int_equal(ipfix_file_read(path, whole_files ? 0 :
				 (uint64_t)sqlite3_column_int64(st, 1), count_rec, &n, NULL), 0);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void test_commit(void **state)
{
	struct collect_cfg cfg;
	struct store_stats ss;
	char err[256];
	struct store *s;
	int64_t now = time_real_ms();
	int i;

	(void)state;
	cfg_init(&cfg, "a.db");
	s = store_open(&cfg, err, sizeof(err));
	assert_non_null(s);
	for (i = 0; i < 20000; i++) {
		struct flow_rec r = mk(i, now);

		store_add(s, &r, 1);
	}
	assert_int_equal(store_commit(s, now), 0);
	store_get_stats(s, &ss);
	assert_int_equal(ss.records_in, 20000);
	assert_int_equal(ss.raw_records, 20000);
	assert_int_equal(ss.raw_dropped + ss.rollup_dropped, 0);
	assert_int_equal(store_close(s, now), 0);
	assert_int_equal(q1(cfg.db, "SELECT sum(flows) FROM rollup WHERE dim = 'dst'"), 20000);
	assert_int_equal(q1(cfg.db, "SELECT sum(bytes) FROM rollup WHERE dim = 'src'"), 2000000);
	assert_int_equal(q1(cfg.db, "SELECT sum(records) FROM raw_file"), 20000);
	assert_int_equal(q1(cfg.db, "SELECT count(*) FROM raw_file WHERE closed = 0"), 0);
	assert_int_equal(raw_count(cfg.db, false), 20000);
}

/* kill -9 between the raw write and the commit: bytes past the committed
 * size; reopening cuts them, and rollups and raw agree. */
static void test_recovery(void **state)
{
	struct collect_cfg cfg;
	char err[256], path[4400];
	struct store *s;
	int64_t now = time_real_ms();
	int i, fd;

	(void)state;
	cfg_init(&cfg, "b.db");
	s = store_open(&cfg, err, sizeof(err));
	assert_non_null(s);
	for (i = 0; i < 1000; i++) {
		struct flow_rec r = mk(i, now);

		store_add(s, &r, 1);
	}
	assert_int_equal(store_commit(s, now), 0);
	assert_int_equal(store_close(s, now), 0);
	/* what a crash leaves: a committed file plus a torn tail */
	snprintf(path, sizeof(path), "%s.d/%s", cfg.db, "x");
	{
		sqlite3 *h;
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_open(cfg.db, &h), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT path FROM raw_file", -1, &st,
						    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		snprintf(path, sizeof(path), "%s.d/%s", cfg.db, sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		assert_int_equal(sqlite3_exec(h, "UPDATE raw_file SET closed = 0", NULL, NULL,
					      NULL), SQLITE_OK);
		sqlite3_close(h);
	}
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x28\xb5\x2f\xfd garbage of a torn block", 28), 28);
	close(fd);
	assert_int_equal(raw_count(cfg.db, true), 1000);	/* torn tail skipped */
	s = store_open(&cfg, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_close(s, now), 0);
	{
		struct stat sb;

		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_size, q1(cfg.db, "SELECT size FROM raw_file"));
	}
	assert_int_equal(raw_count(cfg.db, true), 1000);
	assert_int_equal(q1(cfg.db, "SELECT sum(flows) FROM rollup WHERE dim = 'proto'"), 1000);
}

static void test_retention(void **state)
{
	struct collect_cfg cfg;
	struct store_stats ss;
	char err[256];
	struct store *s;
	int64_t now = time_real_ms(), day = 86400000;
	int i, f;

	(void)state;
	cfg_init(&cfg, "c.db");
	cfg.rotate_ms = 1;		/* every commit closes its file */
	cfg.retain_ms = 3 * day;
	cfg.rollup_retain_ms = 5 * day;
	cfg.retain_bytes = 0;
	s = store_open(&cfg, err, sizeof(err));
	assert_non_null(s);
	for (f = 0; f < 10; f++) {	/* one file per day, 9 days ago .. today */
		for (i = 0; i < 100; i++) {
			struct flow_rec r = mk(i, now - (9 - f) * day);

			store_add(s, &r, 1);
		}
		assert_int_equal(store_commit(s, now), 0);
		usleep(2000);	/* the file is now older than rotate: closed */
		assert_int_equal(store_commit(s, now), 0);
	}
	assert_int_equal(q1(cfg.db, "SELECT count(*) FROM raw_file"), 10);
	assert_int_equal(store_retention(s, now), 0);
	/* raw: files of 3 days ago up to today (the 6 older go); rollups:
	 * 5 days ago up to today (the cut-off itself is kept) */
	assert_int_equal(q1(cfg.db, "SELECT count(*) FROM raw_file"), 4);
	assert_int_equal(q1(cfg.db, "SELECT sum(flows) FROM rollup WHERE dim = 'dst'"), 600);
	assert_int_equal(raw_count(cfg.db, false), 400);
	store_get_stats(s, &ss);
	assert_int_equal(ss.raw_files_deleted, 6);
	assert_int_equal(store_close(s, now), 0);

	/* by size: keep the newest files within the limit */
	cfg_init(&cfg, "d.db");
	cfg.rotate_ms = 1;
	cfg.retain_bytes = 1;		/* everything but the newest goes */
	s = store_open(&cfg, err, sizeof(err));
	assert_non_null(s);
	for (f = 0; f < 4; f++) {
		for (i = 0; i < 100; i++) {
			struct flow_rec r = mk(i, now);

			store_add(s, &r, 1);
		}
		assert_int_equal(store_commit(s, now), 0);
		usleep(2000);	/* the file is now older than rotate: closed */
		assert_int_equal(store_commit(s, now), 0);
	}
	assert_int_equal(store_retention(s, now), 0);
	assert_int_equal(q1(cfg.db, "SELECT count(*) FROM raw_file"), 1);
	assert_int_equal(q1(cfg.db, "SELECT sum(flows) FROM rollup WHERE dim = 'dst'"), 400);
	assert_int_equal(store_close(s, now), 0);
}

/* The codec changes between runs: one directory holds zstd, LZ4 and plain
 * files; all of them read, and retention deletes across kinds. */
static void test_mixed_codecs(void **state)
{
	static const enum ipfix_codec codecs[] = {
		IPFIX_CODEC_ZSTD, IPFIX_CODEC_LZ4, IPFIX_CODEC_NONE, IPFIX_CODEC_LZ4,
	};
	struct collect_cfg cfg;
	char err[256], sql[200];
	struct store *s;
	int64_t now = time_real_ms();
	unsigned k;
	int i;

	(void)state;
	for (k = 0; k < 4; k++) {
		cfg_init(&cfg, "e.db");
		cfg.raw_compress = codecs[k];
		s = store_open(&cfg, err, sizeof(err));
		assert_non_null(s);
		for (i = 0; i < 1000; i++) {
			struct flow_rec r = mk(i, now);

			store_add(s, &r, 1);
		}
		assert_int_equal(store_commit(s, now), 0);
		assert_int_equal(store_close(s, now), 0);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM raw_file WHERE path LIKE '%%%s'",
			 ipfix_codec_suffix(codecs[k]));
		assert_true(q1(cfg.db, sql) >= 1);
	}
	assert_int_equal(q1(cfg.db, "SELECT count(*) FROM raw_file"), 4);
	assert_int_equal(q1(cfg.db, "SELECT count(*) FROM raw_file WHERE path LIKE '%.ipfix'"), 1);
	assert_int_equal(raw_count(cfg.db, false), 4000);
	assert_int_equal(raw_count(cfg.db, true), 4000);
	/* the plain file is much bigger than the compressed ones */
	assert_true(q1(cfg.db, "SELECT size FROM raw_file WHERE path LIKE '%.ipfix'") >
		    3 * q1(cfg.db, "SELECT max(size) FROM raw_file WHERE path NOT LIKE '%.ipfix'"));
	/* by size: only the newest (LZ4) file stays */
	cfg.retain_bytes = 1;
	s = store_open(&cfg, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_retention(s, now), 0);
	assert_int_equal(store_close(s, now), 0);
	assert_int_equal(q1(cfg.db, "SELECT count(*) FROM raw_file"), 1);
	assert_int_equal(q1(cfg.db, "SELECT count(*) FROM raw_file WHERE path LIKE '%.ipfix.lz4'"), 1);
	assert_int_equal(raw_count(cfg.db, false), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_mixed_codecs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
