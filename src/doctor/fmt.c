/* SPDX-License-Identifier: BSD-2-Clause */
/* fmt.c - iproute2-style text for routes, rules and addresses */
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "doctor/fmt.h"

static char *rot_buf(void)
{
	static char bufs[8][IP_PREFIX_STRLEN + 16];
	static unsigned i;

	return bufs[i++ % 8];
}

const char *dr_addr_str(const struct ip_addr *a)
{
	char *b = rot_buf();

	if (!ip_addr_is_set(a))
		strcpy(b, "none");
	else
		ip_addr_fmt(a, b);
	return b;
}

const char *dr_prefix_str(const struct ip_prefix *p)
{
	char *b = rot_buf();

	if (p->len == 0)
		strcpy(b, "default");
	else if (p->len == (p->addr.family == 4 ? 32 : 128))
		ip_addr_fmt(&p->addr, b);
	else
		ip_prefix_fmt(p, b);
	return b;
}

const char *dr_hex(uint32_t v)
{
	char *b = rot_buf();

	snprintf(b, IP_PREFIX_STRLEN, "0x%x", v);
	return b;
}

void dr_sfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

struct sb {
	char *p;
	size_t len, off;
};

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->off >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->off, b->len - b->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->off += (size_t)n < b->len - b->off ? (size_t)n : b->len - b->off - 1;
}

void dr_fmt_rule(const struct nl_rule *r, char *buf, size_t len)
{
	struct sb b = { buf, len, 0 };
	char tb[16];

	buf[0] = '\0';
	if (r->invert)
		sb_add(&b, "not ");
	sb_add(&b, "from %s", r->src.len ? dr_prefix_str(&r->src) : "all");
	if (r->dst.len)
		sb_add(&b, " to %s", dr_prefix_str(&r->dst));
	if (r->tos)
		sb_add(&b, " tos 0x%x", r->tos);
	if (r->fwmask)
		sb_add(&b, r->fwmask == 0xffffffff ? " fwmark 0x%x" : " fwmark 0x%x/0x%x",
		       r->fwmark, r->fwmask);
	if (r->iif[0])
		sb_add(&b, " iif %s", r->iif);
	if (r->oif[0])
		sb_add(&b, " oif %s", r->oif);
	if (r->ip_proto)
		sb_add(&b, " ipproto %u", r->ip_proto);
	switch (r->action) {
	case FR_ACT_TO_TBL:
		sb_add(&b, " lookup %s", dr_table_name(r->table, tb));
		break;
	case FR_ACT_GOTO:
		sb_add(&b, " goto %u", r->goto_target);
		break;
	case FR_ACT_NOP:
		sb_add(&b, " nop");
		break;
	case FR_ACT_BLACKHOLE:
		sb_add(&b, " blackhole");
		break;
	case FR_ACT_UNREACHABLE:
		sb_add(&b, " unreachable");
		break;
	case FR_ACT_PROHIBIT:
		sb_add(&b, " prohibit");
		break;
	default:
		sb_add(&b, " action %u", r->action);
	}
	if (r->suppress_prefixlen >= 0)
		sb_add(&b, " suppress_prefixlength %d", r->suppress_prefixlen);
	if (r->suppress_ifgroup >= 0)
		sb_add(&b, " suppress_ifgroup %d", r->suppress_ifgroup);
}

void dr_fmt_route(const struct dr_snap *s, const struct nl_route *r, char *buf, size_t len)
{
	struct sb b = { buf, len, 0 };
	char tb[16];
	unsigned k;

	buf[0] = '\0';
	if (!r) {
		sb_add(&b, "(none)");
		return;
	}
	if (r->type != RTN_UNICAST)
		sb_add(&b, "%s ", nl_route_type_name(r->type));
	sb_add(&b, "%s", dr_prefix_str(&r->dst));
	if (r->nh_count == 1) {
		if (ip_addr_is_set(&r->nh[0].gw))
			sb_add(&b, " via %s", dr_addr_str(&r->nh[0].gw));
		if (r->nh[0].ifindex)
			sb_add(&b, " dev %s", dr_ifname(s, r->nh[0].ifindex));
	}
	if (r->table != RT_TABLE_MAIN)
		sb_add(&b, " table %s", dr_table_name(r->table, tb));
	if (r->protocol == RTPROT_KERNEL)
		sb_add(&b, " proto kernel");
	if (r->scope != RT_SCOPE_UNIVERSE && r->type == RTN_UNICAST)
		sb_add(&b, " scope %s", nl_scope_name(r->scope));
	if (r->priority)
		sb_add(&b, " metric %u", r->priority);
	if (ip_addr_is_set(&r->prefsrc))
		sb_add(&b, " src %s", dr_addr_str(&r->prefsrc));
	if (r->nh_count > 1)
		for (k = 0; k < r->nh_count; k++) {
			sb_add(&b, " nexthop");
			if (ip_addr_is_set(&r->nh[k].gw))
				sb_add(&b, " via %s", dr_addr_str(&r->nh[k].gw));
			sb_add(&b, " dev %s", dr_ifname(s, r->nh[k].ifindex));
			if (r->nh[k].weight > 1)
				sb_add(&b, " weight %u", r->nh[k].weight);
		}
}
