/* SPDX-License-Identifier: BSD-2-Clause */
/* test_icmpnat.c - the connector's echo-sequence NAT: mapping, replies,
 * error translation, bounds and drops; every packet it builds is checked
 * with src/pkt parsing and checksums */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "icmp/icmpnat.h"
#include "icmp/icmppkt.h"
#include "pkt/pkt.h"

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static const uint8_t payload[] = "0123456789abcdef0123456789abcdef";

static size_t echo(uint8_t *buf, const char *src, const char *dst, uint8_t ttl,
		   uint16_t id, uint16_t seq)
{
	struct ip_addr s = A(src), d = A(dst);
	size_t n = icmppkt_echo(buf, 2048, true, &s, &d, ttl, id, seq, payload,
				sizeof(payload));

	assert_true(n > 0);
	return n;
}

/* Parse @p as a whole, valid IP packet carrying ICMP; check both checksums. */
static void check_packet(const uint8_t *p, size_t len, struct pkt_meta *m)
{
	const uint8_t *l4;

	assert_int_equal(pkt_parse_ip(p, len, m), 0);
	assert_int_equal(m->depth, PKT_L4);
	assert_int_equal(m->ip_total_len, len);
	if (m->ip_version == 4)
		assert_int_equal(pkt_csum(p, 20), 0);
	l4 = m->l4_payload - 8;
	assert_true(icmppkt_csum_ok(&m->src, &m->dst, l4, m->l4_payload_len + 8));
}

static void setup_nat(struct nat *n, unsigned nsock)
{
	struct nat_config cfg;

	nat_config_default(&cfg);
	cfg.nsock[0] = cfg.nsock[1] = nsock;
	cfg.max_mappings = 8;
	cfg.max_per_client = 4;
	cfg.self[NAT_FAM_V4] = A("10.0.3.1");
	cfg.self[NAT_FAM_V6] = A("fd00:3::1");
	assert_int_equal(nat_init(n, &cfg), 0);
}

static void test_echo_reply_roundtrip(void **state)
{
	struct nat n;
	struct nat_tx tx;
	struct nat_rx rx = { .kind = NAT_RX_REPLY };
	uint8_t pkt[2048], out[2048];
	size_t olen = 0, len;
	struct pkt_meta m;

	(void)state;
	setup_nat(&n, 2);
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 5, 4242, 7);
	assert_int_equal(nat_input(&n, pkt, len, 1000, &tx, out, sizeof(out), &olen), NAT_V_SEND);
	assert_int_equal(tx.ttl, 4);	/* our hop */
	assert_true(ip_addr_eq(&tx.dst, &(struct ip_addr){ 0 }) == false);
	assert_int_equal(tx.len, sizeof(payload));
	assert_memory_equal(tx.payload, payload, sizeof(payload));
	assert_int_equal(n.active, 1);

	rx.from = A("10.0.4.2");
	rx.seq = tx.seq;
	rx.ttl = 62;
	rx.payload = payload;
	rx.len = sizeof(payload);
	len = nat_socket_rx(&n, tx.fam, tx.sock, &rx, 1001, out, sizeof(out));
	assert_true(len > 0);
	check_packet(out, len, &m);
	assert_true(ip_addr_eq(&m.src, &rx.from));
	assert_true(ip_addr_eq(&m.dst, &(struct ip_addr){ 4, { 10, 0, 1, 2 } }));
	assert_int_equal(m.icmp_type, ICMPPKT_V4_ECHO_REPLY);
	assert_int_equal(m.icmp_id, 4242);
	assert_int_equal(m.icmp_seq, 7);
	assert_int_equal(m.ttl, 61);	/* kept, minus our hop */
	assert_int_equal(m.l4_payload_len, sizeof(payload));
	assert_int_equal(n.active, 0);
	assert_int_equal(n.st.replies, 1);

	/* The same reply again: the mapping is gone. */
	assert_int_equal(nat_socket_rx(&n, tx.fam, tx.sock, &rx, 1002, out, sizeof(out)), 0);
	assert_int_equal(n.st.drops[NAT_DROP_REPLY_UNKNOWN], 1);
	nat_free(&n);
}

