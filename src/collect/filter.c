/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter.c - the flow filter language: tokenizer, recursive-descent
 * parser into a bounded node array, evaluator
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect/filter.h"

#define FILTER_MAX_NODES 512
#define FILTER_MAX_DEPTH 64
#define TOK_MAX 128

enum node_kind {
	N_TRUE, N_AND, N_OR, N_NOT,
	N_HOST, N_NET, N_PORT, N_AS, N_PROTO, N_EXPORTER, N_IF,
	N_BYTES, N_PACKETS, N_FLOWS, N_FAMILY,
};
enum dir { D_ANY, D_SRC, D_DST };
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct node {
	uint8_t kind, dir, op;
	int a, b;			/* children */
	uint64_t n;
	struct ip_prefix pfx;
};

struct filter {
	struct node *nodes;
	int nn;
	int root;
};

enum tok_type { T_END, T_WORD, T_LPAREN, T_RPAREN, T_NOT, T_AND, T_OR, T_OP };

struct tok {
	enum tok_type type;
	size_t pos;			/* 0-based */
	char s[TOK_MAX];
	enum op op;
};

struct parser {
	const char *text;
	size_t off;
	struct tok t;			/* current token */
	struct filter *f;
	struct filter_err *err;
	int depth;
	bool failed;
};

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = true;
	p->err->pos = pos + 1;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == ':' || c == '/' ||
	       c == '_' || c == '-';
}

static void next(struct parser *p)
{
	const char *s = p->text;
	size_t i = p->off, n = 0;
	struct tok *t = &p->t;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')
		i++;
	t->pos = i;
	t->s[0] = 0;
	if (!s[i]) {
		t->type = T_END;
		p->off = i;
		return;
	}
	switch (s[i]) {
	case '(': t->type = T_LPAREN; strcpy(t->s, "("); p->off = i + 1; return;
	case ')': t->type = T_RPAREN; strcpy(t->s, ")"); p->off = i + 1; return;
	case '&':
		if (s[i + 1] == '&') {
			t->type = T_AND;
			strcpy(t->s, "&&");
			p->off = i + 2;
			return;
		}
		break;
	case '|':
		if (s[i + 1] == '|') {
			t->type = T_OR;
			strcpy(t->s, "||");
			p->off = i + 2;
			return;
		}
		break;
	case '!':
		if (s[i + 1] == '=') {
			t->type = T_OP;
			t->op = OP_NE;
			strcpy(t->s, "!=");
			p->off = i + 2;
			return;
		}
		t->type = T_NOT;
		strcpy(t->s, "!");
		p->off = i + 1;
		return;
	case '=':
		t->type = T_OP;
		t->op = OP_EQ;
		p->off = i + (s[i + 1] == '=' ? 2 : 1);
		snprintf(t->s, sizeof(t->s), "%.*s", (int)(p->off - i), s + i);
		return;
	case '<': case '>':
		t->type = T_OP;
		if (s[i + 1] == '=') {
			t->op = s[i] == '<' ? OP_LE : OP_GE;
			p->off = i + 2;
		} else {
			t->op = s[i] == '<' ? OP_LT : OP_GT;
			p->off = i + 1;
		}
		snprintf(t->s, sizeof(t->s), "%.*s", (int)(p->off - i), s + i);
		return;
	default:
		break;
	}
	if (!word_char(s[i])) {
		t->type = T_WORD;
		snprintf(t->s, sizeof(t->s), "%c", s[i]);
		p->off = i + 1;
		fail(p, i, "unexpected character '%c'", s[i]);
		return;
	}
	while (word_char(s[i]) && n < TOK_MAX - 1)
		t->s[n++] = s[i++];
	t->s[n] = 0;
	if (word_char(s[i])) {
		fail(p, t->pos, "word too long");
		while (word_char(s[i]))
			i++;
	}
	p->off = i;
	t->type = T_WORD;
	if (!strcasecmp(t->s, "and"))
		t->type = T_AND;
	else if (!strcasecmp(t->s, "or"))
		t->type = T_OR;
	else if (!strcasecmp(t->s, "not"))
		t->type = T_NOT;
}

static bool is(const struct parser *p, const char *w)
{
	return p->t.type == T_WORD && !strcasecmp(p->t.s, w);
}

static const char *tok_desc(const struct tok *t)
{
	static _Thread_local char buf[TOK_MAX + 2];

	if (t->type == T_END)
		return "the end of the filter";
	snprintf(buf, sizeof(buf), "'%s'", t->s);
	return buf;
}

static int node_new(struct parser *p, enum node_kind k)
{
	struct node *n;

	if (p->f->nn == FILTER_MAX_NODES)
		return fail(p, p->t.pos, "filter too long (more than %d terms)",
			    FILTER_MAX_NODES);
	n = &p->f->nodes[p->f->nn];
	memset(n, 0, sizeof(*n));
	n->kind = (uint8_t)k;
	n->a = n->b = -1;
	return p->f->nn++;
}

