/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcapread.h - UDP datagrams out of pcap/pcapng captures
 *
 * Reads a capture with libpcap, strips the link layer (Ethernet with VLAN
 * tags, Linux cooked v1/v2, raw IP, BSD loopback), parses IPv4/IPv6,
 * reassembles fragments and hands every UDP datagram to a callback with
 * its capture timestamp. Everything skipped is counted by reason.
 */
#ifndef WS_PCAPREAD_H
#define WS_PCAPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/ipfrag.h"
#include "lib/addr.h"
#include "pkt/pkt.h"

struct cap_dgram {
	const uint8_t *data;		/* UDP payload */
	size_t len;
	struct ip_addr src, dst;
	uint16_t sport, dport;
	int64_t ts_ms;			/* capture time, UTC ms */
	bool reassembled;
};

/* Why a packet read from the capture gave no UDP datagram. */
struct cap_stats {
	uint64_t packets;		/* records read from captures */
	uint64_t bytes;			/* their captured bytes */
	uint64_t link_errors;		/* link header short or unknown */
	uint64_t non_ip;		/* not IPv4/IPv6 (ARP, LLDP, ...) */
	uint64_t ip_errors;		/* malformed IP header or extension */
	uint64_t non_udp;		/* TCP, ICMP, ... */
	uint64_t udp_errors;		/* UDP header or length bad */
	uint64_t snap_truncated;	/* cut short by the snapshot length */
	uint64_t udp_datagrams;		/* handed to the callback */
	uint64_t files_truncated;	/* captures that ended mid-record */
};

typedef void (*cap_dgram_fn)(void *arg, const struct cap_dgram *d);

struct cap_reader {
	enum pkt_link link;
	struct ipfrag *frag;
	struct cap_stats st;
	cap_dgram_fn fn;
	void *arg;
	volatile bool *stop;		/* set by the callback to stop reading */
	int64_t last_expire_ms;		/* fragment ageing, capture time */
};

/* Return: 0, or -1 when out of memory. */
int cap_reader_init(struct cap_reader *r, const struct ipfrag_cfg *fcfg,
		    cap_dgram_fn fn, void *arg);
void cap_reader_free(struct cap_reader *r);

/* Map a pcap DLT_* to the link types we parse. Return: 0, or -1 if unsupported. */
int cap_link_from_dlt(int dlt, enum pkt_link *link);

/*
 * One captured packet of link type @r->link: @caplen bytes present of
 * @wirelen on the wire, captured at @ts_ms. Calls the callback for a UDP
 * datagram it completes (directly, or by finishing a reassembly).
 */
void cap_packet(struct cap_reader *r, const uint8_t *p, size_t caplen,
		size_t wirelen, int64_t ts_ms);

/*
 * Read every packet of the capture at @path ("-" = stdin).
 * Return: 0 when read to its end; 1 when the capture was cut short after
 * at least one packet (a warning is in @err); -1 when it could not be
 * read at all (@err says why).
 */
int cap_read_file(struct cap_reader *r, const char *path, char *err, size_t errlen);

#endif
