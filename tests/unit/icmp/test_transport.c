/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_transport.c - transport control messages (ANNOUNCE encode/parse) and
 * whole sessions over loopback UDP in one process: QUIC and DTLS handshakes
 * with the credentials `wanscope credentials init` makes, messages both
 * ways, goodbye, and refusal of a connector certificate from another CA.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "icmp/creds.h"
#include "icmp/transport.h"
#include "lib/timeutil.h"

static void test_announce_roundtrip(void **state)
{
	struct ip_prefix in[3], out[TP_MAX_PREFIXES];
	uint8_t buf[1024];
	const char *err = NULL;
	size_t n;
	int i;

	(void)state;
	assert_int_equal(ip_prefix_parse("172.16.10.0/24", &in[0], false), 0);
	assert_int_equal(ip_prefix_parse("fd00:1::/48", &in[1], false), 0);
	assert_int_equal(ip_prefix_parse("0.0.0.0/0", &in[2], false), 0);
	n = tp_announce_encode(in, 3, buf, sizeof(buf));
	assert_int_equal(n, 3 + 6 + 18 + 6);
	assert_int_equal(buf[0], TP_MSG_ANNOUNCE);
	assert_int_equal(tp_announce_parse(buf + 1, n - 1, out, TP_MAX_PREFIXES, &err), 3);
	for (i = 0; i < 3; i++) {
		assert_true(ip_addr_eq(&in[i].addr, &out[i].addr));
		assert_int_equal(in[i].len, out[i].len);
	}
	assert_int_equal(tp_announce_encode(in, 3, buf, 10), 0);	/* too small */
}

static void expect_bad(const uint8_t *b, size_t len, const char *want)
{
	struct ip_prefix out[TP_MAX_PREFIXES];
	const char *err = NULL;

	assert_int_equal(tp_announce_parse(b, len, out, TP_MAX_PREFIXES, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, want));
}

static void test_announce_bad(void **state)
{
	static const uint8_t host_bits[] = { 1, 1, 4, 24, 10, 0, 0, 1 };
	static const uint8_t too_long[] = { 1, 1, 4, 33, 10, 0, 0, 0 };
	static const uint8_t fam[] = { 1, 1, 5, 8, 10, 0, 0, 0 };
	static const uint8_t trunc[] = { 1, 1, 6, 64, 0xfd, 0 };
	static const uint8_t trailing[] = { 1, 0, 0 };
	static const uint8_t version[] = { 2, 0 };
	static const uint8_t many[] = { 1, 65 };

	(void)state;
	expect_bad(host_bits, sizeof(host_bits), "host bits");
	expect_bad(too_long, sizeof(too_long), "length");
	expect_bad(fam, sizeof(fam), "family");
	expect_bad(trunc, sizeof(trunc), "truncated");
	expect_bad(trailing, sizeof(trailing), "trailing");
	expect_bad(version, sizeof(version), "version");
	expect_bad(many, sizeof(many), "too many");
	expect_bad(version, 1, "shorter");
}

/* ---- sessions over loopback ---- */

static char dir_a[64], dir_b[64];	/* two independent CAs */

struct side {
	struct tp_creds creds;
	struct tp_io io;
	struct tp_peer peer;
	bool have_peer;
	int got;			/* messages received */
	char last[64];
};

static void on_msg(void *ctx, struct tp_peer *p, uint8_t type, const uint8_t *b, size_t n)
{
	static const uint8_t pong[] = "\x06" "pong";
	struct side *s = ctx;

	s->got++;
	snprintf(s->last, sizeof(s->last), "%u:%.*s", type, (int)n, (const char *)b);
	if (type == 5)		/* answer from inside the handler */
		assert_int_equal(tp_peer_send(p, pong, sizeof(pong) - 1, time_mono_ms()), 0);
}

