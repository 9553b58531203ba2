/* SPDX-License-Identifier: BSD-2-Clause */
/* proxy_cmd.c - helpers shared by the edge and connector commands */
#include <stdio.h>

#include "icmp/proxy.h"

void proxy_stats_file(const char *path, void (*fn)(const void *ctx, FILE *f),
		      const void *ctx)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return;
	f = fopen(tmp, "w");
	if (!f) {
		/* No right to create files next to it: rewrite it in place. */
		f = fopen(path, "w");
		if (!f)
			return;
		fn(ctx, f);
		fclose(f);
		return;
	}
	fn(ctx, f);
	if (fclose(f) == 0)
		rename(tmp, path);
}
