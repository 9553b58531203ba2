/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * export.c - the exporter's packet path: sample, parse, account, encode
 *
 * Theory of operation: every captured packet counts toward its
 * interface's sample pool. Sampling is random 1-in-N: after each sample
 * the number of packets to skip is drawn uniformly from 1..2N-1 (mean N),
 * which costs one decrement per unsampled packet and never locks onto a
 * periodic pattern in the traffic. A sampled packet is parsed with
 * src/pkt; NetFlow v9 / IPFIX account it in the flow cache (counters stay
 * unscaled, the interval is announced in an options record with the
 * templates), sFlow copies its first 128 bytes into a flow sample. Flows
 * the cache expires are turned into struct flow_rec and encoded; every
 * datagram goes to each collector.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "export/export.h"
#include "lib/log.h"

static struct log_rl send_rl = LOG_RL_INIT(10000, 3);

static uint64_t rng_next(struct exporter *x)
{
	/* xorshift64*: fast and good enough to pick packets */
	x->rng ^= x->rng >> 12;
	x->rng ^= x->rng << 25;
	x->rng ^= x->rng >> 27;
	return x->rng * UINT64_C(2685821657736338717);
}

static uint32_t next_skip(struct exporter *x)
{
	uint32_t n = x->cfg.sampling;

	if (n <= 1)
		return 1;
	return 1 + (uint32_t)(rng_next(x) % (2 * (uint64_t)n - 1));
}

static void send_dgram(void *arg, const uint8_t *p, size_t len)
{
	struct exporter *x = arg;
	unsigned i;

	for (i = 0; i < x->ncols; i++) {
		struct exp_collector *c = &x->cols[i];

		if (send(c->fd, p, len, MSG_DONTWAIT) == (ssize_t)len ||
		    /* an ICMP error for an earlier datagram: this one was not sent */
		    (errno == ECONNREFUSED &&
		     send(c->fd, p, len, MSG_DONTWAIT) == (ssize_t)len)) {
			c->sent++;
			continue;
		}
		c->errors++;
		x->st.send_errors++;
		if (log_rl_allow(&send_rl))
			log_warn("export: %s: send of %zu bytes", c->text, len);
	}
}

static void flow_expired(void *arg, const struct fc_flow *f, enum fc_end why)
{
	struct exporter *x = arg;
	struct flow_rec r;

	memset(&r, 0, sizeof(r));
	r.ip_version = f->k.ipver;
	r.src.family = r.dst.family = f->k.ipver;
	memcpy(r.src.a, f->k.src, 16);
	memcpy(r.dst.a, f->k.dst, 16);
	r.proto = f->k.proto;
	r.tos = f->k.tos;
	r.src_port = f->k.sport;
	r.dst_port = f->k.dport;
	r.icmp_type = (uint8_t)(f->k.dport >> 8);
	r.icmp_code = (uint8_t)f->k.dport;
	r.in_if = f->k.ifindex;
	r.direction = f->k.dir;
	r.vlan = f->k.vlan;
	r.tcp_flags = f->tcp_flags;
	r.packets = f->packets;
	r.bytes = f->bytes;
	r.time_start_ms = f->first_ms;
	r.time_end_ms = f->last_ms;
	r.end_reason = (uint8_t)why;
	nfenc_add(&x->nf, &r, x->last_tick_ms > f->last_ms ? x->last_tick_ms : f->last_ms);
}

int exp_start(struct exporter *x, int64_t now_ms)
{
	unsigned i;

	x->start_ms = now_ms;
	x->last_tick_ms = now_ms;
	if (!x->cfg.seed && getrandom(&x->cfg.seed, sizeof(x->cfg.seed), 0) < 0)
		x->cfg.seed = (uint64_t)now_ms;
	x->rng = x->cfg.seed | 1;
	for (i = 0; i < x->nifs; i++)
		x->ifs[i].skip = next_skip(x);
	if (x->cfg.proto == FLOW_PROTO_SFLOW5) {
		struct sfenc_cfg sc = {
			.agent = x->cfg.agent, .mtu = x->cfg.mtu, .boot_ms = now_ms,
			.sub_agent = x->cfg.domain,
		};

		if (sfenc_init(&x->sf, &sc, x->tap ? x->tap : send_dgram,
			       x->tap ? x->tap_arg : x) < 0) {
			log_warnx("export: sFlow agent address or mtu unusable");
			return -1;
		}
		x->next_counters_ms = now_ms;
	} else {
		struct nfenc_cfg nc = {
			.proto = x->cfg.proto, .domain = x->cfg.domain, .mtu = x->cfg.mtu,
			.template_refresh_ms = x->cfg.template_refresh_ms,
			.sampling = x->cfg.sampling, .boot_ms = now_ms,
		};
		struct fc_cfg fc = {
			.max_flows = x->cfg.max_flows, .idle_ms = x->cfg.idle_ms,
			.active_ms = x->cfg.active_ms,
		};

		if (getrandom(fc.hash_key, sizeof(fc.hash_key), 0) < 0)
			memcpy(fc.hash_key, &x->rng, sizeof(x->rng));
		if (nfenc_init(&x->nf, &nc, x->tap ? x->tap : send_dgram,
			       x->tap ? x->tap_arg : x) < 0) {
			log_warnx("export: encoder: mtu %zu unusable", x->cfg.mtu);
			return -1;
		}
		if (fc_init(&x->cache, &fc, flow_expired, x) < 0) {
			log_warnx("export: flow cache of %" PRIu32 " flows: out of memory",
				  x->cfg.max_flows);
			return -1;
		}
		nfenc_tick(&x->nf, now_ms);	/* templates at start */
	}
	x->started = true;
	return 0;
}

