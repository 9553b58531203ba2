/* SPDX-License-Identifier: BSD-2-Clause */
/* doctor_cmd.c - `wanscope doctor`: dispatch to check, explain, fix, snapshot, route */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"
#include "lib/opt.h"
#include "subcommands.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: wanscope doctor check    [--snapshot DIR] [--client ADDR] [--json]\n"
"       wanscope doctor explain  --to ADDR [--in IF] [--from ADDR] [--proto icmp|tcp|udp]\n"
"                                [--dport N] [--snapshot DIR] [--json]\n"
"       wanscope doctor fix      [--apply | --undo] [--format iproute2|netplan|nmcli|vyos]\n"
"                                [--loose] [--gateway IF=ADDR]... [--state FILE]\n"
"                                [--snapshot DIR] [--json]\n"
"       wanscope doctor snapshot DIR\n"
"       wanscope doctor route    [--snapshot DIR] [--json] [--kernel]\n"
"                                (get DST [from SRC] [iif IF] [oif IF] [mark N] | --batch FILE)\n"
"\n"
"Finds, explains and fixes asymmetric routing on a multi-homed host: requests\n"
"that arrive on one interface while the replies leave by another, so strict\n"
"reverse-path filtering (rp_filter=1) drops them, or a stateful filter on the\n"
"path (a cloud provider's per-interface state filtering, conntrack zones)\n"
"drops the TCP replies while ICMP still works.\n"
"\n"
"The doctor reads the host (links, addresses, every routing table, policy\n"
"rules, rp_filter/accept_local/src_valid_mark/arp_* sysctls, nftables\n"
"conntrack rules) through netlink and /proc/sys, or from a directory of\n"
"saved command output (--snapshot DIR; `wanscope doctor snapshot DIR` writes\n"
"one), and models the kernel's decisions. Live, it also asks the kernel the\n"
"same questions (as `ip route get` does) and says when they disagree.\n"
"\n"
"Commands:\n"
"  check      every address on every interface: would requests from off-link\n"
"             clients and from its own subnet be answered, symmetrically?\n"
"  explain    one request, step by step, with a verdict per protocol\n"
"  fix        print (or --apply, or --undo) the policy-routing fix\n"
"  snapshot   save this host's state in DIR for offline analysis\n"
"  route      the model's answer to `ip route get` (for scripts and tests)\n"
"\n"
"Run 'wanscope doctor COMMAND --help' for each command's options.\n"
"\n"
"Exit status: 0 no problem found / success, 1 problems found (check, explain)\n"
"or an action failed, 2 usage error or the host/snapshot could not be read.\n"
"See docs/doctor.md for the theory of operation.\n");
}

static int load(struct dr_snap *s, const char *snapdir, const char *cmd, bool nft)
{
	char err[512];
	int r;

	dr_snap_init(s);
	s->skip_nft = !nft;
	if (snapdir)
		r = dr_snap_load_dir(s, snapdir, err, sizeof(err));
	else
		r = dr_snap_load_live(s, err, sizeof(err));
	if (r == 0)
		r = dr_snap_index(s, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "wanscope doctor %s: %s\n", cmd, err);
		dr_snap_free(s);
		return -1;
	}
	return 0;
}

int dr_load(struct dr_snap *s, const char *snapdir, const char *cmd)
{
	return load(s, snapdir, cmd, true);
}

int dr_load_routing(struct dr_snap *s, const char *snapdir, const char *cmd)
{
	return load(s, snapdir, cmd, false);
}

int doctor_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "check", dr_cmd_check }, { "explain", dr_cmd_explain }, { "fix", dr_cmd_fix },
		{ "snapshot", dr_cmd_snapshot }, { "route", dr_cmd_route },
	};
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "wanscope: doctor: unknown command '%s' (see 'wanscope doctor --help')\n",
		argv[1]);
	return EXIT_USAGE;
}
