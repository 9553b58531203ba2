/* SPDX-License-Identifier: BSD-2-Clause */
/* test_nl.c - the rtnetlink route codec without a kernel: what the prober
 * and the doctor write reads back the same, and damaged messages stay in
 * bounds */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nl.h"

static void addr(struct ip_addr *a, const char *s)
{
	assert_int_equal(ip_addr_parse(s, a), 0);
}

static void prefix(struct ip_prefix *p, const char *s)
{
	assert_int_equal(ip_prefix_parse(s, p, false), 0);
}

static void assert_addr_eq(const struct ip_addr *x, const struct ip_addr *y)
{
	assert_int_equal(x->family, y->family);
	assert_memory_equal(x->a, y->a, sizeof(x->a));
}

/* Encode @in as @type, decode it, and compare what a writer sets. */
static void roundtrip(const struct nl_route *in, uint16_t type, uint16_t flags,
		      struct nl_route *out)
{
	char *buf = calloc(1, NL_BUFSZ);
	const struct nlmsghdr *nlh = (const void *)buf;
	int n;
	unsigned i;

	assert_non_null(buf);
	n = nl_route_encode(buf, type, flags, in);
	assert_true(n > 0);
	assert_int_equal(nlh->nlmsg_len, n);
	assert_int_equal(nlh->nlmsg_type, type);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | flags);
	assert_int_equal(nl_route_decode(buf, (size_t)n, out), 0);
	assert_int_equal(out->family, in->family);
	assert_int_equal(out->dst.len, in->dst.len);
	assert_addr_eq(&out->dst.addr, &in->dst.addr);
	assert_int_equal(out->src.len, in->src.len);
	assert_addr_eq(&out->src.addr, &in->src.addr);
	assert_int_equal(out->table, in->table);
	assert_int_equal(out->type, in->type ? in->type : RTN_UNICAST);
	assert_int_equal(out->protocol, in->protocol);
	assert_int_equal(out->scope, type == RTM_DELROUTE ? RT_SCOPE_NOWHERE : in->scope);
	assert_int_equal(out->tos, in->tos);
	assert_int_equal(out->priority, in->priority);
	assert_addr_eq(&out->prefsrc, &in->prefsrc);
	assert_int_equal(out->nh_count, in->nh_count);
	for (i = 0; i < in->nh_count; i++) {
		assert_int_equal(out->nh[i].ifindex, in->nh[i].ifindex);
		assert_addr_eq(&out->nh[i].gw, &in->nh[i].gw);
		assert_int_equal(out->nh[i].weight, in->nh[i].weight ? in->nh[i].weight : 1);
	}
	free(buf);
}

/* The prober's steered route: IPv4 ECMP over three tunnels, our protocol. */
static void test_multipath4(void **state)
{
	struct nl_route r, out;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.family = 4;
	prefix(&r.dst, "10.20.1.0/24");
	r.src.addr.family = 4;
	r.table = 1000;		/* beyond rtm_table's 8 bits: RTA_TABLE carries it */
	r.priority = 500100;
	r.protocol = 245;
	r.type = RTN_UNICAST;
	addr(&r.prefsrc, "10.255.0.1");
	r.nh_count = 3;
	r.nh[0].ifindex = 7;
	addr(&r.nh[0].gw, "10.101.0.1");
	r.nh[1].ifindex = 8;		/* on-link, no gateway */
	r.nh[1].weight = 2;
	r.nh[2].ifindex = 9;
	addr(&r.nh[2].gw, "10.102.0.1");
	r.nh[2].weight = 256;
	roundtrip(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &out);
	assert_int_equal(out.nh[1].weight, 2);
	assert_int_equal(out.nh[2].weight, 256);
	assert_false(ip_addr_is_set(&out.nh[1].gw));
}

/* IPv6 multipath and a single-nexthop IPv6 route with a source prefix. */
static void test_ipv6(void **state)
{
	struct nl_route r, out;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.family = 6;
	prefix(&r.dst, "fd00:20::/48");
	r.src.addr.family = 6;
	r.table = RT_TABLE_MAIN;
	r.priority = 100;
	r.protocol = 245;
	r.nh_count = 2;
	r.nh[0].ifindex = 3;
	addr(&r.nh[0].gw, "fe80::1");
	r.nh[1].ifindex = 4;
	addr(&r.nh[1].gw, "fd00:201::1");
	roundtrip(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &out);

	memset(&r, 0, sizeof(r));
	r.family = 6;
	prefix(&r.dst, "2001:db8:1::/64");
	prefix(&r.src, "2001:db8:2::/56");
	r.table = 100;
	r.type = RTN_UNICAST;
	r.protocol = 246;
	r.scope = RT_SCOPE_LINK;
	r.nh_count = 1;
	r.nh[0].ifindex = 12;
	r.nh[0].weight = 1;
	roundtrip(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &out);
}

/* The doctor's fix route and its delete: the delete's scope is "any", its
 * unset metric stays unset (any), its unset type means unicast. */
