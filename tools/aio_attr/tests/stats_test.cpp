// SPDX-License-Identifier: GPL-2.0
/*
 * Report arithmetic: the log-linear histogram against exact nearest-rank
 * percentiles, the per-attribute counts, the attribute name list.
 */
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "attrstat.h"

namespace {

struct Hist {
	Hist() { aa_hist_init(h.get()); }
	std::unique_ptr<aa_hist> h = std::make_unique<aa_hist>();
};

/* Exact nearest-rank percentile of sorted @v. */
uint64_t exact(const std::vector<uint64_t> &v, double p)
{
	auto rank = static_cast<std::size_t>(
		std::ceil(p / 100.0 * static_cast<double>(v.size()) - 1e-9));

	return v[std::max<std::size_t>(rank, 1) - 1];
}

/* The report of @s, all of it one direction's. */
std::string text_report(const aa_stats *s)
{
	std::unique_ptr<aa_dirstats, decltype(&std::free)> d(aa_dirstats_new(s->mask), std::free);
	char *buf = nullptr;
	std::size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	aa_report_info ri{};

	ri.title = "t";
	aa_stats_merge(&d->dir[AA_DIR_READ], s);
	aa_report_text(f, d.get(), &ri);
	std::fclose(f);
	std::string out(buf, len);
	std::free(buf);
	return out;
}

std::string json_report(const aa_stats *s)
{
	std::unique_ptr<aa_dirstats, decltype(&std::free)> d(aa_dirstats_new(s->mask), std::free);
	char *buf = nullptr;
	std::size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	aa_report_info ri{};

	ri.title = "t\"q";
	aa_stats_merge(&d->dir[AA_DIR_READ], s);
	aa_report_json(f, d.get(), &ri);
	std::fclose(f);
	std::string out(buf, len);
	std::free(buf);
	return out;
}

std::string line_of(const std::string &text, const std::string &start)
{
	auto p = text.find("\n    " + start);
	if (p == std::string::npos)
		return {};
	auto e = text.find('\n', p + 1);
	return text.substr(p + 1, e - p - 1);
}

} // namespace

TEST(Hist, BucketsTileTheWholeRange)
{
	EXPECT_EQ(aa_hist_low(0), 0u);
	for (unsigned int i = 0; i + 1 < AA_HIST_BUCKETS; i++) {
		ASSERT_LE(aa_hist_low(i), aa_hist_high(i)) << i;
		ASSERT_EQ(aa_hist_high(i) + 1, aa_hist_low(i + 1)) << i;
	}
	EXPECT_EQ(aa_hist_high(AA_HIST_BUCKETS - 1), UINT64_MAX);
}

TEST(Hist, IndexFindsTheBucketHoldingTheValue)
{
	std::mt19937_64 rng(1);

	const uint64_t edges[] = { 0,	      1,   63,	 64,	     65,
				   127,	      128, 1000, 1ull << 40, UINT64_MAX - 1,
				   UINT64_MAX };

	for (uint64_t v : edges) {
		unsigned int i = aa_hist_index(v);

		ASSERT_LT(i, AA_HIST_BUCKETS);
		EXPECT_LE(aa_hist_low(i), v);
		EXPECT_GE(aa_hist_high(i), v);
	}
	for (int n = 0; n < 100000; n++) {
		uint64_t v = rng() >> (rng() % 64);
		unsigned int i = aa_hist_index(v);

		ASSERT_LE(aa_hist_low(i), v);
		ASSERT_GE(aa_hist_high(i), v);
		/* A bucket is at most 1/64 of its lower bound wide. */
		if (v >= 64) {
			ASSERT_LE(aa_hist_high(i) - aa_hist_low(i) + 1, aa_hist_low(i) / 64);
		}
	}
}

TEST(Hist, SmallValuesAreExact)
{
	Hist h;
	std::vector<uint64_t> v;

	for (uint64_t i = 1; i <= 50; i++) {
		aa_hist_add(h.h.get(), i);
		v.push_back(i);
	}
	for (double p : { 1.0, 10.0, 50.0, 90.0, 99.0, 99.9 })
		EXPECT_EQ(aa_hist_percentile(h.h.get(), p), exact(v, p)) << p;
	EXPECT_EQ(aa_hist_percentile(h.h.get(), 50), 25u);
	EXPECT_EQ(aa_hist_percentile(h.h.get(), 100), 50u);
}

