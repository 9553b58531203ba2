/* SPDX-License-Identifier: BSD-2-Clause */
/* snap_live.c - read this host's snapshot: netlink, /proc/sys, nft */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"
#include "lib/sysctl.h"

struct live_ctx {
	struct dr_snap *s;
	char *err;
	size_t errlen;
};

static int on_link(void *arg, const struct nl_link *l)
{
	struct live_ctx *c = arg;

	return dr_snap_add_link(c->s, l, c->err, c->errlen) < 0 ? -1 : 0;
}

static int on_addr(void *arg, const struct nl_ifaddr *a)
{
	struct live_ctx *c = arg;

	return dr_snap_add_addr(c->s, a, c->err, c->errlen) < 0 ? -1 : 0;
}

static int on_route(void *arg, const struct nl_route *r)
{
	struct live_ctx *c = arg;

	return dr_snap_add_route(c->s, r, c->err, c->errlen) < 0 ? -1 : 0;
}

static int on_rule(void *arg, const struct nl_rule *r)
{
	struct live_ctx *c = arg;

	return dr_snap_add_rule(c->s, r, c->err, c->errlen) < 0 ? -1 : 0;
}

static const char *const conf_keys[] = {
	"rp_filter", "accept_local", "src_valid_mark", "arp_ignore", "arp_announce",
	"arp_filter", "forwarding", "route_localnet", "send_redirects", "log_martians",
};

static void read_conf(struct dr_snap *s, const char *ifname, struct dr_conf *c)
{
	int *slots[] = {
		&c->rp_filter, &c->accept_local, &c->src_valid_mark, &c->arp_ignore,
		&c->arp_announce, &c->arp_filter, &c->forwarding, &c->route_localnet,
		&c->send_redirects, &c->log_martians,
	};
	size_t i;
	int v;

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (sysctl_conf_read_int(4, ifname, conf_keys[i], &v) == 0) {
			*slots[i] = v;
			s->sysctl_known = true;
		}
}

static void read_nft(struct dr_snap *s)
{
	char *const argv[] = { "nft", "-j", "list", "ruleset", NULL };
	char err[256];
	char *out = NULL;
	size_t len = 0;
	int r = dr_run_capture(argv, &out, &len);

	if (r < 0) {
		dr_snap_note(s, "nftables not inspected: `nft -j list ruleset` failed (%s)",
			     r == -ENOENT ? "nft not installed" : strerror(-r));
	} else if (len == 0) {
		s->nft_known = true;
	} else if (dr_parse_nft_json(s, out, len, "nft -j list ruleset", err, sizeof(err)) < 0) {
		dr_snap_note(s, "nftables not inspected: %s", err);
	}
	free(out);
}

int dr_snap_load_live(struct dr_snap *s, char *err, size_t errlen)
{
	struct live_ctx c = { s, err, errlen };
	struct nl nl;
	size_t i;
	int r, v;

	snprintf(s->source, sizeof(s->source), "live");
	s->live = true;
	r = nl_open(&nl);
	if (r < 0) {
		snprintf(err, errlen, "netlink: %s", strerror(-r));
		return -1;
	}
	err[0] = '\0';
	if ((r = nl_dump_links(&nl, on_link, &c)) != 0 ||
	    (r = nl_dump_addrs(&nl, 0, on_addr, &c)) != 0 ||
	    (r = nl_dump_routes(&nl, 4, on_route, &c)) != 0 ||
	    (r = nl_dump_routes(&nl, 6, on_route, &c)) != 0 ||
	    (r = nl_dump_rules(&nl, 4, on_rule, &c)) != 0 ||
	    (r = nl_dump_rules(&nl, 6, on_rule, &c)) != 0) {
		if (!err[0])
			snprintf(err, errlen, "netlink dump: %s", strerror(r < 0 ? -r : EIO));
		nl_close(&nl);
		return -1;
	}
	nl_close(&nl);
	read_conf(s, "all", &s->conf_all);
	read_conf(s, "default", &s->conf_default);
	for (i = 0; i < s->nlinks; i++)
		read_conf(s, s->links[i].l.name, &s->links[i].conf);
	if (sysctl_read_int("net/ipv4/ip_forward", &v) == 0)
		s->ip_forward = v;
	if (sysctl_read_int("net/ipv4/fwmark_reflect", &v) == 0)
		s->fwmark_reflect = v;
	if (sysctl_read_int("net/ipv4/tcp_fwmark_accept", &v) == 0)
		s->tcp_fwmark_accept = v;
	if (!s->sysctl_known)
		dr_snap_note(s, "/proc/sys not readable: rp_filter and friends assumed to be 0");
	if (!s->skip_nft)
		read_nft(s);
	return 0;
}
