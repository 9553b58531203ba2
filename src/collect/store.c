/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store.c - the embedded flow store: SQLite rollups + IPFIX raw files
 *
 * Theory of operation (see store.h for the layout)
 * Only the store thread calls in here. Records arrive through
 * store_add(): each goes into the rollup table and the open IPFIX block;
 * a full block is compressed and appended to the current raw file at
 * once. store_commit() appends the partial block, then runs one SQLite
 * transaction with the rollup upserts and the raw file's committed size.
 *
 * Failure policy, so the collector keeps receiving whatever the disk does:
 *  - a raw write fails (ENOSPC, EFBIG, EIO): the file is cut back to the
 *    block's start, the block's records are counted in raw_dropped (they
 *    are still in the rollups), a rate-limited warning names the error;
 *  - the transaction fails (disk full, I/O): it is rolled back, the raw
 *    file is cut back to its committed size, and every record since the
 *    last commit is counted in rollup_dropped and raw_dropped.
 * Either way the next commit starts clean. kill -9 at any point leaves a
 * raw file at most one transaction longer than its committed size; it is
 * cut back on open, and readers never read past the committed size.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect/collector.h"
#include "collect/rollup.h"
#include "collect/store.h"
#include "flow/ipfix_file.h"
#include "lib/log.h"
#include "lib/timeutil.h"

const char store_schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta(\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT NOT NULL);\n"
	"CREATE TABLE IF NOT EXISTS rollup(\n"
	"  minute INTEGER NOT NULL,          -- Unix time (s) of the minute of arrival\n"
	"  dim TEXT NOT NULL,                -- src dst srcnet dstnet srcport dstport proto ifin ifout srcas dstas\n"
	"  exporter TEXT NOT NULL,           -- exporter address\n"
	"  key TEXT NOT NULL,                -- the dimension's value, or 'other'\n"
	"  bytes INTEGER NOT NULL,           -- scaled by the sampling rate\n"
	"  packets INTEGER NOT NULL,         -- scaled by the sampling rate\n"
	"  flows INTEGER NOT NULL,\n"
	"  bytes_unscaled INTEGER NOT NULL,  -- as exported\n"
	"  packets_unscaled INTEGER NOT NULL,\n"
	"  PRIMARY KEY(dim, minute, exporter, key)) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS rollup_by_minute ON rollup(minute);\n"
	"CREATE TABLE IF NOT EXISTS raw_file(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  path TEXT NOT NULL UNIQUE,        -- relative to DB.d/\n"
	"  created_ms INTEGER NOT NULL,\n"
	"  first_ms INTEGER,                 -- arrival time of the first record\n"
	"  last_ms INTEGER,                  -- arrival time of the last record\n"
	"  records INTEGER NOT NULL DEFAULT 0,\n"
	"  size INTEGER NOT NULL DEFAULT 0,  -- committed bytes; read no further\n"
	"  closed INTEGER NOT NULL DEFAULT 0);\n"
	"CREATE TABLE IF NOT EXISTS exporter(\n"
	"  address TEXT NOT NULL,\n"
	"  protocol TEXT NOT NULL,           -- nf5 nf9 ipfix sflow5\n"
	"  domain INTEGER NOT NULL,\n"
	"  first_seen_ms INTEGER, last_seen_ms INTEGER,\n"
	"  packets INTEGER, records INTEGER, templates INTEGER,\n"
	"  seq_lost INTEGER, errors INTEGER, -- since the collector started\n"
	"  PRIMARY KEY(address, protocol, domain));\n"
	"CREATE TABLE IF NOT EXISTS alert(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  start_ms INTEGER NOT NULL, end_ms INTEGER,\n"
	"  kind TEXT NOT NULL, target TEXT NOT NULL, detail TEXT);\n";

#define RAW_FILE_MAX (256ull << 20)

struct store {
	struct collect_cfg cfg;
	sqlite3 *db;
	sqlite3_stmt *st_upsert, *st_rawupd;
	char rawdir[4200];
	struct rollup *ru;
	struct ipfix_fw *fw;
	/* the open raw file */
	int fd;
	int64_t file_id;
	int64_t file_created_mono;
	uint64_t committed, written;	/* bytes */
	uint64_t file_records;		/* committed */
	uint64_t pend_records;		/* written since the last commit */
	int64_t file_first_ms, file_last_ms;	/* committed */
	int64_t pend_first_ms, pend_last_ms;
	/* the open block */
	int64_t blk_first_ms, blk_last_ms;
	uint64_t since_commit;		/* records added since the last commit */
	struct store_stats st;
	struct log_rl rl;
};

