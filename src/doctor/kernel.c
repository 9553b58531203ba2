/* SPDX-License-Identifier: BSD-2-Clause */
/* kernel.c - confirm the model's lookups with the kernel (RTM_GETROUTE) */
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "doctor/fmt.h"
#include "doctor/kernel.h"

bool dr_kernel_confirm(struct nl *nl, const struct dr_snap *s, const struct dr_flow *fl,
		       bool input, const struct dr_route_res *model, char *text, size_t len)
{
	struct nl_route_query q = { 0 };
	struct nl_route kr;
	char tb[16];
	bool agree;
	int e, i;

	q.dst = fl->dst;
	q.src = fl->src;
	q.iif = input ? fl->iif : 0;
	q.oif = input ? 0 : fl->oif;
	q.mark = fl->mark;
	e = nl_route_get(nl, &q, &kr);
	if (e < 0) {
		dr_sfmt(text, len, "the kernel refuses (%s)", strerror(-e));
		return model->err != 0 || model->rp_ambiguous;
	}
	dr_sfmt(text, len, "the kernel answers: %s %s%s%s dev %s table %s",
		 nl_route_type_name(kr.type), dr_addr_str(&fl->dst),
		 kr.nh_count && ip_addr_is_set(&kr.nh[0].gw) ? " via " : "",
		 kr.nh_count && ip_addr_is_set(&kr.nh[0].gw) ? dr_addr_str(&kr.nh[0].gw) : "",
		 kr.nh_count ? dr_ifname(s, kr.nh[0].ifindex) : "?", dr_table_name(kr.table, tb));
	if (model->err)
		return model->rp_ambiguous;
	agree = kr.type == model->type || (model->type == RTN_UNICAST && kr.type == RTN_UNICAST);
	if (kr.table != model->table && kr.table)
		agree = false;
	if (agree && kr.nh_count && model->type != RTN_LOCAL && model->type != RTN_BROADCAST) {
		bool found = false;

		for (i = 0; i < model->ndevs; i++)
			if (model->devs[i] == kr.nh[0].ifindex)
				found = true;
		if (model->ndevs == 0)
			found = model->dev == kr.nh[0].ifindex;
		agree = found;
	}
	return agree;
}
