/* SPDX-License-Identifier: BSD-2-Clause */
/* decode_cmd.c - placeholder until this subcommand lands */
#include <stdio.h>

#include "lib/opt.h"
#include "subcommands.h"

int decode_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: decode: not implemented in this build\n");
	return EXIT_USAGE;
}
