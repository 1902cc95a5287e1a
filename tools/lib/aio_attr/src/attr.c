// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaioattr - the attribute registry: the only table of attribute names
 * and units in userspace.  Adding an attribute id to the ABI means adding
 * its line to registry[] below (and its documentation); every tool reads
 * names, units, "all" and the formatting from here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <aio_attr/aio_attr.h>

/*
 * AA_TEST_ATTR: the library's unit tests build a copy with one more id,
 * to show that an id is added here and nowhere else.
 */
#ifdef AA_TEST_ATTR
#define AA_ATTR_TEST_COUNT AIO_ATTR_NR
#define AA_ATTR_NR	   (AIO_ATTR_NR + 1)
#else
#define AA_ATTR_NR AIO_ATTR_NR
#endif

/* Indexed by enum aio_attr_id. */
static const struct aa_attr_info registry[AA_ATTR_NR] = {
	[AIO_ATTR_SERVICE_NS] = { "service_ns", "ns", AA_ATTR_KIND_NS,
				  "submission to completion posted" },
	[AIO_ATTR_QUEUE_NS] = { "queue_ns", "ns", AA_ATTR_KIND_NS,
				"submission to dispatch into the driver" },
	[AIO_ATTR_DEVICE_NS] = { "device_ns", "ns", AA_ATTR_KIND_NS,
				 "time in the device as its driver saw it" },
	[AIO_ATTR_CACHE] = { "cache", "cache bits", AA_ATTR_KIND_CACHE,
			     "hit, miss or partial in a cache tier" },
	[AIO_ATTR_CRYPT_NS] = { "crypt_ns", "ns", AA_ATTR_KIND_NS, "time spent in en/decryption" },
	[AIO_ATTR_COMPLETION_CTX] = { "completion_ctx", "context", AA_ATTR_KIND_CTX,
				      "where the completion ran" },
#if AIO_ATTR_VERSION >= 2
	[AIO_ATTR_PAGECACHE] = { "pagecache", "cache bits", AA_ATTR_KIND_CACHE,
				 "buffered I/O: hit, miss or partial in the page cache" },
#endif
#ifdef AA_TEST_ATTR
	[AA_ATTR_TEST_COUNT] = { "test_count", "count", AA_ATTR_KIND_COUNT,
				 "test-only attribute of the unit tests" },
#endif
};

_Static_assert(AA_ATTR_NR <= 64, "an attribute mask has 64 bits");

unsigned int aa_attr_nr(void)
{
	return AA_ATTR_NR;
}

uint64_t aa_attr_all(void)
{
	return AA_ATTR_NR == 64 ? ~0ULL : (1ULL << AA_ATTR_NR) - 1;
}

const struct aa_attr_info *aa_attr_get(unsigned int id)
{
	return id < AA_ATTR_NR && registry[id].name ? &registry[id] : NULL;
}

const char *aa_attr_name(unsigned int id)
{
	const struct aa_attr_info *info = aa_attr_get(id);

	return info ? info->name : NULL;
}

int aa_attr_lookup(const char *name, size_t len)
{
	unsigned int id;

	for (id = 0; id < AA_ATTR_NR; id++)
		if (registry[id].name && strlen(registry[id].name) == len &&
		    !memcmp(registry[id].name, name, len))
			return (int)id;
	return -1;
}

bool aa_attr_is_ns(unsigned int id)
{
	const struct aa_attr_info *info = aa_attr_get(id);

	return info && info->kind == AA_ATTR_KIND_NS;
}

/* ---- formatting: a bounded string builder ---- */

struct sbuf {
	char *buf;
	size_t len;
	size_t n; /* bytes the whole string needs */
};

