/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * recv.c - receive threads: recvmmsg, allow-list, decode, chunk hand-off
 *
 * Each thread owns its sockets (one per listener), its decoder and its
 * chunks; see collect_int.h for the hand-offs. The packet path does no
 * allocation and takes no lock per record: records are copied into the
 * current chunk, and a lock is taken once per chunk.
 */
#include <errno.h>
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

enum { EV_SOCK = 0, EV_TIMER = 1000, EV_STOP = 1001 };

static struct chunk *chunk_get(struct recv_thread *t)
{
	struct chunk *ch;

	pthread_mutex_lock(&t->free_mu);
	ch = t->free;
	if (ch)
		t->free = ch->next;
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

	pthread_mutex_lock(&t->free_mu);
	ch->next = t->free;
	t->free = ch;
	pthread_mutex_unlock(&t->free_mu);
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

/* Decoder sink: copy flow records into chunks. */
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
			t->cur = chunk_get(t);
			/* stopping: the store is draining, wait for a chunk
			 * rather than lose what was received */
			for (int w = 0; !t->cur && atomic_load(&t->c->stopping) && w < 10000; w++) {
				usleep(1000);
				t->cur = chunk_get(t);
			}
			if (!t->cur) {
				t->st.queue_drops += n - i;
				log_warnx_rl(&t->rl, "collect: thread %u: store queue full "
					     "(the store cannot keep up): dropping records "
					     "(queue_drops %llu)", t->idx,
					     (unsigned long long)t->st.queue_drops);
				for (i++; i < n; i++)
					if (recs[i].type != FLOW_REC_FLOW)
						t->st.counter_records++;
					else
						t->st.records++;
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

/* Receive until the socket is empty. */
static void sock_drain(struct recv_thread *t, unsigned li)
{
	struct collector *c = t->c;
	int fd = t->fds[li];
	int i, n, rounds = 0;

	do {
		int64_t now;

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
			return;
		}
		now = time_real_ms();
		for (i = 0; i < n; i++) {
			struct msghdr *h = &t->msgs[i].msg_hdr;
			struct cmsghdr *cm;
			struct flow_pkt p;
			enum flow_err fe;

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
			p.recv_ms = now;
			fe = flow_decode(t->dec, &p, FLOW_PROTO_NONE);
			if (fe == FE_OK) {
				t->st.decode_ok++;
			} else {
				t->st.decode_failed++;
				t->st.rejected[(unsigned)fe < FE__COUNT ? fe : FE_VERSION]++;
			}
		}
	} while (n == RECV_BATCH && ++rounds < 64);
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
	pthread_mutex_unlock(&t->snap_mu);
}

static void *recv_main(void *arg)
{
	struct recv_thread *t = arg;
	struct collector *c = t->c;
	struct epoll_event ev[16];
	sigset_t all;
	unsigned i;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&c->stopping)) {
		int n = epoll_wait(t->epfd, ev, 16, 1000), k;

		for (k = 0; k < n; k++) {
			uint32_t id = ev[k].data.u32;

			if (id < COLLECT_MAX_LISTEN) {
				sock_drain(t, id);
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
	/* stop: take what the kernel still holds, then flush the decoder */
	for (i = 0; i < c->cfg.nlisten; i++)
		sock_drain(t, i);
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
	t->epfd = t->tfd = t->efd = -1;
	for (i = 0; i < COLLECT_MAX_LISTEN; i++)
		t->fds[i] = -1;
	pthread_mutex_init(&t->free_mu, NULL);
	pthread_mutex_init(&t->snap_mu, NULL);
	if (nchunks < 2)
		nchunks = 2;
	t->dec = flow_decoder_new(&dc, sink, t);
	t->bufs = malloc((size_t)RECV_BATCH * RECV_BUFSZ);
	t->chunks = calloc(nchunks, sizeof(struct chunk));
	if (!t->dec || !t->bufs || !t->chunks)
		return -1;
	for (i = 0; i < nchunks; i++) {
		t->chunks[i].owner = (uint16_t)idx;
		t->chunks[i].next = t->free;
		t->free = &t->chunks[i];
	}
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
		t->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (t->epfd < 0 || t->tfd < 0 || timerfd_settime(t->tfd, 0, &its, NULL) < 0) {
			log_warn("collect: epoll/timerfd");
			return -1;
		}
		for (l = 0; l < c->cfg.nlisten; l++) {
			ev.data.u32 = l;
			if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->fds[l], &ev) < 0)
				return -1;
		}
		ev.data.u32 = EV_TIMER;
		if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->tfd, &ev) < 0)
			return -1;
		ev.data.u32 = EV_STOP;
		if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, c->stop_efd, &ev) < 0)
			return -1;
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

		for (l = 0; l < COLLECT_MAX_LISTEN; l++)
			if (t->fds[l] >= 0)
				close(t->fds[l]);
		if (t->epfd >= 0)
			close(t->epfd);
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
