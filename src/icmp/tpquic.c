/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tpquic.c - QUIC sessions (ngtcp2 0.12 + GnuTLS) carrying messages in
 * DATAGRAM frames (RFC 9221)
 *
 * Theory of operation
 *
 * One ngtcp2_conn per session, its TLS 1.3 handshake done by a GnuTLS
 * session that ngtcp2_crypto_gnutls configures (secrets, handshake
 * messages and the transport-parameters extension go straight between the
 * two; GnuTLS finds the connection through an ngtcp2_crypto_conn_ref set
 * as the session pointer). The certificate checks are GnuTLS's own
 * (gnutls_session_set_verify_cert with the expected peer name), so a
 * refused peer fails inside the handshake and is told why by a TLS alert
 * in a CONNECTION_CLOSE.
 *
 * Messages sent to one peer during one event-loop pass share QUIC
 * packets: tpq_peer_send writes each DATAGRAM frame with
 * NGTCP2_WRITE_DATAGRAM_FLAG_MORE into a packet kept open in the peer's
 * own buffer (several peers share one socket batch) and registered with
 * the socket; tp_io_flush, at the end of the pass, closes the open packets
 * (ngtcp2_conn_write_pkt with the same timestamp) before sendmmsg. While
 * a packet is open ngtcp2 allows no other call on that connection, so
 * every other entry point closes it first. A small echo takes ~100 bytes;
 * a batch of 32 replies then leaves in 3 packets instead of 32.
 *
 * Timestamps are CLOCK_MONOTONIC nanoseconds. After every received
 * packet, message sent or expired timer the connection is asked for
 * packets (ngtcp2_conn_write_pkt) until it has none; each goes into the
 * socket's send batch. Messages arriving in DATAGRAM frames are copied
 * out during ngtcp2_conn_read_pkt and handed to the caller only after it
 * returned, because the caller may send (from its handler) and ngtcp2
 * must not be re-entered from a callback.
 *
 * The edge never keeps state for a peer that has not proved its address:
 * a first Initial without a token is answered with a Retry carrying an
 * encrypted token (ngtcp2_crypto_generate_retry_token, keyed by a random
 * per-process secret), and only an Initial returning a valid token within
 * TPQ_TOKEN_S starts a connection. A short-header packet from an unknown
 * peer is answered with a stateless reset (rate limited), whose token is
 * derived from the connection ID with a key that outlives a restart of
 * the edge: a connector whose edge restarted learns it at its next packet
 * instead of after the idle timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "icmp/tpquic.h"
#include "lib/timeutil.h"

#define TPQ_RXQ 128		/* DATAGRAM frames one packet may carry to us */
#define TPQ_CIDLEN 16
#define TPQ_TOKEN_S 10		/* Retry token lifetime */
#define TPQ_RESETS_PER_S 100	/* stateless resets the edge sends */

/* Messages received during one ngtcp2_conn_read_pkt: they all came in one
 * packet, so their bytes together fit one datagram's worth of buffer. */
struct tpq_ext {
	unsigned nrx;
	size_t rxused;
	uint16_t rxoff[TPQ_RXQ], rxlen[TPQ_RXQ];
	uint8_t rx[TP_MAX_DGRAM];
	size_t mtu;
	bool confirmed;		/* client: the server finished (HANDSHAKE_DONE) */
	bool reset;		/* the peer sent a stateless reset */
	const uint8_t *reset_key;	/* server: creds' stateless reset key */
	bool open;		/* tx holds a packet still taking DATAGRAMs */
	ngtcp2_tstamp open_ts;	/* ... written with this timestamp */
	uint8_t tx[TP_MAX_DGRAM];
};

static ngtcp2_tstamp tpq_now(void)
{
	return time_mono_ns();
}

static ngtcp2_conn *tpq_get_conn(ngtcp2_crypto_conn_ref *ref)
{
	struct tp_peer *p = ref->user_data;

	return p->q;
}

