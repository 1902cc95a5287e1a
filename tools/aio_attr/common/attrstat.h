/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attrstat - the arithmetic behind the aioattr attribute report, shared by
 * the fio engine (fio/aioattr.c, C) and the CLI's `aioattr report` (C++),
 * so both print the same numbers for the same I/Os.
 *
 * Nothing here allocates after aa_stats_new(), takes a lock or makes a
 * system call except the report writers: aa_stats_add() is safe to call
 * in an I/O reaping loop.
 *
 * Percentiles come from a log-linear histogram, not from stored samples:
 * values below 64 have a bucket each (exact); above, every power of two is
 * split into 64 equal buckets.  A bucket spans at most 1/64 of its lower
 * bound, and a percentile is reported as the middle of its bucket (clamped
 * to the exact min and max), so the relative error of a reported
 * percentile is at most 1/128 (0.79%).  min, max, mean and all counts are
 * exact.  Percentiles use the nearest-rank definition: pP is the smallest
 * value v such that at least P% of the samples are <= v.
 */
#ifndef AIO_ATTR_TOOLS_ATTRSTAT_H
#define AIO_ATTR_TOOLS_ATTRSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <aio_attr/aio_attr.h> /* libaioattr: the attribute registry */

#ifdef __cplusplus
extern "C" {
#endif

#define AA_HIST_SUB_BITS 6
#define AA_HIST_SUB	 (1u << AA_HIST_SUB_BITS)
/* Exact buckets 0..63, then 64 per power of two from 2^6 to 2^63. */
#define AA_HIST_BUCKETS	 (AA_HIST_SUB + (64 - AA_HIST_SUB_BITS) * AA_HIST_SUB)

struct aa_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	/*
	 * The sum as a 128-bit integer in two halves: exact, and an add is
	 * two integer adds where a long double add is an x87 operation
	 * (emulated instruction by instruction under qemu's TCG).
	 */
	uint64_t sum_lo;
	uint64_t sum_hi;
	uint64_t bucket[AA_HIST_BUCKETS];
};

void aa_hist_init(struct aa_hist *h);
void aa_hist_add(struct aa_hist *h, uint64_t v);
/* Bucket of @v and the inclusive value range of bucket @i. */
unsigned int aa_hist_index(uint64_t v);
uint64_t aa_hist_low(unsigned int i);
uint64_t aa_hist_high(unsigned int i);
/* Nearest-rank percentile @p (0 < p <= 100); 0 for an empty histogram. */
uint64_t aa_hist_percentile(const struct aa_hist *h, double p);
double aa_hist_mean(const struct aa_hist *h);

/* One completed I/O as the report sees it. */
struct aa_sample {
	uint64_t time_ms; /* completion time since the job started */
	uint64_t lat_ns;  /* submission to reaping as the issuer measured it */
	uint64_t bs;	  /* bytes */
	uint64_t offset;  /* bytes */
	int ddir;	  /* fio's data direction: 0 read, 1 write, 2 trim, 3 sync, 4 datasync */
	int error;	  /* positive errno when the I/O failed, else 0 */
	uint16_t status[AIO_ATTR_NR]; /* AIO_ATTR_ST_*; 0 when not requested */
	uint64_t value[AIO_ATTR_NR];
};

/* Completion context classes counted for COMPLETION_CTX. */
enum aa_ctx_class { AA_CTX_TASK, AA_CTX_SOFTIRQ, AA_CTX_HARDIRQ, AA_CTX_OTHER, AA_CTX_NR };

struct aa_stats {
	uint64_t mask;	      /* requested attributes */
	uint64_t ns_mask;     /* the ids aa_attr_is_ns() is true of (ns[] is kept for) */
	/* the requested ids in ascending order: the records an entry carries */
	uint8_t nr_want;
	uint8_t want_id[AIO_ATTR_NR];
	uint64_t ios;	      /* I/Os that completed without error */
	uint64_t errors;      /* I/Os that completed with an error (not in the rest) */
	uint64_t bytes[2];    /* read, write */
	uint64_t ddir_ios[5]; /* per fio data direction */
	uint64_t handled[AIO_ATTR_NR];
	uint64_t unsupported[AIO_ATTR_NR];
	uint64_t other_status[AIO_ATTR_NR]; /* reserved status values */
	uint64_t cache[4];		    /* by value: none, hit, miss, partial */
	uint64_t cache_other;		    /* values with unknown bits */
	uint64_t pagecache[4];		    /* PAGECACHE, the same way */
	uint64_t pagecache_other;
	uint64_t ctx[AA_CTX_NR];
	uint64_t ctx_hop, ctx_inline, ctx_irqs_off, ctx_worker;
	struct aa_hist lat;
	struct aa_hist ns[AIO_ATTR_NR]; /* used for the ids of ns_mask only */
};

