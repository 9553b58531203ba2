/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * doctor.h - the path doctor's host snapshot, FIB model and analyses
 *
 * A snapshot is everything the kernel consults when it routes a packet to
 * or from this host: links, addresses, routes of every table, policy
 * rules, the per-interface sysctls of the reverse-path filter and ARP, and
 * the nftables rules that keep connection state. It comes from the live
 * host (netlink, /proc/sys, nft) or from a directory of saved command
 * output (see docs/doctor.md), and is read-only once built.
 */
#ifndef WS_DOCTOR_H
#define WS_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/nl.h"
#include "lib/ptrie.h"

/* Limits: a snapshot beyond these is refused with an error naming the limit. */
#define DR_MAX_LINKS 4096
#define DR_MAX_ADDRS 65536
#define DR_MAX_ROUTES 200000
#define DR_MAX_RULES 32768
#define DR_MAX_NFT 20000
#define DR_MAX_TABLES 4096
#define DR_MAX_NOTES 64

/* Tag on routes and rules `doctor fix --apply` adds (RTPROT_*, rt_protos). */
#define DR_RTPROT 246	/* not 245: the prober's steering owns that one */
#define DR_STATE_FILE "/run/wanscope/doctor-fix.json"

/* Per-interface IPv4 knobs; -1 = unknown (not in the snapshot). */
struct dr_conf {
	int rp_filter;
	int accept_local;
	int src_valid_mark;
	int arp_ignore;
	int arp_announce;
	int arp_filter;
	int forwarding;
	int route_localnet;
	int send_redirects;
	int log_martians;
};

struct dr_link {
	struct nl_link l;
	struct dr_conf conf;
};

/* One nftables rule, reduced to what matters for connection state. */
struct dr_nft_rule {
	char family[8];
	char table[64];
	char chain[64];
	char hook[16];		/* of the base chain, "" for regular chains */
	uint64_t handle;
	bool ct_state;		/* matches ct state */
	bool ct_state_invalid;	/* ... including "invalid" */
	bool ct_zone_set;	/* sets ct zone */
	bool ct_zone_match;
	char iifname[16];	/* first iifname / oifname compared, if any */
	char oifname[16];
	char verdict[12];	/* accept drop reject jump goto "" */
	char summary[320];	/* short human form */
	/* A reverse-path rule: `fib saddr [. mark] [. iif] oif missing` (or
	 * `oif 0`) with a drop/reject verdict. */
	bool fib_rpf;
	bool fib_iif;		/* strict: the route back must use the incoming interface */
	bool fib_mark;		/* the lookup carries the packet's mark */
	uint8_t nfproto;	/* 4 or 6 (table family, meta nfproto), 0: both */
	bool other_match;	/* further matches the doctor does not evaluate */
};

struct dr_note {
	char text[200];
};

struct dr_fib_table;

struct dr_snap {
	char source[256];	/* "live" or the snapshot directory */
	bool live;
	struct dr_link *links;
	size_t nlinks;
	struct nl_ifaddr *addrs;
	size_t naddrs;
	struct nl_route *routes;
	size_t nroutes;
	struct nl_rule *rules;	/* both families, in kernel order */
	size_t nrules;
	struct dr_conf conf_all;
	struct dr_conf conf_default;
	int ip_forward;
	int fwmark_reflect;	/* replies (ICMP) inherit the request's mark */
	int tcp_fwmark_accept;	/* SYN-ACKs inherit the SYN's mark */
	bool sysctl_known;
	struct dr_nft_rule *nft;
	size_t nnft;
	bool nft_known;		/* the ruleset was read (maybe empty) */
	bool skip_nft;		/* live: do not run nft (route lookups only) */
	struct dr_note notes[DR_MAX_NOTES];
	size_t nnotes;
	/* FIB index, built by dr_snap_index() */
	struct dr_fib_table *tables;
	size_t ntables;
	bool custom_rules;	/* rules differ from the three defaults */
};

/* ---- snapshot (snap.c, snap_json.c, snap_live.c, snap_save.c) ---- */

