/* SPDX-License-Identifier: BSD-2-Clause */
/* icmpsock.c - ICMP/ICMPv6 echo sockets: open, send with TTL, replies, error queue */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/icmp.h>

#include "icmp/icmpsock.h"
#include "lib/cursor.h"
#include "pkt/pkt.h"

_Static_assert(ICMPSOCK_ORIGIN_LOCAL == SO_EE_ORIGIN_LOCAL &&
	       ICMPSOCK_ORIGIN_ICMP == SO_EE_ORIGIN_ICMP &&
	       ICMPSOCK_ORIGIN_ICMP6 == SO_EE_ORIGIN_ICMP6, "errqueue origins");

#define CAP_NET_RAW_BIT 13
#define PING_RANGE_PATH "/proc/sys/net/ipv4/ping_group_range"
/* Room for an IPv4 header with options ahead of the ICMP message (raw). */
#define RAW_HDR_ROOM 64
/* Ancillary data per received message: TTL, timestamp, error + offender. */
#define CMSG_ROOM 256

/* ---- Permission ---- */

static bool gid_in(uint32_t g, uint32_t lo, uint32_t hi)
{
	return lo <= g && g <= hi;
}

void icmpsock_perm_eval(const char *range_text, uint32_t egid, const uint32_t *groups,
			size_t ngroups, struct icmpsock_perm *p)
{
	unsigned long lo, hi;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->egid = egid;
	if (range_text && sscanf(range_text, "%lu %lu", &lo, &hi) == 2 &&
	    lo <= UINT32_MAX && hi <= UINT32_MAX) {
		p->range_known = true;
		p->lo = (uint32_t)lo;
		p->hi = (uint32_t)hi;
	} else {
		/* Unreadable: assume the namespace default, closed. */
		p->lo = 1;
		p->hi = 0;
	}
	if (gid_in(egid, p->lo, p->hi)) {
		p->allowed = true;
		p->match_gid = egid;
		return;
	}
	for (i = 0; i < ngroups; i++) {
		if (gid_in(groups[i], p->lo, p->hi)) {
			p->allowed = true;
			p->match_gid = groups[i];
			p->match_supplementary = true;
			return;
		}
	}
}

static bool has_cap_net_raw(void)
{
	char line[256];
	unsigned long long eff;
	bool r = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			r = (eff >> CAP_NET_RAW_BIT) & 1;
			break;
		}
	}
	fclose(f);
	return r;
}

