/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_sflow.c - sFlow v5 decoder on a sequence of length-prefixed packets */
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *arg, const struct flow_rec *r, size_t n)
{
	volatile uint64_t *sum = arg;
	size_t i;

	for (i = 0; i < n; i++)
		*sum += r[i].bytes + r[i].ctr.in_octets + r[i].src_port;
}

/* Input: [u16 big-endian length][packet] ... ; the UDP source varies,
 * though sFlow keys exporters on the agent in the datagram. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile uint64_t sum = 0;
	/* a small state budget so the source tables run into it */
	struct flow_decoder_cfg cfg = { .max_exporters = 4, .max_state_bytes = 2048 };
	struct flow_decoder *d = flow_decoder_new(&cfg, sink, (void *)&sum);
	size_t off = 0;
	unsigned i = 0;

	if (!d)
		return 0;
	while (size - off >= 2) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		struct flow_pkt p = { 0 };

		off += 2;
		if (len > size - off)
			len = size - off;
		p.data = data + off;
		p.len = len;
		p.recv_ms = 1700000000000 + i * 1000;
		ip_addr_set4u(&p.src, 0x7f000001 + (i++ & 7));
		flow_decode(d, &p, FLOW_PROTO_SFLOW5);
		off += len;
	}
	flow_decoder_free(d);
	return 0;
}
