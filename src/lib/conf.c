/* SPDX-License-Identifier: BSD-2-Clause */
/* conf.c - table-driven configuration: parse, validate, print, help */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/conf.h"

#define CONF_MAX_FILE (1u << 20)

int conf_parse_duration(const char *s, uint64_t *ms, char *err, size_t errlen)
{
	static const struct { const char *suf; uint64_t mul; } u[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "", 1000 },
	};
	char *end;
	unsigned long long v;
	size_t i;

	errno = 0;
	if (!isdigit((unsigned char)s[0]))
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (!strcmp(end, u[i].suf)) {
			if (v > UINT64_MAX / u[i].mul)
				goto bad;
			*ms = v * u[i].mul;
			return 0;
		}
	}
bad:
	snprintf(err, errlen, "'%s' is not a duration (like 500ms, 2s, 5m, 1h, 7d)", s);
	return -1;
}

int conf_parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	if (!isdigit((unsigned char)s[0]))
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	if (*end) {
		switch (*end) {
		case 'K': case 'k': mul = 1ull << 10; break;
		case 'M': mul = 1ull << 20; break;
		case 'G': mul = 1ull << 30; break;
		case 'T': mul = 1ull << 40; break;
		default: goto bad;
		}
		if (end[1])
			goto bad;
	}
	if (v > UINT64_MAX / mul)
		goto bad;
	*bytes = v * mul;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a size (like 4096, 64K, 32M, 10G)", s);
	return -1;
}

void conf_fmt_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms && ms % 86400000 == 0)
		snprintf(buf, len, "%llud", (unsigned long long)(ms / 86400000));
	else if (ms && ms % 3600000 == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
}

void conf_fmt_size(uint64_t b, char *buf, size_t len)
{
	if (b && b % (1ull << 40) == 0)
		snprintf(buf, len, "%lluT", (unsigned long long)(b >> 40));
	else if (b && b % (1ull << 30) == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(b >> 30));
	else if (b && b % (1ull << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(b >> 20));
	else if (b && b % (1ull << 10) == 0)
		snprintf(buf, len, "%lluK", (unsigned long long)(b >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)b);
}

static const struct conf_opt *find(const struct conf_table *t, size_t nt,
				   const char *name, void **base)
{
	size_t i, j;

	for (i = 0; i < nt; i++)
		for (j = 0; j < t[i].n; j++)
			if (!strcmp(t[i].opts[j].name, name)) {
				*base = t[i].base;
				return &t[i].opts[j];
			}
	return NULL;
}

static int set(const struct conf_opt *o, void *base, const char *val, char *err, size_t errlen)
{
	char *field = (char *)base + o->off;
	uint64_t v = 0;
	char *end;

	switch (o->type) {
	case CONF_BOOL:
		if (!strcasecmp(val, "yes") || !strcasecmp(val, "true") ||
		    !strcasecmp(val, "on") || !strcmp(val, "1"))
			*(bool *)(void *)field = true;
		else if (!strcasecmp(val, "no") || !strcasecmp(val, "false") ||
			 !strcasecmp(val, "off") || !strcmp(val, "0"))
			*(bool *)(void *)field = false;
		else {
			snprintf(err, errlen, "%s: '%s' is not yes or no", o->name, val);
			return -1;
		}
		return 0;
	case CONF_U32:
	case CONF_U64:
		errno = 0;
		if (!isdigit((unsigned char)val[0]) ||
		    ((v = strtoull(val, &end, 10)), errno || *end)) {
			snprintf(err, errlen, "%s: '%s' is not a number", o->name, val);
			return -1;
		}
		break;
	case CONF_DURATION:
		if (conf_parse_duration(val, &v, err, errlen) < 0)
			goto named;
		break;
	case CONF_SIZE:
		if (conf_parse_size(val, &v, err, errlen) < 0)
			goto named;
		break;
	case CONF_STRING:
		if (strlen(val) >= o->size || (o->max && strlen(val) > o->max)) {
			snprintf(err, errlen, "%s: value too long (at most %zu characters)",
				 o->name, o->size - 1);
			return -1;
		}
		memcpy(field, val, strlen(val) + 1);
		return 0;
	case CONF_CUSTOM:
		if (o->parse(base, val, err, errlen) < 0)
			goto named;
		return 0;
	}
	if (v < o->min || v > o->max) {
		char a[32], b[32];

		if (o->type == CONF_DURATION) {
			conf_fmt_duration(o->min, a, sizeof(a));
			conf_fmt_duration(o->max, b, sizeof(b));
		} else if (o->type == CONF_SIZE) {
			conf_fmt_size(o->min, a, sizeof(a));
			conf_fmt_size(o->max, b, sizeof(b));
		} else {
			snprintf(a, sizeof(a), "%llu", (unsigned long long)o->min);
			snprintf(b, sizeof(b), "%llu", (unsigned long long)o->max);
		}
		snprintf(err, errlen, "%s: %s is out of range (%s..%s)", o->name, val, a, b);
		return -1;
	}
	if (o->type == CONF_U32)
		*(uint32_t *)(void *)field = (uint32_t)v;
	else
		*(uint64_t *)(void *)field = v;
	return 0;
named:
	{
		char m[512];

		snprintf(m, sizeof(m), "%s", err);
		snprintf(err, errlen, "%s: %s", o->name, m);
	}
	return -1;
}

int conf_defaults(const struct conf_table *t, size_t nt, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < nt; i++) {
		for (j = 0; j < t[i].n; j++) {
			const struct conf_opt *o = &t[i].opts[j];
			const char *d = o->def;

			if (o->clear)
				o->clear(t[i].base);
			if (!d)
				continue;
			/* a list default: values separated by spaces */
			if (o->flags & CONF_REPEAT) {
				char buf[1024], *save = NULL, *w;

				snprintf(buf, sizeof(buf), "%s", d);
				for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
					if (set(o, t[i].base, w, err, errlen) < 0)
						return -1;
			} else if (set(o, t[i].base, d, err, errlen) < 0) {
				return -1;
			}
		}
	}
	return 0;
}

