/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * evloop.h - one epoll loop per thread: typed references, timerfd timers,
 * signalfd
 *
 * Every registered descriptor carries a 64-bit reference packing a small
 * type (which module owns it), the descriptor and an index into the
 * owner's table, so the loop dispatches with one switch on the type and
 * the owner finds its object without a lookup.
 */
#ifndef WS_EVLOOP_H
#define WS_EVLOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct evloop {
	int epfd;
};

/* Pack/unpack a typed reference (type 0..255, fd 0..2^24-1, idx 32 bits). */
static inline uint64_t ev_ref(unsigned type, int fd, uint32_t idx)
{
	return (uint64_t)(type & 0xff) << 56 | (uint64_t)((uint32_t)fd & 0xffffff) << 32 | idx;
}
static inline unsigned ev_ref_type(uint64_t ref) { return (unsigned)(ref >> 56); }
static inline int ev_ref_fd(uint64_t ref) { return (int)((ref >> 32) & 0xffffff); }
static inline uint32_t ev_ref_idx(uint64_t ref) { return (uint32_t)ref; }

/* Return: 0, or -errno when epoll_create1 failed. */
int ev_init(struct evloop *l);
void ev_close(struct evloop *l);
/* Register @fd for @events (EPOLLIN...) with reference @ref.
 * Return: 0, or -errno (e.g. -EBADF, -EEXIST, or -EINVAL for fd >= 2^24). */
int ev_add(struct evloop *l, int fd, uint32_t events, uint64_t ref);
/* Return: 0, or -errno. */
int ev_del(struct evloop *l, int fd);
/*
 * Wait for events. Return: the number of events (0 on timeout or when a
 * signal interrupted the wait), or -errno.
 */
int ev_wait(struct evloop *l, struct epoll_event *evs, int max, int timeout_ms);

/* A non-blocking CLOCK_MONOTONIC timerfd. Return: the fd, or -errno. */
int ev_timer_new(void);
/* Arm @tfd to fire once at absolute monotonic time @at_ns (0 disarms;
 * a time in the past fires at once). Return: 0, or -errno. */
int ev_timer_at(int tfd, uint64_t at_ns);
/* Fire every @period_ns starting @period_ns from now. Return: 0, or -errno. */
int ev_timer_every(int tfd, uint64_t period_ns);
/* Consume expirations. Return: how many expirations were pending (0 if none). */
uint64_t ev_timer_read(int tfd);

/*
 * Block @sigs (a 0-terminated list) and return a non-blocking signalfd
 * delivering them. Return: the fd, or -errno.
 */
int ev_signalfd(const int *sigs);
/* Read one pending signal from @sfd. Return: its number, or 0 if none. */
int ev_signal_read(int sfd);

#endif
