/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_probe_config.c - the prober's config parser on arbitrary text */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "probe/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_conf c;
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	probe_conf_init(&c);
	if (probe_conf_load(&c, "fuzz", f) == 0) {
		FILE *o = fopen("/dev/null", "w");

		if (o) {
			probe_conf_print(&c, o);
			fclose(o);
		}
	}
	probe_conf_free(&c);
	fclose(f);
	return 0;
}