static void tpq_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	if (gnutls_rnd(GNUTLS_RND_NONCE, dest, len) < 0)
		memset(dest, 0, len);	/* GnuTLS's generator never fails */
}

static int tpq_new_cid(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen,
		       void *user_data)
{
	struct tp_peer *p = user_data;

	(void)conn;
	if (gnutls_rnd(GNUTLS_RND_NONCE, cid->data, cidlen) < 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	cid->datalen = cidlen;
	if (p->qx->reset_key)
		return ngtcp2_crypto_generate_stateless_reset_token(token, p->qx->reset_key,
			32, cid) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
	return gnutls_rnd(GNUTLS_RND_NONCE, token, NGTCP2_STATELESS_RESET_TOKENLEN) < 0 ?
	       NGTCP2_ERR_CALLBACK_FAILURE : 0;
}

static int tpq_recv_reset(ngtcp2_conn *conn, const ngtcp2_pkt_stateless_reset *sr,
			  void *user_data)
{
	struct tp_peer *p = user_data;

	(void)conn, (void)sr;
	p->qx->reset = true;
	return 0;
}

/* Answer a short-header packet for a connection we do not know (the edge
 * restarted) with a stateless reset, smaller than what it answers. */
static int tpq_send_reset(struct tp_io *io, const struct tp_creds *c,
			  const struct sockaddr_storage *ss, socklen_t sl, const uint8_t *d,
			  size_t len)
{
	uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN], rnd[64];
	uint64_t sec = time_mono_ms() / 1000;
	size_t randlen;
	ngtcp2_ssize n;
	ngtcp2_cid dcid;

	/* A short header with our connection ID; the reset (1 byte, >= 5
	 * random, 16 token) must stay smaller than what it answers. */
	if (len < 1 + TPQ_CIDLEN || len < 1 + NGTCP2_MIN_STATELESS_RESET_RANDLEN +
					 NGTCP2_STATELESS_RESET_TOKENLEN + 1 || (d[0] & 0x80))
		return -1;
	if (io->reset_sec != sec) {
		io->reset_sec = sec;
		io->resets = 0;
	}
	if (io->resets >= TPQ_RESETS_PER_S)
		return -1;
	randlen = len - 1 - NGTCP2_STATELESS_RESET_TOKENLEN - 1;
	if (randlen > sizeof(rnd))
		randlen = sizeof(rnd);
	ngtcp2_cid_init(&dcid, d + 1, TPQ_CIDLEN);
	if (ngtcp2_crypto_generate_stateless_reset_token(token, c->reset_key,
			sizeof(c->reset_key), &dcid) != 0 ||
	    gnutls_rnd(GNUTLS_RND_NONCE, rnd, randlen) < 0)
		return -1;
	n = ngtcp2_pkt_write_stateless_reset(tp_io_slot(io), TP_MAX_DGRAM, token, rnd, randlen);
	if (n <= 0)
		return -1;
	tp_io_commit_to(io, ss, sl, (size_t)n);
	io->resets++;
	return 0;
}

static int tpq_recv_datagram(ngtcp2_conn *conn, uint32_t flags, const uint8_t *data,
			     size_t len, void *user_data)
{
	struct tp_peer *p = user_data;
	struct tpq_ext *x = p->qx;

	(void)flags;
	/* Only from an authenticated peer (no 0-RTT), one type byte at least. */
	if (!ngtcp2_conn_get_handshake_completed(conn) || len < 1 || len > TP_MAX_MSG ||
	    x->nrx == TPQ_RXQ || len > sizeof(x->rx) - x->rxused) {
		p->rx_bad++;
		return 0;
	}
	memcpy(x->rx + x->rxused, data, len);
	x->rxoff[x->nrx] = (uint16_t)x->rxused;
	x->rxlen[x->nrx++] = (uint16_t)len;
	x->rxused += len;
	return 0;
}

static int tpq_confirmed(ngtcp2_conn *conn, void *user_data)
{
	struct tp_peer *p = user_data;

	(void)conn;
	p->qx->confirmed = true;
	return 0;
}

