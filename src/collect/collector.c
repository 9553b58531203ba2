/* SPDX-License-Identifier: BSD-2-Clause */
/* collector.c - collector lifecycle and the store thread */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "collect/collect_int.h"
#include "lib/timeutil.h"
#include "lib/wbuf.h"

void collect_cfg_defaults(struct collect_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->db, sizeof(cfg->db), "flows.db");
	cfg->threads = 0;
	cfg->rcvbuf = 32u << 20;
	cfg->queue_records = 262144;
	cfg->retain_ms = 7ull * 86400 * 1000;
	cfg->rollup_retain_ms = 90ull * 86400 * 1000;
	cfg->retain_bytes = 10ull << 30;
	cfg->rotate_ms = 5 * 60 * 1000;
	cfg->commit_ms = 2000;
	cfg->rollup_keys = 1000;
	cfg->zstd_level = 1;
	cfg->raw_compress = IPFIX_CODEC_ZSTD;
	cfg->default_sampling = 1;
	cfg->raw = true;
}

unsigned collect_auto_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

void collect_stats_path(const struct collect_cfg *cfg, char *buf, size_t len)
{
	if (cfg->stats_file[0])
		snprintf(buf, len, "%s", cfg->stats_file);
	else
		snprintf(buf, len, "%s.stats.json", cfg->db);
}

/* ---- store threads ---- */

/* Feed at most @max chunks (0 = all) so that a busy queue cannot keep
 * the commit timer from running. Return: true when chunks remain. */
static bool store_feed(struct store_pipe *sp, unsigned max)
{
	unsigned n;

	for (n = 0; !max || n < max; n++) {
		struct chunk *ch;

		pthread_mutex_lock(&sp->q_mu);
		ch = sp->q_head;
		if (ch) {
			sp->q_head = ch->next;
			if (!sp->q_head)
				sp->q_tail = NULL;
			sp->q_len--;
		}
		pthread_mutex_unlock(&sp->q_mu);
		if (!ch)
			return false;
		store_add(sp->store, ch->rec, ch->n);
		if (sp->c->store_delay_us)
			usleep(sp->c->store_delay_us);
		recv_return_chunk(sp->c, ch);
	}
	return true;
}

static void store_exporters(struct store_pipe *sp)
{
	struct collector *c = sp->c;
	unsigned i;
	size_t k;

	for (i = 0; i < c->nthreads; i++) {
		struct recv_thread *t = &c->rt[i];

		pthread_mutex_lock(&t->snap_mu);
		for (k = 0; k < t->nsnap; k++)
			store_exporter(sp->store, &t->snap[k].addr,
				       flow_proto_name(t->snap[k].proto),
				       t->snap[k].domain, &t->snap[k].st);
		pthread_mutex_unlock(&t->snap_mu);
	}
}

static void store_publish(struct store_pipe *sp)
{
	pthread_mutex_lock(&sp->q_mu);
	store_get_stats(sp->store, &sp->st);
	pthread_mutex_unlock(&sp->q_mu);
}

void store_stats_sum(struct collector *c, struct store_stats *st, size_t *qlen)
{
	unsigned i;

	memset(st, 0, sizeof(*st));
	*qlen = 0;
	for (i = 0; i < c->nstores; i++) {
		struct store_pipe *sp = &c->sp[i];
		const struct store_stats *x = &sp->st;

		pthread_mutex_lock(&sp->q_mu);
		st->records_in += x->records_in;
		st->raw_records += x->raw_records;
		st->raw_blocks += x->raw_blocks;
		st->raw_bytes += x->raw_bytes;
		st->raw_dropped += x->raw_dropped;
		st->raw_files += x->raw_files;
		st->raw_files_deleted += x->raw_files_deleted;
		st->rollup_rows += x->rollup_rows;
		st->rollup_dropped += x->rollup_dropped;
		st->rollup_overflow += x->rollup_overflow;
		st->commits += x->commits;
		st->commit_errors += x->commit_errors;
		st->rows_deleted += x->rows_deleted;
		if (x->last_errno)
			st->last_errno = x->last_errno;
		*qlen += sp->q_len;
		pthread_mutex_unlock(&sp->q_mu);
	}
}

