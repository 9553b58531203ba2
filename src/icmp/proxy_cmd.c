/* SPDX-License-Identifier: BSD-2-Clause */
/* proxy_cmd.c - helpers shared by the edge and connector commands */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "icmp/proxy.h"

/* No right to create files beside @path (an unprivileged connector given
 * a file in someone else's directory): overwrite it with one write and
 * then cut it to length, never truncating first, so a reader sees a whole
 * old or new text (at worst with the tail of a longer old one). */
static void rewrite_in_place(const char *path, void (*fn)(const void *ctx, FILE *f),
			     const void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int fd;

	if (!m)
		return;
	fn(ctx, m);
	if (fclose(m) == 0 && (fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0) {
		if (pwrite(fd, buf, len, 0) == (ssize_t)len)
			(void)ftruncate(fd, (off_t)len);
		close(fd);
	}
	free(buf);
}

void proxy_stats_file(const char *path, void (*fn)(const void *ctx, FILE *f),
		      const void *ctx)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return;
	f = fopen(tmp, "we");
	if (!f) {
		rewrite_in_place(path, fn, ctx);
		return;
	}
	fn(ctx, f);
	if (fclose(f) == 0)
		rename(tmp, path);
}
