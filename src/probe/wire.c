/* SPDX-License-Identifier: BSD-2-Clause */
/* wire.c - probe payload build and verification */
#include <string.h>

#include "lib/cursor.h"
#include "lib/siphash.h"
#include "probe/wire.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t probe_mac(const uint8_t *p, size_t len, const struct ip_addr *target,
			  uint16_t icmp_id, uint16_t icmp_seq, const uint8_t key[PROBE_KEY_LEN])
{
	struct siphash s;
	/* 24 bytes, so every later part starts on a SipHash block boundary
	 * and is hashed a word at a time. */
	uint8_t pre[24] = { 0 };

	pre[0] = target->family;
	memcpy(pre + 1, target->a, 16);
	pre[17] = (uint8_t)(icmp_id >> 8);
	pre[18] = (uint8_t)icmp_id;
	pre[19] = (uint8_t)(icmp_seq >> 8);
	pre[20] = (uint8_t)icmp_seq;
	siphash_init(&s, key);
	siphash_update(&s, pre, sizeof(pre));
	siphash_update(&s, p, 24);
	siphash_update(&s, p + PROBE_HDR_LEN, len - PROBE_HDR_LEN);
	return siphash_final(&s);
}

int probe_wire_build(uint8_t *buf, size_t len, const struct probe_hdr *h,
		     const struct ip_addr *target, uint16_t icmp_id,
		     const uint8_t key[PROBE_KEY_LEN])
{
	size_t i;

	if (len < PROBE_HDR_LEN)
		return -1;
	put32(buf, PROBE_MAGIC);
	put32(buf + 4, h->tunnel);
	put32(buf + 8, h->target);
	put32(buf + 12, h->seq);
	put64(buf + 16, h->tx_ns);
	for (i = PROBE_HDR_LEN; i < len; i++)
		buf[i] = (uint8_t)(0xa5 ^ i);
	put64(buf + 24, probe_mac(buf, len, target, icmp_id, (uint16_t)h->seq, key));
	return 0;
}

enum probe_verdict probe_wire_check(const uint8_t *p, size_t len, struct probe_hdr *h,
				    const struct ip_addr *target, uint16_t icmp_id,
				    uint16_t icmp_seq, const uint8_t key[PROBE_KEY_LEN])
{
	struct cursor c = cur_init(p, len);
	uint64_t mac;

	if (cur_u32(&c) != PROBE_MAGIC)
		return PROBE_NOT_OURS;
	h->tunnel = cur_u32(&c);
	h->target = cur_u32(&c);
	h->seq = cur_u32(&c);
	h->tx_ns = cur_u64(&c);
	mac = cur_u64(&c);
	if (!cur_ok(&c))
		return PROBE_NOT_OURS;
	if ((uint16_t)h->seq != icmp_seq ||
	    mac != probe_mac(p, len, target, icmp_id, icmp_seq, key))
		return PROBE_FORGED;
	return PROBE_OK;
}