static void test_same_id_two_clients(void **state)
{
	struct nat n;
	struct nat_tx t1, t2;
	struct nat_rx rx = { .kind = NAT_RX_REPLY, .ttl = 64 };
	uint8_t pkt[2048], out[2048];
	size_t olen, len;
	struct pkt_meta m;

	(void)state;
	setup_nat(&n, 1);	/* one socket: must multiplex by sequence */
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 64, 1, 1);
	assert_int_equal(nat_input(&n, pkt, len, 0, &t1, out, sizeof(out), &olen), NAT_V_SEND);
	len = echo(pkt, "10.0.1.3", "10.0.4.2", 64, 1, 1);
	assert_int_equal(nat_input(&n, pkt, len, 0, &t2, out, sizeof(out), &olen), NAT_V_SEND);
	assert_int_equal(t1.sock, t2.sock);
	assert_int_not_equal(t1.seq, t2.seq);

	rx.from = A("10.0.4.2");
	rx.payload = payload;
	rx.len = 8;
	rx.seq = t2.seq;	/* second client's reply first */
	len = nat_socket_rx(&n, 0, t2.sock, &rx, 1, out, sizeof(out));
	check_packet(out, len, &m);
	assert_int_equal(m.dst.a[3], 3);
	assert_int_equal(m.icmp_id, 1);
	assert_int_equal(m.icmp_seq, 1);
	rx.seq = t1.seq;
	len = nat_socket_rx(&n, 0, t1.sock, &rx, 1, out, sizeof(out));
	check_packet(out, len, &m);
	assert_int_equal(m.dst.a[3], 2);
	nat_free(&n);
}

static void test_forged(void **state)
{
	struct nat n;
	struct nat_tx tx;
	struct nat_rx rx = { .kind = NAT_RX_REPLY, .ttl = 64 };
	uint8_t pkt[2048], out[2048];
	size_t olen, len;

	(void)state;
	setup_nat(&n, 2);
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 64, 9, 9);
	assert_int_equal(nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen), NAT_V_SEND);
	rx.from = A("10.0.4.99");	/* not where the echo went */
	rx.seq = tx.seq;
	assert_int_equal(nat_socket_rx(&n, tx.fam, tx.sock, &rx, 1, out, sizeof(out)), 0);
	assert_int_equal(n.st.drops[NAT_DROP_REPLY_FORGED], 1);
	/* An error quoting another destination. */
	memset(&rx, 0, sizeof(rx));
	rx.kind = NAT_RX_ICMP_ERROR;
	rx.from = A("10.0.3.2");
	rx.dst = A("10.0.4.7");
	rx.seq = tx.seq;
	rx.type = ICMPPKT_V4_TIME_EXCEEDED;
	assert_int_equal(nat_socket_rx(&n, tx.fam, tx.sock, &rx, 1, out, sizeof(out)), 0);
	assert_int_equal(n.st.drops[NAT_DROP_ERROR_FORGED], 1);
	/* A socket index out of range is not a crash. */
	assert_int_equal(nat_socket_rx(&n, 0, 60, &rx, 1, out, sizeof(out)), 0);
	assert_int_equal(n.active, 1);
	nat_free(&n);
}

static void test_error_translation(void **state)
{
	struct nat n;
	struct nat_tx tx;
	struct nat_rx rx = { .kind = NAT_RX_ICMP_ERROR };
	uint8_t pkt[2048], out[2048];
	size_t olen, len;
	struct pkt_meta m, q;

	(void)state;
	setup_nat(&n, 2);
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 3, 4000, 33);
	assert_int_equal(nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen), NAT_V_SEND);
	assert_int_equal(tx.ttl, 2);
	rx.from = A("10.0.3.2");
	rx.dst = A("10.0.4.2");
	rx.seq = tx.seq;
	rx.type = ICMPPKT_V4_TIME_EXCEEDED;
	len = nat_socket_rx(&n, tx.fam, tx.sock, &rx, 1, out, sizeof(out));
	assert_true(len > 0);
	check_packet(out, len, &m);
	assert_true(ip_addr_eq(&m.src, &rx.from));	/* from the router */
	assert_int_equal(m.dst.a[3], 2);
	assert_int_equal(m.icmp_type, ICMPPKT_V4_TIME_EXCEEDED);
	/* The quote is the client's own header: its id and sequence. */
	assert_int_equal(pkt_parse_ip(m.l4_payload, m.l4_payload_len, &q), 0);
	assert_int_equal(q.depth, PKT_L4);
	assert_true(ip_addr_eq(&q.src, &m.dst));
	assert_true(ip_addr_eq(&q.dst, &rx.dst));
	assert_int_equal(q.icmp_type, ICMPPKT_V4_ECHO);
	assert_int_equal(q.icmp_id, 4000);
	assert_int_equal(q.icmp_seq, 33);
	assert_int_equal(n.st.errors_translated, 1);
	assert_int_equal(n.active, 0);

	/* Fragmentation needed keeps its MTU. */
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 64, 4000, 34);
	assert_int_equal(nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen), NAT_V_SEND);
	rx.seq = tx.seq;
	rx.type = ICMPPKT_V4_UNREACH;
	rx.code = 4;
	rx.info = 1280;
	len = nat_socket_rx(&n, tx.fam, tx.sock, &rx, 1, out, sizeof(out));
	check_packet(out, len, &m);
	assert_int_equal(m.icmp_type, 3);
	assert_int_equal(m.icmp_code, 4);
	assert_int_equal(m.icmp_seq, 1280);	/* next-hop MTU field */
	nat_free(&n);
}

