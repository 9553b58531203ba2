/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nl.c - rtnetlink over libmnl
 *
 * Theory of operation: every request is built in nl->buf and sent by
 * nl_talk(), which then reads the answers back into the same buffer and
 * runs them through mnl_cb_run() until the dump's NLMSG_DONE or the
 * request's ACK (every request that is not a dump asks for one, so a lookup
 * and a change end the same way). The kernel's error arrives as an
 * NLMSG_ERROR that mnl_cb_run() turns into errno; it is returned as -errno.
 * Answers are always read to their end, even when a dump callback asked to
 * stop, so the socket stays in step for the next request.
 *
 * Decoding goes through one path: the attributes of a message (or of a
 * nested attribute, or of a nexthop) are collected into a table indexed by
 * type, and read with getters that check the attribute's length, so a
 * short attribute reads as absent rather than past its end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/nl.h"

int nl_open(struct nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NL_BUFSZ);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno ? errno : EIO;

		nl_close(nl);
		return -e;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

/* ---- request and answer ---- */

static struct nlmsghdr *msg_start(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* Send @nlh (in nl->buf) and run @cb over every answer until the ACK or
 * NLMSG_DONE. Return: 0, or -errno (the kernel's error for the request). */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq = ++nl->seq;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUFSZ);
		if (n < 0)
			return -errno;
		errno = 0;
		r = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, data);
		if (r < 0)
			return errno ? -errno : -EIO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

/* Send a dump request of @type whose family header is @hdr (@hdrlen bytes). */
static int nl_dump(struct nl *nl, uint16_t type, const void *hdr, size_t hdrlen, mnl_cb_t cb,
		   void *data)
{
	struct nlmsghdr *nlh = msg_start(nl->buf, type, NLM_F_DUMP);

	memcpy(mnl_nlmsg_put_extra_header(nlh, hdrlen), hdr, hdrlen);
	return nl_talk(nl, nlh, cb, data);
}

/* ---- attributes ---- */

static uint8_t fam_of(uint8_t af)
{
	return af == AF_INET ? 4 : af == AF_INET6 ? 6 : 0;
}

static uint8_t af_of(int family)
{
	return family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
}

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

/* Collect the attributes after the @hdrlen-byte family header of @nlh into
 * @tb[0..@max]. Return: 0, or -1 when the message is shorter than the header. */
static int attrs_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		     unsigned max)
{
	struct attr_tab t = { tb, max };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		return -1;
	mnl_attr_parse(nlh, (unsigned)hdrlen, attr_cb, &t);
	return 0;
}

/* The same for the @len bytes of attributes at @p (a nest, a nexthop). */
static void attrs_buf(const void *p, size_t len, const struct nlattr **tb, unsigned max)
{
	struct attr_tab t = { tb, max };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	mnl_attr_parse_payload(p, len, attr_cb, &t);
}

static uint32_t attr_u32(const struct nlattr *at, uint32_t dflt)
{
	return at && mnl_attr_get_payload_len(at) >= 4 ? mnl_attr_get_u32(at) : dflt;
}

static uint8_t attr_u8(const struct nlattr *at, uint8_t dflt)
{
	return at && mnl_attr_get_payload_len(at) >= 1 ? mnl_attr_get_u8(at) : dflt;
}

/* An address of @family (4/6) into @a; left as it is when absent or short. */
static void attr_addr(struct ip_addr *a, uint8_t family, const struct nlattr *at)
{
	uint16_t len = at ? mnl_attr_get_payload_len(at) : 0;

	if (family == 4 && len >= 4)
		ip_addr_set4(a, mnl_attr_get_payload(at));
	else if (family == 6 && len >= 16)
		ip_addr_set6(a, mnl_attr_get_payload(at));
}

/* A string, NUL-terminated or not, cut to @cap - 1 bytes; "" when absent. */
static void attr_str(char *dst, size_t cap, const struct nlattr *at)
{
	size_t n = 0;

	if (at) {
		n = strnlen(mnl_attr_get_payload(at), mnl_attr_get_payload_len(at));
		if (n >= cap)
			n = cap - 1;
		memcpy(dst, mnl_attr_get_payload(at), n);
	}
	dst[n] = '\0';
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const struct ip_addr *a)
{
	mnl_attr_put(nlh, type, a->family == 4 ? 4 : 16, a->a);
}

/* ---- links ---- */

