/* SPDX-License-Identifier: BSD-2-Clause */
/* test_sched.c - the prober's schedule and pacing, driven by a fake clock */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "probe/prober.h"

#define MS 1000000ull
#define SLACK (10 * MS)		/* prober.c's SEND_SLACK_NS */
#define T0 (1000000 * MS)
#define NDEV 2
#define MAXTG 1024
#define MAXQ 65536

/*
 * The simulated network: every probe sent is a reply-type probe, which the
 * branch sends back unchanged, so the packet itself comes back after an
 * RTT (2..6 ms, by target) on the socket it left from, unless the drop
 * rule (a hash of target and sequence) takes it.
 */
struct inflight {
	uint64_t at;
	unsigned si;
	size_t len;
	uint8_t pkt[128];
};

struct sim {
	struct probe_conf conf;
	struct prober p;
	uint64_t now;
	uint64_t first[MAXTG];	/* each target's first scheduled send */
	uint32_t last_regular[MAXTG];
	struct inflight *q;
	unsigned nq;
	/* the burst observed per device at the current instant */
	uint64_t burst_at[NDEV];
	unsigned burst[NDEV], max_burst[NDEV];
	uint64_t sends, drops, drops_expired_by_end;
	uint64_t drop_deadline[MAXQ];
	unsigned ndrop;
	uint64_t ok, lost;
	uint64_t max_late, max_early;
	unsigned drop_every;	/* 0: no drops */
	bool no_check;		/* after a stall the schedule skips slots */
	uint64_t jitter;	/* wakeups come up to this late (a loaded host) */
};

static struct sim *cur;

static uint32_t target_of(const struct sim *s, const uint8_t *pkt)
{
	uint32_t k;

	/* Reply type: the packet comes from the target. */
	for (k = 0; k < s->p.ntg; k++)
		if (!memcmp(s->p.tg[k].addr.a, pkt + 12, 4))
			return k;
	fail_msg("a probe from an unknown target");
	return 0;
}

static int hook(struct prober *p, unsigned si, struct mmsghdr *mh, unsigned n)
{
	struct sim *s = cur;
	unsigned i;

	assert_true(si < NDEV);
	if (s->burst_at[si] != s->now) {
		s->burst_at[si] = s->now;
		s->burst[si] = 0;
	}
	s->burst[si] += n;
	if (s->burst[si] > s->max_burst[si])
		s->max_burst[si] = s->burst[si];
	for (i = 0; i < n; i++) {
		const struct iovec *iov = mh[i].msg_hdr.msg_iov;
		const uint8_t *pkt = iov->iov_base;
		uint32_t k = target_of(s, pkt);
		uint16_t seq = (uint16_t)(pkt[26] << 8 | pkt[27]);
		const struct tunnel_conf *c = p->tun[p->tg[k].tunnel].conf;
		struct inflight *f;

		s->sends++;
		if (s->drop_every && (k * 7919u + seq * 104729u) % s->drop_every == 0) {
			s->drops++;
			assert_true(s->ndrop < MAXQ);
			s->drop_deadline[s->ndrop++] = s->now + c->timeout_ms * MS;
			continue;
		}
		assert_true(s->nq < MAXQ && iov->iov_len <= sizeof(f->pkt));
		f = &s->q[s->nq++];
		f->at = s->now + (2 + k % 5) * MS;
		f->si = si;
		f->len = iov->iov_len;
		memcpy(f->pkt, pkt, iov->iov_len);
	}
	return (int)n;
}

static void on_result(struct prober *p, struct ptunnel *t, struct ptarget *g, uint32_t seq,
		      bool ok, uint64_t rtt_ns, unsigned ttl, size_t bytes)
{
	(void)p, (void)t, (void)g, (void)seq, (void)rtt_ns, (void)ttl, (void)bytes;
	if (ok)
		cur->ok++;
	else
		cur->lost++;
}

