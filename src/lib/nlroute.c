/* SPDX-License-Identifier: BSD-2-Clause */
/* nlroute.c - rtnetlink helpers over libmnl */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/nlroute.h"

#define NLR_BUFSZ (64 * 1024)

int nlr_open(struct nlr *n)
{
	memset(n, 0, sizeof(*n));
	n->buf = malloc(NLR_BUFSZ);
	if (!n->buf)
		return -ENOMEM;
	n->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!n->sock || mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		nlr_close(n);
		return -e;
	}
	n->portid = mnl_socket_get_portid(n->sock);
	n->seq = (uint32_t)time(NULL);
	return 0;
}

void nlr_close(struct nlr *n)
{
	if (n->sock)
		mnl_socket_close(n->sock);
	free(n->buf);
	n->sock = NULL;
	n->buf = NULL;
}

static struct nlmsghdr *nlr_msg(struct nlr *n, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(n->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++n->seq;
	return nlh;
}

/* Send @nlh and run @cb over the answer until the ack or NLMSG_DONE. */
static int nlr_talk(struct nlr *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t len;
	int ret;

	if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(n->sock, n->buf, NLR_BUFSZ);
		if (len < 0)
			return -errno;
		ret = mnl_cb_run(n->buf, (size_t)len, seq, n->portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static size_t nlr_alen(uint8_t family) { return family == 6 ? 16 : 4; }
static uint8_t nlr_af(uint8_t family) { return family == 6 ? AF_INET6 : AF_INET; }

static void nlr_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct ip_addr *a)
{
	mnl_attr_put(nlh, type, nlr_alen(a->family), a->a);
}

static void nlr_get_addr(const struct nlattr *at, uint8_t family, struct ip_addr *out)
{
	if (mnl_attr_get_payload_len(at) < nlr_alen(family))
		return;
	if (family == 6)
		ip_addr_set6(out, mnl_attr_get_payload(at));
	else
		ip_addr_set4(out, mnl_attr_get_payload(at));
}

static int nlr_route_write(struct nlr *n, const struct nlr_route *r, uint16_t type,
			   uint16_t flags)
{
	struct nlmsghdr *nlh = nlr_msg(n, type, NLM_F_ACK | flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	unsigned i;

	rtm->rtm_family = nlr_af(r->family);
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
	rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
	if (type != RTM_DELROUTE && r->nnh == 1 && !ip_addr_is_set(&r->nh[0].gw))
		rtm->rtm_scope = RT_SCOPE_LINK;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	if (r->dst.len)
		nlr_put_addr(nlh, RTA_DST, &r->dst.addr);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	if (ip_addr_is_set(&r->prefsrc))
		nlr_put_addr(nlh, RTA_PREFSRC, &r->prefsrc);
	if (r->nnh == 1) {
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->nh[0].ifindex);
		if (ip_addr_is_set(&r->nh[0].gw))
			nlr_put_addr(nlh, RTA_GATEWAY, &r->nh[0].gw);
	} else if (r->nnh > 1) {
		struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

		for (i = 0; i < r->nnh; i++) {
			struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);

			nlh->nlmsg_len += MNL_ALIGN(sizeof(*rtnh));
			memset(rtnh, 0, sizeof(*rtnh));
			rtnh->rtnh_ifindex = r->nh[i].ifindex;
			if (ip_addr_is_set(&r->nh[i].gw))
				nlr_put_addr(nlh, RTA_GATEWAY, &r->nh[i].gw);
			rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) -
							  (char *)rtnh);
		}
		mnl_attr_nest_end(nlh, mp);
	}
	return nlr_talk(n, nlh, NULL, NULL);
}

int nlr_route_add(struct nlr *n, const struct nlr_route *r, bool append)
{
	return nlr_route_write(n, r, RTM_NEWROUTE,
			       NLM_F_CREATE | (append ? NLM_F_APPEND : NLM_F_EXCL));
}

