/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * recv.c - receive threads: recvmmsg, allow-list, decode, chunk hand-off
 *
 * Each thread owns its sockets (one per listener), its decoder and its
 * chunks; see collect_int.h for the hand-offs. The packet path does no
 * allocation and takes no lock per record: records are copied into the
 * current chunk, and a lock is taken once per chunk.
 *
 * Theory of operation: back-pressure
 *
 * The store may fall behind (a CPU taken by another job, a slow disk).
 * Records the thread has decoded but cannot queue would be lost, while
 * the socket buffer (tens of MiB) sits empty. So the thread decodes a
 * datagram only when its free chunks hold the most flow records that
 * datagram can give (dgram_bound: 30 for NetFlow v5, a sample per 8
 * bytes for sFlow, a record per byte for v9 and IPFIX, whose templates
 * can make records that small). When they do not, it hands its partial
 * chunk to the store, keeps the rest of the recvmmsg batch in its
 * buffers, and sleeps in an epoll set without its sockets (ep_paused)
 * until recv_return_chunk() has given back enough chunks (a quarter of
 * them, or the bound, whichever is more, so that reading resumes in
 * big batches) and signals the eventfd cfd. Meanwhile datagrams wait in
 * the socket buffer; when it overflows the kernel drops and counts them
 * (SO_RXQ_OVFL, kernel_drops). The wake-up cannot be lost: the thread
 * sets wake_free and the store tests it under the same lock.
 *
 * The bound does not cover data a template releases (v9/IPFIX records
 * that arrived before their template are decoded when it comes), nor a
 * datagram that decodes into more than the whole queue. Then the sink
 * waits for a chunk on cfd, up to RECV_WAIT_MS, and only if the store
 * returns none in that time are records dropped (queue_drops).
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "collect/collect_int.h"
#include "lib/timeutil.h"

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

enum { EV_SOCK = 0, EV_TIMER = 1000, EV_STOP = 1001, EV_CHUNK = 1002 };

/* Take a free chunk; when there is none and @wake, ask for a signal on
 * cfd when one comes back. Return: the chunk, or NULL. */
static struct chunk *chunk_get(struct recv_thread *t, bool wake)
{
	struct chunk *ch;

	pthread_mutex_lock(&t->free_mu);
	ch = t->free;
	if (ch) {
		t->free = ch->next;
		atomic_store_explicit(&t->nfree, atomic_load_explicit(&t->nfree,
				      memory_order_relaxed) - 1, memory_order_relaxed);
	} else if (wake) {
		t->wake_free = 1;
	}
	pthread_mutex_unlock(&t->free_mu);
	if (ch) {
		ch->n = 0;
		ch->next = NULL;
	}
	return ch;
}