void store_raw_dir(const char *db, char *buf, size_t len)
{
	snprintf(buf, len, "%s.d", db);
}

static int exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx_rl(&s->rl, "store: %s: %s", s->cfg.db, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Cut files that are longer than committed back, mark them closed. */
static int recover(struct store *s)
{
	sqlite3_stmt *q;
	char path[8400];
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT path, size FROM raw_file WHERE closed = 0",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct stat sb;
		int64_t size = sqlite3_column_int64(q, 1);

		snprintf(path, sizeof(path), "%s/%s", s->rawdir,
			 (const char *)sqlite3_column_text(q, 0));
		if (stat(path, &sb) == 0 && sb.st_size > size) {
			log_info("store: %s: cutting %lld uncommitted bytes left by a crash",
				 path, (long long)(sb.st_size - size));
			if (truncate(path, size) < 0)
				log_warn("store: %s: truncate", path);
		}
	}
	sqlite3_finalize(q);
	return exec(s, "UPDATE raw_file SET closed = 1 WHERE closed = 0");
}

struct store *store_open(const struct collect_cfg *cfg, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	struct log_rl rl = LOG_RL_INIT(10000, 3);

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->rl = rl;
	s->fd = -1;
	store_raw_dir(cfg->db, s->rawdir, sizeof(s->rawdir));
	if (cfg->raw && mkdir(s->rawdir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", s->rawdir, strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(cfg->db, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", cfg->db,
			 s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, store_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "INSERT OR IGNORE INTO meta VALUES('schema_version','1');",
			 NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", cfg->db, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (sqlite3_prepare_v2(s->db,
		"INSERT INTO rollup VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9) "
		"ON CONFLICT(dim, minute, exporter, key) DO UPDATE SET "
		"bytes = bytes + excluded.bytes, packets = packets + excluded.packets, "
		"flows = flows + excluded.flows, "
		"bytes_unscaled = bytes_unscaled + excluded.bytes_unscaled, "
		"packets_unscaled = packets_unscaled + excluded.packets_unscaled",
		-1, &s->st_upsert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
		"UPDATE raw_file SET size = ?2, records = ?3, first_ms = ?4, "
		"last_ms = ?5, closed = ?6 WHERE id = ?1", -1, &s->st_rawupd, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", cfg->db, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (recover(s) < 0) {
		snprintf(err, errlen, "%s: recovery failed: %s", cfg->db, sqlite3_errmsg(s->db));
		goto fail;
	}
	/* per dimension: 16 x the keys kept, in a table of 2 MiB or more */
	s->ru = rollup_new(cfg->rollup_keys < 1024 ? 16384 :
			   cfg->rollup_keys > 65536 ? 1u << 20 : cfg->rollup_keys * 16);
	s->fw = ipfix_fw_new(IPFIX_FILE_BLOCK_DEFAULT, cfg->raw_compress,
			     (int)cfg->zstd_level);
	if (!s->ru || !s->fw) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return s;
fail:
	store_close(s, 0);
	return NULL;
}

static int file_open(struct store *s, int64_t now_ms)
{
	char name[32], path[8400], iso[TIME_ISO_LEN];
	sqlite3_stmt *q;
	int64_t id;
	int i;

	time_fmt_iso_ms(now_ms, iso);
	/* 2026-01-02T03:04:05.678Z -> 20260102T030405 */
	for (i = 0, id = 0; iso[i] && iso[i] != '.' && id < 20; i++)
		if (iso[i] != '-' && iso[i] != ':')
			name[id++] = iso[i];
	name[id] = 0;
	for (i = 0; i < 1000; i++) {
		char n2[64];

		snprintf(n2, sizeof(n2), "%s-%d%s", name, i,
			 ipfix_codec_suffix(s->cfg.raw_compress));
		snprintf(path, sizeof(path), "%s/%s", s->rawdir, n2);
		s->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_APPEND, 0644);
		if (s->fd >= 0) {
			memcpy(name, n2, sizeof(name) - 1);
			name[sizeof(name) - 1] = 0;
			break;
		}
		if (errno != EEXIST)
			break;
	}
	if (s->fd < 0) {
		s->st.last_errno = errno;
		log_warnx_rl(&s->rl, "store: %s: cannot create a raw file: %s",
			     s->rawdir, strerror(errno));
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO raw_file(path, created_ms) VALUES(?, ?)",
			       -1, &q, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(q, 1, strrchr(path, '/') + 1, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, now_ms);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sqlite3_finalize(q);
		goto dberr;
	}
	sqlite3_finalize(q);
	s->file_id = sqlite3_last_insert_rowid(s->db);
	s->file_created_mono = (int64_t)time_mono_ms();
	s->committed = s->written = 0;
	s->file_records = s->pend_records = 0;
	s->file_first_ms = s->pend_first_ms = INT64_MAX;
	s->file_last_ms = s->pend_last_ms = INT64_MIN;
	s->st.raw_files++;
	return 0;
dberr:
	log_warnx_rl(&s->rl, "store: %s: %s", s->cfg.db, sqlite3_errmsg(s->db));
	close(s->fd);
	s->fd = -1;
	unlink(path);
	return -1;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Compress the open block and append it to the raw file. */
static void block_write(struct store *s, int64_t now_ms)
{
	size_t nrec = ipfix_fw_records(s->fw), len;
	const uint8_t *out;

	if (!nrec)
		return;
	if (ipfix_fw_finish(s->fw, now_ms, &out, &len) < 0) {
		s->st.raw_dropped += nrec;
		log_warnx_rl(&s->rl, "store: compressing a block failed; %zu records not in raw files",
			     nrec);
		return;
	}
	if (s->fd < 0 && file_open(s, now_ms) < 0) {
		s->st.raw_dropped += nrec;
		return;
	}
	if (write_all(s->fd, out, len) < 0) {
		int e = errno;

		s->st.last_errno = e;
		s->st.raw_dropped += nrec;
		if (ftruncate(s->fd, (off_t)s->written) < 0)
			log_warn("store: cutting a failed block");
		log_warnx_rl(&s->rl, "store: %s: writing raw records failed: %s; "
			     "%zu records kept in rollups only (raw_dropped %llu)",
			     s->rawdir, strerror(e), nrec,
			     (unsigned long long)s->st.raw_dropped);
		return;
	}
	s->written += len;
	s->pend_records += nrec;
	if (s->blk_first_ms < s->pend_first_ms)
		s->pend_first_ms = s->blk_first_ms;
	if (s->blk_last_ms > s->pend_last_ms)
		s->pend_last_ms = s->blk_last_ms;
	s->st.raw_blocks++;
	s->st.raw_bytes += len;
	s->blk_first_ms = INT64_MAX;
	s->blk_last_ms = INT64_MIN;
}

#define STORE_SLICE 64	/* records through rollups, then raw, while in the cache */

void store_add(struct store *s, const struct flow_rec *recs, size_t n)
{
	size_t i;

	for (; n > STORE_SLICE; recs += STORE_SLICE, n -= STORE_SLICE)
		store_add(s, recs, STORE_SLICE);
	rollup_add_many(s->ru, recs, n);
	for (i = 0; i < n; i++) {
		const struct flow_rec *r = &recs[i];

		if (r->type != FLOW_REC_FLOW)
			continue;
		s->st.records_in++;
		s->since_commit++;
		if (!s->cfg.raw)
			continue;
		if (!ipfix_fw_records(s->fw)) {
			s->blk_first_ms = r->recv_ms;
			s->blk_last_ms = r->recv_ms;
		}
		if (r->recv_ms < s->blk_first_ms)
			s->blk_first_ms = r->recv_ms;
		if (r->recv_ms > s->blk_last_ms)
			s->blk_last_ms = r->recv_ms;
		if (ipfix_fw_add(s->fw, r))
			block_write(s, r->recv_ms);
	}
}

static int upsert_row(void *arg, int64_t minute_s, enum rollup_dim dim,
		      const struct ip_addr *exporter, const char *key,
		      const struct rollup_val *v)
{
	struct store *s = arg;
	sqlite3_stmt *q = s->st_upsert;
	char ex[IP_ADDR_STRLEN];

	ip_addr_fmt(exporter, ex);
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, minute_s);
	sqlite3_bind_text(q, 2, rollup_dim_name(dim), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, ex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 5, (int64_t)v->bytes);
	sqlite3_bind_int64(q, 6, (int64_t)v->packets);
	sqlite3_bind_int64(q, 7, (int64_t)v->flows);
	sqlite3_bind_int64(q, 8, (int64_t)v->bytes_unscaled);
	sqlite3_bind_int64(q, 9, (int64_t)v->packets_unscaled);
	if (sqlite3_step(q) != SQLITE_DONE)
		return -1;
	s->st.rollup_rows++;
	return 0;
}