static void *store_main(void *arg)
{
	struct store_pipe *sp = arg;
	struct collector *c = sp->c;
	struct itimerspec its;
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t first_ms;
	int epfd, tfd;
	unsigned ticks = 0;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	its.it_interval.tv_sec = (time_t)(c->cfg.commit_ms / 1000);
	its.it_interval.tv_nsec = (long)(c->cfg.commit_ms % 1000) * 1000000;
	/* staggered, so the pipelines' transactions rarely wait for each other */
	first_ms = c->cfg.commit_ms + c->cfg.commit_ms * sp->idx / c->nstores;
	its.it_value.tv_sec = (time_t)(first_ms / 1000);
	its.it_value.tv_nsec = (long)(first_ms % 1000) * 1000000;
	if (epfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
		fatal("collect: store thread: epoll/timerfd");
	ev.data.u32 = 0;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sp->q_efd, &ev);
	ev.data.u32 = 1;
	epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
	while (!atomic_load(&sp->stop)) {
		struct epoll_event evs[2];
		int n = epoll_wait(epfd, evs, 2, 1000), k;
		uint64_t x;

		for (k = 0; k < n; k++) {
			if (evs[k].data.u32 == 0) {
				uint64_t one = 1;

				if (read(sp->q_efd, &x, sizeof(x)) < 0 && errno != EAGAIN)
					log_warn("collect: store queue");
				/* about 0.1 s of work, then back to the timer */
				if (store_feed(sp, 128) &&
				    write(sp->q_efd, &one, sizeof(one)) < 0)
					log_warn("collect: store queue");
			} else {
				int64_t now = time_real_ms();

				if (read(tfd, &x, sizeof(x)) < 0)
					continue;
				store_commit(sp->store, now);
				ticks++;
				if (sp->idx == 0 && ticks % 5 == 0)
					store_exporters(sp);
				if (sp->idx == 0 && ticks % 30 == 1)
					store_retention(sp->store, now);
				store_publish(sp);
			}
		}
	}
	/* the receive threads are gone: take the rest and close */
	store_feed(sp, 0);
	if (sp->idx == 0)
		store_exporters(sp);
	store_commit(sp->store, time_real_ms());
	store_publish(sp);
	close(tfd);
	close(epfd);
	return NULL;
}

/* Open a store per receive thread. Return: 0, or -1 (logged). */
static int stores_open(struct collector *c)
{
	char err[512];
	unsigned i;

	c->sp = calloc(c->nthreads, sizeof(*c->sp));
	if (!c->sp) {
		log_warnx("collect: out of memory");
		return -1;
	}
	for (i = 0; i < c->nthreads; i++) {
		struct store_pipe *sp = &c->sp[i];

		sp->c = c;
		sp->idx = i;
		sp->q_efd = -1;
		pthread_mutex_init(&sp->q_mu, NULL);
		c->nstores++;
		sp->q_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (sp->q_efd < 0) {
			log_warn("collect: eventfd");
			return -1;
		}
		sp->store = store_open(&c->cfg, err, sizeof(err));
		if (!sp->store) {
			log_warnx("collect: store: %s", err);
			return -1;
		}
	}
	return 0;
}

static int stores_start(struct collector *c)
{
	unsigned i;

	for (i = 0; i < c->nstores; i++) {
		if (pthread_create(&c->sp[i].tid, NULL, store_main, &c->sp[i])) {
			log_warnx("collect: cannot start store thread %u", i);
			return -1;
		}
		c->sp[i].started = true;
	}
	return 0;
}

/* Stop the store threads (after the receive threads): they drain their
 * queues and commit. */
static void stores_stop(struct collector *c)
{
	uint64_t one = 1;
	unsigned i;

	for (i = 0; i < c->nstores; i++) {
		struct store_pipe *sp = &c->sp[i];

		if (!sp->started)
			continue;
		atomic_store(&sp->stop, true);
		if (write(sp->q_efd, &one, sizeof(one)) < 0)
			log_warn("collect: waking the store");
		pthread_join(sp->tid, NULL);
		sp->started = false;
	}
}

