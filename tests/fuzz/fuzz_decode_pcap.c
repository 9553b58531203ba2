/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_decode_pcap.c - capture packets through link/IP/fragments/UDP to decoders and JSON */
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "flow/output.h"
#include "flow/pcapread.h"
#include "lib/wbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_ctx {
	struct flow_decoder *dec;
	struct wbuf out;
	struct out_cache cache;
};

static void sink(void *arg, const struct flow_rec *recs, size_t n)
{
	struct fuzz_ctx *x = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		out_json_rec(&x->out, &x->cache, &recs[i]);
		out_csv_rec(&x->out, &x->cache, &recs[i]);
		out_text_rec(&x->out, &recs[i]);
	}
	wbuf_reset(&x->out);
}

static void on_dgram(void *arg, const struct cap_dgram *d)
{
	struct fuzz_ctx *x = arg;
	struct flow_pkt p = { .data = d->data, .len = d->len, .src = d->src,
			      .sport = d->sport, .recv_ms = d->ts_ms };

	flow_decode(x->dec, &p, (enum flow_proto)(d->dport % 4 == 0 ? FLOW_PROTO_NONE :
				 d->dport % 4 == 1 ? FLOW_PROTO_NF9 :
				 d->dport % 4 == 2 ? FLOW_PROTO_IPFIX : FLOW_PROTO_SFLOW5));
}

/*
 * Input: [link type byte] then packets, each [len hi][len lo][time step]
 * [bytes]. A small reassembly table and short timeout reach the limits.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pkt_link links[] = {
		PKT_LINK_ETH, PKT_LINK_RAW, PKT_LINK_SLL, PKT_LINK_SLL2, PKT_LINK_NULL,
	};
	struct ipfrag_cfg fcfg = { .max_datagrams = 4, .timeout_ms = 2000 };
	struct fuzz_ctx x = { 0 };
	struct cap_reader cr;
	int64_t ts = 1767225600000;
	size_t off = 1;

	if (size < 1)
		return 0;
	x.dec = flow_decoder_new(NULL, sink, &x);
	if (!x.dec || wbuf_init(&x.out, 4096, 1 << 20) < 0 ||
	    cap_reader_init(&cr, &fcfg, on_dgram, &x) < 0) {
		flow_decoder_free(x.dec);
		wbuf_free(&x.out);
		return 0;
	}
	cr.link = links[data[0] % 5];
	while (off + 3 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];

		ts += (int64_t)data[off + 2] * 100;
		off += 3;
		if (len > size - off)
			len = size - off;
		/* odd lengths claim a longer wire length: snaplen cuts */
		cap_packet(&cr, data + off, len, len + (len & 1), ts);
		flow_decoder_tick(x.dec, ts);
		off += len;
	}
	ipfrag_finish(cr.frag);
	flow_decoder_flush(x.dec);
	cap_reader_free(&cr);
	flow_decoder_free(x.dec);
	wbuf_free(&x.out);
	return 0;
}
