/* SPDX-License-Identifier: BSD-2-Clause */
/* icmp_cmd.c - placeholder until this subcommand lands */
#include <stdio.h>

#include "lib/opt.h"
#include "subcommands.h"

int ping_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: ping: not implemented in this build\n");
	return EXIT_USAGE;
}

int traceroute_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: traceroute: not implemented in this build\n");
	return EXIT_USAGE;
}

int mtr_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: mtr: not implemented in this build\n");
	return EXIT_USAGE;
}
