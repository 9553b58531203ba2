/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * export.h - `wanscope export`: packets in, flow records out
 *
 * Packets come from libpcap (live interfaces, which use the kernel's
 * AF_PACKET TPACKET_V3 ring, or a capture file), are sampled 1-in-N and
 * either accounted in the flow cache (NetFlow v9, IPFIX) or exported one
 * by one as sFlow flow samples. Encoded datagrams go to every collector.
 */
#ifndef WS_EXPORT_H
#define WS_EXPORT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "export/fcache.h"
#include "flow/flowenc.h"
#include "pkt/pkt.h"

#define EXP_MAX_IFS 16
#define EXP_MAX_COLLECTORS 8
#define EXP_SNAPLEN_DEFAULT 256	/* command line only (--snaplen) */

struct exp_cfg {
	enum flow_proto proto;		/* NF9, IPFIX or SFLOW5 */
	uint32_t sampling;		/* 1-in-N, 1 = every packet */
	uint32_t active_ms, idle_ms;
	uint32_t max_flows;
	uint32_t domain;
	uint32_t template_refresh_ms;
	uint32_t counter_interval_ms;	/* sFlow counters; 0 = never */
	size_t mtu;
	uint32_t snaplen;
	struct ip_addr agent;		/* sFlow agent; unset = from socket */
	uint64_t seed;			/* sampling PRNG seed; 0 = random */
};

struct exp_if {
	char name[IF_NAMESIZE];
	uint32_t ifindex;
	void *pcap;			/* pcap_t */
	int fd;
	enum pkt_link link;
	uint8_t mac[6];
	bool has_mac;
	uint64_t seen, sampled;
	uint32_t skip;			/* packets until the next sample */
	uint32_t flow_seq, ctr_seq;	/* sFlow sample sequences */
	uint64_t cap_drops, cap_ifdrops;
};

struct exp_collector {
	char text[80];
	int fd;
	uint64_t sent, errors;
};

struct exp_stats {
	uint64_t packets, bytes;	/* captured packets, their wire bytes */
	uint64_t sampled;
	uint64_t malformed;		/* link or IP header bad/truncated */
	uint64_t non_ip;
	uint64_t send_errors;		/* datagrams a collector did not take */
};

struct exporter {
	struct exp_cfg cfg;
	struct exp_if ifs[EXP_MAX_IFS];
	unsigned nifs;
	struct exp_collector cols[EXP_MAX_COLLECTORS];
	unsigned ncols;
	struct fcache cache;
	struct nfenc nf;
	struct sfenc sf;
	uint64_t rng;
	int64_t start_ms;		/* uptime zero */
	int64_t last_tick_ms;
	int64_t next_counters_ms;
	bool started;
	fenc_out_fn tap;		/* tests: datagrams go here, not to sockets */
	void *tap_arg;
	struct exp_stats st;
};

/* Set up the cache and encoder once interfaces and collectors are open;
 * @now_ms is the uptime zero. Return: 0, or -1 (message logged). */
int exp_start(struct exporter *x, int64_t now_ms);
void exp_stop(struct exporter *x);

/* One captured packet on interface @ifp at @ts_ms. */
void exp_packet(struct exporter *x, struct exp_if *ifp, const uint8_t *p, size_t caplen,
		size_t wirelen, int64_t ts_ms);

/* Timeouts, template refresh, sFlow counters, flush of open datagrams. */
void exp_tick(struct exporter *x, int64_t now_ms);

/* Export every flow still cached (reason forced) and flush datagrams. */
void exp_finish(struct exporter *x, int64_t now_ms);

/* Print the statistics: JSON object line, or one readable line. */
void exp_print_stats(const struct exporter *x, FILE *f, bool json);

/* Open interface @name for live capture as x->ifs[x->nifs]: pcap ring,
 * non-blocking, its fd in ->fd. Return: 0, or -1 (logged; the handle, if
 * any, is closed by exp_if_close_all). */
int exp_if_open(struct exporter *x, const char *name);
/* Read everything ready on interface @i without blocking. */
void exp_if_drain(struct exporter *x, unsigned i);
/* At exit: read for a little longer than the ring's block timeout. */
void exp_if_final_drain(struct exporter *x);
/* The kernel's drop counters (PACKET_STATISTICS) into each interface. */
void exp_if_update_drops(struct exporter *x);
void exp_if_close_all(struct exporter *x);
/* --read: every packet of the open pcap_t @pcap as x->ifs[0], its
 * timestamps driving the clock. Return: pcap_loop's result. */
int exp_read_pcap(struct exporter *x, void *pcap);

/* Parse "udp://HOST:PORT" (HOST an IPv4 address or [IPv6]).
 * Return: 0, or -1 with the reason in @err. */
int exp_collector_parse(const char *url, struct ip_addr *a, uint16_t *port, char *err,
			size_t errlen);
/* Add collector @url: a connected UDP socket. Return: 0, or -1 (logged). */
int exp_collector_open(struct exporter *x, const char *url);

/* Read /sys/class/net/@name counters into @c. Return: 0, or -1. */
int exp_if_counters(const struct exp_if *ifp, struct flow_if_counters *c);

#endif
