/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipfix_file.c - flow records to and from IPFIX files in zstd, lz4 or plain
 * blocks
 *
 * Theory of operation
 * The writer keeps one block: IPFIX messages appended to a buffer. A block
 * starts with a message carrying our eight templates: flow IPv4/IPv6 x
 * exporter IPv4/IPv6, each complete (IDs 256..259) and compact (IDs
 * 260..263: without the fields most exporters never send (VLAN, MACs,
 * VRFs, BGP next hop, flow label, ...), counters in 4
 * bytes), used when the record has none of those fields and its counters
 * fit. Compact records are a third smaller, which is a third less to
 * encode and compress. Records follow in data sets, a new set when the
 * template changes, a new message before one would pass 65535 bytes.
 * ipfix_fw_finish() compresses the block into one zstd or LZ4 frame with
 * its content size and a checksum, so the reader can bound the
 * decompression and tell a torn or damaged frame from a good one; or,
 * uncompressed, hands the block out as it is (a torn plain block shows as
 * a cut IPFIX message).
 *
 * The reader takes a file frame by frame and tells the kind of each from
 * its first bytes (the zstd and LZ4 frame magics, or IPFIX version 10), so
 * it reads any mix of the three.
 *
 * Standard IEs carry everything IANA has a number for; what it does not
 * (the export protocol version, the presence bitmap that tells a field the
 * exporter did not send from a zero, the export header time, the sFlow
 * sample sequence) uses private IEs under the documentation PEN 32473, so
 * a record reads back exactly as the decoder produced it.
 *
 * The reader is a small, strict IPFIX parser of its own: any template, any
 * known IE at any reduced size, variable-length fields skipped, everything
 * through struct cursor, templates bounded and scoped to one block.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lz4frame.h>
#include <zstd.h>

#include "flow/ipfix_file.h"
#include "lib/cursor.h"

/* What a template field carries, for both directions. */
enum fw_what {
	W_RECV, W_START, W_END, W_EXPORT, W_EXP4, W_EXP6, W_DOMAIN,
	W_SRC4, W_DST4, W_SRC6, W_DST6, W_SPORT, W_DPORT, W_PROTO, W_TCPFL,
	W_TOS, W_ICMP4, W_ICMP6, W_IN, W_OUT, W_BYTES, W_PKTS, W_FLOWS,
	W_SRCAS, W_DSTAS, W_NH4, W_NH6, W_BGPNH4, W_BGPNH6, W_VLAN, W_DIR,
	W_ENDR, W_FWD, W_SMASK4, W_DMASK4, W_SMASK6, W_DMASK6, W_LABEL,
	W_SMAC, W_DMAC, W_VRFIN, W_VRFOUT, W_SAMPLER, W_SEQ, W_RATE,
	W_PVER, W_PRESENT, W_IPVER,
	W__COUNT
};

struct fw_field {
	uint16_t ie;
	uint16_t len;
	uint32_t pen;		/* 0 = IANA */
};

static const struct fw_field fw_fields[W__COUNT] = {
	[W_RECV] = { 258, 8, 0 },	/* collectionTimeMilliseconds */
	[W_START] = { 152, 8, 0 },	/* flowStartMilliseconds */
	[W_END] = { 153, 8, 0 },	/* flowEndMilliseconds */
	[W_EXPORT] = { 4, 8, IPFIX_FILE_PEN },
	[W_EXP4] = { 130, 4, 0 },	/* exporterIPv4Address */
	[W_EXP6] = { 131, 16, 0 },	/* exporterIPv6Address */
	[W_DOMAIN] = { 149, 4, 0 },	/* observationDomainId */
	[W_SRC4] = { 8, 4, 0 },
	[W_DST4] = { 12, 4, 0 },
	[W_SRC6] = { 27, 16, 0 },
	[W_DST6] = { 28, 16, 0 },
	[W_SPORT] = { 7, 2, 0 },
	[W_DPORT] = { 11, 2, 0 },
	[W_PROTO] = { 4, 1, 0 },
	[W_TCPFL] = { 6, 1, 0 },
	[W_TOS] = { 5, 1, 0 },
	[W_ICMP4] = { 32, 2, 0 },	/* icmpTypeCodeIPv4 */
	[W_ICMP6] = { 139, 2, 0 },	/* icmpTypeCodeIPv6 */
	[W_IN] = { 10, 4, 0 },
	[W_OUT] = { 14, 4, 0 },
	[W_BYTES] = { 1, 8, 0 },
	[W_PKTS] = { 2, 8, 0 },
	[W_FLOWS] = { 3, 8, 0 },	/* deltaFlowCount */
	[W_SRCAS] = { 16, 4, 0 },
	[W_DSTAS] = { 17, 4, 0 },
	[W_NH4] = { 15, 4, 0 },
	[W_NH6] = { 62, 16, 0 },
	[W_BGPNH4] = { 18, 4, 0 },
	[W_BGPNH6] = { 63, 16, 0 },
	[W_VLAN] = { 58, 2, 0 },
	[W_DIR] = { 61, 1, 0 },
	[W_ENDR] = { 136, 1, 0 },
	[W_FWD] = { 89, 1, 0 },
	[W_SMASK4] = { 9, 1, 0 },
	[W_DMASK4] = { 13, 1, 0 },
	[W_SMASK6] = { 29, 1, 0 },
	[W_DMASK6] = { 30, 1, 0 },
	[W_LABEL] = { 31, 4, 0 },
	[W_SMAC] = { 56, 6, 0 },
	[W_DMAC] = { 80, 6, 0 },
	[W_VRFIN] = { 234, 4, 0 },
	[W_VRFOUT] = { 235, 4, 0 },
	[W_SAMPLER] = { 302, 4, 0 },	/* selectorId */
	[W_SEQ] = { 3, 4, IPFIX_FILE_PEN },
	[W_RATE] = { 34, 4, 0 },	/* samplingInterval */
	[W_PVER] = { 1, 1, IPFIX_FILE_PEN },
	[W_PRESENT] = { 2, 8, IPFIX_FILE_PEN },
	[W_IPVER] = { 60, 1, 0 },	/* ipVersion */
};

