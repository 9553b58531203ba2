/* SPDX-License-Identifier: BSD-2-Clause */
/* transport.c - edge <-> connector sessions: batched UDP I/O, DTLS 1.2
 * (GnuTLS), and dispatch to QUIC (tpquic.c) */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "icmp/tpquic.h"
#include "icmp/transport.h"
#include "lib/cursor.h"
#include "lib/log.h"

/* DTLS 1.2 only, AEAD ciphers, ECDHE key exchange. */
#define TP_PRIORITY "SECURE128:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+AES-128-GCM:" \
	"+AES-256-GCM:+CHACHA20-POLY1305:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"

int tp_kind_parse(const char *what, const char *s, enum tp_kind *kind)
{
	if (!strcmp(s, "quic"))
		*kind = TP_QUIC;
	else if (!strcmp(s, "dtls"))
		*kind = TP_DTLS;
	else {
		fprintf(stderr, "wanscope: %s: '%s' is not quic or dtls\n", what, s);
		return -1;
	}
	return 0;
}

const char *tp_kind_name(enum tp_kind kind)
{
	return kind == TP_QUIC ? "QUIC" : "DTLS 1.2";
}

/* The QUIC stateless-reset secret: an HMAC of the edge's private key file,
 * so a restarted edge can still end the sessions of its previous life. */