/*
 * Up when the peer is authenticated: for the edge when the TLS handshake
 * completed (the connector's certificate checked), for the connector
 * only when the handshake is confirmed -- in TLS 1.3 the client finishes
 * before the server has checked the client's certificate.
 */
static void tpq_check_up(struct tp_peer *p)
{
	if (p->state != TP_HANDSHAKE || !ngtcp2_conn_get_handshake_completed(p->q))
		return;
	if (ngtcp2_conn_is_server(p->q) || p->qx->confirmed)
		p->state = TP_UP;
}

static int tpq_cid(ngtcp2_cid *cid, size_t len)
{
	cid->datalen = len;
	return gnutls_rnd(GNUTLS_RND_NONCE, cid->data, len) < 0 ? -1 : 0;
}

/* Describe why the connection ended, from our side or the peer's. */
static void tpq_explain(struct tp_peer *p, const char *what, int liberr)
{
	ngtcp2_connection_close_error cc;
	unsigned st;

	switch (liberr) {
	case NGTCP2_ERR_IDLE_CLOSE:
		snprintf(p->error, sizeof(p->error), "silent for %d s", TP_DEAD_MS / 1000);
		return;
	case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
		snprintf(p->error, sizeof(p->error), "QUIC handshake timed out");
		return;
	case NGTCP2_ERR_DRAINING:
		if (p->qx->reset) {
			snprintf(p->error, sizeof(p->error), "the peer lost our session "
				 "(stateless reset: it restarted?)");
			return;
		}
		ngtcp2_conn_get_connection_close_error(p->q, &cc);
		if (cc.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_TRANSPORT &&
		    cc.error_code > NGTCP2_CRYPTO_ERROR && cc.error_code <= 0x1ff)
			snprintf(p->error, sizeof(p->error), "QUIC handshake: the peer refused "
				 "us: %s", gnutls_alert_get_name((gnutls_alert_description_t)
						(cc.error_code - NGTCP2_CRYPTO_ERROR)));
		else if (cc.error_code == NGTCP2_NO_ERROR)
			snprintf(p->error, sizeof(p->error), "peer closed the session");
		else
			snprintf(p->error, sizeof(p->error), "peer closed the session: QUIC "
				 "error 0x%llx %.*s", (unsigned long long)cc.error_code,
				 (int)(cc.reasonlen > 60 ? 60 : cc.reasonlen),
				 cc.reason ? (const char *)cc.reason : "");
		return;
	case NGTCP2_ERR_CRYPTO:
		st = gnutls_session_get_verify_cert_status(p->s);
		if (st) {
			gnutls_datum_t out = { 0 };

			if (gnutls_certificate_verification_status_print(st, GNUTLS_CRT_X509,
									 &out, 0) == 0) {
				snprintf(p->error, sizeof(p->error), "QUIC handshake: %s",
					 (const char *)out.data);
				gnutls_free(out.data);
				return;
			}
		}
		snprintf(p->error, sizeof(p->error), "QUIC handshake: TLS failed (alert %s)",
			 gnutls_alert_get_name((gnutls_alert_description_t)
					       ngtcp2_conn_get_tls_alert(p->q)));
		return;
	default:
		snprintf(p->error, sizeof(p->error), "%s: %s", what, ngtcp2_strerror(liberr));
		return;
	}
}

/* Queue a finished packet from the peer's own buffer. */
static void tpq_commit_tx(struct tp_peer *p, size_t len)
{
	memcpy(tp_io_slot(p->io), p->qx->tx, len);
	tp_io_commit(p->io, p, len);
}