TEST(Hist, OneToThousand)
{
	Hist h;

	for (uint64_t i = 1; i <= 1000; i++)
		aa_hist_add(h.h.get(), i);
	EXPECT_EQ(h.h->min, 1u);
	EXPECT_EQ(h.h->max, 1000u);
	EXPECT_DOUBLE_EQ(aa_hist_mean(h.h.get()), 500.5);
	EXPECT_NEAR(aa_hist_percentile(h.h.get(), 50), 500, 500 / 128.0);
	EXPECT_NEAR(aa_hist_percentile(h.h.get(), 90), 900, 900 / 128.0);
	EXPECT_NEAR(aa_hist_percentile(h.h.get(), 99), 990, 990 / 128.0);
	EXPECT_NEAR(aa_hist_percentile(h.h.get(), 99.9), 999, 999 / 128.0);
}

TEST(Hist, RandomDataWithinTheStatedErrorBound)
{
	std::mt19937_64 rng(42);
	std::lognormal_distribution<double> dist(10.0, 1.5); /* ~ 22us median, long tail */

	for (int round = 0; round < 5; round++) {
		Hist h;
		std::vector<uint64_t> v;
		const int n = 1000 + round * 7919;

		for (int i = 0; i < n; i++) {
			uint64_t x = static_cast<uint64_t>(dist(rng));

			v.push_back(x);
			aa_hist_add(h.h.get(), x);
		}
		std::sort(v.begin(), v.end());
		for (double p : { 1.0, 50.0, 90.0, 99.0, 99.9 }) {
			const double want = static_cast<double>(exact(v, p));
			const double got = static_cast<double>(aa_hist_percentile(h.h.get(), p));

			EXPECT_LE(std::fabs(got - want), want / 128.0 + 0.5)
				<< "p" << p << " n=" << n << " want " << want << " got " << got;
		}
		EXPECT_EQ(aa_hist_percentile(h.h.get(), 100), v.back());
	}
}

TEST(Hist, SingleAndEmpty)
{
	Hist h;

	EXPECT_EQ(aa_hist_percentile(h.h.get(), 50), 0u);
	EXPECT_EQ(aa_hist_mean(h.h.get()), 0.0);
	aa_hist_add(h.h.get(), 123456789);
	for (double p : { 0.1, 50.0, 99.9, 100.0 })
		EXPECT_EQ(aa_hist_percentile(h.h.get(), p), 123456789u);
}

TEST(Hist, HugeValues)
{
	Hist h;

	aa_hist_add(h.h.get(), UINT64_MAX);
	aa_hist_add(h.h.get(), UINT64_MAX - 5);
	EXPECT_EQ(h.h->max, UINT64_MAX);
	EXPECT_GE(aa_hist_percentile(h.h.get(), 50), UINT64_MAX - 5);
	// the sum carries past 64 bits: the mean is not wrapped around
	EXPECT_DOUBLE_EQ(aa_hist_mean(h.h.get()), 18446744073709551616.0);
}

TEST(Hist, MergeCarriesTheSum)
{
	std::unique_ptr<aa_stats, decltype(&std::free)> a(aa_stats_new(0), std::free);
	std::unique_ptr<aa_stats, decltype(&std::free)> b(aa_stats_new(0), std::free);
	aa_sample smp{};

	smp.lat_ns = UINT64_MAX / 2;
	for (int i = 0; i < 3; i++) {
		aa_stats_add(a.get(), &smp);
		aa_stats_add(b.get(), &smp);
	}
	// each side has wrapped its low half once; the merge carries again
	aa_stats_merge(a.get(), b.get());
	EXPECT_EQ(a->lat.count, 6u);
	EXPECT_DOUBLE_EQ(aa_hist_mean(&a->lat), (double)(UINT64_MAX / 2));
}

