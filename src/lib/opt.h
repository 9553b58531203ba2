/* SPDX-License-Identifier: BSD-2-Clause */
/* opt.h - strict parsing of command-line and config values */
#ifndef WS_OPT_H
#define WS_OPT_H

#include <stdint.h>

/* Exit codes every subcommand uses. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Decimal (or 0x hex) integer within [min, max], the whole string.
 * Return: 0, or -1 with a message naming @what on stderr. */
int opt_u64(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out);
int opt_u32(const char *what, const char *s, uint32_t min, uint32_t max, uint32_t *out);
/* A non-negative decimal number of seconds such as "0.2" or "5"; also
 * accepts the suffixes ms, s, m, h. Return: milliseconds, or -1. */
int opt_duration_ms(const char *what, const char *s, uint64_t *ms);

#endif
