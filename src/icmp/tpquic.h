/* SPDX-License-Identifier: BSD-2-Clause */
/* tpquic.h - QUIC sessions behind transport.h (internal to transport.c) */
#ifndef WS_ICMP_TPQUIC_H
#define WS_ICMP_TPQUIC_H

#include "icmp/transport.h"

/* GnuTLS priorities for QUIC: TLS 1.3 only, no middlebox compatibility. */
#define TPQ_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:" \
	"+AES-256-GCM:+CHACHA20-POLY1305:%DISABLE_TLS13_COMPAT_MODE"

/* The tp_* functions of transport.h for sessions of kind TP_QUIC. */
int tpq_accept(struct tp_io *io, const struct tp_creds *c, const struct sockaddr_storage *ss,
		socklen_t sl, const uint8_t *d, size_t len, struct tp_accept *acc);
int tpq_peer_init(struct tp_peer *p, const struct tp_creds *c, const struct tp_accept *acc,
		  uint64_t now_ms);
void tpq_peer_free(struct tp_peer *p);
int tpq_peer_input(struct tp_peer *p, const uint8_t *d, size_t len, tp_msg_fn fn, void *ctx);
int tpq_peer_send(struct tp_peer *p, const uint8_t *msg, size_t len);
int tpq_peer_tick(struct tp_peer *p);
void tpq_peer_bye(struct tp_peer *p);
uint64_t tpq_peer_deadline_ms(const struct tp_peer *p);
/* Finish the packet tpq_peer_send left open for more messages, if any. */
void tpq_peer_close_packet(struct tp_peer *p);

/*
 * The next free slot of @io's send batch (flushing it when full), to be
 * filled with up to TP_MAX_DGRAM bytes for @p and then committed.
 */
uint8_t *tp_io_slot(struct tp_io *io);
void tp_io_commit(struct tp_io *io, const struct tp_peer *p, size_t len);
void tp_io_commit_to(struct tp_io *io, const struct sockaddr_storage *ss, socklen_t sl,
		     size_t len);

#endif
