/* SPDX-License-Identifier: BSD-2-Clause */
/* creds.h - the certificates an edge and its connectors authenticate with */
#ifndef WS_ICMP_CREDS_H
#define WS_ICMP_CREDS_H

#include <stdbool.h>

/* Names the certificates carry (subject CN and DNS SAN), checked by the peer. */
#define CREDS_EDGE_NAME "wanscope-edge"
#define CREDS_CONNECTOR_NAME "wanscope-connector"

enum creds_role { CREDS_EDGE, CREDS_CONNECTOR };

/*
 * Create in @dir (made if missing, mode 0700) a private CA and one key and
 * certificate for each role: ca.crt ca.key edge.crt edge.key connector.crt
 * connector.key (keys mode 0600). Refuses to overwrite unless @force.
 * Return: 0, or -1 with a message on stderr.
 */
int creds_init(const char *dir, bool force, unsigned days);

/*
 * Paths of @role's certificate and key and of the CA in @dir, written to
 * the three buffers of @len bytes each. Return: 0, or -1 when too long.
 */
int creds_paths(const char *dir, enum creds_role role, char *cert, char *key,
		char *ca, unsigned long len);

#endif
