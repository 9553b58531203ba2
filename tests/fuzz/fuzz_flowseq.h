/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_flowseq.h - shared body of the template-based decoder fuzzers
 *
 * The input is a sequence of packets, each [flags:1][len:2][bytes], fed
 * to ONE decoder so template, pending and sampling state carry over from
 * packet to packet. The low bits of flags pick one of four exporter
 * addresses, a flag bit runs a tick, and time moves on with each packet.
 * The version field is set to FUZZ_VERSION so the fuzzer spends its time
 * past the header check. Limits are small so they are hit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t fuzz_sink_sum;

/* Touch everything a record points to, so ASan sees any bad pointer. */
static void fuzz_sink(void *arg, const struct flow_rec *r, size_t n)
{
	uint64_t sum = 0;
	size_t i, k, j;

	(void)arg;
	for (i = 0; i < n; i++) {
		sum += r[i].bytes + r[i].packets + r[i].sampling_rate + r[i].present;
		sum += (uint64_t)r[i].time_start_ms + (uint64_t)r[i].time_end_ms;
		for (k = 0; k < r[i].n_extra; k++)
			for (j = 0; j < r[i].extra[k].len; j++)
				sum += r[i].extra[k].data[j];
	}
	fuzz_sink_sum += sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_decoder_cfg cfg = {
		.max_exporters = 8, .max_templates = 16, .max_fields = 64,
		.pending_bytes = 4096, .pending_max_age_ms = 3000,
		.template_timeout_ms = 5000, .batch = 8,
		.max_state_bytes = 16384,	/* hit the decoder-wide budget too */
	};
	static uint8_t pkt[65536];
	struct flow_decoder *d;
	struct flow_totals t;
	int64_t now = 1700000000000;
	size_t off = 0;

	if (size && data[0] & 0x80)
		cfg.sampling_override = 7;
	d = flow_decoder_new(&cfg, fuzz_sink, NULL);
	if (!d)
		return 0;
	while (size - off >= 3) {
		struct flow_pkt p;
		uint8_t flags = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		memcpy(pkt, data + off, len);
		off += len;
		if (len >= 2) {
			pkt[0] = 0;
			pkt[1] = FUZZ_VERSION;
		}
		memset(&p, 0, sizeof(p));
		p.data = pkt;
		p.len = len;
		p.src.family = 4;
		p.src.a[0] = 192;
		p.src.a[1] = 0;
		p.src.a[2] = 2;
		p.src.a[3] = (uint8_t)(1 + (flags & 3));
		now += 100 * (flags >> 4 & 7);
		p.recv_ms = now;
		flow_decode(d, &p, FUZZ_PROTO);
		if (flags & 4)
			flow_decoder_tick(d, now);
	}
	flow_decoder_flush(d);
	flow_decoder_totals(d, &t);
	flow_decoder_free(d);
	return 0;
}