/* Return: 0, or -1 when @nlh is not a link. */
static int link_parse(const struct nlmsghdr *nlh, struct nl_link *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];

	if (nlh->nlmsg_type != RTM_NEWLINK || attrs_msg(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -1;
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	attr_str(l->name, sizeof(l->name), tb[IFLA_IFNAME]);
	l->mtu = attr_u32(tb[IFLA_MTU], 0);
	l->master = (int)attr_u32(tb[IFLA_MASTER], 0);
	l->operstate = attr_u8(tb[IFLA_OPERSTATE], 0);
	l->group = (int)attr_u32(tb[IFLA_GROUP], 0);
	if (tb[IFLA_LINKINFO]) {
		attrs_buf(mnl_attr_get_payload(tb[IFLA_LINKINFO]),
			  mnl_attr_get_payload_len(tb[IFLA_LINKINFO]), li, IFLA_INFO_MAX);
		attr_str(l->kind, sizeof(l->kind), li[IFLA_INFO_KIND]);
	}
	return 0;
}

struct link_ctx {
	int (*cb)(void *arg, const struct nl_link *l);
	void *arg;
	int stop;
	struct nl_link *one;	/* nl_link_get: the answer */
	bool got;
};

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	struct link_ctx *c = data;
	struct nl_link l;

	if (c->one) {
		if (link_parse(nlh, c->one) == 0)
			c->got = true;
	} else if (!c->stop && link_parse(nlh, &l) == 0) {
		c->stop = c->cb(c->arg, &l);
	}
	return MNL_CB_OK;
}

int nl_dump_links(struct nl *nl, int (*cb)(void *arg, const struct nl_link *l), void *arg)
{
	struct link_ctx c = { .cb = cb, .arg = arg };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int r = nl_dump(nl, RTM_GETLINK, &ifi, sizeof(ifi), link_msg, &c);

	return c.stop ? c.stop : r;
}

int nl_link_get(struct nl *nl, const char *name, struct nl_link *out)
{
	struct link_ctx c = { .one = out };
	struct nlmsghdr *nlh = msg_start(nl->buf, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int r;

	memset(out, 0, sizeof(*out));
	if (strlen(name) >= IF_NAMESIZE)
		return -ENODEV;
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = nl_talk(nl, nlh, link_msg, &c);
	if (r == -ENODEV || r == -EINVAL || (r == 0 && !c.got))
		return -ENODEV;
	return r;
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
	uint8_t fam;

	if (c->stop || nlh->nlmsg_type != RTM_NEWADDR ||
	    attrs_msg(nlh, sizeof(*ifa), tb, IFA_MAX) < 0 || !(fam = fam_of(ifa->ifa_family)))
		return MNL_CB_OK;
	memset(&a, 0, sizeof(a));
	a.ifindex = (int)ifa->ifa_index;
	a.prefixlen = ifa->ifa_prefixlen;
	a.scope = ifa->ifa_scope;
	a.flags = attr_u32(tb[IFA_FLAGS], ifa->ifa_flags);
	/* IFA_LOCAL is the local end on point-to-point links, IFA_ADDRESS the peer. */
	attr_addr(&a.local, fam, tb[IFA_LOCAL]);
	if (!ip_addr_is_set(&a.local))
		attr_addr(&a.local, fam, tb[IFA_ADDRESS]);
	else
		attr_addr(&a.peer, fam, tb[IFA_ADDRESS]);
	if (ip_addr_eq(&a.peer, &a.local))
		memset(&a.peer, 0, sizeof(a.peer));
	attr_str(a.label, sizeof(a.label), tb[IFA_LABEL]);
	if (ip_addr_is_set(&a.local))
		c->stop = c->cb(c->arg, &a);
	return MNL_CB_OK;
}

int nl_dump_addrs(struct nl *nl, int family,
		  int (*cb)(void *arg, const struct nl_ifaddr *a), void *arg)
{
	struct addr_ctx c = { cb, arg, 0 };
	struct ifaddrmsg ifa = { .ifa_family = af_of(family) };
	int r = nl_dump(nl, RTM_GETADDR, &ifa, sizeof(ifa), addr_msg, &c);

	return c.stop ? c.stop : r;
}

/* ---- routes ---- */

static void multipath_parse(struct nl_route *r, const struct nlattr *at)
{
	const uint8_t *p = mnl_attr_get_payload(at);
	size_t left = mnl_attr_get_payload_len(at);
	const struct nlattr *tb[RTA_MAX + 1];

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
		attrs_buf(p + RTNH_ALIGN(sizeof(*rtnh)), len - RTNH_ALIGN(sizeof(*rtnh)), tb, RTA_MAX);
		attr_addr(&nh->gw, r->family, tb[RTA_GATEWAY]);
		r->nh_count++;
		len = RTNH_ALIGN(len);
		if (len >= left)
			break;
		p += len;
		left -= len;
	}
}

