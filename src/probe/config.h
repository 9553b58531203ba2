/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h - prober configuration: a line-oriented file, one table of
 * options that drives parsing, validation, defaults and printing
 */
#ifndef WS_PROBE_CONFIG_H
#define WS_PROBE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addr.h"
#include "probe/health.h"

enum probe_type { PROBE_REPLY, PROBE_REQUEST, PROBE_UNIDIR };

#define PROBE_MAX_TUNNELS 4096
#define PROBE_MAX_TARGETS 65536		/* per tunnel */
#define PROBE_MAX_ROUTES 256		/* per tunnel */
#define PROBE_NAME_LEN 32
#define PROBE_PATH_LEN 256
#define PROBE_CMD_LEN 512
#define PROBE_MAX_SIZE 9000
#define PROBE_DEFAULT_TARGET "172.64.240.253"
#define PROBE_RT_PROTO 245		/* rtm_protocol of the routes we own */

struct probe_route {
	struct ip_prefix dst;
	struct ip_addr via;		/* family 0: on-link via the tunnel */
	uint32_t metric;
	uint32_t table;
	int line;
};

struct tunnel_conf {
	char name[PROBE_NAME_LEN];
	char iface[16];
	uint32_t type;			/* enum probe_type */
	struct ip_addr source;
	struct ip_addr peer;
	struct ip_addr *targets;
	uint32_t ntargets;
	uint32_t quorum;
	uint64_t interval_ms, timeout_ms;
	uint32_t retries;
	uint32_t size;
	bool df;
	uint32_t dscp, ttl;
	struct health_params health;
	uint64_t stats_window_ms;
	uint32_t slo_ppm;
	uint64_t slo_short_ms, slo_long_ms, slo_every_ms;
	struct probe_route *routes;
	uint32_t nroutes;
	uint32_t penalty_degraded, penalty_down;
	int line;
};

struct probe_conf {
	char state_file[PROBE_PATH_LEN];
	uint64_t state_every_ms;
	char alert_exec[PROBE_CMD_LEN];
	char alert_webhook[PROBE_CMD_LEN];
	uint32_t route_protocol;
	uint32_t send_burst;		/* most probes per device per wakeup */
	struct tunnel_conf defaults;	/* settings given before the first tunnel */
	struct tunnel_conf *tunnels;
	uint32_t ntunnels;
};

/* Fill @c with the built-in defaults and no tunnels. */
void probe_conf_init(struct probe_conf *c);
void probe_conf_free(struct probe_conf *c);
/*
 * Parse @path (or @f when non-NULL, named @path in messages) into @c.
 * Every problem is reported on stderr as "PATH:LINE: what is wrong".
 * Return: 0, or -1 when the file has errors (all of them are reported).
 */
int probe_conf_load(struct probe_conf *c, const char *path, FILE *f);
/* Print @c in canonical form; the output parses to the same config. */
void probe_conf_print(const struct probe_conf *c, FILE *f);

/* Minimum probe size (IP packet bytes) for @family. */
uint32_t probe_min_size(uint8_t family);
const char *probe_type_name(uint32_t t);
/* Return: 0 and @t set, or -1 when @s is no probe type. */
int probe_type_parse(const char *s, uint32_t *t);

#endif