/* Our templates: the fields of each, in order. Address fields depend on
 * the flow's and the exporter's family. */
#define FW_NTMPL 8
#define FW_COMPACT 4		/* template index bit */
#define FW_TMPL_BASE 256
#define FW_MAX_FIELDS 48
#define MSG_MAX 65535u
#define MSG_HDR 16u
#define SET_HDR 4u

struct fw_tmpl {
	uint8_t nf;
	uint8_t what[FW_MAX_FIELDS];
	uint8_t len[FW_MAX_FIELDS];
	uint16_t reclen;
};

/* What a compact template leaves out (the presence bits say they are absent). */
#define FW_RARE (FF_BIT(FF_FLOWS) | FF_BIT(FF_VLAN) | FF_BIT(FF_DIRECTION) | \
		 FF_BIT(FF_END_REASON) | FF_BIT(FF_FWD_STATUS) | FF_BIT(FF_FLOW_LABEL) | \
		 FF_BIT(FF_SRC_MAC) | FF_BIT(FF_DST_MAC) | FF_BIT(FF_VRF_IN) | \
		 FF_BIT(FF_VRF_OUT) | FF_BIT(FF_SAMPLER_ID) | FF_BIT(FF_SEQ) | \
		 FF_BIT(FF_BGP_NEXT_HOP))

struct ipfix_fw {
	enum ipfix_codec codec;
	ZSTD_CCtx *cctx;
	LZ4F_cctx *lz4;
	LZ4F_preferences_t lz4_prefs;
	struct fw_tmpl tmpl[FW_NTMPL];
	uint8_t *buf;		/* the open block */
	size_t len, cap, block_bytes;
	uint8_t *out;
	size_t out_cap;
	size_t msg_off;		/* start of the open message, or SIZE_MAX */
	size_t set_off;		/* start of the open data set, or SIZE_MAX */
	int set_tmpl;
	size_t nrec;
	uint32_t seq;		/* data records before the open message */
};

static bool fw_rare(uint8_t what)
{
	switch (what) {
	case W_FLOWS: case W_VLAN: case W_DIR: case W_ENDR: case W_FWD: case W_LABEL:
	case W_SMAC: case W_DMAC: case W_VRFIN: case W_VRFOUT: case W_SAMPLER: case W_SEQ:
	case W_BGPNH4: case W_BGPNH6:
		return true;
	default:
		return false;
	}
}

static void tmpl_build(struct fw_tmpl *t, bool flow6, bool exp6, bool compact)
{
	static const uint8_t common[] = {
		W_PVER, W_PRESENT, W_IPVER, W_RECV, W_START, W_END, W_EXPORT,
		W_DOMAIN, W_SPORT, W_DPORT, W_PROTO, W_TCPFL, W_TOS, W_IN,
		W_OUT, W_BYTES, W_PKTS, W_FLOWS, W_SRCAS, W_DSTAS, W_VLAN,
		W_DIR, W_ENDR, W_FWD, W_LABEL, W_SMAC, W_DMAC, W_VRFIN,
		W_VRFOUT, W_SAMPLER, W_SEQ, W_RATE,
	};
	const uint8_t fam[] = {
		exp6 ? W_EXP6 : W_EXP4,
		flow6 ? W_SRC6 : W_SRC4, flow6 ? W_DST6 : W_DST4,
		flow6 ? W_NH6 : W_NH4, flow6 ? W_BGPNH6 : W_BGPNH4,
		flow6 ? W_ICMP6 : W_ICMP4,
		flow6 ? W_SMASK6 : W_SMASK4, flow6 ? W_DMASK6 : W_DMASK4,
	};
	size_t i;

	t->nf = 0;
	t->reclen = 0;
	for (i = 0; i < sizeof(common); i++)
		if (!compact || !fw_rare(common[i]))
			t->what[t->nf++] = common[i];
	for (i = 0; i < sizeof(fam); i++)
		if (!compact || !fw_rare(fam[i]))
			t->what[t->nf++] = fam[i];
	for (i = 0; i < t->nf; i++) {
		uint8_t w = t->what[i];

		t->len[i] = (uint8_t)(compact && (w == W_BYTES || w == W_PKTS) ? 4 :
				      fw_fields[w].len);
		t->reclen += t->len[i];
	}
}

const char *ipfix_codec_name(enum ipfix_codec codec)
{
	switch (codec) {
	case IPFIX_CODEC_ZSTD: return "zstd";
	case IPFIX_CODEC_LZ4: return "lz4";
	case IPFIX_CODEC_NONE: return "none";
	}
	return "?";
}