static void sb_init(struct sbuf *sb, char *buf, size_t len)
{
	sb->buf = buf;
	sb->len = len;
	sb->n = 0;
	if (len)
		buf[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	size_t room = sb->n < sb->len ? sb->len - sb->n : 0;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(room ? sb->buf + sb->n : NULL, room, fmt, ap);
	va_end(ap);
	if (r > 0)
		sb->n += (size_t)r;
}

static int sb_done(const struct sbuf *sb)
{
	return sb->n > INT32_MAX ? INT32_MAX : (int)sb->n;
}

static void sb_sep(struct sbuf *sb, const char *what, char sep)
{
	if (sb->n)
		sb_printf(sb, "%c%s", sep, what);
	else
		sb_printf(sb, "%s", what);
}

int aa_attr_format_list(uint64_t mask, char *buf, size_t len)
{
	struct sbuf sb;
	unsigned int bit;
	char tmp[16];

	sb_init(&sb, buf, len);
	for (bit = 0; bit < 64; bit++) {
		const char *name;

		if (!(mask & (1ULL << bit)))
			continue;
		name = aa_attr_name(bit);
		if (!name) {
			snprintf(tmp, sizeof(tmp), "bit%u", bit);
			name = tmp;
		}
		sb_sep(&sb, name, ',');
	}
	if (!mask)
		sb_printf(&sb, "none");
	return sb_done(&sb);
}

int aa_format_ctx(uint64_t value, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} flags[] = {
		{ AIO_ATTR_CTX_HOP, "hop" },
		{ AIO_ATTR_CTX_IRQS_OFF, "irqs_off" },
		{ AIO_ATTR_CTX_INLINE, "inline" },
		{ AIO_ATTR_CTX_WORKER, "worker" },
#if AIO_ATTR_VERSION >= 2
		{ AIO_ATTR_CTX_SOFTIRQ_HOP, "softirq_hop" },
#endif
	};
	struct sbuf sb;
	size_t i;

	sb_init(&sb, buf, len);
	switch (value & AIO_ATTR_CTX_MASK) {
	case AIO_ATTR_CTX_TASK:
		sb_printf(&sb, "task");
		break;
	case AIO_ATTR_CTX_SOFTIRQ:
		sb_printf(&sb, "softirq");
		break;
	case AIO_ATTR_CTX_HARDIRQ:
		sb_printf(&sb, "hardirq");
		break;
	default:
		sb_printf(&sb, "ctx%u", (unsigned int)(value & AIO_ATTR_CTX_MASK));
		break;
	}
	value &= ~AIO_ATTR_CTX_MASK;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (value & flags[i].bit)
			sb_sep(&sb, flags[i].name, '|');
		value &= ~flags[i].bit;
	}
	if (value)
		sb_printf(&sb, "|0x%" PRIx64, value);
	return sb_done(&sb);
}

int aa_format_cache(uint64_t value, char *buf, size_t len)
{
	static const char *const words[] = { "none", "hit", "miss", "partial" };
	uint64_t rest = value & ~AIO_ATTR_CACHE_PARTIAL;
	struct sbuf sb;

	sb_init(&sb, buf, len);
	if (!rest)
		sb_printf(&sb, "%s", words[value & AIO_ATTR_CACHE_PARTIAL]);
	else if (value & AIO_ATTR_CACHE_PARTIAL)
		sb_printf(&sb, "%s|0x%" PRIx64, words[value & AIO_ATTR_CACHE_PARTIAL], rest);
	else
		sb_printf(&sb, "0x%" PRIx64, rest);
	return sb_done(&sb);
}

int aa_format_status(unsigned int status, char *buf, size_t len)
{
	struct sbuf sb;

	sb_init(&sb, buf, len);
	if (status == AIO_ATTR_ST_HANDLED)
		sb_printf(&sb, "handled");
	else if (status == AIO_ATTR_ST_UNSUPPORTED)
		sb_printf(&sb, "unsupported");
	else
		sb_printf(&sb, "status%u", status);
	return sb_done(&sb);
}

