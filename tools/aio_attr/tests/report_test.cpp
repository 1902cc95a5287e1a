// SPDX-License-Identifier: GPL-2.0
/*
 * aioattr report: reading whole logs (fmemopen), malformed lines with and
 * without --skip-bad, the picture's rows and gnuplot program.
 */
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "cli.hpp"
#include "report.hpp"

using namespace aioattr;

namespace {

const char *header =
	"# aioattr attr_log 1\n"
	"# time_ms, lat_ns, ddir, bs, offset, service_ns, queue_ns, device_ns, cache, crypt_ns\n";

struct Mem {
	explicit Mem(const std::string &s)
	    : text(s)
	    , f(fmemopen(text.data(), text.size(), "r"))
	{
	}
	~Mem() { std::fclose(f); }
	std::string text;
	std::FILE *f;
};

Summary read(const std::string &text, bool skip_bad = false)
{
	Mem m(text);

	return summarise(m.f, "t.log", skip_bad);
}

std::string error_of(const std::string &text, bool skip_bad = false, Exit *code = nullptr)
{
	try {
		read(text, skip_bad);
	} catch (const CommandError &e) {
		if (code)
			*code = e.code;
		return e.what();
	}
	return "";
}

} // namespace

TEST(Report, SummarisesALog)
{
	std::string log = header;

	/* 10 ms, 4 I/Os per ms: queue 1000, device 5000, service 8000, crypt unsupported. */
	for (int ms = 0; ms < 10; ms++)
		for (int i = 0; i < 4; i++)
			log += std::to_string(ms) + ", 9000, 0, 4096, " + std::to_string(i * 4096) +
			       ", 8000, 1000, 5000, " +
			       (i == 0	 ? "1"
				: i == 1 ? "3"
					 : "2") +
			       ", -\n";
	Summary s = read(log);

	EXPECT_EQ(s.samples, 40u);
	EXPECT_EQ(s.lines, 42u);
	EXPECT_EQ(s.stats->dir[AA_DIR_READ].ios, 40u);
	EXPECT_EQ(s.stats->dir[AA_DIR_READ].handled[AIO_ATTR_CACHE], 40u);
	EXPECT_EQ(s.stats->dir[AA_DIR_READ].cache[1], 10u);
	EXPECT_EQ(s.stats->dir[AA_DIR_READ].cache[2], 20u);
	EXPECT_EQ(s.stats->dir[AA_DIR_READ].cache[3], 10u);
	EXPECT_EQ(s.stats->dir[AA_DIR_READ].unsupported[AIO_ATTR_CRYPT_NS], 40u);
	EXPECT_EQ(s.stats->dir[AA_DIR_READ].ns[AIO_ATTR_DEVICE_NS].min, 5000u);
	EXPECT_EQ(s.stats->dir[AA_DIR_WRITE].ios, 0u);
	EXPECT_EQ(s.per_ms.size(), 10u);

	EXPECT_EQ(choose_bucket_ms(s, 0), 1u);
	EXPECT_EQ(choose_bucket_ms(s, 3), 3u);
	auto rows = plot_rows(s, 5);
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_DOUBLE_EQ(rows[0].t_s, 0.0025);
	EXPECT_EQ(rows[0].n, 20u);
	EXPECT_DOUBLE_EQ(rows[0].queue, 1000);
	EXPECT_DOUBLE_EQ(rows[0].device, 5000);
	EXPECT_DOUBLE_EQ(rows[0].crypt, 0);
	EXPECT_DOUBLE_EQ(rows[0].rest, 2000); /* service 8000 - 1000 - 5000 */
	EXPECT_DOUBLE_EQ(rows[0].hit, 0.25);
	EXPECT_DOUBLE_EQ(rows[0].partial, 0.25);

	std::string gp = gnuplot_script(s, rows, "/tmp/d", "/tmp/o'x.png", "title", 5);
	EXPECT_NE(gp.find("set output '/tmp/o''x.png'"), std::string::npos) << gp;
	EXPECT_NE(gp.find("UNSUPPORTED, drawn as 0: crypt_ns"), std::string::npos) << gp;
	EXPECT_NE(gp.find("title 'hit'"), std::string::npos) << gp;
}