static int udp_socket(const struct sockaddr_in *peer)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	if (peer)
		assert_int_equal(connect(fd, (const struct sockaddr *)peer, sizeof(*peer)), 0);
	else
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Move datagrams and timers for @ms; the server takes one peer. */
static void pump(struct side *srv, struct side *cli, unsigned ms)
{
	uint64_t until = time_mono_ms() + ms;
	struct pollfd pfd[2] = { { .fd = srv->io.fd, .events = POLLIN },
				 { .fd = cli->io.fd, .events = POLLIN } };
	int n, i;

	while (time_mono_ms() < until) {
		poll(pfd, 2, 5);
		while ((n = tp_io_recv(&srv->io)) > 0)
			for (i = 0; i < n; i++) {
				struct tp_accept acc;
				socklen_t sl = srv->io.rx[i].msg_hdr.msg_namelen;

				if (!srv->have_peer) {
					if (tp_accept(&srv->io, &srv->creds, &srv->io.rxaddr[i], sl,
						      srv->io.rxbuf[i], srv->io.rx[i].msg_len,
						      &acc) != 1)
						continue;
					assert_int_equal(tp_peer_init(&srv->peer, &srv->io,
						&srv->creds, (struct sockaddr *)&srv->io.rxaddr[i],
						sl, &acc, time_mono_ms()), 0);
					srv->have_peer = true;
				}
				tp_peer_input(&srv->peer, srv->io.rxbuf[i], srv->io.rx[i].msg_len,
					      time_mono_ms(), on_msg, srv);
			}
		while ((n = tp_io_recv(&cli->io)) > 0)
			for (i = 0; i < n; i++)
				tp_peer_input(&cli->peer, cli->io.rxbuf[i], cli->io.rx[i].msg_len,
					      time_mono_ms(), on_msg, cli);
		if (srv->have_peer)
			tp_peer_tick(&srv->peer, time_mono_ms());
		tp_peer_tick(&cli->peer, time_mono_ms());
		tp_io_flush(&srv->io);
		tp_io_flush(&cli->io);
	}
}

/* Start a server with @sdir's edge credentials and a client with @cdir's
 * connector credentials, and let them talk for @ms. */
static void pair(struct side *srv, struct side *cli, enum tp_kind kind, const char *sdir,
		 const char *cdir, unsigned ms)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	memset(srv, 0, sizeof(*srv));
	memset(cli, 0, sizeof(*cli));
	assert_int_equal(tp_creds_load(&srv->creds, sdir, CREDS_EDGE, kind, 1472), 0);
	assert_int_equal(tp_creds_load(&cli->creds, cdir, CREDS_CONNECTOR, kind, 1472), 0);
	tp_io_init(&srv->io, udp_socket(NULL), false);
	assert_int_equal(getsockname(srv->io.fd, (struct sockaddr *)&a, &al), 0);
	tp_io_init(&cli->io, udp_socket(&a), true);
	assert_int_equal(tp_peer_init(&cli->peer, &cli->io, &cli->creds, (struct sockaddr *)&a,
				      sizeof(a), NULL, time_mono_ms()), 0);
	cli->have_peer = true;
	tp_io_flush(&cli->io);
	pump(srv, cli, ms);
}

static void unpair(struct side *srv, struct side *cli)
{
	struct side *s[2] = { srv, cli };
	int i;

	for (i = 0; i < 2; i++) {
		if (s[i]->have_peer)
			tp_peer_free(&s[i]->peer);
		close(s[i]->io.fd);
		tp_creds_free(&s[i]->creds);
	}
}

