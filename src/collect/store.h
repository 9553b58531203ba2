/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store.h - the embedded flow store: SQLite rollups + IPFIX raw files
 *
 * Layout for --db FILE:
 *   FILE          SQLite (WAL): rollup, raw_file, exporter, alert, meta
 *   FILE.d/       raw records, one IPFIX file per rotation period,
 *                 named YYYYMMDDTHHMMSS-N.ipfix.zst (.ipfix.lz4 with
 *                 --raw-compress lz4, .ipfix with none)
 * A commit writes the open raw block, then in one transaction upserts the
 * rollups of exactly the records in the blocks written since the last
 * commit and records the raw file's new committed size. On open, a raw
 * file longer than its committed size (kill -9 between the two) is cut
 * back, so rollups and raw records always count the same records.
 */
#ifndef WS_STORE_H
#define WS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/flow.h"

struct collect_cfg;
struct sqlite3;

/* The schema every reader and writer agrees on (docs/collect.md). */
extern const char store_schema_sql[];
#define STORE_SCHEMA_VERSION 1

struct store_stats {
	uint64_t records_in;		/* flow records handed to the store */
	uint64_t raw_records;		/* committed to raw files */
	uint64_t raw_blocks, raw_bytes;
	uint64_t raw_dropped;		/* records lost: raw write failed */
	uint64_t raw_files, raw_files_deleted;
	uint64_t rollup_rows;		/* rows upserted */
	uint64_t rollup_dropped;	/* records whose rollups a failed commit lost */
	uint64_t rollup_overflow;	/* records that fell into 'other' for lack of room */
	uint64_t commits, commit_errors;
	uint64_t rows_deleted;		/* by retention */
	int last_errno;			/* of the last failed write */
};

struct store;

/* Open or create the store of @cfg->db (creating FILE.d/).
 * Return: the store, or NULL with a message in @err. */
struct store *store_open(const struct collect_cfg *cfg, char *err, size_t errlen);

/* Take @n records (flow records only are stored; others are ignored). */
void store_add(struct store *s, const struct flow_rec *recs, size_t n);

/* Write the open block, commit rollups and the raw index.
 * Return: 0, or -1 when something was lost (counted, logged rate-limited). */
int store_commit(struct store *s, int64_t now_ms);

/* Delete what retention says is too old or too much. Return: 0 or -1. */
int store_retention(struct store *s, int64_t now_ms);

/* Store exporter statistics (upsert into the exporter table). */
int store_exporter(struct store *s, const struct ip_addr *addr, const char *proto,
		   uint32_t domain, const struct flow_exp_stats *st);

void store_get_stats(const struct store *s, struct store_stats *st);

/* Commit and close. Return: what the last commit returned. */
int store_close(struct store *s, int64_t now_ms);

/* Open the database read-only for queries. Return: 0 or -1 (@err). */
int store_open_ro(const char *db, struct sqlite3 **out, char *err, size_t errlen);

/* The raw directory of @db ("DB.d"). */
void store_raw_dir(const char *db, char *buf, size_t len);

#endif
