/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_pkt.c - packet header parser with every link type */
#include <stddef.h>
#include <stdint.h>

#include "pkt/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t fuzz_pkt_sink;

/* Input: [link type byte][packet]. Everything the parse reports must lie
 * inside the packet: touch it so ASan checks. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pkt_link links[] = {
		PKT_LINK_ETH, PKT_LINK_RAW, PKT_LINK_SLL, PKT_LINK_SLL2, PKT_LINK_NULL,
	};
	uint8_t x = 0;
	struct pkt_meta m;
	size_t i;

	if (size < 1)
		return 0;
	pkt_parse(data + 1, size - 1, links[data[0] % 5], &m);
	for (i = 0; i < m.l4_payload_len; i++)
		x ^= m.l4_payload[i];
	for (i = 0; i < m.l3_len; i++)
		x ^= m.l3[i];
	pkt_parse_ip(data + 1, size - 1, &m);
	fuzz_pkt_sink = x;
	return 0;
}
