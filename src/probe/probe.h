/* SPDX-License-Identifier: BSD-2-Clause */
/* probe.h - the tunnel prober as a module other parts (the daemon) host */
#ifndef WS_PROBE_H
#define WS_PROBE_H

/*
 * Load @config_path, probe every configured tunnel continuously, steer
 * the routes that use them, keep the state file current, until SIGINT or
 * SIGTERM; then put the routes back at their configured metrics.
 * Return: 0 after a clean stop, -1 when the config or startup failed
 * (reported on stderr/log).
 */
int prober_run(const char *config_path);

#endif
