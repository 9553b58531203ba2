/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * snap_json.c - read a saved snapshot: `ip -j` JSON, `sysctl -a`, `nft -j`
 *
 * Every reader takes untrusted bytes (a customer's files), checks each
 * field's type, and fails with a message naming the file, the entry and
 * the value. Unknown fields are ignored so newer iproute2 output still
 * reads; the element counts are bounded by the snapshot's limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor/doctor.h"
#include "doctor/fmt.h"

#define SNAP_FILE_MAX (64u << 20)

static int err_set(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static json_t *load_array(const char *buf, size_t len, const char *what, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;

	root = json_loadb(buf, len, 0, &je);
	if (!root) {
		err_set(err, errlen, "%s: line %d column %d: %s", what, je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_array(root)) {
		json_decref(root);
		err_set(err, errlen, "%s: expected a JSON array at the top level", what);
		return NULL;
	}
	return root;
}

/* A string member: NULL when absent; -1 via *bad when present but not a string. */
static const char *jstr(const json_t *o, const char *key, bool *bad)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

/* An integer member given as a number or a string ("0x10", "100").
 * Return: 1 found, 0 absent, -1 malformed. */
static int jnum(const json_t *o, const char *key, long long min, long long max, long long *out)
{
	const json_t *v = json_object_get(o, key);
	long long x;

	if (!v)
		return 0;
	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		if (!*s)
			return -1;
		errno = 0;
		x = strtoll(s, &end, 0);
		if (errno || *end)
			return -1;
	} else {
		return -1;
	}
	if (x < min || x > max)
		return -1;
	*out = x;
	return 1;
}

static bool jflag(const json_t *arr, const char *name)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return false;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), name))
			return true;
	return false;
}

/* ---- links ---- */

static const struct { const char *name; unsigned flag; } if_flags[] = {
	{ "UP", IFF_UP }, { "LOOPBACK", IFF_LOOPBACK }, { "BROADCAST", IFF_BROADCAST },
	{ "POINTOPOINT", IFF_POINTOPOINT }, { "MULTICAST", IFF_MULTICAST },
	{ "NOARP", IFF_NOARP }, { "LOWER_UP", 1u << 16 }, { "SLAVE", IFF_SLAVE },
	{ "MASTER", IFF_MASTER },
};

static int link_from_json(struct dr_snap *s, const json_t *o, const char *what, size_t idx,
			  bool from_addr, char *err, size_t errlen)
{
	struct nl_link l = { 0 };
	const json_t *flags, *li;
	const char *name, *kind = NULL, *oper;
	bool bad = false;
	long long v;
	size_t i;

	if (!json_is_object(o))
		return err_set(err, errlen, "%s: entry %zu is not an object", what, idx);
	if (jnum(o, "ifindex", 1, 0x7fffffff, &v) != 1)
		return err_set(err, errlen, "%s: entry %zu: missing or bad 'ifindex'", what, idx);
	l.ifindex = (int)v;
	name = jstr(o, "ifname", &bad);
	if (!name || bad || !*name || strlen(name) >= IF_NAMESIZE)
		return err_set(err, errlen, "%s: entry %zu: missing or bad 'ifname'", what, idx);
	snprintf(l.name, sizeof(l.name), "%s", name);
	flags = json_object_get(o, "flags");
	for (i = 0; i < sizeof(if_flags) / sizeof(if_flags[0]); i++)
		if (jflag(flags, if_flags[i].name))
			l.flags |= if_flags[i].flag;
	if (jnum(o, "mtu", 0, 0xffffffffLL, &v) == 1)
		l.mtu = (unsigned)v;
	if (jnum(o, "group", 0, 0x7fffffff, &v) == 1)
		l.group = (int)v;
	li = json_object_get(o, "linkinfo");
	if (json_is_object(li))
		kind = jstr(li, "info_kind", &bad);
	if (kind && !bad)
		snprintf(l.kind, sizeof(l.kind), "%s", kind);
	oper = jstr(o, "operstate", &bad);
	if (oper && !strcmp(oper, "UP"))
		l.operstate = 6;	/* IF_OPER_UP */
	if (bad)
		return err_set(err, errlen, "%s: %s: a field has the wrong type", what, l.name);
	if (dr_link_by_index(s, l.ifindex)) {
		const struct dr_link *d = dr_link_by_index(s, l.ifindex);

		if (strcmp(d->l.name, l.name))
			return err_set(err, errlen, "%s: ifindex %d is '%s' here but '%s' elsewhere",
				       what, l.ifindex, l.name, d->l.name);
		if (from_addr)
			return 0;
	}
	if (dr_snap_add_link(s, &l, err, errlen) < 0)
		return -1;
	return 0;
}

int dr_parse_link_json(struct dr_snap *s, const char *buf, size_t len, const char *what,
		       char *err, size_t errlen)
{
	json_t *root = load_array(buf, len, what, err, errlen), *o;
	size_t i;
	int r = 0;

	if (!root)
		return -1;
	json_array_foreach(root, i, o) {
		if ((r = link_from_json(s, o, what, i, false, err, errlen)) < 0)
			break;
	}
	/* Masters by name, now that every link is known. */
	if (r == 0)
		json_array_foreach(root, i, o) {
			bool bad = false;
			const char *m = jstr(o, "master", &bad);
			const struct dr_link *ml = m ? dr_link_by_name(s, m) : NULL;
			long long ix;

			if (ml && jnum(o, "ifindex", 1, 0x7fffffff, &ix) == 1) {
				struct dr_link *d = (struct dr_link *)dr_link_by_index(s, (int)ix);

				if (d)
					d->l.master = ml->l.ifindex;
			}
		}
	json_decref(root);
	return r;
}

/* ---- addresses ---- */

