/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_icmp_reply.c - libFuzzer harness for the parsers of received ICMP
 * bytes: echo replies (datagram and raw, IPv4 and IPv6) and error-queue
 * entries (the kernel's extended error + the quoted original echo).
 *
 * Input: byte 0 selects family/raw/parser, bytes 1..8 the extended error
 * fields, the rest is the packet.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "icmp/icmpsock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[64];
	struct icmpsock_msg m = { .buf = buf, .cap = sizeof(buf) };
	struct icmpsock_ee ee;
	char d[64];
	int family;

	if (size < 9)
		return 0;
	family = data[0] & 1 ? AF_INET6 : AF_INET;
	memset(&ee, 0, sizeof(ee));
	ee.ee_errno = data[1];
	ee.ee_origin = data[2] & 7;
	ee.ee_type = data[3];
	ee.ee_code = data[4];
	ee.ee_info = (uint32_t)data[5] << 8 | data[6];
	if (data[7] & 1) {
		if (data[7] & 2)
			ip_addr_set6(&ee.offender, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1");
		else
			ip_addr_set4u(&ee.offender, 0x0a000001);
	}
	if (data[0] & 4) {
		m.buf = NULL;	/* callers that do not want the payload */
		m.cap = data[8];
	}
	if (data[0] & 2) {
		if (icmpsock_parse_err(family, &ee, data + 9, size - 9, &m) == 0) {
			icmpsock_describe(family, &m, true, d, sizeof(d));
			icmpsock_describe(family, &m, false, d, sizeof(d));
			if (m.len > m.cap)
				__builtin_trap();
		}
	} else if (icmpsock_parse_reply(family, data[0] & 8, data + 9, size - 9, &m) == 0) {
		if (m.len > m.cap || (m.buf == NULL && m.len))
			__builtin_trap();
	}
	return 0;
}
