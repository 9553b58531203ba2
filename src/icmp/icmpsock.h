/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * icmpsock.h - ICMP/ICMPv6 echo sockets for unprivileged tools and the proxy
 *
 * Theory of operation
 *
 * Linux lets a process whose effective or supplementary group lies in
 * net.ipv4.ping_group_range (the range governs IPv6 too) open
 * socket(AF_INET[6], SOCK_DGRAM, IPPROTO_ICMP[V6]). Such a "ping socket"
 * sends only echo requests, owns one echo identifier (bound like a port:
 * the kernel overwrites the id field and fills the checksum) and reads only
 * echo replies carrying that identifier. With IP_RECVERR / IPV6_RECVERR the
 * ICMP errors routers send about its echoes (time exceeded, unreachable,
 * packet too big, parameter problem) are queued on the socket's error queue
 * with the router's address (SO_EE_OFFENDER) and the quoted original echo,
 * so its identifier and sequence are known. Per-packet IP_TTL /
 * IPV6_HOPLIMIT ancillary data sets the TTL of each echo.
 *
 * When ping sockets are not allowed but the process has CAP_NET_RAW, a raw
 * socket is used instead and made to look the same: an ICMP filter lets only
 * echo replies through, the identifier is chosen here and checked on
 * receive, IPv4 checksums are computed here, IPv4 replies are stripped of
 * their IP header, and errors still come from the error queue (raw sockets
 * get them there with IP_RECVERR as well). Callers see one interface.
 *
 * Everything that reads received bytes (icmpsock_parse_reply,
 * icmpsock_parse_err) is a pure function over a cursor, unit tested and
 * fuzzed; the socket functions only move bytes and ancillary data.
 */
#ifndef WS_ICMPSOCK_H
#define WS_ICMPSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "lib/addr.h"

/* ICMP(v6) type numbers used by the parsers. */
#define ICMP4_ECHO_REPLY 0
#define ICMP4_UNREACH 3
#define ICMP4_REDIRECT 5
#define ICMP4_ECHO_REQUEST 8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_PARAM_PROB 12
#define ICMP6_UNREACH 1
#define ICMP6_PKT_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROB 4
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

/* Largest echo payload (IPv4: 65535 - 20 - 8). */
#define ICMPSOCK_MAX_PAYLOAD 65507
/* Messages per sendmmsg / recvmmsg call. */
#define ICMPSOCK_BATCH 32

/* ---- Permission: net.ipv4.ping_group_range ---- */

struct icmpsock_perm {
	bool range_known;	/* the sysctl could be read */
	uint32_t lo, hi;	/* the range; lo > hi means closed ("1 0") */
	uint32_t egid;
	bool allowed;		/* egid or a supplementary group is in range */
	uint32_t match_gid;	/* the group that allowed it */
	bool match_supplementary;
	bool cap_net_raw;	/* effective CAP_NET_RAW (raw fallback possible) */
};

/*
 * Decide as the kernel does (ping_init_sock): allowed when the effective
 * gid or any of the @ngroups supplementary gids lies in [lo, hi].
 * @range_text is the sysctl file's content ("1\t0\n"); NULL = unreadable.
 * Pure; used by icmpsock_perm_check and unit tests.
 */
void icmpsock_perm_eval(const char *range_text, uint32_t egid, const uint32_t *groups,
			size_t ngroups, struct icmpsock_perm *p);

/*
 * Check this process: reads /proc/sys/net/ipv4/ping_group_range, the
 * effective and supplementary groups and the effective capabilities.
 * Return: 0 (see @p->allowed), -1 if the groups could not be read.
 */
int icmpsock_perm_check(struct icmpsock_perm *p);

/*
 * A precise human explanation of @p, ending with the exact fix: the broad
 * `sysctl -w net.ipv4.ping_group_range="0 2147483647"` and the narrow one
 * for this process's group. Several lines, no trailing newline.
 * Return: the length snprintf would have written.
 */
