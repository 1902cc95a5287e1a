// SPDX-License-Identifier: GPL-2.0
/*
 * attrlog - per-I/O attribute log writer and parser; see attrlog.h.
 */
#include <stdio.h>
#include <string.h>

#include "attrlog.h"

static const char *const fixed_cols[] = { "time_ms", "lat_ns", "ddir", "bs", "offset" };
#define NR_FIXED (sizeof(fixed_cols) / sizeof(fixed_cols[0]))

size_t aa_log_format_header(char *buf, size_t len, uint64_t mask)
{
	size_t n;
	unsigned int id, i;
	int r;

	r = snprintf(buf, len, "%s %d\n#", AA_LOG_MAGIC, AA_LOG_VERSION);
	if (r < 0 || (size_t)r >= len)
		return 0;
	n = (size_t)r;
	for (i = 0; i < NR_FIXED; i++) {
		r = snprintf(buf + n, len - n, "%s %s", i ? "," : "", fixed_cols[i]);
		if (r < 0 || (size_t)r >= len - n)
			return 0;
		n += (size_t)r;
	}
	for (id = 0; id < AIO_ATTR_NR; id++) {
		if (!(mask & AIO_ATTR_BIT(id)))
			continue;
		r = snprintf(buf + n, len - n, ", %s", aa_attr_name(id));
		if (r < 0 || (size_t)r >= len - n)
			return 0;
		n += (size_t)r;
	}
	if (n + 2 > len)
		return 0;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

/* Decimal digits of @v at @p (room for 20 assumed); returns the count. */
static size_t put_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

size_t aa_log_format_line(char *buf, size_t len, const struct aa_sample *s, uint64_t mask)
{
	const uint64_t fixed[NR_FIXED] = { s->time_ms, s->lat_ns, (uint64_t)s->ddir, s->bs,
					   s->offset };
	char *p = buf;
	unsigned int id, i;

	if (len < AA_LOG_LINE_MAX)
		return 0;
	for (i = 0; i < NR_FIXED; i++) {
		if (i) {
			*p++ = ',';
			*p++ = ' ';
		}
		p += put_u64(p, fixed[i]);
	}
	for (id = 0; id < AIO_ATTR_NR; id++) {
		if (!(mask & AIO_ATTR_BIT(id)))
			continue;
		*p++ = ',';
		*p++ = ' ';
		if (s->status[id] == AIO_ATTR_ST_HANDLED)
			p += put_u64(p, s->value[id]);
		else if (s->status[id] == AIO_ATTR_ST_UNSUPPORTED)
			*p++ = '-';
		else
			*p++ = '?';
	}
	*p++ = '\n';
	*p = '\0';
	return (size_t)(p - buf);
}

void aa_log_cols_init(struct aa_log_cols *c)
{
	memset(c, 0, sizeof(*c));
}

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool at_end(const char *p)
{
	p = skip_blank(p);
	return *p == '\0' || *p == '\n' || (*p == '\r' && (p[1] == '\0' || p[1] == '\n'));
}

/* Next comma-separated token: [*b, *e) with blanks trimmed; returns the position after it. */
static const char *next_token(const char *p, const char **b, const char **e)
{
	const char *q;

	p = skip_blank(p);
	q = p;
	while (*q && *q != ',' && *q != '\n' && *q != '\r')
		q++;
	*b = p;
	*e = q;
	while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
	return q;
}

static int parse_header(struct aa_log_cols *c, const char *p, char *err, size_t errlen)
{
	struct aa_log_cols n;
	unsigned int col = 0;
	const char *b, *e;

	aa_log_cols_init(&n);
	n.have_magic = c->have_magic;
	for (;;) {
		p = next_token(p, &b, &e);
		if (b == e) {
			snprintf(err, errlen, "column header: empty column name");
			return -1;
		}
		if (col < NR_FIXED) {
			if ((size_t)(e - b) != strlen(fixed_cols[col]) ||
			    memcmp(b, fixed_cols[col], (size_t)(e - b))) {
				snprintf(err, errlen,
					 "column header: column %u is \"%.*s\", expected \"%s\"",
					 col + 1, (int)(e - b), b, fixed_cols[col]);
				return -1;
			}
		} else {
			int id = aa_attr_lookup(b, (size_t)(e - b));

			if (id < 0) {
				snprintf(err, errlen, "column header: unknown attribute \"%.*s\"",
					 (int)(e - b), b);
				return -1;
			}
			if (n.mask & AIO_ATTR_BIT(id)) {
				snprintf(err, errlen, "column header: attribute \"%.*s\" twice",
					 (int)(e - b), b);
				return -1;
			}
			n.mask |= AIO_ATTR_BIT(id);
			n.id[n.nr_attrs++] = (unsigned char)id;
		}
		col++;
		if (*p != ',')
			break;
		p++;
	}
	if (!at_end(p)) {
		snprintf(err, errlen, "column header: junk after the last column");
		return -1;
	}
	if (col < NR_FIXED) {
		snprintf(err, errlen, "column header: %u columns, expected at least %u", col,
			 (unsigned int)NR_FIXED);
		return -1;
	}
	n.have_header = true;
	n.headers = c->headers + 1;
	*c = n;
	return 0;
}

static int parse_u64(const char *b, const char *e, uint64_t *v)
{
	uint64_t x = 0;

	if (b == e)
		return -1;
	for (; b < e; b++) {
		unsigned int d;

		if (*b < '0' || *b > '9')
			return -1;
		d = (unsigned int)(*b - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int aa_log_parse_line(struct aa_log_cols *c, const char *line, struct aa_sample *s, char *err,
		      size_t errlen)
{
	const char *p = skip_blank(line), *b, *e;
	unsigned int col, total;

	if (at_end(p))
		return 0;
	if (*p == '#') {
		size_t ml = strlen(AA_LOG_MAGIC);

		if (!strncmp(p, AA_LOG_MAGIC, ml)) {
			uint64_t v;

			next_token(p + ml, &b, &e);
			if (parse_u64(b, e, &v) || v != AA_LOG_VERSION) {
				snprintf(err, errlen,
					 "unsupported attr_log version \"%.*s\" (know %d)",
					 (int)(e - b), b, AA_LOG_VERSION);
				return -1;
			}
			c->have_magic = true;
			return 0;
		}
		p = skip_blank(p + 1);
		if (!strncmp(p, "time_ms", 7) && c->have_magic)
			return parse_header(c, p, err, errlen) ? -1 : 0;
		return 0;
	}
	if (!c->have_header) {
		snprintf(err, errlen,
			 "data line before the \"# time_ms, ...\" column header "
			 "(not an aioattr attr_log?)");
		return -1;
	}
	memset(s, 0, sizeof(*s));
	total = (unsigned int)NR_FIXED + c->nr_attrs;
	for (col = 0;; col++) {
		p = next_token(p, &b, &e);
		if (col >= total) {
			snprintf(err, errlen, "too many columns (expected %u)", total);
			return -1;
		}
		if (col < NR_FIXED) {
			uint64_t v;

			if (parse_u64(b, e, &v)) {
				snprintf(err, errlen, "column %s: \"%.*s\" is not a number",
					 fixed_cols[col], (int)(e - b), b);
				return -1;
			}
			switch (col) {
			case 0:
				s->time_ms = v;
				break;
			case 1:
				s->lat_ns = v;
				break;
			case 2:
				if (v > 4) {
					snprintf(err, errlen, "column ddir: %llu is not 0..4",
						 (unsigned long long)v);
					return -1;
				}
				s->ddir = (int)v;
				break;
			case 3:
				s->bs = v;
				break;
			default:
				s->offset = v;
				break;
			}
		} else {
			unsigned int id = c->id[col - NR_FIXED];

			if (e - b == 1 && *b == '-') {
				s->status[id] = AIO_ATTR_ST_UNSUPPORTED;
			} else if (e - b == 1 && *b == '?') {
				s->status[id] = 0xffff;
			} else if (!parse_u64(b, e, &s->value[id])) {
				s->status[id] = AIO_ATTR_ST_HANDLED;
			} else {
				snprintf(err, errlen,
					 "column %s: \"%.*s\" is neither a number nor '-'",
					 aa_attr_name(id), (int)(e - b), b);
				return -1;
			}
		}
		if (*p != ',')
			break;
		p++;
	}
	if (!at_end(p)) {
		snprintf(err, errlen, "unexpected character '%c'", *p);
		return -1;
	}
	if (col + 1 != total) {
		snprintf(err, errlen, "%u columns, expected %u", col + 1, total);
		return -1;
	}
	return 1;
}
