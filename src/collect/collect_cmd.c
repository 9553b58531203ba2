/* SPDX-License-Identifier: BSD-2-Clause */
/* collect_cmd.c - placeholder until this subcommand lands */
#include <stdio.h>

#include "lib/opt.h"
#include "subcommands.h"

int collect_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: collect: not implemented in this build\n");
	return EXIT_USAGE;
}

int flows_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: flows: not implemented in this build\n");
	return EXIT_USAGE;
}
