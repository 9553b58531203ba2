/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * probe_reflect_bench.c - bench/probe.sh's far end of a tunnel: a tun
 * device whose reader answers every IPv4 ICMP echo request written into
 * it with the echo reply (addresses swapped, type 0) and writes every echo
 * reply (a reply-type probe) back unchanged, as a branch would route it.
 *
 * usage: probe_reflect_bench IFNAME
 * Creates IFNAME (IFF_TUN, no packet info) and answers until killed. The
 * branch's work (and the hub's receive path of the answer, which runs in
 * the writer's system call) is charged to this process, not to the
 * prober, as it would be on a real hub whose branches are other machines.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Reflect the packet in place. Return: its length to write back, or 0. */
static size_t reflect(uint8_t *p, size_t n)
{
	size_t hl;
	uint32_t sum;
	uint8_t a[4];

	if (n < 20 || p[0] >> 4 != 4 || p[9] != 1)
		return 0;
	hl = (size_t)(p[0] & 15) * 4;
	if (hl < 20 || n < hl + 8)
		return 0;
	if (p[hl] == 0)		/* a reply-type probe: route it back */
		return n;
	if (p[hl] != 8)
		return 0;
	memcpy(a, p + 12, 4);	/* swap addresses: the IP checksum is unchanged */
	memcpy(p + 12, p + 16, 4);
	memcpy(p + 16, a, 4);
	p[hl] = 0;		/* type 8 -> 0: checksum + 0x0800 (RFC 1624) */
	sum = (uint32_t)(p[hl + 2] << 8 | p[hl + 3]) + 0x0800;
	sum = (sum & 0xffff) + (sum >> 16);
	p[hl + 2] = (uint8_t)(sum >> 8);
	p[hl + 3] = (uint8_t)sum;
	return n;
}

int main(int argc, char **argv)
{
	struct ifreq ifr;
	struct pollfd pfd;
	static uint8_t buf[65536];
	int fd;

	if (argc != 2 || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "usage: probe_reflect_bench IFNAME\n");
		return 2;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, argv[1], strlen(argv[1]));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror("TUNSETIFF");
		return 1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				perror("read");
				return 1;
			}
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
				perror("poll");
				return 1;
			}
			continue;
		}
		len = reflect(buf, (size_t)n);
		if (len && write(fd, buf, len) < 0 && errno != EAGAIN && errno != ENOBUFS)
			perror("write");
	}
}