TEST(Report, BucketsForLongRuns)
{
	std::string log = header;

	for (int ms = 0; ms < 60000; ms += 7)
		log += std::to_string(ms) + ", 9000, 0, 4096, 0, 8000, 1000, 5000, -, -\n";
	Summary s = read(log);

	EXPECT_EQ(choose_bucket_ms(s, 0), 1000u);
	auto rows = plot_rows(s, 1000);
	EXPECT_EQ(rows.size(), 60u);
	EXPECT_LT(rows[0].hit, 0); /* no cache values: drawn as missing */
	std::string gp = gnuplot_script(s, rows, "/tmp/d", "/tmp/o.png", "t", 1000);
	EXPECT_NE(gp.find("cache: UNSUPPORTED on this path"), std::string::npos) << gp;
}

TEST(Report, MalformedLineStopsWithItsLineNumber)
{
	Exit code = exit_ok;
	std::string e = error_of(std::string(header) + "1, 2, 0, 512, 0, 1, 1, 1, 1, -\n"
						       "1, 2, 0, 512, 0, 1, 1, 1, 1\n",
				 false, &code);

	EXPECT_EQ(code, exit_bad_input);
	EXPECT_NE(e.find("t.log:4: 9 columns, expected 10"), std::string::npos) << e;
}

TEST(Report, SkipBadCountsAndGoesOn)
{
	Summary s = read(std::string(header) + "1, 2, 0, 512, 0, 1, 1, 1, 1, -\n"
					       "garbage\n"
					       "1, 2, 0, 512, 0, 1, 1, 1, x, -\n"
					       "2, 2, 0, 512, 0, 1, 1, 1, 2, -\n",
			 true);

	EXPECT_EQ(s.samples, 2u);
	EXPECT_EQ(s.bad_lines, 2u);
}

TEST(Report, NotALog)
{
	Exit code = exit_ok;

	EXPECT_NE(error_of("time,value\n1,2\n", true, &code).find("before the"), std::string::npos);
	EXPECT_EQ(code, exit_bad_input);
	EXPECT_NE(error_of("").find("not an attr_log"), std::string::npos);
	EXPECT_NE(error_of("# just a comment\n").find("not an attr_log"), std::string::npos);
	EXPECT_NE(error_of(header).find("no I/Os in the log"), std::string::npos);
	EXPECT_NE(error_of(std::string("# aioattr attr_log 1\n# time_ms, lat_ns\n"), true)
			  .find("expected at least 5"),
		  std::string::npos);
}

TEST(Report, SecondHeaderAfterDataIsRefused)
{
	std::string e = error_of(std::string(header) + "1, 2, 0, 512, 0, 1, 1, 1, 1, -\n" + header);

	EXPECT_NE(e.find("a second column header"), std::string::npos) << e;
}

TEST(Report, NulByte)
{
	std::string log = std::string(header) + "1, 2, 0, 512, 0, 1, 1, 1, 1, -\n";
	log += std::string("1, 2\0, 0\n", 9);
	std::string e = error_of(log);

	EXPECT_NE(e.find("t.log:4: NUL byte"), std::string::npos) << e;
}

/* Two jobs' logs give one report: counts add up, per direction and per ms. */
TEST(Report, MergesSeveralLogs)
{
	std::string a = header, b = header;

	for (int i = 0; i < 10; i++) {
		a += std::to_string(i) + ", 9000, 0, 4096, 0, 8000, 1000, 5000, 1, -\n";
		b += std::to_string(i) + ", 7000, 1, 4096, 0, 6000, 500, 4000, 2, -\n";
	}
	b += "10, 3000, 3, 0, 0, 2000, -, -, -, -\n";
	Summary s = read(a);
	merge(s, read(b));

	EXPECT_EQ(total_ios(s), 21u);
	EXPECT_EQ(s.samples, 21u);
	EXPECT_EQ(s.stats->dir[AA_DIR_READ].ios, 10u);
	EXPECT_EQ(s.stats->dir[AA_DIR_WRITE].ios, 10u);
	EXPECT_EQ(s.stats->dir[AA_DIR_SYNC].ios, 1u);
	EXPECT_EQ(s.stats->dir[AA_DIR_READ].ns[AIO_ATTR_DEVICE_NS].min, 5000u);
	EXPECT_EQ(s.stats->dir[AA_DIR_WRITE].ns[AIO_ATTR_DEVICE_NS].max, 4000u);
	EXPECT_EQ(total_handled(s, AIO_ATTR_CACHE), 20u);
	EXPECT_EQ(s.per_ms.size(), 11u);
	EXPECT_EQ(s.per_ms.at(3).n, 2u);
	EXPECT_EQ(s.per_ms.at(3).hit, 1u);
	EXPECT_EQ(s.per_ms.at(3).miss, 1u);
}