const char *ipfix_codec_suffix(enum ipfix_codec codec)
{
	switch (codec) {
	case IPFIX_CODEC_ZSTD: return ".ipfix.zst";
	case IPFIX_CODEC_LZ4: return ".ipfix.lz4";
	case IPFIX_CODEC_NONE: return ".ipfix";
	}
	return ".ipfix";
}

int ipfix_codec_parse(const char *s, enum ipfix_codec *codec)
{
	if (!strcmp(s, "zstd"))
		*codec = IPFIX_CODEC_ZSTD;
	else if (!strcmp(s, "lz4"))
		*codec = IPFIX_CODEC_LZ4;
	else if (!strcmp(s, "none"))
		*codec = IPFIX_CODEC_NONE;
	else
		return -1;
	return 0;
}

struct ipfix_fw *ipfix_fw_new(size_t block_bytes, enum ipfix_codec codec, int level)
{
	struct ipfix_fw *w = calloc(1, sizeof(*w));
	int i;

	if (!w)
		return NULL;
	if (block_bytes < 4096)
		block_bytes = 4096;
	if (block_bytes > IPFIX_FILE_BLOCK_MAX - 2 * MSG_MAX)
		block_bytes = IPFIX_FILE_BLOCK_MAX - 2 * MSG_MAX;
	w->codec = codec;
	w->block_bytes = block_bytes;
	/* room for one more full message past the threshold */
	w->cap = block_bytes + 2 * MSG_MAX;
	w->buf = malloc(w->cap);
	if (!w->buf)
		goto fail;
	switch (codec) {
	case IPFIX_CODEC_ZSTD:
		w->out_cap = ZSTD_compressBound(w->cap);
		w->cctx = ZSTD_createCCtx();
		if (!w->cctx)
			goto fail;
		ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
		/* level 1 with a 1024-entry hash table: our records repeat
		 * within a few hundred bytes, and a table that stays in L1
		 * compresses them about as well, 10% faster on the store's path */
		if (level <= 1)
			ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_hashLog, 10);
		ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
		ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
		break;
	case IPFIX_CODEC_LZ4:
		/* the content size is set per frame; blocks of 4 MiB keep a
		 * whole block in one LZ4 block, and autoflush spares a copy.
		 * The checksum is the block's (of the compressed bytes), not
		 * the content's: the same damage is caught, and hashing the
		 * uncompressed bytes cost as much as compressing them (65 of
		 * 170 ns per record here) */
		w->lz4_prefs.frameInfo.blockSizeID = LZ4F_max4MB;
		w->lz4_prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
		w->lz4_prefs.autoFlush = 1;
		w->out_cap = LZ4F_HEADER_SIZE_MAX + LZ4F_compressBound(w->cap, &w->lz4_prefs);
		if (LZ4F_isError(LZ4F_createCompressionContext(&w->lz4, LZ4F_VERSION)))
			goto fail;
		break;
	case IPFIX_CODEC_NONE:
		break;
	default:
		goto fail;
	}
	if (w->out_cap && !(w->out = malloc(w->out_cap)))
		goto fail;
	for (i = 0; i < FW_NTMPL; i++)
		tmpl_build(&w->tmpl[i], i & 1, i & 2, i & FW_COMPACT);
	w->msg_off = SIZE_MAX;
	w->set_off = SIZE_MAX;
	return w;
fail:
	ipfix_fw_free(w);
	return NULL;
}

void ipfix_fw_free(struct ipfix_fw *w)
{
	if (!w)
		return;
	ZSTD_freeCCtx(w->cctx);
	LZ4F_freeCompressionContext(w->lz4);
	free(w->buf);
	free(w->out);
	free(w);
}

size_t ipfix_fw_records(const struct ipfix_fw *w)
{
	return w->nrec;
}

static inline void put8(struct ipfix_fw *w, uint8_t v)
{
	w->buf[w->len++] = v;
}

static inline void put16(struct ipfix_fw *w, uint16_t v)
{
	uint16_t be = htobe16(v);

	memcpy(w->buf + w->len, &be, 2);
	w->len += 2;
}

static inline void put32(struct ipfix_fw *w, uint32_t v)
{
	uint32_t be = htobe32(v);

	memcpy(w->buf + w->len, &be, 4);
	w->len += 4;
}

static inline void put64(struct ipfix_fw *w, uint64_t v)
{
	uint64_t be = htobe64(v);

	memcpy(w->buf + w->len, &be, 8);
	w->len += 8;
}

