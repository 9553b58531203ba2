/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * transport.h - edge <-> connector transport: DTLS 1.2 (GnuTLS) datagrams
 *
 * Theory of operation
 *
 * Each connector holds one DTLS 1.2 session with the edge over UDP; both
 * sides present certificates signed by the private CA `wanscope
 * credentials init` made (mutual TLS), and each checks the other's name
 * (CN/SAN "wanscope-edge" or "wanscope-connector"). The edge answers an
 * unknown peer's first ClientHello with a stateless cookie
 * (HelloVerifyRequest), so spoofed sources cost it no state. All
 * cryptography is GnuTLS's; this file only moves datagrams.
 *
 * One DTLS application record carries one message: a type byte and a body.
 *   0x01 PACKET     one whole IPv4 or IPv6 packet
 *   0x02 ANNOUNCE   version 1, count, then per prefix: family (4|6),
 *                   length, and the address bytes (4 or 16); it replaces
 *                   the connector's previous announcement
 *   0x03 KEEPALIVE  empty; sent after TP_KEEPALIVE_MS without traffic
 * A peer not heard from for TP_DEAD_MS is dropped (the connector then
 * reconnects with backoff). Records are never fragmented: an inner packet
 * must fit the underlay MTU minus UDP and DTLS overhead, which is why the
 * edge's TUN MTU defaults to 1400.
 *
 * Sends are batched: GnuTLS's push callback appends each encrypted record
 * to a per-socket batch that the event loop flushes with one sendmmsg per
 * pass; receives come in with recvmmsg and are fed to GnuTLS through a pull
 * callback that hands it exactly the datagram being processed.
 */
#ifndef WS_ICMP_TRANSPORT_H
#define WS_ICMP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/dtls.h>

#include "icmp/creds.h"
#include "lib/addr.h"

#define TP_MSG_PACKET 0x01
#define TP_MSG_ANNOUNCE 0x02
#define TP_MSG_KEEPALIVE 0x03

#define TP_ANNOUNCE_VERSION 1
#define TP_MAX_PREFIXES 64	/* per connector */
#define TP_MAX_DGRAM 2048	/* largest UDP datagram handled */
#define TP_MAX_MSG 1600		/* largest message (type byte + packet) */
#define TP_BATCH 32
#define TP_KEEPALIVE_MS 2000
#define TP_DEAD_MS 10000
#define TP_HANDSHAKE_MS 10000

/* Loaded credentials and settings shared by all sessions of one side. */
struct tp_creds {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t cookie_key;	/* edge: HelloVerifyRequest cookies */
	enum creds_role role;
	unsigned mtu;			/* DTLS (UDP payload) MTU */
};

/* One UDP socket with batched receive and send. */
struct tp_io {
	int fd;
	bool connected;			/* connector: connect()ed socket */
	unsigned ntx;
	struct mmsghdr tx[TP_BATCH];
	struct iovec txiov[TP_BATCH];
	struct sockaddr_storage txaddr[TP_BATCH];
	uint8_t txbuf[TP_BATCH][TP_MAX_DGRAM];
	struct mmsghdr rx[TP_BATCH];
	struct iovec rxiov[TP_BATCH];
	struct sockaddr_storage rxaddr[TP_BATCH];
	uint8_t rxbuf[TP_BATCH][TP_MAX_DGRAM];
	uint64_t tx_datagrams, tx_errors, rx_datagrams;
	int last_error;			/* errno of the last failed send */
};

enum tp_state { TP_HANDSHAKE, TP_UP, TP_DEAD };

struct tp_peer {
	gnutls_session_t s;
	struct tp_io *io;
	struct sockaddr_storage addr;
	socklen_t alen;
	enum tp_state state;
	const uint8_t *rx;		/* the datagram GnuTLS may pull */
	size_t rxlen;
	uint64_t start_ms, last_rx_ms, last_tx_ms;
	char name[IP_ADDR_STRLEN + 8];	/* "ADDR:PORT" for logs */
	char error[128];		/* why it went TP_DEAD */
	uint64_t rx_msgs, tx_msgs, tx_errors, rx_bad;
};