static int scope_from_json(const json_t *o, int *out)
{
	const json_t *v = json_object_get(o, "scope");

	*out = RT_SCOPE_UNIVERSE;
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255) {
		*out = (int)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && (*out = nl_scope_parse(json_string_value(v))) >= 0)
		return 0;
	return -1;
}

int dr_parse_addr_json(struct dr_snap *s, const char *buf, size_t len, const char *what,
		       char *err, size_t errlen)
{
	json_t *root = load_array(buf, len, what, err, errlen), *o, *ai, *a;
	size_t i, j;
	int r = 0;

	if (!root)
		return -1;
	json_array_foreach(root, i, o) {
		long long ix;

		if ((r = link_from_json(s, o, what, i, true, err, errlen)) < 0)
			break;
		jnum(o, "ifindex", 1, 0x7fffffff, &ix);
		ai = json_object_get(o, "addr_info");
		if (!ai)
			continue;
		if (!json_is_array(ai)) {
			r = err_set(err, errlen, "%s: entry %zu: 'addr_info' is not an array", what, i);
			break;
		}
		json_array_foreach(ai, j, a) {
			struct nl_ifaddr x = { 0 };
			const char *fam, *local, *peer, *label;
			bool bad = false;
			long long plen;
			int scope;

			if (!json_is_object(a)) {
				r = err_set(err, errlen, "%s: entry %zu address %zu is not an object", what, i, j);
				goto out;
			}
			fam = jstr(a, "family", &bad);
			local = jstr(a, "local", &bad);
			peer = jstr(a, "address", &bad);
			label = jstr(a, "label", &bad);
			if (bad || !fam || !local) {
				r = err_set(err, errlen, "%s: entry %zu address %zu: missing or bad 'family'/'local'",
					    what, i, j);
				goto out;
			}
			if (strcmp(fam, "inet") && strcmp(fam, "inet6"))
				continue;
			if (ip_addr_parse(local, &x.local) < 0 ||
			    x.local.family != (!strcmp(fam, "inet") ? 4 : 6)) {
				r = err_set(err, errlen, "%s: entry %zu: '%s' is not an %s address",
					    what, i, local, fam);
				goto out;
			}
			if (peer && ip_addr_parse(peer, &x.peer) < 0) {
				r = err_set(err, errlen, "%s: entry %zu: peer '%s' is not an address",
					    what, i, peer);
				goto out;
			}
			if (jnum(a, "prefixlen", 0, x.local.family == 4 ? 32 : 128, &plen) != 1) {
				r = err_set(err, errlen, "%s: %s: missing or bad 'prefixlen'", what, local);
				goto out;
			}
			if (scope_from_json(a, &scope) < 0) {
				r = err_set(err, errlen, "%s: %s: bad 'scope'", what, local);
				goto out;
			}
			x.ifindex = (int)ix;
			x.prefixlen = (uint8_t)plen;
			x.scope = (uint8_t)scope;
			if (json_is_true(json_object_get(a, "secondary")))
				x.flags |= IFA_F_SECONDARY;
			if (json_is_true(json_object_get(a, "tentative")))
				x.flags |= IFA_F_TENTATIVE;
			if (json_is_true(json_object_get(a, "dadfailed")))
				x.flags |= IFA_F_DADFAILED;
			if (json_is_true(json_object_get(a, "deprecated")))
				x.flags |= IFA_F_DEPRECATED;
			if (label)
				snprintf(x.label, sizeof(x.label), "%s", label);
			if ((r = dr_snap_add_addr(s, &x, err, errlen)) < 0)
				goto out;
		}
	}
out:
	json_decref(root);
	return r;
}

/* ---- routes ---- */

static const struct { const char *name; uint8_t proto; } protos[] = {
	{ "unspec", 0 }, { "redirect", 1 }, { "kernel", 2 }, { "boot", 3 }, { "static", 4 },
	{ "gated", 8 }, { "ra", 9 }, { "mrt", 10 }, { "zebra", 11 }, { "bird", 12 },
	{ "dnrouted", 13 }, { "xorp", 14 }, { "ntk", 15 }, { "dhcp", 16 }, { "mrouted", 17 },
	{ "keepalived", 18 }, { "babel", 42 }, { "openr", 99 }, { "bgp", 186 }, { "isis", 187 },
	{ "ospf", 188 }, { "rip", 189 }, { "eigrp", 192 },
};

static int proto_from_json(const json_t *o, uint8_t *out)
{
	const json_t *v = json_object_get(o, "protocol");
	long long x;
	size_t i;

	*out = 0;
	if (!v)
		return 0;
	if (json_is_string(v))
		for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (!strcmp(json_string_value(v), protos[i].name)) {
				*out = protos[i].proto;
				return 0;
			}
	if (jnum(o, "protocol", 0, 255, &x) == 1) {
		*out = (uint8_t)x;
		return 0;
	}
	/* A name from /etc/iproute2/rt_protos we do not know: keep going. */
	return json_is_string(v) ? 0 : -1;
}

static int dev_index(const struct dr_snap *s, const char *dev, const char *what,
		     const char *ctx, char *err, size_t errlen, int *out)
{
	const struct dr_link *l = dr_link_by_name(s, dev);

	if (!l)
		return err_set(err, errlen, "%s: route %s: unknown device '%s'", what, ctx, dev);
	*out = l->l.ifindex;
	return 0;
}

static bool looks_v6(const json_t *o)
{
	static const char *const keys[] = { "dst", "gateway", "prefsrc", "from", "src" };
	bool bad = false;
	size_t i;

	if (json_object_get(o, "pref"))
		return true;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = jstr(o, keys[i], &bad);

		if (v && strchr(v, ':'))
			return true;
	}
	return false;
}