static void test_ttl_expiry_here(void **state)
{
	struct nat n;
	struct nat_tx tx;
	uint8_t pkt[2048], out[2048];
	size_t olen = 0, len;
	struct pkt_meta m, q;

	(void)state;
	setup_nat(&n, 2);
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 1, 5, 6);
	assert_int_equal(nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen), NAT_V_ANSWER);
	check_packet(out, olen, &m);
	assert_true(ip_addr_eq(&m.src, &n.cfg.self[0]));
	assert_int_equal(m.icmp_type, ICMPPKT_V4_TIME_EXCEEDED);
	assert_int_equal(pkt_parse_ip(m.l4_payload, m.l4_payload_len, &q), 0);
	assert_int_equal(q.icmp_id, 5);
	assert_int_equal(n.st.ttl_expired, 1);
	assert_int_equal(n.active, 0);
	nat_free(&n);
}

static void test_drops(void **state)
{
	struct nat n;
	struct nat_tx tx;
	uint8_t pkt[2048], out[2048];
	size_t olen, len;
	struct ip_addr s = A("10.0.1.2"), d = A("10.0.4.2");

	(void)state;
	setup_nat(&n, 2);
	/* An echo reply from a client is not proxied. */
	len = icmppkt_echo(pkt, sizeof(pkt), false, &s, &d, 64, 1, 1, payload, 4);
	assert_int_equal(nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen), NAT_V_DROP);
	assert_int_equal(n.st.drops[NAT_DROP_NOT_ECHO], 1);
	/* Corrupt checksum. */
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 64, 1, 1);
	pkt[len - 1] ^= 1;
	assert_int_equal(nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen), NAT_V_DROP);
	assert_int_equal(n.st.drops[NAT_DROP_CHECKSUM], 1);
	/* UDP. */
	pkt[9] = IPPROTO_NUM_UDP;
	assert_int_equal(nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen), NAT_V_DROP);
	assert_int_equal(n.st.drops[NAT_DROP_NOT_ICMP], 1);
	/* Truncated: total length says more than there is. */
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 64, 1, 1);
	assert_int_equal(nat_input(&n, pkt, len - 1, 0, &tx, out, sizeof(out), &olen), NAT_V_DROP);
	assert_int_equal(n.st.drops[NAT_DROP_MALFORMED], 1);
	assert_int_equal(nat_input(&n, pkt, 3, 0, &tx, out, sizeof(out), &olen), NAT_V_DROP);
	assert_int_equal(n.st.drops[NAT_DROP_MALFORMED], 2);
	assert_int_equal(n.active, 0);
	nat_free(&n);
}

static void test_bounds_and_expiry(void **state)
{
	struct nat n;
	struct nat_tx tx;
	uint8_t pkt[2048], out[2048];
	size_t olen, len;
	char src[32];
	int i;

	(void)state;
	setup_nat(&n, 2);	/* 8 mappings, 4 per client */
	for (i = 0; i < 5; i++) {
		len = echo(pkt, "10.0.1.2", "10.0.4.2", 64, 1, (uint16_t)i);
		nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen);
	}
	assert_int_equal(n.active, 4);
	assert_int_equal(n.st.drops[NAT_DROP_CLIENT_LIMIT], 1);
	for (i = 0; i < 6; i++) {
		snprintf(src, sizeof(src), "10.0.1.%d", 10 + i);
		len = echo(pkt, src, "10.0.4.2", 64, 1, 1);
		nat_input(&n, pkt, len, 10, &tx, out, sizeof(out), &olen);
	}
	assert_int_equal(n.active, 8);
	assert_int_equal(n.st.drops[NAT_DROP_TABLE_FULL], 2);
	/* The first four expire first (allocation order), then the rest. */
	assert_int_equal(nat_expire(&n, n.cfg.timeout_ms), 4);
	assert_int_equal(nat_expire(&n, n.cfg.timeout_ms + 10), 4);
	assert_int_equal(n.active, 0);
	assert_int_equal(n.st.timeouts, 8);
	/* Everything is free again: clients too. */
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 64, 1, 1);
	assert_int_equal(nat_input(&n, pkt, len, 99999, &tx, out, sizeof(out), &olen), NAT_V_SEND);
	nat_free(&n);
}

