/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_filter.c - the flow filter language parser and evaluator */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_err e;
	struct filter *f;
	struct flow_rec r;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	f = filter_parse(text, &e);
	if (f) {
		memset(&r, 0, sizeof(r));
		r.present = ~0ull;
		ip_addr_set4u(&r.src, 0x0a000001);
		ip_addr_set4u(&r.dst, 0xcb007107);
		r.sampling_rate = 3;
		(void)filter_match(f, &r, true);
		(void)filter_exporter_only(f);
		filter_free(f);
	} else if (e.pos == 0 || e.pos > strlen(text) + 1 || !e.msg[0]) {
		abort();	/* every error names a column inside the text */
	}
	free(text);
	return 0;
}
