/* SPDX-License-Identifier: BSD-2-Clause */
/* branch.h - options shared by `branch-config` and `branch-check` */
#ifndef WS_PROBE_BRANCH_H
#define WS_PROBE_BRANCH_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "lib/addr.h"

#define BRANCH_MAX_HUB 16
#define BRANCH_DEFAULT_TABLE 4242

enum branch_format { BR_IPROUTE2, BR_VYOS, BR_NFTABLES };

struct branch_opts {
	uint32_t type;			/* PROBE_REPLY or PROBE_REQUEST */
	char tunnel[16];
	struct ip_addr target;
	struct ip_prefix target_prefix;	/* reply: the rule's source match */
	struct ip_prefix hub[BRANCH_MAX_HUB];
	unsigned nhub;
	struct ip_addr via;		/* Ethernet-like tunnels: the hub's address */
	uint32_t table, priority;
	enum branch_format format;
	bool json;
};

/*
 * Parse the shared options (and --format when @with_format) into @o.
 * Return: 0, 1 when --help was printed, or -1 after a usage message.
 */
int branch_opts_parse(struct branch_opts *o, int argc, char **argv, const char *cmd,
		      bool with_format, void (*usage)(FILE *));

#endif
