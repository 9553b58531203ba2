/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode_bench.c - records/s/core of flow_decode() on a capture's payloads
 *
 * usage: decode_bench [-t SECONDS] [-p PORT=PROTO] FILE...
 *
 * Loads every UDP payload of the captures into memory (fragments
 * reassembled), decodes them once to learn templates, then decodes them
 * over and over with the same decoder into a sink that only counts, for
 * at least SECONDS of CPU time (default 2). Prints one line per run:
 *   decode_bench: FILE... packets=N records/pass=N passes=N cpu_s=F
 *   records_per_s=N ns_per_record=F
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow/flow.h"
#include "flow/pcapread.h"
#include "lib/opt.h"

struct bench_pkt {
	uint8_t *data;
	size_t len;
	struct ip_addr src;
	uint16_t sport, dport;
	int64_t ts_ms;
};

struct bench {
	struct bench_pkt *pkts;
	size_t n, cap;
	uint64_t records, checksum;
	uint16_t force_port;
	enum flow_proto force;
};

static void on_dgram(void *arg, const struct cap_dgram *d)
{
	struct bench *b = arg;
	struct bench_pkt *p;

	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 1024;
		struct bench_pkt *np = realloc(b->pkts, ncap * sizeof(*np));

		if (!np)
			return;
		b->pkts = np;
		b->cap = ncap;
	}
	p = &b->pkts[b->n];
	p->data = malloc(d->len ? d->len : 1);
	if (!p->data)
		return;
	memcpy(p->data, d->data, d->len);
	p->len = d->len;
	p->src = d->src;
	p->sport = d->sport;
	p->dport = d->dport;
	p->ts_ms = d->ts_ms;
	b->n++;
}

/* The null sink: count, and read one field so that nothing is elided. */
static void sink(void *arg, const struct flow_rec *recs, size_t n)
{
	struct bench *b = arg;
	size_t i;

	b->records += n;
	for (i = 0; i < n; i++)
		b->checksum += recs[i].bytes;
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void decode_all(struct bench *b, struct flow_decoder *d)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct bench_pkt *p = &b->pkts[i];
		struct flow_pkt fp = { .data = p->data, .len = p->len, .src = p->src,
				       .sport = p->sport, .recv_ms = p->ts_ms };

		flow_decode(d, &fp, p->dport == b->force_port ? b->force : FLOW_PROTO_NONE);
	}
}

int main(int argc, char **argv)
{
	struct bench b = { 0 };
	struct cap_reader cr;
	struct flow_decoder *d;
	double min_s = 2, t0, t1;
	uint64_t per_pass, passes = 0, ms;
	char err[512];
	int ch, i;

	while ((ch = getopt(argc, argv, "t:p:")) != -1) {
		switch (ch) {
		case 't':
			if (opt_duration_ms("decode_bench: -t", optarg, &ms) < 0)
				return EXIT_USAGE;
			min_s = (double)ms / 1000;
			break;
		case 'p': {
			char *eq = strchr(optarg, '=');
			uint32_t port;

			if (!eq)
				return EXIT_USAGE;
			*eq = '\0';
			if (opt_u32("decode_bench: -p", optarg, 1, 65535, &port) < 0)
				return EXIT_USAGE;
			b.force_port = (uint16_t)port;
			b.force = flow_proto_parse(eq + 1);
			break;
		}
		default:
			fprintf(stderr, "usage: decode_bench [-t SECONDS] [-p PORT=PROTO] FILE...\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc || cap_reader_init(&cr, NULL, on_dgram, &b) < 0) {
		fprintf(stderr, "usage: decode_bench [-t SECONDS] [-p PORT=PROTO] FILE...\n");
		return EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		if (cap_read_file(&cr, argv[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "decode_bench: %s: %s\n", argv[i], err);
			return EXIT_FAIL;
		}
	}
	cap_reader_free(&cr);
	d = flow_decoder_new(NULL, sink, &b);
	if (!d)
		return EXIT_FAIL;
	decode_all(&b, d);		/* learn templates */
	per_pass = b.records;
	if (!per_pass) {
		fprintf(stderr, "decode_bench: no records in the capture\n");
		return EXIT_FAIL;
	}
	b.records = 0;
	t0 = cpu_seconds();
	do {
		decode_all(&b, d);
		passes++;
		t1 = cpu_seconds();
	} while (t1 - t0 < min_s);
	printf("decode_bench:");
	for (i = optind; i < argc; i++)
		printf(" %s", argv[i]);
	printf(" packets=%zu records/pass=%llu passes=%llu cpu_s=%.3f records_per_s=%.0f "
	       "ns_per_record=%.1f checksum=%llu\n", b.n, (unsigned long long)per_pass,
	       (unsigned long long)passes, t1 - t0, (double)b.records / (t1 - t0),
	       (t1 - t0) * 1e9 / (double)b.records, (unsigned long long)(b.checksum & 0xffff));
	flow_decoder_free(d);
	for (size_t k = 0; k < b.n; k++)
		free(b.pkts[k].data);
	free(b.pkts);
	return 0;
}