TEST(Stats, CountsHandledUnsupportedAndErrors)
{
	const uint64_t mask = AIO_ATTR_ALL;
	std::unique_ptr<aa_stats, decltype(&std::free)> s(aa_stats_new(mask), std::free);
	aa_sample smp{};

	smp.bs = 4096;
	for (int i = 0; i < 100; i++) {
		smp.lat_ns = 1000 + static_cast<uint64_t>(i);
		smp.ddir = i % 2;
		for (unsigned int id = 0; id < AIO_ATTR_NR; id++)
			smp.status[id] = AIO_ATTR_ST_HANDLED;
		smp.status[AIO_ATTR_CRYPT_NS] = AIO_ATTR_ST_UNSUPPORTED;
		smp.value[AIO_ATTR_SERVICE_NS] = 900;
		/* 50 hits, 30 misses, 20 partial */
		smp.value[AIO_ATTR_CACHE] = i < 50   ? AIO_ATTR_CACHE_HIT
					    : i < 80 ? AIO_ATTR_CACHE_MISS
						     : AIO_ATTR_CACHE_PARTIAL;
		/* 70 page cache hits, 30 misses: counted apart from CACHE */
		smp.value[AIO_ATTR_PAGECACHE] = i < 70 ? AIO_ATTR_PAGECACHE_HIT
						       : AIO_ATTR_PAGECACHE_MISS;
		smp.value[AIO_ATTR_COMPLETION_CTX] =
			AIO_ATTR_CTX_SOFTIRQ | (i % 4 == 0 ? AIO_ATTR_CTX_HOP : 0);
		aa_stats_add(s.get(), &smp);
	}
	smp.error = 5; /* not counted in the attribute statistics */
	aa_stats_add(s.get(), &smp);

	EXPECT_EQ(s->ios, 100u);
	EXPECT_EQ(s->errors, 1u);
	EXPECT_EQ(s->bytes[0], 50u * 4096);
	EXPECT_EQ(s->bytes[1], 50u * 4096);
	EXPECT_EQ(s->handled[AIO_ATTR_CRYPT_NS], 0u);
	EXPECT_EQ(s->unsupported[AIO_ATTR_CRYPT_NS], 100u);
	EXPECT_EQ(s->handled[AIO_ATTR_CACHE], 100u);
	EXPECT_EQ(s->cache[1], 50u);
	EXPECT_EQ(s->cache[2], 30u);
	EXPECT_EQ(s->cache[3], 20u);
	EXPECT_EQ(s->pagecache[1], 70u);
	EXPECT_EQ(s->pagecache[2], 30u);
	EXPECT_EQ(s->ctx[AA_CTX_SOFTIRQ], 100u);
	EXPECT_EQ(s->ctx_hop, 25u);
	EXPECT_EQ(s->ns[AIO_ATTR_SERVICE_NS].count, 100u);
	EXPECT_EQ(s->ns[AIO_ATTR_CRYPT_NS].count, 0u);

	const std::string t = text_report(s.get());
	EXPECT_NE(line_of(t, "crypt_ns").find("UNSUPPORTED"), std::string::npos) << t;
	EXPECT_EQ(line_of(t, "crypt_ns").find("0ns"), std::string::npos) << t;
	EXPECT_NE(line_of(t, "cache").find("hit 50.00%  miss 30.00%  partial 20.00%"),
		  std::string::npos)
		<< t;
	EXPECT_NE(line_of(t, "pagecache").find("hit 70.00%  miss 30.00%  partial 0.00%"),
		  std::string::npos)
		<< t;
	EXPECT_NE(line_of(t, "completion_ctx").find("hop 25.00% (25)"), std::string::npos) << t;
	EXPECT_NE(t.find("100 ok, 1 failed"), std::string::npos) << t;

	const std::string j = json_report(s.get());
	EXPECT_NE(j.find("\"title\": \"t\\\"q\""), std::string::npos) << j;
	EXPECT_NE(j.find("\"crypt_ns\": {\"handled\": 0, \"unsupported\": 100, \"unit\": \"ns\", "
			 "\"count\": 0}"),
		  std::string::npos)
		<< j;
	EXPECT_NE(j.find("\"hit_ratio\": 0.500000, \"miss_ratio\": 0.300000, \"partial_ratio\": "
			 "0.200000"),
		  std::string::npos)
		<< j;
	EXPECT_NE(j.find("\"hit\": 70, \"miss\": 30, \"partial\": 0, \"none\": 0"),
		  std::string::npos)
		<< j;
	EXPECT_NE(j.find("\"hop\": 25, \"hop_ratio\": 0.250000"), std::string::npos) << j;
	EXPECT_NE(j.find("\"p99.9\": "), std::string::npos) << j;
	EXPECT_EQ(j.back(), '\n');
}