int aa_attr_format_value(unsigned int id, uint64_t value, char *buf, size_t len)
{
	const struct aa_attr_info *info = aa_attr_get(id);

	switch (info ? info->kind : AA_ATTR_KIND_COUNT) {
	case AA_ATTR_KIND_NS:
		return snprintf(buf, len, "%" PRIu64 "ns", value);
	case AA_ATTR_KIND_CACHE:
		return aa_format_cache(value, buf, len);
	case AA_ATTR_KIND_CTX:
		return aa_format_ctx(value, buf, len);
	case AA_ATTR_KIND_COUNT:
		break;
	}
	return snprintf(buf, len, "%" PRIu64, value);
}

int aa_format_rec(const struct aio_attr_rec *rec, char *buf, size_t len)
{
	const char *name = aa_attr_name(rec->id);
	struct sbuf sb;
	char v[64];

	sb_init(&sb, buf, len);
	if (name)
		sb_printf(&sb, "%s=", name);
	else
		sb_printf(&sb, "attr%u=", rec->id);
	if (rec->status == AIO_ATTR_ST_HANDLED) {
		aa_attr_format_value(rec->id, rec->value, v, sizeof(v));
		sb_printf(&sb, "%s", v);
	} else if (rec->status == AIO_ATTR_ST_UNSUPPORTED) {
		sb_printf(&sb, "unsupported");
	} else {
		sb_printf(&sb, "status%u:%" PRIu64, rec->status, (uint64_t)rec->value);
	}
	return sb_done(&sb);
}

/* ---- parsing ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* @fmt, then " (valid: <every name>, all, none)", into @err; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) static int parse_error(char *err, size_t errlen,
							     const char *fmt, ...)
{
	struct sbuf sb;
	unsigned int id;
	va_list ap;
	int r;

	if (!err || !errlen)
		return -EINVAL;
	va_start(ap, fmt);
	r = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	sb.buf = err;
	sb.len = errlen;
	sb.n = r > 0 ? (size_t)r : 0;
	sb_printf(&sb, " (valid:");
	for (id = 0; id < AA_ATTR_NR; id++)
		if (registry[id].name)
			sb_printf(&sb, " %s,", registry[id].name);
	sb_printf(&sb, " all, none)");
	return -EINVAL;
}

int aa_attr_parse_list(const char *list, uint64_t avail, uint64_t *mask, char *err, size_t errlen)
{
	const char *p = list ? list : "";
	const char *b, *e;
	uint64_t m = 0;

	avail &= aa_attr_all();
	b = p;
	e = p + strlen(p);
	while (b < e && is_blank(*b))
		b++;
	while (e > b && is_blank(e[-1]))
		e--;
	if (b == e)
		return parse_error(err, errlen, "empty attribute list (\"none\" requests none)");
	if (e - b == 4 && !memcmp(b, "none", 4)) {
		*mask = 0;
		return 0;
	}
	for (;;) {
		const char *comma = memchr(p, ',', strlen(p));
		int id;

		b = p;
		e = comma ? comma : p + strlen(p);
		while (b < e && is_blank(*b))
			b++;
		while (e > b && is_blank(e[-1]))
			e--;
		if (b == e)
			return parse_error(err, errlen, "empty attribute name in \"%s\"", list);
		if (e - b == 3 && !memcmp(b, "all", 3)) {
			m |= avail;
		} else if (e - b == 4 && !memcmp(b, "none", 4)) {
			return parse_error(err, errlen,
					   "\"none\" combined with other names in \"%s\"", list);
		} else {
			id = aa_attr_lookup(b, (size_t)(e - b));
			if (id < 0)
				return parse_error(err, errlen, "unknown attribute \"%.*s\"",
						   (int)(e - b), b);
			if (!(avail & AIO_ATTR_BIT(id))) {
				if (err && errlen)
					snprintf(err, errlen,
						 "attribute \"%s\" is not known to the running "
						 "kernel",
						 aa_attr_name((unsigned int)id));
				return -EINVAL;
			}
			m |= AIO_ATTR_BIT(id);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	*mask = m;
	return 0;
}