int icmpsock_perm_check(struct icmpsock_perm *p)
{
	char text[64] = "";
	gid_t gl[1024];
	uint32_t g[1024];
	int n, i, fd;
	ssize_t r = -1;

	n = getgroups(1024, gl);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		g[i] = (uint32_t)gl[i];
	fd = open(PING_RANGE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		r = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	icmpsock_perm_eval(r > 0 ? text : NULL, (uint32_t)getegid(), g, (size_t)n, p);
	p->cap_net_raw = has_cap_net_raw();
	return 0;
}

size_t icmpsock_perm_explain(const struct icmpsock_perm *p, char *buf, size_t len)
{
	char range[64];
	int n;

	if (!p->range_known)
		snprintf(range, sizeof(range), "unreadable (%s)", PING_RANGE_PATH);
	else if (p->lo > p->hi)
		snprintf(range, sizeof(range), "\"%u %u\" (closed: no group at all)",
			 p->lo, p->hi);
	else
		snprintf(range, sizeof(range), "\"%u %u\"", p->lo, p->hi);
	if (p->allowed) {
		n = snprintf(buf, len,
			"ICMP echo sockets are allowed: net.ipv4.ping_group_range is %s and "
			"contains %s group %u.",
			range, p->match_supplementary ? "supplementary" : "the effective",
			p->match_gid);
		return n < 0 ? 0 : (size_t)n;
	}
	if (p->cap_net_raw) {
		n = snprintf(buf, len,
			"ICMP echo sockets are not allowed (net.ipv4.ping_group_range is %s, "
			"group %u is outside it), but this process has CAP_NET_RAW: raw "
			"ICMP sockets are used instead.", range, p->egid);
		return n < 0 ? 0 : (size_t)n;
	}
	n = snprintf(buf, len,
		"ICMP echo sockets are not allowed for this process: "
		"net.ipv4.ping_group_range is %s and neither its group %u nor any "
		"supplementary group lies in it; it also lacks CAP_NET_RAW for raw "
		"sockets. The range governs IPv4 and IPv6 ICMP sockets alike; a new "
		"network namespace starts with \"1 0\", where even root is refused.\n"
		"Fix (as root, in this network namespace):\n"
		"  sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"   # every group\n"
		"  sysctl -w net.ipv4.ping_group_range=\"%u %u\"   # only group %u\n"
		"To keep it across reboots, put 'net.ipv4.ping_group_range = 0 2147483647' "
		"in /etc/sysctl.d/60-ping.conf.",
		range, p->egid, p->egid, p->egid, p->egid);
	return n < 0 ? 0 : (size_t)n;
}

/* ---- Sockets ---- */

static int setopt_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static int raw_filter(int fd, int family)
{
	if (family == AF_INET) {
		struct icmp_filter f = { .data = ~(1U << ICMP4_ECHO_REPLY) };

		return setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	} else {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
}

static uint16_t random_id(void)
{
	uint16_t id = 0;

	while (id == 0)
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
			id = (uint16_t)(getpid() ^ time(NULL));
	return id;
}

static int sock_setup(struct icmpsock *s, const struct ip_addr *src, uint16_t id)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct ip_addr any = { .family = s->family == AF_INET ? 4 : 6 };
	int v4 = s->family == AF_INET;

	if (v4) {
		if (setopt_int(s->fd, SOL_IP, IP_RECVERR, 1) < 0 ||
		    setopt_int(s->fd, SOL_IP, IP_RECVTTL, 1) < 0)
			return -errno;
	} else {
		if (setopt_int(s->fd, SOL_IPV6, IPV6_RECVERR, 1) < 0 ||
		    setopt_int(s->fd, SOL_IPV6, IPV6_RECVHOPLIMIT, 1) < 0)
			return -errno;
	}
	if (setopt_int(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, 1) < 0)
		return -errno;
	if (s->raw && raw_filter(s->fd, s->family) < 0)
		return -errno;
	if (!src || !ip_addr_is_set(src))
		src = &any;
	if ((src->family == 4) != v4)
		return -EAFNOSUPPORT;
	sl = (socklen_t)ip_addr_to_sockaddr(src, s->raw ? 0 : id, &ss, sizeof(ss));
	if (bind(s->fd, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	if (s->raw) {
		s->id = id ? id : random_id();
		return 0;
	}
	sl = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	if (ip_addr_from_sockaddr((struct sockaddr *)&ss, &any, &s->id) < 0)
		return -EINVAL;
	return 0;
}

int icmpsock_open(struct icmpsock *s, int family, const struct ip_addr *src,
		  uint16_t id, unsigned flags)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int type = SOCK_CLOEXEC | (flags & ICMPSOCK_NONBLOCK ? SOCK_NONBLOCK : 0);
	int r, e = EACCES;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	s->family = family;
	if (!(flags & ICMPSOCK_FORCE_RAW)) {
		s->fd = socket(family, SOCK_DGRAM | type, proto);
		if (s->fd < 0) {
			e = errno;
			if ((e != EACCES && e != EPERM) || (flags & ICMPSOCK_NO_RAW))
				return -e;
		}
	}
	if (s->fd < 0) {
		s->fd = socket(family, SOCK_RAW | type, proto);
		if (s->fd < 0)
			return errno == EPERM || errno == EACCES ? -EACCES : -errno;
		s->raw = true;
	}
	r = sock_setup(s, src, id);
	if (r < 0) {
		icmpsock_close(s);
		return r;
	}
	return 0;
}

void icmpsock_close(struct icmpsock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct tx_slot {
	uint8_t hdr[8];
	struct sockaddr_storage to;
	struct iovec iov[2];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
};

static void tx_build(const struct icmpsock *s, struct icmpsock_tx *t, struct tx_slot *sl,
		     struct mmsghdr *mh)
{
	struct msghdr *m = &mh->msg_hdr;
	struct cmsghdr *cm;
	int v4 = s->family == AF_INET;

	sl->hdr[0] = v4 ? ICMP4_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
	sl->hdr[1] = 0;
	sl->hdr[2] = sl->hdr[3] = 0;
	sl->hdr[4] = (uint8_t)(s->id >> 8);
	sl->hdr[5] = (uint8_t)s->id;
	sl->hdr[6] = (uint8_t)(t->seq >> 8);
	sl->hdr[7] = (uint8_t)t->seq;
	if (s->raw && v4) {
		/* Raw IPv4 carries our checksum; the kernel fills it otherwise. */
		uint32_t sum = pkt_csum_add(0, sl->hdr, 8);
		uint16_t c;

		sum = pkt_csum_add(sum, t->payload, t->len);
		c = pkt_csum_fold(sum);
		sl->hdr[2] = (uint8_t)(c >> 8);
		sl->hdr[3] = (uint8_t)c;
	}
	sl->iov[0].iov_base = sl->hdr;
	sl->iov[0].iov_len = 8;
	sl->iov[1].iov_base = (void *)t->payload;
	sl->iov[1].iov_len = t->len;
	memset(m, 0, sizeof(*m));
	m->msg_name = &sl->to;
	m->msg_namelen = (socklen_t)ip_addr_to_sockaddr(&t->dst, 0, &sl->to, sizeof(sl->to));
	m->msg_iov = sl->iov;
	m->msg_iovlen = t->len ? 2 : 1;
	if (t->ttl > 0) {
		m->msg_control = sl->c.buf;
		m->msg_controllen = sizeof(sl->c.buf);
		cm = CMSG_FIRSTHDR(m);
		cm->cmsg_level = v4 ? SOL_IP : SOL_IPV6;
		cm->cmsg_type = v4 ? IP_TTL : IPV6_HOPLIMIT;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &t->ttl, sizeof(int));
	}
}

int icmpsock_send(struct icmpsock *s, struct icmpsock_tx *tx, unsigned n)
{
	struct tx_slot slot[ICMPSOCK_BATCH];
	struct mmsghdr mh[ICMPSOCK_BATCH];
	unsigned done = 0, k, i;
	int r;

	while (done < n) {
		int64_t now;

		k = n - done < ICMPSOCK_BATCH ? n - done : ICMPSOCK_BATCH;
		for (i = 0; i < k; i++) {
			struct icmpsock_tx *t = &tx[done + i];

			if (t->len > ICMPSOCK_MAX_PAYLOAD ||
			    (t->dst.family == 4) != (s->family == AF_INET))
				return done ? (int)done : -EINVAL;
			tx_build(s, t, &slot[i], &mh[i]);
		}
		now = real_ns();
		for (i = 0; i < k; i++)
			tx[done + i].sent_ns = now;
		r = sendmmsg(s->fd, mh, k, 0);
		/* With IP_RECVERR an ICMP error about an earlier echo is also left
		 * pending on the socket and fails the next send (or stops a
		 * batch) once, consuming it: retry once before believing it. */
		if (r < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINVAL)
			r = sendmmsg(s->fd, mh, k, 0);
		if (r < 0)
			return done ? (int)done : -errno;
		done += (unsigned)r;
	}
	return (int)done;
}

/* ---- Parsers ---- */

static void copy_payload(struct cursor *c, struct icmpsock_msg *m)
{
	size_t n = cur_left(c);

	m->truncated = n > m->cap;
	if (n > m->cap)
		n = m->cap;
	if (n && m->buf)
		memcpy(m->buf, cur_ptr(c), n);
	m->len = m->buf ? n : 0;
}

int icmpsock_parse_reply(int family, bool raw, const uint8_t *p, size_t len,
			 struct icmpsock_msg *m)
{
	struct cursor c = cur_init(p, len);
	uint8_t want = family == AF_INET ? ICMP4_ECHO_REPLY : ICMP6_ECHO_REPLY;

	if (raw && family == AF_INET) {
		uint8_t vihl = cur_u8(&c);
		size_t ihl = (size_t)(vihl & 15) * 4;

		if (!cur_ok(&c) || vihl >> 4 != 4 || ihl < 20 || !cur_skip(&c, ihl - 1))
			return -1;
	}
	m->type = cur_u8(&c);
	m->code = cur_u8(&c);
	cur_skip(&c, 2);	/* checksum: verified by the kernel (ping) or unneeded */
	m->id = cur_u16(&c);
	m->seq = cur_u16(&c);
	if (!cur_ok(&c) || m->type != want)
		return -1;
	m->kind = ICMPSOCK_REPLY;
	copy_payload(&c, m);
	return 0;
}

static enum icmpsock_kind classify(int family, uint8_t type, uint8_t code)
{
	if (family == AF_INET) {
		switch (type) {
		case ICMP4_TIME_EXCEEDED:
			return ICMPSOCK_TIME_EXCEEDED;
		case ICMP4_UNREACH:
			return code == 4 ? ICMPSOCK_PKT_TOO_BIG : ICMPSOCK_UNREACH;
		case ICMP4_PARAM_PROB:
			return ICMPSOCK_PARAM_PROB;
		default:
			return ICMPSOCK_OTHER;
		}
	}
	switch (type) {
	case ICMP6_TIME_EXCEEDED:
		return ICMPSOCK_TIME_EXCEEDED;
	case ICMP6_UNREACH:
		return ICMPSOCK_UNREACH;
	case ICMP6_PKT_TOO_BIG:
		return ICMPSOCK_PKT_TOO_BIG;
	case ICMP6_PARAM_PROB:
		return ICMPSOCK_PARAM_PROB;
	default:
		return ICMPSOCK_OTHER;
	}
}

int icmpsock_parse_err(int family, const struct icmpsock_ee *ee, const uint8_t *p,
		       size_t len, struct icmpsock_msg *m)
{
	struct cursor c = cur_init(p, len);
	uint8_t want = family == AF_INET ? ICMP4_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
	uint8_t qtype, qcode;

	m->err = (int)ee->ee_errno;
	m->info = ee->ee_info;
	m->type = ee->ee_type;
	m->code = ee->ee_code;
	m->from = ee->offender;
	m->dst = ee->dst;
	m->ttl = -1;
	switch (ee->ee_origin) {
	case SO_EE_ORIGIN_ICMP:
		if (family != AF_INET)
			return -1;
		m->kind = classify(family, ee->ee_type, ee->ee_code);
		break;
	case SO_EE_ORIGIN_ICMP6:
		if (family != AF_INET6)
			return -1;
		m->kind = classify(family, ee->ee_type, ee->ee_code);
		break;
	case SO_EE_ORIGIN_LOCAL:
		m->kind = ee->ee_errno == EMSGSIZE ? ICMPSOCK_PKT_TOO_BIG : ICMPSOCK_LOCAL_ERR;
		m->from = ee->dst;
		m->id = m->seq = 0;
		m->len = 0;
		m->truncated = false;
		/* A local error quotes nothing we could match: valid, seq unknown. */
		if (len < 8)
			return 0;
		break;
	default:
		return -1;
	}
	if (ip_addr_is_set(&m->from) && (m->from.family == 4) != (family == AF_INET))
		return -1;
	qtype = cur_u8(&c);
	qcode = cur_u8(&c);
	cur_skip(&c, 2);
	m->id = cur_u16(&c);
	m->seq = cur_u16(&c);
	if (!cur_ok(&c) || qtype != want || qcode != 0)
		return -1;
	copy_payload(&c, m);
	return 0;
}

const char *icmpsock_describe(int family, const struct icmpsock_msg *m, bool bang,
			      char *buf, size_t len)
{
	static const char *const v4u[16][2] = {
		{ "!N", "network unreachable" }, { "!H", "host unreachable" },
		{ "!P", "protocol unreachable" }, { "!p", "port unreachable" },
		{ "!F", "fragmentation needed" }, { "!S", "source route failed" },
		{ "!N", "destination network unknown" }, { "!H", "destination host unknown" },
		{ "!H", "source host isolated" }, { "!X", "network administratively prohibited" },
		{ "!X", "host administratively prohibited" }, { "!N", "network unreachable for TOS" },
		{ "!H", "host unreachable for TOS" }, { "!X", "communication administratively prohibited" },
		{ "!V", "host precedence violation" }, { "!C", "precedence cutoff in effect" },
	};
	static const char *const v6u[8][2] = {
		{ "!N", "no route to destination" }, { "!X", "communication administratively prohibited" },
		{ "!S", "beyond scope of source address" }, { "!H", "address unreachable" },
		{ "!p", "port unreachable" }, { "!X", "source address failed ingress/egress policy" },
		{ "!X", "reject route to destination" }, { "!H", "error in source routing header" },
	};

	switch (m->kind) {
	case ICMPSOCK_REPLY:
		return bang ? "" : "echo reply";
	case ICMPSOCK_TIME_EXCEEDED:
		if (bang)
			return "";
		return m->code == 1 ? "fragment reassembly time exceeded" : "time to live exceeded";
	case ICMPSOCK_UNREACH:
		if (family == AF_INET && m->code < 16)
			return v4u[m->code][bang ? 0 : 1];
		if (family == AF_INET6 && m->code < 8)
			return v6u[m->code][bang ? 0 : 1];
		snprintf(buf, len, bang ? "!<%u>" : "destination unreachable (code %u)", m->code);
		return buf;
	case ICMPSOCK_PKT_TOO_BIG:
		snprintf(buf, len, bang ? "!F-%u" : "packet too big (mtu %u)", m->info);
		return buf;
	case ICMPSOCK_PARAM_PROB:
		return bang ? "!P" : "parameter problem";
	case ICMPSOCK_LOCAL_ERR:
		snprintf(buf, len, bang ? "!E" : "local error: %s", strerror(m->err));
		return buf;
	case ICMPSOCK_OTHER:
	default:
		snprintf(buf, len, bang ? "!<%u>" : "ICMP type %u code %u", m->type, m->code);
		if (bang)
			snprintf(buf, len, "!<%u.%u>", m->type, m->code);
		return buf;
	}
}

/* ---- Receiving ---- */

struct rx_slot {
	struct iovec iov;
	struct sockaddr_storage from;
	union {
		char buf[CMSG_ROOM];
		struct cmsghdr align;
	} c;
};

/* Scratch space for received packets (raw IPv4 needs the IP header room). */
static uint8_t *scratch_get(size_t slot, unsigned n)
{
	static _Thread_local uint8_t *p;
	static _Thread_local size_t have;
	size_t want = slot * n;
	uint8_t *np;

	if (want > have) {
		np = realloc(p, want);
		if (!np)
			return NULL;
		p = np;
		have = want;
	}
	return p;
}

static void read_cmsgs(struct msghdr *mh, struct icmpsock_msg *m, struct icmpsock_ee *ee)
{
	struct cmsghdr *cm;

	m->ttl = -1;
	m->rx_ns = 0;
	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			m->rx_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		} else if (((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_TTL) ||
			    (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT)) &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&m->ttl, CMSG_DATA(cm), sizeof(int));
		} else if (ee && ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
				  (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)) &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(struct sock_extended_err))) {
			struct sock_extended_err e;
			size_t off = sizeof(e);
			size_t have = cm->cmsg_len - CMSG_LEN(0);

			memcpy(&e, CMSG_DATA(cm), sizeof(e));
			ee->ee_errno = e.ee_errno;
			ee->ee_origin = e.ee_origin;
			ee->ee_type = e.ee_type;
			ee->ee_code = e.ee_code;
			ee->ee_info = e.ee_info;
			memset(&ee->offender, 0, sizeof(ee->offender));
			/* SO_EE_OFFENDER: a sockaddr right after the struct. */
			if (have > off) {
				struct sockaddr_storage ss;
				size_t n = have - off < sizeof(ss) ? have - off : sizeof(ss);

				memset(&ss, 0, sizeof(ss));
				memcpy(&ss, CMSG_DATA(cm) + off, n);
				if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
					ip_addr_from_sockaddr((struct sockaddr *)&ss,
							      &ee->offender, NULL);
			}
		}
	}
}

