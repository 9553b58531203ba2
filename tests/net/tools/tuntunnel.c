/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tuntunnel.c - test tool: a minimal user-space L3 tunnel, a tun device
 * whose packets travel as UDP datagrams to a fixed peer (no crypto)
 *
 * usage: tuntunnel IFNAME LOCAL_IPV4 PORT REMOTE_IPV4 PORT
 * Creates IFNAME (IFF_TUN, no packet info) and forwards until killed.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int addr(const char *ip, const char *port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in local, remote;
	struct ifreq ifr;
	struct pollfd pfd[2];
	char buf[65536];
	int tun, udp;
	ssize_t n;

	if (argc != 6 || addr(argv[2], argv[3], &local) || addr(argv[4], argv[5], &remote)) {
		fprintf(stderr, "usage: tuntunnel IFNAME LOCAL_IPV4 PORT REMOTE_IPV4 PORT\n");
		return 2;
	}
	tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tun < 0) {
		perror("tuntunnel: /dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(tun, TUNSETIFF, &ifr) < 0) {
		perror("tuntunnel: TUNSETIFF");
		return 1;
	}
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (udp < 0 || bind(udp, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    connect(udp, (struct sockaddr *)&remote, sizeof(remote)) < 0) {
		perror("tuntunnel: udp");
		return 1;
	}
	pfd[0].fd = tun;
	pfd[0].events = POLLIN;
	pfd[1].fd = udp;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			n = read(tun, buf, sizeof(buf));
			if (n > 0)
				send(udp, buf, (size_t)n, MSG_DONTWAIT);
		}
		if (pfd[1].revents & POLLIN) {
			n = recv(udp, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0)
				(void)!write(tun, buf, (size_t)n);
		}
	}
}
