/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * transport.h - edge <-> connector transport: QUIC DATAGRAM frames
 * (RFC 9000 + RFC 9221, ngtcp2 + GnuTLS) or DTLS 1.2 (GnuTLS)
 *
 * Theory of operation
 *
 * Each connector holds one session with the edge over UDP, dialled by the
 * connector. Both sides present certificates signed by the private CA
 * `wanscope credentials init` made (mutual TLS), and each checks the
 * other's name (CN/SAN "wanscope-edge" or "wanscope-connector"). All
 * cryptography is GnuTLS's; this file and tpquic.c only move datagrams.
 *
 * QUIC (the default, tpquic.c): QUIC v1 with TLS 1.3, ALPN
 * "wanscope-icmp/1", and the DATAGRAM extension: every message is one
 * unreliable DATAGRAM frame in its own QUIC packet, so a lost packet is
 * never retransmitted or waited for (no head-of-line blocking); no streams
 * are used. The edge answers a first Initial without a token with a
 * stateless Retry, so spoofed sources cost it no state (as DTLS cookies
 * do), and a packet of a session it does not know (it restarted) with a
 * stateless reset. QUIC PINGs keep an idle session alive
 * (TP_KEEPALIVE_MS); the idle timeout (TP_DEAD_MS) ends a silent one. QUIC's own timers (loss
 * detection, ACK delay, pacing) are served through tp_peer_deadline_ms.
 *
 * DTLS 1.2 (--transport dtls): one DTLS session, the edge answering a
 * first ClientHello with a stateless cookie (HelloVerifyRequest);
 * KEEPALIVE messages after TP_KEEPALIVE_MS without traffic.
 *
 * One datagram (DTLS record or QUIC DATAGRAM frame) carries one message:
 * a type byte and a body.
 *   0x01 PACKET     one whole IPv4 or IPv6 packet
 *   0x02 ANNOUNCE   version 1, count, then per prefix: family (4|6),
 *                   length, and the address bytes (4 or 16); it replaces
 *                   the connector's previous announcement
 *   0x03 KEEPALIVE  empty (DTLS only)
 * A peer not heard from for TP_DEAD_MS is dropped (the connector then
 * reconnects with backoff). Messages are never fragmented: an inner packet
 * must fit the underlay MTU minus UDP and DTLS/QUIC overhead, which is why
 * the edge's TUN MTU defaults to 1400.
 *
 * Sends are batched: each encrypted datagram is appended to a per-socket
 * batch that the event loop flushes with one sendmmsg per pass; receives
 * come in with recvmmsg. QUIC packs the messages sent to one peer during
 * a pass into as few packets as fit (DATAGRAM frames with
 * NGTCP2_WRITE_DATAGRAM_FLAG_MORE); the flush closes the open packets. The edge tells sessions apart by the connector's
 * address and port (a connector whose address changes reconnects).
 */
#ifndef WS_ICMP_TRANSPORT_H
#define WS_ICMP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/dtls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

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
#define TP_MAX_OPEN 64		/* QUIC packets being filled per socket */
#define TP_KEEPALIVE_MS 2000
#define TP_DEAD_MS 10000
#define TP_HANDSHAKE_MS 10000
#define TP_ALPN "wanscope-icmp/1"

enum tp_kind { TP_QUIC, TP_DTLS };

/* Loaded credentials and settings shared by all sessions of one side. */
struct tp_creds {
	enum tp_kind kind;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t cookie_key;	/* edge: HelloVerifyRequest cookies */
	uint8_t token_key[32];		/* edge: QUIC Retry tokens */
	uint8_t reset_key[32];		/* edge: QUIC stateless reset tokens,
					 * derived from the edge's key so
					 * they survive a restart */
	enum creds_role role;
	unsigned mtu;			/* largest UDP payload */
};

/* What the edge learnt from a new peer's first datagram (tp_accept). */
struct tp_accept {
	gnutls_dtls_prestate_st pre;	/* DTLS */
	ngtcp2_pkt_hd hd;		/* QUIC: the Initial's header */
	ngtcp2_cid odcid;		/* QUIC: original DCID (from the token) */
};

