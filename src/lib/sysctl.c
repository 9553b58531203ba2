/* SPDX-License-Identifier: BSD-2-Clause */
/* sysctl.c - reading and writing /proc/sys values */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/sysctl.h"

/* /proc/sys path of @name; dotted names get their dots turned to slashes. */
static int sysctl_path(const char *name, char *path, size_t len)
{
	int n;
	char *p;

	if (!*name || strstr(name, ".."))
		return -EINVAL;
	n = snprintf(path, len, "/proc/sys/%s", name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (!strchr(name, '/'))
		for (p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
	return 0;
}

static int read_path(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, e;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

static int write_path(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, e;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return (size_t)n == len ? 0 : -EIO;
}

static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -2147483647L - 1 || v > 2147483647L)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int sysctl_read(const char *name, char *buf, size_t len)
{
	char path[512];
	int r = sysctl_path(name, path, sizeof(path));

	return r < 0 ? r : read_path(path, buf, len);
}

int sysctl_read_int(const char *name, int *out)
{
	char buf[64];
	int r = sysctl_read(name, buf, sizeof(buf));

	return r < 0 ? r : parse_int(buf, out);
}

int sysctl_write(const char *name, const char *value)
{
	char path[512];
	int r = sysctl_path(name, path, sizeof(path));

	return r < 0 ? r : write_path(path, value);
}

static int conf_path(int family, const char *ifname, const char *key, char *path, size_t len)
{
	int n;

	if (strchr(ifname, '/') || strstr(ifname, "..") || strchr(key, '/') || !*ifname)
		return -EINVAL;
	n = snprintf(path, len, "/proc/sys/net/ipv%d/conf/%s/%s", family == 6 ? 6 : 4, ifname, key);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int sysctl_conf_read_int(int family, const char *ifname, const char *key, int *out)
{
	char path[512], buf[64];
	int r = conf_path(family, ifname, key, path, sizeof(path));

	if (r < 0 || (r = read_path(path, buf, sizeof(buf))) < 0)
		return r;
	return parse_int(buf, out);
}

int sysctl_conf_write_int(int family, const char *ifname, const char *key, int value)
{
	char path[512], buf[16];
	int r = conf_path(family, ifname, key, path, sizeof(path));

	if (r < 0)
		return r;
	snprintf(buf, sizeof(buf), "%d", value);
	return write_path(path, buf);
}
