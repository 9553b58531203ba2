/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stats.c - the collector's statistics as JSON (file, SIGUSR1)
 *
 * Every received datagram is accounted once at the top level:
 *   packets = truncated + not_allowed + decoded + sum(rejected[reason])
 * and every decoded flow record once:
 *   records = queued + queue_drops,  queued = store.records (after stop)
 * Datagrams the socket buffers lost are kernel_drops (SO_RXQ_OVFL): with
 * back-pressure (recv.c) that is where a slow store's losses go.
 * Per exporter, the decoder's own counters say what happened inside.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/collect_int.h"
#include "lib/timeutil.h"
#include "lib/wbuf.h"

#define KV(b, name, v) do { wbuf_puts_lit(b, "\"" name "\":"); wbuf_put_u64(b, v); } while (0)

static void put_time(struct wbuf *b, int64_t ms)
{
	char iso[TIME_ISO_LEN];

	wbuf_putc(b, '"');
	wbuf_put(b, iso, time_fmt_iso_ms(ms, iso));
	wbuf_putc(b, '"');
}

static void put_errors(struct wbuf *b, const uint64_t *e)
{
	bool first = true;
	int i;

	wbuf_putc(b, '{');
	for (i = 1; i < FE__COUNT; i++) {
		if (!e[i])
			continue;
		if (!first)
			wbuf_putc(b, ',');
		first = false;
		wbuf_putc(b, '"');
		wbuf_puts(b, flow_err_name((enum flow_err)i));
		wbuf_puts_lit(b, "\":");
		wbuf_put_u64(b, e[i]);
	}
	wbuf_putc(b, '}');
}

static void put_exporter(struct wbuf *b, const struct exp_snap *e)
{
	char a[IP_ADDR_STRLEN];
	const struct flow_exp_stats *st = &e->st;

	ip_addr_fmt(&e->addr, a);
	wbuf_puts_lit(b, "{\"address\":\"");
	wbuf_puts(b, a);
	wbuf_puts_lit(b, "\",\"protocol\":\"");
	wbuf_puts(b, flow_proto_name(e->proto));
	wbuf_puts_lit(b, "\",");
	KV(b, "domain", e->domain);
	wbuf_putc(b, ',');
	KV(b, "thread", e->thread);
	wbuf_putc(b, ',');
	KV(b, "packets", st->packets);
	wbuf_putc(b, ',');
	KV(b, "records", st->records);
	wbuf_putc(b, ',');
	KV(b, "bytes", st->bytes);
	wbuf_putc(b, ',');
	KV(b, "templates", st->templates);
	wbuf_putc(b, ',');
	KV(b, "options_templates", st->options_templates);
	wbuf_putc(b, ',');
	KV(b, "sequence_lost", st->seq_lost);
	wbuf_putc(b, ',');
	KV(b, "sequence_out_of_order", st->seq_out_of_order);
	wbuf_putc(b, ',');
	KV(b, "sequence_restarts", st->seq_restarts);
	wbuf_puts_lit(b, ",\"drops\":");
	put_errors(b, st->errors);
	wbuf_puts_lit(b, ",\"first_seen\":");
	put_time(b, st->first_seen_ms);
	wbuf_puts_lit(b, ",\"last_seen\":");
	put_time(b, st->last_seen_ms);
	wbuf_putc(b, '}');
}

