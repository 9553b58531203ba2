/* SPDX-License-Identifier: BSD-2-Clause */
/* nl.c - rtnetlink helpers over libmnl */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/nl.h"

#define NL_BUFSZ (64 * 1024)

int nl_open(struct nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NL_BUFSZ);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sock)
		goto fail;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
fail:
	{
		int e = errno ? errno : EIO;

		nl_close(nl);
		return -e;
	}
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

/* Send the message in nl->buf and run @cb over every answer until the
 * kernel's ACK or NLMSG_DONE. Return: 0, a callback's stop value, or -errno. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq = ++nl->seq;
	char *rbuf;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	rbuf = malloc(NL_BUFSZ);
	if (!rbuf)
		return -ENOMEM;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, rbuf, NL_BUFSZ);
		if (n < 0) {
			r = -errno;
			break;
		}
		r = mnl_cb_run(rbuf, (size_t)n, seq, nl->portid, cb, data);
		if (r < 0) {
			r = errno ? -errno : -EIO;
			break;
		}
		if (r == MNL_CB_STOP) {
			r = 0;
			break;
		}
	}
	free(rbuf);
	return r;
}

static void addr_from_attr(struct ip_addr *a, uint8_t family, const struct nlattr *at)
{
	uint16_t len = mnl_attr_get_payload_len(at);

	memset(a, 0, sizeof(*a));
	if (family == AF_INET && len >= 4)
		ip_addr_set4(a, mnl_attr_get_payload(at));
	else if (family == AF_INET6 && len >= 16)
		ip_addr_set6(a, mnl_attr_get_payload(at));
}

static uint8_t fam_of(uint8_t af)
{
	return af == AF_INET ? 4 : af == AF_INET6 ? 6 : 0;
}

static int af_of(int family)
{
	return family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
}

static void copy_name(char *dst, const struct nlattr *at)
{
	snprintf(dst, IF_NAMESIZE, "%s", mnl_attr_get_str(at));
}

/* Collect attributes of one message into @tb (indexed by type, up to @max). */
struct attr_tab {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_cb(const struct nlattr *at, void *data)
{
	struct attr_tab *t = data;
	unsigned type = mnl_attr_get_type(at);

	if (type <= t->max)
		t->tb[type] = at;
	return MNL_CB_OK;
}

static void parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
			unsigned max)
{
	struct attr_tab t = { tb, max };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	mnl_attr_parse(nlh, hdrlen, attr_cb, &t);
}

static void parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	struct attr_tab t = { tb, max };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	mnl_attr_parse_nested(nest, attr_cb, &t);
}

/* ---- links ---- */

struct link_ctx {
	int (*cb)(void *arg, const struct nl_link *l);
	void *arg;
	int stop;
};

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	struct link_ctx *c = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct nl_link l;

	if (c->stop)
		return MNL_CB_OK;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(&l, 0, sizeof(l));
	parse_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);
	l.ifindex = ifi->ifi_index;
	l.flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		copy_name(l.name, tb[IFLA_IFNAME]);
	if (tb[IFLA_MTU])
		l.mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER])
		l.master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_OPERSTATE])
		l.operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_GROUP])
		l.group = (int)mnl_attr_get_u32(tb[IFLA_GROUP]);
	if (tb[IFLA_LINKINFO]) {
		parse_nested(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX);
		if (li[IFLA_INFO_KIND])
			snprintf(l.kind, sizeof(l.kind), "%s", mnl_attr_get_str(li[IFLA_INFO_KIND]));
	}
	c->stop = c->cb(c->arg, &l);
	return MNL_CB_OK;
}

static struct nlmsghdr *dump_req(struct nl *nl, uint16_t type, void **payload, size_t plen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	*payload = mnl_nlmsg_put_extra_header(nlh, plen);
	return nlh;
}

/* When a callback asks to stop, the rest of the dump is still read (and
 * ignored) so the socket stays in step for the next request. */