static int tp_reset_key(struct tp_creds *c, const char *keyfile)
{
	static const char label[] = "wanscope quic stateless reset v1";
	gnutls_datum_t d = { 0 };
	int rc;

	rc = gnutls_load_file(keyfile, &d);
	if (rc < 0) {
		log_warnx("%s: %s", keyfile, gnutls_strerror(rc));
		return -1;
	}
	rc = gnutls_hmac_fast(GNUTLS_MAC_SHA256, d.data, d.size, label, sizeof(label) - 1,
			      c->reset_key);
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
	if (rc < 0) {
		log_warnx("stateless reset key: %s", gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

int tp_creds_load(struct tp_creds *c, const char *dir, enum creds_role role,
		  enum tp_kind kind, unsigned mtu)
{
	char cert[4096], key[4096], ca[4096];
	int rc;

	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->role = role;
	c->mtu = mtu;
	if (creds_paths(dir, role, cert, key, ca, sizeof(cert)) < 0) {
		log_warnx("%s: path too long", dir);
		return -1;
	}
	if ((rc = gnutls_global_init()) < 0 ||
	    (rc = gnutls_certificate_allocate_credentials(&c->cred)) < 0) {
		log_warnx("gnutls: %s", gnutls_strerror(rc));
		return -1;
	}
	rc = gnutls_certificate_set_x509_trust_file(c->cred, ca, GNUTLS_X509_FMT_PEM);
	if (rc <= 0) {
		log_warnx("%s: cannot load CA certificate: %s (run `wanscope credentials "
			  "init %s`)", ca, rc < 0 ? gnutls_strerror(rc) : "no certificate",
			  dir);
		goto fail;
	}
	rc = gnutls_certificate_set_x509_key_file(c->cred, cert, key, GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		log_warnx("%s, %s: cannot load certificate and key: %s", cert, key,
			  gnutls_strerror(rc));
		goto fail;
	}
	rc = gnutls_priority_init(&c->prio, kind == TP_QUIC ? TPQ_PRIORITY : TP_PRIORITY, NULL);
	if (rc < 0) {
		log_warnx("gnutls priority: %s", gnutls_strerror(rc));
		goto fail;
	}
	if (role == CREDS_EDGE && tp_reset_key(c, key) < 0)
		goto fail;
	if (role == CREDS_EDGE &&
	    ((rc = gnutls_key_generate(&c->cookie_key, GNUTLS_COOKIE_KEY_SIZE)) < 0 ||
	     (rc = gnutls_rnd(GNUTLS_RND_KEY, c->token_key, sizeof(c->token_key))) < 0)) {
		log_warnx("gnutls cookie key: %s", gnutls_strerror(rc));
		goto fail;
	}
	return 0;
fail:
	tp_creds_free(c);
	return -1;
}

void tp_creds_free(struct tp_creds *c)
{
	if (c->prio)
		gnutls_priority_deinit(c->prio);
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	if (c->cookie_key.data)
		gnutls_free(c->cookie_key.data);
	memset(c, 0, sizeof(*c));
}

void tp_io_init(struct tp_io *io, int fd, bool connected)
{
	unsigned i;

	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->connected = connected;
	io->llen = sizeof(io->local);
	if (getsockname(fd, (struct sockaddr *)&io->local, &io->llen) < 0)
		io->llen = 0;
	for (i = 0; i < TP_BATCH; i++) {
		io->rxiov[i].iov_base = io->rxbuf[i];
		io->rxiov[i].iov_len = sizeof(io->rxbuf[i]);
		io->txiov[i].iov_base = io->txbuf[i];
	}
}

int tp_io_recv(struct tp_io *io)
{
	unsigned i;
	int n;

	for (i = 0; i < TP_BATCH; i++) {
		memset(&io->rx[i].msg_hdr, 0, sizeof(io->rx[i].msg_hdr));
		io->rx[i].msg_hdr.msg_iov = &io->rxiov[i];
		io->rx[i].msg_hdr.msg_iovlen = 1;
		io->rx[i].msg_hdr.msg_name = &io->rxaddr[i];
		io->rx[i].msg_hdr.msg_namelen = sizeof(io->rxaddr[i]);
	}
	n = recvmmsg(io->fd, io->rx, TP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	io->rx_datagrams += (unsigned)n;
	return n;
}

void tp_io_flush(struct tp_io *io)
{
	struct tp_peer *open[TP_MAX_OPEN];
	unsigned done = 0, nopen = io->nopen, i;
	int n;

	/* Packets still being filled go out with this batch. Taken off the
	 * list first: closing one may flush (and so re-enter) when full. */
	memcpy(open, io->open, nopen * sizeof(open[0]));
	io->nopen = 0;
	for (i = 0; i < nopen; i++)
		if (open[i])
			tpq_peer_close_packet(open[i]);
	while (done < io->ntx) {
		n = sendmmsg(io->fd, io->tx + done, io->ntx - done, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Drop the first datagram and try the rest: one bad
			 * destination must not block the others. */
			io->last_error = errno;
			io->tx_errors++;
			done++;
			continue;
		}
		io->tx_datagrams += (unsigned)n;
		done += (unsigned)n;
	}
	io->ntx = 0;
}

uint8_t *tp_io_slot(struct tp_io *io)
{
	if (io->ntx == TP_BATCH)
		tp_io_flush(io);
	return io->txbuf[io->ntx];
}

void tp_io_commit_to(struct tp_io *io, const struct sockaddr_storage *ss, socklen_t sl,
		     size_t len)
{
	unsigned i = io->ntx++;
	struct msghdr *h = &io->tx[i].msg_hdr;

	io->txiov[i].iov_len = len;
	memset(h, 0, sizeof(*h));
	h->msg_iov = &io->txiov[i];
	h->msg_iovlen = 1;
	if (!io->connected) {
		memcpy(&io->txaddr[i], ss, sl);
		h->msg_name = &io->txaddr[i];
		h->msg_namelen = sl;
	}
}

void tp_io_commit(struct tp_io *io, const struct tp_peer *p, size_t len)
{
	tp_io_commit_to(io, &p->addr, p->alen, len);
}

/* GnuTLS push: queue one datagram on the batch. */
static ssize_t tp_push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
	struct tp_peer *p = ptr;
	struct tp_io *io = p->io;

	if (len > TP_MAX_DGRAM) {
		io->tx_errors++;
		return (ssize_t)len;	/* too big to send: drop */
	}
	memcpy(tp_io_slot(io), data, len);
	tp_io_commit(io, p, len);
	return (ssize_t)len;
}

int tp_accept(struct tp_io *io, const struct tp_creds *c, const struct sockaddr_storage *ss,
	       socklen_t sl, const uint8_t *d, size_t len, struct tp_accept *acc)
{
	gnutls_dtls_prestate_st *pre = &acc->pre;
	struct tp_peer tmp;

	if (c->kind == TP_QUIC)
		return tpq_accept(io, c, ss, sl, d, len, acc);
	memset(acc, 0, sizeof(*acc));
	if (gnutls_dtls_cookie_verify((gnutls_datum_t *)&c->cookie_key, (void *)ss, sl,
				      (void *)d, len, pre) == 0)
		return 1;
	/* Only a handshake record (content type 22) gets an answer. */
	if (len <= 13 || d[0] != 22 || sl > sizeof(tmp.addr))
		return -1;
	memset(&tmp, 0, sizeof(tmp));
	tmp.io = io;
	memcpy(&tmp.addr, ss, sl);
	tmp.alen = sl;
	gnutls_dtls_cookie_send((gnutls_datum_t *)&c->cookie_key, (void *)ss, sl, pre, &tmp,
				tp_push);
	return 0;
}

/* GnuTLS pull: hand over the datagram being processed, once. */
static ssize_t tp_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct tp_peer *p = ptr;
	size_t n;

	if (!p->rx) {
		gnutls_transport_set_errno(p->s, EAGAIN);
		return -1;
	}
	n = p->rxlen < len ? p->rxlen : len;
	memcpy(buf, p->rx, n);
	p->rx = NULL;
	p->rxlen = 0;
	return (ssize_t)n;
}

static int tp_pull_timeout(gnutls_transport_ptr_t ptr, unsigned ms)
{
	struct tp_peer *p = ptr;

	(void)ms;
	return p->rx ? 1 : 0;
}

static void peer_name(struct tp_peer *p)
{
	struct ip_addr a;
	uint16_t port = 0;
	char s[IP_ADDR_STRLEN];

	if (ip_addr_from_sockaddr((const struct sockaddr *)&p->addr, &a, &port) < 0) {
		snprintf(p->name, sizeof(p->name), "?");
		return;
	}
	ip_addr_fmt(&a, s);
	snprintf(p->name, sizeof(p->name), a.family == 6 ? "[%s]:%u" : "%s:%u", s, port);
}

int tp_peer_init(struct tp_peer *p, struct tp_io *io, const struct tp_creds *c,
		 const struct sockaddr *sa, socklen_t salen, const struct tp_accept *acc,
		 uint64_t now_ms)
{
	bool server = c->role == CREDS_EDGE;
	int rc;

	memset(p, 0, sizeof(*p));
	p->io = io;
	p->kind = c->kind;
	if (salen > sizeof(p->addr))
		return -1;
	memcpy(&p->addr, sa, salen);
	p->alen = salen;
	peer_name(p);
	p->start_ms = p->last_rx_ms = p->last_tx_ms = now_ms;
	if (p->kind == TP_QUIC) {
		if (tpq_peer_init(p, c, acc, now_ms) == 0)
			return 0;
		tpq_peer_free(p);
		p->state = TP_DEAD;
		return -1;
	}
	rc = gnutls_init(&p->s, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
			 GNUTLS_DATAGRAM | GNUTLS_NONBLOCK);
	if (rc < 0)
		goto fail;
	if ((rc = gnutls_priority_set(p->s, c->prio)) < 0 ||
	    (rc = gnutls_credentials_set(p->s, GNUTLS_CRD_CERTIFICATE, c->cred)) < 0)
		goto fail;
	gnutls_transport_set_ptr(p->s, p);
	gnutls_transport_set_push_function(p->s, tp_push);
	gnutls_transport_set_pull_function(p->s, tp_pull);
	gnutls_transport_set_pull_timeout_function(p->s, tp_pull_timeout);
	gnutls_dtls_set_mtu(p->s, c->mtu);
	gnutls_dtls_set_timeouts(p->s, 1000, TP_HANDSHAKE_MS);
	if (server) {
		gnutls_certificate_server_set_request(p->s, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert(p->s, CREDS_CONNECTOR_NAME, 0);
		if (acc)
			gnutls_dtls_prestate_set(p->s, (gnutls_dtls_prestate_st *)&acc->pre);
	} else {
		gnutls_session_set_verify_cert(p->s, CREDS_EDGE_NAME, 0);
	}
	p->state = TP_HANDSHAKE;
	if (!server) {
		rc = gnutls_handshake(p->s);
		if (rc < 0 && gnutls_error_is_fatal(rc))
			goto fail;
	}
	return 0;
fail:
	snprintf(p->error, sizeof(p->error), "DTLS setup: %s", gnutls_strerror(rc));
	if (p->s)
		gnutls_deinit(p->s);
	p->s = NULL;
	p->state = TP_DEAD;
	return -1;
}

void tp_peer_free(struct tp_peer *p)
{
	if (p->kind == TP_QUIC) {
		tpq_peer_free(p);
		p->state = TP_DEAD;
		return;
	}
	if (p->s)
		gnutls_deinit(p->s);
	p->s = NULL;
	p->state = TP_DEAD;
}

void tp_peer_bye(struct tp_peer *p)
{
	if (p->kind == TP_QUIC) {
		tpq_peer_bye(p);
		return;
	}
	if (p->s && p->state == TP_UP)
		gnutls_bye(p->s, GNUTLS_SHUT_WR);
}

static int peer_die(struct tp_peer *p, const char *what, int rc)
{
	/* Tell the peer why (bad certificate, unknown CA, ...). */
	if (p->state == TP_HANDSHAKE && rc != GNUTLS_E_FATAL_ALERT_RECEIVED)
		gnutls_alert_send_appropriate(p->s, rc);
	if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		snprintf(p->error, sizeof(p->error), "%s: the peer refused us: %s", what,
			 gnutls_alert_get_name(gnutls_alert_get(p->s)));
		p->state = TP_DEAD;
		return -1;
	}
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		gnutls_datum_t out = { 0 };
		unsigned st = gnutls_session_get_verify_cert_status(p->s);

		if (gnutls_certificate_verification_status_print(st,
				GNUTLS_CRT_X509, &out, 0) == 0) {
			snprintf(p->error, sizeof(p->error), "%s: %s", what,
				 (const char *)out.data);
			gnutls_free(out.data);
			p->state = TP_DEAD;
			return -1;
		}
	}
	snprintf(p->error, sizeof(p->error), "%s: %s", what, gnutls_strerror(rc));
	p->state = TP_DEAD;
	return -1;
}

static int peer_records(struct tp_peer *p, tp_msg_fn fn, void *ctx)
{
	uint8_t buf[TP_MAX_DGRAM];
	ssize_t n;

	for (;;) {
		n = gnutls_record_recv(p->s, buf, sizeof(buf));
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return 0;
		if (n == 0) {
			snprintf(p->error, sizeof(p->error), "peer closed the session");
			p->state = TP_DEAD;
			return -1;
		}
		if (n < 0) {
			if (gnutls_error_is_fatal((int)n))
				return peer_die(p, "DTLS receive", (int)n);
			p->rx_bad++;
			continue;
		}
		p->rx_msgs++;
		fn(ctx, p, buf[0], buf + 1, (size_t)n - 1);
	}
}

int tp_peer_input(struct tp_peer *p, const uint8_t *d, size_t len, uint64_t now_ms,
		  tp_msg_fn fn, void *ctx)
{
	int rc;

	if (p->state == TP_DEAD)
		return -1;
	if (p->kind == TP_QUIC) {
		rc = tpq_peer_input(p, d, len, fn, ctx);
		if (rc == 0)
			p->last_rx_ms = now_ms;
		return rc;
	}
	p->rx = d;
	p->rxlen = len;
	if (p->state == TP_HANDSHAKE) {
		rc = gnutls_handshake(p->s);
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED ||
		    (rc < 0 && !gnutls_error_is_fatal(rc))) {
			p->rx = NULL;
			return 0;
		}
		if (rc < 0) {
			p->rx = NULL;
			return peer_die(p, "DTLS handshake", rc);
		}
		p->state = TP_UP;
		p->last_rx_ms = now_ms;
		if (!p->rx)
			return 0;
	}
	rc = peer_records(p, fn, ctx);
	p->rx = NULL;
	if (rc == 0)
		p->last_rx_ms = now_ms;
	return rc;
}

