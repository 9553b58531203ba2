/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flowgen.c - a paced generator of NetFlow v5, v9, IPFIX and sFlow v5
 * export packets for benchmarks and collector tests (loopback only)
 *
 * ws-flowgen --dest 127.0.0.1:2055 --proto nf5|nf9|ipfix|sflow
 *            [--rate RECORDS_PER_S] [--count RECORDS] [--exporters N]
 *            [--keys N] [--garbage]
 * Prints one JSON line: what was sent (datagrams, records, and the sums
 * of the records' packets and bytes fields).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXPKT 1500
#define BATCH 32
#define MAXEXP 64

enum proto { P_NF5, P_NF9, P_IPFIX, P_SFLOW };

struct gen {
	enum proto proto;
	uint64_t rate, count, keys;
	unsigned exporters;
	int garbage;
	uint64_t rec;			/* records made so far */
	uint64_t sum_pkts, sum_bytes;
	uint32_t seq[MAXEXP], pktseq[MAXEXP];
	uint64_t rng;
};

struct buf {
	uint8_t p[MAXPKT];
	size_t n;
};

static void p8(struct buf *b, uint8_t v) { b->p[b->n++] = v; }
static void p16(struct buf *b, uint16_t v) { p8(b, (uint8_t)(v >> 8)); p8(b, (uint8_t)v); }
static void p32(struct buf *b, uint32_t v) { p16(b, (uint16_t)(v >> 16)); p16(b, (uint16_t)v); }
static void p64(struct buf *b, uint64_t v) { p32(b, (uint32_t)(v >> 32)); p32(b, (uint32_t)v); }
static void set16(struct buf *b, size_t off, size_t v) { b->p[off] = (uint8_t)(v >> 8); b->p[off + 1] = (uint8_t)v; }

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

struct frec {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint32_t pkts, bytes;
};

static void mkrec(struct gen *g, struct frec *r)
{
	uint64_t i = g->rec++;
	uint64_t k = g->keys ? i % g->keys : i;

	r->src = 0x0a000000u | (uint32_t)(k & 0xffffff);
	r->dst = 0xcb007100u | (uint32_t)((k * 7) & 0xff);
	r->sport = (uint16_t)(1024 + (i * 13) % 60000);
	r->dport = (uint16_t)((const uint16_t[]){ 53, 80, 443, 123 })[i % 4];
	r->proto = (uint8_t)(i % 3 == 0 ? 6 : 17);
	r->pkts = 1 + (uint32_t)(i % 10);
	r->bytes = r->pkts * (64 + (uint32_t)(i % 1400));
}

/* How many records a datagram carries. */
static unsigned per_pkt(enum proto p)
{
	switch (p) {
	case P_NF5: return 30;
	case P_NF9: return 38;		/* 34-byte records */
	case P_IPFIX: return 28;	/* 46-byte records */
	case P_SFLOW: return 10;
	}
	return 1;
}

static const uint16_t nf9_fields[][2] = {
	{ 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 }, { 1, 4 }, { 2, 4 },
	{ 10, 2 }, { 14, 2 }, { 22, 4 }, { 21, 4 }, { 6, 1 },
};
static const uint16_t ipfix_fields[][2] = {
	{ 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 }, { 1, 8 }, { 2, 8 },
	{ 10, 2 }, { 14, 2 }, { 152, 8 }, { 153, 8 }, { 6, 1 },
};
#define NFIELDS 12

static void template(struct buf *b, uint16_t setid, const uint16_t (*f)[2])
{
	size_t off = b->n;
	int i;

	p16(b, setid);
	p16(b, 0);
	p16(b, 256);
	p16(b, NFIELDS);
	for (i = 0; i < NFIELDS; i++) {
		p16(b, f[i][0]);
		p16(b, f[i][1]);
	}
	set16(b, off + 2, b->n - off);
}

static void build(struct gen *g, unsigned exp, struct buf *b, unsigned nrec, uint64_t now_ms)
{
	struct frec r;
	unsigned i;
	uint32_t up = (uint32_t)(now_ms % 100000000);
	size_t off;

	b->n = 0;
	switch (g->proto) {
	case P_NF5:
		p16(b, 5); p16(b, (uint16_t)nrec); p32(b, up);
		p32(b, (uint32_t)(now_ms / 1000)); p32(b, (uint32_t)(now_ms % 1000) * 1000000);
		p32(b, g->seq[exp]); p8(b, 0); p8(b, 0); p16(b, 0);
		for (i = 0; i < nrec; i++) {
			mkrec(g, &r);
			p32(b, r.src); p32(b, r.dst); p32(b, 0); p16(b, 1); p16(b, 2);
			p32(b, r.pkts); p32(b, r.bytes); p32(b, up - 1000); p32(b, up - 10);
			p16(b, r.sport); p16(b, r.dport); p8(b, 0); p8(b, 0x18); p8(b, r.proto);
			p8(b, 0); p16(b, 0); p16(b, 0); p8(b, 24); p8(b, 24); p16(b, 0);
			g->sum_pkts += r.pkts;
			g->sum_bytes += r.bytes;
		}
		g->seq[exp] += nrec;
		break;
	case P_NF9:
		p16(b, 9); p16(b, (uint16_t)(nrec + 1)); p32(b, up);
		p32(b, (uint32_t)(now_ms / 1000)); p32(b, g->pktseq[exp]++); p32(b, exp);
		template(b, 0, nf9_fields);
		off = b->n;
		p16(b, 256); p16(b, 0);
		for (i = 0; i < nrec; i++) {
			mkrec(g, &r);
			p32(b, r.src); p32(b, r.dst); p16(b, r.sport); p16(b, r.dport);
			p8(b, r.proto); p32(b, r.bytes); p32(b, r.pkts); p16(b, 1); p16(b, 2);
			p32(b, up - 1000); p32(b, up - 10); p8(b, 0x18);
			g->sum_pkts += r.pkts;
			g->sum_bytes += r.bytes;
		}
		while ((b->n - off) % 4)
			p8(b, 0);
		set16(b, off + 2, b->n - off);
		break;
	case P_IPFIX:
		p16(b, 10); p16(b, 0); p32(b, (uint32_t)(now_ms / 1000));
		p32(b, g->seq[exp]); p32(b, exp);
		template(b, 2, ipfix_fields);
		off = b->n;
		p16(b, 256); p16(b, 0);
		for (i = 0; i < nrec; i++) {
			mkrec(g, &r);
			p32(b, r.src); p32(b, r.dst); p16(b, r.sport); p16(b, r.dport);
			p8(b, r.proto); p64(b, r.bytes); p64(b, r.pkts); p16(b, 1); p16(b, 2);
			p64(b, now_ms - 1000); p64(b, now_ms - 10); p8(b, 0x18);
			g->sum_pkts += r.pkts;
			g->sum_bytes += r.bytes;
		}
		set16(b, off + 2, b->n - off);
		set16(b, 2, b->n);
		g->seq[exp] += nrec;
		break;
	case P_SFLOW:
		p32(b, 5); p32(b, 1); p32(b, 0x7f000001u + exp); p32(b, 0);
		p32(b, g->pktseq[exp]++); p32(b, up); p32(b, nrec);
		for (i = 0; i < nrec; i++) {
			size_t so;
			uint32_t flen;

			mkrec(g, &r);
			flen = 64 + (uint32_t)(g->rec % 1400);
			p32(b, 1);			/* flow sample */
			so = b->n;
			p32(b, 0);
			p32(b, g->seq[exp]++);
			p32(b, 1); p32(b, 1); p32(b, g->seq[exp]); p32(b, 0);
			p32(b, 1); p32(b, 2); p32(b, 1);	/* in, out, 1 record */
			p32(b, 1); p32(b, 16 + 44);	/* raw header record */
			p32(b, 1); p32(b, flen); p32(b, 4); p32(b, 42);
			/* Ethernet + IPv4 + UDP/TCP ports */
			p32(b, 0x02000000); p16(b, 2); p32(b, 0x02000000); p16(b, 1); p16(b, 0x0800);
			p8(b, 0x45); p8(b, 0); p16(b, (uint16_t)(flen - 18)); p32(b, 0);
			p8(b, 64); p8(b, r.proto); p16(b, 0); p32(b, r.src); p32(b, r.dst);
			p16(b, r.sport); p16(b, r.dport); p16(b, 8); p16(b, 0);
			p16(b, 0);			/* pad header to 44 */
			b->p[so] = 0; b->p[so + 1] = 0;
			set16(b, so + 2, b->n - so - 4);
			g->sum_pkts += 1;
			g->sum_bytes += flen;
		}
		break;
	}
}

static void build_garbage(struct gen *g, struct buf *b)
{
	size_t i;
	unsigned kind = (unsigned)(rnd(g) % 6);

	b->n = 1 + rnd(g) % 1400;
	for (i = 0; i < b->n; i++)
		b->p[i] = (uint8_t)rnd(g);
	if (b->n < 24)
		return;
	switch (kind) {	/* plausible headers with bad contents */
	case 0: b->p[0] = 0; b->p[1] = 5; break;
	case 1: b->p[0] = 0; b->p[1] = 9; break;
	case 2: b->p[0] = 0; b->p[1] = 10; break;
	case 3: memcpy(b->p, "\0\0\0\5\0\0\0\1", 8); break;
	default: break;	/* random */
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse_dest(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	size_t hl;

	if (!colon || (hl = (size_t)(colon - s)) >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		host[hl - 1] = 0;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)atoi(colon + 1));
		*len = sizeof(*a6);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1 ||
		    !IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr))
			return -1;
		return AF_INET6;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)atoi(colon + 1));
	*len = sizeof(*a4);
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1 ||
	    (ntohl(a4->sin_addr.s_addr) >> 24) != 127)
		return -1;	/* loopback only */
	return AF_INET;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dest", required_argument, NULL, 'd' },
		{ "proto", required_argument, NULL, 'p' },
		{ "rate", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "exporters", required_argument, NULL, 'e' },
		{ "keys", required_argument, NULL, 'k' },
		{ "garbage", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	static struct buf bufs[BATCH];
	struct gen g = { .rate = 100000, .count = 1000000, .exporters = 1, .keys = 65536,
			 .rng = 0x9e3779b97f4a7c15ull };
	struct sockaddr_storage dst;
	socklen_t dlen = 0;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int fds[MAXEXP], fam = 0, o;
	unsigned e;
	uint64_t sent_pkts = 0, start, pkts_total, npk = 0, send_err = 0;
	const char *dest = NULL;

	while ((o = getopt_long(argc, argv, "d:p:r:c:e:k:g", lo, NULL)) != -1) {
		switch (o) {
		case 'd': dest = optarg; break;
		case 'p':
			g.proto = !strcmp(optarg, "nf5") ? P_NF5 : !strcmp(optarg, "nf9") ? P_NF9 :
				  !strcmp(optarg, "ipfix") ? P_IPFIX : P_SFLOW;
			break;
		case 'r': g.rate = strtoull(optarg, NULL, 10); break;
		case 'c': g.count = strtoull(optarg, NULL, 10); break;
		case 'e': g.exporters = (unsigned)atoi(optarg); break;
		case 'k': g.keys = strtoull(optarg, NULL, 10); break;
		case 'g': g.garbage = 1; break;
		default:
			fprintf(stderr, "usage: ws-flowgen --dest 127.0.0.1:PORT --proto nf5|nf9|ipfix|sflow "
				"[--rate R] [--count N] [--exporters N] [--keys N] [--garbage]\n");
			return 2;
		}
	}
	if (!dest || (fam = parse_dest(dest, &dst, &dlen)) < 0 || !g.rate ||
	    g.exporters < 1 || g.exporters > MAXEXP) {
		fprintf(stderr, "ws-flowgen: need --dest on loopback (127.0.0.0/8 or [::1]), "
			"rate > 0, 1..%d exporters\n", MAXEXP);
		return 2;
	}
	/* exporter i sends from 127.0.0.(i+1) (IPv6: all from ::1) */
	for (e = 0; e < g.exporters; e++) {
		fds[e] = socket(fam, SOCK_DGRAM, 0);
		if (fds[e] < 0)
			return 1;
		if (fam == AF_INET) {
			struct sockaddr_in a = { .sin_family = AF_INET,
				.sin_addr.s_addr = htonl(0x7f000001u + e) };

			if (bind(fds[e], (struct sockaddr *)&a, sizeof(a)) < 0) {
				perror("ws-flowgen: bind");
				return 1;
			}
		}
	}
	pkts_total = g.garbage ? g.count : (g.count + per_pkt(g.proto) - 1) / per_pkt(g.proto);
	start = now_ns();
	while (npk < pkts_total) {
		unsigned n = 0, i;
		uint64_t ms = real_ms();

		e = (unsigned)((npk / BATCH) % g.exporters);
		while (n < BATCH && npk + n < pkts_total) {
			if (g.garbage) {
				build_garbage(&g, &bufs[n]);
			} else {
				uint64_t left = g.count - g.rec;
				unsigned k = per_pkt(g.proto);

				build(&g, e, &bufs[n], left < k ? (unsigned)left : k, ms);
			}
			iov[n].iov_base = bufs[n].p;
			iov[n].iov_len = bufs[n].n;
			memset(&msgs[n], 0, sizeof(msgs[n]));
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
			msgs[n].msg_hdr.msg_name = &dst;
			msgs[n].msg_hdr.msg_namelen = dlen;
			n++;
		}
		for (i = 0; i < n;) {
			int r = sendmmsg(fds[e], msgs + i, n - i, 0);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				send_err += n - i;
				break;
			}
			i += (unsigned)r;
		}
		sent_pkts += n;
		npk += n;
		/* pace: records (or datagrams) sent so far at @rate per second */
		{
			uint64_t units = g.garbage ? npk : g.rec;
			uint64_t due = start + units * 1000000000ull / g.rate, t = now_ns();

			if (due > t) {
				struct timespec ts = { (time_t)((due - t) / 1000000000ull),
						       (long)((due - t) % 1000000000ull) };

				nanosleep(&ts, NULL);
			}
		}
	}
	printf("{\"datagrams\":%llu,\"records\":%llu,\"packets\":%llu,\"bytes\":%llu,"
	       "\"send_errors\":%llu,\"seconds\":%.3f}\n",
	       (unsigned long long)sent_pkts, (unsigned long long)(g.garbage ? 0 : g.rec),
	       (unsigned long long)g.sum_pkts, (unsigned long long)g.sum_bytes,
	       (unsigned long long)send_err, (double)(now_ns() - start) / 1e9);
	for (e = 0; e < g.exporters; e++)
		close(fds[e]);
	return 0;
}