static int finish_dump(int r, int stop)
{
	return stop ? stop : r;
}

int nl_dump_links(struct nl *nl, int (*cb)(void *arg, const struct nl_link *l), void *arg)
{
	struct link_ctx c = { cb, arg, 0 };
	struct ifinfomsg *ifi;
	void *p;
	struct nlmsghdr *nlh = dump_req(nl, RTM_GETLINK, &p, sizeof(*ifi));
	int r;

	ifi = p;
	ifi->ifi_family = AF_UNSPEC;
	r = nl_talk(nl, nlh, link_msg, &c);
	return finish_dump(r, c.stop);
}

/* ---- addresses ---- */

struct addr_ctx {
	int (*cb)(void *arg, const struct nl_ifaddr *a);
	void *arg;
	int stop;
};

static int addr_msg(const struct nlmsghdr *nlh, void *data)
{
	struct addr_ctx *c = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1];
	struct nl_ifaddr a;

	if (c->stop)
		return MNL_CB_OK;
	if (nlh->nlmsg_type != RTM_NEWADDR || !fam_of(ifa->ifa_family))
		return MNL_CB_OK;
	memset(&a, 0, sizeof(a));
	parse_attrs(nlh, sizeof(*ifa), tb, IFA_MAX);
	a.ifindex = (int)ifa->ifa_index;
	a.prefixlen = ifa->ifa_prefixlen;
	a.scope = ifa->ifa_scope;
	a.flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS])
		a.flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	if (tb[IFA_LOCAL])
		addr_from_attr(&a.local, ifa->ifa_family, tb[IFA_LOCAL]);
	if (tb[IFA_ADDRESS]) {
		if (!ip_addr_is_set(&a.local))
			addr_from_attr(&a.local, ifa->ifa_family, tb[IFA_ADDRESS]);
		else
			addr_from_attr(&a.peer, ifa->ifa_family, tb[IFA_ADDRESS]);
		if (ip_addr_eq(&a.peer, &a.local))
			memset(&a.peer, 0, sizeof(a.peer));
	}
	if (tb[IFA_LABEL])
		copy_name(a.label, tb[IFA_LABEL]);
	if (!ip_addr_is_set(&a.local))
		return MNL_CB_OK;
	c->stop = c->cb(c->arg, &a);
	return MNL_CB_OK;
}

int nl_dump_addrs(struct nl *nl, int family,
		  int (*cb)(void *arg, const struct nl_ifaddr *a), void *arg)
{
	struct addr_ctx c = { cb, arg, 0 };
	struct ifaddrmsg *ifa;
	void *p;
	struct nlmsghdr *nlh = dump_req(nl, RTM_GETADDR, &p, sizeof(*ifa));
	int r;

	ifa = p;
	ifa->ifa_family = (uint8_t)af_of(family);
	r = nl_talk(nl, nlh, addr_msg, &c);
	return finish_dump(r, c.stop);
}

/* ---- routes ---- */

static void parse_multipath(struct nl_route *r, uint8_t af, const struct nlattr *at)
{
	const uint8_t *p = mnl_attr_get_payload(at);
	size_t left = mnl_attr_get_payload_len(at);

	while (left >= sizeof(struct rtnexthop) && r->nh_count < NL_MAX_NEXTHOPS) {
		const struct rtnexthop *rtnh = (const void *)p;
		struct nl_nexthop *nh = &r->nh[r->nh_count];
		size_t len = rtnh->rtnh_len;

		if (len < sizeof(*rtnh) || len > left)
			break;
		memset(nh, 0, sizeof(*nh));
		nh->ifindex = rtnh->rtnh_ifindex;
		nh->weight = (uint16_t)(rtnh->rtnh_hops + 1);
		nh->flags = rtnh->rtnh_flags;
		if (len > sizeof(*rtnh)) {
			const struct nlattr *a = (const void *)(p + RTNH_ALIGN(sizeof(*rtnh)));
			size_t alen = len - RTNH_ALIGN(sizeof(*rtnh));

			while (mnl_attr_ok(a, (int)alen)) {
				if (mnl_attr_get_type(a) == RTA_GATEWAY)
					addr_from_attr(&nh->gw, af, a);
				alen -= MNL_ALIGN(a->nla_len);
				a = mnl_attr_next(a);
			}
		}
		r->nh_count++;
		len = RTNH_ALIGN(len);
		if (len > left)
			break;
		p += len;
		left -= len;
	}
}