int nlr_route_replace(struct nlr *n, const struct nlr_route *r)
{
	return nlr_route_write(n, r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
}

int nlr_route_del(struct nlr *n, const struct nlr_route *r)
{
	return nlr_route_write(n, r, RTM_DELROUTE, 0);
}

static void nlr_parse_multipath(const struct nlattr *mp, struct nlr_route *r)
{
	const uint8_t *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);

	while (left >= sizeof(struct rtnexthop) && r->nnh < NLR_MAX_NH) {
		const struct rtnexthop *nh = (const struct rtnexthop *)p;
		struct nlr_nexthop *x = &r->nh[r->nnh];
		size_t nl = nh->rtnh_len;

		if (nl < sizeof(*nh) || nl > left)
			break;
		memset(x, 0, sizeof(*x));
		x->ifindex = nh->rtnh_ifindex;
		if (nl > MNL_ALIGN(sizeof(*nh))) {
			const struct nlattr *at;
			const void *ap = p + MNL_ALIGN(sizeof(*nh));
			int alen = (int)(nl - MNL_ALIGN(sizeof(*nh)));

			for (at = ap; mnl_attr_ok(at, alen); at = mnl_attr_next(at)) {
				alen -= (int)MNL_ALIGN(at->nla_len);
				if (mnl_attr_get_type(at) == RTA_GATEWAY)
					nlr_get_addr(at, r->family, &x->gw);
			}
		}
		r->nnh++;
		nl = MNL_ALIGN(nl);
		if (nl > left)
			break;
		p += nl;
		left -= nl;
	}
}

static int nlr_parse_route(const struct nlmsghdr *nlh, struct nlr_route *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at;
	int oif = 0;
	struct ip_addr gw = { 0 };

	memset(r, 0, sizeof(*r));
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -1;
	r->family = rtm->rtm_family == AF_INET6 ? 6 : 4;
	r->dst.addr.family = r->family;
	r->dst.len = rtm->rtm_dst_len;
	r->table = rtm->rtm_table;
	r->protocol = rtm->rtm_protocol;
	r->type = rtm->rtm_type;
	r->scope = rtm->rtm_scope;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(at)) {
		case RTA_DST:
			nlr_get_addr(at, r->family, &r->dst.addr);
			break;
		case RTA_OIF:
			if (mnl_attr_get_payload_len(at) >= 4)
				oif = (int)mnl_attr_get_u32(at);
			break;
		case RTA_GATEWAY:
			nlr_get_addr(at, r->family, &gw);
			break;
		case RTA_PRIORITY:
			if (mnl_attr_get_payload_len(at) >= 4)
				r->metric = mnl_attr_get_u32(at);
			break;
		case RTA_TABLE:
			if (mnl_attr_get_payload_len(at) >= 4)
				r->table = mnl_attr_get_u32(at);
			break;
		case RTA_PREFSRC:
			nlr_get_addr(at, r->family, &r->prefsrc);
			break;
		case RTA_MULTIPATH:
			nlr_parse_multipath(at, r);
			break;
		default:
			break;
		}
	}
	if (!r->nnh && (oif || ip_addr_is_set(&gw))) {
		r->nh[0].ifindex = oif;
		r->nh[0].gw = gw;
		r->nnh = 1;
	}
	return 0;
}

struct nlr_route_dump_ctx {
	nlr_route_cb cb;
	void *arg;
	int stop;
};

static int nlr_route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlr_route_dump_ctx *c = data;
	struct nlr_route r;

	if (c->stop || nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (nlr_parse_route(nlh, &r) == 0)
		c->stop = c->cb(c->arg, &r);
	return MNL_CB_OK;
}

int nlr_route_dump(struct nlr *n, uint8_t family, nlr_route_cb cb, void *arg)
{
	struct nlmsghdr *nlh = nlr_msg(n, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct nlr_route_dump_ctx c = { cb, arg, 0 };

	rtm->rtm_family = nlr_af(family);
	return nlr_talk(n, nlh, nlr_route_dump_cb, &c);
}

static int nlr_route_get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWROUTE)
		nlr_parse_route(nlh, data);
	return MNL_CB_OK;
}

int nlr_route_get(struct nlr *n, const struct nlr_query *q, struct nlr_route *out)
{
	struct nlmsghdr *nlh = nlr_msg(n, RTM_GETROUTE, NLM_F_ACK);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	memset(out, 0, sizeof(*out));
	rtm->rtm_family = nlr_af(q->dst.family);
	rtm->rtm_dst_len = q->dst.family == 6 ? 128 : 32;
	nlr_put_addr(nlh, RTA_DST, &q->dst);
	if (ip_addr_is_set(&q->src)) {
		rtm->rtm_src_len = rtm->rtm_dst_len;
		nlr_put_addr(nlh, RTA_SRC, &q->src);
	}
	if (q->iif)
		mnl_attr_put_u32(nlh, RTA_IIF, (uint32_t)q->iif);
	if (q->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)q->oif);
	if (q->ipproto)
		mnl_attr_put_u8(nlh, RTA_IP_PROTO, q->ipproto);
	if (q->mark)
		mnl_attr_put_u32(nlh, RTA_MARK, q->mark);
	return nlr_talk(n, nlh, nlr_route_get_cb, out);
}