static int raw_index_update(struct store *s, bool close_it)
{
	sqlite3_stmt *q = s->st_rawupd;
	int64_t first = s->file_first_ms, last = s->file_last_ms;

	if (s->pend_first_ms < first)
		first = s->pend_first_ms;
	if (s->pend_last_ms > last)
		last = s->pend_last_ms;
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, s->file_id);
	sqlite3_bind_int64(q, 2, (int64_t)s->written);
	sqlite3_bind_int64(q, 3, (int64_t)(s->file_records + s->pend_records));
	if (first == INT64_MAX) {
		sqlite3_bind_null(q, 4);
		sqlite3_bind_null(q, 5);
	} else {
		sqlite3_bind_int64(q, 4, first);
		sqlite3_bind_int64(q, 5, last);
	}
	sqlite3_bind_int(q, 6, close_it);
	return sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
}

int store_commit(struct store *s, int64_t now_ms)
{
	bool rotate = false;
	uint64_t recs = s->since_commit;
	int rc;

	if (s->cfg.raw)
		block_write(s, now_ms);
	if (s->fd >= 0 &&
	    ((int64_t)time_mono_ms() - s->file_created_mono >= (int64_t)s->cfg.rotate_ms ||
	     s->written >= RAW_FILE_MAX ||
	     (s->cfg.retain_bytes && s->written >= s->cfg.retain_bytes / 8)))
		rotate = true;
	if (!recs && !rotate)
		return 0;
	if (exec(s, "BEGIN IMMEDIATE") < 0)
		goto fail;
	rc = rollup_emit(s->ru, s->cfg.rollup_keys, upsert_row, s);
	if (rc || (s->fd >= 0 && raw_index_update(s, rotate) < 0))
		goto rollback;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	s->st.commits++;
	s->st.rollup_overflow += rollup_overflow(s->ru);
	rollup_reset(s->ru);
	s->since_commit = 0;
	if (s->fd >= 0) {
		s->committed = s->written;
		s->file_records += s->pend_records;
		s->st.raw_records += s->pend_records;
		if (s->pend_first_ms < s->file_first_ms)
			s->file_first_ms = s->pend_first_ms;
		if (s->pend_last_ms > s->file_last_ms)
			s->file_last_ms = s->pend_last_ms;
		s->pend_records = 0;
		s->pend_first_ms = INT64_MAX;
		s->pend_last_ms = INT64_MIN;
		if (rotate) {
			close(s->fd);
			s->fd = -1;
		}
	}
	return 0;
rollback:
	log_warnx_rl(&s->rl, "store: %s: commit failed: %s; %llu records lost",
		     s->cfg.db, sqlite3_errmsg(s->db), (unsigned long long)recs);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
fail:
	s->st.commit_errors++;
	s->st.rollup_dropped += recs;
	s->st.raw_dropped += s->pend_records;
	rollup_reset(s->ru);
	s->since_commit = 0;
	if (s->fd >= 0) {
		if (ftruncate(s->fd, (off_t)s->committed) < 0)
			log_warn("store: cutting uncommitted raw records");
		s->written = s->committed;
		s->pend_records = 0;
		s->pend_first_ms = INT64_MAX;
		s->pend_last_ms = INT64_MIN;
	}
	return -1;
}