/* A message received: type and body (body excludes the type byte). */
typedef void (*tp_msg_fn)(void *ctx, struct tp_peer *p, uint8_t type,
			  const uint8_t *body, size_t len);

/*
 * Load @role's certificate, key and CA from @dir. @mtu is the largest UDP
 * payload to send. Return: 0, or -1 with a message naming the file.
 */
int tp_creds_load(struct tp_creds *c, const char *dir, enum creds_role role, unsigned mtu);
void tp_creds_free(struct tp_creds *c);

/* Prepare @io around the non-blocking UDP socket @fd. */
void tp_io_init(struct tp_io *io, int fd, bool connected);
/* Receive a batch. Return: datagrams in io->rx[0..n), 0 if none, -errno. */
int tp_io_recv(struct tp_io *io);
/* Send what is batched. Failed datagrams are counted, not retried. */
void tp_io_flush(struct tp_io *io);

/*
 * Start a session with the peer at @sa: a server (edge) session after the
 * cookie exchange (@pre from gnutls_dtls_cookie_verify), or a client
 * session that sends its ClientHello now. Return: 0, or -1.
 */
int tp_peer_init(struct tp_peer *p, struct tp_io *io, const struct tp_creds *c,
		 const struct sockaddr *sa, socklen_t salen, gnutls_dtls_prestate_st *pre,
		 uint64_t now_ms);
void tp_peer_free(struct tp_peer *p);

/*
 * Edge: the first datagram @d from an unknown peer. When it is a
 * ClientHello carrying a valid cookie, fill @pre and return true (start a
 * session); otherwise answer a ClientHello with a HelloVerifyRequest
 * (stateless) or ignore the datagram, and return false.
 */
bool tp_cookie_check(struct tp_io *io, const struct tp_creds *c,
		     const struct sockaddr_storage *ss, socklen_t sl, const uint8_t *d,
		     size_t len, gnutls_dtls_prestate_st *pre);

/*
 * Feed one datagram from the peer: handshake progress, or records whose
 * messages go to @fn. Return: 0, or -1 when the session died (p->error).
 */
int tp_peer_input(struct tp_peer *p, const uint8_t *d, size_t len, uint64_t now_ms,
		  tp_msg_fn fn, void *ctx);

/*
 * Send one message: @msg[0] is the type byte, then the body.
 * Return: 0, -1 when not up or GnuTLS failed (counted).
 */
int tp_peer_send(struct tp_peer *p, const uint8_t *msg, size_t len, uint64_t now_ms);

/*
 * Timers: handshake retransmission and timeout, keepalives, liveness.
 * Return: 0, or -1 when the session is dead (p->error says why).
 */
int tp_peer_tick(struct tp_peer *p, uint64_t now_ms);

/* Say goodbye (close_notify) without waiting for an answer. */
void tp_peer_bye(struct tp_peer *p);

/*
 * Encode an ANNOUNCE message (type byte included) of @n prefixes.
 * Return: its length, or 0 when @cap is too small or @n too large.
 */
size_t tp_announce_encode(const struct ip_prefix *pfx, size_t n, uint8_t *buf, size_t cap);

/*
 * Parse an ANNOUNCE body (after the type byte) into at most @max prefixes.
 * Host bits must be zero, lengths within the family.
 * Return: the number of prefixes, or -1 with @err naming the problem.
 */
int tp_announce_parse(const uint8_t *body, size_t len, struct ip_prefix *out, size_t max,
		      const char **err);



/*
 * Parse "HOST:PORT" or "[V6ADDR]:PORT" (HOST numeric or a name) into @ss.
 * Return: 0, or -1 with a message naming @what on stderr.
 */
int tp_parse_endpoint(const char *what, const char *s, struct sockaddr_storage *ss,
		      socklen_t *len);
#endif