/* calloc + init; NULL when out of memory.  Free with free(). */
struct aa_stats *aa_stats_new(uint64_t mask);
void aa_stats_init(struct aa_stats *s, uint64_t mask);
void aa_stats_add(struct aa_stats *s, const struct aa_sample *smp);

/*
 * The directions a report is split by, as fio splits its own: reads,
 * writes, trims and syncs (fsync and fdatasync) each get their own
 * counts, latency and attribute rows, because a write's device time says
 * nothing about a read's.
 */
enum aa_dir { AA_DIR_READ, AA_DIR_WRITE, AA_DIR_TRIM, AA_DIR_SYNC, AA_DIR_NR };

/* "read", "write", "trim", "sync". */
const char *aa_dir_name(enum aa_dir d);
/* The report direction of fio's @ddir (0 read ... 4 datasync), -1 for others. */
int aa_dir_of(int ddir);

/* One aa_stats per direction; the population of a report. */
struct aa_dirstats {
	uint64_t mask;
	struct aa_stats dir[AA_DIR_NR];
};

/* calloc + init; NULL when out of memory.  Free with free(). */
struct aa_dirstats *aa_dirstats_new(uint64_t mask);
void aa_dirstats_init(struct aa_dirstats *d, uint64_t mask);
/* The statistics of fio's @ddir (an unknown ddir counts as a read). */
struct aa_stats *aa_dirstats_of(struct aa_dirstats *d, int ddir);
/* Count @smp in its direction. */
void aa_dirstats_add(struct aa_dirstats *d, const struct aa_sample *smp);
/*
 * The same for one completion entry of the ring, straight from its records
 * (the fio engine's reaping loop: no aa_sample to fill): @ddir and @lat_ns
 * as in a sample, the rest from @ev - a negative result counts as an
 * error, a positive one as the bytes.  Records of ids not requested, of
 * unknown ids and repeats of an id are ignored; a requested id without a
 * record counts as a reserved status, as a sample's status 0 does.
 */
void aa_dirstats_add_event(struct aa_dirstats *d, int ddir, uint64_t lat_ns,
			   const struct aio_attr_event *ev);
/* Add every count and histogram of @src to @dst (same mask expected). */
void aa_stats_merge(struct aa_stats *dst, const struct aa_stats *src);
void aa_dirstats_merge(struct aa_dirstats *dst, const struct aa_dirstats *src);
/* All directions summed into @out. */
void aa_dirstats_total(const struct aa_dirstats *d, struct aa_stats *out);

struct aa_report_info {
	const char *title;  /* e.g. job name or log file */
	const char *origin; /* where the numbers came from: "fio engine aioattr", "attr_log" */
	/* Ring figures of the context (the fio engine); all 0: not shown. */
	uint32_t ring_bytes;
	uint64_t ring_posted;	  /* events posted to the ring */
	uint64_t ring_overflowed; /* of them, through the overflow list */
};

/*
 * The human-readable report: totals, then a block of rows (latency and
 * each requested attribute) for each direction that has I/Os.
 */
void aa_report_text(FILE *f, const struct aa_dirstats *d, const struct aa_report_info *ri);
/*
 * The same report as one JSON object, followed by a newline: the totals
 * over all directions ("ios", "latency_ns", "attributes", ...), and under
 * "directions" an object per direction that has I/Os ("read", "write",
 * "trim", "sync"), each with its own "ios", "errors", "bytes",
 * "latency_ns" and "attributes".
 */
void aa_report_json(FILE *f, const struct aa_dirstats *d, const struct aa_report_info *ri);

/* "812ns", "13.2us", "4.50ms", "2.10s" into @buf. */
void aa_format_ns(double ns, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
