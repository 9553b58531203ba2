/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * collector.h - the flow collector: UDP receive threads, decoders, store
 *
 * Used by `wanscope collect` (command line) and `wanscope run` (config
 * file). collector_start() opens the sockets and the store and starts the
 * threads; the caller's main loop calls collector_tick() about once a
 * second (statistics file, exporter table) and collector_stop() at the
 * end, which drains the sockets and flushes everything to the store.
 */
#ifndef WS_COLLECTOR_H
#define WS_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "flow/flow.h"
#include "lib/addr.h"
#include "flow/ipfix_file.h"
#include "lib/conf.h"

#define COLLECT_MAX_LISTEN 16
#define COLLECT_MAX_ALLOW 64
#define COLLECT_MAX_THREADS 16

/* One "udp://HOST:PORT" listener. */
struct collect_listen {
	struct ip_addr addr;	/* family 0 never: [::] is family 6, all zero */
	uint16_t port;
	char url[80];
};

struct collect_cfg {
	struct collect_listen listen[COLLECT_MAX_LISTEN];
	unsigned nlisten;
	struct ip_prefix allow[COLLECT_MAX_ALLOW];
	unsigned nallow;		/* 0 = every exporter is allowed */
	char db[4096];			/* SQLite file; raw files in DB.d/ */
	char stats_file[4096];		/* "" = DB.stats.json */
	unsigned threads;		/* receive threads (SO_REUSEPORT); 0 = auto */
	uint64_t rcvbuf;		/* SO_RCVBUF bytes per socket */
	uint64_t queue_records;		/* records between receive and store */
	uint64_t retain_ms;		/* raw files older than this: deleted */
	uint64_t rollup_retain_ms;	/* rollup rows older than this: deleted */
	uint64_t retain_bytes;		/* raw files beyond this size: deleted */
	uint64_t rotate_ms;		/* a new raw file after this long */
	uint64_t commit_ms;		/* store commit interval */
	uint32_t rollup_keys;		/* keys kept per dimension per commit */
	int32_t zstd_level;		/* -7..19; below 1: zstd's fast levels */
	enum ipfix_codec raw_compress;	/* how raw blocks are written */
	uint32_t sampling_override;	/* 0 = as exported */
	uint32_t default_sampling;	/* when the exporter names no rate */
	/* per-exporter rates, both kinds (see struct flow_sampling_rule) */
	struct flow_sampling_rule sampling_rules[FLOW_MAX_SAMPLING_RULES];
	unsigned nsampling_rules;
	bool raw;			/* store raw records (else rollups only) */
};

#define COLLECT_ZSTD_MIN (-7)
#define COLLECT_ZSTD_MAX 19

/* Parse a zstd level, COLLECT_ZSTD_MIN..COLLECT_ZSTD_MAX.
 * Return: 0, or -1 with a message in @err. */
int collect_zstd_level_parse(const char *s, int32_t *level, char *err, size_t errlen);

/* Defaults (the values in collect --help and the config table). */
void collect_cfg_defaults(struct collect_cfg *cfg);
/* Receive threads for threads = 0: the CPUs, at most 4. */
unsigned collect_auto_threads(void);

/* The collector's options for `wanscope run` config files ("collect.*"). */
extern const struct conf_opt collect_conf_opts[];
extern const size_t collect_conf_nopts;

/* Parse "udp://HOST:PORT" (HOST an address, IPv6 in brackets; an empty
 * HOST means [::]). Return: 0, or -1 with a message in @err. */
int collect_listen_parse(const char *url, struct collect_listen *l,
			 char *err, size_t errlen);

/* The statistics file a collector with @cfg writes. */
void collect_stats_path(const struct collect_cfg *cfg, char *buf, size_t len);

struct collector;

/* Open sockets and store, start the threads.
 * Return: the collector, or NULL after logging why (startup errors). */
struct collector *collector_start(const struct collect_cfg *cfg);

/* Once a second from the owner's loop: statistics file, exporter table,
 * warnings. */
void collector_tick(struct collector *c);

/* Log the statistics (SIGUSR1). */
void collector_log_stats(struct collector *c);

/* Drain the sockets, flush decoders and store, stop threads, free.
 * Return: 0, or -1 when the store could not take everything (logged). */
int collector_stop(struct collector *c);

#endif
