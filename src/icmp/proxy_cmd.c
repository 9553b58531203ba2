/* SPDX-License-Identifier: BSD-2-Clause */
/* proxy_cmd.c - placeholder until this subcommand lands */
#include <stdio.h>

#include "lib/opt.h"
#include "subcommands.h"

int edge_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: edge: not implemented in this build\n");
	return EXIT_USAGE;
}

int connector_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: connector: not implemented in this build\n");
	return EXIT_USAGE;
}

int credentials_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: credentials: not implemented in this build\n");
	return EXIT_USAGE;
}