void recv_return_chunk(struct collector *c, struct chunk *ch)
{
	struct recv_thread *t = &c->rt[ch->owner];
	uint64_t one = 1;
	size_t n;
	bool wake = false;

	pthread_mutex_lock(&t->free_mu);
	ch->next = t->free;
	t->free = ch;
	n = atomic_load_explicit(&t->nfree, memory_order_relaxed) + 1;
	atomic_store_explicit(&t->nfree, n, memory_order_relaxed);
	if (t->wake_free && n >= t->wake_free) {
		t->wake_free = 0;
		wake = true;
	}
	pthread_mutex_unlock(&t->free_mu);
	if (wake && write(t->cfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("collect: waking receive thread %u", t->idx);
}

static void cfd_clear(struct recv_thread *t)
{
	uint64_t x;

	if (read(t->cfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
		log_warn("collect: receive thread %u: eventfd", t->idx);
}

/* Wait up to RECV_WAIT_MS for a free chunk. Return: the chunk, or NULL. */
static struct chunk *chunk_wait(struct recv_thread *t)
{
	uint64_t end = time_mono_ms() + RECV_WAIT_MS, now;
	struct pollfd pfd = { .fd = t->cfd, .events = POLLIN };
	struct chunk *ch;

	while (!(ch = chunk_get(t, true)) && (now = time_mono_ms()) < end) {
		if (poll(&pfd, 1, (int)(end - now)) > 0)
			cfd_clear(t);
	}
	return ch;
}

static void chunk_push(struct recv_thread *t)
{
	struct store_pipe *sp = &t->c->sp[t->idx];
	struct chunk *ch = t->cur;
	uint64_t one = 1;

	if (!ch || !ch->n)
		return;
	t->cur = NULL;
	t->st.queued += ch->n;
	pthread_mutex_lock(&sp->q_mu);
	if (sp->q_tail)
		sp->q_tail->next = ch;
	else
		sp->q_head = ch;
	sp->q_tail = ch;
	sp->q_len++;
	pthread_mutex_unlock(&sp->q_mu);
	if (write(sp->q_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("collect: waking the store");
}

/* Decoder sink: copy flow records into chunks. The room was checked
 * before the datagram was decoded (see the theory of operation). */
static void sink(void *arg, const struct flow_rec *recs, size_t n)
{
	struct recv_thread *t = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		struct flow_rec *r;

		if (recs[i].type != FLOW_REC_FLOW) {
			t->st.counter_records++;
			continue;
		}
		t->st.records++;
		if (!t->cur || t->cur->n == CHUNK_RECS) {
			chunk_push(t);
			t->cur = chunk_get(t, false);
			if (!t->cur) {
				/* more records than the bound allowed for */
				t->st.queue_waits++;
				t->cur = chunk_wait(t);
			}
			if (!t->cur) {
				t->st.queue_drops++;
				for (i++; i < n; i++) {
					if (recs[i].type != FLOW_REC_FLOW) {
						t->st.counter_records++;
					} else {
						t->st.records++;
						t->st.queue_drops++;
					}
				}
				log_warnx_rl(&t->rl, "collect: thread %u: store queue full "
					     "(no chunk came back for %d ms): dropping records "
					     "(queue_drops %llu)", t->idx, RECV_WAIT_MS,
					     (unsigned long long)t->st.queue_drops);
				return;
			}
		}
		/* everything but the interface counters (flow records have none) */
		r = &t->cur->rec[t->cur->n++];
		memcpy(r, &recs[i], offsetof(struct flow_rec, ctr));
		r->n_extra = 0;
		r->extra = NULL;
	}
}

static bool allowed(const struct collector *c, const struct ip_addr *a)
{
	unsigned i;

	if (!c->cfg.nallow)
		return true;
	for (i = 0; i < c->cfg.nallow; i++)
		if (ip_prefix_contains(&c->cfg.allow[i], a))
			return true;
	return false;
}

/* The most flow records decoding @len bytes can give (see the theory of
 * operation; data released by a template is not included). */
static size_t dgram_bound(const uint8_t *p, size_t len)
{
	switch (flow_proto_detect(p, len)) {
	case FLOW_PROTO_NF5:
		return 30;			/* the decoder refuses more */
	case FLOW_PROTO_NF9:
		return len > 20 ? len - 20 : 0;	/* records of one byte */
	case FLOW_PROTO_IPFIX:
		return len > 16 ? len - 16 : 0;
	case FLOW_PROTO_SFLOW5:
		return len / 8 < 1024 ? len / 8 : 1024;	/* SFLOW_MAX_SAMPLES */
	default:
		return 0;
	}
}

/* Records the thread can queue without waiting. */
static size_t room(const struct recv_thread *t)
{
	size_t r = atomic_load_explicit(&t->nfree, memory_order_relaxed) * CHUNK_RECS;

	if (t->cur)
		r += CHUNK_RECS - t->cur->n;
	return r;
}

/* Room for @need records (at most the whole queue)? If not, hand the
 * partial chunk to the store (so that every chunk can come back) and ask
 * for a signal on cfd when enough chunks are free. Return: true when
 * there is room now. */
static bool room_ask(struct recv_thread *t, size_t need)
{
	size_t cap = t->nchunks * CHUNK_RECS, want;
	bool ok;

	if (need > cap)
		need = cap;
	if (room(t) >= need)
		return true;
	if (t->cur && !t->cur->n) {
		recv_return_chunk(t->c, t->cur);
		t->cur = NULL;
	}
	chunk_push(t);
	/* now room = free chunks; resume with a quarter of them back, for
	 * big batches, or the bound if that is more */
	need = (need + CHUNK_RECS - 1) / CHUNK_RECS;
	want = t->nchunks / 4 > need ? t->nchunks / 4 : need;
	pthread_mutex_lock(&t->free_mu);
	ok = atomic_load_explicit(&t->nfree, memory_order_relaxed) >= need;
	t->wake_free = ok ? 0 : want;
	pthread_mutex_unlock(&t->free_mu);
	return ok;
}

/* Stopping: wait (up to RECV_WAIT_MS) for room for @need records. */
static void room_wait(struct recv_thread *t, size_t need)
{
	uint64_t end = time_mono_ms() + RECV_WAIT_MS, now;
	struct pollfd pfd = { .fd = t->cfd, .events = POLLIN };

	while (!room_ask(t, need) && (now = time_mono_ms()) < end) {
		if (poll(&pfd, 1, (int)(end - now)) > 0)
			cfd_clear(t);
	}
}

/* Decode the datagrams of the last batch from bl_next on. With @wait
 * (stopping), wait for room; else stop when there is none.
 * Return: true when the batch is done, false when paused for room. */
static bool batch_decode(struct recv_thread *t, bool wait)
{
	struct collector *c = t->c;
	unsigned li = t->bl_li;

	while (t->bl_next < t->bl_n) {
		int i = t->bl_next;
		struct msghdr *h = &t->msgs[i].msg_hdr;
		struct cmsghdr *cm;
		struct flow_pkt p;
		size_t need;
		enum flow_err fe;

		need = dgram_bound(h->msg_iov->iov_base, t->msgs[i].msg_len);
		if (room(t) < need) {
			if (wait)
				room_wait(t, need);
			else if (!room_ask(t, need))
				return false;
		}
		t->bl_next++;
		for (cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
				uint32_t v;

				memcpy(&v, CMSG_DATA(cm), sizeof(v));
				t->st.kernel_drops += (uint32_t)(v - t->ovfl_last[li]);
				t->ovfl_last[li] = v;
			}
		}
		t->st.packets++;
		t->st.bytes += t->msgs[i].msg_len;
		if (h->msg_flags & MSG_TRUNC) {
			t->st.truncated++;
			continue;
		}
		memset(&p, 0, sizeof(p));
		if (ip_addr_from_sockaddr(h->msg_name, &p.src, &p.sport) < 0)
			continue;
		if (!allowed(c, &p.src)) {
			t->st.not_allowed++;
			continue;
		}
		p.data = h->msg_iov->iov_base;
		p.len = t->msgs[i].msg_len;
		p.recv_ms = t->bl_ms;
		fe = flow_decode(t->dec, &p, FLOW_PROTO_NONE);
		if (fe == FE_OK) {
			t->st.decode_ok++;
		} else {
			t->st.decode_failed++;
			t->st.rejected[(unsigned)fe < FE__COUNT ? fe : FE_VERSION]++;
		}
	}
	return true;
}

static void pause_begin(struct recv_thread *t)
{
	t->paused = true;
	t->pause_ns = time_mono_ns();
	t->st.pauses++;
}

static void pause_end(struct recv_thread *t)
{
	t->paused = false;
	t->st.paused_ns += time_mono_ns() - t->pause_ns;
}

/* Receive until the socket is empty (at most @rounds batches), or until
 * the queue has no room (then paused, unless @wait).
 * Return: true when the socket is empty (or failed). */
static bool sock_drain(struct recv_thread *t, unsigned li, bool wait, int rounds)
{
	struct collector *c = t->c;
	int fd = t->fds[li];
	int i, n;

	do {
		for (i = 0; i < RECV_BATCH; i++) {
			t->iov[i].iov_base = t->bufs + (size_t)i * RECV_BUFSZ;
			t->iov[i].iov_len = RECV_BUFSZ;
			t->msgs[i].msg_hdr.msg_iov = &t->iov[i];
			t->msgs[i].msg_hdr.msg_iovlen = 1;
			t->msgs[i].msg_hdr.msg_name = &t->names[i];
			t->msgs[i].msg_hdr.msg_namelen = sizeof(t->names[i]);
			t->msgs[i].msg_hdr.msg_control = t->ctrl[i];
			t->msgs[i].msg_hdr.msg_controllen = sizeof(t->ctrl[i]);
			t->msgs[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(fd, t->msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				log_warnx_rl(&t->rl, "collect: %s: recvmmsg: %s",
					     c->cfg.listen[li].url, strerror(errno));
			return true;
		}
		t->bl_li = li;
		t->bl_next = 0;
		t->bl_n = n;
		t->bl_ms = time_real_ms();
		if (!batch_decode(t, wait)) {
			pause_begin(t);
			return false;
		}
	} while (n == RECV_BATCH && --rounds > 0);
	return n < RECV_BATCH;
}

static void snap_cb(void *arg, const struct ip_addr *exporter, enum flow_proto proto,
		    uint32_t domain, const struct flow_exp_stats *st)
{
	struct recv_thread *t = arg;
	struct exp_snap *e;

	if (t->nsnap == t->snap_cap) {
		size_t cap = t->snap_cap ? t->snap_cap * 2 : 64;
		struct exp_snap *p = realloc(t->snap, cap * sizeof(*p));

		if (!p)
			return;
		t->snap = p;
		t->snap_cap = cap;
	}
	e = &t->snap[t->nsnap++];
	e->addr = *exporter;
	e->proto = proto;
	e->domain = domain;
	e->thread = (uint16_t)t->idx;
	e->st = *st;
}

static void publish(struct recv_thread *t)
{
	pthread_mutex_lock(&t->snap_mu);
	t->nsnap = 0;
	flow_decoder_foreach(t->dec, snap_cb, t);
	flow_decoder_totals(t->dec, &t->snap_tot);
	t->snap_st = t->st;
	if (t->paused)
		t->snap_st.paused_ns += time_mono_ns() - t->pause_ns;
	pthread_mutex_unlock(&t->snap_mu);
}

static void *recv_main(void *arg)
{
	struct recv_thread *t = arg;
	struct collector *c = t->c;
	struct epoll_event ev[16];
	sigset_t all;
	uint64_t end;
	unsigned i;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&c->stopping)) {
		int n = epoll_wait(t->paused ? t->ep_paused : t->epfd, ev, 16, 1000), k;

		for (k = 0; k < n; k++) {
			uint32_t id = ev[k].data.u32;

			if (id < COLLECT_MAX_LISTEN) {
				if (!t->paused)
					sock_drain(t, id, false, 64);
			} else if (id == EV_CHUNK) {
				cfd_clear(t);
				/* chunks are back: finish the batch, then the
				 * sockets are read again */
				if (t->paused && batch_decode(t, false))
					pause_end(t);
			} else if (id == EV_TIMER) {
				uint64_t x;

				if (read(t->tfd, &x, sizeof(x)) < 0)
					continue;
				flow_decoder_tick(t->dec, time_real_ms());
				chunk_push(t);
				publish(t);
			}
		}
		if (t->cur && t->cur->n == CHUNK_RECS)
			chunk_push(t);
	}
	/* stop: decode the rest of the batch, take what the kernel still
	 * holds (the store is still running, so wait for room), then flush
	 * the decoder */
	if (t->paused)
		pause_end(t);
	batch_decode(t, true);
	end = time_mono_ms() + RECV_STOP_DRAIN_MS;
	for (i = 0; i < c->cfg.nlisten; i++)
		while (!sock_drain(t, i, true, 64) && time_mono_ms() < end)
			;
	flow_decoder_flush(t->dec);
	chunk_push(t);
	publish(t);
	return NULL;
}

static int thread_init(struct collector *c, struct recv_thread *t, unsigned idx)
{
	struct flow_decoder_cfg dc = {
		.sampling_override = c->cfg.sampling_override,
		.default_sampling = c->cfg.default_sampling,
		.nsampling_rules = c->cfg.nsampling_rules,
	};
	struct log_rl rl = LOG_RL_INIT(10000, 2);
	size_t nchunks = c->cfg.queue_records / CHUNK_RECS / c->nthreads, i;

	memcpy(dc.sampling_rules, c->cfg.sampling_rules,
	       c->cfg.nsampling_rules * sizeof(dc.sampling_rules[0]));
	t->c = c;
	t->idx = idx;
	t->rl = rl;
	t->epfd = t->tfd = t->ep_paused = t->cfd = -1;
	for (i = 0; i < COLLECT_MAX_LISTEN; i++)
		t->fds[i] = -1;
	pthread_mutex_init(&t->free_mu, NULL);
	pthread_mutex_init(&t->snap_mu, NULL);
	if (nchunks < 2)
		nchunks = 2;
	t->dec = flow_decoder_new(&dc, sink, t);
	t->bufs = malloc((size_t)RECV_BATCH * RECV_BUFSZ);
	t->chunks = calloc(nchunks, sizeof(struct chunk));
	t->cfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!t->dec || !t->bufs || !t->chunks || t->cfd < 0)
		return -1;
	for (i = 0; i < nchunks; i++) {
		t->chunks[i].owner = (uint16_t)idx;
		t->chunks[i].next = t->free;
		t->free = &t->chunks[i];
	}
	t->nchunks = nchunks;
	atomic_store(&t->nfree, nchunks);
	return 0;
}

int recv_threads_alloc(struct collector *c)
{
	unsigned i;

	c->rt = calloc(c->nthreads, sizeof(*c->rt));
	if (!c->rt)
		return -1;
	for (i = 0; i < c->nthreads; i++)
		if (thread_init(c, &c->rt[i], i) < 0)
			return -1;
	return 0;
}

int recv_threads_start(struct collector *c)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	unsigned i, l;

	for (i = 0; i < c->nthreads; i++) {
		struct recv_thread *t = &c->rt[i];
		struct epoll_event ev = { .events = EPOLLIN };

		t->epfd = epoll_create1(EPOLL_CLOEXEC);
		t->ep_paused = epoll_create1(EPOLL_CLOEXEC);
		t->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (t->epfd < 0 || t->ep_paused < 0 || t->tfd < 0 ||
		    timerfd_settime(t->tfd, 0, &its, NULL) < 0) {
			log_warn("collect: epoll/timerfd");
			return -1;
		}
		for (l = 0; l < c->cfg.nlisten; l++) {
			ev.data.u32 = l;
			if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->fds[l], &ev) < 0)
				return -1;
		}
		/* both sets: the timer, the stop event and the chunks */
		for (int *ep = (int[]){ t->epfd, t->ep_paused, -1 }; *ep >= 0; ep++) {
			ev.data.u32 = EV_TIMER;
			if (epoll_ctl(*ep, EPOLL_CTL_ADD, t->tfd, &ev) < 0)
				return -1;
			ev.data.u32 = EV_STOP;
			if (epoll_ctl(*ep, EPOLL_CTL_ADD, c->stop_efd, &ev) < 0)
				return -1;
			ev.data.u32 = EV_CHUNK;
			if (epoll_ctl(*ep, EPOLL_CTL_ADD, t->cfd, &ev) < 0)
				return -1;
		}
		if (pthread_create(&t->tid, NULL, recv_main, t)) {
			log_warnx("collect: cannot start receive thread %u", i);
			return -1;
		}
		t->started = true;
	}
	return 0;
}

