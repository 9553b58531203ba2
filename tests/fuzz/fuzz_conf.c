/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_conf.c - the config file parser (collector options table) and the
 * canonical print round trip */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collector.h"
#include "lib/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print(struct conf_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	conf_print(t, 1, f);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct collect_cfg a, b;
	struct conf_table ta = { collect_conf_opts, collect_conf_nopts, &a };
	struct conf_table tb = { collect_conf_opts, collect_conf_nopts, &b };
	char err[512], *text = malloc(size + 1), *p1, *p2;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	collect_cfg_defaults(&a);
	if (conf_defaults(&ta, 1, err, sizeof(err)) < 0)
		abort();
	if (conf_parse_text(&ta, 1, text, "fuzz", err, sizeof(err)) == 0) {
		/* whatever parsed prints canonically and parses back the same */
		p1 = print(&ta);
		collect_cfg_defaults(&b);
		if (conf_defaults(&tb, 1, err, sizeof(err)) < 0 ||
		    conf_parse_text(&tb, 1, p1, "printed", err, sizeof(err)) < 0)
			abort();
		p2 = print(&tb);
		if (strcmp(p1, p2))
			abort();
		free(p1);
		free(p2);
	}
	free(text);
	return 0;
}
