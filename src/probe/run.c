/* SPDX-License-Identifier: BSD-2-Clause */
/* run.c - the continuous prober as a module: prober_run() */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "probe/probe.h"
#include "probe/prober.h"

int prober_run(const char *config_path)
{
	struct probe_conf conf;
	struct prober p;
	int ret = -1;

	probe_conf_init(&conf);
	if (probe_conf_load(&conf, config_path, NULL) < 0) {
		probe_conf_free(&conf);
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.conf_path = config_path;
	p.steering = true;
	if (prober_init(&p, &conf) == 0) {
		log_info("probing %u tunnel(s), %u target(s); state in %s", p.ntun, p.ntg,
			 conf.state_file[0] ? conf.state_file : "(none)");
		state_write(&p);
		ret = prober_loop(&p);
		log_info("stopping; routes back at their configured metrics");
	}
	prober_free(&p);
	probe_conf_free(&conf);
	return ret;
}