int store_exporter(struct store *s, const struct ip_addr *addr, const char *proto,
		   uint32_t domain, const struct flow_exp_stats *st)
{
	static const char sql[] =
		"INSERT INTO exporter VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) "
		"ON CONFLICT(address, protocol, domain) DO UPDATE SET "
		"last_seen_ms = excluded.last_seen_ms, packets = excluded.packets, "
		"records = excluded.records, templates = excluded.templates, "
		"seq_lost = excluded.seq_lost, errors = excluded.errors";
	sqlite3_stmt *q;
	char a[IP_ADDR_STRLEN];
	uint64_t errs = 0;
	int i, rc;

	for (i = 1; i < FE__COUNT; i++)
		errs += st->errors[i];
	ip_addr_fmt(addr, a);
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, proto, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, domain);
	sqlite3_bind_int64(q, 4, st->first_seen_ms);
	sqlite3_bind_int64(q, 5, st->last_seen_ms);
	sqlite3_bind_int64(q, 6, (int64_t)st->packets);
	sqlite3_bind_int64(q, 7, (int64_t)st->records);
	sqlite3_bind_int64(q, 8, (int64_t)st->templates);
	sqlite3_bind_int64(q, 9, (int64_t)st->seq_lost);
	sqlite3_bind_int64(q, 10, (int64_t)errs);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	return rc;
}

