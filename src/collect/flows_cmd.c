/* SPDX-License-Identifier: BSD-2-Clause */
/* flows_cmd.c - placeholder */
#include <stdio.h>

#include "lib/opt.h"
#include "subcommands.h"

int flows_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return EXIT_USAGE;
}
