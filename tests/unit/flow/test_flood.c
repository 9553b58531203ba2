/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_flood.c - the decoder's memory stays bounded under state floods
 *
 * Each scenario runs in a child process so its peak RSS (getrusage) is its
 * own: 100k distinct template ids over many exporters and domains, data
 * sets for templates that never come, an exporter+domain flood and an
 * sFlow sample-source flood, with the default limits and with small ones.
 * The counters must show the limits were hit (template_limit,
 * pending_limit, exporter_limit), the charged state must never pass
 * max_state_bytes, and the peak RSS must stay under
 *
 *   max_state_bytes + max_exporters * FLOOD_PER_EXPORTER + FLOOD_SLACK
 *
 * (the fixed per exporter+domain state is ~3.6 KiB; the slack covers the
 * test program, allocator overhead and fragmentation). Sanitizer builds
 * skip the RSS bound: their shadow memory and quarantine are not ours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "flowtest.h"

#if defined(__SANITIZE_ADDRESS__)
#define FLOOD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FLOOD_SANITIZED 1
#endif
#endif
#ifndef FLOOD_SANITIZED
#define FLOOD_SANITIZED 0
#endif

#define FLOOD_PER_EXPORTER 4096u	/* bytes, rounded up from ~3.6 KiB */
#define FLOOD_SLACK (48u << 20)
#define MIB (1u << 20)

struct flood_result {
	struct flow_totals t;
	uint64_t max_state;	/* the effective max_state_bytes */
	uint64_t exporters_max;
	long maxrss_kib;
};

static void count_sink(void *arg, const struct flow_rec *r, size_t n)
{
	(void)r;
	*(uint64_t *)arg += n;
}

static void feed(struct flow_decoder *d, const struct pb *p, uint32_t src, int64_t now)
{
	struct flow_pkt pkt = { .data = p->b, .len = p->n, .recv_ms = now };

	ip_addr_set4u(&pkt.src, src);
	flow_decode(d, &pkt, FLOW_PROTO_NONE);
}

/* IPFIX templates of @nfields fields, as many per message as fit. */
static void flood_templates(struct flow_decoder *d, unsigned exporters,
			    unsigned domains, unsigned per, unsigned nfields)
{
	static struct pb p;
	unsigned x, dom, k, f;

	for (x = 0; x < exporters; x++) {
		for (dom = 0; dom < domains; dom++) {
			for (k = 0; k < per;) {
				size_t s;

				pb_ipfix_hdr(&p, 1700000000u, 0, dom);
				s = pb_set_begin(&p, 2);
				for (; k < per && p.n + 4 + nfields * 4 < 60000; k++) {
					pb_u16(&p, 256 + k);
					pb_u16(&p, nfields);
					for (f = 0; f < nfields; f++)
						pb_field(&p, 1000 + f, 4, 0);
				}
				pb_set_end(&p, s);
				pb_ipfix_end(&p);
				feed(d, &p, 0x0a000000u + x, 1700000000000);
			}
		}
	}
}

/* Data sets for template ids that never get a template. */
static void flood_pending(struct flow_decoder *d, unsigned exporters,
			  unsigned msgs, size_t set_len)
{
	static struct pb p;
	unsigned x, k;

	for (x = 0; x < exporters; x++) {
		for (k = 0; k < msgs; k++) {
			size_t s;

			pb_ipfix_hdr(&p, 1700000000u, 0, 7);
			s = pb_set_begin(&p, 256 + k % 1000);
			memset(p.b + p.n, 0xab, set_len);
			p.n += set_len;
			pb_set_end(&p, s);
			pb_ipfix_end(&p);
			feed(d, &p, 0x0b000000u + x, 1700000000000);
		}
	}
}

/* One NetFlow v9 packet per (address, source id). */
static void flood_exporters(struct flow_decoder *d, unsigned n)
{
	static struct pb p;
	unsigned i;

	for (i = 0; i < n; i++) {
		pb_nf9_hdr(&p, 0, 1000, 1700000000u, i, i);
		feed(d, &p, 0x0c000000u + i % 16, 1700000000000);
	}
}

/* sFlow datagrams from @agents agents, each with @sources counter
 * samples from distinct data sources. */
