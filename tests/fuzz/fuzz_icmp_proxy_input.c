/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_icmp_proxy_input.c - libFuzzer harness for the connector's parser
 * of packets from the edge (nat_input) and its return path (nat_socket_rx):
 * one NAT lives across inputs, so mappings made by one input meet replies
 * and errors from later ones.
 *
 * Input: byte 0 selects the path (bit 0..1) and the socket, bytes 1..8 a
 * reply/error description (seq, type, code, ttl), the rest is the packet
 * (input path) or the reply payload.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "icmp/icmpnat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nat nat;
static int ready;
static uint64_t now;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[2048];
	struct nat_tx tx;
	struct nat_rx rx;
	size_t olen = 0;

	if (!ready) {
		struct nat_config cfg;

		nat_config_default(&cfg);
		cfg.max_mappings = 256;
		cfg.max_per_client = 64;
		cfg.max_clients = 16;
		ip_addr_parse("10.0.0.1", &cfg.self[0]);
		ip_addr_parse("fd00::1", &cfg.self[1]);
		if (nat_init(&nat, &cfg) < 0)
			return 0;
		ready = 1;
	}
	if (size < 9)
		return 0;
	now += data[8] & 0x3f;
	switch (data[0] & 3) {
	case 0:
	case 1:
		nat_input(&nat, data + 9, size - 9, now, &tx, out, sizeof(out), &olen);
		break;
	default:
		memset(&rx, 0, sizeof(rx));
		rx.kind = (enum nat_rx_kind)(data[1] % 3);
		rx.seq = (uint16_t)(data[2] << 8 | data[3]);
		rx.type = data[4];
		rx.code = data[5];
		rx.ttl = data[6];
		rx.info = data[7];
		rx.err = data[7];
		/* Addresses from a small set so lookups sometimes match. */
		ip_addr_parse(data[1] & 8 ? "fd00::9" : "10.0.4.2", &rx.from);
		rx.dst = rx.from;
		rx.payload = data + 9;
		rx.len = size - 9;
		nat_socket_rx(&nat, (data[0] >> 2) & 1, (data[0] >> 3) & 3, &rx, now, out,
			      sizeof(out));
		break;
	}
	if ((data[0] & 0xf0) == 0xf0)
		nat_expire(&nat, now);
	return 0;
}
