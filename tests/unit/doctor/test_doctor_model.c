/* SPDX-License-Identifier: BSD-2-Clause */
/* test_doctor_model.c - the FIB/rp_filter model and check/explain on hand-written snapshots */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/fmt.h"

static void load(struct dr_snap *s, const char *name)
{
	const char *base = getenv("DOCTOR_DATA");
	char dir[1024], err[512];

	assert_non_null(base);
	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	dr_snap_init(s);
	if (dr_snap_load_dir(s, dir, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(dr_snap_index(s, err, sizeof(err)), 0);
}

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static int ifx(const struct dr_snap *s, const char *name)
{
	const struct dr_link *l = dr_link_by_name(s, name);

	assert_non_null(l);
	return l->l.ifindex;
}

static void test_fourif(void **state)
{
	struct dr_findings *f = malloc(sizeof(*f));
	struct ip_addr from = A("10.8.0.4"), to;
	struct dr_verdict v;
	struct dr_snap s;
	size_t i;

	(void)state;
	load(&s, "fourif");
	assert_int_equal(dr_primary_ifindex(&s, 4), ifx(&s, "eth0"));
	dr_check(&s, NULL, f);
	assert_int_equal(f->n, 3);
	for (i = 0; i < 3; i++) {
		char want[16];

		snprintf(want, sizeof(want), "eth%zu", i + 1);
		assert_string_equal(f->f[i].iface, want);
		assert_int_equal(f->f[i].sev, DR_SEV_ERROR);
		assert_string_equal(f->f[i].kind, "rp_filter");
		assert_non_null(strstr(f->f[i].reason, "strict rp_filter=1"));
	}
	to = A("172.16.5.4");
	dr_analyze(&s, ifx(&s, "eth1"), &from, &to, 6, &v, NULL);
	assert_false(v.delivered);
	assert_false(v.icmp_answered);
	assert_string_equal(v.tcp_reason, "rp_filter");
	assert_int_equal(v.in.rp.verdict, DR_RP_STRICT);
	assert_int_equal(v.in.rp.mode, 1);	/* max(all=1, eth1=0) */
	to = A("172.16.4.2");
	dr_analyze(&s, ifx(&s, "eth0"), &from, &to, 6, &v, NULL);
	assert_true(v.icmp_answered);
	assert_true(v.tcp_answered);
	assert_int_equal(v.egress, ifx(&s, "eth0"));
	free(f);
	dr_snap_free(&s);
}

static void test_samesubnet(void **state)
{
	struct dr_findings *f = malloc(sizeof(*f));
	struct ip_addr from = A("10.8.0.4"), to = A("10.0.0.12"), gw = A("10.0.0.1");
	struct dr_trace *tr = calloc(1, sizeof(*tr));
	struct dr_verdict v;
	struct dr_snap s;

	(void)state;
	load(&s, "samesubnet");
	dr_analyze(&s, ifx(&s, "eth1"), &from, &to, 6, &v, tr);
	assert_true(v.delivered);
	assert_true(v.icmp_answered);
	assert_false(v.tcp_answered);
	assert_string_equal(v.tcp_reason, "asymmetric");
	assert_string_equal(v.filter, "upstream");
	assert_int_equal(v.egress, ifx(&s, "eth0"));
	assert_int_equal(v.in.rp.mode, 2);
	assert_non_null(strstr(tr->line[tr->n - 1], "stateful filter upstream"));
	/* the on-link gateway, too, is answered asymmetrically */
	dr_analyze(&s, ifx(&s, "eth1"), &gw, &to, 1, &v, NULL);
	assert_true(v.icmp_answered);
	assert_int_equal(v.egress, ifx(&s, "eth0"));
	dr_check(&s, NULL, f);
	assert_int_equal(f->n, 2);
	assert_string_equal(f->f[0].kind, "arp_flux");
	assert_string_equal(f->f[1].iface, "eth1");
	assert_string_equal(f->f[1].kind, "asymmetric");
	assert_int_equal(f->f[1].sev, DR_SEV_WARNING);
	free(f);
	free(tr);
	dr_snap_free(&s);
}

static void test_hostzones(void **state)
{
	struct ip_addr from = A("10.8.0.4"), to = A("10.0.0.12");
	struct dr_verdict v;
	struct dr_snap s;
	char why[400];

	(void)state;
	load(&s, "hostzones");
	assert_true(s.nft_known);
	assert_int_equal(s.nnft, 3);
	assert_true(dr_nft_per_iface_state(&s, why, sizeof(why)));
	assert_non_null(strstr(why, "iifname eth0"));
	assert_true(s.nft[2].ct_state_invalid);
	dr_analyze(&s, ifx(&s, "eth1"), &from, &to, 6, &v, NULL);
	assert_true(v.icmp_answered);
	assert_false(v.tcp_answered);
	assert_string_equal(v.filter, "host");
	dr_snap_free(&s);
}

struct q {
	const char *dst, *src, *iif;
	uint32_t mark;
	int err;
	const char *dev, *table, *prefsrc;
	int ndevs;
};

static void test_policy(void **state)
{
	static const struct q qs[] = {
		/* rule 100 → table 100, multipath */
		{ "10.5.1.1", "10.1.0.1", NULL, 0, 0, "d0", "100", NULL, 2 },
		/* blackhole in table 100 */
		{ "10.6.1.1", "10.1.0.1", NULL, 0, -EINVAL, NULL, NULL, NULL, 0 },
		/* throw → next rules; 200 suppresses main's default; main at 32766 */
		{ "10.7.1.1", "10.1.0.1", NULL, 0, 0, "d0", "main", NULL, 1 },
		/* not to 10.9/16 does not match 10.9.x; main default */
		{ "10.9.1.1", NULL, NULL, 0, 0, "d0", "main", "10.0.0.1", 1 },
		/* rule 200: the /24 is not suppressed; connected route's src */
		{ "10.0.0.77", NULL, NULL, 0, 0, "d0", "main", "10.0.0.1", 1 },
		/* fwmark 0x20 → table 200 */
		{ "10.8.1.1", NULL, NULL, 0x20, 0, "d1", "200", "10.1.0.1", 1 },
		/* fwmark 0x10/0xff → goto 200 (skips 120) → main */
		{ "10.8.1.1", NULL, NULL, 0x120, 0, "d0", "main", NULL, 1 },
		/* prohibit after suppression */
		{ "10.99.1.1", NULL, NULL, 0, -EACCES, NULL, NULL, NULL, 0 },
		/* a gateway route without prefsrc: primary address of d0 */
		{ "192.0.2.1", NULL, NULL, 0, 0, "d0", "main", "10.0.0.1", 1 },
		/* input: strict rp_filter drops (route back via d0) */
		{ "10.1.0.1", "10.8.5.5", "d1", 0, -EINVAL, NULL, NULL, NULL, 0 },
		/* with the mark and src_valid_mark=1 on d1, table 200 routes back via d1 */
		{ "10.1.0.1", "10.8.5.5", "d1", 0x20, 0, "lo", "local", NULL, 0 },
		/* input on d0 from the default route's side: pass */
		{ "10.0.0.5", "8.8.8.8", "d0", 0, 0, "lo", "local", NULL, 0 },
		/* forwarded: 10.8.1.1 from d0 → main default back out d0 (rp passes) */
		{ "10.8.1.1", "8.8.8.8", "d0", 0, 0, "d0", "main", NULL, 1 },
		/* source is our own address: martian under strict mode */
		{ "10.0.0.5", "10.0.0.1", "d0", 0, -EINVAL, NULL, NULL, NULL, 0 },
	};
	struct dr_snap s;
	size_t i;

	(void)state;
	load(&s, "policy");
	assert_true(s.custom_rules);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		const struct q *q = &qs[i];
		struct dr_flow fl = { 0 };
		struct dr_route_res o;
		char tb[16];
		int e;

		fl.dst = A(q->dst);
		if (q->src)
			fl.src = A(q->src);
		fl.mark = q->mark;
		if (q->iif) {
			fl.iif = ifx(&s, q->iif);
			e = dr_route_input(&s, &fl, &o, NULL);
		} else {
			e = dr_route_output(&s, &fl, &o, NULL);
		}
		if (e != q->err)
			fail_msg("query %zu (%s): err %d, want %d (%s)", i, q->dst, e, q->err, o.why ? o.why : "");
		if (e)
			continue;
		assert_string_equal(dr_ifname(&s, o.dev), q->dev);
		assert_string_equal(dr_table_name(o.table, tb), q->table);
		if (q->ndevs)
			assert_int_equal(o.ndevs, q->ndevs);
		if (q->prefsrc)
			assert_string_equal(dr_addr_str(&o.src), q->prefsrc);
	}
	dr_snap_free(&s);
}

/* firewalld's IPv6 reverse-path rule in a saved `nft -j list ruleset`
 * (tests/data/doctor/mk-v6rpf.sh): recognised, applied to IPv6 only,
 * strict, and cured by a `from ADDR` rule; loose and dual-family forms. */
static void test_v6rpf(void **state)
{
	struct dr_findings *f = malloc(sizeof(*f));
	struct ip_addr c6 = A("3fff::10"), a6 = A("2001:db8:2::2"), c4 = A("203.0.113.10");
	struct ip_addr a4 = A("172.16.5.4"), ll = A("fe80::1"), a0 = A("2001:db8:1::2");
	struct dr_nft_rule *rpf = NULL;
	struct dr_verdict v;
	struct dr_snap s;
	char name[200];
	size_t i, n = 0;

	(void)state;
	load(&s, "v6rpf");
	for (i = 0; i < s.nnft; i++)
		if (s.nft[i].fib_rpf) {
			rpf = &s.nft[i];
			n++;
		}
	assert_int_equal(n, 1);
	assert_string_equal(dr_nft_rule_name(rpf, name, sizeof(name)),
			    "inet firewalld filter_PREROUTING handle 14");
	assert_string_equal(rpf->hook, "prerouting");
	assert_true(rpf->fib_iif && rpf->fib_mark);
	assert_int_equal(rpf->nfproto, 6);
	assert_string_equal(rpf->summary, "meta nfproto ipv6 fib saddr . mark . iif oif missing drop");

	/* check: eth1's IPv6 address is dropped by the rule, its IPv4 one is
	 * only asymmetric (the rule is IPv6 only, rp_filter is off) */
	dr_check(&s, NULL, f);
	assert_int_equal(f->n, 2);
	for (i = 0; i < f->n; i++) {
		assert_string_equal(f->f[i].iface, "eth1");
		if (f->f[i].addr.family == 6) {
			assert_string_equal(f->f[i].kind, "nft_rpfilter");
			assert_int_equal(f->f[i].sev, DR_SEV_ERROR);
			assert_non_null(strstr(f->f[i].reason, "filter_PREROUTING handle 14"));
			assert_non_null(strstr(f->f[i].reason, "leaves by eth0"));
		} else {
			assert_string_equal(f->f[i].kind, "asymmetric");
		}
	}
	dr_analyze(&s, ifx(&s, "eth1"), &c6, &a6, 58, &v, NULL);
	assert_ptr_equal(v.nft.rule, rpf);
	assert_false(v.delivered || v.icmp_answered);
	assert_string_equal(v.tcp_reason, "nft_rpfilter");
	assert_true(v.nft.rev_ok);
	assert_int_equal(v.nft.rev.route->nh[0].ifindex, ifx(&s, "eth0"));
	/* the input route lookup itself still says local (the kernel agrees) */
	assert_int_equal(v.in.err, 0);
	assert_int_equal(v.in.type, RTN_LOCAL);
	/* a link-local source is looked up on the incoming interface only */
	dr_analyze(&s, ifx(&s, "eth1"), &ll, &a6, 58, &v, NULL);
	assert_null(v.nft.rule);
	assert_true(v.delivered);
	/* the primary interface passes */
	dr_analyze(&s, ifx(&s, "eth0"), &c6, &a0, 58, &v, NULL);
	assert_null(v.nft.rule);
	assert_true(v.icmp_answered && v.tcp_answered);

	/* loose form: any route back will do */
	rpf->fib_iif = false;
	dr_analyze(&s, ifx(&s, "eth1"), &c6, &a6, 58, &v, NULL);
	assert_null(v.nft.rule);
	assert_true(v.icmp_answered);
	assert_string_equal(v.tcp_reason, "asymmetric");
	rpf->fib_iif = true;

	/* the same rule for both families (inet without nfproto) drops IPv4 too */
	rpf->nfproto = 0;
	dr_analyze(&s, ifx(&s, "eth1"), &c4, &a4, 6, &v, NULL);
	assert_ptr_equal(v.nft.rule, rpf);
	assert_false(v.icmp_answered);
	rpf->nfproto = 6;

	/* an input-hook rule is applied after local delivery */
	snprintf(rpf->hook, sizeof(rpf->hook), "input");
	dr_analyze(&s, ifx(&s, "eth1"), &c6, &a6, 58, &v, NULL);
	assert_ptr_equal(v.nft.rule, rpf);
	snprintf(rpf->hook, sizeof(rpf->hook), "forward");
	dr_analyze(&s, ifx(&s, "eth1"), &c6, &a6, 58, &v, NULL);
	assert_null(v.nft.rule);
	snprintf(rpf->hook, sizeof(rpf->hook), "prerouting");
	free(f);
	dr_snap_free(&s);
}

static void test_conf_eff(void **state)
{
	struct dr_snap s;
	const struct dr_link *l;

	(void)state;
	load(&s, "policy");
	l = dr_link_by_name(&s, "d1");
	assert_int_equal(dr_conf_eff(&s, l, "rp_filter"), 1);	/* all=1, d1 unknown */
	assert_int_equal(dr_conf_eff(&s, l, "src_valid_mark"), 1);	/* d1=1 */
	assert_int_equal(dr_conf_eff(&s, dr_link_by_name(&s, "d0"), "src_valid_mark"), 0);
	s.conf_all.rp_filter = 2;
	((struct dr_link *)l)->conf.rp_filter = 1;
	assert_int_equal(dr_conf_eff(&s, l, "rp_filter"), 2);	/* max wins */
	s.conf_all.rp_filter = 0;
	assert_int_equal(dr_conf_eff(&s, l, "rp_filter"), 1);
	dr_snap_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fourif),
		cmocka_unit_test(test_samesubnet),
		cmocka_unit_test(test_hostzones),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_v6rpf),
		cmocka_unit_test(test_conf_eff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
