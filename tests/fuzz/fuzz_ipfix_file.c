/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_ipfix_file.c - the raw-record file reader (zstd, LZ4 and plain IPFIX blocks) */
#include <stddef.h>
#include <stdint.h>

#include "flow/ipfix_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_rec(void *arg, const struct flow_rec *r)
{
	(*(uint64_t *)arg) += r->bytes;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipfix_read_stats st;
	uint64_t sum = 0;

	(void)ipfix_file_read_buf(data, size, on_rec, &sum, &st);
	return 0;
}