static void sim_setup(struct sim *s, unsigned burst, unsigned retries_a)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	unsigned i;

	memset(s, 0, sizeof(*s));
	cur = s;
	log_set_level(LOG_LVL_ERR);
	/* Tunnels a and b share device 0 (sock 0), c has its own. */
	fprintf(f, "send-burst %u\nsource 10.255.0.1\n", burst);
	fprintf(f, "tunnel a\n iface t0\n interval 100ms\n timeout 50ms\n retries %u\n",
		retries_a);
	for (i = 0; i < 400; i++)
		fprintf(f, " target 10.0.%u.%u\n", i / 200, i % 200 + 1);
	fprintf(f, "tunnel b\n iface t0b\n interval 250ms\n timeout 40ms\n retries 0\n");
	for (i = 0; i < 150; i++)
		fprintf(f, " target 10.1.0.%u\n", i + 1);
	fprintf(f, "tunnel c\n iface t1\n interval 30ms\n timeout 20ms\n retries 2\n");
	for (i = 0; i < 20; i++)
		fprintf(f, " target 10.2.0.%u\n", i + 1);
	fclose(f);
	f = fmemopen(text, len, "r");
	probe_conf_init(&s->conf);
	assert_int_equal(probe_conf_load(&s->conf, "sched.conf", f), 0);
	fclose(f);
	free(text);

	s->q = calloc(MAXQ, sizeof(*s->q));
	assert_non_null(s->q);
	s->now = T0;
	s->p.oneshot = true;	/* no state file, no alerts */
	s->p.on_result = on_result;
	s->p.tx_hook = hook;
	assert_int_equal(prober_alloc(&s->p, &s->conf, s->now), 0);
	assert_true(s->p.ntg <= MAXTG);
	s->p.nsocks = NDEV;
	for (i = 0; i < NDEV; i++) {
		s->p.socks[i].fd = -1;
		s->p.socks[i].kind = PSOCK_PACKET;
	}
	s->p.tun[0].sock = 0;
	s->p.tun[1].sock = 0;
	s->p.tun[2].sock = 1;
	prober_sched_init(&s->p, s->now);
	for (i = 0; i < s->p.ntg; i++)
		s->first[i] = s->p.tg[i].next_send_ns;
}

static void sim_free(struct sim *s)
{
	prober_free(&s->p);
	probe_conf_free(&s->conf);
	free(s->q);
}

/* Every regular probe sent since the last check must be the next slot of
 * its target's schedule, sent no earlier than the slack allows. */
static void check_regular(struct sim *s)
{
	uint32_t k;

	for (k = 0; !s->no_check && k < s->p.ntg; k++) {
		const struct ptarget *g = &s->p.tg[k];
		uint64_t iv = s->p.tun[g->tunnel].conf->interval_ms * MS, sched;

		if (g->regular_sent == s->last_regular[k])
			continue;
		assert_int_equal(g->regular_sent, s->last_regular[k] + 1);
		s->last_regular[k] = g->regular_sent;
		sched = s->first[k] + (uint64_t)(g->regular_sent - 1) * iv;
		if (s->now < sched) {
			assert_true(sched - s->now <= SLACK);
			if (sched - s->now > s->max_early)
				s->max_early = sched - s->now;
		} else if (s->now - sched > s->max_late) {
			s->max_late = s->now - sched;
		}
		assert_int_equal(g->skipped, 0);
	}
}

static uint64_t jitter_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd_jitter(uint64_t max)
{
	jitter_state ^= jitter_state << 13;
	jitter_state ^= jitter_state >> 7;
	jitter_state ^= jitter_state << 17;
	return jitter_state % max;
}

/* Run the event loop as prober_loop does: wake at the heap's top or when a
 * reply arrives, whichever comes first. */
static void sim_run(struct sim *s, uint64_t until)
{
	unsigned stuck = 0;

	while (s->now < until) {
		uint64_t next = s->p.heap[0].key, before = s->now;
		unsigned i;

		for (i = 0; i < s->nq; i++)
			if (s->q[i].at < next)
				next = s->q[i].at;
		if (next > s->now)
			s->now = next;
		if (s->jitter)
			s->now += rnd_jitter(s->jitter);
		for (i = 0; i < s->nq;) {
			if (s->q[i].at <= s->now) {
				struct probe_rx rx = { .pkt = s->q[i].pkt, .len = s->q[i].len };

				prober_handle_reply(&s->p, s->q[i].si, &rx, s->now);
				s->q[i] = s->q[--s->nq];
			} else {
				i++;
			}
		}
		prober_run_due(&s->p, s->now);
		check_regular(s);
		stuck = s->now == before ? stuck + 1 : 0;
		assert_true(stuck < 1000);
	}
}

