/* SPDX-License-Identifier: BSD-2-Clause */
/* test_edgeguard.c - what the edge accepts from a connector */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "icmp/edgeguard.h"
#include "icmp/icmppkt.h"

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

struct fx {
	struct eg_clients cl;
	struct ip_prefix pfx[2];
	uint8_t p[1500];
};

static int setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	assert_int_equal(eg_clients_init(&f.cl, 64), 0);
	assert_int_equal(ip_prefix_parse("10.62.4.0/24", &f.pfx[0], false), 0);
	assert_int_equal(ip_prefix_parse("fd62:4::/64", &f.pfx[1], false), 0);
	{
		struct ip_addr c4 = A("10.62.1.2"), c6 = A("fd62:1::2");

		eg_client_seen(&f.cl, &c4, 1000);
		eg_client_seen(&f.cl, &c6, 1000);
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	eg_clients_free(&f->cl);
	return 0;
}

static enum eg_verdict check(struct fx *f, size_t n)
{
	assert_true(n > 0);
	return eg_check(&f->cl, f->pfx, 2, f->p, n, 2000);
}

static size_t echo(struct fx *f, bool req, const char *src, const char *dst)
{
	struct ip_addr s = A(src), d = A(dst);

	return icmppkt_echo(f->p, sizeof(f->p), req, &s, &d, 60, 7, 9,
			    (const uint8_t *)"abcdefgh", 8);
}

/* An error from @router to @client quoting an echo @client -> @target. */
static size_t error(struct fx *f, const char *router, const char *client, const char *target,
		    enum icmppkt_err kind)
{
	struct icmppkt_err_spec spec = { .kind = kind };
	struct ip_addr r = A(router), c = A(client), t = A(target);
	uint8_t q[128];
	size_t qn = icmppkt_echo(q, sizeof(q), true, &c, &t, 1, 7, 9, NULL, 0);

	return icmppkt_error(f->p, sizeof(f->p), &r, &c, &spec, q, qn);
}

static void test_echo_reply(void **state)
{
	struct fx *f = *state;

	assert_int_equal(check(f, echo(f, false, "10.62.4.2", "10.62.1.2")), EG_PASS);
	assert_int_equal(check(f, echo(f, false, "fd62:4::2", "fd62:1::2")), EG_PASS);
	/* Source outside the connector's prefixes: spoofed. */
	assert_int_equal(check(f, echo(f, false, "10.62.5.2", "10.62.1.2")), EG_SRC_OUTSIDE);
	assert_int_equal(check(f, echo(f, false, "192.0.2.1", "10.62.1.2")), EG_SRC_OUTSIDE);
	assert_int_equal(check(f, echo(f, false, "fd62:3::1", "fd62:1::2")), EG_SRC_OUTSIDE);
	/* To an address that never sent us anything. */
	assert_int_equal(check(f, echo(f, false, "10.62.4.2", "10.62.1.3")),
			 EG_DST_NOT_CLIENT);
	assert_int_equal(check(f, echo(f, false, "10.62.4.2", "255.255.255.255")),
			 EG_DST_NOT_CLIENT);
	/* Echo requests are not something a connector returns. */
	assert_int_equal(check(f, echo(f, true, "10.62.4.2", "10.62.1.2")), EG_NOT_ALLOWED);
	assert_int_equal(check(f, echo(f, true, "fd62:4::2", "fd62:1::2")), EG_NOT_ALLOWED);
}