static void flood_sflow(struct flow_decoder *d, unsigned agents, unsigned sources)
{
	static struct pb p;
	unsigned a, s, i;

	for (a = 0; a < agents; a++) {
		for (s = 0; s < sources;) {
			unsigned start = s;

			p.n = 0;
			pb_u32(&p, 5);
			pb_u32(&p, 1);
			pb_u32(&p, 0x0d000000u + a);
			pb_u32(&p, 0);
			pb_u32(&p, s / 256);
			pb_u32(&p, 1000);
			pb_u32(&p, 0);		/* nsamples, patched */
			for (i = 0; i < 256 && s < sources; i++, s++) {
				pb_u32(&p, 4);	/* expanded counters sample */
				pb_u32(&p, 16);
				pb_u32(&p, 1);	/* sequence */
				pb_u32(&p, 0);	/* source type */
				pb_u32(&p, s + 1);	/* source index */
				pb_u32(&p, 0);	/* no records */
			}
			p.b[24] = (uint8_t)((s - start) >> 24);
			p.b[25] = (uint8_t)((s - start) >> 16);
			p.b[26] = (uint8_t)((s - start) >> 8);
			p.b[27] = (uint8_t)(s - start);
			feed(d, &p, 0x7f000001, 1700000000000);
		}
	}
}

enum scenario { SC_TEMPLATES, SC_PENDING, SC_EXPORTERS, SC_SFLOW, SC_SMALL };

static void scenario_run(enum scenario sc, struct flood_result *res)
{
	struct flow_decoder_cfg cfg = { 0 };
	struct flow_decoder *d;
	uint64_t nrec = 0;
	struct rusage ru;

	if (sc == SC_SMALL) {
		cfg.max_exporters = 64;
		cfg.max_templates = 16;
		cfg.pending_bytes = 8192;
		cfg.max_state_bytes = MIB / 2;
	}
	d = flow_decoder_new(&cfg, count_sink, &nrec);
	if (!d)
		exit(3);
	switch (sc) {
	case SC_TEMPLATES:	/* 500 exporter+domains x 200 ids = 100k */
		flood_templates(d, 50, 10, 200, 200);
		break;
	case SC_PENDING:	/* 4096 exporters x 256 KiB pending = 1 GiB */
		flood_pending(d, 4096, 190, 1400);
		break;
	case SC_EXPORTERS:
		flood_exporters(d, 10000);
		break;
	case SC_SFLOW:		/* 4096 agents x 1024 sources */
		flood_sflow(d, 4096, 1024);
		break;
	case SC_SMALL:
		flood_pending(d, 10, 40, 1000);
		flood_templates(d, 10, 5, 1000, 50);
		flood_exporters(d, 200);
		flood_sflow(d, 8, 1024);
		break;
	}
	flow_decoder_totals(d, &res->t);
	res->max_state = sc == SC_SMALL ? cfg.max_state_bytes : (uint64_t)256 * MIB;
	res->exporters_max = sc == SC_SMALL ? cfg.max_exporters : 4096;
	flow_decoder_flush(d);
	flow_decoder_free(d);
	getrusage(RUSAGE_SELF, &ru);
	res->maxrss_kib = ru.ru_maxrss;
}

