/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_icmp_transport.c - libFuzzer harness for the transport's control
 * messages as the edge reads them after decryption: ANNOUNCE bodies (every
 * prefix parsed must re-encode to the same bytes) and whole-packet checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/transport.h"
#include "pkt/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ip_prefix pfx[TP_MAX_PREFIXES];
	uint8_t again[2048];
	const char *err = NULL;
	struct pkt_meta m;
	size_t n;
	int k;

	if (size < 1)
		return 0;
	switch (data[0]) {
	case TP_MSG_ANNOUNCE:
		k = tp_announce_parse(data + 1, size - 1, pfx, TP_MAX_PREFIXES, &err);
		if (k < 0)
			break;
		n = tp_announce_encode(pfx, (size_t)k, again, sizeof(again));
		if (n != size || memcmp(again, data, size) != 0)
			abort();	/* parse and encode disagree */
		break;
	case TP_MSG_PACKET:
		pkt_parse_ip(data + 1, size - 1, &m);
		break;
	default:
		break;
	}
	return 0;
}
