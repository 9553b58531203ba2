/* SPDX-License-Identifier: BSD-2-Clause */
/* mainloop.c - a daemon's main thread on lib/evloop: signals, a periodic tick, fds */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lib/mainloop.h"

enum { ML_SIG = 1, ML_TICK, ML_FD };	/* evloop reference types */

int mainloop_init(struct mainloop *m, unsigned tick_ms, mainloop_fn on_tick,
		  mainloop_sig_fn on_signal, void *arg)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, 0 };
	sigset_t pipe;
	int r;

	memset(m, 0, sizeof(*m));
	m->loop.epfd = m->sfd = m->tfd = -1;
	m->on_tick = on_tick;
	m->on_signal = on_signal;
	m->arg = arg;
	/* SIGPIPE is blocked and never read: a write to a closed peer is an EPIPE. */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &pipe, NULL) < 0)
		return -1;
	if ((r = ev_signalfd(sigs)) < 0)
		goto fail;
	m->sfd = r;
	if ((r = ev_init(&m->loop)) < 0 || (r = ev_timer_new()) < 0)
		goto fail;
	m->tfd = r;
	if ((r = ev_timer_every(m->tfd, (uint64_t)(tick_ms ? tick_ms : 1000) * 1000000u)) < 0 ||
	    (r = ev_add(&m->loop, m->sfd, EPOLLIN, ev_ref(ML_SIG, m->sfd, 0))) < 0 ||
	    (r = ev_add(&m->loop, m->tfd, EPOLLIN, ev_ref(ML_TICK, m->tfd, 0))) < 0)
		goto fail;
	return 0;
fail:
	mainloop_free(m);
	errno = -r;
	return -1;
}

int mainloop_add_fd(struct mainloop *m, int fd, uint32_t events,
		    mainloop_fd_fn fn, void *arg)
{
	int r;

	if (m->nfds == MAINLOOP_MAX_FDS) {
		errno = ENOSPC;
		return -1;
	}
	if ((r = ev_add(&m->loop, fd, events, ev_ref(ML_FD, fd, m->nfds))) < 0) {
		errno = -r;
		return -1;
	}
	m->fds[m->nfds].fd = fd;
	m->fds[m->nfds].fn = fn;
	m->fds[m->nfds].arg = arg;
	m->nfds++;
	return 0;
}

int mainloop_run(struct mainloop *m)
{
	struct epoll_event ev[8];
	uint32_t idx;
	int n, i, sig;

	for (;;) {
		if ((n = ev_wait(&m->loop, ev, 8, -1)) < 0)
			return SIGTERM;
		for (i = 0; i < n; i++) {
			switch (ev_ref_type(ev[i].data.u64)) {
			case ML_SIG:
				while ((sig = ev_signal_read(m->sfd)) != 0) {
					if (sig == SIGINT || sig == SIGTERM)
						return sig;
					if (m->on_signal)
						m->on_signal(m->arg, sig);
				}
				break;
			case ML_TICK:
				if (ev_timer_read(m->tfd) && m->on_tick)
					m->on_tick(m->arg);
				break;
			case ML_FD:
				idx = ev_ref_idx(ev[i].data.u64);
				if (idx < m->nfds)
					m->fds[idx].fn(m->fds[idx].arg, m->fds[idx].fd, ev[i].events);
				break;
			default:
				break;
			}
		}
	}
}

void mainloop_free(struct mainloop *m)
{
	ev_close(&m->loop);
	if (m->sfd >= 0)
		close(m->sfd);
	if (m->tfd >= 0)
		close(m->tfd);
	m->sfd = m->tfd = -1;
}
