/* SPDX-License-Identifier: BSD-2-Clause */
/* proxy.h - small helpers shared by `wanscope edge` and `wanscope connector` */
#ifndef WS_ICMP_PROXY_H
#define WS_ICMP_PROXY_H

#include <stdio.h>

/* Write @fn's output to @path atomically (temporary file, then rename);
 * where no file can be created beside it, rewrite it in place without
 * truncating it first. */
void proxy_stats_file(const char *path, void (*fn)(const void *ctx, FILE *f),
		      const void *ctx);

#endif