void dr_snap_init(struct dr_snap *s);
void dr_snap_free(struct dr_snap *s);
/* Add a note shown with results (unknown values assumed, parts skipped). */
void dr_snap_note(struct dr_snap *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append records; Return: 0, or -1 with @err set when a limit is hit. */
int dr_snap_add_link(struct dr_snap *s, const struct nl_link *l, char *err, size_t errlen);
int dr_snap_add_addr(struct dr_snap *s, const struct nl_ifaddr *a, char *err, size_t errlen);
int dr_snap_add_route(struct dr_snap *s, const struct nl_route *r, char *err, size_t errlen);
/* Rules are inserted after the last rule of the same family whose priority
 * is lower or equal, as the kernel does. */
int dr_snap_add_rule(struct dr_snap *s, const struct nl_rule *r, char *err, size_t errlen);

/* Build the FIB index (tables, tries); call after all records are in and
 * again after adding more. Return: 0, or -1 with @err set. */
int dr_snap_index(struct dr_snap *s, char *err, size_t errlen);

const struct dr_link *dr_link_by_index(const struct dr_snap *s, int ifindex);
const struct dr_link *dr_link_by_name(const struct dr_snap *s, const char *name);
const char *dr_ifname(const struct dr_snap *s, int ifindex);
/* Effective value of a knob: rp_filter/arp_ignore/arp_announce are the
 * maximum of all and the interface, the booleans are their OR, forwarding
 * is the interface's own value. Unknown values count as the kernel default. */
int dr_conf_eff(const struct dr_snap *s, const struct dr_link *l, const char *key);
/* Return: true when @a is configured on some interface (IPv4 or IPv6). */
bool dr_is_local_addr(const struct dr_snap *s, const struct ip_addr *a);
/* Table id from a name ("main", "local", "default", a number). Return: 0 or -1. */
int dr_table_parse(const char *s, uint32_t *out);
/* Name of a table id into @buf. */
const char *dr_table_name(uint32_t id, char buf[16]);

/* The index of table @id, or NULL when no route lives there. */
const struct dr_fib_table *dr_fib_table(const struct dr_snap *s, uint32_t id);
/* Call @fn with the routes (kernel order) of each prefix of table @t that
 * covers @a, longest prefix first, until it returns non-zero.
 * Return: that value, or 0. */
int dr_fib_table_match(const struct dr_fib_table *t, const struct ip_addr *a,
		       int (*fn)(void *arg, const struct ip_prefix *p,
				 const struct nl_route *const *r, size_t n),
		       void *arg);

/* Offline: read the files of a snapshot directory. Return: 0, or -1 with
 * a message naming the file and the problem in @err. */
int dr_snap_load_dir(struct dr_snap *s, const char *dir, char *err, size_t errlen);

/* The individual readers, also used by the fuzz harness and unit tests.
 * @what names the input in error messages. Return: 0, or -1 with @err. */
int dr_parse_link_json(struct dr_snap *s, const char *buf, size_t len, const char *what,
		       char *err, size_t errlen);
int dr_parse_addr_json(struct dr_snap *s, const char *buf, size_t len, const char *what,
		       char *err, size_t errlen);
int dr_parse_route_json(struct dr_snap *s, const char *buf, size_t len, int family,
			const char *what, char *err, size_t errlen);
int dr_parse_rule_json(struct dr_snap *s, const char *buf, size_t len, int family,
		       const char *what, char *err, size_t errlen);
int dr_parse_sysctl(struct dr_snap *s, const char *buf, size_t len, const char *what,
		    char *err, size_t errlen);
int dr_parse_nft_json(struct dr_snap *s, const char *buf, size_t len, const char *what,
		      char *err, size_t errlen);

/* Live: read this host (network namespace). Return: 0, or -1 with @err. */
int dr_snap_load_live(struct dr_snap *s, char *err, size_t errlen);
/* Run @argv (no shell) and capture its standard output (at most 64 MiB).
 * Return: 0 with a malloc'ed, NUL-terminated *@out, -ENOENT when the program
 * is missing, -EIO when it failed, or another -errno. */
int dr_run_capture(char *const argv[], char **out, size_t *len);
/* Save this host's snapshot into @dir (created). Return: 0, or -1 with @err. */
int dr_snap_save(const char *dir, char *err, size_t errlen);

/* ---- FIB model (fib.c) ---- */

/* A trace of the model's decisions, for `doctor explain`. */
#define DR_TRACE_LINES 96
struct dr_trace {
	char line[DR_TRACE_LINES][400];
	unsigned n;
	unsigned dropped;
};
void dr_trace_add(struct dr_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct dr_flow {
	struct ip_addr dst;
	struct ip_addr src;	/* family 0: none */
	int iif;		/* ifindex */
	int oif;
	uint32_t mark;
	uint8_t tos;
	uint8_t ip_proto;
};

struct dr_fib_res {
	int err;		/* 0 or -ENETUNREACH -EHOSTUNREACH -EACCES -EINVAL */
	const struct nl_rule *rule;	/* the rule that decided */
	uint32_t table;
	const struct nl_route *route;
	uint8_t type;		/* RTN_* of the route */
	uint8_t prefixlen;
	uint32_t nh_usable;	/* bit i: nexthop i of the route can be used */
};

/* Policy rules and tables, as fib_lookup() (IPv4) / fib6_rule_lookup()
 * (IPv6). Return: res->err. */
int dr_fib_lookup(const struct dr_snap *s, const struct dr_flow *fl, struct dr_fib_res *res,
		  struct dr_trace *tr);

enum dr_rp {
	DR_RP_PASS,
	DR_RP_OFF_LOCAL_SRC,	/* rp_filter 0, source is one of ours */
	DR_RP_STRICT,		/* strict: no next hop through the ingress device */
	DR_RP_NO_ROUTE,		/* no route back to the source */
	DR_RP_INVALID_SRC,	/* the source routes to a non-unicast type */
	DR_RP_LOCAL_SRC,	/* the source is local and accept_local is 0 */
	DR_RP_NO_ADDR,		/* ingress device has no IPv4 address */
};
const char *dr_rp_name(enum dr_rp r);

struct dr_rp_res {
	enum dr_rp verdict;
	int mode;		/* effective rp_filter */
	struct dr_fib_res rev;	/* the reverse lookup */
	bool rev_done;
};

/* The reverse-path check (fib_validate_source): @src and @dst as in the
 * received packet, @dev the ingress device, @oif the forwarding device or 0
 * for local delivery. */
void dr_validate_source(const struct dr_snap *s, const struct ip_addr *src,
			const struct ip_addr *dst, uint32_t mark, int dev, int oif,
			struct dr_rp_res *out, struct dr_trace *tr);

/* The result of a route resolution, shaped like `ip route get`. */
struct dr_route_res {
	int err;		/* 0, or a -errno like the kernel's */
	const char *why;	/* what failed, for humans */
	uint8_t type;		/* RTN_* */
	uint32_t table;
	int dev;		/* chosen device (lo for local) */
	int ndevs;		/* multipath: candidates in devs[] */
	int devs[NL_MAX_NEXTHOPS];
	struct ip_addr gws[NL_MAX_NEXTHOPS];
	struct ip_addr gw;
	struct ip_addr src;	/* preferred source (output) */
	struct dr_fib_res fib;
	struct dr_rp_res rp;	/* input: the reverse-path check */
	bool rp_done;
	bool rp_ambiguous;	/* multipath forward: the check depends on the next hop */
	bool forward;		/* input: the packet would be forwarded */
};

/* ip_route_input_slow(): a packet @fl->src -> @fl->dst received on @fl->iif. */
int dr_route_input(const struct dr_snap *s, const struct dr_flow *fl, struct dr_route_res *out,
		   struct dr_trace *tr);
/* ip_route_output_key(): a locally generated packet (reply). */
int dr_route_output(const struct dr_snap *s, const struct dr_flow *fl, struct dr_route_res *out,
		    struct dr_trace *tr);
/* inet_select_addr(): the source the kernel picks on @dev towards @dst. */
bool dr_select_src(const struct dr_snap *s, int dev, const struct ip_addr *dst, uint8_t scope,
		   struct ip_addr *out);

/* ---- analyses (analyze.c) ---- */

enum dr_sev { DR_SEV_OK, DR_SEV_INFO, DR_SEV_WARNING, DR_SEV_ERROR };
const char *dr_sev_name(enum dr_sev s);

struct dr_finding {
	char iface[IF_NAMESIZE];
	struct ip_addr addr;
	enum dr_sev sev;
	char kind[24];		/* rp_filter, asymmetric, no_route, arp_flux, ... */
	char reason[600];
};

#define DR_MAX_FINDINGS 1024
struct dr_findings {
	struct dr_finding f[DR_MAX_FINDINGS];
	size_t n;
	size_t dropped;
};

/* Options shared by check, explain and fix. */
struct dr_opts {
	struct ip_addr client;	/* an off-link client for check; default 203.0.113.10 */
	bool have_client;
};

/* The interface of the main table's best default route (0: none). */
int dr_primary_ifindex(const struct dr_snap *s, int family);

/* The outcome of the nftables reverse-path rules for one request. */
struct dr_nft_rpf {
	const struct dr_nft_rule *rule;	/* the rule that drops (NULL: none) */
	struct dr_fib_res rev;		/* its reverse lookup */
	bool rev_ok;			/* the lookup found a unicast route */
	unsigned checked;		/* rules that applied and passed */
};

/* The verdict for one request, as `explain` prints it. */
struct dr_verdict {
	bool delivered;		/* the request reaches a local socket */
	bool icmp_answered;
	bool tcp_answered;
	char tcp_reason[24];	/* "", rp_filter, no_route, asymmetric, ... */
	char filter[12];	/* where the state filter is: host / upstream / "" */
	int egress;		/* ifindex the reply leaves by (0: none) */
	struct ip_addr reply_src;
	struct dr_route_res in;
	struct dr_route_res out;
	bool out_done;
	struct dr_nft_rpf nft;	/* nftables reverse-path rules (nft.rule: the drop) */
};

/* Model one request arriving on @iif from @src to @dst (and its reply). */
void dr_analyze(const struct dr_snap *s, int iif, const struct ip_addr *src,
		const struct ip_addr *dst, uint8_t proto, struct dr_verdict *v,
		struct dr_trace *tr);

/* The clients `check` models for address @a: an off-link one and, when the
 * subnet has room, a neighbour. Return: how many (0: @a is not checked). */
int dr_check_clients(const struct dr_snap *s, const struct dr_opts *o,
		     const struct nl_ifaddr *a, struct ip_addr out[2]);
/* doctor check: every address on every interface. */
void dr_check(const struct dr_snap *s, const struct dr_opts *o, struct dr_findings *out);
/* Return: true when the host's nftables keeps per-interface conntrack
 * state (zones set by interface), naming the rule in @why. */
bool dr_nft_per_iface_state(const struct dr_snap *s, char *why, size_t len);

/* ---- nftables reverse-path rules (nftrpf.c) ---- */

/* Apply the reverse-path rules of the base chains at @hook ("prerouting"
 * or "input") to a request @src -> @dst arriving on @iif, as nft_fib4/6
 * evaluate them (reverse lookup from @dst to @src, iif loopback, mark 0,
 * strict with iif: a next hop must use @iif). Return: true when a rule
 * drops the request (then @out->rule names it). */
bool dr_nft_rpf_check(const struct dr_snap *s, const char *hook, int iif,
		      const struct ip_addr *src, const struct ip_addr *dst,
		      struct dr_nft_rpf *out, struct dr_trace *tr);
/* "inet firewalld filter_PREROUTING handle 4" into @buf. */
const char *dr_nft_rule_name(const struct dr_nft_rule *r, char *buf, size_t len);
/* The loose form of a strict reverse-path rule, as nft syntax, into @buf. */
const char *dr_nft_rpf_loose_text(const struct dr_nft_rule *r, char *buf, size_t len);

/* ---- subcommands (doctor_cmd.c, explain.c, check.c, fix.c) ---- */

int dr_cmd_check(int argc, char **argv);
int dr_cmd_explain(int argc, char **argv);
int dr_cmd_fix(int argc, char **argv);
int dr_cmd_snapshot(int argc, char **argv);
int dr_cmd_route(int argc, char **argv);

/* Load the live host or @snapdir (NULL: live) and index it; prints the
 * error. Return: 0, or -1 (exit status 2 for the caller). */
int dr_load(struct dr_snap *s, const char *snapdir, const char *cmd);
/* The same without reading nftables (for pure route lookups). */
int dr_load_routing(struct dr_snap *s, const char *snapdir, const char *cmd);

#endif