void exp_stop(struct exporter *x)
{
	unsigned i;

	if (x->started && x->cfg.proto != FLOW_PROTO_SFLOW5)
		fc_free(&x->cache);
	for (i = 0; i < x->ncols; i++)
		if (x->cols[i].fd >= 0)
			close(x->cols[i].fd);
	x->ncols = 0;
	x->started = false;
}

static uint8_t pkt_dir(const struct exp_if *ifp, const struct pkt_meta *m)
{
	if (ifp->has_mac && ifp->link == PKT_LINK_ETH && m->depth >= PKT_L2 &&
	    memcmp(m->src_mac, ifp->mac, 6) == 0)
		return FC_DIR_OUT;
	return FC_DIR_IN;
}

static void sflow_sample(struct exporter *x, struct exp_if *ifp, const struct pkt_meta *m,
			 const uint8_t *p, size_t caplen, size_t wirelen, int64_t ts_ms)
{
	struct sfenc_sample s = {
		.source_index = ifp->ifindex, .sampling_rate = x->cfg.sampling,
		.sample_pool = (uint32_t)ifp->seen,
		.drops = (uint32_t)(ifp->cap_drops + ifp->cap_ifdrops),
		.header = p, .header_len = caplen,
	};
	uint8_t dir = pkt_dir(ifp, m);

	if (dir == FC_DIR_OUT)
		s.output_if = ifp->ifindex;
	else
		s.input_if = ifp->ifindex;
	if (ifp->link == PKT_LINK_ETH && m->depth >= PKT_L2 && m->has_vlan && caplen >= 16) {
		/* a tagged frame: its VLAN and 802.1p priority, as a switch
		 * reports them (the host neither retags nor remaps) */
		s.has_switch = true;
		s.src_vlan = s.dst_vlan = m->vlan;
		s.src_priority = s.dst_priority = p[14] >> 5;
	}
	if (ifp->link == PKT_LINK_ETH) {
		/* the kernel hands us frames without their FCS */
		s.header_protocol = 1;
		s.frame_length = (uint32_t)wirelen + 4;
		s.stripped = 4;
	} else {
		s.header_protocol = m->ip_version == 6 ? 12 : 11;
		s.header = m->l3;
		s.header_len = m->l3_len;
		s.frame_length = m->ip_total_len;
	}
	sfenc_flow(&x->sf, &s, ifp->flow_seq++, ts_ms);
}

void exp_packet(struct exporter *x, struct exp_if *ifp, const uint8_t *p, size_t caplen,
		size_t wirelen, int64_t ts_ms)
{
	struct pkt_meta m;

	x->st.packets++;
	x->st.bytes += wirelen;
	ifp->seen++;
	if (--ifp->skip)
		return;
	ifp->skip = next_skip(x);
	ifp->sampled++;
	x->st.sampled++;
	if (pkt_parse(p, caplen, ifp->link, &m) < 0) {
		if (m.depth == PKT_L2 && m.ethertype != ETH_TYPE_IPV4 &&
		    m.ethertype != ETH_TYPE_IPV6)
			x->st.non_ip++;
		else
			x->st.malformed++;
		if (x->cfg.proto != FLOW_PROTO_SFLOW5 || m.depth < PKT_L2)
			return;
		/* sFlow samples frames, IP or not */
		m.ip_version = 0;
		m.l3 = p;
		m.l3_len = 0;
	}
	if (x->cfg.proto == FLOW_PROTO_SFLOW5)
		sflow_sample(x, ifp, &m, p, caplen, wirelen, ts_ms);
	else
		fc_add(&x->cache, &m, ifp->ifindex, pkt_dir(ifp, &m), ts_ms);
}