static void test_delete(void **state)
{
	struct nl_route r, out;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.family = 4;
	prefix(&r.dst, "172.16.5.0/24");
	r.src.addr.family = 4;
	r.table = 105;
	r.protocol = 246;
	r.scope = RT_SCOPE_LINK;
	addr(&r.prefsrc, "172.16.5.4");
	r.nh_count = 1;
	r.nh[0].ifindex = 5;
	r.nh[0].weight = 1;
	roundtrip(&r, RTM_DELROUTE, 0, &out);
	assert_int_equal(out.scope, RT_SCOPE_NOWHERE);
	assert_int_equal(out.type, RTN_UNICAST);
	assert_int_equal(out.priority, 0);
}

static void test_refused(void **state)
{
	struct nl_route r;
	char *buf = malloc(NL_BUFSZ);

	(void)state;
	assert_non_null(buf);
	memset(&r, 0, sizeof(r));
	assert_int_equal(nl_route_encode(buf, RTM_NEWROUTE, 0, &r), -EINVAL);
	r.family = 4;
	r.nh_count = NL_MAX_NEXTHOPS + 1;
	assert_int_equal(nl_route_encode(buf, RTM_NEWROUTE, 0, &r), -EINVAL);
	r.nh_count = NL_MAX_NEXTHOPS;
	assert_true(nl_route_encode(buf, RTM_NEWROUTE, 0, &r) > 0);
	free(buf);
}

/* Cut a multipath message everywhere and lie about nexthop lengths: the
 * decoder refuses or reads within the message, never more nexthops than fit. */
static void test_damaged(void **state)
{
	struct nl_route r, out;
	char *buf = calloc(1, NL_BUFSZ), *copy = malloc(NL_BUFSZ);
	struct nlmsghdr *nlh = (void *)copy;
	const struct nlattr *at;
	struct rtnexthop *rtnh = NULL;
	int n, cut;
	unsigned i;
	/* a first nexthop's length and the nexthops then read (-1: any that fit) */
	const struct { unsigned len; int want; } lie[] = {
		{ 0, 0 }, { 3, 0 }, { 0xfff0, 0 },	/* too short, beyond the end */
		{ 28, NL_MAX_NEXTHOPS },		/* the true length */
		{ 27, NL_MAX_NEXTHOPS },		/* its gateway is cut off */
		{ 8, -1 }, { 9, -1 },			/* the next one starts mid-attribute */
	};

	(void)state;
	assert_non_null(buf);
	assert_non_null(copy);
	memset(&r, 0, sizeof(r));
	r.family = 6;
	prefix(&r.dst, "fd00:20::/48");
	r.nh_count = NL_MAX_NEXTHOPS;
	for (i = 0; i < r.nh_count; i++) {
		r.nh[i].ifindex = (int)i + 1;
		addr(&r.nh[i].gw, "fe80::1");
	}
	n = nl_route_encode(buf, RTM_NEWROUTE, 0, &r);
	assert_true(n > 0);
	assert_int_equal(nl_route_decode(buf, (size_t)n, &out), 0);
	assert_int_equal(out.nh_count, NL_MAX_NEXTHOPS);
	for (cut = 0; cut < n; cut++) {
		/* the buffer is shorter than the message says */
		assert_int_equal(nl_route_decode(buf, (size_t)cut, &out), -1);
		/* the message says it is shorter: a decoder may take what is left */
		memcpy(copy, buf, (size_t)n);
		nlh->nlmsg_len = (uint32_t)cut;
		if (nl_route_decode(copy, (size_t)n, &out) == 0)
			assert_true(out.nh_count <= NL_MAX_NEXTHOPS);
	}
	memcpy(copy, buf, (size_t)n);
	nlh->nlmsg_len = (uint32_t)n;
	mnl_attr_for_each(at, nlh, sizeof(struct rtmsg))
		if (mnl_attr_get_type(at) == RTA_MULTIPATH)
			rtnh = mnl_attr_get_payload(at);
	assert_non_null(rtnh);
	for (i = 0; i < sizeof(lie) / sizeof(lie[0]); i++) {
		rtnh->rtnh_len = (unsigned short)lie[i].len;
		assert_int_equal(nl_route_decode(copy, (size_t)n, &out), 0);
		if (lie[i].want >= 0)
			assert_int_equal(out.nh_count, lie[i].want);
		assert_true(out.nh_count <= NL_MAX_NEXTHOPS);
		if (lie[i].len == 27)
			assert_false(ip_addr_is_set(&out.nh[0].gw));
	}
	/* lengths of 2^31 and more: refused, not read as negative (libmnl's
	 * mnl_nlmsg_ok() compares them as int and let the attributes run on) */
	for (i = 0; i < 64; i++) {
		memcpy(copy, buf, (size_t)n);
		nlh->nlmsg_len = 0x80000000u + i * 4;
		assert_int_equal(nl_route_decode(copy, (size_t)n, &out), -1);
		nlh->nlmsg_len = 0xffffffffu - i;
		assert_int_equal(nl_route_decode(copy, (size_t)n, &out), -1);
	}
	/* a wrong family is not a route */
	memcpy(copy, buf, (size_t)n);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family = AF_UNSPEC;
	assert_int_equal(nl_route_decode(copy, (size_t)n, &out), -1);
	free(buf);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multipath4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_damaged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