/* Return: 0, or -1 when the message is not a route of a known family. */
static int route_parse(const struct nlmsghdr *nlh, struct nl_route *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	uint8_t af = rtm->rtm_family;

	if (!fam_of(af))
		return -1;
	memset(r, 0, sizeof(*r));
	parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
	r->family = fam_of(af);
	r->dst.addr.family = r->family;
	r->dst.len = rtm->rtm_dst_len;
	r->src.addr.family = r->family;
	r->src.len = rtm->rtm_src_len;
	r->table = rtm->rtm_table;
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	r->tos = rtm->rtm_tos;
	r->flags = rtm->rtm_flags;
	if (tb[RTA_TABLE])
		r->table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if (tb[RTA_DST])
		addr_from_attr(&r->dst.addr, af, tb[RTA_DST]);
	if (tb[RTA_SRC])
		addr_from_attr(&r->src.addr, af, tb[RTA_SRC]);
	r->dst.addr.family = r->family;
	r->src.addr.family = r->family;
	if (tb[RTA_PRIORITY])
		r->priority = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_PREFSRC])
		addr_from_attr(&r->prefsrc, af, tb[RTA_PREFSRC]);
	if (tb[RTA_IIF])
		r->iif = (int)mnl_attr_get_u32(tb[RTA_IIF]);
	if (tb[RTA_MARK])
		r->mark = mnl_attr_get_u32(tb[RTA_MARK]);
	if (tb[RTA_MULTIPATH]) {
		parse_multipath(r, af, tb[RTA_MULTIPATH]);
	} else if (tb[RTA_OIF] || tb[RTA_GATEWAY]) {
		r->nh_count = 1;
		r->nh[0].weight = 1;
		r->nh[0].flags = (uint8_t)rtm->rtm_flags;
		if (tb[RTA_OIF])
			r->nh[0].ifindex = (int)mnl_attr_get_u32(tb[RTA_OIF]);
		if (tb[RTA_GATEWAY])
			addr_from_attr(&r->nh[0].gw, af, tb[RTA_GATEWAY]);
	}
	return 0;
}

struct route_ctx {
	int (*cb)(void *arg, const struct nl_route *r);
	void *arg;
	int stop;
	struct nl_route *one;	/* nl_route_get: the answer */
	bool got;
};

static int route_msg(const struct nlmsghdr *nlh, void *data)
{
	struct route_ctx *c = data;
	struct nl_route *r;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (c->one) {
		if (route_parse(nlh, c->one) == 0)
			c->got = true;
		return MNL_CB_OK;
	}
	if (c->stop)
		return MNL_CB_OK;
	r = malloc(sizeof(*r));
	if (!r)
		return MNL_CB_ERROR;
	if (route_parse(nlh, r) == 0 && !(r->flags & RTM_F_CLONED))
		c->stop = c->cb(c->arg, r);
	free(r);
	return MNL_CB_OK;
}

int nl_dump_routes(struct nl *nl, int family,
		   int (*cb)(void *arg, const struct nl_route *r), void *arg)
{
	struct route_ctx c = { .cb = cb, .arg = arg };
	struct rtmsg *rtm;
	void *p;
	struct nlmsghdr *nlh = dump_req(nl, RTM_GETROUTE, &p, sizeof(*rtm));
	int r;

	rtm = p;
	rtm->rtm_family = (uint8_t)af_of(family);
	r = nl_talk(nl, nlh, route_msg, &c);
	return finish_dump(r, c.stop);
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const struct ip_addr *a)
{
	mnl_attr_put(nlh, type, a->family == 4 ? 4 : 16, a->a);
}