static void test_errors(void **state)
{
	struct fx *f = *state;

	/* A router behind the connector, and the connector itself. */
	assert_int_equal(check(f, error(f, "10.62.3.2", "10.62.1.2", "10.62.4.2",
					ICMPPKT_ERR_TIME_EXCEEDED)), EG_PASS);
	assert_int_equal(check(f, error(f, "10.62.3.1", "10.62.1.2", "10.62.4.9",
					ICMPPKT_ERR_ADMIN)), EG_PASS);
	assert_int_equal(check(f, error(f, "fd62:3::2", "fd62:1::2", "fd62:4::2",
					ICMPPKT_ERR_TIME_EXCEEDED)), EG_PASS);
	assert_int_equal(check(f, error(f, "fd62:3::2", "fd62:1::2", "fd62:4::2",
					ICMPPKT_ERR_HOST_UNREACH)), EG_PASS);
	/* About a packet to somewhere this connector does not serve. */
	assert_int_equal(check(f, error(f, "10.62.3.2", "10.62.1.2", "10.62.5.2",
					ICMPPKT_ERR_TIME_EXCEEDED)), EG_BAD_ERROR);
	assert_int_equal(check(f, error(f, "fd62:3::2", "fd62:1::2", "fd62:5::2",
					ICMPPKT_ERR_TIME_EXCEEDED)), EG_BAD_ERROR);
	/* The quoted packet is not from the client the error goes to. */
	{
		struct icmppkt_err_spec spec = { .kind = ICMPPKT_ERR_TIME_EXCEEDED };
		struct ip_addr r = A("10.62.3.2"), c = A("10.62.1.2"), other = A("10.62.1.9"),
			       t = A("10.62.4.2");
		uint8_t q[64];
		size_t qn = icmppkt_echo(q, sizeof(q), true, &other, &t, 1, 7, 9, NULL, 0);

		assert_int_equal(check(f, icmppkt_error(f->p, sizeof(f->p), &r, &c, &spec,
							q, qn)), EG_BAD_ERROR);
		/* The quote is an echo reply, not the client's request. */
		qn = icmppkt_echo(q, sizeof(q), false, &c, &t, 1, 7, 9, NULL, 0);
		assert_int_equal(check(f, icmppkt_error(f->p, sizeof(f->p), &r, &c, &spec,
							q, qn)), EG_BAD_ERROR);
		/* From a multicast "router". */
		r = A("224.0.0.1");
		qn = icmppkt_echo(q, sizeof(q), true, &c, &t, 1, 7, 9, NULL, 0);
		assert_int_equal(check(f, icmppkt_error(f->p, sizeof(f->p), &r, &c, &spec,
							q, qn)), EG_BAD_ERROR);
		/* Quote cut inside the IP header. */
		r = A("10.62.3.2");
		assert_int_equal(check(f, icmppkt_error(f->p, sizeof(f->p), &r, &c, &spec,
							q, 12)), EG_BAD_ERROR);
	}
	/* To an unknown destination. */
	assert_int_equal(check(f, error(f, "10.62.3.2", "10.62.1.7", "10.62.4.2",
					ICMPPKT_ERR_TIME_EXCEEDED)), EG_DST_NOT_CLIENT);
}

static void test_other(void **state)
{
	struct fx *f = *state;
	size_t n = echo(f, false, "10.62.4.2", "10.62.1.2");

	/* UDP, a fragment, a truncated packet, trailing bytes. */
	f->p[9] = 17;
	assert_int_equal(check(f, n), EG_NOT_ALLOWED);
	n = echo(f, false, "10.62.4.2", "10.62.1.2");
	f->p[6] = 0x20;		/* more fragments */
	assert_int_equal(check(f, n), EG_FRAGMENT);
	n = echo(f, false, "10.62.4.2", "10.62.1.2");
	assert_int_equal(eg_check(&f->cl, f->pfx, 2, f->p, n - 1, 2000), EG_MALFORMED);
	assert_int_equal(eg_check(&f->cl, f->pfx, 2, f->p, n + 1, 2000), EG_MALFORMED);
	assert_int_equal(eg_check(&f->cl, f->pfx, 2, f->p, 0, 2000), EG_MALFORMED);
	/* Timestamp reply (14) from inside: not something we proxy. */
	f->p[20] = 14;
	assert_int_equal(check(f, n), EG_NOT_ALLOWED);
	/* No prefixes announced: nothing passes. */
	n = echo(f, false, "10.62.4.2", "10.62.1.2");
	assert_int_equal(eg_check(&f->cl, f->pfx, 0, f->p, n, 2000), EG_SRC_OUTSIDE);
	assert_string_equal(eg_verdict_name(EG_SRC_OUTSIDE), "drop_conn_src_outside");
}

static void test_clients(void **state)
{
	struct eg_clients cl;
	struct ip_addr a = A("10.0.0.1");
	unsigned i;

	(void)state;
	assert_int_equal(eg_clients_init(&cl, 16), 0);
	assert_false(eg_client_known(&cl, &a, 0));
	eg_client_seen(&cl, &a, 5);
	assert_true(eg_client_known(&cl, &a, 5 + EG_CLIENT_TTL_MS));
	assert_false(eg_client_known(&cl, &a, 6 + EG_CLIENT_TTL_MS));
	/* Many more clients than slots: bounded, evictions counted, the most
	 * recent one is still known. */
	for (i = 0; i < 1000; i++) {
		ip_addr_set4u(&a, 0x0a000000u + i);
		eg_client_seen(&cl, &a, 10 + i);
	}
	assert_true(cl.evicted > 0);
	assert_true(eg_client_known(&cl, &a, 2000));
	eg_clients_free(&cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other, setup, teardown),
		cmocka_unit_test(test_clients),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
