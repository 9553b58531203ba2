/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_stub.c - the probe commands when built without libmnl or jansson */
#include <stdio.h>

#include "lib/opt.h"
#include "probe/probe.h"
#include "subcommands.h"

static int missing(const char *what)
{
	fprintf(stderr, "wanscope: %s: built without libmnl/jansson (apt-get install "
		"libmnl-dev libjansson-dev, then rebuild)\n", what);
	return EXIT_FAIL;
}

int prober_run(const char *config_path)
{
	(void)config_path;
	return missing("prober") ? -1 : -1;
}

int probe_main(int argc, char **argv) { (void)argc; (void)argv; return missing("probe"); }
int tunnels_main(int argc, char **argv) { (void)argc; (void)argv; return missing("tunnels"); }
int branch_config_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return missing("branch-config");
}
int branch_check_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return missing("branch-check");
}
