/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * collect_int.h - what the collector's files share inside src/collect
 *
 * Threads and hand-offs:
 *   receive thread i (one per --threads): epoll over its own socket of
 *     every listener (SO_REUSEPORT group), recvmmsg batches, allow-list,
 *     its own flow decoder; decoded flow records are copied into a chunk
 *     taken from the thread's own free list. A full chunk (or a partial
 *     one each second) goes on the store queue. Back-pressure: before
 *     decoding a datagram the thread checks that the free chunks hold the
 *     most records it can decode into (recv.c: dgram_bound); when they do
 *     not, it stops reading its sockets (the datagrams wait in the socket
 *     buffer, whose overflow the kernel counts) and sleeps on an eventfd
 *     that recv_return_chunk() signals once enough chunks are back.
 *     Records are dropped (queue_drops) only when one datagram decodes
 *     into more than its bound and no chunk comes back for
 *     RECV_WAIT_MS.
 *   store thread i (one per receive thread, each with its own queue and
 *     store: rollup table, raw file, SQLite connection): takes chunks off
 *     its queue, feeds its store (rollups, raw IPFIX blocks), hands each
 *     chunk back to its owner's free list, commits on a timerfd in its
 *     own transaction (the commit timers are staggered). So the store
 *     scales with the receive threads; the rollup upserts add up, and
 *     readers take every raw file. Store 0 also writes the exporter table
 *     and runs retention.
 *   main thread (the caller's loop): statistics once a second from the
 *     snapshots each receive thread publishes on its own timer.
 * The only locks are per chunk (queue, free lists) and per second
 * (snapshots); none per record.
 */
#ifndef WS_COLLECT_INT_H
#define WS_COLLECT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "collect/collector.h"
#include "collect/store.h"
#include "flow/flow.h"
#include "lib/log.h"

#define CHUNK_RECS 1024
#define RECV_BATCH 64
#define RECV_BUFSZ 65536
#define RECV_WAIT_MS 5000		/* the most a decode waits for a chunk */
#define RECV_STOP_DRAIN_MS 10000	/* stopping: the most spent on reading
					   what the sockets still hold */

struct chunk {
	struct chunk *next;
	uint32_t n;
	uint16_t owner;			/* receive thread index */
	struct flow_rec rec[CHUNK_RECS];
};

/* Counters of one receive thread; written by it alone. */
struct recv_stats {
	uint64_t packets, bytes;
	uint64_t kernel_drops;		/* SO_RXQ_OVFL */
	uint64_t truncated;		/* datagram larger than the buffer */
	uint64_t not_allowed;		/* source not in the allow-list */
	uint64_t decode_ok, decode_failed;	/* packets */
	uint64_t rejected[FE__COUNT];	/* packets, by flow_decode()'s verdict */
	uint64_t records, counter_records;
	uint64_t queued, queue_drops;	/* records */
	uint64_t pauses;		/* reading stopped: no room in the queue */
	uint64_t paused_ns;		/* time spent so */
	uint64_t queue_waits;		/* a decode waited for a chunk */
};

/* One exporter+domain as a receive thread last published it. */
struct exp_snap {
	struct ip_addr addr;
	enum flow_proto proto;
	uint32_t domain;
	uint16_t thread;
	struct flow_exp_stats st;
};

struct recv_thread {
	struct collector *c;
	unsigned idx;
	pthread_t tid;
	bool started;
	int epfd, tfd;
	int ep_paused;			/* epoll while paused: timer, stop, cfd */
	int cfd;			/* eventfd: chunks came back */
	int fds[COLLECT_MAX_LISTEN];
	uint32_t ovfl_last[COLLECT_MAX_LISTEN];
	struct flow_decoder *dec;
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	struct sockaddr_storage names[RECV_BATCH];
	char ctrl[RECV_BATCH][64];
	uint8_t *bufs;			/* RECV_BATCH * RECV_BUFSZ */
	/* the datagrams of the last recvmmsg not yet decoded (paused) */
	unsigned bl_li;
	int bl_next, bl_n;
	int64_t bl_ms;
	bool paused;
	uint64_t pause_ns;		/* when the pause began */
	struct chunk *cur;
	struct chunk *chunks;		/* the allocation, for free() */
	size_t nchunks;
	pthread_mutex_t free_mu;
	struct chunk *free;		/* free_mu */
	atomic_size_t nfree;		/* written under free_mu */
	size_t wake_free;		/* free_mu: signal cfd at this many free
					   chunks; 0 = nobody waits */
	struct recv_stats st;
	struct log_rl rl;
	/* published once a second, read by the main thread */
	pthread_mutex_t snap_mu;
	struct recv_stats snap_st;
	struct flow_totals snap_tot;
	struct exp_snap *snap;
	size_t nsnap, snap_cap;
};

/* One store pipeline: the queue of receive thread @idx and its store. */
struct store_pipe {
	struct collector *c;
	unsigned idx;
	pthread_mutex_t q_mu;
	struct chunk *q_head, *q_tail;
	size_t q_len;
	int q_efd;
	pthread_t tid;
	bool started;
	atomic_bool stop;
	struct store *store;
	struct store_stats st;		/* published by the store thread (q_mu) */
};

struct collector {
	struct collect_cfg cfg;
	char stats_path[4200];
	unsigned nthreads;
	struct recv_thread *rt;
	atomic_bool stopping;
	int stop_efd;			/* wakes every receive thread */
	struct store_pipe *sp;		/* one per receive thread */
	unsigned nstores;
	int64_t start_ms;
	bool steering;			/* cBPF steers by exporter */
	uint32_t store_delay_us;	/* test knob: store sleeps per chunk */
};

/* listen.c: the sockets of thread @t for every listener.
 * Return: 0, or -1 (logged). */
int listen_open_all(struct collector *c);
/* recv.c */
int recv_threads_alloc(struct collector *c);
int recv_threads_start(struct collector *c);
void recv_threads_free(struct collector *c);
void recv_threads_stop(struct collector *c);
void recv_return_chunk(struct collector *c, struct chunk *ch);
/* stats.c: merged statistics as JSON into @b. */
struct wbuf;
void stats_json(struct collector *c, struct wbuf *b);
int stats_write_file(struct collector *c);
/* collector.c: the store statistics summed over the pipelines, and the
 * chunks queued. */
void store_stats_sum(struct collector *c, struct store_stats *st, size_t *qlen);

#endif