static inline void putn(struct ipfix_fw *w, const void *p, size_t n)
{
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void patch16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void set_close(struct ipfix_fw *w)
{
	if (w->set_off == SIZE_MAX)
		return;
	patch16(w->buf + w->set_off + 2, w->len - w->set_off);
	w->set_off = SIZE_MAX;
}

static void msg_close(struct ipfix_fw *w)
{
	set_close(w);
	if (w->msg_off == SIZE_MAX)
		return;
	patch16(w->buf + w->msg_off + 2, w->len - w->msg_off);
	w->msg_off = SIZE_MAX;
}

static void msg_open(struct ipfix_fw *w, int64_t now_ms)
{
	w->msg_off = w->len;
	put16(w, 10);
	put16(w, 0);			/* length, patched on close */
	put32(w, (uint32_t)(now_ms / 1000));
	put32(w, w->seq);
	put32(w, 0);			/* observation domain */
}

static void templates_put(struct ipfix_fw *w)
{
	size_t set = w->len;
	int i, j;

	put16(w, 2);
	put16(w, 0);
	for (i = 0; i < FW_NTMPL; i++) {
		put16(w, (uint16_t)(FW_TMPL_BASE + i));
		put16(w, w->tmpl[i].nf);
		for (j = 0; j < w->tmpl[i].nf; j++) {
			const struct fw_field *f = &fw_fields[w->tmpl[i].what[j]];

			put16(w, (uint16_t)(f->ie | (f->pen ? 0x8000 : 0)));
			put16(w, w->tmpl[i].len[j]);
			if (f->pen)
				put32(w, f->pen);
		}
	}
	patch16(w->buf + set + 2, w->len - set);
}

static void addr_put(struct ipfix_fw *w, const struct ip_addr *a, bool six)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!six) {
		putn(w, a->a, 4);
	} else if (a->family == 4) {
		putn(w, mapped, 12);
		putn(w, a->a, 4);
	} else {
		putn(w, a->a, 16);
	}
}

/* The fields both the full and the compact templates start with. */
static inline void rec_put_head(struct ipfix_fw *w, const struct flow_rec *r)
{
	put8(w, r->proto_version);
	put64(w, r->present);
	put8(w, r->ip_version);
	put64(w, (uint64_t)r->recv_ms);
	put64(w, (uint64_t)r->time_start_ms);
	put64(w, (uint64_t)r->time_end_ms);
	put64(w, (uint64_t)r->export_ms);
	put32(w, r->domain);
	put16(w, r->src_port);
	put16(w, r->dst_port);
	put8(w, r->proto);
	put8(w, r->tcp_flags);
	put8(w, r->tos);
	put32(w, r->in_if);
	put32(w, r->out_if);
}

/* A record in template order (tmpl_build: common fields, then the
 * family-dependent ones), straight-line: this is the store's hot path. */
static void rec_put(struct ipfix_fw *w, const struct flow_rec *r, bool flow6, bool exp6)
{
	rec_put_head(w, r);
	put64(w, r->bytes);
	put64(w, r->packets);
	put64(w, r->flows);
	put32(w, r->src_as);
	put32(w, r->dst_as);
	put16(w, r->vlan);
	put8(w, r->direction);
	put8(w, r->end_reason);
	put8(w, r->fwd_status);
	put32(w, r->flow_label);
	putn(w, r->src_mac, 6);
	putn(w, r->dst_mac, 6);
	put32(w, r->vrf_in);
	put32(w, r->vrf_out);
	put32(w, r->sampler_id);
	put32(w, r->seq);
	put32(w, r->sampling_rate);
	addr_put(w, &r->exporter, exp6);
	addr_put(w, &r->src, flow6);
	addr_put(w, &r->dst, flow6);
	addr_put(w, &r->next_hop, flow6);
	addr_put(w, &r->bgp_next_hop, flow6);
	put8(w, r->icmp_type);
	put8(w, r->icmp_code);
	put8(w, r->src_mask);
	put8(w, r->dst_mask);
}

/* The same in a compact template (tmpl_build without fw_rare()). */
static void rec_put_compact(struct ipfix_fw *w, const struct flow_rec *r, bool flow6, bool exp6)
{
	rec_put_head(w, r);
	put32(w, (uint32_t)r->bytes);
	put32(w, (uint32_t)r->packets);
	put32(w, r->src_as);
	put32(w, r->dst_as);
	put32(w, r->sampling_rate);
	addr_put(w, &r->exporter, exp6);
	addr_put(w, &r->src, flow6);
	addr_put(w, &r->dst, flow6);
	addr_put(w, &r->next_hop, flow6);
	put8(w, r->icmp_type);
	put8(w, r->icmp_code);
	put8(w, r->src_mask);
	put8(w, r->dst_mask);
}

int ipfix_fw_add(struct ipfix_fw *w, const struct flow_rec *r)
{
	bool flow6 = r->ip_version == 6 || r->src.family == 6 || r->dst.family == 6;
	bool compact = !(r->present & FW_RARE) && (r->bytes | r->packets) <= UINT32_MAX;
	int ti = (flow6 ? 1 : 0) | (r->exporter.family == 6 ? 2 : 0) | (compact ? FW_COMPACT : 0);
	const struct fw_tmpl *t = &w->tmpl[ti];

	if (r->type != FLOW_REC_FLOW)
		return 0;
	if (w->msg_off != SIZE_MAX &&
	    w->len - w->msg_off + SET_HDR + t->reclen > MSG_MAX) {
		msg_close(w);
	}
	if (w->msg_off == SIZE_MAX) {
		msg_open(w, r->recv_ms);
		if (w->len == MSG_HDR)
			templates_put(w);
	}
	if (w->set_off == SIZE_MAX || w->set_tmpl != ti) {
		set_close(w);
		w->set_off = w->len;
		w->set_tmpl = ti;
		put16(w, (uint16_t)(FW_TMPL_BASE + ti));
		put16(w, 0);
	}
	if (compact)
		rec_put_compact(w, r, ti & 1, ti & 2);
	else
		rec_put(w, r, ti & 1, ti & 2);
	w->nrec++;
	w->seq++;
	return w->len >= w->block_bytes;
}

