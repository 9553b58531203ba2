/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_icmp_quic_accept.c - libFuzzer harness for the edge's handling of a
 * first datagram from an unknown peer over QUIC (tp_accept: Initial header
 * parsing, Retry token check, Retry generation). Anything goes in; nothing
 * may crash, and a datagram without a valid token never starts a session.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_io io;
	static struct tp_creds c;
	static int init;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(4433),
				   .sin_addr.s_addr = htonl(0x0a3e0202) };
	struct sockaddr_storage ss;
	struct tp_accept acc;

	if (!init) {
		tp_io_init(&io, -1, false);	/* never flushed: sends stay queued */
		c.kind = TP_QUIC;
		c.role = CREDS_EDGE;
		c.mtu = 1472;
		memset(c.token_key, 0x5a, sizeof(c.token_key));
		init = 1;
	}
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, &sin, sizeof(sin));
	io.ntx = 0;
	if (tp_accept(&io, &c, &ss, sizeof(sin), data, size, &acc) == 1)
		abort();	/* a session without a token we issued */
	return 0;
}