static int parse_dst(const char *v, int family, struct ip_prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (!strcmp(v, "default")) {
		p->addr.family = (uint8_t)family;
		return 0;
	}
	if (ip_prefix_parse(v, p, false) < 0)
		return -1;
	return p->addr.family == family ? 0 : -1;
}

static int parse_nexthop(const struct dr_snap *s, const json_t *o, int family,
			 struct nl_nexthop *nh, const char *what, const char *ctx,
			 char *err, size_t errlen)
{
	bool bad = false;
	const char *gw = jstr(o, "gateway", &bad), *dev = jstr(o, "dev", &bad);
	long long w;

	if (bad)
		return err_set(err, errlen, "%s: route %s: bad 'gateway'/'dev'", what, ctx);
	memset(nh, 0, sizeof(*nh));
	nh->weight = 1;
	if (gw && (ip_addr_parse(gw, &nh->gw) < 0 || nh->gw.family != family))
		return err_set(err, errlen, "%s: route %s: bad gateway '%s'", what, ctx, gw);
	if (dev && dev_index(s, dev, what, ctx, err, errlen, &nh->ifindex) < 0)
		return -1;
	if (jnum(o, "weight", 1, 256, &w) == 1)
		nh->weight = (uint16_t)w;
	if (jflag(json_object_get(o, "flags"), "dead"))
		nh->flags |= RTNH_F_DEAD;
	if (jflag(json_object_get(o, "flags"), "linkdown"))
		nh->flags |= RTNH_F_LINKDOWN;
	if (jflag(json_object_get(o, "flags"), "onlink"))
		nh->flags |= RTNH_F_ONLINK;
	return 0;
}

int dr_parse_route_json(struct dr_snap *s, const char *buf, size_t len, int family,
			const char *what, char *err, size_t errlen)
{
	json_t *root = load_array(buf, len, what, err, errlen), *o, *nhs, *n;
	size_t i, j;
	int r = 0;

	if (!root)
		return -1;
	json_array_foreach(root, i, o) {
		struct nl_route rt;
		const char *dst, *type, *table, *prefsrc, *from;
		bool bad = false, v6;
		long long x;
		int scope, fam, t;
		char ctx[80];

		if (!json_is_object(o)) {
			r = err_set(err, errlen, "%s: entry %zu is not an object", what, i);
			break;
		}
		v6 = looks_v6(o);
		if (family == 4 && v6)
			continue;	/* `ip route show table all` lists IPv6 too */
		fam = v6 ? 6 : family;
		memset(&rt, 0, sizeof(rt));
		rt.family = (uint8_t)fam;
		dst = jstr(o, "dst", &bad);
		type = jstr(o, "type", &bad);
		table = jstr(o, "table", &bad);
		prefsrc = jstr(o, "prefsrc", &bad);
		from = jstr(o, "from", &bad);
		if (bad || !dst) {
			r = err_set(err, errlen, "%s: entry %zu: missing or bad 'dst'", what, i);
			break;
		}
		snprintf(ctx, sizeof(ctx), "%zu (%.40s)", i, dst);
		if (parse_dst(dst, fam, &rt.dst) < 0) {
			r = err_set(err, errlen, "%s: route %s: '%s' is not an IPv%d prefix",
				    what, ctx, dst, fam);
			break;
		}
		rt.src.addr.family = (uint8_t)fam;
		if (from && fam == 6 && parse_dst(from, fam, &rt.src) < 0) {
			r = err_set(err, errlen, "%s: route %s: bad 'from' '%s'", what, ctx, from);
			break;
		}
		t = type ? nl_route_type_parse(type) : RTN_UNICAST;
		if (t < 0) {
			r = err_set(err, errlen, "%s: route %s: unknown type '%s'", what, ctx, type);
			break;
		}
		rt.type = (uint8_t)t;
		rt.table = RT_TABLE_MAIN;
		if (table && dr_table_parse(table, &rt.table) < 0) {
			r = err_set(err, errlen, "%s: route %s: bad table '%s'", what, ctx, table);
			break;
		}
		if (proto_from_json(o, &rt.protocol) < 0 || scope_from_json(o, &scope) < 0) {
			r = err_set(err, errlen, "%s: route %s: bad 'protocol' or 'scope'", what, ctx);
			break;
		}
		rt.scope = (uint8_t)scope;
		if (!json_object_get(o, "scope") && (rt.type == RTN_LOCAL))
			rt.scope = RT_SCOPE_HOST;
		if ((x = 0, jnum(o, "metric", 0, 0xffffffffLL, &x)) < 0) {
			r = err_set(err, errlen, "%s: route %s: bad 'metric'", what, ctx);
			break;
		}
		rt.priority = (uint32_t)x;
		if (jnum(o, "tos", 0, 255, &x) == 1)
			rt.tos = (uint8_t)x;
		if (prefsrc && (ip_addr_parse(prefsrc, &rt.prefsrc) < 0 || rt.prefsrc.family != fam)) {
			r = err_set(err, errlen, "%s: route %s: bad prefsrc '%s'", what, ctx, prefsrc);
			break;
		}
		nhs = json_object_get(o, "nexthops");
		if (nhs && !json_is_array(nhs)) {
			r = err_set(err, errlen, "%s: route %s: 'nexthops' is not an array", what, ctx);
			break;
		}
		if (nhs) {
			json_array_foreach(nhs, j, n) {
				if (rt.nh_count >= NL_MAX_NEXTHOPS) {
					r = err_set(err, errlen, "%s: route %s: more than %d next hops",
						    what, ctx, NL_MAX_NEXTHOPS);
					goto out;
				}
				if (!json_is_object(n)) {
					r = err_set(err, errlen, "%s: route %s: next hop %zu is not an object",
						    what, ctx, j);
					goto out;
				}
				if ((r = parse_nexthop(s, n, fam, &rt.nh[rt.nh_count], what, ctx,
						       err, errlen)) < 0)
					goto out;
				rt.nh_count++;
			}
		} else if (json_object_get(o, "dev") || json_object_get(o, "gateway")) {
			if ((r = parse_nexthop(s, o, fam, &rt.nh[0], what, ctx, err, errlen)) < 0)
				goto out;
			rt.nh_count = 1;
		}
		if (jflag(json_object_get(o, "flags"), "dead") && rt.nh_count == 1)
			rt.nh[0].flags |= RTNH_F_DEAD;
		if ((r = dr_snap_add_route(s, &rt, err, errlen)) < 0)
			break;
	}
out:
	json_decref(root);
	return r;
}