/* One UDP socket with batched receive and send. */
struct tp_io {
	int fd;
	bool connected;			/* connector: connect()ed socket */
	struct sockaddr_storage local;	/* the socket's address */
	socklen_t llen;
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
	struct tp_peer *open[TP_MAX_OPEN];	/* QUIC: packets still taking
						 * messages, closed by the flush */
	unsigned nopen;
	uint64_t reset_sec;		/* QUIC: stateless resets sent in */
	unsigned resets;		/* ... this second (rate limit) */
};

enum tp_state { TP_HANDSHAKE, TP_UP, TP_DEAD };

struct tp_peer;
struct tpq_ext;
/* A message received: type and body (body excludes the type byte). */
typedef void (*tp_msg_fn)(void *ctx, struct tp_peer *p, uint8_t type,
			  const uint8_t *body, size_t len);

struct tp_peer {
	enum tp_kind kind;
	gnutls_session_t s;
	ngtcp2_conn *q;			/* QUIC */
	ngtcp2_crypto_conn_ref ref;	/* QUIC: GnuTLS session -> q */
	struct tpq_ext *qx;		/* QUIC: receive queue, settings */
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
	uint64_t tx_blocked;		/* QUIC: congestion window full, dropped */
};


/*
 * Load @role's certificate, key and CA from @dir for transport @kind.
 * @mtu is the largest UDP payload to send.
 * Return: 0, or -1 with a message naming the file.
 */
int tp_creds_load(struct tp_creds *c, const char *dir, enum creds_role role,
		  enum tp_kind kind, unsigned mtu);

/* Parse "quic" or "dtls". Return: 0, or -1 with a message naming @what. */
int tp_kind_parse(const char *what, const char *s, enum tp_kind *kind);
const char *tp_kind_name(enum tp_kind kind);
void tp_creds_free(struct tp_creds *c);

/* Prepare @io around the non-blocking UDP socket @fd (bound or connected). */
void tp_io_init(struct tp_io *io, int fd, bool connected);
/* Receive a batch. Return: datagrams in io->rx[0..n), 0 if none, -errno. */
int tp_io_recv(struct tp_io *io);
/* Close open QUIC packets and send what is batched. Failed datagrams are
 * counted, not retried. */
void tp_io_flush(struct tp_io *io);

/*
 * Start a session with the peer at @sa: a server (edge) session after
 * tp_accept said yes (@acc), or a client session (@acc NULL) that sends
 * its first flight now. Return: 0, or -1 (p->error says why).
 */
int tp_peer_init(struct tp_peer *p, struct tp_io *io, const struct tp_creds *c,
		 const struct sockaddr *sa, socklen_t salen, const struct tp_accept *acc,
		 uint64_t now_ms);
void tp_peer_free(struct tp_peer *p);

/*
 * Edge: the first datagram @d from an unknown peer. When it opens a
 * session with a proof that the peer owns its address (DTLS cookie, QUIC
 * Retry token), fill @acc and return true (start a session); otherwise
 * answer an opening with a stateless challenge (HelloVerifyRequest, QUIC
 * Retry) or ignore the datagram.
 * Return: 1 start a session, 0 challenge sent, -1 ignored.
 */
int tp_accept(struct tp_io *io, const struct tp_creds *c, const struct sockaddr_storage *ss,
	       socklen_t sl, const uint8_t *d, size_t len, struct tp_accept *acc);

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

/* Say goodbye (close_notify, CONNECTION_CLOSE) without waiting for an answer. */
void tp_peer_bye(struct tp_peer *p);

/*
 * When tp_peer_tick must run next for this session's own timers
 * (monotonic ms; UINT64_MAX: none beyond the caller's periodic tick).
 */
uint64_t tp_peer_deadline_ms(const struct tp_peer *p);

/*
 * Arm the CLOCK_MONOTONIC timerfd @tfd to fire once at @deadline_ms
 * (UINT64_MAX: disarm), unless *@armed already says so.
 */
void tp_timer_arm(int tfd, uint64_t *armed, uint64_t deadline_ms);

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
