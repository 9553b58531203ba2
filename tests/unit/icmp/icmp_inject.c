/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * icmp_inject.c - test helper: a connector that authenticates to an edge,
 * announces prefixes and then sends hand-made IP packets (hex, one per
 * line on stdin) as if it had proxied them. tests/net/icmp_proxy_spoof.sh
 * uses it to check that the edge refuses spoofed packets.
 *
 * usage: icmp_inject EDGE_ADDR:PORT CREDENTIALS_DIR PREFIX... < packets.hex
 * Exit: 0 all sent, 1 no session / bad input.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "icmp/transport.h"
#include "lib/timeutil.h"

#define MAX_PKTS 64

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (s[0] && s[0] != '\n' && s[1] && n < cap) {
		if (sscanf(s, "%2x", &v) != 1)
			return 0;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void on_msg(void *ctx, struct tp_peer *p, uint8_t type, const uint8_t *b, size_t n)
{
	(void)ctx, (void)p, (void)type, (void)b, (void)n;
}

/* Feed datagrams until @until_ms; stop early when @want_up and up. */
static int pump(struct tp_peer *p, struct tp_io *io, uint64_t until_ms, bool want_up)
{
	struct pollfd pfd = { .fd = io->fd, .events = POLLIN };
	int n, i;

	while (time_mono_ms() < until_ms) {
		if (want_up && p->state == TP_UP)
			return 0;
		poll(&pfd, 1, 50);
		while ((n = tp_io_recv(io)) > 0)
			for (i = 0; i < n; i++)
				if (tp_peer_input(p, io->rxbuf[i], io->rx[i].msg_len,
						  time_mono_ms(), on_msg, NULL) < 0)
					return -1;
		if (tp_peer_tick(p, time_mono_ms()) < 0)
			return -1;
		tp_io_flush(io);
	}
	return want_up ? -1 : 0;
}

int main(int argc, char **argv)
{
	static uint8_t pkts[MAX_PKTS][TP_MAX_MSG];
	static struct tp_io io;
	size_t lens[MAX_PKTS], n;
	struct ip_prefix pfx[TP_MAX_PREFIXES];
	struct tp_creds creds;
	struct tp_peer peer;
	struct sockaddr_storage ss;
	socklen_t sl;
	char line[2 * TP_MAX_MSG + 4];
	unsigned npkt = 0, npfx = 0, i;
	uint8_t ann[TP_MAX_MSG];
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: icmp_inject EDGE CREDENTIALS PREFIX... < hex\n");
		return 1;
	}
	for (i = 3; i < (unsigned)argc && npfx < TP_MAX_PREFIXES; i++)
		if (ip_prefix_parse(argv[i], &pfx[npfx++], false) < 0)
			return 1;
	while (npkt < MAX_PKTS && fgets(line, sizeof(line), stdin)) {
		pkts[npkt][0] = TP_MSG_PACKET;
		lens[npkt] = unhex(line, pkts[npkt] + 1, TP_MAX_MSG - 1);
		if (lens[npkt])
			npkt++;
	}
	if (tp_parse_endpoint("icmp_inject", argv[1], &ss, &sl) < 0 ||
	    tp_creds_load(&creds, argv[2], CREDS_CONNECTOR, TP_QUIC, 1472) < 0)
		return 1;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0)
		return 1;
	tp_io_init(&io, fd, true);
	if (tp_peer_init(&peer, &io, &creds, (struct sockaddr *)&ss, sl, NULL,
			 time_mono_ms()) < 0)
		return 1;
	tp_io_flush(&io);
	if (pump(&peer, &io, time_mono_ms() + 5000, true) < 0) {
		fprintf(stderr, "icmp_inject: no session: %s\n", peer.error);
		return 1;
	}
	n = tp_announce_encode(pfx, npfx, ann, sizeof(ann));
	tp_peer_send(&peer, ann, n, time_mono_ms());
	tp_io_flush(&io);
	pump(&peer, &io, time_mono_ms() + 300, false);
	for (i = 0; i < npkt; i++)
		tp_peer_send(&peer, pkts[i], lens[i] + 1, time_mono_ms());
	tp_io_flush(&io);
	pump(&peer, &io, time_mono_ms() + 300, false);
	tp_peer_bye(&peer);
	tp_io_flush(&io);
	tp_peer_free(&peer);
	tp_creds_free(&creds);
	close(fd);
	printf("icmp_inject: sent %u packets\n", npkt);
	return 0;
}
