/* SPDX-License-Identifier: BSD-2-Clause */
/* test_doctor_json.c - the snapshot readers reject malformed input with precise errors */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"

enum kind { LINK, ADDR, ROUTE4, RULE4, SYSCTL, NFT };

struct bad {
	enum kind k;
	const char *in;
	const char *want;	/* must appear in the error */
};

static const char links[] =
	"[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\"]},"
	"{\"ifindex\":2,\"ifname\":\"eth0\",\"flags\":[\"UP\"]}]";

static int parse(struct dr_snap *s, enum kind k, const char *in, char *err, size_t len)
{
	size_t n = strlen(in);

	switch (k) {
	case LINK: return dr_parse_link_json(s, in, n, "link.json", err, len);
	case ADDR: return dr_parse_addr_json(s, in, n, "addr.json", err, len);
	case ROUTE4: return dr_parse_route_json(s, in, n, 4, "route4.json", err, len);
	case RULE4: return dr_parse_rule_json(s, in, n, 4, "rule4.json", err, len);
	case SYSCTL: return dr_parse_sysctl(s, in, n, "sysctl.txt", err, len);
	case NFT: return dr_parse_nft_json(s, in, n, "nft.json", err, len);
	}
	return 0;
}

static void test_malformed(void **state)
{
	static const struct bad bad[] = {
		{ LINK, "", "link.json: line" },
		{ LINK, "{\"a\":1}", "expected a JSON array" },
		{ LINK, "[1]", "entry 0 is not an object" },
		{ LINK, "[{\"ifname\":\"x\"}]", "'ifindex'" },
		{ LINK, "[{\"ifindex\":-3,\"ifname\":\"x\"}]", "'ifindex'" },
		{ LINK, "[{\"ifindex\":7,\"ifname\":\"averyveryverylongname\"}]", "'ifname'" },
		{ LINK, "[{\"ifindex\":7,\"ifname\":5}]", "'ifname'" },
		{ LINK, "[{\"ifindex\":2,\"ifname\":\"eth9\"}]", "ifindex 2 is 'eth9' here but 'eth0'" },
		{ ADDR, "[{\"ifindex\":2,\"ifname\":\"eth0\",\"addr_info\":{}}]", "'addr_info' is not an array" },
		{ ADDR, "[{\"ifindex\":2,\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"300.1.1.1\",\"prefixlen\":24}]}]",
		  "'300.1.1.1' is not an inet address" },
		{ ADDR, "[{\"ifindex\":2,\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.0.0.1\",\"prefixlen\":33}]}]",
		  "10.0.0.1: missing or bad 'prefixlen'" },
		{ ADDR, "[{\"ifindex\":2,\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.0.0.1\",\"prefixlen\":24,\"scope\":\"galaxy\"}]}]",
		  "bad 'scope'" },
		{ ADDR, "[{\"ifindex\":2,\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\",\"local\":7,\"prefixlen\":24}]}]",
		  "'family'/'local'" },
		{ ROUTE4, "[{\"dev\":\"eth0\"}]", "entry 0: missing or bad 'dst'" },
		{ ROUTE4, "[{\"dst\":\"10.0.0.0/33\",\"dev\":\"eth0\"}]", "'10.0.0.0/33' is not an IPv4 prefix" },
		{ ROUTE4, "[{\"dst\":\"10.0.0.0/24\",\"dev\":\"eth7\"}]", "unknown device 'eth7'" },
		{ ROUTE4, "[{\"dst\":\"10.0.0.0/24\",\"type\":\"weird\"}]", "unknown type 'weird'" },
		{ ROUTE4, "[{\"dst\":\"10.0.0.0/24\",\"nexthops\":3}]", "'nexthops' is not an array" },
		{ ROUTE4, "[{\"dst\":\"10.0.0.0/24\",\"dev\":\"eth0\",\"metric\":\"x\"}]", "bad 'metric'" },
		{ ROUTE4, "[{\"dst\":\"10.0.0.0/24\",\"dev\":\"eth0\",\"table\":\"-1\"}]", "bad table '-1'" },
		{ ROUTE4, "[{\"dst\":\"10.0.0.0/24\",\"gateway\":\"10.0.0.300\",\"dev\":\"eth0\"}]", "bad gateway" },
		{ ROUTE4, "[{\"dst\":\"10.0.0.0/24\",\"nexthops\":[1]}]", "next hop 0 is not an object" },
		{ RULE4, "[{\"src\":\"all\",\"table\":\"main\"}]", "rule 0: missing or bad 'priority'" },
		{ RULE4, "[{\"priority\":5,\"src\":\"10.0.0.300\",\"table\":\"main\"}]", "rule 5: bad 'src'/'dst'" },
		{ RULE4, "[{\"priority\":5,\"src\":\"all\",\"action\":\"dance\"}]", "unknown action 'dance'" },
		{ RULE4, "[{\"priority\":5,\"src\":\"all\"}]", "neither 'table', 'goto' nor 'action'" },
		{ RULE4, "[{\"priority\":5,\"src\":\"all\",\"fwmark\":\"zz\",\"table\":\"main\"}]", "bad 'fwmark'" },
		{ RULE4, "[{\"priority\":5,\"src\":\"all\",\"goto\":\"x\"}]", "bad 'goto'" },
		{ RULE4, "[{\"priority\":5,\"src\":\"all\",\"table\":\"big\"}]", "bad table 'big'" },
		{ SYSCTL, "kernel.x = 1\nnet.ipv4.conf.all.rp_filter = x\n", "sysctl.txt: line 2: net.ipv4.conf.all.rp_filter: 'x'" },
		{ SYSCTL, "net.ipv4.ip_forward = -1\n", "line 1" },
		{ NFT, "[]", "no \"nftables\" array" },
		{ NFT, "{\"nftables\":", "nft.json: line" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dr_snap s;
		char err[512] = "";

		dr_snap_init(&s);
		assert_int_equal(dr_parse_link_json(&s, links, strlen(links), "link.json", err, sizeof(err)), 0);
		if (parse(&s, bad[i].k, bad[i].in, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted: %s", i, bad[i].in);
		if (!strstr(err, bad[i].want))
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, bad[i].want);
		dr_snap_free(&s);
	}
}

/* Well-formed but odd input is read, not refused. */
static void test_tolerant(void **state)
{
	static const char sysctl[] =
		"sysctl: permission denied on key 'x'\n"
		"net.ipv4.conf.eth0.rp_filter = 2\r\n"
		"net.ipv4.conf.nosuch.rp_filter = 1\n"
		"net.ipv4.conf.all.arp_ignore = 1\n"
		"garbage\n"
		"net.ipv4.conf.eth0.rp_filter\n"
		"dev.foo = a b c\n";
	static const char nft[] =
		"{\"nftables\":[{\"metainfo\":{}},{\"rule\":{\"family\":\"ip\",\"table\":\"t\",\"chain\":\"c\","
		"\"expr\":[{\"match\":{\"left\":{\"ct\":{\"key\":\"state\"}},\"right\":{\"set\":[\"established\",\"invalid\"]}}},"
		"{\"accept\":null}]}},{\"rule\":{\"family\":\"ip\"}},{\"rule\":{\"family\":\"ip\",\"table\":\"t\",\"chain\":\"c\",\"expr\":[5,[],{\"match\":null}]}},"
		"7,{\"chain\":[]}]}";
	static const char routes[] =
		"[{\"dst\":\"2001:db8::/64\",\"dev\":\"eth0\",\"pref\":\"medium\"},"
		"{\"dst\":\"10.0.0.0/24\",\"dev\":\"eth0\",\"protocol\":\"mystery\",\"extra\":{\"x\":[1]}},"
		"{\"type\":\"unreachable\",\"dst\":\"default\",\"table\":\"4000000000\"}]";
	struct dr_snap s;
	char err[512];

	(void)state;
	dr_snap_init(&s);
	assert_int_equal(dr_parse_link_json(&s, links, strlen(links), "link.json", err, sizeof(err)), 0);
	assert_int_equal(dr_parse_sysctl(&s, sysctl, sizeof(sysctl) - 1, "sysctl.txt", err, sizeof(err)), 0);
	assert_int_equal(dr_link_by_name(&s, "eth0")->conf.rp_filter, 2);
	assert_int_equal(s.conf_all.arp_ignore, 1);
	assert_int_equal(dr_parse_nft_json(&s, nft, sizeof(nft) - 1, "nft.json", err, sizeof(err)), 0);
	assert_int_equal(s.nnft, 1);
	assert_true(s.nft[0].ct_state_invalid);
	assert_int_equal(dr_parse_route_json(&s, routes, sizeof(routes) - 1, 4, "route4.json", err, sizeof(err)), 0);
	assert_int_equal(s.nroutes, 2);	/* the IPv6 one belongs to route6.json */
	assert_int_equal(s.routes[1].table, 4000000000u);
	assert_int_equal(dr_snap_index(&s, err, sizeof(err)), 0);
	dr_snap_free(&s);
}

/* Reverse-path rules in the forms nft 1.0 prints: which ones count, with
 * which family, strictness and mark; look-alikes that do not. */
static void test_nft_rpf_forms(void **state)
{
	static const char nft[] =
		"{\"nftables\":["
		"{\"chain\":{\"family\":\"ip6\",\"table\":\"t6\",\"name\":\"c\",\"hook\":\"prerouting\"}},"
		"{\"chain\":{\"family\":\"ip\",\"table\":\"t4\",\"name\":\"c\",\"hook\":\"input\"}},"
		/* 0: ip6 strict, `oif 0` printed as the string "0" */
		"{\"rule\":{\"family\":\"ip6\",\"table\":\"t6\",\"chain\":\"c\",\"handle\":2,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\",\"iif\"]}},\"right\":\"0\"}},"
		"{\"drop\":null}]}},"
		/* 1: ip6 loose on one interface, one flag as a plain string, counter */
		"{\"rule\":{\"family\":\"ip6\",\"table\":\"t6\",\"chain\":\"c\",\"handle\":3,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"iifname\"}},\"right\":\"eth1\"}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":\"saddr\"}},\"right\":false}},"
		"{\"counter\":{\"packets\":0,\"bytes\":0}},{\"drop\":null}]}},"
		/* 2: ip loose with mark, input hook, `oif 0` as a number, reject */
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t4\",\"chain\":\"c\",\"handle\":4,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\",\"mark\"]}},\"right\":0}},"
		"{\"reject\":null}]}},"
		/* 3: inet without nfproto: both families */
		"{\"rule\":{\"family\":\"inet\",\"table\":\"fw\",\"chain\":\"raw_PREROUTING\",\"handle\":5,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\",\"mark\",\"iif\"]}},\"right\":false}},"
		"{\"drop\":null}]}},"
		/* not reverse-path drops: != accept, daddr type, accept verdict,
		 * bridge family, nfproto contradicting the table, oifname result */
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t4\",\"chain\":\"c\",\"handle\":6,\"expr\":["
		"{\"match\":{\"op\":\"!=\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\",\"iif\"]}},\"right\":\"0\"}},"
		"{\"accept\":null}]}},"
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t4\",\"chain\":\"c\",\"handle\":7,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"type\",\"flags\":[\"daddr\"]}},\"right\":\"local\"}},"
		"{\"drop\":null}]}},"
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t4\",\"chain\":\"c\",\"handle\":8,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\"]}},\"right\":false}},"
		"{\"accept\":null}]}},"
		"{\"rule\":{\"family\":\"bridge\",\"table\":\"b\",\"chain\":\"c\",\"handle\":9,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\"]}},\"right\":false}},"
		"{\"drop\":null}]}},"
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t4\",\"chain\":\"c\",\"handle\":10,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"nfproto\"}},\"right\":\"ipv6\"}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\"]}},\"right\":false}},"
		"{\"drop\":null}]}},"
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t4\",\"chain\":\"c\",\"handle\":11,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oifname\",\"flags\":[\"saddr\",\"iif\"]}},\"right\":\"\"}},"
		"{\"drop\":null}]}},"
		/* 4: in a regular chain, reached from prerouting by jump and goto;
		 * 5: in a chain that only jumps to itself: no hook */
		"{\"chain\":{\"family\":\"inet\",\"table\":\"fw2\",\"name\":\"pre\",\"hook\":\"prerouting\"}},"
		"{\"chain\":{\"family\":\"inet\",\"table\":\"fw2\",\"name\":\"mid\"}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"fw2\",\"chain\":\"pre\",\"expr\":[{\"jump\":{\"target\":\"mid\"}}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"fw2\",\"chain\":\"mid\",\"expr\":[{\"goto\":{\"target\":\"rpfilter\"}}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"fw2\",\"chain\":\"rpfilter\",\"handle\":20,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"nfproto\"}},\"right\":\"ipv6\"}},"
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\",\"iif\"]}},\"right\":false}},"
		"{\"drop\":null}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"fw2\",\"chain\":\"a\",\"expr\":[{\"jump\":{\"target\":\"a\"}}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"fw2\",\"chain\":\"a\",\"handle\":21,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\",\"iif\"]}},\"right\":false}},"
		"{\"drop\":null}]}},"
		"{\"rule\":{\"family\":\"ip\",\"table\":\"t4\",\"chain\":\"c\",\"handle\":12,\"expr\":["
		"{\"match\":{\"op\":\"==\",\"left\":{\"fib\":{\"result\":\"oif\",\"flags\":[\"saddr\",\"daddr\"]}},\"right\":false}},"
		"{\"drop\":null}]}}"
		"]}";
	char err[512], buf[200];
	struct dr_snap s;

	(void)state;
	dr_snap_init(&s);
	assert_int_equal(dr_parse_nft_json(&s, nft, sizeof(nft) - 1, "nft.json", err, sizeof(err)), 0);
	assert_int_equal(s.nnft, 6);
	assert_string_equal(s.nft[4].chain, "rpfilter");
	assert_string_equal(s.nft[4].hook, "prerouting");
	assert_int_equal(s.nft[4].nfproto, 6);
	assert_string_equal(s.nft[5].chain, "a");
	assert_string_equal(s.nft[5].hook, "");
	assert_true(s.nft[0].fib_rpf && s.nft[0].fib_iif && !s.nft[0].fib_mark);
	assert_int_equal(s.nft[0].nfproto, 6);
	assert_string_equal(s.nft[0].hook, "prerouting");
	assert_int_equal(s.nft[0].handle, 2);
	assert_string_equal(s.nft[0].summary, "fib saddr . iif oif missing drop");
	assert_true(s.nft[1].fib_rpf && !s.nft[1].fib_iif);
	assert_string_equal(s.nft[1].iifname, "eth1");
	assert_string_equal(s.nft[1].summary, "iifname \"eth1\" fib saddr oif missing drop");
	assert_true(s.nft[2].fib_rpf && !s.nft[2].fib_iif && s.nft[2].fib_mark);
	assert_int_equal(s.nft[2].nfproto, 4);
	assert_string_equal(s.nft[2].hook, "input");
	assert_string_equal(s.nft[2].verdict, "reject");
	assert_true(s.nft[3].fib_rpf && s.nft[3].fib_iif && s.nft[3].fib_mark);
	assert_int_equal(s.nft[3].nfproto, 0);
	assert_string_equal(s.nft[3].hook, "");	/* no chain object: not a base chain */
	assert_string_equal(dr_nft_rule_name(&s.nft[3], buf, sizeof(buf)), "inet fw raw_PREROUTING handle 5");
	assert_string_equal(dr_nft_rpf_loose_text(&s.nft[3], buf, sizeof(buf)),
			    "fib saddr . mark oif missing drop");
	dr_snap_free(&s);
}

static void test_missing_dir(void **state)
{
	struct dr_snap s;
	char err[512];

	(void)state;
	dr_snap_init(&s);
	assert_int_equal(dr_snap_load_dir(&s, "/nonexistent/snap", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/snap/addr.json: missing"));
	dr_snap_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tolerant),
		cmocka_unit_test(test_nft_rpf_forms),
		cmocka_unit_test(test_missing_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
