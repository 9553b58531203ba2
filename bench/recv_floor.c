/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * recv_floor.c - the receive floor: what the kernel's UDP receive path
 * alone costs per flow record on this machine
 *
 * ws-recv-floor --listen HOST:PORT [--threads N] [--rcvbuf BYTES] [--poll]
 * Receives on the sockets `wanscope collect` uses (a SO_REUSEPORT group of
 * one socket per thread, the same cBPF steering by exporter address,
 * SO_RXQ_OVFL, the same receive buffer, recvmmsg batches of 64 into 64 KiB
 * buffers), counts the flow records each datagram carries from its
 * framing and throws them away. Each thread blocks in recvmmsg
 * (MSG_WAITFORONE: one system call per wake-up, the cheapest way to read
 * a socket); with --poll it waits in poll() and then drains the socket
 * without blocking, as wanscope's epoll loop does. Runs until SIGINT or
 * SIGTERM, then prints one JSON line: datagrams, records, kernel drops,
 * its CPU time (user + system). bench/collector.sh runs it beside the
 * collectors: its CPU per record is the lower bound for any collector
 * that receives through sockets.
 *
 * Counting, per protocol (no field is decoded):
 *  - NetFlow v5: the header's count;
 *  - NetFlow v9: the header's count less the template records it carries;
 *  - IPFIX: each data set's length over its template's record length
 *    (a table of the last 64 templates seen: domain, id, length);
 *  - sFlow v5: the header's sample count.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif
#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

#define BATCH 64
#define BUFSZ 65536
#define MAXTHR 4
#define NTMPL 64

struct tmpl {
	uint32_t domain;
	uint16_t id, reclen;
};

struct thr {
	pthread_t tid;
	int fd;
	uint64_t datagrams, records, kernel_drops, truncated;
	uint32_t ovfl_last;
	struct tmpl t[NTMPL];
	unsigned nt, next;
	uint8_t *bufs;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage names[BATCH];
	char ctrl[BATCH][64];
};

static atomic_bool stop;
static bool use_poll;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, true);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct tmpl *tmpl_find(struct thr *t, uint32_t domain, uint16_t id)
{
	unsigned i;

	for (i = 0; i < t->nt; i++)
		if (t->t[i].id == id && t->t[i].domain == domain)
			return &t->t[i];
	return NULL;
}

/* IPFIX template set: remember each template's record length. */
static void ipfix_templates(struct thr *t, uint32_t domain, const uint8_t *p, size_t n)
{
	while (n >= 4) {
		uint16_t id = rd16(p), nf = rd16(p + 2), len = 0, k;
		struct tmpl *e;
		size_t off = 4;

		for (k = 0; k < nf; k++) {
			uint16_t ie, fl;

			if (off + 4 > n)
				return;
			ie = rd16(p + off);
			fl = rd16(p + off + 2);
			off += (ie & 0x8000) ? 8 : 4;
			len = (uint16_t)(len + (fl == 0xffff ? 1 : fl));
		}
		if (off > n || !len)
			return;
		e = tmpl_find(t, domain, id);
		if (!e) {
			e = &t->t[t->next];
			t->next = (t->next + 1) % NTMPL;
			if (t->nt < NTMPL)
				t->nt++;
		}
		e->domain = domain;
		e->id = id;
		e->reclen = len;
		p += off;
		n -= off;
	}
}

/* Flow records a datagram carries, from its framing. */
static uint64_t count_records(struct thr *t, const uint8_t *p, size_t n)
{
	size_t off;

	if (n < 4)
		return 0;
	switch (rd16(p)) {
	case 5:
		return rd16(p + 2);
	case 9: {
		uint64_t recs = rd16(p + 2);

		for (off = 20; off + 4 <= n;) {
			uint16_t sid = rd16(p + off), slen = rd16(p + off + 2), o;

			if (slen < 4 || off + slen > n)
				break;
			if (sid == 0)	/* template records */
				for (o = 4; o + 4 <= slen; o = (uint16_t)(o + 4 + 4 * rd16(p + off + o + 2)))
					recs -= recs ? 1 : 0;
			off += slen;
		}
		return recs;
	}
	case 10: {
		uint64_t recs = 0;
		uint32_t domain;

		if (n < 16)
			return 0;
		domain = rd32(p + 12);
		for (off = 16; off + 4 <= n;) {
			uint16_t sid = rd16(p + off), slen = rd16(p + off + 2);
			struct tmpl *e;

			if (slen < 4 || off + slen > n)
				break;
			if (sid == 2)
				ipfix_templates(t, domain, p + off + 4, slen - 4u);
			else if (sid >= 256 && (e = tmpl_find(t, domain, sid)))
				recs += (slen - 4u) / e->reclen;
			off += slen;
		}
		return recs;
	}
	case 0:
		if (n >= 28 && rd32(p) == 5)	/* sFlow v5: samples */
			return rd32(p + 4) == 2 ? (n >= 40 ? rd32(p + 36) : 0) : rd32(p + 24);
		return 0;
	}
	return 0;
}