size_t icmpsock_perm_explain(const struct icmpsock_perm *p, char *buf, size_t len);

/* ---- Sockets ---- */

struct icmpsock {
	int fd;
	int family;		/* AF_INET or AF_INET6 */
	bool raw;		/* raw-socket fallback in use */
	uint16_t id;		/* echo identifier of this socket */
	/* Counters of received messages that were not for us or malformed. */
	uint64_t rx_foreign;	/* raw: echo replies with another identifier */
	uint64_t rx_malformed;
};

enum icmpsock_flags {
	ICMPSOCK_NO_RAW = 1 << 0,	/* never fall back to a raw socket */
	ICMPSOCK_FORCE_RAW = 1 << 1,	/* raw socket only (tests, benchmarks) */
	ICMPSOCK_NONBLOCK = 1 << 2,
};

/*
 * Open an echo socket of @family (AF_INET/AF_INET6) with error queue,
 * received TTL/hop limit and kernel receive timestamps enabled. @src (NULL
 * or unset = any) is bound as source address; @id 0 lets the kernel pick
 * the identifier (datagram sockets), otherwise it is requested (EADDRINUSE
 * when taken). A ping socket is tried first; on EACCES/EPERM a raw socket
 * when the process may open one (unless ICMPSOCK_NO_RAW).
 * Return: 0, or -errno; -EACCES means "not allowed by ping_group_range and
 * no CAP_NET_RAW": explain with icmpsock_perm_check/explain.
 */
int icmpsock_open(struct icmpsock *s, int family, const struct ip_addr *src,
		  uint16_t id, unsigned flags);
void icmpsock_close(struct icmpsock *s);

/* One echo request to send. */
struct icmpsock_tx {
	struct ip_addr dst;
	uint16_t seq;
	int ttl;		/* TTL / hop limit; 0 = the system default */
	const void *payload;
	size_t len;		/* <= ICMPSOCK_MAX_PAYLOAD */
	int64_t sent_ns;	/* out: CLOCK_REALTIME just before the send */
};

/*
 * Send @n echo requests with sendmmsg (in batches of ICMPSOCK_BATCH), each
 * with its own TTL. The identifier is the socket's.
 * Return: how many were sent (a prefix of @tx), or -errno when the first
 * one failed (e.g. -EHOSTUNREACH, -ENETUNREACH, -EMSGSIZE).
 */
int icmpsock_send(struct icmpsock *s, struct icmpsock_tx *tx, unsigned n);

/* What one received message means. */
enum icmpsock_kind {
	ICMPSOCK_REPLY,		/* echo reply from @from */
	ICMPSOCK_TIME_EXCEEDED,	/* TTL / hop limit expired at router @from */
	ICMPSOCK_UNREACH,	/* destination unreachable (@code) from @from */
	ICMPSOCK_PKT_TOO_BIG,	/* fragmentation needed / packet too big, @info = MTU */
	ICMPSOCK_PARAM_PROB,	/* parameter problem from @from */
	ICMPSOCK_LOCAL_ERR,	/* local error (@err, e.g. EMSGSIZE), no ICMP */
	ICMPSOCK_OTHER,		/* another ICMP error type (@type, @code) */
};

struct icmpsock_msg {
	/* Set by the caller before receiving: where the echo payload goes. */
	uint8_t *buf;
	size_t cap;
	/* Filled in. */
	enum icmpsock_kind kind;
	struct ip_addr from;	/* replying host, or the router/offender */
	struct ip_addr dst;	/* errors: destination of the original echo */
	uint16_t id, seq;	/* of the echo (errors: of the quoted original) */
	uint8_t type, code;	/* ICMP(v6) type and code received */
	int ttl;		/* reply's TTL / hop limit, -1 unknown */
	int err;		/* errors: the errno the kernel attached */
	uint32_t info;		/* errors: ee_info (MTU for too big) */
	int64_t rx_ns;		/* kernel receive time, CLOCK_REALTIME */
	size_t len;		/* payload bytes in @buf (replies; errors: quoted) */
	bool truncated;		/* payload longer than @cap */
};