void exp_tick(struct exporter *x, int64_t now_ms)
{
	unsigned i;

	if (now_ms > x->last_tick_ms)
		x->last_tick_ms = now_ms;
	if (x->cfg.proto != FLOW_PROTO_SFLOW5) {
		fc_expire(&x->cache, now_ms);
		nfenc_tick(&x->nf, now_ms);
		nfenc_flush(&x->nf);
		return;
	}
	if (x->cfg.counter_interval_ms && now_ms >= x->next_counters_ms) {
		for (i = 0; i < x->nifs; i++) {
			struct flow_if_counters c;

			if (exp_if_counters(&x->ifs[i], &c) == 0)
				sfenc_counters(&x->sf, &c, x->ifs[i].ctr_seq++, now_ms);
		}
		x->next_counters_ms = now_ms + x->cfg.counter_interval_ms;
	}
	sfenc_flush(&x->sf);
}

void exp_finish(struct exporter *x, int64_t now_ms)
{
	if (!x->started)
		return;
	if (now_ms > x->last_tick_ms)
		x->last_tick_ms = now_ms;
	if (x->cfg.proto == FLOW_PROTO_SFLOW5) {
		sfenc_flush(&x->sf);
		return;
	}
	fc_flush(&x->cache, FC_END_FORCED);
	nfenc_flush(&x->nf);
}

void exp_print_stats(const struct exporter *x, FILE *f, bool json)
{
	const struct fc_stats *c = &x->cache.st;
	uint64_t dgrams, records, bytes, drops = 0, ifdrops = 0;
	unsigned i;

	for (i = 0; i < x->nifs; i++) {
		drops += x->ifs[i].cap_drops;
		ifdrops += x->ifs[i].cap_ifdrops;
	}
	if (x->cfg.proto == FLOW_PROTO_SFLOW5) {
		dgrams = x->sf.st.datagrams;
		records = x->sf.st.flow_samples + x->sf.st.counter_samples;
		bytes = x->sf.st.bytes;
	} else {
		dgrams = x->nf.st.datagrams;
		records = x->nf.st.records;
		bytes = x->nf.st.bytes;
	}
	fprintf(f, json ?
		"{\"type\":\"stats\",\"protocol\":\"%s\",\"packets\":%" PRIu64
		",\"bytes\":%" PRIu64 ",\"sampled\":%" PRIu64 ",\"malformed\":%" PRIu64
		",\"non_ip\":%" PRIu64 ",\"flows_created\":%" PRIu64
		",\"expired_idle\":%" PRIu64 ",\"expired_active\":%" PRIu64
		",\"expired_fin\":%" PRIu64 ",\"expired_forced\":%" PRIu64
		",\"evicted\":%" PRIu64 ",\"flow_samples\":%" PRIu64
		",\"counter_samples\":%" PRIu64 ",\"export_records\":%" PRIu64
		",\"export_datagrams\":%" PRIu64 ",\"export_bytes\":%" PRIu64
		",\"send_errors\":%" PRIu64 ",\"capture_drops\":%" PRIu64
		",\"capture_ifdrops\":%" PRIu64 "}\n" :
		"export: stats: protocol %s packets %" PRIu64 " bytes %" PRIu64
		" sampled %" PRIu64 " malformed %" PRIu64 " non-ip %" PRIu64
		" flows %" PRIu64 " expired idle %" PRIu64 " active %" PRIu64
		" fin/rst %" PRIu64 " forced %" PRIu64 " evicted %" PRIu64
		" flow-samples %" PRIu64 " counter-samples %" PRIu64
		" records %" PRIu64 " datagrams %" PRIu64 " bytes-out %" PRIu64
		" send-errors %" PRIu64 " capture-drops %" PRIu64
		" capture-ifdrops %" PRIu64 "\n",
		flow_proto_name(x->cfg.proto), x->st.packets, x->st.bytes, x->st.sampled,
		x->st.malformed, x->st.non_ip, c->created, c->expired[FC_END_IDLE],
		c->expired[FC_END_ACTIVE], c->expired[FC_END_FIN], c->expired[FC_END_FORCED],
		c->expired[FC_END_EVICTED], x->sf.st.flow_samples, x->sf.st.counter_samples,
		records, dgrams, bytes, x->st.send_errors, drops, ifdrops);
}
