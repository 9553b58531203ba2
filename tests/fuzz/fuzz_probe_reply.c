/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_probe_reply.c - what a probe socket receives: IP parse + payload check */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt/pkt.h"
#include "probe/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[PROBE_KEY_LEN] = { 1, 2, 3 };
	struct pkt_meta m;
	struct probe_hdr h;

	if (pkt_parse_ip(data, size, &m) == 0 && m.depth == PKT_L4 && m.l4_payload)
		probe_wire_check(m.l4_payload, m.l4_payload_len, &h, &m.src, m.icmp_id,
				 m.icmp_seq, key);
	probe_wire_check(data, size, &h, &m.src, 0, 0, key);
	return 0;
}
