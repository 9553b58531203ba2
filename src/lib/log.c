/* SPDX-License-Identifier: BSD-2-Clause */
/* log.c - logging to stderr or syslog */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "lib/log.h"
#include "lib/timeutil.h"

static const char *log_ident = "wanscope";
static enum log_level log_level = LOG_LVL_INFO;
static bool log_syslog;

void log_init(const char *ident, enum log_level level, bool use_syslog)
{
	if (ident)
		log_ident = ident;
	log_level = level;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level) { log_level = level; }
enum log_level log_get_level(void) { return log_level; }

static void vlog(enum log_level lvl, int err, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[1024];
	int n;

	if (lvl > log_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (err && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(err));
	if (log_syslog)
		syslog(prio[lvl], "%s", msg);
	else
		fprintf(stderr, "%s: %s\n", log_ident, msg);
}

#define LOG_FN(name, lvl, witherr)                                  \
	void name(const char *fmt, ...)                             \
	{                                                           \
		int e = errno;                                      \
		va_list ap;                                         \
		va_start(ap, fmt);                                  \
		vlog(lvl, witherr ? e : 0, fmt, ap);                \
		va_end(ap);                                         \
		errno = e;                                          \
	}

LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)

void fatal(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, e, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

bool log_rl_allow(struct log_rl *rl)
{
	uint64_t now = time_mono_ms();

	if (now - rl->window_start >= rl->interval_ms) {
		rl->window_start = now;
		rl->in_window = 0;
	}
	if (rl->in_window >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->in_window++;
	return true;
}

void log_warnx_rl(struct log_rl *rl, const char *fmt, ...)
{
	va_list ap;

	if (!log_rl_allow(rl))
		return;
	if (rl->suppressed) {
		log_warnx("(%llu similar messages suppressed)",
			  (unsigned long long)rl->suppressed);
		rl->suppressed = 0;
	}
	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, 0, fmt, ap);
	va_end(ap);
}