/* Delete one raw file and its row. */
static int raw_delete(struct store *s, int64_t id, const char *name)
{
	char path[8400], sql[96];

	snprintf(path, sizeof(path), "%s/%s", s->rawdir, name);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("store: retention: %s", path);
	snprintf(sql, sizeof(sql), "DELETE FROM raw_file WHERE id = %lld", (long long)id);
	s->st.raw_files_deleted++;
	return exec(s, sql);
}

int store_retention(struct store *s, int64_t now_ms)
{
	sqlite3_stmt *q;
	char sql[160];
	int64_t total = 0;
	int rc = 0;

	if (s->cfg.rollup_retain_ms) {
		int64_t cut = now_ms - (int64_t)s->cfg.rollup_retain_ms;

		snprintf(sql, sizeof(sql), "DELETE FROM rollup WHERE minute < %lld",
			 (long long)(cut / 1000 / 60 * 60));
		if (exec(s, sql) < 0)
			rc = -1;
		s->st.rows_deleted += (uint64_t)sqlite3_changes(s->db);
	}
	/* raw files: oldest first, while too old or too many bytes; files
	 * being written (by any store pipeline: closed = 0) and the newest stay */
	if (sqlite3_prepare_v2(s->db, "SELECT sum(size) FROM raw_file", -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		total = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(s->db, "SELECT id, path, size, coalesce(last_ms, created_ms) "
			       "FROM raw_file WHERE id != ?1 AND closed != 0 AND id != (SELECT max(id) FROM raw_file) "
			       "ORDER BY id", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, s->fd >= 0 ? s->file_id : -1);
	for (;;) {
		int64_t id, size, last;
		char name[256];
		bool old, big;

		if (sqlite3_step(q) != SQLITE_ROW)
			break;
		id = sqlite3_column_int64(q, 0);
		snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(q, 1));
		size = sqlite3_column_int64(q, 2);
		last = sqlite3_column_int64(q, 3);
		old = s->cfg.retain_ms && last < now_ms - (int64_t)s->cfg.retain_ms;
		big = s->cfg.retain_bytes && total > (int64_t)s->cfg.retain_bytes;
		if (!old && !big)
			break;
		if (raw_delete(s, id, name) < 0)
			rc = -1;
		total -= size;
	}
	sqlite3_finalize(q);
	return rc;
}

void store_get_stats(const struct store *s, struct store_stats *st)
{
	*st = s->st;
}

int store_close(struct store *s, int64_t now_ms)
{
	int rc = 0;

	if (!s)
		return 0;
	if (s->db && s->fw && s->ru) {
		rc = store_commit(s, now_ms);
		if (s->fd >= 0) {
			exec(s, "BEGIN IMMEDIATE");
			raw_index_update(s, true);
			exec(s, "COMMIT");
		}
	}
	if (s->fd >= 0)
		close(s->fd);
	sqlite3_finalize(s->st_upsert);
	sqlite3_finalize(s->st_rawupd);
	if (s->db)
		sqlite3_close(s->db);
	rollup_free(s->ru);
	ipfix_fw_free(s->fw);
	free(s);
	return rc;
}

int store_open_ro(const char *db, struct sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *q;

	if (access(db, R_OK) < 0) {
		snprintf(err, errlen, "%s: %s", db, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db, h ? sqlite3_errmsg(h) : "cannot open");
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, 5000);
	if (sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = 'schema_version'",
			       -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: not a wanscope flow database (%s)", db,
			 sqlite3_errmsg(h));
		sqlite3_close(h);
		return -1;
	}
	sqlite3_finalize(q);
	*out = h;
	return 0;
}
