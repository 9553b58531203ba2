/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wire.h - the probe payload: recognisable (magic, identifiers, sequence)
 * and unforgeable (a SipHash-2-4 MAC under a per-process secret)
 *
 * Payload after the 8-byte ICMP echo header, big-endian:
 *   0  magic "wsP1"
 *   4  tunnel index (u32)
 *   8  target index (u32)
 *  12  sequence (u32; the ICMP sequence is its low 16 bits)
 *  16  transmit time, CLOCK_REALTIME ns (u64)
 *  24  MAC (u64)
 *  32  padding to the configured size (a fixed pattern)
 * The MAC covers the target address, the ICMP identifier and sequence and
 * every payload byte except the MAC itself. Fields that change on the way
 * (addresses' roles, ICMP type, TTL, checksums) are left out, so one MAC
 * serves all probe types.
 */
#ifndef WS_PROBE_WIRE_H
#define WS_PROBE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define PROBE_MAGIC 0x77735031u	/* "wsP1" */
#define PROBE_HDR_LEN 32
#define PROBE_KEY_LEN 16

struct probe_hdr {
	uint32_t tunnel, target, seq;
	uint64_t tx_ns;
};

enum probe_verdict {
	PROBE_OK,
	PROBE_NOT_OURS,		/* no magic / too short: someone else's ping */
	PROBE_FORGED,		/* our magic but the MAC does not verify */
};

/* Write a payload of @len (>= PROBE_HDR_LEN) bytes for @h.
 * Return: 0, or -1 when @len is too small. */
int probe_wire_build(uint8_t *buf, size_t len, const struct probe_hdr *h,
		     const struct ip_addr *target, uint16_t icmp_id,
		     const uint8_t key[PROBE_KEY_LEN]);

/* Check a received payload and decode its header. */
enum probe_verdict probe_wire_check(const uint8_t *p, size_t len, struct probe_hdr *h,
				    const struct ip_addr *target, uint16_t icmp_id,
				    uint16_t icmp_seq, const uint8_t key[PROBE_KEY_LEN]);

#endif