/* A number with an optional k/m/g suffix (powers of 1000). */
static int number(struct parser *p, const char *what, uint64_t max, uint64_t *out)
{
	const char *s = p->t.s;
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (p->t.type != T_WORD || !isdigit((unsigned char)s[0]))
		return fail(p, p->t.pos, "expected %s, got %s", what, tok_desc(&p->t));
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end && !end[1]) {
		switch (tolower((unsigned char)*end)) {
		case 'k': mul = 1000; end++; break;
		case 'm': mul = 1000000; end++; break;
		case 'g': mul = 1000000000; end++; break;
		default: break;
		}
	}
	if (errno || *end || v > max / mul)
		return fail(p, p->t.pos, "expected %s, got '%s'", what, s);
	*out = v * mul;
	next(p);
	return 0;
}

static int prefix(struct parser *p, const char *what, struct ip_prefix *out)
{
	if (p->t.type != T_WORD)
		return fail(p, p->t.pos, "expected %s, got %s", what, tok_desc(&p->t));
	if (ip_prefix_parse(p->t.s, out, false) < 0) {
		struct ip_prefix x;

		if (ip_prefix_parse(p->t.s, &x, true) == 0) {
			char b[IP_PREFIX_STRLEN];

			ip_prefix_fmt(&x, b);
			return fail(p, p->t.pos, "'%s' has host bits set (did you mean %s?)",
				    p->t.s, b);
		}
		return fail(p, p->t.pos, "expected %s, got '%s'", what, p->t.s);
	}
	next(p);
	return 0;
}

static enum op opt_op(struct parser *p)
{
	enum op op = OP_EQ;

	if (p->t.type == T_OP) {
		op = p->t.op;
		next(p);
	}
	return op;
}

static const struct { const char *name; uint8_t n; } protos[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
	{ "esp", 50 }, { "ah", 51 }, { "icmp6", 58 }, { "ipv6-icmp", 58 },
	{ "ospf", 89 }, { "sctp", 132 },
};

static int proto_name(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcasecmp(s, protos[i].name))
			return protos[i].n;
	return -1;
}

static int parse_or(struct parser *p);