void stats_json(struct collector *c, struct wbuf *b)
{
	struct recv_stats sum;
	struct flow_totals tot;
	struct store_stats ss;
	uint64_t errs[FE__COUNT];
	bool first = true;
	size_t qlen;
	unsigned i, k;
	int64_t now = time_real_ms();

	memset(&sum, 0, sizeof(sum));
	memset(errs, 0, sizeof(errs));
	memset(&tot, 0, sizeof(tot));
	wbuf_puts_lit(b, "{\"time\":");
	put_time(b, now);
	wbuf_puts_lit(b, ",\"started\":");
	put_time(b, c->start_ms);
	wbuf_puts_lit(b, ",\"listen\":[");
	for (i = 0; i < c->cfg.nlisten; i++) {
		if (i)
			wbuf_putc(b, ',');
		wbuf_put_json_str(b, c->cfg.listen[i].url, strlen(c->cfg.listen[i].url));
	}
	wbuf_puts_lit(b, "],");
	KV(b, "threads", c->nthreads);
	wbuf_puts(b, c->steering ? ",\"steering\":true" : ",\"steering\":false");
	wbuf_puts_lit(b, ",\"exporters\":[");
	for (i = 0; i < c->nthreads; i++) {
		struct recv_thread *t = &c->rt[i];

		pthread_mutex_lock(&t->snap_mu);
		for (k = 0; k < t->nsnap; k++) {
			if (!first)
				wbuf_putc(b, ',');
			first = false;
			put_exporter(b, &t->snap[k]);
		}
		sum.packets += t->snap_st.packets;
		sum.bytes += t->snap_st.bytes;
		sum.kernel_drops += t->snap_st.kernel_drops;
		sum.truncated += t->snap_st.truncated;
		sum.not_allowed += t->snap_st.not_allowed;
		sum.decode_ok += t->snap_st.decode_ok;
		sum.decode_failed += t->snap_st.decode_failed;
		sum.records += t->snap_st.records;
		sum.counter_records += t->snap_st.counter_records;
		sum.queued += t->snap_st.queued;
		sum.queue_drops += t->snap_st.queue_drops;
		sum.pauses += t->snap_st.pauses;
		sum.paused_ns += t->snap_st.paused_ns;
		sum.queue_waits += t->snap_st.queue_waits;
		for (k = 0; k < FE__COUNT; k++) {
			sum.rejected[k] += t->snap_st.rejected[k];
			errs[k] += t->snap_tot.errors[k];
		}
		tot.exporters += t->snap_tot.exporters;
		tot.exporters_evicted += t->snap_tot.exporters_evicted;
		pthread_mutex_unlock(&t->snap_mu);
	}
	wbuf_puts_lit(b, "],");
	KV(b, "packets", sum.packets);
	wbuf_putc(b, ',');
	KV(b, "bytes", sum.bytes);
	wbuf_putc(b, ',');
	KV(b, "kernel_drops", sum.kernel_drops);
	wbuf_putc(b, ',');
	KV(b, "truncated", sum.truncated);
	wbuf_putc(b, ',');
	KV(b, "not_allowed", sum.not_allowed);
	wbuf_putc(b, ',');
	KV(b, "decoded", sum.decode_ok);
	wbuf_putc(b, ',');
	KV(b, "exporters_evicted", tot.exporters_evicted);
	wbuf_puts_lit(b, ",\"rejected\":");
	put_errors(b, sum.rejected);
	wbuf_puts_lit(b, ",\"decode_errors\":");
	put_errors(b, errs);
	wbuf_putc(b, ',');
	KV(b, "records", sum.records);
	wbuf_putc(b, ',');
	KV(b, "counter_records", sum.counter_records);
	wbuf_putc(b, ',');
	KV(b, "queued", sum.queued);
	wbuf_putc(b, ',');
	KV(b, "queue_drops", sum.queue_drops);
	wbuf_putc(b, ',');
	KV(b, "pauses", sum.pauses);
	wbuf_putc(b, ',');
	KV(b, "paused_ms", sum.paused_ns / 1000000);
	wbuf_putc(b, ',');
	KV(b, "queue_waits", sum.queue_waits);
	store_stats_sum(c, &ss, &qlen);
	wbuf_puts_lit(b, ",\"store\":{");
	KV(b, "queue_chunks", qlen);
	wbuf_putc(b, ',');
	KV(b, "records", ss.records_in);
	wbuf_putc(b, ',');
	KV(b, "raw_records", ss.raw_records);
	wbuf_putc(b, ',');
	KV(b, "raw_dropped", ss.raw_dropped);
	wbuf_putc(b, ',');
	KV(b, "rollup_dropped", ss.rollup_dropped);
	wbuf_putc(b, ',');
	KV(b, "rollup_overflow", ss.rollup_overflow);
	wbuf_putc(b, ',');
	KV(b, "rollup_rows", ss.rollup_rows);
	wbuf_putc(b, ',');
	KV(b, "raw_blocks", ss.raw_blocks);
	wbuf_putc(b, ',');
	KV(b, "raw_bytes", ss.raw_bytes);
	wbuf_putc(b, ',');
	KV(b, "raw_files", ss.raw_files);
	wbuf_putc(b, ',');
	KV(b, "raw_files_deleted", ss.raw_files_deleted);
	wbuf_putc(b, ',');
	KV(b, "commits", ss.commits);
	wbuf_putc(b, ',');
	KV(b, "commit_errors", ss.commit_errors);
	if (ss.last_errno) {
		wbuf_puts_lit(b, ",\"last_error\":");
		wbuf_put_json_str(b, strerror(ss.last_errno), strlen(strerror(ss.last_errno)));
	}
	wbuf_puts_lit(b, "}}");
}

int stats_write_file(struct collector *c)
{
	char tmp[4300];
	struct wbuf b;
	FILE *f;
	int rc = 0;

	if (wbuf_init(&b, 4096, 64u << 20) < 0)
		return -1;
	stats_json(c, &b);
	wbuf_putc(&b, '\n');
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->stats_path);
	f = fopen(tmp, "we");
	if (!f) {
		static struct log_rl rl = LOG_RL_INIT(60000, 1);

		log_warnx_rl(&rl, "collect: %s: %s", tmp, strerror(errno));
		wbuf_free(&b);
		return -1;
	}
	if (wbuf_flush(&b, f) < 0 || fclose(f) != 0 || rename(tmp, c->stats_path) < 0) {
		static struct log_rl rl2 = LOG_RL_INIT(60000, 1);

		log_warnx_rl(&rl2, "collect: writing %s: %s", c->stats_path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	wbuf_free(&b);
	return rc;
}
