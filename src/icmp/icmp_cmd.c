/* SPDX-License-Identifier: BSD-2-Clause */
/* icmp_cmd.c - what the ICMP subcommands share: statistics, event loop, helpers */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "icmp/icmptool.h"

volatile sig_atomic_t icmptool_stop;

void rtt_add(struct rtt_stats *s, double ms)
{
	double d;

	s->n++;
	s->last = ms;
	if (s->n == 1 || ms < s->min)
		s->min = ms;
	if (s->n == 1 || ms > s->max)
		s->max = ms;
	d = ms - s->mean;
	s->mean += d / (double)s->n;
	s->m2 += d * (ms - s->mean);
}

double rtt_mdev(const struct rtt_stats *s)
{
	return s->n ? sqrt(s->m2 / (double)s->n) : 0;
}

double rtt_stddev(const struct rtt_stats *s)
{
	return s->n > 1 ? sqrt(s->m2 / (double)(s->n - 1)) : 0;
}

const char *rtt_fmt(double ms, char *buf, size_t len)
{
	if (ms >= 100)
		snprintf(buf, len, "%.0f", ms);
	else if (ms >= 10)
		snprintf(buf, len, "%.1f", ms);
	else if (ms >= 1)
		snprintf(buf, len, "%.2f", ms);
	else
		snprintf(buf, len, "%.3f", ms);
	return buf;
}

const char *loss_fmt(uint64_t sent, uint64_t recvd, char *buf, size_t len)
{
	double pct;

	if (!sent || recvd >= sent) {
		snprintf(buf, len, "0");
		return buf;
	}
	pct = 100.0 * (double)(sent - recvd) / (double)sent;
	snprintf(buf, len, "%g", pct);
	return buf;
}

/* ---- Loop ---- */

static void on_signal(int sig)
{
	(void)sig;
	icmptool_stop = 1;
}

int icmptool_loop_init(struct icmptool_loop *l, int sock_fd, int in_fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLERR };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->ep < 0 || l->tfd < 0)
		goto fail;
	ev.data.u32 = ICMPTOOL_EV_SOCK;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, sock_fd, &ev) < 0)
		goto fail;
	ev.events = EPOLLIN;
	ev.data.u32 = ICMPTOOL_EV_TIMER;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->tfd, &ev) < 0)
		goto fail;
	ev.data.u32 = ICMPTOOL_EV_INPUT;
	if (in_fd >= 0 && epoll_ctl(l->ep, EPOLL_CTL_ADD, in_fd, &ev) < 0)
		goto fail;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &l->waitmask);
	sigdelset(&l->waitmask, SIGINT);
	sigdelset(&l->waitmask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return 0;
fail:
	{
		int e = errno;

		icmptool_loop_close(l);
		return -e;
	}
}

void icmptool_loop_close(struct icmptool_loop *l)
{
	if (l->ep >= 0)
		close(l->ep);
	if (l->tfd >= 0)
		close(l->tfd);
	l->ep = l->tfd = -1;
}

int icmptool_loop_wait(struct icmptool_loop *l, int64_t deadline_ns)
{
	struct itimerspec its = { 0 };
	struct epoll_event ev[4];
	int n, i, mask = 0;
	uint64_t exp;

	if (icmptool_stop)
		return ICMPTOOL_EV_SIGNAL;
	if (deadline_ns > 0) {
		if (deadline_ns <= icmptool_now_ns())
			return ICMPTOOL_EV_TIMER;
		its.it_value.tv_sec = deadline_ns / 1000000000;
		its.it_value.tv_nsec = deadline_ns % 1000000000;
	}
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	n = epoll_pwait(l->ep, ev, 4, -1, &l->waitmask);
	if (n < 0)
		return errno == EINTR ? (icmptool_stop ? ICMPTOOL_EV_SIGNAL : 0) : -errno;
	for (i = 0; i < n; i++)
		mask |= (int)ev[i].data.u32;
	if (mask & ICMPTOOL_EV_TIMER)
		while (read(l->tfd, &exp, sizeof(exp)) > 0)
			;
	if (icmptool_stop)
		mask |= ICMPTOOL_EV_SIGNAL;
	return mask;
}

int64_t icmptool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t icmptool_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int icmptool_open(const char *cmd, struct icmpsock *s, int family, const struct ip_addr *src)
{
	struct icmpsock_perm p;
	char msg[1024];
	int r;

	r = icmpsock_open(s, family, src, 0, 0);
	if (r == -EACCES || r == -EPERM) {
		if (icmpsock_perm_check(&p) < 0)
			memset(&p, 0, sizeof(p));
		icmpsock_perm_explain(&p, msg, sizeof(msg));
		fprintf(stderr, "wanscope: %s: cannot open an ICMP%s socket: %s\n%s\n", cmd,
			family == AF_INET6 ? "v6" : "", strerror(-r), msg);
	} else if (r == -EADDRNOTAVAIL && src) {
		char a[IP_ADDR_STRLEN];

		ip_addr_fmt(src, a);
		fprintf(stderr, "wanscope: %s: source address %s is not on this host\n", cmd, a);
	} else if (r < 0) {
		fprintf(stderr, "wanscope: %s: cannot open an ICMP%s socket: %s\n", cmd,
			family == AF_INET6 ? "v6" : "", strerror(-r));
	}
	return r;
}

void icmptool_addr_str(const struct ip_addr *a, bool resolve, char *buf, size_t len)
{
	char num[IP_ADDR_STRLEN], name[256];

	ip_addr_fmt(a, num);
	if (!resolve) {
		snprintf(buf, len, "%s", num);
		return;
	}
	icmpsock_rdns(a, name, sizeof(name));
	if (!strcmp(name, num))
		snprintf(buf, len, "%s", num);
	else
		snprintf(buf, len, "%s (%s)", name, num);
}