/* ---- lifecycle ---- */

static void collector_free(struct collector *c)
{
	unsigned i;

	if (!c)
		return;
	recv_threads_free(c);
	for (i = 0; i < c->nstores; i++) {
		struct store_pipe *sp = &c->sp[i];

		if (sp->store)
			store_close(sp->store, time_real_ms());
		if (sp->q_efd >= 0)
			close(sp->q_efd);
		pthread_mutex_destroy(&sp->q_mu);
	}
	free(c->sp);
	if (c->stop_efd >= 0)
		close(c->stop_efd);
	free(c);
}

struct collector *collector_start(const struct collect_cfg *cfg)
{
	struct collector *c = calloc(1, sizeof(*c));
	const char *env;
	unsigned i;
	int rc;

	if (!c) {
		log_warnx("collect: out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	c->stop_efd = -1;
	collect_stats_path(cfg, c->stats_path, sizeof(c->stats_path));
	c->start_ms = time_real_ms();
	c->nthreads = cfg->threads ? cfg->threads : collect_auto_threads();
	/* test knob: a slow store, for the back-pressure test */
	if ((env = getenv("WANSCOPE_COLLECT_STORE_DELAY_US")) && *env) {
		c->store_delay_us = (uint32_t)strtoul(env, NULL, 10);
		log_warnx("collect: WANSCOPE_COLLECT_STORE_DELAY_US: the store sleeps %u us "
			  "per chunk (a test knob)", c->store_delay_us);
	}
	if (c->nthreads > COLLECT_MAX_THREADS)
		c->nthreads = COLLECT_MAX_THREADS;
	/* a write past RLIMIT_FSIZE must fail with EFBIG, not kill us */
	signal(SIGXFSZ, SIG_IGN);
	c->stop_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->stop_efd < 0) {
		log_warn("collect: eventfd");
		goto fail;
	}
	if (recv_threads_alloc(c) < 0) {
		log_warnx("collect: out of memory for %u receive threads", c->nthreads);
		goto fail;
	}
	rc = listen_open_all(c);
	if (rc == -2) {
		recv_threads_free(c);
		c->nthreads = 1;
		if (recv_threads_alloc(c) < 0)
			goto fail;
		rc = listen_open_all(c);
	}
	if (rc < 0)
		goto fail;
	if (stores_open(c) < 0)
		goto fail;
	if (stores_start(c) < 0) {
		stores_stop(c);
		goto fail;
	}
	if (recv_threads_start(c) < 0) {
		collector_stop(c);
		return NULL;
	}
	for (i = 0; i < cfg->nlisten; i++)
		log_info("collect: listening on %s", cfg->listen[i].url);
	log_info("collect: %u receive thread%s%s, store %s (raw records in %s.d/), "
		 "statistics in %s", c->nthreads, c->nthreads == 1 ? "" : "s",
		 c->steering ? " (exporters steered by source address)" : "",
		 cfg->db, cfg->db, c->stats_path);
	stats_write_file(c);
	return c;
fail:
	collector_free(c);
	return NULL;
}

void collector_tick(struct collector *c)
{
	stats_write_file(c);
}

void collector_log_stats(struct collector *c)
{
	struct wbuf b;

	if (wbuf_init(&b, 4096, 16u << 20) < 0)
		return;
	stats_json(c, &b);
	wbuf_putc(&b, 0);
	log_info("collect: statistics: %s", b.p);
	wbuf_free(&b);
}

int collector_stop(struct collector *c)
{
	struct store_stats st;
	size_t qlen;

	if (!c)
		return 0;
	recv_threads_stop(c);
	stores_stop(c);
	stats_write_file(c);
	store_stats_sum(c, &st, &qlen);
	collector_free(c);
	log_info("collect: stopped; %llu records stored (%llu raw), %llu lost by the store",
		 (unsigned long long)st.records_in, (unsigned long long)st.raw_records,
		 (unsigned long long)(st.rollup_dropped));
	return st.rollup_dropped || st.commit_errors ? -1 : 0;
}
