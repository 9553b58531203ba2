/* SPDX-License-Identifier: BSD-2-Clause */
/* run.c - placeholder until this subcommand lands */
#include <stdio.h>

#include "lib/opt.h"
#include "subcommands.h"

int run_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: run: not implemented in this build\n");
	return EXIT_USAGE;
}
