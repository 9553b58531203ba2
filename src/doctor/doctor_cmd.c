/* SPDX-License-Identifier: BSD-2-Clause */
/* doctor_cmd.c - placeholder until this subcommand lands */
#include <stdio.h>

#include "lib/opt.h"
#include "subcommands.h"

int doctor_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wanscope: doctor: not implemented in this build\n");
	return EXIT_USAGE;
}