/* ---- rules ---- */

static int rule_prefix(const json_t *o, const char *key, const char *lenkey, int fam,
		       struct ip_prefix *p)
{
	bool bad = false;
	const char *v = jstr(o, key, &bad);
	long long len;
	int got;

	memset(p, 0, sizeof(*p));
	p->addr.family = (uint8_t)fam;
	if (bad)
		return -1;
	if (!v || !strcmp(v, "all"))
		return 0;
	if (ip_addr_parse(v, &p->addr) < 0 || p->addr.family != fam)
		return -1;
	got = jnum(o, lenkey, 0, fam == 4 ? 32 : 128, &len);
	if (got < 0)
		return -1;
	p->len = (uint8_t)(got ? len : (fam == 4 ? 32 : 128));
	ip_addr_mask(&p->addr, p->len);
	return 0;
}

int dr_parse_rule_json(struct dr_snap *s, const char *buf, size_t len, int family,
		       const char *what, char *err, size_t errlen)
{
	json_t *root = load_array(buf, len, what, err, errlen), *o;
	size_t i;
	int r = 0;

	if (!root)
		return -1;
	json_array_foreach(root, i, o) {
		struct nl_rule rl;
		const char *table, *action, *iif, *oif;
		bool bad = false;
		long long x;
		int got;

		if (!json_is_object(o)) {
			r = err_set(err, errlen, "%s: entry %zu is not an object", what, i);
			break;
		}
		memset(&rl, 0, sizeof(rl));
		rl.family = (uint8_t)family;
		rl.suppress_prefixlen = -1;
		rl.suppress_ifgroup = -1;
		if (jnum(o, "priority", 0, 0xffffffffLL, &x) != 1) {
			r = err_set(err, errlen, "%s: rule %zu: missing or bad 'priority'", what, i);
			break;
		}
		rl.priority = (uint32_t)x;
		if (rule_prefix(o, "src", "srclen", family, &rl.src) < 0 ||
		    rule_prefix(o, "dst", "dstlen", family, &rl.dst) < 0) {
			r = err_set(err, errlen, "%s: rule %u: bad 'src'/'dst' for IPv%d", what,
				    rl.priority, family);
			break;
		}
		rl.invert = json_object_get(o, "not") != NULL;
		iif = jstr(o, "iif", &bad);
		oif = jstr(o, "oif", &bad);
		table = jstr(o, "table", &bad);
		action = jstr(o, "action", &bad);
		if (bad || (iif && strlen(iif) >= IF_NAMESIZE) || (oif && strlen(oif) >= IF_NAMESIZE)) {
			r = err_set(err, errlen, "%s: rule %u: bad 'iif'/'oif'/'table'/'action'",
				    what, rl.priority);
			break;
		}
		if (iif)
			snprintf(rl.iif, sizeof(rl.iif), "%s", iif);
		if (oif)
			snprintf(rl.oif, sizeof(rl.oif), "%s", oif);
		got = jnum(o, "fwmark", 0, 0xffffffffLL, &x);
		if (got == 1) {
			rl.fwmark = (uint32_t)x;
			rl.fwmask = 0xffffffff;
		}
		if (got < 0 || (got = jnum(o, "fwmask", 0, 0xffffffffLL, &x)) < 0) {
			r = err_set(err, errlen, "%s: rule %u: bad 'fwmark'/'fwmask'", what, rl.priority);
			break;
		}
		if (got == 1)
			rl.fwmask = (uint32_t)x;
		if (jnum(o, "tos", 0, 255, &x) == 1)
			rl.tos = (uint8_t)x;
		if (jnum(o, "ipproto", 0, 255, &x) == 1)
			rl.ip_proto = (uint8_t)x;
		if (jnum(o, "suppress_prefixlen", 0, 128, &x) == 1)
			rl.suppress_prefixlen = (int32_t)x;
		if (jnum(o, "suppress_ifgroup", 0, 0x7fffffff, &x) == 1)
			rl.suppress_ifgroup = (int32_t)x;
		if (jnum(o, "protocol", 0, 255, &x) == 1)
			rl.protocol = (uint8_t)x;
		if (json_object_get(o, "l3mdev"))
			rl.has_l3mdev = true;
		rl.action = FR_ACT_TO_TBL;
		if (json_object_get(o, "goto")) {
			if (jnum(o, "goto", 0, 0xffffffffLL, &x) != 1) {
				r = err_set(err, errlen, "%s: rule %u: bad 'goto'", what, rl.priority);
				break;
			}
			if (x <= rl.priority) {	/* the kernel refuses these: a loop */
				r = err_set(err, errlen, "%s: rule %u: 'goto' %lld does not point "
					    "after the rule's own priority", what, rl.priority,
					    (long long)x);
				break;
			}
			rl.action = FR_ACT_GOTO;
			rl.goto_target = (uint32_t)x;
		} else if (action) {
			if (!strcmp(action, "blackhole"))
				rl.action = FR_ACT_BLACKHOLE;
			else if (!strcmp(action, "unreachable"))
				rl.action = FR_ACT_UNREACHABLE;
			else if (!strcmp(action, "prohibit"))
				rl.action = FR_ACT_PROHIBIT;
			else if (!strcmp(action, "nop"))
				rl.action = FR_ACT_NOP;
			else {
				r = err_set(err, errlen, "%s: rule %u: unknown action '%s'", what,
					    rl.priority, action);
				break;
			}
		} else if (!table) {
			r = err_set(err, errlen, "%s: rule %u: neither 'table', 'goto' nor 'action'",
				    what, rl.priority);
			break;
		}
		if (rl.action == FR_ACT_TO_TBL && dr_table_parse(table, &rl.table) < 0) {
			r = err_set(err, errlen, "%s: rule %u: bad table '%s'", what, rl.priority, table);
			break;
		}
		if ((r = dr_snap_add_rule(s, &rl, err, errlen)) < 0)
			break;
	}
	json_decref(root);
	return r;
}