/* Return: 0, or -1 when @nlh is not a route of family 4 or 6. */
static int route_parse(const struct nlmsghdr *nlh, struct nl_route *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];

	if (attrs_msg(nlh, sizeof(*rtm), tb, RTA_MAX) < 0 || !fam_of(rtm->rtm_family))
		return -1;
	memset(r, 0, sizeof(*r));
	r->family = fam_of(rtm->rtm_family);
	r->dst.addr.family = r->family;
	r->dst.len = rtm->rtm_dst_len;
	r->src.addr.family = r->family;
	r->src.len = rtm->rtm_src_len;
	r->table = attr_u32(tb[RTA_TABLE], rtm->rtm_table);
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	r->tos = rtm->rtm_tos;
	r->flags = rtm->rtm_flags;
	attr_addr(&r->dst.addr, r->family, tb[RTA_DST]);
	attr_addr(&r->src.addr, r->family, tb[RTA_SRC]);
	r->priority = attr_u32(tb[RTA_PRIORITY], 0);
	attr_addr(&r->prefsrc, r->family, tb[RTA_PREFSRC]);
	r->iif = (int)attr_u32(tb[RTA_IIF], 0);
	r->mark = attr_u32(tb[RTA_MARK], 0);
	if (tb[RTA_MULTIPATH]) {
		multipath_parse(r, tb[RTA_MULTIPATH]);
	} else if (tb[RTA_OIF] || tb[RTA_GATEWAY]) {
		r->nh_count = 1;
		r->nh[0].weight = 1;
		r->nh[0].flags = (uint8_t)rtm->rtm_flags;
		r->nh[0].ifindex = (int)attr_u32(tb[RTA_OIF], 0);
		attr_addr(&r->nh[0].gw, r->family, tb[RTA_GATEWAY]);
	}
	return 0;
}

int nl_route_decode(const void *msg, size_t len, struct nl_route *out)
{
	const struct nlmsghdr *nlh = msg;

	/* Not mnl_nlmsg_ok(): it compares the length as an int, so a message
	 * claiming 2^31 bytes or more passes and its attributes run past @len. */
	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return -1;
	return route_parse(nlh, out);
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
	struct nl_route r;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (c->one) {
		if (route_parse(nlh, c->one) == 0)
			c->got = true;
	} else if (!c->stop && route_parse(nlh, &r) == 0 && !(r.flags & RTM_F_CLONED)) {
		c->stop = c->cb(c->arg, &r);
	}
	return MNL_CB_OK;
}

int nl_dump_routes(struct nl *nl, int family,
		   int (*cb)(void *arg, const struct nl_route *r), void *arg)
{
	struct route_ctx c = { .cb = cb, .arg = arg };
	struct rtmsg rtm = { .rtm_family = af_of(family) };
	int r = nl_dump(nl, RTM_GETROUTE, &rtm, sizeof(rtm), route_msg, &c);

	return c.stop ? c.stop : r;
}

int nl_route_get(struct nl *nl, const struct nl_route_query *q, struct nl_route *out)
{
	struct route_ctx c = { .one = out };
	struct nlmsghdr *nlh = msg_start(nl->buf, RTM_GETROUTE, NLM_F_ACK);
	struct rtmsg *rtm;
	uint8_t fam = q->dst.family;
	int r;

	memset(out, 0, sizeof(*out));
	if (fam != 4 && fam != 6)
		return -EINVAL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = af_of(fam);
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
	r = nl_talk(nl, nlh, route_msg, &c);
	return r < 0 ? r : c.got ? 0 : -ENOENT;
}

int nl_route_encode(void *buf, uint16_t type, uint16_t flags, const struct nl_route *r)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	unsigned i;

	if ((r->family != 4 && r->family != 6) || r->nh_count > NL_MAX_NEXTHOPS)
		return -EINVAL;
	nlh = msg_start(buf, type, NLM_F_ACK | flags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = af_of(r->family);
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_src_len = r->src.len;
	rtm->rtm_tos = r->tos;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE : r->scope;
	rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
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

			nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
			memset(rtnh, 0, sizeof(*rtnh));
			rtnh->rtnh_ifindex = r->nh[i].ifindex;
			rtnh->rtnh_hops = (uint8_t)(r->nh[i].weight ? r->nh[i].weight - 1 : 0);
			if (ip_addr_is_set(&r->nh[i].gw))
				put_addr(nlh, RTA_GATEWAY, &r->nh[i].gw);
			rtnh->rtnh_len = (unsigned short)(nlh->nlmsg_len - start);
		}
		mnl_attr_nest_end(nlh, mp);
	}
	return (int)nlh->nlmsg_len;
}

static int route_change(struct nl *nl, uint16_t type, uint16_t flags, const struct nl_route *r)
{
	int n = nl_route_encode(nl->buf, type, flags, r);

	return n < 0 ? n : nl_talk(nl, (struct nlmsghdr *)nl->buf, NULL, NULL);
}

int nl_route_add(struct nl *nl, const struct nl_route *r)
{
	return route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_route_replace(struct nl *nl, const struct nl_route *r)
{
	return route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r);
}