TEST(Stats, OnlyRequestedAttributesAreCounted)
{
	std::unique_ptr<aa_stats, decltype(&std::free)> s(
		aa_stats_new(AIO_ATTR_BIT(AIO_ATTR_CACHE)), std::free);
	aa_sample smp{};

	smp.status[AIO_ATTR_SERVICE_NS] = AIO_ATTR_ST_HANDLED;
	smp.status[AIO_ATTR_CACHE] = 0xffff; /* reserved status */
	aa_stats_add(s.get(), &smp);
	EXPECT_EQ(s->handled[AIO_ATTR_SERVICE_NS], 0u);
	EXPECT_EQ(s->other_status[AIO_ATTR_CACHE], 1u);
	const std::string t = text_report(s.get());
	EXPECT_EQ(line_of(t, "service_ns"), "");
	EXPECT_NE(line_of(t, "cache").find("unknown status"), std::string::npos) << t;
}

/*
 * The fio engine counts a completion straight from its ring entry: the
 * same statistics as the entry turned into a sample, for well-formed
 * entries (every requested id once, in order) and for the odd ones the
 * kernel never writes (a requested id missing, unknown and unrequested
 * ids, an id twice, a reserved status), errors included.
 */
TEST(Stats, AnEntryCountsAsItsSample)
{
	const uint64_t mask = AIO_ATTR_ALL & ~AIO_ATTR_BIT(AIO_ATTR_QUEUE_NS);
	using Dir = std::unique_ptr<aa_dirstats, decltype(&std::free)>;
	Dir by_sample(aa_dirstats_new(mask), std::free), by_entry(aa_dirstats_new(mask), std::free);
	std::mt19937_64 rng(7);
	unsigned int odd = 0;

	ASSERT_TRUE(by_sample && by_entry);
	for (int n = 0; n < 2000; n++) {
		alignas(8) unsigned char buf[AIO_ATTR_EVENT_BYTES(AIO_ATTR_NR + 2)] = {};
		auto *ev = reinterpret_cast<aio_attr_event *>(buf);
		const bool well_formed = n % 4 != 0;
		aa_sample smp{};
		unsigned int nr = 0;

		ev->result = rng() % 10 == 0 ? -5 : static_cast<int64_t>(rng() % 3) * 4096;
		smp.ddir = static_cast<int>(rng() % 5);
		smp.lat_ns = rng() % 2000000;
		for (unsigned int id = 0; id < AIO_ATTR_NR + 1; id++) {
			const bool want = mask & AIO_ATTR_BIT(id);
			aio_attr_rec *r = &ev->attrs[nr];

			if (well_formed ? !want : rng() % 3 == 0)
				continue;
			r->id = static_cast<uint16_t>(id);
			r->status = rng() % 8 ? AIO_ATTR_ST_HANDLED
					      : (rng() % 2 ? AIO_ATTR_ST_UNSUPPORTED : 0x7777);
			r->value = rng() % 5000000;
			if (id == AIO_ATTR_CACHE || id == AIO_ATTR_PAGECACHE)
				r->value %= 5; /* the reserved value 4 too */
			else if (id == AIO_ATTR_COMPLETION_CTX)
				r->value %= 64;
			nr++;
			if (!well_formed && id < AIO_ATTR_NR && rng() % 4 == 0) {
				/* the same id again: the first record counts */
				ev->attrs[nr] = *r;
				ev->attrs[nr].value = 1;
				nr++;
			}
			if (!well_formed)
				odd++;
		}
		ev->nr_attrs = static_cast<uint16_t>(nr);
		ev->len = static_cast<uint32_t>(AIO_ATTR_EVENT_BYTES(nr));

		/* the sample the entry stands for */
		smp.error = ev->result < 0 ? static_cast<int>(-ev->result) : 0;
		smp.bs = ev->result > 0 ? static_cast<uint64_t>(ev->result) : 0;
		for (unsigned int i = nr; i-- > 0;) { /* backwards: the first of a repeat wins */
			const aio_attr_rec &r = ev->attrs[i];

			if (r.id < AIO_ATTR_NR) {
				smp.status[r.id] = r.status;
				smp.value[r.id] = r.value;
			}
		}
		aa_dirstats_add(by_sample.get(), &smp);
		aa_dirstats_add_event(by_entry.get(), smp.ddir, smp.lat_ns, ev);
	}
	EXPECT_GT(odd, 100u);
	for (unsigned int d = 0; d < AA_DIR_NR; d++) {
		const aa_stats &a = by_sample->dir[d], &b = by_entry->dir[d];

		EXPECT_GT(a.ios, 0u) << d;
		EXPECT_EQ(a.errors, b.errors) << d;
		EXPECT_EQ(0, std::memcmp(&a, &b, sizeof(a))) << "direction " << d;
	}
}