int icmpsock_recv(struct icmpsock *s, struct icmpsock_msg *m, unsigned n)
{
	struct rx_slot slot[ICMPSOCK_BATCH];
	struct mmsghdr mh[ICMPSOCK_BATCH];
	size_t slotsz = 2048;
	uint8_t *scr;
	unsigned i, got = 0;
	int r;

	if (n > ICMPSOCK_BATCH)
		n = ICMPSOCK_BATCH;
	for (i = 0; i < n; i++)
		if (m[i].cap + 8 + RAW_HDR_ROOM > slotsz)
			slotsz = m[i].cap + 8 + RAW_HDR_ROOM;
	if (slotsz > 65536 + RAW_HDR_ROOM)
		slotsz = 65536 + RAW_HDR_ROOM;
	scr = scratch_get(slotsz, n);
	if (!scr)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		/* Only the address is taken here; the header is filled below. */
		// cppcheck-suppress uninitvar
		struct msghdr *h = &mh[i].msg_hdr;

		slot[i].iov.iov_base = scr + i * slotsz;
		slot[i].iov.iov_len = slotsz;
		memset(h, 0, sizeof(*h));
		h->msg_name = &slot[i].from;
		h->msg_namelen = sizeof(slot[i].from);
		h->msg_iov = &slot[i].iov;
		h->msg_iovlen = 1;
		h->msg_control = slot[i].c.buf;
		h->msg_controllen = sizeof(slot[i].c.buf);
	}
	r = recvmmsg(s->fd, mh, n, MSG_DONTWAIT, NULL);
	/* A pending asynchronous error (see icmpsock_send) fails one call. */
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		r = recvmmsg(s->fd, mh, n, MSG_DONTWAIT, NULL);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (i = 0; i < (unsigned)r; i++) {
		struct icmpsock_msg *o = &m[got];

		if (icmpsock_parse_reply(s->family, s->raw, slot[i].iov.iov_base,
					 mh[i].msg_len, o) < 0) {
			s->rx_malformed++;
			continue;
		}
		if (s->raw && o->id != s->id) {
			s->rx_foreign++;
			continue;
		}
		if (ip_addr_from_sockaddr((struct sockaddr *)&slot[i].from, &o->from, NULL) < 0) {
			s->rx_malformed++;
			continue;
		}
		memset(&o->dst, 0, sizeof(o->dst));
		o->err = 0;
		o->info = 0;
		read_cmsgs(&mh[i].msg_hdr, o, NULL);
		if (!o->rx_ns)
			o->rx_ns = real_ns();
		got++;
	}
	return (int)got;
}