int nl_route_get(struct nl *nl, const struct nl_route_query *q, struct nl_route *out)
{
	struct route_ctx c = { .one = out };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct rtmsg *rtm;
	uint8_t fam = q->dst.family;
	int r;

	if (fam != 4 && fam != 6)
		return -EINVAL;
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af_of(fam);
	rtm->rtm_flags = RTM_F_LOOKUP_TABLE;
	rtm->rtm_tos = q->tos;
	rtm->rtm_dst_len = fam == 4 ? 32 : 128;
	put_addr(nlh, RTA_DST, &q->dst);
	if (ip_addr_is_set(&q->src)) {
		rtm->rtm_src_len = rtm->rtm_dst_len;
		put_addr(nlh, RTA_SRC, &q->src);
	}
	if (q->iif)
		mnl_attr_put_u32(nlh, RTA_IIF, (uint32_t)q->iif);
	if (q->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)q->oif);
	if (q->mark)
		mnl_attr_put_u32(nlh, RTA_MARK, q->mark);
	if (q->ip_proto) {
		mnl_attr_put_u8(nlh, RTA_IP_PROTO, q->ip_proto);
		if (q->sport)
			mnl_attr_put_u16(nlh, RTA_SPORT, htons(q->sport));
		if (q->dport)
			mnl_attr_put_u16(nlh, RTA_DPORT, htons(q->dport));
	}
	memset(out, 0, sizeof(*out));
	/* The answer is a single RTM_NEWROUTE, or an error; no ACK follows. */
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	{
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUFSZ);

		if (n < 0)
			return -errno;
		r = mnl_cb_run(nl->buf, (size_t)n, nlh->nlmsg_seq, nl->portid, route_msg, &c);
		if (r < 0)
			return errno ? -errno : -EIO;
	}
	return c.got ? 0 : -ENOENT;
}

static int ack_msg(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int route_change(struct nl *nl, uint16_t type, uint16_t flags, const struct nl_route *r)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct rtmsg *rtm;
	unsigned i;

	if (r->family != 4 && r->family != 6)
		return -EINVAL;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af_of(r->family);
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_src_len = r->src.len;
	rtm->rtm_tos = r->tos;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_scope = r->scope;
	rtm->rtm_type = r->type;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	if (r->dst.len)
		put_addr(nlh, RTA_DST, &r->dst.addr);
	if (r->src.len)
		put_addr(nlh, RTA_SRC, &r->src.addr);
	if (r->priority)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->priority);
	if (ip_addr_is_set(&r->prefsrc))
		put_addr(nlh, RTA_PREFSRC, &r->prefsrc);
	if (r->nh_count == 1) {
		if (r->nh[0].ifindex)
			mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->nh[0].ifindex);
		if (ip_addr_is_set(&r->nh[0].gw))
			put_addr(nlh, RTA_GATEWAY, &r->nh[0].gw);
	} else if (r->nh_count > 1) {
		struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

		for (i = 0; i < r->nh_count; i++) {
			struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);
			size_t start = nlh->nlmsg_len;

			nlh->nlmsg_len += MNL_ALIGN(sizeof(*rtnh));
			memset(rtnh, 0, sizeof(*rtnh));
			rtnh->rtnh_ifindex = r->nh[i].ifindex;
			rtnh->rtnh_hops = (uint8_t)(r->nh[i].weight ? r->nh[i].weight - 1 : 0);
			if (ip_addr_is_set(&r->nh[i].gw))
				put_addr(nlh, RTA_GATEWAY, &r->nh[i].gw);
			rtnh->rtnh_len = (unsigned short)(nlh->nlmsg_len - start);
		}
		mnl_attr_nest_end(nlh, mp);
	}
	return nl_talk(nl, nlh, ack_msg, NULL);
}

