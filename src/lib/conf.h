/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf.h - table-driven configuration: one table of options (name, type,
 * bounds, default, field) drives parsing, validation, help and printing
 *
 * File format: one option per line, "name value"; '#' starts a comment;
 * a value with spaces or '#' goes in double quotes. Options marked
 * CONF_REPEAT (lists) may appear on several lines; the first line in a
 * file replaces the default list. conf_print() writes every option in
 * table order, and its output parses back to the same configuration.
 */
#ifndef WS_CONF_H
#define WS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum conf_type {
	CONF_BOOL,		/* bool: yes/no, true/false, on/off, 1/0 */
	CONF_U32,		/* uint32_t within [min, max] */
	CONF_U64,		/* uint64_t within [min, max] */
	CONF_DURATION,		/* uint64_t ms: 500ms, 2s, 5m, 1h, 7d */
	CONF_SIZE,		/* uint64_t bytes: 4096, 64K, 32M, 10G */
	CONF_STRING,		/* char[size] */
	CONF_CUSTOM,		/* parse/print callbacks */
};

#define CONF_REPEAT 1u		/* a list: one value per line */

struct conf_opt {
	const char *name;
	enum conf_type type;
	uint64_t min, max;	/* numbers; strings: max length */
	const char *def;	/* default as it would be written; NULL = none */
	size_t off;		/* offsetof the field in the table's struct */
	size_t size;		/* CONF_STRING: buffer size */
	unsigned flags;
	/* CONF_CUSTOM: add one value (append for lists). Return 0 or -1 with
	 * a message in @err. */
	int (*parse)(void *base, const char *val, char *err, size_t errlen);
	/* CONF_CUSTOM: the values as text, one per call with @i = 0, 1, ...
	 * Return: false when there is no value @i. */
	bool (*value)(const void *base, unsigned i, char *buf, size_t len);
	/* CONF_CUSTOM + CONF_REPEAT: empty the list. */
	void (*clear)(void *base);
	const char *help;
};

/* One table and the struct it fills. */
struct conf_table {
	const struct conf_opt *opts;
	size_t n;
	void *base;
};

/* Set every option of every table to its default.
 * Return: 0, or -1 when a default does not parse (a bug: message in @err). */
int conf_defaults(const struct conf_table *t, size_t nt, char *err, size_t errlen);

/* Apply a configuration text (@origin names it in errors: "FILE:LINE:").
 * Return: 0, or -1 with the first error in @err. */
int conf_parse_text(const struct conf_table *t, size_t nt, const char *text,
		    const char *origin, char *err, size_t errlen);

/* The same for a file. Return: 0, or -1 (@err names file and line). */
int conf_parse_file(const struct conf_table *t, size_t nt, const char *path,
		    char *err, size_t errlen);

/* Write the configuration canonically (every option, table order). */
void conf_print(const struct conf_table *t, size_t nt, FILE *f);

/* Option reference: name, type, bounds, default, help. */
void conf_help(const struct conf_table *t, size_t nt, FILE *f);

/* Value parsers shared with command lines. Return: 0 or -1 (@err). */
int conf_parse_duration(const char *s, uint64_t *ms, char *err, size_t errlen);
int conf_parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen);
void conf_fmt_duration(uint64_t ms, char *buf, size_t len);
void conf_fmt_size(uint64_t bytes, char *buf, size_t len);

#endif
