// SPDX-License-Identifier: GPL-2.0
/*
 * attrstat - attribute report arithmetic; see attrstat.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrstat.h"

/* ---- histogram ---- */

void aa_hist_init(struct aa_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* The bucket of @v; inline for the per-I/O aa_stats_add(). */
static inline unsigned int hist_index(uint64_t v)
{
	unsigned int m;

	if (v < AA_HIST_SUB)
		return (unsigned int)v;
	m = 63u - (unsigned int)__builtin_clzll(v);
	return AA_HIST_SUB + (m - AA_HIST_SUB_BITS) * AA_HIST_SUB +
	       (unsigned int)((v >> (m - AA_HIST_SUB_BITS)) & (AA_HIST_SUB - 1));
}

unsigned int aa_hist_index(uint64_t v)
{
	return hist_index(v);
}

uint64_t aa_hist_low(unsigned int i)
{
	unsigned int g, sub, m;

	if (i < AA_HIST_SUB)
		return i;
	g = (i - AA_HIST_SUB) / AA_HIST_SUB;
	sub = (i - AA_HIST_SUB) % AA_HIST_SUB;
	m = g + AA_HIST_SUB_BITS;
	return (1ULL << m) + ((uint64_t)sub << (m - AA_HIST_SUB_BITS));
}

uint64_t aa_hist_high(unsigned int i)
{
	unsigned int m;

	if (i < AA_HIST_SUB)
		return i;
	m = (i - AA_HIST_SUB) / AA_HIST_SUB + AA_HIST_SUB_BITS;
	return aa_hist_low(i) + ((1ULL << (m - AA_HIST_SUB_BITS)) - 1);
}

/* aa_hist_add(), inline for the per-I/O aa_stats_add(). */
static inline void hist_add(struct aa_hist *h, uint64_t v)
{
	h->bucket[hist_index(v)]++;
	h->count++;
	h->sum_lo += v;
	h->sum_hi += h->sum_lo < v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void aa_hist_add(struct aa_hist *h, uint64_t v)
{
	hist_add(h, v);
}

uint64_t aa_hist_percentile(const struct aa_hist *h, double p)
{
	uint64_t rank, seen = 0, lo, hi, mid;
	unsigned int i;

	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	/* ceil(p/100 * count) without the floating-point drift of 99.9/100. */
	rank = (uint64_t)ceill((long double)p * (long double)h->count / 100.0L - 1e-9L);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < AA_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	if (i == AA_HIST_BUCKETS)
		return h->max;
	lo = aa_hist_low(i);
	hi = aa_hist_high(i);
	mid = lo + (hi - lo) / 2;
	if (mid < h->min)
		mid = h->min;
	if (mid > h->max)
		mid = h->max;
	return mid;
}

double aa_hist_mean(const struct aa_hist *h)
{
	if (!h->count)
		return 0.0;
	return ((double)h->sum_hi * 18446744073709551616.0 + (double)h->sum_lo) / (double)h->count;
}

/* ---- per-I/O accumulation ---- */

/* The requested ids of @s->mask in ascending order. */
static void set_want(struct aa_stats *s)
{
	unsigned int id;

	s->nr_want = 0;
	for (id = 0; id < AIO_ATTR_NR; id++)
		if (s->mask & AIO_ATTR_BIT(id))
			s->want_id[s->nr_want++] = (uint8_t)id;
}

void aa_stats_init(struct aa_stats *s, uint64_t mask)
{
	unsigned int id;

	memset(s, 0, sizeof(*s));
	s->mask = mask;
	set_want(s);
	aa_hist_init(&s->lat);
	for (id = 0; id < AIO_ATTR_NR; id++) {
		aa_hist_init(&s->ns[id]);
		if (aa_attr_is_ns(id))
			s->ns_mask |= AIO_ATTR_BIT(id);
	}
}

struct aa_stats *aa_stats_new(uint64_t mask)
{
	struct aa_stats *s = malloc(sizeof(*s));

	if (s)
		aa_stats_init(s, mask);
	return s;
}

static void add_ctx(struct aa_stats *s, uint64_t v)
{
	switch (v & AIO_ATTR_CTX_MASK) {
	case AIO_ATTR_CTX_TASK:
		s->ctx[AA_CTX_TASK]++;
		break;
	case AIO_ATTR_CTX_SOFTIRQ:
		s->ctx[AA_CTX_SOFTIRQ]++;
		break;
	case AIO_ATTR_CTX_HARDIRQ:
		s->ctx[AA_CTX_HARDIRQ]++;
		break;
	default:
		s->ctx[AA_CTX_OTHER]++;
		break;
	}
	if (v & AIO_ATTR_CTX_HOP)
		s->ctx_hop++;
	if (v & AIO_ATTR_CTX_INLINE)
		s->ctx_inline++;
	if (v & AIO_ATTR_CTX_IRQS_OFF)
		s->ctx_irqs_off++;
	if (v & AIO_ATTR_CTX_WORKER)
		s->ctx_worker++;
}

/* An I/O that completed without error: its count, bytes and latency. */
static inline void stats_add_io(struct aa_stats *s, int ddir, uint64_t bs, uint64_t lat_ns)
{
	s->ios++;
	if (ddir >= 0 && ddir < 5)
		s->ddir_ios[ddir]++;
	if (ddir == 0 || ddir == 1)
		s->bytes[ddir] += bs;
	hist_add(&s->lat, lat_ns);
}

/* One requested attribute of an I/O that completed without error. */
static inline void stats_add_attr(struct aa_stats *s, unsigned int id, uint16_t status,
				  uint64_t value)
{
	switch (status) {
	case AIO_ATTR_ST_HANDLED:
		break;
	case AIO_ATTR_ST_UNSUPPORTED:
		s->unsupported[id]++;
		return;
	default:
		s->other_status[id]++;
		return;
	}
	s->handled[id]++;
	if (s->ns_mask & AIO_ATTR_BIT(id)) {
		hist_add(&s->ns[id], value);
	} else if (id == AIO_ATTR_CACHE || id == AIO_ATTR_PAGECACHE) {
		uint64_t *n = id == AIO_ATTR_CACHE ? s->cache : s->pagecache;

		if (value <= AIO_ATTR_CACHE_PARTIAL)
			n[value]++;
		else if (id == AIO_ATTR_CACHE)
			s->cache_other++;
		else
			s->pagecache_other++;
	} else if (id == AIO_ATTR_COMPLETION_CTX) {
		add_ctx(s, value);
	}
}

void aa_stats_add(struct aa_stats *s, const struct aa_sample *smp)
{
	uint64_t want;

	if (smp->error) {
		s->errors++;
		return;
	}
	stats_add_io(s, smp->ddir, smp->bs, smp->lat_ns);
	/* the requested ids only: this runs once per I/O */
	for (want = s->mask & AIO_ATTR_ALL; want; want &= want - 1) {
		unsigned int id = (unsigned int)__builtin_ctzll(want);

		stats_add_attr(s, id, smp->status[id], smp->value[id]);
	}
}

/*
 * The records of @ev from record @i on, in general: any order, ids not
 * requested or unknown and repeats ignored (the records before @i are the
 * first @i requested ids, each once).  A requested id without a record
 * counts as a sample's status 0 does.
 */
static void add_records(struct aa_stats *s, const struct aio_attr_event *ev, unsigned int i)
{
	const uint64_t want = s->mask & AIO_ATTR_ALL;
	uint64_t seen = 0, missing;
	unsigned int k;

	for (k = 0; k < i; k++)
		seen |= AIO_ATTR_BIT(s->want_id[k]);
	for (; i < ev->nr_attrs; i++) {
		const struct aio_attr_rec *r = &ev->attrs[i];
		uint64_t bit;

		if (r->id >= AIO_ATTR_NR)
			continue;
		bit = AIO_ATTR_BIT(r->id);
		if (!(want & bit) || (seen & bit))
			continue;
		seen |= bit;
		stats_add_attr(s, r->id, r->status, r->value);
	}
	for (missing = want & ~seen; missing; missing &= missing - 1)
		s->other_status[__builtin_ctzll(missing)]++;
}

void aa_dirstats_add_event(struct aa_dirstats *d, int ddir, uint64_t lat_ns,
			   const struct aio_attr_event *ev)
{
	struct aa_stats *s = aa_dirstats_of(d, ddir);
	const unsigned int nr = ev->nr_attrs;
	unsigned int i = 0;

	if (ev->result < 0) {
		s->errors++;
		return;
	}
	stats_add_io(s, ddir, (uint64_t)ev->result, lat_ns);
	/*
	 * This runs once per I/O.  An entry as the ABI writes it carries one
	 * record per requested id in ascending order: the ids of want_id[],
	 * one compare per record.  From the first record that is not, the
	 * general walk takes over.
	 */
	if (nr == s->nr_want) {
		for (; i < nr; i++) {
			const struct aio_attr_rec *r = &ev->attrs[i];

			if (r->id != s->want_id[i])
				break;
			stats_add_attr(s, r->id, r->status, r->value);
		}
		if (i == nr)
			return;
	}
	add_records(s, ev, i);
}

static void hist_merge(struct aa_hist *dst, const struct aa_hist *src)
{
	unsigned int i;

	if (!src->count)
		return;
	for (i = 0; i < AA_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum_lo += src->sum_lo;
	dst->sum_hi += src->sum_hi + (dst->sum_lo < src->sum_lo);
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

#define ADD_ARRAY(dst, src, field)                                                     \
	do {                                                                           \
		for (size_t _i = 0; _i < sizeof((dst)->field) / sizeof((dst)->field[0]); _i++) \
			(dst)->field[_i] += (src)->field[_i];                          \
	} while (0)

void aa_stats_merge(struct aa_stats *dst, const struct aa_stats *src)
{
	unsigned int id;

	dst->mask |= src->mask;
	dst->ns_mask |= src->ns_mask;
	set_want(dst);
	dst->ios += src->ios;
	dst->errors += src->errors;
	ADD_ARRAY(dst, src, bytes);
	ADD_ARRAY(dst, src, ddir_ios);
	ADD_ARRAY(dst, src, handled);
	ADD_ARRAY(dst, src, unsupported);
	ADD_ARRAY(dst, src, other_status);
	ADD_ARRAY(dst, src, cache);
	ADD_ARRAY(dst, src, ctx);
	ADD_ARRAY(dst, src, pagecache);
	dst->cache_other += src->cache_other;
	dst->pagecache_other += src->pagecache_other;
	dst->ctx_hop += src->ctx_hop;
	dst->ctx_inline += src->ctx_inline;
	dst->ctx_irqs_off += src->ctx_irqs_off;
	dst->ctx_worker += src->ctx_worker;
	hist_merge(&dst->lat, &src->lat);
	for (id = 0; id < AIO_ATTR_NR; id++)
		hist_merge(&dst->ns[id], &src->ns[id]);
}

static const char *const dir_names[AA_DIR_NR] = {
	[AA_DIR_READ] = "read",
	[AA_DIR_WRITE] = "write",
	[AA_DIR_TRIM] = "trim",
	[AA_DIR_SYNC] = "sync",
};

const char *aa_dir_name(enum aa_dir d)
{
	return (unsigned int)d < AA_DIR_NR ? dir_names[d] : NULL;
}

int aa_dir_of(int ddir)
{
	switch (ddir) {
	case 0:
		return AA_DIR_READ;
	case 1:
		return AA_DIR_WRITE;
	case 2:
		return AA_DIR_TRIM;
	case 3: /* fsync */
	case 4: /* fdatasync */
		return AA_DIR_SYNC;
	default:
		return -1;
	}
}

void aa_dirstats_init(struct aa_dirstats *d, uint64_t mask)
{
	unsigned int i;

	d->mask = mask;
	for (i = 0; i < AA_DIR_NR; i++)
		aa_stats_init(&d->dir[i], mask);
}

struct aa_dirstats *aa_dirstats_new(uint64_t mask)
{
	struct aa_dirstats *d = malloc(sizeof(*d));

	if (d)
		aa_dirstats_init(d, mask);
	return d;
}

struct aa_stats *aa_dirstats_of(struct aa_dirstats *d, int ddir)
{
	int dir = aa_dir_of(ddir);

	return &d->dir[dir < 0 ? AA_DIR_READ : dir];
}

void aa_dirstats_add(struct aa_dirstats *d, const struct aa_sample *smp)
{
	aa_stats_add(aa_dirstats_of(d, smp->ddir), smp);
}

void aa_dirstats_merge(struct aa_dirstats *dst, const struct aa_dirstats *src)
{
	unsigned int i;

	dst->mask |= src->mask;
	for (i = 0; i < AA_DIR_NR; i++)
		aa_stats_merge(&dst->dir[i], &src->dir[i]);
}

void aa_dirstats_total(const struct aa_dirstats *d, struct aa_stats *out)
{
	unsigned int i;

	aa_stats_init(out, d->mask);
	for (i = 0; i < AA_DIR_NR; i++)
		aa_stats_merge(out, &d->dir[i]);
}

/* ---- reports ---- */

void aa_format_ns(double ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.*fus", ns < 1e4 ? 2 : 1, ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.*fms", ns < 1e7 ? 2 : 1, ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static const double report_pcts[] = { 50, 90, 99, 99.9 };

static void text_hist_cols(FILE *f, const struct aa_hist *h)
{
	char b[32];
	unsigned int i;

	if (!h->count) {
		fprintf(f, "  (no values)");
		return;
	}
	aa_format_ns((double)h->min, b, sizeof(b));
	fprintf(f, " %8s", b);
	aa_format_ns(aa_hist_mean(h), b, sizeof(b));
	fprintf(f, " %8s", b);
	for (i = 0; i < sizeof(report_pcts) / sizeof(report_pcts[0]); i++) {
		aa_format_ns((double)aa_hist_percentile(h, report_pcts[i]), b, sizeof(b));
		fprintf(f, " %8s", b);
	}
	aa_format_ns((double)h->max, b, sizeof(b));
	fprintf(f, " %8s", b);
}

static void fmt_bytes(uint64_t v, char *buf, size_t len)
{
	if (v < 1024)
		snprintf(buf, len, "%lluB", (unsigned long long)v);
	else if (v < (1ULL << 20))
		snprintf(buf, len, "%.1fKiB", (double)v / 1024);
	else if (v < (1ULL << 30))
		snprintf(buf, len, "%.1fMiB", (double)v / (1 << 20));
	else
		snprintf(buf, len, "%.2fGiB", (double)v / (1 << 30));
}

static void text_rows(FILE *f, const struct aa_stats *s)
{
	unsigned int id;

	fprintf(f, "    %-15s %9s %11s %8s %8s %8s %8s %8s %8s %8s\n", "attribute", "handled",
		"unsupported", "min", "mean", "p50", "p90", "p99", "p99.9", "max");
	fprintf(f, "    %-15s %9llu %11s", "latency", (unsigned long long)s->lat.count, "-");
	text_hist_cols(f, &s->lat);
	fprintf(f, "\n");
	for (id = 0; id < AIO_ATTR_NR; id++) {
		if (!(s->mask & AIO_ATTR_BIT(id)))
			continue;
		fprintf(f, "    %-15s %9llu %11llu", aa_attr_name(id),
			(unsigned long long)s->handled[id], (unsigned long long)s->unsupported[id]);
		if (!s->handled[id]) {
			fprintf(f, "  UNSUPPORTED on this path (no values)");
		} else if (aa_attr_is_ns(id)) {
			text_hist_cols(f, &s->ns[id]);
		} else if (id == AIO_ATTR_CACHE || id == AIO_ATTR_PAGECACHE) {
			const uint64_t *n = id == AIO_ATTR_CACHE ? s->cache : s->pagecache;
			uint64_t other = id == AIO_ATTR_CACHE ? s->cache_other : s->pagecache_other;
			uint64_t h = s->handled[id];

			fprintf(f, "  hit %.2f%%  miss %.2f%%  partial %.2f%%", pct(n[1], h),
				pct(n[2], h), pct(n[3], h));
			if (n[0])
				fprintf(f, "  none %.2f%%", pct(n[0], h));
			if (other)
				fprintf(f, "  unknown %.2f%%", pct(other, h));
		} else if (id == AIO_ATTR_COMPLETION_CTX) {
			uint64_t h = s->handled[id];

			fprintf(f,
				"  hop %.2f%% (%llu)  task %.1f%%  softirq %.1f%%  hardirq %.1f%%",
				pct(s->ctx_hop, h), (unsigned long long)s->ctx_hop,
				pct(s->ctx[AA_CTX_TASK], h), pct(s->ctx[AA_CTX_SOFTIRQ], h),
				pct(s->ctx[AA_CTX_HARDIRQ], h));
			if (s->ctx_inline)
				fprintf(f, "  inline %.1f%%", pct(s->ctx_inline, h));
			if (s->ctx_irqs_off)
				fprintf(f, "  irqs_off %.1f%%", pct(s->ctx_irqs_off, h));
			if (s->ctx_worker)
				fprintf(f, "  worker %.1f%%", pct(s->ctx_worker, h));
		}
		if (s->other_status[id])
			fprintf(f, "  (%llu with an unknown status)",
				(unsigned long long)s->other_status[id]);
		fprintf(f, "\n");
	}
}

void aa_report_text(FILE *f, const struct aa_dirstats *d, const struct aa_report_info *ri)
{
	char list[128], rb[32], wb[32];
	uint64_t ios = 0, errors = 0;
	unsigned int i;

	for (i = 0; i < AA_DIR_NR; i++) {
		ios += d->dir[i].ios;
		errors += d->dir[i].errors;
	}
	aa_attr_format_list(d->mask, list, sizeof(list));
	fmt_bytes(d->dir[AA_DIR_READ].bytes[0], rb, sizeof(rb));
	fmt_bytes(d->dir[AA_DIR_WRITE].bytes[1], wb, sizeof(wb));
	fprintf(f, "aioattr report: %s\n", ri->title ? ri->title : "-");
	fprintf(f, "  I/Os: %llu ok, %llu failed (not counted below); read %s, written %s\n",
		(unsigned long long)ios, (unsigned long long)errors, rb, wb);
	fprintf(f, "  attributes requested: %s\n", list);
	for (i = 0; i < AA_DIR_NR; i++) {
		const struct aa_stats *s = &d->dir[i];

		if (!s->ios && !s->errors)
			continue;
		fprintf(f, "  %s: %llu ok, %llu failed\n", dir_names[i],
			(unsigned long long)s->ios, (unsigned long long)s->errors);
		text_rows(f, s);
	}
	if (ri->ring_bytes)
		fprintf(f,
			"  ring: %u bytes, %llu events, %llu of them through the overflow list\n",
			ri->ring_bytes, (unsigned long long)ri->ring_posted,
			(unsigned long long)ri->ring_overflowed);
	fprintf(f, "  percentiles: log-linear histogram, at most 0.79%% relative error; "
		   "latency = submit to reap\n");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_hist(FILE *f, const struct aa_hist *h)
{
	unsigned int i;

	if (!h->count) {
		fprintf(f, ", \"count\": 0");
		return;
	}
	fprintf(f, ", \"count\": %llu, \"min\": %llu, \"mean\": %.1f", (unsigned long long)h->count,
		(unsigned long long)h->min, aa_hist_mean(h));
	for (i = 0; i < sizeof(report_pcts) / sizeof(report_pcts[0]); i++)
		fprintf(f, ", \"p%g\": %llu", report_pcts[i],
			(unsigned long long)aa_hist_percentile(h, report_pcts[i]));
	fprintf(f, ", \"max\": %llu", (unsigned long long)h->max);
}

static double ratio(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

static void json_attrs(FILE *f, const struct aa_stats *s)
{
	unsigned int id;
	bool first = true;

	fprintf(f, ", \"latency_ns\": {\"unit\": \"ns\"");
	json_hist(f, &s->lat);
	fprintf(f, "}, \"attributes\": {");
	for (id = 0; id < AIO_ATTR_NR; id++) {
		if (!(s->mask & AIO_ATTR_BIT(id)))
			continue;
		fprintf(f, "%s\"%s\": {\"handled\": %llu, \"unsupported\": %llu", first ? "" : ", ",
			aa_attr_name(id), (unsigned long long)s->handled[id],
			(unsigned long long)s->unsupported[id]);
		first = false;
		if (s->other_status[id])
			fprintf(f, ", \"other_status\": %llu",
				(unsigned long long)s->other_status[id]);
		if (aa_attr_is_ns(id)) {
			fprintf(f, ", \"unit\": \"ns\"");
			json_hist(f, &s->ns[id]);
		} else if (id == AIO_ATTR_CACHE || id == AIO_ATTR_PAGECACHE) {
			const uint64_t *n = id == AIO_ATTR_CACHE ? s->cache : s->pagecache;
			uint64_t h = s->handled[id];

			fprintf(f,
				", \"hit\": %llu, \"miss\": %llu, \"partial\": %llu, \"none\": "
				"%llu",
				(unsigned long long)n[1], (unsigned long long)n[2],
				(unsigned long long)n[3], (unsigned long long)n[0]);
			fprintf(f,
				", \"hit_ratio\": %.6f, \"miss_ratio\": %.6f, \"partial_ratio\": "
				"%.6f",
				ratio(n[1], h), ratio(n[2], h), ratio(n[3], h));
		} else if (id == AIO_ATTR_COMPLETION_CTX) {
			uint64_t h = s->handled[id];

			fprintf(f,
				", \"task\": %llu, \"softirq\": %llu, \"hardirq\": %llu, "
				"\"other\": %llu"
				", \"hop\": %llu, \"hop_ratio\": %.6f, \"inline\": %llu"
				", \"irqs_off\": %llu, \"worker\": %llu",
				(unsigned long long)s->ctx[AA_CTX_TASK],
				(unsigned long long)s->ctx[AA_CTX_SOFTIRQ],
				(unsigned long long)s->ctx[AA_CTX_HARDIRQ],
				(unsigned long long)s->ctx[AA_CTX_OTHER],
				(unsigned long long)s->ctx_hop, ratio(s->ctx_hop, h),
				(unsigned long long)s->ctx_inline,
				(unsigned long long)s->ctx_irqs_off,
				(unsigned long long)s->ctx_worker);
		}
		fprintf(f, "}");
	}
	fprintf(f, "}");
}

void aa_report_json(FILE *f, const struct aa_dirstats *d, const struct aa_report_info *ri)
{
	struct aa_stats *total = malloc(sizeof(*total));
	uint64_t ios = 0, errors = 0;
	bool first = true;
	char list[128];
	unsigned int i;

	for (i = 0; i < AA_DIR_NR; i++) {
		ios += d->dir[i].ios;
		errors += d->dir[i].errors;
	}
	aa_attr_format_list(d->mask, list, sizeof(list));
	fprintf(f, "{\"aioattr_report\": 1, \"title\": ");
	json_str(f, ri->title ? ri->title : "");
	fprintf(f, ", \"origin\": ");
	json_str(f, ri->origin ? ri->origin : "");
	fprintf(f, ", \"attributes_requested\": ");
	json_str(f, list);
	fprintf(f, ", \"ios\": %llu, \"errors\": %llu, \"read_bytes\": %llu, \"write_bytes\": %llu",
		(unsigned long long)ios, (unsigned long long)errors,
		(unsigned long long)d->dir[AA_DIR_READ].bytes[0],
		(unsigned long long)d->dir[AA_DIR_WRITE].bytes[1]);
	if (ri->ring_bytes)
		fprintf(f, ", \"ring\": {\"bytes\": %u, \"posted\": %llu, \"overflowed\": %llu}",
			ri->ring_bytes, (unsigned long long)ri->ring_posted,
			(unsigned long long)ri->ring_overflowed);
	fprintf(f, ", \"percentile_method\": \"log-linear histogram, 64 buckets per power of two, "
		   "relative error <= 0.0079\"");
	if (total) {
		aa_dirstats_total(d, total);
		json_attrs(f, total);
		free(total);
	}
	fprintf(f, ", \"directions\": {");
	for (i = 0; i < AA_DIR_NR; i++) {
		const struct aa_stats *s = &d->dir[i];

		if (!s->ios && !s->errors)
			continue;
		fprintf(f, "%s\"%s\": {\"ios\": %llu, \"errors\": %llu, \"bytes\": %llu",
			first ? "" : ", ", dir_names[i], (unsigned long long)s->ios,
			(unsigned long long)s->errors,
			(unsigned long long)(s->bytes[0] + s->bytes[1]));
		json_attrs(f, s);
		fprintf(f, "}");
		first = false;
	}
	fprintf(f, "}}\n");
}
