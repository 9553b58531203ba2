/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_nl_route.c - the rtnetlink route decoder, and re-encoding what it read */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t buf[NL_BUFSZ / 4], enc[NL_BUFSZ / 4];	/* aligned as the kernel's */
	struct nl_route r, back;
	int n;

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	if (nl_route_decode(buf, size, &r) < 0)
		return 0;
	if (r.nh_count > NL_MAX_NEXTHOPS)
		abort();
	n = nl_route_encode(enc, 24 /* RTM_NEWROUTE */, 0, &r);
	if (n <= 0 || nl_route_decode(enc, (size_t)n, &back) < 0)
		abort();
	if (back.family != r.family || back.dst.len != r.dst.len || back.table != r.table ||
	    back.protocol != r.protocol || back.priority != r.priority ||
	    (r.nh_count > 1 && back.nh_count != r.nh_count))
		abort();
	return 0;
}