static void drain(struct thr *t, int flags)
{
	int i, n;

	do {
		for (i = 0; i < BATCH; i++) {
			t->iov[i].iov_base = t->bufs + (size_t)i * BUFSZ;
			t->iov[i].iov_len = BUFSZ;
			t->msgs[i].msg_hdr.msg_iov = &t->iov[i];
			t->msgs[i].msg_hdr.msg_iovlen = 1;
			t->msgs[i].msg_hdr.msg_name = &t->names[i];
			t->msgs[i].msg_hdr.msg_namelen = sizeof(t->names[i]);
			t->msgs[i].msg_hdr.msg_control = t->ctrl[i];
			t->msgs[i].msg_hdr.msg_controllen = sizeof(t->ctrl[i]);
			t->msgs[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(t->fd, t->msgs, BATCH, flags, NULL);
		flags |= MSG_DONTWAIT;
		for (i = 0; i < n; i++) {
			struct msghdr *h = &t->msgs[i].msg_hdr;
			struct cmsghdr *cm;

			for (cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
					uint32_t v;

					memcpy(&v, CMSG_DATA(cm), sizeof(v));
					t->kernel_drops += (uint32_t)(v - t->ovfl_last);
					t->ovfl_last = v;
				}
			}
			t->datagrams++;
			if (h->msg_flags & MSG_TRUNC) {
				t->truncated++;
				continue;
			}
			t->records += count_records(t, t->iov[i].iov_base, t->msgs[i].msg_len);
		}
	} while (n == BATCH);
}

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	struct pollfd pf = { .fd = t->fd, .events = POLLIN };

	while (!atomic_load(&stop)) {
		if (!use_poll)
			drain(t, MSG_WAITFORONE);	/* SO_RCVTIMEO bounds the wait */
		else if (poll(&pf, 1, 200) > 0)
			drain(t, MSG_DONTWAIT);
	}
	drain(t, MSG_DONTWAIT);
	return NULL;
}

/* The steering program of src/collect/listen.c: hash(source) % n. */
static int attach_steering(int fd, unsigned n)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_NET_OFF + 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x60, 2, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),
		BPF_JUMP(BPF_JMP | BPF_JA, 10, 0, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 8),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 16),
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 20),
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1u),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog));
}

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	size_t hl;

	if (!colon || (hl = (size_t)(colon - s)) >= sizeof(host) || hl < 1)
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = 0;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)atoi(colon + 1));
		*len = sizeof(*a6);
		return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1 ? AF_INET6 : -1;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)atoi(colon + 1));
	*len = sizeof(*a4);
	return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? AF_INET : -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "rcvbuf", required_argument, NULL, 'b' },
		{ "poll", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	static struct thr thr[MAXTHR];
	struct sockaddr_storage ss;
	socklen_t slen = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nthr = ncpu < 1 ? 1 : ncpu > MAXTHR ? MAXTHR : (unsigned)ncpu, i;
	int rcvbuf = 64 << 20, fam = -1, o, one = 1;
	uint64_t dg = 0, recs = 0, drops = 0, trunc = 0;
	const char *listen = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t all, old;
	struct rusage ru;

	while ((o = getopt_long(argc, argv, "l:t:b:p", lo, NULL)) != -1) {
		switch (o) {
		case 'l': listen = optarg; break;
		case 't': nthr = (unsigned)atoi(optarg); break;
		case 'b': rcvbuf = atoi(optarg); break;
		case 'p': use_poll = true; break;
		default: goto usage;
		}
	}
	if (!listen || (fam = parse_listen(listen, &ss, &slen)) < 0 ||
	    nthr < 1 || nthr > MAXTHR || rcvbuf < 4096)
		goto usage;
	for (i = 0; i < nthr; i++) {
		struct thr *t = &thr[i];

		struct timeval tmo = { 0, 200000 };

		t->fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		t->bufs = malloc((size_t)BATCH * BUFSZ);
		if (t->fd < 0 || !t->bufs) {
			perror("ws-recv-floor: socket");
			return 1;
		}
		setsockopt(t->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		setsockopt(t->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
		setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
		if (setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
			setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if (bind(t->fd, (struct sockaddr *)&ss, slen) < 0) {
			perror("ws-recv-floor: bind");
			return 1;
		}
	}
	if (nthr > 1 && attach_steering(thr[0].fd, nthr) < 0) {
		perror("ws-recv-floor: SO_ATTACH_REUSEPORT_CBPF");
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* the threads block signals; the main thread takes them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nthr; i++)
		if (pthread_create(&thr[i].tid, NULL, thr_main, &thr[i])) {
			fprintf(stderr, "ws-recv-floor: cannot start a thread\n");
			return 1;
		}
	/* signals stay blocked but while sigsuspend() waits: none is missed */
	sigdelset(&old, SIGINT);
	sigdelset(&old, SIGTERM);
	while (!atomic_load(&stop))
		sigsuspend(&old);
	for (i = 0; i < nthr; i++) {
		pthread_join(thr[i].tid, NULL);
		dg += thr[i].datagrams;
		recs += thr[i].records;
		drops += thr[i].kernel_drops;
		trunc += thr[i].truncated;
		close(thr[i].fd);
		free(thr[i].bufs);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"datagrams\":%llu,\"records\":%llu,\"kernel_drops\":%llu,\"truncated\":%llu,"
	       "\"threads\":%u,\"cpu_ns\":%llu}\n", (unsigned long long)dg, (unsigned long long)recs,
	       (unsigned long long)drops, (unsigned long long)trunc, nthr,
	       (unsigned long long)((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
				    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull));
	return 0;
usage:
	fprintf(stderr, "usage: ws-recv-floor --listen HOST:PORT [--threads 1..%d] "
		"[--rcvbuf BYTES] [--poll]\n", MAXTHR);
	return 2;
}