void recv_threads_stop(struct collector *c)
{
	unsigned i;

	uint64_t one = 1;

	atomic_store(&c->stopping, true);
	if (c->stop_efd >= 0 && write(c->stop_efd, &one, sizeof(one)) < 0)
		log_warn("collect: waking receive threads");
	for (i = 0; c->rt && i < c->nthreads; i++)
		if (c->rt[i].started) {
			pthread_join(c->rt[i].tid, NULL);
			c->rt[i].started = false;
		}
}

void recv_threads_free(struct collector *c)
{
	unsigned i, l;

	for (i = 0; c->rt && i < c->nthreads; i++) {
		struct recv_thread *t = &c->rt[i];

		if (!t->c)		/* thread_init() never ran */
			continue;
		for (l = 0; l < COLLECT_MAX_LISTEN; l++)
			if (t->fds[l] >= 0)
				close(t->fds[l]);
		if (t->epfd >= 0)
			close(t->epfd);
		if (t->ep_paused >= 0)
			close(t->ep_paused);
		if (t->cfd >= 0)
			close(t->cfd);
		if (t->tfd >= 0)
			close(t->tfd);
		flow_decoder_free(t->dec);
		free(t->bufs);
		free(t->chunks);
		free(t->snap);
		pthread_mutex_destroy(&t->free_mu);
		pthread_mutex_destroy(&t->snap_mu);
	}
	free(c->rt);
	c->rt = NULL;
}