int tp_peer_send(struct tp_peer *p, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	ssize_t n;

	if (p->state != TP_UP) {
		p->tx_errors++;
		return -1;
	}
	if (p->kind == TP_QUIC) {
		if (tpq_peer_send(p, msg, len) < 0)
			return -1;
		p->tx_msgs++;
		p->last_tx_ms = now_ms;
		return 0;
	}
	n = gnutls_record_send(p->s, msg, len);
	if (n < 0) {
		p->tx_errors++;
		if (gnutls_error_is_fatal((int)n))
			return peer_die(p, "DTLS send", (int)n);
		return -1;
	}
	p->tx_msgs++;
	p->last_tx_ms = now_ms;
	return 0;
}

int tp_peer_tick(struct tp_peer *p, uint64_t now_ms)
{
	static const uint8_t keepalive = TP_MSG_KEEPALIVE;
	int rc;

	if (p->kind == TP_QUIC)
		return p->state == TP_DEAD ? -1 : tpq_peer_tick(p);
	switch (p->state) {
	case TP_DEAD:
		return -1;
	case TP_HANDSHAKE:
		if (now_ms - p->start_ms > TP_HANDSHAKE_MS) {
			snprintf(p->error, sizeof(p->error), "DTLS handshake timed out");
			p->state = TP_DEAD;
			return -1;
		}
		/* Lets GnuTLS retransmit its flight when its timer ran out. */
		if (gnutls_dtls_get_timeout(p->s) == 0) {
			rc = gnutls_handshake(p->s);
			if (rc == 0)
				p->state = TP_UP;
			else if (rc != GNUTLS_E_AGAIN && gnutls_error_is_fatal(rc))
				return peer_die(p, "DTLS handshake", rc);
		}
		return 0;
	case TP_UP:
		if (now_ms - p->last_rx_ms > TP_DEAD_MS) {
			snprintf(p->error, sizeof(p->error), "silent for %d s",
				 TP_DEAD_MS / 1000);
			p->state = TP_DEAD;
			return -1;
		}
		if (now_ms - p->last_tx_ms >= TP_KEEPALIVE_MS)
			tp_peer_send(p, &keepalive, 1, now_ms);
		return p->state == TP_DEAD ? -1 : 0;
	}
	return 0;
}

