/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * icmptool.h - what ping, traceroute and mtr share: RTT statistics, the
 * event loop (epoll + timerfd + signals), socket opening with a clear
 * permission error, output helpers; and their option structs, so option
 * parsing and formatting are unit tested without sockets.
 */
#ifndef WS_ICMPTOOL_H
#define WS_ICMPTOOL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "icmp/icmpsock.h"
#include "lib/addr.h"

/* ---- RTT statistics ---- */

/* Welford's running mean and sum of squared deviations (no cancellation). */
struct rtt_stats {
	uint64_t n;
	double last, min, max, mean, m2;
};

void rtt_add(struct rtt_stats *s, double ms);
/* Population standard deviation: iputils ping's "mdev". 0 when n < 1. */
double rtt_mdev(const struct rtt_stats *s);
/* Sample standard deviation (n - 1): mtr's "StDev". 0 when n < 2. */
double rtt_stddev(const struct rtt_stats *s);

/* iputils-style RTT text: 3 decimals below 1 ms, 2 below 10, 1 below 100,
 * else whole ms. Return: @buf. */
const char *rtt_fmt(double ms, char *buf, size_t len);

/* Percentage loss as ping prints it ("0", "33.3333", "100"). */
const char *loss_fmt(uint64_t sent, uint64_t recvd, char *buf, size_t len);

/* ---- Loop ---- */

/* Set by the SIGINT/SIGTERM handler; the loop returns ICMPTOOL_EV_SIGNAL. */
extern volatile sig_atomic_t icmptool_stop;

enum {
	ICMPTOOL_EV_SOCK = 1,	/* replies or errors may be waiting */
	ICMPTOOL_EV_TIMER = 2,	/* the deadline passed */
	ICMPTOOL_EV_INPUT = 4,	/* @in_fd is readable */
	ICMPTOOL_EV_SIGNAL = 8,	/* SIGINT or SIGTERM arrived */
};

struct icmptool_loop {
	int ep;
	int tfd;
	sigset_t waitmask;	/* signals unblocked only while waiting */
};

/*
 * Watch @sock_fd (input and error queue) and @in_fd (-1: none) and block
 * SIGINT/SIGTERM except while waiting, so no signal is missed.
 * Return: 0, or -errno.
 */
int icmptool_loop_init(struct icmptool_loop *l, int sock_fd, int in_fd);
void icmptool_loop_close(struct icmptool_loop *l);
/* Wait until readiness or @deadline_ns (CLOCK_MONOTONIC; 0 = none).
 * Return: a mask of ICMPTOOL_EV_*, or -errno. */
int icmptool_loop_wait(struct icmptool_loop *l, int64_t deadline_ns);

int64_t icmptool_now_ns(void);	/* CLOCK_MONOTONIC */
int64_t icmptool_real_ns(void);	/* CLOCK_REALTIME, the kernel's timestamp clock */

/*
 * Open the echo socket for @cmd ("ping"). On failure print why on stderr:
 * for a permission failure the full ping_group_range explanation and fix.
 * Return: 0, or -errno (the caller exits with status 2).
 */
int icmptool_open(const char *cmd, struct icmpsock *s, int family, const struct ip_addr *src);

/* An address for output: numeric, or "name (addr)" when @resolve. */
void icmptool_addr_str(const struct ip_addr *a, bool resolve, char *buf, size_t len);

/* ---- ping ---- */

struct ping_opts {
	int family;		/* AF_UNSPEC, AF_INET, AF_INET6 */
	uint64_t count;		/* 0 = until interrupted */
	uint64_t interval_ms;	/* default 1000 */
	uint32_t size;		/* payload bytes, default 56 */
	uint32_t ttl;		/* 0 = system default */
	uint64_t timeout_ms;	/* -W: wait for the last replies, default 10 s */
	uint64_t deadline_ms;	/* -w: 0 = none */
	const char *source;	/* -I */
	bool quiet, json, numeric;
	const char *host;
};

/* Return: 0, 1 when --help was printed, or -1 after a usage message (exit 2). */
int ping_parse_args(int argc, char **argv, struct ping_opts *o);

/* ---- traceroute ---- */

struct trace_opts {
	int family;
	uint32_t first_ttl;	/* -f, default 1 */
	uint32_t max_ttl;	/* -m, default 30 */
	uint32_t nqueries;	/* -q, default 3 */
	uint32_t sim;		/* -N, probes in flight, default 16 */
	uint64_t wait_ms;	/* -w, default 5 s */
	uint32_t packetlen;	/* total IP packet length, default 60 (v4) / 80 (v6) */
	bool packetlen_set;
	const char *source;	/* -s */
	bool resolve, json;
	const char *host;
};

int trace_parse_args(int argc, char **argv, struct trace_opts *o);

/* One probe's outcome, as printed. */
struct trace_probe {
	bool answered;
	struct ip_addr from;
	double rtt_ms;
	enum icmpsock_kind kind;
	uint8_t code;
	uint32_t info;
	int err;
};

/*
 * Format one hop line like traceroute: " 2  10.0.0.1  0.301 ms  0.210 ms *"
 * (the address printed again only when it changes between probes; "!H"
 * style flags after an RTT). Return: the length written.
 */
size_t trace_fmt_hop(int family, unsigned ttl, const struct trace_probe *p, unsigned n,
		     bool resolve, char *buf, size_t len);

/* ---- mtr ---- */

struct mtr_opts {
	int family;
	bool report, json, resolve, wide;
	bool live;		/* -t: live view even with -c */
	bool cycles_set;
	uint64_t cycles;	/* -c, default 10 */
	uint64_t interval_ms;	/* -i, default 1000 */
	uint32_t first_ttl, max_ttl;
	uint32_t size;		/* -s, payload bytes, default 36 */
	uint64_t timeout_ms;	/* --timeout: a probe counts as lost, default 2 s */
	const char *source;	/* -a */
	const char *host;
};

int mtr_parse_args(int argc, char **argv, struct mtr_opts *o);

struct mtr_hop {
	struct ip_addr addr;	/* latest responder */
	struct ip_addr alt[4];	/* other responders seen (ECMP, changes) */
	unsigned nalt;
	uint64_t sent;		/* probes resolved: answered or timed out */
	uint64_t recvd;
	struct rtt_stats rtt;
	bool final;		/* the destination (or an unreachable) answered here */
	enum icmpsock_kind last_kind;
	uint8_t last_code;
};

/* Loss in percent (0 when nothing was sent). */
double mtr_loss(const struct mtr_hop *h);
/* One report row like mtr --report ("  1.|-- 10.0.0.1  0.0%  10  0.1 ..."),
 * no newline. Return: the length written. */
size_t mtr_fmt_row(unsigned ttl, const struct mtr_hop *h, const char *name, int width,
		   char *buf, size_t len);

#endif
