/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture.c - live capture for the exporter: libpcap handles (on Linux an
 * AF_PACKET TPACKET_V3 ring each), read without blocking when their
 * descriptor is ready, shared by `wanscope export` and `wanscope run`
 */
#include <errno.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "export/export.h"
#include "flow/pcapread.h"
#include "lib/log.h"
#include "lib/timeutil.h"

/* pcap's callback gets one pointer: carry the exporter and interface. */
struct cb_arg {
	struct exporter *x;
	struct exp_if *ifp;
};

static void on_pkt(u_char *arg, const struct pcap_pkthdr *h, const u_char *p)
{
	struct cb_arg *a = (struct cb_arg *)arg;
	int64_t ts = (int64_t)h->ts.tv_sec * 1000 + h->ts.tv_usec / 1000;

	if (a->ifp->fd == -1 && ts >= a->x->last_tick_ms + 1000)
		exp_tick(a->x, ts);	/* --read: capture time drives the clock */
	exp_packet(a->x, a->ifp, p, h->caplen, h->len, ts);
}

int exp_read_pcap(struct exporter *x, void *pcap)
{
	struct cb_arg a = { x, &x->ifs[0] };

	return pcap_loop(pcap, -1, on_pkt, (u_char *)&a);
}

static int if_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc < 0)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

int exp_if_open(struct exporter *x, const char *name)
{
	char err[PCAP_ERRBUF_SIZE];
	struct exp_if *ifp;
	pcap_t *pc;
	int rc;

	if (x->nifs == EXP_MAX_IFS) {
		log_warnx("export: interface %s: at most %d interfaces", name, EXP_MAX_IFS);
		return -1;
	}
	ifp = &x->ifs[x->nifs];
	memset(ifp, 0, sizeof(*ifp));
	ifp->fd = -1;
	snprintf(ifp->name, sizeof(ifp->name), "%s", name);
	ifp->ifindex = if_nametoindex(name);
	if (!ifp->ifindex) {
		log_warnx("export: interface %s: %s", name, strerror(errno));
		return -1;
	}
	ifp->has_mac = if_mac(name, ifp->mac) == 0;
	pc = pcap_create(name, err);
	if (!pc) {
		log_warnx("export: interface %s: %s", name, err);
		return -1;
	}
	x->nifs++;		/* from here on exp_if_close_all() closes it */
	ifp->pcap = pc;
	pcap_set_snaplen(pc, (int)x->cfg.snaplen);
	pcap_set_promisc(pc, 0);
	pcap_set_timeout(pc, 100);
	pcap_set_buffer_size(pc, 8 << 20);
	rc = pcap_activate(pc);
	if (rc < 0) {
		log_warnx("export: interface %s: %s", name,
			  rc == PCAP_ERROR ? pcap_geterr(pc) : pcap_statustostr(rc));
		return -1;
	}
	if (cap_link_from_dlt(pcap_datalink(pc), &ifp->link) < 0) {
		log_warnx("export: interface %s: link type %d is not supported", name,
			  pcap_datalink(pc));
		return -1;
	}
	if (pcap_setnonblock(pc, 1, err) < 0) {
		log_warnx("export: interface %s: %s", name, err);
		return -1;
	}
	ifp->fd = pcap_get_selectable_fd(pc);
	if (ifp->fd < 0) {
		log_warnx("export: interface %s: no selectable descriptor", name);
		return -1;
	}
	return 0;
}

void exp_if_close_all(struct exporter *x)
{
	unsigned i;

	for (i = 0; i < x->nifs; i++) {
		if (x->ifs[i].pcap)
			pcap_close(x->ifs[i].pcap);
		x->ifs[i].pcap = NULL;
		x->ifs[i].fd = -1;
	}
}

void exp_if_update_drops(struct exporter *x)
{
	struct pcap_stat ps;
	unsigned i;

	for (i = 0; i < x->nifs; i++) {
		if (x->ifs[i].pcap && pcap_stats(x->ifs[i].pcap, &ps) == 0) {
			x->ifs[i].cap_drops = ps.ps_drop;
			x->ifs[i].cap_ifdrops = ps.ps_ifdrop;
		}
	}
}

void exp_if_drain(struct exporter *x, unsigned i)
{
	struct cb_arg a = { x, &x->ifs[i] };
	int n;

	if (i >= x->nifs || !x->ifs[i].pcap)
		return;
	do
		n = pcap_dispatch(x->ifs[i].pcap, -1, on_pkt, (u_char *)&a);
	while (n > 0);
	if (n == PCAP_ERROR)
		log_warnx("export: %s: %s", x->ifs[i].name, pcap_geterr(x->ifs[i].pcap));
}

/*
 * The ring hands over a block of packets when it fills or its timeout
 * (100 ms) passes: at exit, keep reading for a little longer than that so
 * the packets of the last, partly filled block are counted too.
 */
void exp_if_final_drain(struct exporter *x)
{
	struct pollfd pfd[EXP_MAX_IFS];
	uint64_t end = time_mono_ms() + 250, now;
	unsigned i;

	for (i = 0; i < x->nifs; i++)
		pfd[i] = (struct pollfd){ .fd = x->ifs[i].fd, .events = POLLIN };
	while ((now = time_mono_ms()) < end) {
		if (poll(pfd, x->nifs, (int)(end - now)) <= 0)
			continue;
		for (i = 0; i < x->nifs; i++)
			if (pfd[i].revents)
				exp_if_drain(x, i);
	}
	for (i = 0; i < x->nifs; i++)
		exp_if_drain(x, i);
	exp_if_update_drops(x);
}