/* ---- sysctl -a ---- */

static int *conf_slot(struct dr_conf *c, const char *key)
{
	if (!strcmp(key, "rp_filter")) return &c->rp_filter;
	if (!strcmp(key, "accept_local")) return &c->accept_local;
	if (!strcmp(key, "src_valid_mark")) return &c->src_valid_mark;
	if (!strcmp(key, "arp_ignore")) return &c->arp_ignore;
	if (!strcmp(key, "arp_announce")) return &c->arp_announce;
	if (!strcmp(key, "arp_filter")) return &c->arp_filter;
	if (!strcmp(key, "forwarding")) return &c->forwarding;
	if (!strcmp(key, "route_localnet")) return &c->route_localnet;
	if (!strcmp(key, "send_redirects")) return &c->send_redirects;
	if (!strcmp(key, "log_martians")) return &c->log_martians;
	return NULL;
}

/* Store one "name = value" pair. Return: 0, or -1 with @err. */
static int sysctl_pair(struct dr_snap *s, const char *name, const char *val, const char *what,
		       unsigned lineno, char *err, size_t errlen)
{
	static const char conf[] = "net.ipv4.conf.";
	const char *full = name;
	char ifname[IF_NAMESIZE + 1], *p;
	const char *key, *dot;
	int *slot = NULL;
	char *end;
	long v;

	if (!strncmp(name, conf, sizeof(conf) - 1)) {
		name += sizeof(conf) - 1;
		dot = strrchr(name, '.');
		if (!dot || (size_t)(dot - name) >= sizeof(ifname) || dot == name)
			return 0;
		memcpy(ifname, name, (size_t)(dot - name));
		ifname[dot - name] = '\0';
		for (p = ifname; *p; p++)	/* sysctl writes VLAN dots as slashes */
			if (*p == '/')
				*p = '.';
		key = dot + 1;
		if (!strcmp(ifname, "all"))
			slot = conf_slot(&s->conf_all, key);
		else if (!strcmp(ifname, "default"))
			slot = conf_slot(&s->conf_default, key);
		else {
			struct dr_link *l = (struct dr_link *)dr_link_by_name(s, ifname);

			if (l)
				slot = conf_slot(&l->conf, key);
		}
	} else if (!strcmp(name, "net.ipv4.ip_forward")) {
		slot = &s->ip_forward;
	} else if (!strcmp(name, "net.ipv4.fwmark_reflect")) {
		slot = &s->fwmark_reflect;
	} else if (!strcmp(name, "net.ipv4.tcp_fwmark_accept")) {
		slot = &s->tcp_fwmark_accept;
	}
	if (!slot)
		return 0;
	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < 0 || v > 1000000)
		return err_set(err, errlen, "%s: line %u: %s: '%.32s' is not a number",
			       what, lineno, full, val);
	*slot = (int)v;
	s->sysctl_known = true;
	return 0;
}