static int nlr_link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlr_link *l = data;
	const struct nlattr *at, *li;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->arphrd = ifi->ifi_type;
	mnl_attr_for_each(at, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(at)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(at, MNL_TYPE_NUL_STRING) == 0)
				snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(at));
			break;
		case IFLA_MTU:
			if (mnl_attr_get_payload_len(at) >= 4)
				l->mtu = mnl_attr_get_u32(at);
			break;
		case IFLA_ADDRESS:
			l->addr_len = (uint8_t)mnl_attr_get_payload_len(at);
			if (l->addr_len > sizeof(l->addr))
				l->addr_len = sizeof(l->addr);
			memcpy(l->addr, mnl_attr_get_payload(at), l->addr_len);
			break;
		case IFLA_LINKINFO:
			mnl_attr_for_each_nested(li, at)
				if (mnl_attr_get_type(li) == IFLA_INFO_KIND &&
				    mnl_attr_validate(li, MNL_TYPE_STRING) == 0)
					snprintf(l->kind, sizeof(l->kind), "%.*s",
						 (int)mnl_attr_get_payload_len(li),
						 mnl_attr_get_str(li));
			break;
		default:
			break;
		}
	}
	return MNL_CB_OK;
}

static int nlr_link_query(struct nlr *n, const char *name, int ifindex, struct nlr_link *out)
{
	struct nlmsghdr *nlh = nlr_msg(n, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int ret;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (name) {
		if (strlen(name) >= NLR_IFNAMSIZ)
			return -ENODEV;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	}
	memset(out, 0, sizeof(*out));
	ret = nlr_talk(n, nlh, nlr_link_cb, out);
	return ret == -ENODEV || ret == -EINVAL ? -ENODEV : ret;
}

int nlr_link_get(struct nlr *n, const char *name, struct nlr_link *out)
{
	return nlr_link_query(n, name, 0, out);
}

int nlr_link_get_index(struct nlr *n, int ifindex, struct nlr_link *out)
{
	return nlr_link_query(n, NULL, ifindex, out);
}

struct nlr_addr_ctx {
	nlr_addr_cb cb;
	void *arg;
	int stop;
};

static int nlr_addr_cb_run(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct nlr_addr_ctx *c = data;
	const struct nlattr *at;
	struct nlr_addr a;
	uint8_t fam;
	bool have = false;

	if (c->stop || nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	fam = ifa->ifa_family == AF_INET6 ? 6 : 4;
	memset(&a, 0, sizeof(a));
	a.ifindex = (int)ifa->ifa_index;
	a.pfx.len = ifa->ifa_prefixlen;
	a.scope = ifa->ifa_scope;
	mnl_attr_for_each(at, nlh, sizeof(*ifa)) {
		/* IFA_LOCAL is the local end on point-to-point links. */
		if (mnl_attr_get_type(at) == IFA_LOCAL) {
			nlr_get_addr(at, fam, &a.pfx.addr);
			have = true;
		} else if (mnl_attr_get_type(at) == IFA_ADDRESS && !have) {
			nlr_get_addr(at, fam, &a.pfx.addr);
		}
	}
	if (ip_addr_is_set(&a.pfx.addr))
		c->stop = c->cb(c->arg, &a);
	return MNL_CB_OK;
}

int nlr_addr_dump(struct nlr *n, uint8_t family, nlr_addr_cb cb, void *arg)
{
	struct nlmsghdr *nlh = nlr_msg(n, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct nlr_addr_ctx c = { cb, arg, 0 };

	ifa->ifa_family = family ? nlr_af(family) : AF_UNSPEC;
	return nlr_talk(n, nlh, nlr_addr_cb_run, &c);
}

struct nlr_rule_ctx {
	nlr_rule_cb cb;
	void *arg;
	int stop;
};

static int nlr_rule_cb_run(const struct nlmsghdr *nlh, void *data)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct nlr_rule_ctx *c = data;
	const struct nlattr *at;
	struct nlr_rule r;

	if (c->stop || nlh->nlmsg_type != RTM_NEWRULE)
		return MNL_CB_OK;
	memset(&r, 0, sizeof(r));
	r.family = frh->family == AF_INET6 ? 6 : 4;
	r.table = frh->table;
	r.action = frh->action;
	r.invert = frh->flags & FIB_RULE_INVERT;
	r.src.len = frh->src_len;
	r.dst.len = frh->dst_len;
	r.src.addr.family = r.dst.addr.family = r.family;
	r.has_src = frh->src_len > 0;
	r.has_dst = frh->dst_len > 0;
	mnl_attr_for_each(at, nlh, sizeof(*frh)) {
		switch (mnl_attr_get_type(at)) {
		case FRA_PRIORITY:
			r.priority = mnl_attr_get_u32(at);
			break;
		case FRA_TABLE:
			r.table = mnl_attr_get_u32(at);
			break;
		case FRA_SRC:
			nlr_get_addr(at, r.family, &r.src.addr);
			break;
		case FRA_DST:
			nlr_get_addr(at, r.family, &r.dst.addr);
			break;
		case FRA_IIFNAME:
			if (mnl_attr_validate(at, MNL_TYPE_NUL_STRING) == 0)
				snprintf(r.iif, sizeof(r.iif), "%s", mnl_attr_get_str(at));
			break;
		case FRA_OIFNAME:
			if (mnl_attr_validate(at, MNL_TYPE_NUL_STRING) == 0)
				snprintf(r.oif, sizeof(r.oif), "%s", mnl_attr_get_str(at));
			break;
		case FRA_IP_PROTO:
			r.ipproto = mnl_attr_get_u8(at);
			break;
		case FRA_FWMARK:
			r.fwmark = mnl_attr_get_u32(at);
			break;
		default:
			break;
		}
	}
	c->stop = c->cb(c->arg, &r);
	return MNL_CB_OK;
}

int nlr_rule_dump(struct nlr *n, uint8_t family, nlr_rule_cb cb, void *arg)
{
	struct nlmsghdr *nlh = nlr_msg(n, RTM_GETRULE, NLM_F_DUMP);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	struct nlr_rule_ctx c = { cb, arg, 0 };

	frh->family = nlr_af(family);
	return nlr_talk(n, nlh, nlr_rule_cb_run, &c);
}

struct nlr_neigh_ctx {
	int ifindex;
	const struct ip_addr *addr;
	uint8_t *ll;
	unsigned cap;
	int len;
};

static int nlr_neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct nlr_neigh_ctx *c = data;
	const struct nlattr *at;
	struct ip_addr dst = { 0 };
	const struct nlattr *ll = NULL;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != c->ifindex)
		return MNL_CB_OK;
	if (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP) && !(nd->ndm_state & NUD_PERMANENT))
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*nd)) {
		if (mnl_attr_get_type(at) == NDA_DST)
			nlr_get_addr(at, c->addr->family, &dst);
		else if (mnl_attr_get_type(at) == NDA_LLADDR)
			ll = at;
	}
	if (!ll || !ip_addr_eq(&dst, c->addr))
		return MNL_CB_OK;
	if (mnl_attr_get_payload_len(ll) > c->cap)
		return MNL_CB_OK;
	memcpy(c->ll, mnl_attr_get_payload(ll), mnl_attr_get_payload_len(ll));
	c->len = (int)mnl_attr_get_payload_len(ll);
	return MNL_CB_OK;
}

int nlr_neigh_lookup(struct nlr *n, int ifindex, const struct ip_addr *addr,
		     uint8_t *lladdr, unsigned cap)
{
	struct nlmsghdr *nlh = nlr_msg(n, RTM_GETNEIGH, NLM_F_DUMP);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	struct nlr_neigh_ctx c = { ifindex, addr, lladdr, cap, -ENOENT };
	int ret;

	nd->ndm_family = nlr_af(addr->family);
	nd->ndm_ifindex = ifindex;
	ret = nlr_talk(n, nlh, nlr_neigh_cb, &c);
	return ret < 0 ? ret : c.len;
}