static int prim(struct parser *p)
{
	enum dir dir = D_ANY;
	size_t dirpos = 0;
	int id, pn;
	uint64_t v;

	if (is(p, "src") || is(p, "dst")) {
		dir = is(p, "src") ? D_SRC : D_DST;
		dirpos = p->t.pos;
		next(p);
		if (!(is(p, "host") || is(p, "ip") || is(p, "net") || is(p, "port") ||
		      is(p, "as")))
			return fail(p, p->t.pos, "expected host, net, port or as after '%s', got %s",
				    dir == D_SRC ? "src" : "dst", tok_desc(&p->t));
	}
	(void)dirpos;
	if (is(p, "host") || is(p, "ip")) {
		next(p);
		if ((id = node_new(p, N_HOST)) < 0)
			return -1;
		p->f->nodes[id].dir = (uint8_t)dir;
		if (p->t.type == T_WORD && strchr(p->t.s, '/'))
			return fail(p, p->t.pos, "expected an address after 'host', got the "
				    "prefix '%s' (use 'net')", p->t.s);
		return prefix(p, "an IPv4 or IPv6 address", &p->f->nodes[id].pfx) < 0 ? -1 : id;
	}
	if (is(p, "net")) {
		next(p);
		if ((id = node_new(p, N_NET)) < 0)
			return -1;
		p->f->nodes[id].dir = (uint8_t)dir;
		return prefix(p, "a prefix like 203.0.113.0/24", &p->f->nodes[id].pfx) < 0 ? -1 : id;
	}
	if (is(p, "port") || is(p, "as")) {
		bool port = is(p, "port");

		next(p);
		if ((id = node_new(p, port ? N_PORT : N_AS)) < 0)
			return -1;
		p->f->nodes[id].dir = (uint8_t)dir;
		p->f->nodes[id].op = (uint8_t)opt_op(p);
		if (number(p, port ? "a port number (0..65535)" : "an AS number",
			   port ? 65535 : UINT32_MAX, &p->f->nodes[id].n) < 0)
			return -1;
		return id;
	}
	if (is(p, "proto")) {
		next(p);
		if ((id = node_new(p, N_PROTO)) < 0)
			return -1;
		if (p->t.type == T_WORD && (pn = proto_name(p->t.s)) >= 0) {
			p->f->nodes[id].n = (uint64_t)pn;
			next(p);
			return id;
		}
		if (p->t.type != T_WORD || !isdigit((unsigned char)p->t.s[0]))
			return fail(p, p->t.pos, "expected a protocol (tcp, udp, icmp, icmp6, "
				    "gre, esp, ... or 0..255), got %s", tok_desc(&p->t));
		return number(p, "a protocol number (0..255)", 255, &p->f->nodes[id].n) < 0 ? -1 : id;
	}
	if (p->t.type == T_WORD && (pn = proto_name(p->t.s)) >= 0) {
		next(p);
		if ((id = node_new(p, N_PROTO)) < 0)
			return -1;
		p->f->nodes[id].n = (uint64_t)pn;
		return id;
	}
	if (is(p, "exporter")) {
		next(p);
		if ((id = node_new(p, N_EXPORTER)) < 0)
			return -1;
		return prefix(p, "an exporter address or prefix", &p->f->nodes[id].pfx) < 0 ? -1 : id;
	}
	if (is(p, "in") || is(p, "out") || is(p, "if")) {
		enum dir d = is(p, "in") ? D_SRC : is(p, "out") ? D_DST : D_ANY;

		if (d != D_ANY) {
			next(p);
			if (!is(p, "if"))
				return fail(p, p->t.pos, "expected 'if' after '%s', got %s",
					    d == D_SRC ? "in" : "out", tok_desc(&p->t));
		}
		next(p);
		if ((id = node_new(p, N_IF)) < 0)
			return -1;
		p->f->nodes[id].dir = (uint8_t)d;
		return number(p, "an interface index", UINT32_MAX, &p->f->nodes[id].n) < 0 ? -1 : id;
	}
	if (is(p, "bytes") || is(p, "packets") || is(p, "flows")) {
		enum node_kind k = is(p, "bytes") ? N_BYTES : is(p, "packets") ? N_PACKETS : N_FLOWS;
		const char *w = k == N_BYTES ? "bytes" : k == N_PACKETS ? "packets" : "flows";

		next(p);
		if ((id = node_new(p, k)) < 0)
			return -1;
		p->f->nodes[id].op = (uint8_t)opt_op(p);
		if (number(p, "a number", UINT64_MAX, &v) < 0)
			return -1;
		(void)w;
		p->f->nodes[id].n = v;
		return id;
	}
	if (is(p, "inet") || is(p, "ipv4") || is(p, "inet6") || is(p, "ipv6")) {
		id = node_new(p, N_FAMILY);
		if (id < 0)
			return -1;
		p->f->nodes[id].n = is(p, "inet") || is(p, "ipv4") ? 4 : 6;
		next(p);
		return id;
	}
	if (is(p, "any") || is(p, "all")) {
		next(p);
		return node_new(p, N_TRUE);
	}
	if (p->t.type == T_END)
		return fail(p, p->t.pos, "expected a condition (host, net, port, proto, "
			    "exporter, ...), got the end of the filter");
	return fail(p, p->t.pos, "expected a condition (host, net, port, proto, exporter, "
		    "in if, out if, as, bytes, packets, ...), got '%s'", p->t.s);
}

static int factor(struct parser *p)
{
	int id, a;

	if (++p->depth > FILTER_MAX_DEPTH)
		return fail(p, p->t.pos, "filter nested too deeply");
	if (p->t.type == T_NOT) {
		next(p);
		a = factor(p);
		if (a < 0)
			return -1;
		if ((id = node_new(p, N_NOT)) < 0)
			return -1;
		p->f->nodes[id].a = a;
		p->depth--;
		return id;
	}
	if (p->t.type == T_LPAREN) {
		size_t open = p->t.pos;

		next(p);
		a = parse_or(p);
		if (a < 0)
			return -1;
		if (p->t.type != T_RPAREN)
			return fail(p, p->t.pos, "expected ')' to close the '(' at column %zu, got %s",
				    open + 1, tok_desc(&p->t));
		next(p);
		p->depth--;
		return a;
	}
	a = prim(p);
	p->depth--;
	return a;
}

static int binary(struct parser *p, enum tok_type op, enum node_kind k,
		  int (*sub)(struct parser *))
{
	int a = sub(p), b, id;

	while (a >= 0 && p->t.type == op) {
		next(p);
		b = sub(p);
		if (b < 0)
			return -1;
		if ((id = node_new(p, k)) < 0)
			return -1;
		p->f->nodes[id].a = a;
		p->f->nodes[id].b = b;
		a = id;
	}
	return a;
}

static int parse_and(struct parser *p)
{
	return binary(p, T_AND, N_AND, factor);
}

static int parse_or(struct parser *p)
{
	return binary(p, T_OR, N_OR, parse_and);
}

struct filter *filter_parse(const char *text, struct filter_err *err)
{
	struct filter *f = calloc(1, sizeof(*f));
	struct parser p = { .text = text ? text : "", .err = err };

