/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipfix_file.h - flow records to and from IPFIX files (RFC 5655) in zstd,
 * LZ4 or plain blocks
 *
 * A raw-record file is a sequence of blocks: zstd frames, LZ4 frames or
 * plain IPFIX. Each block is a self-contained run of IPFIX messages (RFC
 * 7011) that starts with our template set, so a block can be decoded on
 * its own and a torn last block (kill -9, disk full) is detected and
 * skipped. Frames concatenate, so `zstdcat FILE` or `lz4cat FILE` gives a
 * plain RFC 5655 IPFIX file that other IPFIX tools read. The reader takes
 * any mix of the three kinds, and any plain IPFIX file.
 */
#ifndef WS_IPFIX_FILE_H
#define WS_IPFIX_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

/* Private IEs use the documentation enterprise number (RFC 5612). */
#define IPFIX_FILE_PEN 32473

/* Uncompressed bytes per block, default and bounds. */
#define IPFIX_FILE_BLOCK_DEFAULT (1u << 20)
#define IPFIX_FILE_BLOCK_MAX (16u << 20)

/* How blocks are written. */
enum ipfix_codec {
	IPFIX_CODEC_ZSTD,	/* zstd frames, checksummed (the default) */
	IPFIX_CODEC_LZ4,	/* LZ4 frames, checksummed */
	IPFIX_CODEC_NONE,	/* plain IPFIX messages */
};

/* "zstd", "lz4", "none". */
const char *ipfix_codec_name(enum ipfix_codec codec);
/* The file name ending: ".ipfix.zst", ".ipfix.lz4", ".ipfix". */
const char *ipfix_codec_suffix(enum ipfix_codec codec);
/* Parse a codec name. Return: 0, or -1 when @s names none. */
int ipfix_codec_parse(const char *s, enum ipfix_codec *codec);

struct ipfix_fw;

/* A block encoder. @block_bytes: uncompressed size at which
 * ipfix_fw_add() reports the block full; @codec: how blocks are written;
 * @level: zstd level (IPFIX_CODEC_ZSTD only).
 * Return: the encoder, or NULL when out of memory. */
struct ipfix_fw *ipfix_fw_new(size_t block_bytes, enum ipfix_codec codec, int level);
void ipfix_fw_free(struct ipfix_fw *w);

/* Append one flow record (type FLOW_REC_FLOW; others are ignored).
 * Return: 1 when the block is full and should be finished, else 0. */
int ipfix_fw_add(struct ipfix_fw *w, const struct flow_rec *r);

/* Records in the open block. */
size_t ipfix_fw_records(const struct ipfix_fw *w);

/*
 * Close the open block: compress it into one zstd or LZ4 frame, or take it
 * as it is (*out, *len valid until the next ipfix_fw_add() or
 * ipfix_fw_finish()), and start a new, empty block.
 * Return: 0, or -1 when compression failed (the block is discarded).
 */
int ipfix_fw_finish(struct ipfix_fw *w, int64_t export_ms,
		    const uint8_t **out, size_t *len);

/* What a read saw. */
struct ipfix_read_stats {
	uint64_t blocks;		/* frames, and runs of plain IPFIX */
	uint64_t messages;
	uint64_t records;		/* flow records handed to the callback */
	uint64_t torn_blocks;		/* truncated/corrupt frame: rest skipped */
	uint64_t bad_messages;		/* malformed IPFIX message or set */
	uint64_t no_template;		/* data set without a known template */
	uint64_t skipped_sets;		/* option templates, unknown sets */
};

/* Called per record; return non-zero to stop reading. */
typedef int (*ipfix_rec_fn)(void *arg, const struct flow_rec *r);

/*
 * Read a raw-record file held in memory: zstd frames, LZ4 frames and plain
 * IPFIX, in any mix.
 * Return: 0 when the input was read to its end or the callback stopped it,
 * -1 when nothing in it could be read (it starts with neither IPFIX nor a
 * zstd or LZ4 frame) or memory ran out. Damage after
 * the first good block is counted in @st, not an error.
 */
int ipfix_file_read_buf(const uint8_t *buf, size_t len, ipfix_rec_fn fn,
			void *arg, struct ipfix_read_stats *st);

/* The same for a file, reading at most @max_bytes (0 = all of it).
 * Return: 0, or -errno when the file cannot be read. */
int ipfix_file_read(const char *path, uint64_t max_bytes, ipfix_rec_fn fn,
		    void *arg, struct ipfix_read_stats *st);

#endif
