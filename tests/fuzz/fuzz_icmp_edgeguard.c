/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_icmp_edgeguard.c - libFuzzer harness for the edge's check of packets
 * from a connector (edgeguard): any bytes, with a few announced prefixes
 * and a known client, must give a verdict without crashing; a packet that
 * passes must parse as a whole IP packet to a known client.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "icmp/edgeguard.h"
#include "pkt/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct eg_clients cl;
	static struct ip_prefix pfx[3];
	static int init;
	struct pkt_meta m;

	if (!init) {
		struct ip_addr c4, c6;

		if (eg_clients_init(&cl, 64) < 0 ||
		    ip_prefix_parse("10.62.4.0/24", &pfx[0], false) < 0 ||
		    ip_prefix_parse("fd62:4::/64", &pfx[1], false) < 0 ||
		    ip_prefix_parse("0.0.0.0/0", &pfx[2], false) < 0 ||
		    ip_addr_parse("10.62.1.2", &c4) < 0 || ip_addr_parse("fd62:1::2", &c6) < 0)
			abort();
		eg_client_seen(&cl, &c4, 1);
		eg_client_seen(&cl, &c6, 1);
		init = 1;
	}
	if (eg_check(&cl, pfx, size & 1 ? 3 : 2, data, size, 2) == EG_PASS &&
	    (pkt_parse_ip(data, size, &m) < 0 || m.ip_total_len != size ||
	     !eg_client_known(&cl, &m.dst, 2)))
		abort();
	return 0;
}
