/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * prober.h - the probing engine shared by `wanscope probe` (one-shot) and
 * the continuous prober: targets on a timer heap, probe sockets, result
 * matching, health, steering, state file and alerts
 */
#ifndef WS_PROBE_PROBER_H
#define WS_PROBE_PROBER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/evloop.h"
#include "lib/nl.h"
#include "probe/config.h"
#include "probe/health.h"
#include "probe/sock.h"
#include "probe/wire.h"

#define PROBE_SLOTS 32		/* outstanding attempts per target */

struct probe_slot {
	uint32_t seq;
	uint8_t attempt;	/* 0 = first try, 1.. = retries */
	bool busy;
	uint64_t deadline_ns;	/* monotonic */
};

struct ptarget {
	struct ip_addr addr;
	uint32_t tunnel, idx;
	uint32_t seq;
	uint32_t nbusy;		/* busy slots */
	uint64_t first_deadline;	/* earliest deadline of a busy slot */
	uint32_t regular_sent;	/* first tries (one-shot mode counts these) */
	uint8_t retry_attempt;	/* > 0: a retry with this attempt number is due */
	uint64_t next_send_ns;	/* the schedule: first send + phase + k * interval */
	uint64_t not_before;	/* a send waits for its device's pace until then */
	uint64_t skipped;	/* regular probes skipped: the loop fell an interval behind */
	uint64_t sent, received, lost;
	struct probe_slot slots[PROBE_SLOTS];
	struct health h;
	struct rttwin stats;
};

struct ptunnel {
	const struct tunnel_conf *conf;
	uint32_t idx;
	int sock;		/* index into prober.socks */
	int ifindex;
	bool l2;
	uint8_t ll[16];
	unsigned lllen;
	uint64_t ll_checked_ns;
	struct ip_addr source;
	uint16_t icmp_id;
	struct ptarget *targets;
	enum health_state state, prev_state;
	uint64_t since_ms;	/* monotonic */
	uint64_t changed_real_ms;	/* wall clock of the last transition, 0 = none */
	uint32_t transitions;
	char reason[2 * HEALTH_REASON_LEN];
	struct rttwin stats;
	struct hwin slo_short, slo_long;
	bool slo_alerting;
	double slo_short_pct, slo_long_pct;
	uint64_t next_slo_ns;
	/* counters */
	uint64_t tx, tx_err, rx_ok, rx_forged, rx_stale, rx_wrong_iface;
	uint64_t tx_paced;	/* sends that waited for the device's pace */
	uint64_t tx_skipped;	/* regular probes skipped: the loop fell behind */
	int last_tx_err;
};

enum psock_kind { PSOCK_PACKET, PSOCK_RAW4, PSOCK_RAW6 };

/* A probe socket, one per device (raw sockets: one per tunnel), and the
 * pace of its sends (a GCRA token bucket, see prober.c). */
struct psock {
	int fd;
	enum psock_kind kind;
	int ifindex;
	uint64_t cost_ns;	/* one probe's share of the pace */
	uint64_t tat;		/* "theoretical arrival time": the bucket is full from then */
	uint64_t gate;		/* when the last group of deferred sends leaves */
	uint32_t ndefer;	/* sends in that group */
	uint64_t deferred;	/* sends that waited for the pace */
};

/* The heap holds its keys inline: sifting compares and moves 16-byte
 * entries in one array and touches no target. */
struct heap_ent {
	uint64_t key;
	uint32_t tg;
};

struct prober;
struct txbatch;
struct mmsghdr;
/* One-shot mode: called for every attempt's result. */
typedef void (*prober_result_cb)(struct prober *p, struct ptunnel *t, struct ptarget *g,
				 uint32_t seq, bool ok, uint64_t rtt_ns, unsigned ttl,
				 size_t bytes);

struct prober {
	struct probe_conf *conf;
	const char *conf_path;
	struct evloop loop;
	int tfd, sfd, hk_tfd;	/* probe timer, signals, housekeeping timer */
	struct nl nl;
	bool have_nl;
	struct ptunnel *tun;
	uint32_t ntun;
	struct ptarget *tg;
	uint32_t ntg;
	struct heap_ent *heap;	/* targets ordered by next event (a min-heap) */
	uint32_t *heap_pos;	/* each target's index in heap, by target index */
	uint32_t nheap;
	struct psock socks[64];
	uint32_t nsocks;
	uint8_t key[PROBE_KEY_LEN];
	uint16_t id_base;	/* tunnel i's ICMP identifier is id_base + i */
	bool stop;
	bool steering;		/* own and adjust routes */
	bool oneshot;
	uint32_t count;		/* one-shot: first tries per target, 0 = forever */
	prober_result_cb on_result;
	void *user;
	uint32_t send_burst;	/* most sends per device and wakeup */
	/* Tests: called instead of sendmmsg with a batch for socket @si.
	 * Return: as sendmmsg. */
	int (*tx_hook)(struct prober *p, unsigned si, struct mmsghdr *mh, unsigned n);
	uint64_t rx_not_ours, rx_bad, rx_drops;	/* rx_drops: receive buffer full */
	uint8_t *buf;		/* packet buffer */
	struct txbatch *txb;	/* AF_PACKET probes waiting for one sendmmsg */
	struct probe_rxbatch *rxb;	/* replies of one recvmmsg */
	int64_t real_minus_mono_ms;
	struct steer *steer;
	pid_t children[16];
	unsigned nchildren;
};

/*
 * Set up @p for @conf: resolve devices, addresses and link-layer peers,
 * open sockets, build the target heap. @p->oneshot/@p->count/@p->on_result
 * are read. Return: 0, or -1 after logging what is wrong.
 */
int prober_init(struct prober *p, struct probe_conf *conf);
/* Run until stopped (signal, or one-shot done). Return: 0, or -1. */
int prober_loop(struct prober *p);
void prober_free(struct prober *p);

/*
 * The parts of prober_init the scheduler tests drive without sockets:
 * prober_alloc sets up tunnels and targets for @conf (no devices, no
 * sockets); after each tunnel's sock is set, prober_sched_init gives every
 * target its phase and each socket its pace and builds the heap, with
 * the first probes due from @now on. Return: 0, or -1 (logged).
 */
int prober_alloc(struct prober *p, struct probe_conf *conf, uint64_t now);
void prober_sched_init(struct prober *p, uint64_t now);
/* One wakeup at monotonic @now: decide due timeouts, send due probes
 * within the devices' pace, flush the batch. */
void prober_run_due(struct prober *p, uint64_t now);
/* Match the received @rx on socket @si (a probe reply or not). */
void prober_handle_reply(struct prober *p, unsigned si, const struct probe_rx *rx,
			 uint64_t now);

/* steer.c: route ownership. Return: 0, or -1 (logged). */
int steer_init(struct prober *p);
/* Apply the current tunnel states to the routes of tunnel @t. */
void steer_update(struct prober *p, const struct ptunnel *t);
/* Put every route back at its configured metric. */
void steer_restore(struct prober *p);
void steer_free(struct prober *p);

/* state.c: write the state file atomically. Return: 0, or -1 (logged). */
int state_write(struct prober *p);

/* alert.c */
void alert_transition(struct prober *p, const struct ptunnel *t);
void alert_slo_check(struct prober *p, struct ptunnel *t, uint64_t now_ns);
void alert_reap(struct prober *p);

#endif