/* The open block as one LZ4 frame. Return: its size, or 0 on failure. */
static size_t fw_lz4(struct ipfix_fw *w)
{
	size_t n, k;

	w->lz4_prefs.frameInfo.contentSize = w->len;
	n = LZ4F_compressBegin(w->lz4, w->out, w->out_cap, &w->lz4_prefs);
	if (LZ4F_isError(n))
		return 0;
	k = LZ4F_compressUpdate(w->lz4, w->out + n, w->out_cap - n, w->buf, w->len, NULL);
	if (LZ4F_isError(k))
		return 0;
	n += k;
	k = LZ4F_compressEnd(w->lz4, w->out + n, w->out_cap - n, NULL);
	if (LZ4F_isError(k))
		return 0;
	return n + k;
}

int ipfix_fw_finish(struct ipfix_fw *w, int64_t export_ms,
		    const uint8_t **out, size_t *len)
{
	size_t n = 0;
	int rc = 0;

	(void)export_ms;
	msg_close(w);
	*out = w->out;
	*len = 0;
	if (!w->len)
		return 0;
	switch (w->codec) {
	case IPFIX_CODEC_ZSTD:
		n = ZSTD_compress2(w->cctx, w->out, w->out_cap, w->buf, w->len);
		if (ZSTD_isError(n))
			rc = -1;
		break;
	case IPFIX_CODEC_LZ4:
		n = fw_lz4(w);
		if (!n)
			rc = -1;
		break;
	case IPFIX_CODEC_NONE:
		*out = w->buf;	/* valid until the next ipfix_fw_add() */
		n = w->len;
		break;
	}
	w->len = 0;
	w->nrec = 0;
	if (rc == 0)
		*len = n;
	return rc;
}

/* ---- reader ---- */

#define RD_MAX_TMPL 64
#define RD_MAX_FIELDS 128

struct rd_field {
	uint16_t ie;
	uint16_t len;		/* 0xffff = variable */
	uint32_t pen;
};

struct rd_tmpl {
	uint32_t domain;
	uint16_t id;
	uint16_t nf;
	size_t minlen;		/* shortest possible record */
	struct rd_field f[RD_MAX_FIELDS];
};

struct rd_state {
	struct rd_tmpl *t;	/* RD_MAX_TMPL */
	unsigned nt;
	ipfix_rec_fn fn;
	void *arg;
	struct ipfix_read_stats *st;
	bool stop;
};

static struct rd_tmpl *rd_find(struct rd_state *s, uint32_t domain, uint16_t id)
{
	unsigned i;

	for (i = 0; i < s->nt; i++)
		if (s->t[i].id == id && s->t[i].domain == domain)
			return &s->t[i];
	return NULL;
}

static int rd_templates(struct rd_state *s, struct cursor *c, uint32_t domain)
{
	while (cur_left(c) >= 4) {
		uint16_t id = cur_u16(c), nf = cur_u16(c), i;
		struct rd_tmpl *t = rd_find(s, domain, id);

		if (id < 256)
			return -1;
		if (!nf) {		/* withdrawal */
			if (t)
				*t = s->t[--s->nt];
			continue;
		}
		if (!t) {
			if (s->nt == RD_MAX_TMPL || nf > RD_MAX_FIELDS)
				return -1;
			t = &s->t[s->nt++];
		} else if (nf > RD_MAX_FIELDS) {
			return -1;
		}
		t->id = id;
		t->domain = domain;
		t->nf = nf;
		t->minlen = 0;
		for (i = 0; i < nf; i++) {
			uint16_t ie = cur_u16(c);

			t->f[i].len = cur_u16(c);
			t->minlen += t->f[i].len == 0xffff ? 1 : t->f[i].len;
			t->f[i].pen = ie & 0x8000 ? cur_u32(c) : 0;
			t->f[i].ie = ie & 0x7fff;
		}
		if (!cur_ok(c)) {
			s->nt--;
			return -1;
		}
	}
	return 0;
}

static void rd_addr(struct ip_addr *a, const uint8_t *p, size_t n, bool unmap)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (n == 4)
		ip_addr_set4(a, p);
	else if (n == 16 && unmap && !memcmp(p, mapped, 12))
		ip_addr_set4(a, p + 12);
	else if (n == 16)
		ip_addr_set6(a, p);
}