int icmpsock_recv_err(struct icmpsock *s, struct icmpsock_msg *m, unsigned n)
{
	uint8_t data[576];
	unsigned got = 0;

	while (got < n) {
		struct icmpsock_msg *o = &m[got];
		struct sockaddr_storage name;
		struct icmpsock_ee ee;
		struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
		union {
			char buf[CMSG_ROOM];
			struct cmsghdr align;
		} c;
		struct msghdr h = {
			.msg_name = &name, .msg_namelen = sizeof(name),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
		};
		ssize_t r = recvmsg(s->fd, &h, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return got ? (int)got : -errno;
		}
		memset(&ee, 0, sizeof(ee));
		ee.ee_origin = 0xff;
		if (h.msg_namelen)
			ip_addr_from_sockaddr((struct sockaddr *)&name, &ee.dst, NULL);
		read_cmsgs(&h, o, &ee);
		{
			int ttl = o->ttl;
			int64_t rx = o->rx_ns;

			if (icmpsock_parse_err(s->family, &ee, data, (size_t)r, o) < 0) {
				s->rx_malformed++;
				continue;
			}
			o->ttl = ttl;
			o->rx_ns = rx ? rx : real_ns();
		}
		/* Raw sockets see errors about other processes' echoes too. */
		if (s->raw && o->kind != ICMPSOCK_LOCAL_ERR && o->id != s->id) {
			s->rx_foreign++;
			continue;
		}
		got++;
	}
	return (int)got;
}

