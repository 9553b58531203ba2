/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_export_cache.c - bytes to packets to the exporter (flow cache and
 * encoder) to our own decoder, which must read back every datagram
 * without error and find every packet the exporter accounted, each record
 * with the sampling rate the exporter announced.
 *
 * Input: [protocol byte][mtu byte][cache size byte], then packets, each
 * [u16 length][u8 time step in 100 ms units][bytes]. The low bit of the
 * time step byte picks Ethernet or raw IP framing for the whole run.
 */
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "lib/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	struct flow_decoder *dec;
	uint32_t rate;			/* the exporter's 1-in-N */
	uint64_t packets, flow_recs, samples, bad;
};

static void fz_sink(void *arg, const struct flow_rec *r, size_t n)
{
	struct fz *f = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].type != FLOW_REC_FLOW)
			continue;
		f->flow_recs++;
		f->packets += r[i].packets;
		if (r[i].sampling_rate != f->rate)
			f->bad++;
	}
}

static void fz_out(void *arg, const uint8_t *p, size_t len)
{
	struct fz *f = arg;
	struct flow_pkt fp = { .data = p, .len = len, .recv_ms = 1700000000000 };

	ip_addr_set4u(&fp.src, 0x7f000001);
	if (flow_decode(f->dec, &fp, FLOW_PROTO_NONE) != FE_OK)
		f->bad++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum flow_proto protos[] = {
		FLOW_PROTO_IPFIX, FLOW_PROTO_NF9, FLOW_PROTO_SFLOW5,
	};
	struct flow_decoder_cfg dcfg = { 0 };
	struct cursor c = cur_init(data, size);
	struct exporter *x;
	struct fz f = { 0 };
	int64_t t = 1700000000000;
	uint8_t sel, mtu, cache;

	sel = cur_u8(&c);
	mtu = cur_u8(&c);
	cache = cur_u8(&c);
	if (!cur_ok(&c))
		return 0;
	x = calloc(1, sizeof(*x));
	f.dec = flow_decoder_new(&dcfg, fz_sink, &f);
	if (!x || !f.dec)
		abort();
	x->cfg.proto = protos[sel % 3];
	x->cfg.sampling = (sel >> 2) % 4 == 3 ? 3 : 1;
	f.rate = x->cfg.sampling;
	x->cfg.active_ms = 60000;
	x->cfg.idle_ms = 15000;
	x->cfg.max_flows = 1 + cache % 64;
	x->cfg.template_refresh_ms = 2000;
	x->cfg.counter_interval_ms = 0;
	x->cfg.mtu = FENC_MTU_MIN + (size_t)mtu * 16;
	x->cfg.seed = 1;
	ip_addr_set4u(&x->cfg.agent, 0x7f000001);
	x->tap = fz_out;
	x->tap_arg = &f;
	x->nifs = 1;
	x->ifs[0].ifindex = 1;
	x->ifs[0].link = (sel & 0x80) ? PKT_LINK_RAW : PKT_LINK_ETH;
	if (exp_start(x, t) < 0)
		abort();
	while (cur_left(&c) >= 3) {
		size_t len = cur_u16(&c);
		uint8_t step = cur_u8(&c);
		const uint8_t *p;

		if (len > cur_left(&c))
			len = cur_left(&c);
		p = cur_bytes(&c, len);
		t += (int64_t)step * 100;
		if (t >= x->last_tick_ms + 1000)
			exp_tick(x, t);
		exp_packet(x, &x->ifs[0], p, len, len, t);
	}
	exp_finish(x, t);
	/* Everything we encoded decodes; every accounted packet is found. */
	if (f.bad)
		abort();
	if (x->cfg.proto == FLOW_PROTO_SFLOW5) {
		if (f.flow_recs > x->sf.st.flow_samples)
			abort();
	} else if (f.packets != x->cache.st.packets || f.flow_recs != x->nf.st.records) {
		abort();
	}
	exp_stop(x);
	flow_decoder_free(f.dec);
	free(x);
	return 0;
}