/* One field into @r. Return: the presence bit it implies, or 0. */
static uint64_t rd_field_set(struct flow_rec *r, const struct rd_field *f,
			     const uint8_t *p, size_t n, bool *have_present)
{
	struct cursor c = cur_init(p, n);
	uint64_t v = n <= 8 ? cur_uint(&c, n) : 0;

	if (f->pen == IPFIX_FILE_PEN) {
		switch (f->ie) {
		case 1: r->proto_version = (uint8_t)v; return 0;
		case 2: r->present = v; *have_present = true; return 0;
		case 3: r->seq = (uint32_t)v; return FF_BIT(FF_SEQ);
		case 4: r->export_ms = (int64_t)v; return 0;
		default: return 0;
		}
	}
	if (f->pen)
		return 0;
	switch (f->ie) {
	case 258: r->recv_ms = (int64_t)v; return 0;
	case 152: r->time_start_ms = (int64_t)v; return FF_BIT(FF_TIME_START);
	case 153: r->time_end_ms = (int64_t)v; return FF_BIT(FF_TIME_END);
	case 130: case 131:
		if (n == 4 || n == 16)
			rd_addr(&r->exporter, p, n, true);
		return 0;
	case 149: r->domain = (uint32_t)v; return 0;
	case 8: case 27:
		if (n != 4 && n != 16)
			return 0;
		rd_addr(&r->src, p, n, false);
		return FF_BIT(FF_SRC);
	case 12: case 28:
		if (n != 4 && n != 16)
			return 0;
		rd_addr(&r->dst, p, n, false);
		return FF_BIT(FF_DST);
	case 7: r->src_port = (uint16_t)v; return FF_BIT(FF_SRC_PORT);
	case 11: r->dst_port = (uint16_t)v; return FF_BIT(FF_DST_PORT);
	case 4: r->proto = (uint8_t)v; return FF_BIT(FF_PROTO);
	case 6: r->tcp_flags = (uint8_t)v; return FF_BIT(FF_TCP_FLAGS);
	case 5: r->tos = (uint8_t)v; return FF_BIT(FF_TOS);
	case 32: case 139:
		r->icmp_type = (uint8_t)(v >> 8);
		r->icmp_code = (uint8_t)v;
		return FF_BIT(FF_ICMP);
	case 10: r->in_if = (uint32_t)v; return FF_BIT(FF_IN_IF);
	case 14: r->out_if = (uint32_t)v; return FF_BIT(FF_OUT_IF);
	case 1: r->bytes = v; return FF_BIT(FF_BYTES);
	case 2: r->packets = v; return FF_BIT(FF_PACKETS);
	case 3: r->flows = v; return FF_BIT(FF_FLOWS);
	case 16: r->src_as = (uint32_t)v; return FF_BIT(FF_SRC_AS);
	case 17: r->dst_as = (uint32_t)v; return FF_BIT(FF_DST_AS);
	case 15: case 62:
		if (n != 4 && n != 16)
			return 0;
		rd_addr(&r->next_hop, p, n, true);
		return FF_BIT(FF_NEXT_HOP);
	case 18: case 63:
		if (n != 4 && n != 16)
			return 0;
		rd_addr(&r->bgp_next_hop, p, n, true);
		return FF_BIT(FF_BGP_NEXT_HOP);
	case 58: r->vlan = (uint16_t)v; return FF_BIT(FF_VLAN);
	case 61: r->direction = (uint8_t)v; return FF_BIT(FF_DIRECTION);
	case 136: r->end_reason = (uint8_t)v; return FF_BIT(FF_END_REASON);
	case 89: r->fwd_status = (uint8_t)v; return FF_BIT(FF_FWD_STATUS);
	case 9: case 29: r->src_mask = (uint8_t)v; return FF_BIT(FF_SRC_MASK);
	case 13: case 30: r->dst_mask = (uint8_t)v; return FF_BIT(FF_DST_MASK);
	case 31: r->flow_label = (uint32_t)v; return FF_BIT(FF_FLOW_LABEL);
	case 56:
		if (n != 6)
			return 0;
		memcpy(r->src_mac, p, 6);
		return FF_BIT(FF_SRC_MAC);
	case 80:
		if (n != 6)
			return 0;
		memcpy(r->dst_mac, p, 6);
		return FF_BIT(FF_DST_MAC);
	case 234: r->vrf_in = (uint32_t)v; return FF_BIT(FF_VRF_IN);
	case 235: r->vrf_out = (uint32_t)v; return FF_BIT(FF_VRF_OUT);
	case 302: case 48: r->sampler_id = (uint32_t)v; return FF_BIT(FF_SAMPLER_ID);
	case 34: case 305: r->sampling_rate = (uint32_t)v; return 0;
	case 60: r->ip_version = (uint8_t)v; return 0;
	default: return 0;
	}
}

static int rd_data(struct rd_state *s, struct cursor *c, const struct rd_tmpl *t)
{
	while (cur_left(c) > 0) {
		struct flow_rec r;
		struct cursor rc = *c;
		uint64_t seen = 0;
		bool have_present = false;
		size_t before = cur_off(c);
		uint16_t i;

		memset(&r, 0, sizeof(r));
		r.type = FLOW_REC_FLOW;
		r.proto_version = FLOW_PROTO_IPFIX;
		r.sampling_rate = 1;
		for (i = 0; i < t->nf; i++) {
			size_t n = t->f[i].len;
			const uint8_t *p;

			if (n == 0xffff) {
				n = cur_u8(&rc);
				if (n == 255)
					n = cur_u16(&rc);
			}
			p = cur_bytes(&rc, n);
			if (!p)
				break;
			seen |= rd_field_set(&r, &t->f[i], p, n, &have_present);
		}
		if (!cur_ok(&rc))	/* padding is shorter than a record */
			return cur_left(c) < t->minlen ? 0 : -1;
		if (cur_off(&rc) == before)
			return -1;	/* zero-length records: avoid looping */
		*c = rc;
		if (!have_present)
			r.present = seen;
		if (!r.sampling_rate)
			r.sampling_rate = 1;
		if (!r.ip_version && (r.src.family || r.dst.family))
			r.ip_version = r.src.family ? r.src.family : r.dst.family;
		s->st->records++;
		if (s->fn && s->fn(s->arg, &r)) {
			s->stop = true;
			return 0;
		}
	}
	return 0;
}