static void paced(uint64_t jitter, unsigned retries_a)
{
	static struct sim s;
	uint64_t until = T0 + 20000 * MS, busy = 0, sent = 0, rx = 0, lost = 0;
	uint32_t k;
	unsigned i;

	sim_setup(&s, 8, retries_a);
	s.drop_every = 50;
	s.jitter = jitter;
	sim_run(&s, until);

	/* No device ever got more than the burst at one instant ... */
	for (i = 0; i < NDEV; i++)
		assert_true(s.max_burst[i] <= 8);
	/* ... and the bound did bite (probes were deferred), yet none was
	 * late by more than a few ms and no schedule drifted: after 200
	 * intervals of a, 80 of b and 666 of c every target is still at its
	 * own slot (check_regular saw each send). */
	assert_true(s.p.socks[0].deferred > 0);
	assert_true(s.max_late <= jitter + 5 * MS);
	for (k = 0; k < s.p.ntg; k++) {
		const struct ptarget *g = &s.p.tg[k];
		uint64_t iv = s.p.tun[g->tunnel].conf->interval_ms * MS;
		uint64_t due = (until + SLACK - s.first[k]) / iv + 1;

		assert_true(g->regular_sent == due || g->regular_sent + 1 == due);
		assert_int_equal(g->skipped, 0);
		assert_int_equal(g->sent, g->received + g->lost + g->nbusy);
		busy += g->nbusy;
		sent += g->sent;
		rx += g->received;
		lost += g->lost;
	}
	/* Accounting is exact: a lost attempt is exactly a dropped packet
	 * whose timeout passed; a deferred send is never a loss. */
	for (i = 0; i < s.ndrop; i++)
		s.drops_expired_by_end += s.drop_deadline[i] <= s.now;
	assert_int_equal(sent, s.sends);
	assert_int_equal(lost, s.drops_expired_by_end);
	assert_int_equal(lost, s.lost);
	assert_int_equal(rx, s.ok);
	assert_int_equal(sent, rx + lost + busy);
	assert_int_equal(s.p.tun[0].tx_paced + s.p.tun[1].tx_paced, s.p.socks[0].deferred);
	assert_int_equal(s.p.tun[2].tx_paced, s.p.socks[1].deferred);
	for (i = 0; i < s.p.ntun; i++) {
		assert_int_equal(s.p.tun[i].tx_skipped, 0);
		assert_int_equal(s.p.tun[i].rx_stale, 0);
		assert_int_equal(s.p.tun[i].rx_forged, 0);
		assert_int_equal(s.p.tun[i].tx_err, 0);
	}
	print_message("sends %llu, deferred %llu, max burst %u/%u, max early %.2f ms, late %.2f ms\n",
		      (unsigned long long)s.sends, (unsigned long long)s.p.socks[0].deferred,
		      s.max_burst[0], s.max_burst[1], s.max_early / 1e6, s.max_late / 1e6);
	sim_free(&s);
}

static void test_paced(void **state)
{
	(void)state;
	paced(0, 1);
}

/* Wakeups up to 2 ms late and no retries on device 0 (no headroom from
 * them): the pace still keeps up with the schedule. */
static void test_paced_late_wakeups(void **state)
{
	(void)state;
	paced(2 * MS, 0);
}

/* The control: without a tight burst bound the same schedule does send
 * more than 8 at once on device 0 (so the test above can fail). */
static void test_unpaced_control(void **state)
{
	static struct sim s;

	(void)state;
	sim_setup(&s, 1024, 1);
	sim_run(&s, T0 + 3000 * MS);
	assert_true(s.max_burst[0] > 8);
	assert_int_equal(s.p.socks[0].deferred, 0);
	sim_free(&s);
}

/* A stall of several intervals skips the missed slots and keeps the phase. */
static void test_stall(void **state)
{
	static struct sim s;
	uint32_t k;

	(void)state;
	sim_setup(&s, 8, 1);
	sim_run(&s, T0 + 1000 * MS);
	s.now += 1000 * MS;	/* the process did not run for a second */
	s.no_check = true;
	prober_run_due(&s.p, s.now);
	sim_run(&s, s.now + 1000 * MS);
	for (k = 0; k < s.p.ntg; k++) {
		const struct ptarget *g = &s.p.tg[k];
		uint64_t iv = s.p.tun[g->tunnel].conf->interval_ms * MS;

		assert_true(g->skipped > 0);
		assert_int_equal((g->next_send_ns - s.first[k]) % iv, 0);
	}
	assert_true(s.p.tun[0].tx_skipped > 0 && s.p.tun[2].tx_skipped > 0);
	sim_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paced),
		cmocka_unit_test(test_paced_late_wakeups),
		cmocka_unit_test(test_unpaced_control),
		cmocka_unit_test(test_stall),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