static void test_ipv6(void **state)
{
	struct nat n;
	struct nat_tx tx;
	struct nat_rx rx = { .kind = NAT_RX_REPLY, .ttl = 60 };
	uint8_t pkt[2048], out[2048];
	size_t olen, len;
	struct pkt_meta m;

	(void)state;
	setup_nat(&n, 2);
	len = echo(pkt, "fd00:1::2", "fd00:4::2", 9, 77, 88);
	assert_int_equal(nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen), NAT_V_SEND);
	assert_int_equal(tx.fam, NAT_FAM_V6);
	assert_int_equal(tx.ttl, 8);
	rx.from = A("fd00:4::2");
	rx.seq = tx.seq;
	rx.payload = payload;
	rx.len = sizeof(payload);
	len = nat_socket_rx(&n, tx.fam, tx.sock, &rx, 1, out, sizeof(out));
	check_packet(out, len, &m);
	assert_int_equal(m.icmp_type, ICMPPKT_V6_ECHO_REPLY);
	assert_int_equal(m.icmp_id, 77);
	assert_int_equal(m.icmp_seq, 88);
	assert_int_equal(m.ttl, 59);
	/* Hop limit 1 arriving: time exceeded from our IPv6 address. */
	len = echo(pkt, "fd00:1::2", "fd00:4::2", 1, 77, 89);
	assert_int_equal(nat_input(&n, pkt, len, 0, &tx, out, sizeof(out), &olen), NAT_V_ANSWER);
	check_packet(out, olen, &m);
	assert_int_equal(m.icmp_type, ICMPPKT_V6_TIME_EXCEEDED);
	assert_true(ip_addr_eq(&m.src, &n.cfg.self[1]));
	nat_free(&n);
}

static void test_ratelimit_and_send_failure(void **state)
{
	struct nat n;
	struct nat_config cfg;
	struct nat_tx tx;
	uint8_t pkt[2048], out[2048];
	size_t olen = 0, len;
	struct pkt_meta m;

	(void)state;
	nat_config_default(&cfg);
	cfg.err_rate = 0;
	cfg.err_burst = 1;
	cfg.self[0] = A("10.0.3.1");
	assert_int_equal(nat_init(&n, &cfg), 0);
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 1, 1, 1);
	assert_int_equal(nat_input(&n, pkt, len, 5, &tx, out, sizeof(out), &olen), NAT_V_ANSWER);
	assert_int_equal(nat_input(&n, pkt, len, 6, &tx, out, sizeof(out), &olen), NAT_V_DROP);
	assert_int_equal(n.st.drops[NAT_DROP_RATELIMIT], 1);
	nat_free(&n);

	cfg.err_rate = 1000;
	assert_int_equal(nat_init(&n, &cfg), 0);
	len = echo(pkt, "10.0.1.2", "10.0.4.2", 64, 1, 1);
	assert_int_equal(nat_input(&n, pkt, len, 5, &tx, out, sizeof(out), &olen), NAT_V_SEND);
	len = nat_send_failed(&n, &tx, ENETUNREACH, 6, out, sizeof(out));
	check_packet(out, len, &m);
	assert_int_equal(m.icmp_type, ICMPPKT_V4_UNREACH);
	assert_int_equal(m.icmp_code, 0);
	assert_int_equal(n.active, 0);
	assert_int_equal(n.st.drops[NAT_DROP_SEND_FAILED], 1);
	nat_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_reply_roundtrip),
		cmocka_unit_test(test_same_id_two_clients),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_error_translation),
		cmocka_unit_test(test_ttl_expiry_here),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_bounds_and_expiry),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ratelimit_and_send_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