/* The connection failed with @liberr: say why, tell the peer when we may. */
static int tpq_fail(struct tp_peer *p, const char *what, int liberr)
{
	ngtcp2_connection_close_error cc;
	ngtcp2_ssize n;
	uint8_t *buf;

	p->qx->open = false;	/* a half-built packet is dropped */
	tpq_explain(p, what, liberr);
	p->state = TP_DEAD;
	if (liberr == NGTCP2_ERR_DRAINING || liberr == NGTCP2_ERR_DROP_CONN ||
	    liberr == NGTCP2_ERR_IDLE_CLOSE || liberr == NGTCP2_ERR_HANDSHAKE_TIMEOUT ||
	    ngtcp2_conn_is_in_closing_period(p->q) || ngtcp2_conn_is_in_draining_period(p->q))
		return -1;
	if (liberr == NGTCP2_ERR_CRYPTO)
		ngtcp2_connection_close_error_set_transport_error_tls_alert(&cc,
			ngtcp2_conn_get_tls_alert(p->q), NULL, 0);
	else
		ngtcp2_connection_close_error_set_transport_error_liberr(&cc, liberr, NULL, 0);
	buf = tp_io_slot(p->io);
	n = ngtcp2_conn_write_connection_close(p->q, NULL, NULL, buf, p->qx->mtu, &cc,
					       tpq_now());
	if (n > 0)
		tp_io_commit(p->io, p, (size_t)n);
	return -1;
}


/* Send whatever the connection wants to send now. */
static int tpq_write(struct tp_peer *p)
{
	ngtcp2_tstamp ts;
	ngtcp2_ssize n;
	unsigned k;

	tpq_peer_close_packet(p);	/* ngtcp2 allows nothing else meanwhile */
	if (p->state == TP_DEAD)
		return -1;
	ts = tpq_now();
	for (k = 0; k < 64; k++) {
		uint8_t *buf = tp_io_slot(p->io);

		n = ngtcp2_conn_write_pkt(p->q, NULL, NULL, buf, p->qx->mtu, ts);
		if (n < 0)
			return tpq_fail(p, "QUIC send", (int)n);
		if (n == 0)
			return 0;
		tp_io_commit(p->io, p, (size_t)n);
	}
	return 0;
}