/* A stream of IPFIX messages. @plain: a run of plain blocks in a file,
 * which ends where something else (a frame) starts: not counted as bad.
 * Return: bytes consumed cleanly. */
static size_t rd_stream(struct rd_state *s, const uint8_t *buf, size_t len, bool plain)
{
	struct cursor c = cur_init(buf, len);

	while (cur_left(&c) >= MSG_HDR && !s->stop) {
		size_t start = cur_off(&c);
		uint16_t ver = cur_u16(&c), mlen = cur_u16(&c);
		uint32_t domain;
		struct cursor m;

		cur_skip(&c, 8);
		domain = cur_u32(&c);
		if (plain && (ver != 10 || (mlen >= MSG_HDR && mlen - MSG_HDR > cur_left(&c))))
			return start;	/* a frame follows, or the run is cut */
		if (ver != 10 || mlen < MSG_HDR || mlen - MSG_HDR > cur_left(&c)) {
			s->st->bad_messages++;
			return start;
		}
		m = cur_sub(&c, mlen - MSG_HDR);
		s->st->messages++;
		while (cur_left(&m) >= SET_HDR && !s->stop) {
			uint16_t sid = cur_u16(&m), slen = cur_u16(&m);
			struct cursor sc;
			const struct rd_tmpl *t;

			if (slen < SET_HDR || slen - SET_HDR > cur_left(&m)) {
				s->st->bad_messages++;
				break;
			}
			sc = cur_sub(&m, slen - SET_HDR);
			if (sid == 2) {
				if (rd_templates(s, &sc, domain) < 0)
					s->st->bad_messages++;
			} else if (sid >= 256) {
				t = rd_find(s, domain, sid);
				if (!t)
					s->st->no_template++;
				else if (rd_data(s, &sc, t) < 0)
					s->st->bad_messages++;
			} else {
				s->st->skipped_sets++;
			}
		}
	}
	return cur_off(&c);
}

#define ZSTD_MAGIC 0xFD2FB528u
#define LZ4_MAGIC 0x184D2204u

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The reader's state across frames: decompression contexts and the
 * output buffer, made when the first frame of their kind comes. */
struct rd_frames {
	ZSTD_DCtx *zstd;
	LZ4F_dctx *lz4;
	uint8_t *out;
	size_t out_cap;
};

/* Make the output hold @n bytes (n <= IPFIX_FILE_BLOCK_MAX). */
static int rd_out(struct rd_frames *f, size_t n)
{
	uint8_t *o;

	if (n <= f->out_cap)
		return 0;
	o = realloc(f->out, n);
	if (!o)
		return -1;
	f->out = o;
	f->out_cap = n;
	return 0;
}

/*
 * One zstd frame at @p (at most @left bytes). Return: the bytes it spans
 * (0: torn, stop), with *n the decompressed size or SIZE_MAX when the
 * frame was damaged (counted, skipped). -1 (as SIZE_MAX) when out of memory.
 */
static size_t rd_zstd(struct rd_frames *f, const uint8_t *p, size_t left,
		      size_t *n, struct ipfix_read_stats *st)
{
	unsigned long long csz;
	size_t fsz, k;

	*n = SIZE_MAX;
	fsz = ZSTD_findFrameCompressedSize(p, left);
	if (ZSTD_isError(fsz)) {
		st->torn_blocks++;	/* truncated last frame */
		return 0;
	}
	csz = ZSTD_getFrameContentSize(p, fsz);
	if (csz == ZSTD_CONTENTSIZE_ERROR || csz == ZSTD_CONTENTSIZE_UNKNOWN ||
	    csz > IPFIX_FILE_BLOCK_MAX) {
		st->torn_blocks++;
		return fsz;
	}
	if (!f->zstd && !(f->zstd = ZSTD_createDCtx()))
		return SIZE_MAX;
	if (rd_out(f, (size_t)csz) < 0)	/* grows to the largest block */
		return SIZE_MAX;
	k = ZSTD_decompressDCtx(f->zstd, f->out, (size_t)csz, p, fsz);
	if (ZSTD_isError(k))
		st->torn_blocks++;
	else
		*n = k;
	return fsz;
}

/* The bytes an LZ4 frame spans, from its header and block sizes, or 0
 * when it is cut short. */
static size_t lz4_frame_size(const uint8_t *p, size_t left)
{
	size_t off = LZ4F_headerSize(p, left), bsz;
	uint8_t flg;

	if (LZ4F_isError(off) || off > left)
		return 0;
	flg = p[4];
	for (;;) {
		if (left - off < 4)
			return 0;
		bsz = le32(p + off) & 0x7FFFFFFFu;
		off += 4;
		if (!bsz)
			break;		/* end mark */
		bsz += (flg & 0x10) ? 4 : 0;	/* block checksum */
		if (bsz > left - off)
			return 0;
		off += bsz;
	}
	if (flg & 0x04) {		/* content checksum */
		if (left - off < 4)
			return 0;
		off += 4;
	}
	return off;
}