uint64_t tp_peer_deadline_ms(const struct tp_peer *p)
{
	return p->kind == TP_QUIC ? tpq_peer_deadline_ms(p) : UINT64_MAX;
}

void tp_timer_arm(int tfd, uint64_t *armed, uint64_t deadline_ms)
{
	struct itimerspec its = { 0 };

	if (*armed == deadline_ms)
		return;
	if (deadline_ms != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(deadline_ms / 1000);
		its.it_value.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;	/* zero would disarm */
	}
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		*armed = deadline_ms;
}

size_t tp_announce_encode(const struct ip_prefix *pfx, size_t n, uint8_t *buf, size_t cap)
{
	size_t i, off = 0;

	if (n > TP_MAX_PREFIXES || cap < 3)
		return 0;
	buf[off++] = TP_MSG_ANNOUNCE;
	buf[off++] = TP_ANNOUNCE_VERSION;
	buf[off++] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		size_t alen = pfx[i].addr.family == 4 ? 4 : 16;

		if (cap - off < 2 + alen)
			return 0;
		buf[off++] = pfx[i].addr.family;
		buf[off++] = pfx[i].len;
		memcpy(buf + off, pfx[i].addr.a, alen);
		off += alen;
	}
	return off;
}

int tp_announce_parse(const uint8_t *body, size_t len, struct ip_prefix *out, size_t max,
		      const char **err)
{
	struct cursor c = cur_init(body, len);
	uint8_t version = cur_u8(&c), count = cur_u8(&c);
	size_t i;

	if (!cur_ok(&c)) {
		*err = "announce shorter than its header";
		return -1;
	}
	if (version != TP_ANNOUNCE_VERSION) {
		*err = "unknown announce version";
		return -1;
	}
	if (count > max || count > TP_MAX_PREFIXES) {
		*err = "too many prefixes";
		return -1;
	}
	for (i = 0; i < count; i++) {
		uint8_t fam = cur_u8(&c), plen = cur_u8(&c);
		const uint8_t *a;
		struct ip_addr masked;

		if (fam != 4 && fam != 6) {
			*err = "prefix family is not 4 or 6";
			return -1;
		}
		if (plen > (fam == 4 ? 32 : 128)) {
			*err = "prefix length beyond the family";
			return -1;
		}
		a = cur_bytes(&c, fam == 4 ? 4 : 16);
		if (!a) {
			*err = "prefix truncated";
			return -1;
		}
		memset(&out[i], 0, sizeof(out[i]));
		if (fam == 4)
			ip_addr_set4(&out[i].addr, a);
		else
			ip_addr_set6(&out[i].addr, a);
		out[i].len = plen;
		masked = out[i].addr;
		ip_addr_mask(&masked, plen);
		if (!ip_addr_eq(&masked, &out[i].addr)) {
			*err = "prefix has host bits set";
			return -1;
		}
	}
	if (cur_left(&c)) {
		*err = "trailing bytes after the prefixes";
		return -1;
	}
	return (int)count;
}

int tp_parse_endpoint(const char *what, const char *s, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char host[256];
	const char *port, *colon;
	int rc;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon || (size_t)(colon - s - 1) >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, (size_t)(colon - s - 1));
		host[colon - s - 1] = 0;
		port = colon + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host) || strchr(s, ':') != colon)
			goto bad;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
		port = colon + 1;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535)
		goto bad;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc || !res) {
		fprintf(stderr, "wanscope: %s: %s: %s\n", what, host, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	fprintf(stderr, "wanscope: %s: '%s' is not HOST:PORT or [ADDR]:PORT\n", what, s);
	return -1;
}
