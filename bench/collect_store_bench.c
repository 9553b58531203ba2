/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * collect_store_bench.c - CPU per record of the collector's store path
 *
 * Feeds records shaped like ws-flowgen's (4 exporters, 65,536 sources,
 * 60,000 source ports) to the rollups alone and to the whole store
 * (rollups + raw IPFIX files + SQLite commits every 2,000,000 records,
 * i.e. every 2 s at 1M records/s) on one thread, once per raw codec (zstd
 * level 1, zstd level -5, lz4, none; or the one named), and prints CPU
 * nanoseconds per record and raw-file bytes per record.
 * Usage: collect_store_bench [RECORDS [DIR [ROLLUP_KEYS [CODEC]]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/collector.h"
#include "collect/rollup.h"
#include "collect/store.h"

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void mk(struct flow_rec *r, uint64_t i, int64_t now)
{
	uint64_t k = i % 65536;
	uint32_t src = 0x0a000000u | (uint32_t)k, dst = 0xcb007100u | (uint32_t)((k * 7) & 0xff);

	memset(r, 0, sizeof(*r));
	r->type = FLOW_REC_FLOW;
	r->proto_version = 10;
	r->ip_version = 4;
	r->exporter.family = 4;
	r->exporter.a[0] = 127;
	r->exporter.a[3] = (uint8_t)(1 + (i / 28) % 4);
	r->src.family = r->dst.family = 4;
	memcpy(r->src.a, (uint8_t[]){ src >> 24, src >> 16, src >> 8, src }, 4);
	memcpy(r->dst.a, (uint8_t[]){ dst >> 24, dst >> 16, dst >> 8, dst }, 4);
	r->src_port = (uint16_t)(1024 + (i * 13) % 60000);
	r->dst_port = ((const uint16_t[]){ 53, 80, 443, 123 })[i % 4];
	r->proto = i % 3 == 0 ? 6 : 17;
	r->packets = 1 + i % 10;
	r->bytes = r->packets * (64 + i % 1400);
	r->sampling_rate = 1;
	r->recv_ms = now;
	r->time_start_ms = now - 1000;
	r->time_end_ms = now;
	r->present = FF_BIT(FF_SRC) | FF_BIT(FF_DST) | FF_BIT(FF_SRC_PORT) |
		     FF_BIT(FF_DST_PORT) | FF_BIT(FF_PROTO) | FF_BIT(FF_BYTES) |
		     FF_BIT(FF_PACKETS) | FF_BIT(FF_TIME_START) | FF_BIT(FF_TIME_END) |
		     FF_BIT(FF_IN_IF) | FF_BIT(FF_OUT_IF);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 3000000, i, per = 2000000;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	struct flow_rec *recs = calloc(1024, sizeof(*recs));
	struct collect_cfg cfg;
	struct store *s;
	struct rollup *ru;
	int64_t now = 1700000000000;
	double t0, t_ru, t_store;
	char err[256];
	enum ipfix_codec codecs[4] = {
		IPFIX_CODEC_ZSTD, IPFIX_CODEC_ZSTD, IPFIX_CODEC_LZ4, IPFIX_CODEC_NONE,
	};
	int levels[4] = { 1, -5, 1, 1 };
	unsigned ncodec = 4, k;

	if (!recs)
		return 1;
	if (argc > 4 && strcmp(argv[4], "all")) {
		char name[16], *colon;

		ncodec = 1;
		snprintf(name, sizeof(name), "%s", argv[4]);
		colon = strchr(name, ':');
		if (colon) {
			*colon = 0;
			levels[0] = atoi(colon + 1);
		}
		if (ipfix_codec_parse(name, &codecs[0]) < 0)
			argc = 99;
	}
	if (argc > 5 || (argc > 1 && (n == 0 || argv[1][0] == '-'))) {
		fprintf(stderr, "usage: collect_store_bench [RECORDS [DIR [ROLLUP_KEYS [CODEC]]]]\n"
			"  RECORDS      records to feed (default 3000000)\n"
			"  DIR          where the store's files go (default /tmp)\n"
			"  ROLLUP_KEYS  rollup keys per dimension (default 16384)\n"
			"  CODEC        raw files: zstd[:LEVEL], lz4, none or all (default all:\n"
			"               zstd:1, zstd:-5, lz4, none)\n");
		free(recs);
		return 2;
	}
	/* the rollups alone */
	ru = rollup_new(argc > 3 ? (uint32_t)atoi(argv[3]) : 16384);
	t0 = cpu_ns();
	for (i = 0; i < n; i += 1024) {
		size_t j, m = n - i < 1024 ? (size_t)(n - i) : 1024;

		for (j = 0; j < m; j++)
			mk(&recs[j], i + j, now + (int64_t)((i + j) / 1000));
		rollup_add_many(ru, recs, m);
		if ((i + 1024) % per < 1024)
			rollup_reset(ru);
	}
	t_ru = cpu_ns() - t0;
	rollup_free(ru);
	/* making the records, to subtract */
	t0 = cpu_ns();
	for (i = 0; i < n; i += 1024) {
		size_t j, m = n - i < 1024 ? (size_t)(n - i) : 1024;

		for (j = 0; j < m; j++)
			mk(&recs[j], i + j, now + (int64_t)((i + j) / 1000));
		__asm__ volatile("" ::: "memory");
	}
	t0 = cpu_ns() - t0;
	t_ru -= t0;
	printf("%llu records: rollups %.0f ns/record\n", (unsigned long long)n, t_ru / (double)n);
	/* the whole store, per codec */
	for (k = 0; k < ncodec; k++) {
		struct store_stats ss;
		char cmd[16384], label[32];

		collect_cfg_defaults(&cfg);
		cfg.raw_compress = codecs[k];
		cfg.zstd_level = levels[k];
		snprintf(cfg.db, sizeof(cfg.db), "%s/ws-store-bench-%d.db", dir, (int)getpid());
		s = store_open(&cfg, err, sizeof(err));
		if (!s) {
			fprintf(stderr, "store: %s\n", err);
			return 1;
		}
		t_store = cpu_ns();
		for (i = 0; i < n; i += 1024) {
			size_t j, m = n - i < 1024 ? (size_t)(n - i) : 1024;

			for (j = 0; j < m; j++)
				mk(&recs[j], i + j, now + (int64_t)((i + j) / 1000));
			store_add(s, recs, m);
			if ((i + 1024) % per < 1024)
				store_commit(s, now + (int64_t)(i / 1000));
		}
		store_commit(s, now + (int64_t)(n / 1000));
		store_get_stats(s, &ss);
		store_close(s, now + (int64_t)(n / 1000));
		t_store = cpu_ns() - t_store - t0;
		if (codecs[k] == IPFIX_CODEC_ZSTD)
			snprintf(label, sizeof(label), "zstd:%d", levels[k]);
		else
			snprintf(label, sizeof(label), "%s", ipfix_codec_name(codecs[k]));
		printf("whole store, raw %-8s %4.0f ns/record, raw files %5.1f bytes/record\n",
		       label, t_store / (double)n,
		       (double)ss.raw_bytes / (double)(ss.raw_records ? ss.raw_records : 1));
		if (snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'-* '%s.d'", cfg.db, cfg.db,
			     cfg.db) < (int)sizeof(cmd) && system(cmd) != 0)
			return 1;
	}
	free(recs);
	return 0;
}
