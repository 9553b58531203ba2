/* SPDX-License-Identifier: BSD-2-Clause */
/* export_cmd.c - placeholder until this subcommand lands */
#include <stdio.h>

#include "lib/opt.h"
#include "subcommands.h"

int export_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: export: not implemented in this build\n");
	return EXIT_USAGE;
}
