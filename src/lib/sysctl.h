/* SPDX-License-Identifier: BSD-2-Clause */
/* sysctl.h - reading and writing /proc/sys values */
#ifndef WS_SYSCTL_H
#define WS_SYSCTL_H

#include <stddef.h>

/*
 * Read the value of @name, in dotted form ("net.ipv4.ip_forward") or as a
 * path below /proc/sys ("net/ipv4/ip_forward"), into @buf without the
 * trailing newline. Return: the length, or -errno.
 */
int sysctl_read(const char *name, char *buf, size_t len);
/* Return: 0 with *@out set, -errno, or -EINVAL when it is not an integer. */
int sysctl_read_int(const char *name, int *out);
/* Write @value. Return: 0, or -errno. */
int sysctl_write(const char *name, const char *value);

/*
 * Per-interface knobs: net.{ipv4,ipv6}.conf.IFNAME.KEY. Interface names
 * may contain dots (VLANs), which the dotted form cannot express, so these
 * build the /proc/sys path directly. @family is 4 or 6.
 * Return: as sysctl_read_int / sysctl_write.
 */
int sysctl_conf_read_int(int family, const char *ifname, const char *key, int *out);
int sysctl_conf_write_int(int family, const char *ifname, const char *key, int value);

#endif