/* Split "name value" with optional quotes; '#' outside quotes ends it.
 * Return: 0 (maybe empty: *name = 0), or -1 with a message. */
static int split(char *line, char **name, char **val, char *err, size_t errlen)
{
	char *p = line, *out;

	while (*p == ' ' || *p == '\t')
		p++;
	*name = p;
	*val = NULL;
	while (*p && *p != ' ' && *p != '\t' && *p != '#')
		p++;
	if (*p == '#' || !*p) {
		*p = 0;
		return 0;
	}
	*p++ = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"') {
		out = ++p;
		*val = out;
		while (*p && *p != '"') {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			*out++ = *p++;
		}
		if (*p != '"') {
			snprintf(err, errlen, "unterminated quote");
			return -1;
		}
		p++;
		*out = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != '#') {
			snprintf(err, errlen, "unexpected text after the quoted value");
			return -1;
		}
		return 0;
	}
	*val = p;
	while (*p && *p != '#')
		p++;
	*p = 0;
	while (p > *val && (p[-1] == ' ' || p[-1] == '\t'))
		*--p = 0;
	if (!**val)
		*val = NULL;
	return 0;
}

int conf_parse_text(const struct conf_table *t, size_t nt, const char *text,
		    const char *origin, char *err, size_t errlen)
{
	const struct conf_opt *seen[256];
	size_t nseen = 0, lineno = 0;
	char *copy, *line, *p, m[512];
	int rc = -1;

	/* Lines are split in place in a private copy, so a line is as long as
	 * it needs to be: a value at its option's maximum still parses when
	 * conf_print() has quoted and escaped it. */
	copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", origin);
		return -1;
	}
	for (p = copy; *p; ) {
		char *nl = strchr(p, '\n');
		char *name, *val, *q;
		const struct conf_opt *o;
		void *base;
		size_t k, len;

		lineno++;
		line = p;
		len = nl ? (size_t)(nl - p) : strlen(p);
		p += len + (nl ? 1 : 0);
		line[len] = 0;
		if (len && line[len - 1] == '\r')
			line[len - 1] = 0;
		if (split(line, &name, &val, m, sizeof(m)) < 0) {
			snprintf(err, errlen, "%s:%zu: %s", origin, lineno, m);
			goto out;
		}
		if (!*name)
			continue;
		o = find(t, nt, name, &base);
		if (!o) {
			snprintf(err, errlen, "%s:%zu: unknown option '%s' (see 'wanscope run --help')",
				 origin, lineno, name);
			goto out;
		}
		if (!val || !*val) {	/* "" is no value either */
			snprintf(err, errlen, "%s:%zu: %s: missing value", origin, lineno, name);
			goto out;
		}
		for (q = val; *q && (unsigned char)*q >= 0x20 && *q != 0x7f; q++)
			;
		if (*q) {
			snprintf(err, errlen, "%s:%zu: %s: control character 0x%02x in the value",
				 origin, lineno, name, (unsigned char)*q);
			goto out;
		}
		for (k = 0; k < nseen && seen[k] != o; k++)
			;
		if (k < nseen && !(o->flags & CONF_REPEAT)) {
			snprintf(err, errlen, "%s:%zu: %s given twice", origin, lineno, name);
			goto out;
		}
		if (k == nseen) {
			if (nseen < sizeof(seen) / sizeof(seen[0]))
				seen[nseen++] = o;
			if ((o->flags & CONF_REPEAT) && o->clear)
				o->clear(base);
		}
		if (set(o, base, val, m, sizeof(m)) < 0) {
			snprintf(err, errlen, "%s:%zu: %s", origin, lineno, m);
			goto out;
		}
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

int conf_parse_file(const struct conf_table *t, size_t nt, const char *path,
		    char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(CONF_MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = fread(buf, 1, CONF_MAX_FILE + 1, f);
	if (ferror(f) || n > CONF_MAX_FILE) {
		snprintf(err, errlen, "%s: %s", path, n > CONF_MAX_FILE ?
			 "larger than 1 MiB" : strerror(errno));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	buf[n] = 0;
	if (strlen(buf) != n) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		free(buf);
		return -1;
	}
	rc = conf_parse_text(t, nt, buf, path, err, errlen);
	free(buf);
	return rc;
}

static bool needs_quotes(const char *s)
{
	return !*s || strpbrk(s, " \t#\"\\") != NULL;
}

static void print_value(FILE *f, const char *name, const char *v)
{
	const char *p;

	if (!needs_quotes(v)) {
		fprintf(f, "%s %s\n", name, v);
		return;
	}
	fprintf(f, "%s \"", name);
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputs("\"\n", f);
}

static bool value_text(const struct conf_opt *o, const void *base, unsigned i,
		       char *buf, size_t len)
{
	const char *field = (const char *)base + o->off;

	if (o->type == CONF_CUSTOM)
		return o->value(base, i, buf, len);
	if (i)
		return false;
	switch (o->type) {
	case CONF_BOOL:
		snprintf(buf, len, "%s", *(const bool *)(const void *)field ? "yes" : "no");
		break;
	case CONF_U32:
		snprintf(buf, len, "%u", *(const uint32_t *)(const void *)field);
		break;
	case CONF_U64:
		snprintf(buf, len, "%llu",
			 (unsigned long long)*(const uint64_t *)(const void *)field);
		break;
	case CONF_DURATION:
		conf_fmt_duration(*(const uint64_t *)(const void *)field, buf, len);
		break;
	case CONF_SIZE:
		conf_fmt_size(*(const uint64_t *)(const void *)field, buf, len);
		break;
	case CONF_STRING:
		snprintf(buf, len, "%s", field);
		break;
	case CONF_CUSTOM:
		break;
	}
	return true;
}

void conf_print(const struct conf_table *t, size_t nt, FILE *f)
{
	char buf[4200];
	size_t i, j;
	unsigned k;

	for (i = 0; i < nt; i++)
		for (j = 0; j < t[i].n; j++) {
			const struct conf_opt *o = &t[i].opts[j];

			for (k = 0; value_text(o, t[i].base, k, buf, sizeof(buf)); k++) {
				if (o->type == CONF_STRING && !buf[0])
					break;	/* unset string: the default */
				print_value(f, o->name, buf);
			}
		}
}

void conf_help(const struct conf_table *t, size_t nt, FILE *f)
{
	static const char *const tn[] = {
		[CONF_BOOL] = "yes|no", [CONF_U32] = "N", [CONF_U64] = "N",
		[CONF_DURATION] = "DURATION", [CONF_SIZE] = "SIZE",
		[CONF_STRING] = "TEXT", [CONF_CUSTOM] = "VALUE",
	};
	size_t i, j;

	for (i = 0; i < nt; i++)
		for (j = 0; j < t[i].n; j++) {
			const struct conf_opt *o = &t[i].opts[j];
			char a[32] = "", b[32] = "";

			fprintf(f, "  %s %s%s\n", o->name, tn[o->type],
				o->flags & CONF_REPEAT ? " (repeatable)" : "");
			fprintf(f, "      %s", o->help ? o->help : "");
			if (o->type == CONF_U32 || o->type == CONF_U64) {
				fprintf(f, " (%llu..%llu)", (unsigned long long)o->min,
					(unsigned long long)o->max);
			} else if (o->type == CONF_DURATION || o->type == CONF_SIZE) {
				if (o->type == CONF_DURATION) {
					conf_fmt_duration(o->min, a, sizeof(a));
					conf_fmt_duration(o->max, b, sizeof(b));
				} else {
					conf_fmt_size(o->min, a, sizeof(a));
					conf_fmt_size(o->max, b, sizeof(b));
				}
				fprintf(f, " (%s..%s)", a, b);
			}
			fprintf(f, "\n      default: %s\n", o->def && *o->def ? o->def : "none");
		}
}
