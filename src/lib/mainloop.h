/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mainloop.h - a daemon's main thread on lib/evloop: signals (signalfd), a
 * periodic tick (timerfd) and any other fds, each with a callback
 *
 * mainloop_init() blocks SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGPIPE in
 * the calling thread; call it before starting other threads so they
 * inherit the mask and the signals reach the loop.
 */
#ifndef WS_MAINLOOP_H
#define WS_MAINLOOP_H

#include <stdint.h>

#include "lib/evloop.h"

#define MAINLOOP_MAX_FDS 32

typedef void (*mainloop_fn)(void *arg);
typedef void (*mainloop_sig_fn)(void *arg, int sig);
typedef void (*mainloop_fd_fn)(void *arg, int fd, uint32_t events);

struct mainloop {
	struct evloop loop;
	int sfd, tfd;
	mainloop_fn on_tick;		/* every tick_ms */
	mainloop_sig_fn on_signal;	/* SIGHUP, SIGUSR1 */
	void *arg;
	struct {
		int fd;
		mainloop_fd_fn fn;
		void *arg;
	} fds[MAINLOOP_MAX_FDS];
	unsigned nfds;
};

/* Return: 0, or -1 with errno set. */
int mainloop_init(struct mainloop *m, unsigned tick_ms, mainloop_fn on_tick,
		  mainloop_sig_fn on_signal, void *arg);
/* Watch @fd for @events (EPOLLIN...). Return: 0, or -1 (full, or epoll). */
int mainloop_add_fd(struct mainloop *m, int fd, uint32_t events,
		    mainloop_fd_fn fn, void *arg);
/* Run until SIGINT or SIGTERM. Return: that signal's number. */
int mainloop_run(struct mainloop *m);
void mainloop_free(struct mainloop *m);

#endif