int tpq_accept(struct tp_io *io, const struct tp_creds *c, const struct sockaddr_storage *ss,
		socklen_t sl, const uint8_t *d, size_t len, struct tp_accept *acc)
{
	uint8_t tok[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
	ngtcp2_tstamp ts = tpq_now();
	ngtcp2_ssize n;
	ngtcp2_cid rscid;
	uint8_t *buf;

	memset(acc, 0, sizeof(*acc));
	if (ngtcp2_accept(&acc->hd, d, len) != 0)
		return tpq_send_reset(io, c, ss, sl, d, len);
	if (acc->hd.type != NGTCP2_PKT_INITIAL)
		return -1;
	if (acc->hd.token.len == 0) {
		/* Prove the address first: a stateless Retry. */
		if (tpq_cid(&rscid, TPQ_CIDLEN) < 0)
			return -1;
		n = ngtcp2_crypto_generate_retry_token(tok, c->token_key, sizeof(c->token_key),
			acc->hd.version, (const ngtcp2_sockaddr *)ss, sl, &rscid,
			&acc->hd.dcid, ts);
		if (n < 0)
			return -1;
		buf = tp_io_slot(io);
		n = ngtcp2_crypto_write_retry(buf, TP_MAX_DGRAM, acc->hd.version, &acc->hd.scid,
					      &rscid, &acc->hd.dcid, tok, (size_t)n);
		if (n <= 0)
			return -1;
		tp_io_commit_to(io, ss, sl, (size_t)n);
		return 0;
	}
	if (acc->hd.token.base[0] != NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY)
		return -1;
	return ngtcp2_crypto_verify_retry_token(&acc->odcid, acc->hd.token.base,
		acc->hd.token.len, c->token_key, sizeof(c->token_key), acc->hd.version,
		(const ngtcp2_sockaddr *)ss, sl, &acc->hd.dcid,
		TPQ_TOKEN_S * NGTCP2_SECONDS, ts) == 0 ? 1 : -1;
}

static int tpq_tls(struct tp_peer *p, const struct tp_creds *c, bool server)
{
	static const gnutls_datum_t alpn = {
		.data = (unsigned char *)TP_ALPN, .size = sizeof(TP_ALPN) - 1,
	};
	int rc;

	rc = gnutls_init(&p->s, server ? GNUTLS_SERVER : GNUTLS_CLIENT);
	if (rc < 0)
		return rc;
	if ((rc = gnutls_priority_set(p->s, c->prio)) < 0 ||
	    (rc = gnutls_credentials_set(p->s, GNUTLS_CRD_CERTIFICATE, c->cred)) < 0 ||
	    (rc = gnutls_alpn_set_protocols(p->s, &alpn, 1, GNUTLS_ALPN_MANDATORY)) < 0)
		return rc;
	if (server) {
		if (ngtcp2_crypto_gnutls_configure_server_session(p->s) != 0)
			return GNUTLS_E_INTERNAL_ERROR;
		gnutls_certificate_server_set_request(p->s, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert(p->s, CREDS_CONNECTOR_NAME, 0);
	} else {
		if (ngtcp2_crypto_gnutls_configure_client_session(p->s) != 0)
			return GNUTLS_E_INTERNAL_ERROR;
		gnutls_session_set_verify_cert(p->s, CREDS_EDGE_NAME, 0);
		rc = gnutls_server_name_set(p->s, GNUTLS_NAME_DNS, CREDS_EDGE_NAME,
					    sizeof(CREDS_EDGE_NAME) - 1);
		if (rc < 0)
			return rc;
	}
	p->ref.get_conn = tpq_get_conn;
	p->ref.user_data = p;
	gnutls_session_set_ptr(p->s, &p->ref);
	return 0;
}

int tpq_peer_init(struct tp_peer *p, const struct tp_creds *c, const struct tp_accept *acc,
		  uint64_t now_ms)
{
	bool server = c->role == CREDS_EDGE;
	ngtcp2_callbacks cb;
	ngtcp2_settings st;
	ngtcp2_transport_params tp;
	ngtcp2_path path;
	ngtcp2_cid scid, dcid;
	int rc;

	(void)now_ms;
	p->qx = calloc(1, sizeof(*p->qx));
	if (!p->qx) {
		snprintf(p->error, sizeof(p->error), "QUIC setup: out of memory");
		return -1;
	}
	p->qx->mtu = c->mtu < TP_MAX_DGRAM ? c->mtu : TP_MAX_DGRAM;
	memset(&cb, 0, sizeof(cb));
	if (server) {
		cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
	} else {
		cb.client_initial = ngtcp2_crypto_client_initial_cb;
		cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
	}
	cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
	cb.encrypt = ngtcp2_crypto_encrypt_cb;
	cb.decrypt = ngtcp2_crypto_decrypt_cb;
	cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
	cb.rand = tpq_rand;
	cb.get_new_connection_id = tpq_new_cid;
	cb.update_key = ngtcp2_crypto_update_key_cb;
	cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
	cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
	cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
	cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
	cb.recv_datagram = tpq_recv_datagram;
	cb.handshake_confirmed = tpq_confirmed;
	cb.recv_stateless_reset = tpq_recv_reset;

	ngtcp2_settings_default(&st);
	st.initial_ts = tpq_now();
	st.max_tx_udp_payload_size = p->qx->mtu;
	st.no_tx_udp_payload_size_shaping = 1;	/* our MTU, not 1200 */
	st.handshake_timeout = (ngtcp2_duration)TP_HANDSHAKE_MS * NGTCP2_MILLISECONDS;

	ngtcp2_transport_params_default(&tp);
	tp.max_idle_timeout = (ngtcp2_duration)TP_DEAD_MS * NGTCP2_MILLISECONDS;
	tp.max_datagram_frame_size = TP_MAX_MSG + 16;
	tp.initial_max_streams_bidi = 0;
	tp.initial_max_streams_uni = 0;
	tp.initial_max_data = 0;

	memset(&path, 0, sizeof(path));
	path.local.addr = (ngtcp2_sockaddr *)&p->io->local;
	path.local.addrlen = p->io->llen;
	path.remote.addr = (ngtcp2_sockaddr *)&p->addr;
	path.remote.addrlen = p->alen;
	if (tpq_cid(&scid, TPQ_CIDLEN) < 0) {
		rc = NGTCP2_ERR_INTERNAL;
		goto fail;
	}
	if (server) {
		p->qx->reset_key = c->reset_key;
		tp.stateless_reset_token_present = 1;
		if (ngtcp2_crypto_generate_stateless_reset_token(tp.stateless_reset_token,
				c->reset_key, sizeof(c->reset_key), &scid) != 0) {
			rc = NGTCP2_ERR_INTERNAL;
			goto fail;
		}
		tp.original_dcid = acc->odcid;
		tp.retry_scid = acc->hd.dcid;
		tp.retry_scid_present = 1;
		rc = ngtcp2_conn_server_new(&p->q, &acc->hd.scid, &scid, &path, acc->hd.version,
					    &cb, &st, &tp, NULL, p);
	} else {
		if (tpq_cid(&dcid, 18) < 0) {
			rc = NGTCP2_ERR_INTERNAL;
			goto fail;
		}
		rc = ngtcp2_conn_client_new(&p->q, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1,
					    &cb, &st, &tp, NULL, p);
	}
	if (rc != 0)
		goto fail;
	rc = tpq_tls(p, c, server);
	if (rc < 0) {
		snprintf(p->error, sizeof(p->error), "TLS setup: %s", gnutls_strerror(rc));
		return -1;
	}
	ngtcp2_conn_set_tls_native_handle(p->q, p->s);
	ngtcp2_conn_set_keep_alive_timeout(p->q,
		(ngtcp2_duration)TP_KEEPALIVE_MS * NGTCP2_MILLISECONDS);
	p->state = TP_HANDSHAKE;
	if (!server)
		return tpq_write(p);	/* the client's Initial */
	return 0;
fail:
	snprintf(p->error, sizeof(p->error), "QUIC setup: %s", ngtcp2_strerror(rc));
	return -1;
}

void tpq_peer_free(struct tp_peer *p)
{
	unsigned i;

	if (p->io)	/* no flush may touch it any more */
		for (i = 0; i < p->io->nopen; i++)
			if (p->io->open[i] == p)
				p->io->open[i] = NULL;
	if (p->q)
		ngtcp2_conn_del(p->q);
	if (p->s)
		gnutls_deinit(p->s);
	free(p->qx);
	p->q = NULL;
	p->s = NULL;
	p->qx = NULL;
}

int tpq_peer_input(struct tp_peer *p, const uint8_t *d, size_t len, tp_msg_fn fn, void *ctx)
{
	ngtcp2_path path;
	struct tpq_ext *x = p->qx;
	unsigned i;
	int rc;

	memset(&path, 0, sizeof(path));
	path.local.addr = (ngtcp2_sockaddr *)&p->io->local;
	path.local.addrlen = p->io->llen;
	path.remote.addr = (ngtcp2_sockaddr *)&p->addr;
	path.remote.addrlen = p->alen;
	tpq_peer_close_packet(p);
	if (p->state == TP_DEAD)
		return -1;
	x->nrx = 0;
	x->rxused = 0;
	rc = ngtcp2_conn_read_pkt(p->q, &path, NULL, d, len, tpq_now());
	if (rc != 0)
		return tpq_fail(p, "QUIC receive", rc);
	tpq_check_up(p);
	/* ACKs and handshake packets first: a handler may send, opening a
	 * packet that only the flush closes. */
	if (tpq_write(p) < 0)
		return -1;
	for (i = 0; i < x->nrx && p->state == TP_UP; i++) {
		p->rx_msgs++;
		const uint8_t *m = x->rx + x->rxoff[i];

		fn(ctx, p, m[0], m + 1, (size_t)x->rxlen[i] - 1);
	}
	x->nrx = 0;
	return p->state == TP_DEAD ? -1 : 0;
}

void tpq_peer_close_packet(struct tp_peer *p)
{
	struct tpq_ext *x = p->qx;
	ngtcp2_ssize n;

	if (!x || !x->open)
		return;
	x->open = false;
	n = ngtcp2_conn_write_pkt(p->q, NULL, NULL, x->tx, x->mtu, x->open_ts);
	if (n > 0)
		tpq_commit_tx(p, (size_t)n);
	else if (n < 0 && ngtcp2_err_is_fatal((int)n))
		tpq_fail(p, "QUIC send", (int)n);
}

/* Keep the packet open for more messages until the socket is flushed. */
static void tpq_keep_open(struct tp_peer *p)
{
	struct tp_io *io = p->io;

	if (p->qx->open)
		return;		/* registered when it was opened */
	p->qx->open = true;
	if (io->nopen < TP_MAX_OPEN)
		io->open[io->nopen++] = p;
	else
		tpq_peer_close_packet(p);	/* no room to wait: send now */
}

int tpq_peer_send(struct tp_peer *p, const uint8_t *msg, size_t len)
{
	ngtcp2_vec v = { .base = (uint8_t *)msg, .len = len };
	struct tpq_ext *x = p->qx;
	ngtcp2_ssize n;
	int accepted = 0, tries;

	/* A packet finished without our datagram (it was full, or an ACK or
	 * handshake packet was due first) leaves room for another try. */
	for (tries = 0; tries < 3 && !accepted; tries++) {
		bool was_open = x->open;

		if (!was_open)
			x->open_ts = tpq_now();
		n = ngtcp2_conn_writev_datagram(p->q, NULL, NULL, x->tx, x->mtu, &accepted,
						NGTCP2_WRITE_DATAGRAM_FLAG_MORE, 0, &v, 1,
						x->open_ts);
		if (n == NGTCP2_ERR_WRITE_MORE) {
			x->open = was_open;
			tpq_keep_open(p);
			return 0;
		}
		x->open = false;
		if (n < 0) {
			p->tx_errors++;
			if (ngtcp2_err_is_fatal((int)n))
				return tpq_fail(p, "QUIC send", (int)n);
			return -1;	/* too big for the peer, or not allowed yet */
		}
		if (n == 0)
			break;		/* congestion window or pacing: drop */
		tpq_commit_tx(p, (size_t)n);
	}
	if (!accepted) {
		p->tx_blocked++;
		return -1;
	}
	return 0;
}

int tpq_peer_tick(struct tp_peer *p)
{
	ngtcp2_tstamp ts;
	int rc;

	tpq_peer_close_packet(p);
	if (p->state == TP_DEAD)
		return -1;
	ts = tpq_now();
	if (ngtcp2_conn_get_expiry(p->q) <= ts) {
		rc = ngtcp2_conn_handle_expiry(p->q, ts);
		if (rc != 0)
			return tpq_fail(p, "QUIC timer", rc);
	}
	tpq_check_up(p);
	return tpq_write(p);
}

void tpq_peer_bye(struct tp_peer *p)
{
	ngtcp2_connection_close_error cc;
	ngtcp2_ssize n;
	uint8_t *buf;

	tpq_peer_close_packet(p);
	if (!p->q || p->state == TP_DEAD || ngtcp2_conn_is_in_closing_period(p->q) ||
	    ngtcp2_conn_is_in_draining_period(p->q))
		return;
	ngtcp2_connection_close_error_default(&cc);
	buf = tp_io_slot(p->io);
	n = ngtcp2_conn_write_connection_close(p->q, NULL, NULL, buf, p->qx->mtu, &cc,
					       tpq_now());
	if (n > 0)
		tp_io_commit(p->io, p, (size_t)n);
}

uint64_t tpq_peer_deadline_ms(const struct tp_peer *p)
{
	ngtcp2_tstamp t;

	if (!p->q || p->state == TP_DEAD)
		return UINT64_MAX;
	if (p->qx->open)
		return 0;	/* not until the packet is closed: at once */
	t = ngtcp2_conn_get_expiry(p->q);
	return t == UINT64_MAX ? UINT64_MAX : (t + 999999) / 1000000;
}
