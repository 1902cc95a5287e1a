// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr report - reading an attr_log into the report statistics and the
 * per-time-bucket rows of the picture.  Separate from the command so the
 * host tests can feed it text.
 */
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "attrlog.h"
#include "attrstat.h"

namespace aioattr {

/* Sums over the I/Os that completed in one millisecond (or one bucket). */
struct Bucket {
	uint64_t n = 0;
	double total = 0; /* service_ns when HANDLED, else lat_ns */
	double queue = 0, device = 0, crypt = 0, rest = 0; /* UNSUPPORTED counts 0 */
	uint64_t cache_n = 0, hit = 0, miss = 0, partial = 0;
};

struct StatsFree {
	void operator()(aa_dirstats *s) const noexcept;
};

struct Summary {
	std::unique_ptr<aa_dirstats, StatsFree> stats; /* per direction */
	uint64_t lines = 0;	/* lines read */
	uint64_t samples = 0;	/* data lines accepted */
	uint64_t bad_lines = 0; /* malformed lines skipped (skip_bad) */
	std::map<uint64_t, Bucket> per_ms;
};

/* Called now and then while reading: bytes read so far. */
using Progress = std::function<void(uint64_t bytes)>;

/*
 * Read an attr_log from @f (named @name in messages).  A malformed line
 * throws CommandError(exit_bad_input, "NAME:LINE: why") unless @skip_bad,
 * which reports it on stderr and counts it.  A log without a column
 * header, or without any data line, is exit_bad_input too.
 */
Summary summarise(std::FILE *f, const std::string &name, bool skip_bad,
		  const Progress &progress = {});

/* One row of the picture: a time bucket with means in ns and ratios in [0,1]. */
struct PlotRow {
	double t_s = 0; /* bucket middle, seconds since the job started */
	double queue = 0, device = 0, crypt = 0, rest = 0;
	double hit = -1, partial = -1, miss = -1; /* -1: no CACHE values in the bucket */
	uint64_t n = 0;
};

/*
 * Add @from to @into: every count and histogram, and the time buckets
 * (logs of jobs that ran side by side add up per millisecond).  Logs with
 * different columns merge too: an attribute is counted over the logs that
 * requested it.
 */
void merge(Summary &into, const Summary &from);

/* "a.log + b.log" for titles. */
std::string logs_title(const std::vector<std::string> &logs);

/* I/Os over all directions, and those with attribute @id HANDLED. */
uint64_t total_ios(const Summary &s);
uint64_t total_handled(const Summary &s, unsigned int id);

/* @requested, or when 0 a round bucket giving about 100 buckets over the run. */
uint64_t choose_bucket_ms(const Summary &s, uint64_t requested);

/* Group per_ms into buckets of @bucket_ms (at least 1). */
std::vector<PlotRow> plot_rows(const Summary &s, uint64_t bucket_ms);

/* The gnuplot program for @rows (data in @data_path) writing @png. */
std::string gnuplot_script(const Summary &s, const std::vector<PlotRow> &rows,
			   const std::string &data_path, const std::string &png,
			   const std::string &title, uint64_t bucket_ms);

} // namespace aioattr
