/* SPDX-License-Identifier: BSD-2-Clause */
/* mainloop.c - signals, a periodic tick and fds on one epoll */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lib/mainloop.h"

enum { ML_SIG = -1, ML_TICK = -2 };

int mainloop_init(struct mainloop *m, unsigned tick_ms, mainloop_fn on_tick,
		  mainloop_sig_fn on_signal, void *arg)
{
	struct itimerspec its;
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;

	memset(m, 0, sizeof(*m));
	m->epfd = m->sfd = m->tfd = -1;
	m->on_tick = on_tick;
	m->on_signal = on_signal;
	m->arg = arg;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	sigdelset(&set, SIGPIPE);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	m->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->epfd < 0 || m->sfd < 0 || m->tfd < 0)
		goto fail;
	if (!tick_ms)
		tick_ms = 1000;
	its.it_interval.tv_sec = tick_ms / 1000;
	its.it_interval.tv_nsec = (long)(tick_ms % 1000) * 1000000;
	its.it_value = its.it_interval;
	if (timerfd_settime(m->tfd, 0, &its, NULL) < 0)
		goto fail;
	ev.data.u64 = (uint64_t)(int64_t)ML_SIG;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->sfd, &ev) < 0)
		goto fail;
	ev.data.u64 = (uint64_t)(int64_t)ML_TICK;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->tfd, &ev) < 0)
		goto fail;
	return 0;
fail:
	mainloop_free(m);
	return -1;
}

int mainloop_add_fd(struct mainloop *m, int fd, uint32_t events,
		    mainloop_fd_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events };

	if (m->nfds == MAINLOOP_MAX_FDS) {
		errno = ENOSPC;
		return -1;
	}
	ev.data.u64 = m->nfds;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	m->fds[m->nfds].fd = fd;
	m->fds[m->nfds].fn = fn;
	m->fds[m->nfds].arg = arg;
	m->nfds++;
	return 0;
}

int mainloop_run(struct mainloop *m)
{
	for (;;) {
		struct epoll_event ev[8];
		int n = epoll_wait(m->epfd, ev, 8, -1), i;

		if (n < 0 && errno != EINTR)
			return SIGTERM;
		for (i = 0; i < n; i++) {
			int64_t id = (int64_t)ev[i].data.u64;

			if (id == ML_SIG) {
				struct signalfd_siginfo si;

				while (read(m->sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
						return (int)si.ssi_signo;
					if (m->on_signal)
						m->on_signal(m->arg, (int)si.ssi_signo);
				}
			} else if (id == ML_TICK) {
				uint64_t x;

				if (read(m->tfd, &x, sizeof(x)) == sizeof(x) && m->on_tick)
					m->on_tick(m->arg);
			} else if (id >= 0 && (uint64_t)id < m->nfds) {
				m->fds[id].fn(m->fds[id].arg, m->fds[id].fd, ev[i].events);
			}
		}
	}
}

void mainloop_free(struct mainloop *m)
{
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->sfd >= 0)
		close(m->sfd);
	if (m->tfd >= 0)
		close(m->tfd);
	m->epfd = m->sfd = m->tfd = -1;
}