int dr_parse_sysctl(struct dr_snap *s, const char *buf, size_t len, const char *what,
		    char *err, size_t errlen)
{
	char line[512];
	size_t off = 0, n;
	unsigned lineno = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - buf) : len;
		char *eq, *name, *val, *t;

		lineno++;
		n = end - off;
		if (n >= sizeof(line)) {	/* no knob of ours is that long */
			off = end + 1;
			continue;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		off = end + 1;
		if (memchr(line, '\0', n))
			continue;
		eq = strstr(line, " = ");
		if (!eq)
			continue;
		*eq = '\0';
		name = line;
		val = eq + 3;
		for (t = val + strlen(val); t > val && (t[-1] == ' ' || t[-1] == '\r' || t[-1] == '\t'); )
			*--t = '\0';
		if (sysctl_pair(s, name, val, what, lineno, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* ---- nft -j list ruleset ---- */

struct nft_chain {
	char family[8], table[64], name[64], hook[16];
};

/* A jump/goto between chains of one table, to find which base chain a
 * reverse-path rule in a regular chain (firewalld's rpfilter chains) is
 * reached from. */
struct nft_jump {
	char family[8], table[64], from[64], to[64];
};

#define NFT_RESOLVE_RULES 64	/* regular-chain reverse-path rules resolved */
#define NFT_RESOLVE_STEPS 4096	/* jump edges looked at per rule */

static const char *chain_hook(const struct nft_chain *c, size_t n, const char *fam,
			      const char *tab, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(c[i].family, fam) && !strcmp(c[i].table, tab) && !strcmp(c[i].name, name))
			return c[i].hook;
	return "";
}

/* The hook (prerouting or input) of a base chain that reaches @chain
 * through jumps, or "". */
static const char *reached_from(const struct nft_chain *c, size_t nc, const struct nft_jump *jp,
				size_t nj, const char *fam, const char *tab, const char *chain,
				int depth, unsigned *steps)
{
	size_t i;

	if (depth > 8)
		return "";
	for (i = 0; i < nj && *steps < NFT_RESOLVE_STEPS; i++) {
		const char *h;

		++*steps;
		if (strcmp(jp[i].to, chain) || strcmp(jp[i].family, fam) || strcmp(jp[i].table, tab))
			continue;
		h = chain_hook(c, nc, fam, tab, jp[i].from);
		if (!h[0])
			h = reached_from(c, nc, jp, nj, fam, tab, jp[i].from, depth + 1, steps);
		if (!strcmp(h, "prerouting") || !strcmp(h, "input"))
			return h;
	}
	return "";
}

/* Record the jump/goto of a rule's statement @st, if any. Return: 0 or -1. */
static int nft_add_jump(struct nft_jump **jp, size_t *nj, const struct dr_nft_rule *r, const json_t *st)
{
	const json_t *v = json_object_get(st, "jump"), *t;
	struct nft_jump *p;

	if (!v)
		v = json_object_get(st, "goto");
	t = json_is_object(v) ? json_object_get(v, "target") : NULL;
	if (!json_is_string(t))
		return 0;
	if (*nj >= DR_MAX_NFT)
		return -1;
	if (*nj % 64 == 0) {
		p = realloc(*jp, (*nj + 64) * sizeof(*p));
		if (!p)
			return -1;
		*jp = p;
	}
	p = &(*jp)[(*nj)++];
	snprintf(p->family, sizeof(p->family), "%s", r->family);
	snprintf(p->table, sizeof(p->table), "%s", r->table);
	snprintf(p->from, sizeof(p->from), "%s", r->chain);
	snprintf(p->to, sizeof(p->to), "%s", json_string_value(t));
	return 0;
}

/* Does @v (a match's right side: string, array or set) contain @word? */
static bool json_has_word(const json_t *v, const char *word, int depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (depth > 16 || !v)
		return false;
	if (json_is_string(v))
		return !strcmp(json_string_value(v), word);
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (json_has_word(x, word, depth + 1))
				return true;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			if (json_has_word(x, word, depth + 1))
				return true;
	}
	return false;
}

static const char *ct_key(const json_t *v)
{
	const json_t *ct = json_is_object(v) ? json_object_get(v, "ct") : NULL;
	const json_t *k = json_is_object(ct) ? json_object_get(ct, "key") : NULL;

	return json_is_string(k) ? json_string_value(k) : NULL;
}

static const char *meta_key(const json_t *v)
{
	const json_t *m = json_is_object(v) ? json_object_get(v, "meta") : NULL;
	const json_t *k = json_is_object(m) ? json_object_get(m, "key") : NULL;

	return json_is_string(k) ? json_string_value(k) : NULL;
}

/* Is @fib (the "fib" object of a match's left side) a reverse-path lookup,
 * `fib saddr [. mark] [. iif] oif`? Sets the flags on @r. */
static bool fib_is_rpf(struct dr_nft_rule *r, const json_t *fib)
{
	const json_t *res = json_object_get(fib, "result"), *fl = json_object_get(fib, "flags"), *x;
	bool saddr = false, daddr = false, iif = false, mark = false;
	size_t i;

	if (!json_is_string(res) || strcmp(json_string_value(res), "oif"))
		return false;
	if (json_is_string(fl)) {	/* one flag is printed as a plain string */
		saddr = !strcmp(json_string_value(fl), "saddr");
	} else if (json_is_array(fl)) {
		json_array_foreach(fl, i, x) {
			const char *f = json_is_string(x) ? json_string_value(x) : "";

			saddr |= !strcmp(f, "saddr");
			daddr |= !strcmp(f, "daddr");
			iif |= !strcmp(f, "iif");
			mark |= !strcmp(f, "mark");
		}
	}
	if (!saddr || daddr)
		return false;
	r->fib_iif = iif;
	r->fib_mark = mark;
	return true;
}

/* The right side of `oif missing` (false) or `oif 0` (0 or "0"). */
static bool right_is_missing(const json_t *rt)
{
	if (json_is_false(rt))
		return true;
	if (json_is_integer(rt))
		return json_integer_value(rt) == 0;
	return json_is_string(rt) && !strcmp(json_string_value(rt), "0");
}

static void nft_stmt(struct dr_nft_rule *r, const char *name, const json_t *v)
{
	static const char *const verdicts[] = { "accept", "drop", "reject", "jump", "goto", "return" };
	size_t i;

	if (!strcmp(name, "match") && json_is_object(v)) {
		const json_t *l = json_object_get(v, "left"), *rt = json_object_get(v, "right");
		const json_t *op = json_object_get(v, "op");
		const json_t *fib = json_is_object(l) ? json_object_get(l, "fib") : NULL;
		const char *ck = ct_key(l), *mk = meta_key(l);
		bool eq = !op || (json_is_string(op) && !strcmp(json_string_value(op), "=="));

		if (json_is_object(fib)) {
			if (eq && right_is_missing(rt) && fib_is_rpf(r, fib))
				r->fib_rpf = true;
			else
				r->other_match = true;
		} else if (mk && !strcmp(mk, "nfproto") && eq && json_is_string(rt) &&
			   (!strcmp(json_string_value(rt), "ipv4") || !strcmp(json_string_value(rt), "ipv6"))) {
			r->nfproto = json_string_value(rt)[3] == '4' ? 4 : 6;
		} else if (ck && !strcmp(ck, "state")) {
			r->ct_state = true;
			if (json_has_word(rt, "invalid", 0))
				r->ct_state_invalid = true;
		} else if (ck && !strcmp(ck, "zone")) {
			r->ct_zone_match = true;
		} else if (mk && (!strcmp(mk, "iifname") || !strcmp(mk, "oifname")) &&
			   json_is_string(rt)) {
			char *dst = !strcmp(mk, "iifname") ? r->iifname : r->oifname;

			if (!dst[0] && eq)
				snprintf(dst, sizeof(r->iifname), "%s", json_string_value(rt));
			else
				r->other_match = true;
		} else {
			r->other_match = true;
		}
		return;
	}
	if (!strcmp(name, "mangle") && json_is_object(v)) {
		const char *ck = ct_key(json_object_get(v, "key"));

		if (ck && !strcmp(ck, "zone"))
			r->ct_zone_set = true;
		return;
	}
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (!strcmp(name, verdicts[i]))
			snprintf(r->verdict, sizeof(r->verdict), "%s", name);
}

/* A reverse-path rule applies to one family or both; other families
 * (bridge, netdev, arp) and other verdicts are not reverse-path drops. */
static void nft_rpf_finish(struct dr_nft_rule *r)
{
	uint8_t fam = !strcmp(r->family, "ip") ? 4 : !strcmp(r->family, "ip6") ? 6 :
		      !strcmp(r->family, "inet") ? r->nfproto : 255;

	if (!r->fib_rpf)
		return;
	if (fam == 255 || (r->nfproto && fam != r->nfproto) ||
	    (strcmp(r->verdict, "drop") && strcmp(r->verdict, "reject"))) {
		r->fib_rpf = false;
		return;
	}
	r->nfproto = fam;
	snprintf(r->summary, sizeof(r->summary), "%s%s%s%s%s%sfib saddr%s%s oif missing %s",
		 r->iifname[0] ? "iifname \"" : "", r->iifname, r->iifname[0] ? "\" " : "",
		 !strcmp(r->family, "inet") && r->nfproto ? "meta nfproto " : "",
		 !strcmp(r->family, "inet") && r->nfproto ? (r->nfproto == 4 ? "ipv4 " : "ipv6 ") : "",
		 r->other_match ? "… " : "", r->fib_mark ? " . mark" : "", r->fib_iif ? " . iif" : "",
		 r->verdict);
}

static void nft_summary(struct dr_nft_rule *r)
{
	if (r->fib_rpf)
		return;	/* nft_rpf_finish() wrote it */
	snprintf(r->summary, sizeof(r->summary), "%s %s %s%s%s%s%s%s%s%s%s%s%s",
		 r->family, r->table, r->chain,
		 r->hook[0] ? " (hook " : "", r->hook, r->hook[0] ? ")" : "",
		 r->iifname[0] ? ": iifname " : ":", r->iifname,
		 r->oifname[0] ? " oifname " : "", r->oifname,
		 r->ct_zone_set ? " ct zone set" : r->ct_zone_match ? " ct zone" : "",
		 r->ct_state ? (r->ct_state_invalid ? " ct state invalid" : " ct state") : "",
		 r->verdict[0] ? (strcmp(r->verdict, "accept") ? " → drop/reject/jump" : " → accept") : "");
}

int dr_parse_nft_json(struct dr_snap *s, const char *buf, size_t len, const char *what,
		      char *err, size_t errlen)
{
	struct nft_chain *chains = NULL;
	struct nft_jump *jumps = NULL;
	size_t nchains = 0, capchains = 0, njumps = 0, n0 = s->nnft, i, j, nres = 0;
	json_error_t je;
	json_t *root, *list, *o;
	int r = 0;

	root = json_loadb(buf, len, 0, &je);
	if (!root)
		return err_set(err, errlen, "%s: line %d column %d: %s", what, je.line, je.column,
			       je.text);
	list = json_object_get(root, "nftables");
	if (!json_is_array(list)) {
		json_decref(root);
		return err_set(err, errlen, "%s: no \"nftables\" array at the top level", what);
	}
	json_array_foreach(list, i, o) {
		const json_t *c = json_object_get(o, "chain"), *ru = json_object_get(o, "rule");
		bool bad = false;

		if (json_is_object(c)) {
			const char *f = jstr(c, "family", &bad), *t = jstr(c, "table", &bad);
			const char *n = jstr(c, "name", &bad), *h = jstr(c, "hook", &bad);

			if (bad || !f || !t || !n)
				continue;
			if (nchains == capchains) {
				size_t nc = capchains ? capchains * 2 : 16;
				struct nft_chain *p;

				if (nc > DR_MAX_NFT) {
					r = err_set(err, errlen, "%s: more than %d chains", what, DR_MAX_NFT);
					break;
				}
				p = realloc(chains, nc * sizeof(*p));
				if (!p) {
					r = err_set(err, errlen, "%s: out of memory", what);
					break;
				}
				chains = p;
				capchains = nc;
			}
			snprintf(chains[nchains].family, sizeof(chains[0].family), "%s", f);
			snprintf(chains[nchains].table, sizeof(chains[0].table), "%s", t);
			snprintf(chains[nchains].name, sizeof(chains[0].name), "%s", n);
			snprintf(chains[nchains].hook, sizeof(chains[0].hook), "%s", h ? h : "");
			nchains++;
		} else if (json_is_object(ru)) {
			struct dr_nft_rule nr = { 0 };
			const char *f = jstr(ru, "family", &bad), *t = jstr(ru, "table", &bad);
			const char *ch = jstr(ru, "chain", &bad);
			const json_t *ex = json_object_get(ru, "expr"), *st;
			long long h = 0;
			size_t k;

			if (bad || !f || !t || !ch || !json_is_array(ex))
				continue;
			snprintf(nr.family, sizeof(nr.family), "%s", f);
			snprintf(nr.table, sizeof(nr.table), "%s", t);
			snprintf(nr.chain, sizeof(nr.chain), "%s", ch);
			if (jnum(ru, "handle", 0, 0x7fffffffffffffffLL, &h) == 1)
				nr.handle = (uint64_t)h;
			for (j = 0; j < nchains; j++)
				if (!strcmp(chains[j].family, f) && !strcmp(chains[j].table, t) &&
				    !strcmp(chains[j].name, ch))
					snprintf(nr.hook, sizeof(nr.hook), "%s", chains[j].hook);
			json_array_foreach(ex, k, st) {
				const char *key;
				json_t *val;

				if (!json_is_object(st))
					continue;
				json_object_foreach((json_t *)st, key, val)
					nft_stmt(&nr, key, val);
				if (nft_add_jump(&jumps, &njumps, &nr, st) < 0) {
					r = err_set(err, errlen, "%s: more than %d jumps", what, DR_MAX_NFT);
					break;
				}
			}
			if (r)
				break;
			nft_rpf_finish(&nr);
			if (!nr.ct_state && !nr.ct_zone_set && !nr.ct_zone_match && !nr.fib_rpf)
				continue;	/* only conntrack and reverse-path rules matter here */
			if (s->nnft >= DR_MAX_NFT) {
				r = err_set(err, errlen, "%s: more than %d conntrack/reverse-path rules", what, DR_MAX_NFT);
				break;
			}
			if (s->nnft % 16 == 0) {
				struct dr_nft_rule *p = realloc(s->nft, (s->nnft + 16) * sizeof(*p));

				if (!p) {
					r = err_set(err, errlen, "%s: out of memory", what);
					break;
				}
				s->nft = p;
			}
			nft_summary(&nr);
			s->nft[s->nnft++] = nr;
		}
	}
	/* reverse-path rules in regular chains: the hook they are reached from */
	for (i = n0; r == 0 && i < s->nnft && nres < NFT_RESOLVE_RULES; i++) {
		struct dr_nft_rule *x = &s->nft[i];
		unsigned steps = 0;

		if (!x->fib_rpf || x->hook[0])
			continue;
		nres++;
		snprintf(x->hook, sizeof(x->hook), "%s",
			 reached_from(chains, nchains, jumps, njumps, x->family, x->table, x->chain, 0, &steps));
	}
	if (r == 0)
		s->nft_known = true;
	free(jumps);
	free(chains);
	json_decref(root);
	return r;
}

/* ---- the directory ---- */

/* Read @dir/@name into a malloc'ed buffer. Return: 0, -ENOENT, or -1 with @err. */
static int read_file(const char *dir, const char *name, char **out, size_t *len,
		     char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	ssize_t n;
	size_t got = 0;
	char *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return err_set(err, errlen, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > SNAP_FILE_MAX) {
		close(fd);
		return err_set(err, errlen, "%s: not a regular file of at most %u MiB", path,
			       SNAP_FILE_MAX >> 20);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return err_set(err, errlen, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

enum snap_kind { K_LINK, K_ADDR, K_ROUTE4, K_ROUTE6, K_RULE4, K_RULE6, K_SYSCTL, K_NFT };

static const struct {
	const char *file;
	enum snap_kind kind;
	bool required;
	const char *cmd;
} snap_files[] = {
	{ "link.json", K_LINK, false, "ip -j -d link" },
	{ "addr.json", K_ADDR, true, "ip -j addr" },
	{ "route4.json", K_ROUTE4, true, "ip -j route show table all" },
	{ "route6.json", K_ROUTE6, false, "ip -j -6 route show table all" },
	{ "rule4.json", K_RULE4, true, "ip -j rule" },
	{ "rule6.json", K_RULE6, false, "ip -j -6 rule" },
	{ "sysctl.txt", K_SYSCTL, false, "sysctl -a" },
	{ "nft.json", K_NFT, false, "nft -j list ruleset" },
};

static int parse_kind(struct dr_snap *s, enum snap_kind k, const char *buf, size_t len,
		      const char *what, char *err, size_t errlen)
{
	switch (k) {
	case K_LINK: return dr_parse_link_json(s, buf, len, what, err, errlen);
	case K_ADDR: return dr_parse_addr_json(s, buf, len, what, err, errlen);
	case K_ROUTE4: return dr_parse_route_json(s, buf, len, 4, what, err, errlen);
	case K_ROUTE6: return dr_parse_route_json(s, buf, len, 6, what, err, errlen);
	case K_RULE4: return dr_parse_rule_json(s, buf, len, 4, what, err, errlen);
	case K_RULE6: return dr_parse_rule_json(s, buf, len, 6, what, err, errlen);
	case K_SYSCTL: return dr_parse_sysctl(s, buf, len, what, err, errlen);
	case K_NFT: return dr_parse_nft_json(s, buf, len, what, err, errlen);
	}
	return -1;
}

int dr_snap_load_dir(struct dr_snap *s, const char *dir, char *err, size_t errlen)
{
	size_t i;

	snprintf(s->source, sizeof(s->source), "%s", dir);
	s->live = false;
	for (i = 0; i < sizeof(snap_files) / sizeof(snap_files[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		int r = read_file(dir, snap_files[i].file, &buf, &len, err, errlen);

		if (r == -ENOENT) {
			if (snap_files[i].required)
				return err_set(err, errlen, "%s/%s: missing (save `%s` output there)",
					       dir, snap_files[i].file, snap_files[i].cmd);
			if (snap_files[i].kind == K_SYSCTL)
				dr_snap_note(s, "sysctl.txt missing: rp_filter and friends assumed to be the kernel defaults (0)");
			else if (snap_files[i].kind == K_NFT)
				dr_snap_note(s, "nft.json missing: this host's nftables rules were not inspected");
			continue;
		}
		if (r < 0)
			return -1;
		if (snap_files[i].kind == K_NFT && len == 0) {
			/* nft prints nothing at all for an empty ruleset in some versions */
			s->nft_known = true;
			free(buf);
			continue;
		}
		r = parse_kind(s, snap_files[i].kind, buf, len, snap_files[i].file, err, errlen);
		free(buf);
		if (r < 0)
			return -1;
	}
	return 0;
}