	memset(err, 0, sizeof(*err));
	if (!f || !(f->nodes = calloc(FILTER_MAX_NODES, sizeof(*f->nodes)))) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		free(f);
		return NULL;
	}
	p.f = f;
	next(&p);
	if (p.t.type == T_END && !p.failed) {
		f->root = node_new(&p, N_TRUE);
		return f;
	}
	f->root = parse_or(&p);
	if (f->root >= 0 && !p.failed && p.t.type != T_END) {
		if (p.t.type == T_RPAREN)
			fail(&p, p.t.pos, "unbalanced ')'");
		else
			fail(&p, p.t.pos, "expected 'and', 'or' or the end of the filter, got '%s'",
			     p.t.s);
	}
	if (p.failed || f->root < 0) {
		filter_free(f);
		return NULL;
	}
	return f;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	free(f->nodes);
	free(f);
}

static bool cmp(enum op op, uint64_t x, uint64_t y)
{
	switch (op) {
	case OP_EQ: return x == y;
	case OP_NE: return x != y;
	case OP_LT: return x < y;
	case OP_LE: return x <= y;
	case OP_GT: return x > y;
	case OP_GE: return x >= y;
	}
	return false;
}

static bool addr_match(const struct node *n, const struct flow_rec *r)
{
	bool s = flow_has(r, FF_SRC) && ip_prefix_contains(&n->pfx, &r->src);
	bool d = flow_has(r, FF_DST) && ip_prefix_contains(&n->pfx, &r->dst);

	return n->dir == D_SRC ? s : n->dir == D_DST ? d : s || d;
}

/* A != condition on "port" means neither port is N: tcpdump's
 * "not port N" reads better, but keep != consistent with it. */
static bool dir_num(const struct node *n, bool hs, uint64_t s, bool hd, uint64_t d)
{
	bool ms = hs && cmp((enum op)n->op, s, n->n);
	bool md = hd && cmp((enum op)n->op, d, n->n);

	if (n->dir == D_SRC)
		return ms;
	if (n->dir == D_DST)
		return md;
	if (n->op == OP_NE)
		return ms && md;
	return ms || md;
}

static bool eval(const struct filter *f, int i, const struct flow_rec *r, bool scaled)
{
	const struct node *n = &f->nodes[i];
	uint64_t rate = scaled && r->sampling_rate ? r->sampling_rate : 1;

	switch ((enum node_kind)n->kind) {
	case N_TRUE: return true;
	case N_AND: return eval(f, n->a, r, scaled) && eval(f, n->b, r, scaled);
	case N_OR: return eval(f, n->a, r, scaled) || eval(f, n->b, r, scaled);
	case N_NOT: return !eval(f, n->a, r, scaled);
	case N_HOST:
	case N_NET: return addr_match(n, r);
	case N_PORT:
		return dir_num(n, flow_has(r, FF_SRC_PORT), r->src_port,
			       flow_has(r, FF_DST_PORT), r->dst_port);
	case N_AS:
		return dir_num(n, flow_has(r, FF_SRC_AS), r->src_as,
			       flow_has(r, FF_DST_AS), r->dst_as);
	case N_PROTO: return flow_has(r, FF_PROTO) && r->proto == n->n;
	case N_EXPORTER: return ip_prefix_contains(&n->pfx, &r->exporter);
	case N_IF:
		if (n->dir == D_SRC)
			return flow_has(r, FF_IN_IF) && r->in_if == n->n;
		if (n->dir == D_DST)
			return flow_has(r, FF_OUT_IF) && r->out_if == n->n;
		return (flow_has(r, FF_IN_IF) && r->in_if == n->n) ||
		       (flow_has(r, FF_OUT_IF) && r->out_if == n->n);
	case N_BYTES: return cmp((enum op)n->op, r->bytes * rate, n->n);
	case N_PACKETS: return cmp((enum op)n->op, r->packets * rate, n->n);
	case N_FLOWS:
		return cmp((enum op)n->op, flow_has(r, FF_FLOWS) ? r->flows : 1, n->n);
	case N_FAMILY:
		return (r->ip_version ? r->ip_version :
			r->src.family ? r->src.family : r->dst.family) == n->n;
	}
	return false;
}

bool filter_match(const struct filter *f, const struct flow_rec *r, bool scaled)
{
	return eval(f, f->root, r, scaled);
}

bool filter_exporter_only(const struct filter *f)
{
	int i;

	for (i = 0; i < f->nn; i++) {
		switch ((enum node_kind)f->nodes[i].kind) {
		case N_TRUE: case N_AND: case N_OR: case N_NOT: case N_EXPORTER:
			break;
		default:
			return false;
		}
	}
	return true;
}

bool filter_match_exporter(const struct filter *f, const struct ip_addr *exporter)
{
	struct flow_rec r;

	memset(&r, 0, sizeof(r));
	r.exporter = *exporter;
	return eval(f, f->root, &r, false);
}