int nl_route_add(struct nl *nl, const struct nl_route *r)
{
	return route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_route_del(struct nl *nl, const struct nl_route *r)
{
	struct nl_route d = *r;

	d.scope = RT_SCOPE_NOWHERE;	/* any scope */
	return route_change(nl, RTM_DELROUTE, 0, &d);
}

/* ---- rules ---- */

struct rule_ctx {
	int (*cb)(void *arg, const struct nl_rule *r);
	void *arg;
	int stop;
};

static int rule_msg(const struct nlmsghdr *nlh, void *data)
{
	struct rule_ctx *c = data;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[FRA_MAX + 1];
	struct nl_rule r;
	uint8_t af = frh->family;

	if (c->stop)
		return MNL_CB_OK;
	if (nlh->nlmsg_type != RTM_NEWRULE || !fam_of(af))
		return MNL_CB_OK;
	memset(&r, 0, sizeof(r));
	parse_attrs(nlh, sizeof(*frh), tb, FRA_MAX);
	r.family = fam_of(af);
	r.src.addr.family = r.dst.addr.family = r.family;
	r.src.len = frh->src_len;
	r.dst.len = frh->dst_len;
	r.tos = frh->tos;
	r.action = frh->action;
	r.table = frh->table;
	r.invert = frh->flags & FIB_RULE_INVERT;
	r.suppress_prefixlen = -1;
	r.suppress_ifgroup = -1;
	if (tb[FRA_PRIORITY])
		r.priority = mnl_attr_get_u32(tb[FRA_PRIORITY]);
	if (tb[FRA_SRC])
		addr_from_attr(&r.src.addr, af, tb[FRA_SRC]);
	if (tb[FRA_DST])
		addr_from_attr(&r.dst.addr, af, tb[FRA_DST]);
	r.src.addr.family = r.dst.addr.family = r.family;
	if (tb[FRA_IIFNAME])
		copy_name(r.iif, tb[FRA_IIFNAME]);
	if (tb[FRA_OIFNAME])
		copy_name(r.oif, tb[FRA_OIFNAME]);
	if (tb[FRA_FWMARK])
		r.fwmark = mnl_attr_get_u32(tb[FRA_FWMARK]);
	if (tb[FRA_FWMASK])
		r.fwmask = mnl_attr_get_u32(tb[FRA_FWMASK]);
	else if (r.fwmark)
		r.fwmask = 0xffffffff;
	if (tb[FRA_TABLE])
		r.table = mnl_attr_get_u32(tb[FRA_TABLE]);
	if (tb[FRA_GOTO])
		r.goto_target = mnl_attr_get_u32(tb[FRA_GOTO]);
	if (tb[FRA_SUPPRESS_PREFIXLEN])
		r.suppress_prefixlen = (int32_t)mnl_attr_get_u32(tb[FRA_SUPPRESS_PREFIXLEN]);
	if (tb[FRA_SUPPRESS_IFGROUP])
		r.suppress_ifgroup = (int32_t)mnl_attr_get_u32(tb[FRA_SUPPRESS_IFGROUP]);
	if (tb[FRA_PROTOCOL])
		r.protocol = mnl_attr_get_u8(tb[FRA_PROTOCOL]);
	if (tb[FRA_IP_PROTO])
		r.ip_proto = mnl_attr_get_u8(tb[FRA_IP_PROTO]);
	if (tb[FRA_L3MDEV])
		r.has_l3mdev = mnl_attr_get_u8(tb[FRA_L3MDEV]) != 0;
	c->stop = c->cb(c->arg, &r);
	return MNL_CB_OK;
}

int nl_dump_rules(struct nl *nl, int family,
		  int (*cb)(void *arg, const struct nl_rule *r), void *arg)
{
	struct rule_ctx c = { cb, arg, 0 };
	struct fib_rule_hdr *frh;
	void *p;
	struct nlmsghdr *nlh = dump_req(nl, RTM_GETRULE, &p, sizeof(*frh));
	int r;

	frh = p;
	frh->family = (uint8_t)af_of(family);
	r = nl_talk(nl, nlh, rule_msg, &c);
	return finish_dump(r, c.stop);
}

static int rule_change(struct nl *nl, uint16_t type, uint16_t flags, const struct nl_rule *r)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct fib_rule_hdr *frh;

	if (r->family != 4 && r->family != 6)
		return -EINVAL;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)af_of(r->family);
	frh->src_len = r->src.len;
	frh->dst_len = r->dst.len;
	frh->tos = r->tos;
	frh->action = r->action;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	frh->flags = r->invert ? FIB_RULE_INVERT : 0;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, r->priority);
	if (r->src.len)
		put_addr(nlh, FRA_SRC, &r->src.addr);
	if (r->dst.len)
		put_addr(nlh, FRA_DST, &r->dst.addr);
	if (r->iif[0])
		mnl_attr_put_strz(nlh, FRA_IIFNAME, r->iif);
	if (r->oif[0])
		mnl_attr_put_strz(nlh, FRA_OIFNAME, r->oif);
	if (r->fwmask) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, r->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, r->fwmask);
	}
	if (r->action == FR_ACT_TO_TBL)
		mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	if (r->action == FR_ACT_GOTO)
		mnl_attr_put_u32(nlh, FRA_GOTO, r->goto_target);
	if (r->suppress_prefixlen >= 0)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, (uint32_t)r->suppress_prefixlen);
	if (r->suppress_ifgroup >= 0)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_IFGROUP, (uint32_t)r->suppress_ifgroup);
	if (r->protocol)
		mnl_attr_put_u8(nlh, FRA_PROTOCOL, r->protocol);
	return nl_talk(nl, nlh, ack_msg, NULL);
}