TEST(FormatNs, Units)
{
	char b[32];

	aa_format_ns(812, b, sizeof(b));
	EXPECT_STREQ(b, "812ns");
	aa_format_ns(13245, b, sizeof(b));
	EXPECT_STREQ(b, "13.2us");
	aa_format_ns(4500000, b, sizeof(b));
	EXPECT_STREQ(b, "4.50ms");
	aa_format_ns(2.1e9, b, sizeof(b));
	EXPECT_STREQ(b, "2.10s");
}

/* Reads, writes and syncs get rows of their own, in text and JSON. */
TEST(Stats, ReportSplitsByDirection)
{
	std::unique_ptr<aa_dirstats, decltype(&std::free)> d(
		aa_dirstats_new(AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS)), std::free);
	aa_sample smp{};

	smp.status[AIO_ATTR_SERVICE_NS] = AIO_ATTR_ST_HANDLED;
	smp.bs = 4096;
	for (int i = 0; i < 30; i++) {
		smp.ddir = i < 20 ? i % 2 : (i < 25 ? 3 : 4); /* 10 reads, 10 writes, 10 syncs */
		smp.lat_ns = smp.value[AIO_ATTR_SERVICE_NS] = smp.ddir == 0 ? 1000 : 900000;
		aa_dirstats_add(d.get(), &smp);
	}
	EXPECT_EQ(d->dir[AA_DIR_READ].ios, 10u);
	EXPECT_EQ(d->dir[AA_DIR_WRITE].ios, 10u);
	EXPECT_EQ(d->dir[AA_DIR_SYNC].ios, 10u);
	EXPECT_EQ(d->dir[AA_DIR_TRIM].ios, 0u);
	EXPECT_EQ(d->dir[AA_DIR_READ].ns[AIO_ATTR_SERVICE_NS].max, 1000u);

	aa_stats total;
	aa_dirstats_total(d.get(), &total);
	EXPECT_EQ(total.ios, 30u);
	EXPECT_EQ(total.lat.min, 1000u);
	EXPECT_EQ(total.lat.max, 900000u);

	char *buf = nullptr;
	std::size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	aa_report_info ri{};
	aa_report_text(f, d.get(), &ri);
	aa_report_json(f, d.get(), &ri);
	std::fclose(f);
	const std::string out(buf, len);
	std::free(buf);

	EXPECT_NE(out.find("  I/Os: 30 ok, 0 failed"), std::string::npos) << out;
	const auto r = out.find("\n  read: 10 ok, 0 failed\n"),
		   w = out.find("\n  write: 10 ok, 0 failed\n"),
		   s = out.find("\n  sync: 10 ok, 0 failed\n");
	ASSERT_NE(r, std::string::npos) << out;
	ASSERT_NE(w, std::string::npos) << out;
	ASSERT_NE(s, std::string::npos) << out;
	EXPECT_LT(r, w);
	EXPECT_LT(w, s);
	EXPECT_EQ(out.find("trim:"), std::string::npos) << out;
	/* The read block's latency row has the reads' numbers only. */
	EXPECT_NE(out.substr(r, w - r).find("1.00us   1.00us"), std::string::npos) << out;
	EXPECT_NE(out.find("\"directions\": {\"read\": {\"ios\": 10, \"errors\": 0, \"bytes\": "
			   "40960, \"latency_ns\""),
		  std::string::npos)
		<< out;
	EXPECT_NE(out.find("\"write\": {\"ios\": 10"), std::string::npos) << out;
	EXPECT_NE(out.find("\"sync\": {\"ios\": 10, \"errors\": 0, \"bytes\": 0"),
		  std::string::npos)
		<< out;
}