/* ---- Addresses ---- */

int icmpsock_pick_source(const struct ip_addr *dst, struct ip_addr *src)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, e;

	fd = socket(dst->family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sl = (socklen_t)ip_addr_to_sockaddr(dst, 9, &ss, sizeof(ss));
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		goto fail;
	close(fd);
	return ip_addr_from_sockaddr((struct sockaddr *)&ss, src, NULL) < 0 ? -EINVAL : 0;
fail:
	e = errno;
	close(fd);
	return -e;
}

int icmpsock_resolve(const char *what, const char *host, int family, struct ip_addr *out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res, *ai;
	int r;

	if (ip_addr_parse(host, out) == 0) {
		if ((family == AF_INET && out->family != 4) ||
		    (family == AF_INET6 && out->family != 6)) {
			fprintf(stderr, "wanscope: %s: %s is not an IPv%d address\n", what, host,
				family == AF_INET ? 4 : 6);
			return -1;
		}
		return 0;
	}
	hints.ai_family = family;
	r = getaddrinfo(host, NULL, &hints, &res);
	if (r) {
		fprintf(stderr, "wanscope: %s: %s: %s\n", what, host, gai_strerror(r));
		return -1;
	}
	/* AF_UNSPEC: prefer IPv4 like iputils ping, else the first answer. */
	for (ai = res; ai; ai = ai->ai_next)
		if (family != AF_UNSPEC || ai->ai_family == AF_INET)
			break;
	if (!ai)
		ai = res;
	r = ip_addr_from_sockaddr(ai->ai_addr, out, NULL);
	freeaddrinfo(res);
	if (r < 0) {
		fprintf(stderr, "wanscope: %s: %s: no usable address\n", what, host);
		return -1;
	}
	return 0;
}

void icmpsock_rdns(const struct ip_addr *a, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = (socklen_t)ip_addr_to_sockaddr(a, 0, &ss, sizeof(ss));
	char tmp[IP_ADDR_STRLEN];

	if (getnameinfo((struct sockaddr *)&ss, sl, buf, (socklen_t)len, NULL, 0,
			NI_NAMEREQD) == 0)
		return;
	ip_addr_fmt(a, tmp);
	snprintf(buf, len, "%s", tmp);
}