static void session(enum tp_kind kind)
{
	static struct side srv, cli;	/* large: the batches */
	static const uint8_t hello[] = "\x01" "hello", back[] = "\x03" "back";

	pair(&srv, &cli, kind, dir_a, dir_a, 1500);
	assert_true(srv.have_peer);
	assert_int_equal(cli.peer.state, TP_UP);
	assert_int_equal(srv.peer.state, TP_UP);
	assert_int_equal(tp_peer_send(&cli.peer, hello, sizeof(hello) - 1, time_mono_ms()), 0);
	tp_io_flush(&cli.io);
	pump(&srv, &cli, 200);
	assert_int_equal(srv.got, 1);
	assert_string_equal(srv.last, "1:hello");
	assert_int_equal(tp_peer_send(&srv.peer, back, sizeof(back) - 1, time_mono_ms()), 0);
	tp_io_flush(&srv.io);
	pump(&srv, &cli, 200);
	assert_int_equal(cli.got, 1);
	assert_string_equal(cli.last, "3:back");
	/* Many small messages in one pass (QUIC packs them into few packets),
	 * the last one answered from the receiver's handler. */
	{
		uint64_t before = cli.io.tx_datagrams;
		uint8_t m[64];
		int i;

		for (i = 0; i < 60; i++) {
			memset(m, 'a' + i % 26, sizeof(m));
			m[0] = i == 59 ? 5 : 1;
			assert_int_equal(tp_peer_send(&cli.peer, m, sizeof(m), time_mono_ms()), 0);
		}
		tp_io_flush(&cli.io);
		if (kind == TP_QUIC)	/* ~20 messages per packet */
			assert_true(cli.io.tx_datagrams - before <= 6);
		pump(&srv, &cli, 300);
		assert_int_equal(srv.got, 1 + 60);
		assert_int_equal(cli.got, 2);
		assert_string_equal(cli.last, "6:pong");
	}
	/* Goodbye: the other side notices at once. */
	tp_peer_bye(&cli.peer);
	tp_io_flush(&cli.io);
	pump(&srv, &cli, 200);
	assert_int_equal(srv.peer.state, TP_DEAD);
	assert_non_null(strstr(srv.peer.error, "closed"));
	unpair(&srv, &cli);
}

static void refused(enum tp_kind kind)
{
	static struct side srv, cli;

	/* The connector trusts the edge (dir_a's CA) but its own certificate
	 * comes from dir_b's CA: the edge refuses it, and tells it so. */
	{
		char cdir[80];
		char cmd[512];

		snprintf(cdir, sizeof(cdir), "%s/mixed", dir_b);
		snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s/ca.crt %s/ && "
			 "cp %s/connector.crt %s/connector.key %s/", cdir, dir_a, cdir, dir_b,
			 dir_b, cdir);
		assert_int_equal(system(cmd), 0);
		pair(&srv, &cli, kind, dir_a, cdir, 1500);
	}
	assert_true(srv.have_peer);
	assert_int_equal(srv.peer.state, TP_DEAD);
	assert_non_null(strstr(srv.peer.error, "NOT trusted"));
	assert_int_not_equal(cli.peer.state, TP_UP);
	assert_int_equal(cli.peer.state, TP_DEAD);
	assert_non_null(strstr(cli.peer.error, "refused us"));
	unpair(&srv, &cli);
}

static void test_quic_session(void **state) { (void)state; session(TP_QUIC); }
static void test_dtls_session(void **state) { (void)state; session(TP_DTLS); }
static void test_quic_refused(void **state) { (void)state; refused(TP_QUIC); }
static void test_dtls_refused(void **state) { (void)state; refused(TP_DTLS); }

static int make_creds(void **state)
{
	(void)state;
	snprintf(dir_a, sizeof(dir_a), "/tmp/ws-tp-test-XXXXXX");
	snprintf(dir_b, sizeof(dir_b), "/tmp/ws-tp-test-XXXXXX");
	if (!mkdtemp(dir_a) || !mkdtemp(dir_b) || gnutls_global_init() < 0 ||
	    creds_init(dir_a, true, 1) < 0 || creds_init(dir_b, true, 1) < 0)
		return -1;
	return 0;
}

static int remove_creds(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir_a, dir_b);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_announce_roundtrip),
		cmocka_unit_test(test_announce_bad),
		cmocka_unit_test(test_quic_session),
		cmocka_unit_test(test_dtls_session),
		cmocka_unit_test(test_quic_refused),
		cmocka_unit_test(test_dtls_refused),
	};

	return cmocka_run_group_tests(tests, make_creds, remove_creds);
}
