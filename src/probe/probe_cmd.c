/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_cmd.c - placeholder until this subcommand lands */
#include <stdio.h>

#include "lib/opt.h"
#include "subcommands.h"

int probe_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: probe: not implemented in this build\n");
	return EXIT_USAGE;
}

int tunnels_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: tunnels: not implemented in this build\n");
	return EXIT_USAGE;
}

int branch_config_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: branch-config: not implemented in this build\n");
	return EXIT_USAGE;
}

int branch_check_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: branch-check: not implemented in this build\n");
	return EXIT_USAGE;
}