int nl_rule_add(struct nl *nl, const struct nl_rule *r)
{
	return rule_change(nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_rule_del(struct nl *nl, const struct nl_rule *r)
{
	return rule_change(nl, RTM_DELRULE, 0, r);
}

/* ---- names ---- */

static const char *const rtn_names[] = {
	[RTN_UNSPEC] = "none", [RTN_UNICAST] = "unicast", [RTN_LOCAL] = "local",
	[RTN_BROADCAST] = "broadcast", [RTN_ANYCAST] = "anycast",
	[RTN_MULTICAST] = "multicast", [RTN_BLACKHOLE] = "blackhole",
	[RTN_UNREACHABLE] = "unreachable", [RTN_PROHIBIT] = "prohibit",
	[RTN_THROW] = "throw", [RTN_NAT] = "nat", [RTN_XRESOLVE] = "xresolve",
};

const char *nl_route_type_name(uint8_t type)
{
	if (type < sizeof(rtn_names) / sizeof(rtn_names[0]) && rtn_names[type])
		return rtn_names[type];
	return "unknown";
}

int nl_route_type_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(rtn_names) / sizeof(rtn_names[0]); i++)
		if (rtn_names[i] && !strcmp(s, rtn_names[i]))
			return (int)i;
	return -1;
}

const char *nl_scope_name(uint8_t scope)
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE: return "global";
	case RT_SCOPE_SITE: return "site";
	case RT_SCOPE_LINK: return "link";
	case RT_SCOPE_HOST: return "host";
	case RT_SCOPE_NOWHERE: return "nowhere";
	default: return "other";
	}
}

int nl_scope_parse(const char *s)
{
	char *end;
	unsigned long v;

	if (!strcmp(s, "global") || !strcmp(s, "universe"))
		return RT_SCOPE_UNIVERSE;
	if (!strcmp(s, "site"))
		return RT_SCOPE_SITE;
	if (!strcmp(s, "link"))
		return RT_SCOPE_LINK;
	if (!strcmp(s, "host"))
		return RT_SCOPE_HOST;
	if (!strcmp(s, "nowhere"))
		return RT_SCOPE_NOWHERE;
	v = strtoul(s, &end, 0);
	if (*s && !*end && v <= 255)
		return (int)v;
	return -1;
}
