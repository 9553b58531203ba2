/* SPDX-License-Identifier: BSD-2-Clause */
/* log.h - logging in the OpenBSD style: pairs with and without errno */
#ifndef WS_LOG_H
#define WS_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Messages go to stderr prefixed with "wanscope: " unless a syslog ident is set. */
void log_init(const char *ident, enum log_level level, bool use_syslog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A rate limiter for logs on the packet path: at most @burst messages per
 * @interval_ms; the next allowed message reports how many were suppressed.
 */
struct log_rl {
	uint32_t interval_ms;
	uint32_t burst;
	uint64_t window_start;
	uint32_t in_window;
	uint64_t suppressed;
};
#define LOG_RL_INIT(ms, n) { .interval_ms = (ms), .burst = (n) }

/* Return: true if a message may be logged now. */
bool log_rl_allow(struct log_rl *rl);
void log_warnx_rl(struct log_rl *rl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