/*
 * Receive up to @n echo replies (recvmmsg, non-blocking). Messages that are
 * not replies to this socket (raw mode) or malformed are dropped and
 * counted in @s.
 * Return: the number filled in @m (0 when none are waiting), or -errno.
 */
int icmpsock_recv(struct icmpsock *s, struct icmpsock_msg *m, unsigned n);

/*
 * Read up to @n entries of the error queue (MSG_ERRQUEUE).
 * Return: the number filled, 0 when the queue is empty, or -errno.
 */
int icmpsock_recv_err(struct icmpsock *s, struct icmpsock_msg *m, unsigned n);

/* ---- Parsers of received bytes (pure, fuzzed) ---- */

/*
 * Parse an echo reply as read from @s's kind of socket: @family, @raw (raw
 * IPv4 replies start with the IP header; everything else with the ICMP
 * header). Fills kind/type/code/id/seq and copies the payload to @m->buf.
 * Return: 0, or -1 when it is not a well-formed echo reply.
 */
int icmpsock_parse_reply(int family, bool raw, const uint8_t *p, size_t len,
			 struct icmpsock_msg *m);

/*
 * The kernel's description of one error-queue entry, decoupled from the
 * socket API so it can be tested: the fields of struct sock_extended_err,
 * the offender (SO_EE_OFFENDER) and the bytes read (the quoted original
 * ICMP header and what followed it).
 */
/* ee_origin values: SO_EE_ORIGIN_* of <linux/errqueue.h>. */
#define ICMPSOCK_ORIGIN_LOCAL 1
#define ICMPSOCK_ORIGIN_ICMP 2
#define ICMPSOCK_ORIGIN_ICMP6 3

struct icmpsock_ee {
	uint32_t ee_errno;
	uint8_t ee_origin;	/* ICMPSOCK_ORIGIN_* */
	uint8_t ee_type, ee_code;
	uint32_t ee_info;
	struct ip_addr offender;	/* unset when none */
	struct ip_addr dst;		/* msg_name of the error read */
};

/*
 * Turn one error-queue entry into @m: classify ("time exceeded from
 * ROUTER", "unreachable (code) from ROUTER"), and take the original echo's
 * id and sequence from the quoted ICMP header in @p.
 * Return: 0, or -1 when the quote is not one of our echo requests (or too
 * short to tell) — such entries are dropped.
 */
int icmpsock_parse_err(int family, const struct icmpsock_ee *ee, const uint8_t *p,
		       size_t len, struct icmpsock_msg *m);

/*
 * A short text for a received error, like traceroute's annotations:
 * "time exceeded", "host unreachable", "!H", ... @bang selects the
 * traceroute-style flag ("!H", "!N", "!P", "!X", "!F-1400", "" for time
 * exceeded and replies). Return: a static string or @buf.
 */
const char *icmpsock_describe(int family, const struct icmpsock_msg *m, bool bang,
			      char *buf, size_t len);

/* ---- Addresses ---- */

/*
 * The source address the kernel would choose for @dst (a connect()ed UDP
 * socket's getsockname: no packet is sent). For IPv6 never ::1 for an
 * off-host destination; use it to bind a sensible source explicitly.
 * Return: 0, or -errno (-ENETUNREACH when there is no route).
 */
int icmpsock_pick_source(const struct ip_addr *dst, struct ip_addr *src);

/*
 * Resolve @host (numeric or name) to one address of @family (AF_UNSPEC:
 * IPv4 preferred, like iputils ping). Return: 0, or -1 with a message
 * naming @what and @host on stderr.
 */
int icmpsock_resolve(const char *what, const char *host, int family, struct ip_addr *out);

/* Reverse DNS of @a into @buf; numeric when there is no name. */
void icmpsock_rdns(const struct ip_addr *a, char *buf, size_t len);

#endif
