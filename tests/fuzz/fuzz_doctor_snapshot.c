/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_doctor_snapshot.c - libFuzzer harness for the doctor's snapshot
 * readers (ip -j link/addr/route/rule, sysctl -a, nft -j) and, on what
 * they accept, the FIB model and `check`. The first byte picks the reader.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"

static const char links[] =
	"[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\"]},"
	"{\"ifindex\":2,\"ifname\":\"eth0\",\"flags\":[\"UP\"]},"
	"{\"ifindex\":3,\"ifname\":\"eth1\",\"flags\":[\"UP\"]}]";
static const char addrs[] =
	"[{\"ifindex\":2,\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.0.0.2\",\"prefixlen\":24}]},"
	"{\"ifindex\":3,\"ifname\":\"eth1\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.0.1.2\",\"prefixlen\":24},"
	"{\"family\":\"inet6\",\"local\":\"2001:db8:1::2\",\"prefixlen\":64}]}]";
static const char routes[] =
	"[{\"dst\":\"default\",\"gateway\":\"10.0.0.1\",\"dev\":\"eth0\"},"
	"{\"dst\":\"10.0.1.0/24\",\"dev\":\"eth1\",\"scope\":\"link\",\"prefsrc\":\"10.0.1.2\"},"
	"{\"type\":\"local\",\"dst\":\"10.0.1.2\",\"dev\":\"eth1\",\"table\":\"local\"}]";
static const char routes6[] =
	"[{\"dst\":\"default\",\"gateway\":\"fe80::1\",\"dev\":\"eth0\"},"
	"{\"dst\":\"2001:db8:1::/64\",\"dev\":\"eth1\"},"
	"{\"type\":\"local\",\"dst\":\"2001:db8:1::2\",\"dev\":\"eth1\",\"table\":\"local\"}]";
static const char rules6[] =
	"[{\"priority\":0,\"src\":\"all\",\"table\":\"local\"},{\"priority\":32766,\"src\":\"all\",\"table\":\"main\"}]";
static const char rules[] =
	"[{\"priority\":0,\"src\":\"all\",\"table\":\"local\"},{\"priority\":32766,\"src\":\"all\",\"table\":\"main\"}]";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dr_findings *f;
	struct dr_snap s;
	char err[512];
	const char *in;
	size_t n;
	int r;

	if (size < 1)
		return 0;
	in = (const char *)data + 1;
	n = size - 1;
	dr_snap_init(&s);
	r = dr_parse_link_json(&s, links, sizeof(links) - 1, "link", err, sizeof(err));
	switch (data[0] % 8) {
	case 0: r |= dr_parse_link_json(&s, in, n, "link", err, sizeof(err)); break;
	case 1: r |= dr_parse_addr_json(&s, in, n, "addr", err, sizeof(err)); break;
	case 2: r |= dr_parse_route_json(&s, in, n, 4, "route4", err, sizeof(err)); break;
	case 3: r |= dr_parse_route_json(&s, in, n, 6, "route6", err, sizeof(err)); break;
	case 4: r |= dr_parse_rule_json(&s, in, n, 4, "rule4", err, sizeof(err)); break;
	case 5: r |= dr_parse_rule_json(&s, in, n, 6, "rule6", err, sizeof(err)); break;
	case 6: r |= dr_parse_sysctl(&s, in, n, "sysctl", err, sizeof(err)); break;
	default: r |= dr_parse_nft_json(&s, in, n, "nft", err, sizeof(err)); break;
	}
	if (r == 0 && data[0] % 8 != 1)
		r = dr_parse_addr_json(&s, addrs, sizeof(addrs) - 1, "addr", err, sizeof(err));
	if (r == 0 && data[0] % 8 != 2)
		r = dr_parse_route_json(&s, routes, sizeof(routes) - 1, 4, "route4", err, sizeof(err));
	if (r == 0 && data[0] % 8 != 4)
		r = dr_parse_rule_json(&s, rules, sizeof(rules) - 1, 4, "rule4", err, sizeof(err));
	if (r == 0 && data[0] % 8 != 3)
		r = dr_parse_route_json(&s, routes6, sizeof(routes6) - 1, 6, "route6", err, sizeof(err));
	if (r == 0 && data[0] % 8 != 5)
		r = dr_parse_rule_json(&s, rules6, sizeof(rules6) - 1, 6, "rule6", err, sizeof(err));
	if (r == 0 && dr_snap_index(&s, err, sizeof(err)) == 0 && s.naddrs < 64 && s.nrules < 256) {
		f = malloc(sizeof(*f));
		if (f) {
			dr_check(&s, NULL, f);
			free(f);
		}
	}
	dr_snap_free(&s);
	return 0;
}