/*
 * One LZ4 frame, the same contract as rd_zstd(). A frame without its
 * content size (the lz4 tool writes those) may decompress to at most
 * IPFIX_FILE_BLOCK_MAX bytes.
 */
static size_t rd_lz4(struct rd_frames *f, const uint8_t *p, size_t left,
		     size_t *n, struct ipfix_read_stats *st)
{
	LZ4F_frameInfo_t fi;
	size_t fsz = lz4_frame_size(p, left), in, off, done = 0, want, r;

	*n = SIZE_MAX;
	if (!fsz) {
		st->torn_blocks++;	/* truncated last frame */
		return 0;
	}
	if (!f->lz4 && LZ4F_isError(LZ4F_createDecompressionContext(&f->lz4, LZ4F_VERSION)))
		return SIZE_MAX;
	LZ4F_resetDecompressionContext(f->lz4);
	in = fsz;
	r = LZ4F_getFrameInfo(f->lz4, &fi, p, &in);
	if (LZ4F_isError(r) || fi.contentSize > IPFIX_FILE_BLOCK_MAX) {
		st->torn_blocks++;
		return fsz;
	}
	want = fi.contentSize ? (size_t)fi.contentSize : IPFIX_FILE_BLOCK_MAX;
	if (rd_out(f, want) < 0)
		return SIZE_MAX;
	off = in;
	do {
		size_t dst = want - done;

		in = fsz - off;
		r = LZ4F_decompress(f->lz4, f->out + done, &dst, p + off, &in, NULL);
		off += in;
		done += dst;
		if (LZ4F_isError(r) || (r && !in && !dst)) {
			/* damaged (a checksum), or bigger than it said */
			st->torn_blocks++;
			return fsz;
		}
	} while (r);
	if (fi.contentSize && done != want) {
		st->torn_blocks++;
		return fsz;
	}
	*n = done;
	return fsz;
}

int ipfix_file_read_buf(const uint8_t *buf, size_t len, ipfix_rec_fn fn,
			void *arg, struct ipfix_read_stats *st)
{
	struct ipfix_read_stats dummy;
	struct rd_state s = { .fn = fn, .arg = arg };
	struct rd_frames f = { 0 };
	size_t off = 0;
	int rc = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	s.st = st;
	/* nothing we know at the start: not a raw file */
	if (len && !(len >= 2 && buf[0] == 0 && buf[1] == 10) &&
	    !(len >= 4 && (le32(buf) == ZSTD_MAGIC || le32(buf) == LZ4_MAGIC)))
		return -1;
	s.t = calloc(RD_MAX_TMPL, sizeof(*s.t));
	if (!s.t)
		return -1;
	while (off < len && !s.stop) {
		size_t left = len - off, fsz, n;
		uint32_t magic = left >= 4 ? le32(buf + off) : 0;

		if (left >= 2 && buf[off] == 0 && buf[off + 1] == 10) {
			/* plain IPFIX messages up to the next frame or the end */
			st->blocks++;
			s.nt = 0;
			fsz = rd_stream(&s, buf + off, left, true);
			off += fsz;
			if (!fsz || (off < len && len - off < 4) ||
			    (off < len && le32(buf + off) != ZSTD_MAGIC &&
			     le32(buf + off) != LZ4_MAGIC &&
			     (le32(buf + off) & 0xFFFFFFF0u) != 0x184D2A50u)) {
				if (off < len && !s.stop)
					st->torn_blocks++;	/* a cut message */
				break;
			}
			continue;
		}
		if (left < 4 || (magic & 0xFFFFFFF0u) == 0x184D2A50u) {
			/* skippable frame (or a stub): step over it */
			if (left < 8)
				break;
			fsz = 8 + (size_t)le32(buf + off + 4);
			if (fsz > left)
				break;
			off += fsz;
			continue;
		}
		if (magic == ZSTD_MAGIC) {
			fsz = rd_zstd(&f, buf + off, left, &n, st);
		} else if (magic == LZ4_MAGIC) {
			fsz = rd_lz4(&f, buf + off, left, &n, st);
		} else {
			st->torn_blocks++;
			break;
		}
		if (fsz == SIZE_MAX) {
			rc = -1;	/* out of memory */
			break;
		}
		if (!fsz)
			break;
		off += fsz;
		if (n == SIZE_MAX)
			continue;
		st->blocks++;
		s.nt = 0;		/* each block is self-contained */
		rd_stream(&s, f.out, n, false);
	}
	ZSTD_freeDCtx(f.zstd);
	LZ4F_freeDecompressionContext(f.lz4);
	free(f.out);
	free(s.t);
	return rc;
}

int ipfix_file_read(const char *path, uint64_t max_bytes, ipfix_rec_fn fn,
		    void *arg, struct ipfix_read_stats *st)
{
	struct stat sb;
	void *map;
	size_t len;
	int fd, rc, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	len = (size_t)sb.st_size;
	if (max_bytes && max_bytes < len)
		len = (size_t)max_bytes;
	if (!len) {
		close(fd);
		if (st)
			memset(st, 0, sizeof(*st));
		return 0;
	}
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return -e;
	rc = ipfix_file_read_buf(map, len, fn, arg, st);
	munmap(map, len);
	return rc < 0 ? -EINVAL : 0;
}