int nl_route_del(struct nl *nl, const struct nl_route *r)
{
	return route_change(nl, RTM_DELROUTE, 0, r);
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

	if (c->stop || nlh->nlmsg_type != RTM_NEWRULE ||
	    attrs_msg(nlh, sizeof(*frh), tb, FRA_MAX) < 0 || !fam_of(frh->family))
		return MNL_CB_OK;
	memset(&r, 0, sizeof(r));
	r.family = fam_of(frh->family);
	r.src.addr.family = r.dst.addr.family = r.family;
	r.src.len = frh->src_len;
	r.dst.len = frh->dst_len;
	r.tos = frh->tos;
	r.action = frh->action;
	r.invert = frh->flags & FIB_RULE_INVERT;
	r.priority = attr_u32(tb[FRA_PRIORITY], 0);
	attr_addr(&r.src.addr, r.family, tb[FRA_SRC]);
	attr_addr(&r.dst.addr, r.family, tb[FRA_DST]);
	attr_str(r.iif, sizeof(r.iif), tb[FRA_IIFNAME]);
	attr_str(r.oif, sizeof(r.oif), tb[FRA_OIFNAME]);
	r.fwmark = attr_u32(tb[FRA_FWMARK], 0);
	r.fwmask = attr_u32(tb[FRA_FWMASK], r.fwmark ? 0xffffffff : 0);
	r.table = attr_u32(tb[FRA_TABLE], frh->table);
	r.goto_target = attr_u32(tb[FRA_GOTO], 0);
	r.suppress_prefixlen = (int32_t)attr_u32(tb[FRA_SUPPRESS_PREFIXLEN], UINT32_MAX);
	r.suppress_ifgroup = (int32_t)attr_u32(tb[FRA_SUPPRESS_IFGROUP], UINT32_MAX);
	r.protocol = attr_u8(tb[FRA_PROTOCOL], 0);
	r.ip_proto = attr_u8(tb[FRA_IP_PROTO], 0);
	r.has_l3mdev = attr_u8(tb[FRA_L3MDEV], 0) != 0;
	c->stop = c->cb(c->arg, &r);
	return MNL_CB_OK;
}

int nl_dump_rules(struct nl *nl, int family,
		  int (*cb)(void *arg, const struct nl_rule *r), void *arg)
{
	struct rule_ctx c = { cb, arg, 0 };
	struct fib_rule_hdr frh = { .family = af_of(family) };
	int r = nl_dump(nl, RTM_GETRULE, &frh, sizeof(frh), rule_msg, &c);

	return c.stop ? c.stop : r;
}

static int rule_change(struct nl *nl, uint16_t type, uint16_t flags, const struct nl_rule *r)
{
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;

	if (r->family != 4 && r->family != 6)
		return -EINVAL;
	nlh = msg_start(nl->buf, type, NLM_F_ACK | flags);
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = af_of(r->family);
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
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_rule_add(struct nl *nl, const struct nl_rule *r)
{
	return rule_change(nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_rule_del(struct nl *nl, const struct nl_rule *r)
{
	return rule_change(nl, RTM_DELRULE, 0, r);
}

/* ---- neighbours ---- */

struct neigh_ctx {
	int ifindex;
	const struct ip_addr *addr;
	uint8_t *ll;
	unsigned cap;
	int len;
};

static int neigh_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct neigh_ctx *c = data;
	const struct nlattr *tb[NDA_MAX + 1];
	struct ip_addr dst = { 0 };
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || attrs_msg(nlh, sizeof(*nd), tb, NDA_MAX) < 0 ||
	    nd->ndm_ifindex != c->ifindex)
		return MNL_CB_OK;
	if (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP) &&
	    !(nd->ndm_state & NUD_PERMANENT))
		return MNL_CB_OK;
	attr_addr(&dst, c->addr->family, tb[NDA_DST]);
	if (!tb[NDA_LLADDR] || !ip_addr_eq(&dst, c->addr))
		return MNL_CB_OK;
	len = mnl_attr_get_payload_len(tb[NDA_LLADDR]);
	if (len > c->cap)
		return MNL_CB_OK;
	memcpy(c->ll, mnl_attr_get_payload(tb[NDA_LLADDR]), len);
	c->len = (int)len;
	return MNL_CB_OK;
}

int nl_neigh_lookup(struct nl *nl, int ifindex, const struct ip_addr *addr,
		    uint8_t *lladdr, unsigned cap)
{
	struct neigh_ctx c = { ifindex, addr, lladdr, cap, -ENOENT };
	struct ndmsg nd = { .ndm_family = af_of(addr->family), .ndm_ifindex = ifindex };
	int r = nl_dump(nl, RTM_GETNEIGH, &nd, sizeof(nd), neigh_msg, &c);

	return r < 0 ? r : c.len;
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