/* Run @sc in a child; its result comes back through a pipe. */
static struct flood_result scenario(enum scenario sc, const char *name)
{
	struct flood_result res;
	int fd[2], st;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		memset(&res, 0, sizeof(res));
		scenario_run(sc, &res);
		if (write(fd[1], &res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(fd[1]);
	assert_int_equal(read(fd[0], &res, sizeof(res)), (ssize_t)sizeof(res));
	close(fd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("# %s: peak RSS %ld KiB, state peak %llu KiB (cap %llu KiB), "
	       "template_limit %llu, pending_limit %llu, exporter_limit %llu, "
	       "exporters %llu\n", name, res.maxrss_kib,
	       (unsigned long long)res.t.state_bytes_peak / 1024,
	       (unsigned long long)res.max_state / 1024,
	       (unsigned long long)res.t.errors[FE_TEMPLATE_LIMIT],
	       (unsigned long long)res.t.errors[FE_PENDING_LIMIT],
	       (unsigned long long)res.t.errors[FE_EXPORTER_LIMIT],
	       (unsigned long long)res.t.exporters);
	assert_true(res.t.state_bytes_peak <= res.max_state);
	assert_true(res.t.exporters <= res.exporters_max);
	if (!FLOOD_SANITIZED)
		assert_true((uint64_t)res.maxrss_kib * 1024 <=
			    res.max_state + res.exporters_max * FLOOD_PER_EXPORTER +
			    FLOOD_SLACK);
	return res;
}

static void test_template_flood(void **state)
{
	struct flood_result r = scenario(SC_TEMPLATES, "100k templates, defaults");

	(void)state;
	assert_true(r.t.errors[FE_TEMPLATE_LIMIT] > 0);
	assert_true(r.t.state_bytes_peak > r.max_state - 64 * 1024);
}

static void test_pending_flood(void **state)
{
	struct flood_result r = scenario(SC_PENDING, "pending flood, defaults");

	(void)state;
	assert_true(r.t.errors[FE_PENDING_LIMIT] > 0);
	assert_int_equal(r.t.errors[FE_EXPORTER_LIMIT], 0);
}

static void test_exporter_flood(void **state)
{
	struct flood_result r = scenario(SC_EXPORTERS, "exporter flood, defaults");

	(void)state;
	/* none of them ever sent a record or template: the oldest make room */
	assert_int_equal(r.t.exporters, 4096);
	assert_int_equal(r.t.errors[FE_EXPORTER_LIMIT], 0);
	assert_int_equal(r.t.exporters_evicted, 10000 - 4096);
}

static void test_sflow_flood(void **state)
{
	struct flood_result r = scenario(SC_SFLOW, "sFlow source flood, defaults");

	(void)state;
	assert_int_equal(r.t.exporters, 4096);
	assert_int_equal(r.t.counters, 0);
}

static void test_small_limits(void **state)
{
	struct flood_result r = scenario(SC_SMALL, "all floods, small limits");

	(void)state;
	assert_true(r.t.errors[FE_TEMPLATE_LIMIT] > 0);
	assert_true(r.t.errors[FE_PENDING_LIMIT] > 0);
	assert_true(r.t.exporters_evicted > 0);
	assert_int_equal(r.t.exporters, 64);
	assert_true(r.t.state_bytes_peak > r.max_state / 2);
}

/* A NetFlow v5 packet with one record (1 packet, 64 bytes). */
static void nf5_one(struct pb *p, uint32_t seq)
{
	p->n = 0;
	pb_u16(p, 5);
	pb_u16(p, 1);
	pb_u32(p, 100000);
	pb_u32(p, 1700000000u);
	pb_u32(p, 0);
	pb_u32(p, seq);
	pb_u32(p, 0);		/* engine type, id, sampling */
	pb_ip4(p, 10, 0, 0, 1);
	pb_ip4(p, 10, 0, 0, 2);
	pb_zero(p, 8);		/* next hop, input, output */
	pb_u32(p, 1);
	pb_u32(p, 64);
	pb_u32(p, 99000);
	pb_u32(p, 99500);
	pb_zero(p, 16);
}

/*
 * Spoofed sources fill the table, then real exporters arrive: they get
 * in (the untrusted entries make room, their pending state is given
 * back), and once the table is full of exporters that did send records,
 * a newcomer is refused and counted.
 */
static void test_flood_does_not_lock_out(void **state)
{
	struct flow_decoder_cfg cfg = { .max_exporters = 32 };
	struct flow_totals t;
	struct flow_decoder *d;
	uint64_t nrec = 0;
	static struct pb p;
	unsigned i;

	(void)state;
	d = flow_decoder_new(&cfg, count_sink, &nrec);
	assert_non_null(d);
	flood_pending(d, 100, 2, 1000);		/* 100 sources, 32 slots */
	flow_decoder_totals(d, &t);
	assert_int_equal(t.exporters, 32);
	assert_int_equal(t.exporters_evicted, 100 - 32);
	assert_int_equal(t.errors[FE_EXPORTER_LIMIT], 0);
	assert_true(t.state_bytes > 0 && t.state_bytes < 32 * 2 * 1100);

	for (i = 0; i < 32; i++) {	/* real ones push the flood out */
		nf5_one(&p, 0);
		feed(d, &p, 0xc0000200u + i, 1700000000000);
	}
	assert_int_equal(nrec, 32);
	flow_decoder_totals(d, &t);
	assert_int_equal(t.exporters, 32);
	assert_int_equal(t.exporters_evicted, 100);
	assert_int_equal(t.state_bytes, 0);	/* pending copies given back */
	assert_int_equal(t.errors[FE_PENDING_EXPIRED], 200);	/* and counted */
	assert_int_equal(t.records, 32);

	nf5_one(&p, 0);			/* the table is full of proven ones */
	feed(d, &p, 0xc0000300u, 1700000000000);
	assert_int_equal(nrec, 32);
	flow_decoder_totals(d, &t);
	assert_int_equal(t.errors[FE_EXPORTER_LIMIT], 1);
	for (i = 0; i < 32; i++) {	/* and they keep working */
		nf5_one(&p, 1);
		feed(d, &p, 0xc0000200u + i, 1700000000000);
	}
	assert_int_equal(nrec, 64);
	flow_decoder_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_flood),
		cmocka_unit_test(test_pending_flood),
		cmocka_unit_test(test_exporter_flood),
		cmocka_unit_test(test_sflow_flood),
		cmocka_unit_test(test_small_limits),
		cmocka_unit_test(test_flood_does_not_lock_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
