// SPDX-License-Identifier: GPL-2.0
/*
 * The attr_log format: what the engine writes reads back the same, and
 * every kind of malformed line is refused with a reason.
 */
#include <string>

#include <gtest/gtest.h>

#include "attrlog.h"

namespace {

const uint64_t mask3 = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) | AIO_ATTR_BIT(AIO_ATTR_CACHE) |
		       AIO_ATTR_BIT(AIO_ATTR_CRYPT_NS);

struct Parser {
	aa_log_cols cols;
	aa_sample s;
	char err[256] = "";

	Parser(bool with_header = true)
	{
		aa_log_cols_init(&cols);
		if (with_header) {
			EXPECT_EQ(parse("# aioattr attr_log 1"), 0);
			EXPECT_EQ(parse("# time_ms, lat_ns, ddir, bs, offset, service_ns, cache, "
					"crypt_ns"),
				  0)
				<< err;
		}
	}
	int parse(const std::string &line)
	{
		err[0] = '\0';
		return aa_log_parse_line(&cols, line.c_str(), &s, err, sizeof(err));
	}
	std::string why() const { return err; }
};

} // namespace

TEST(AttrLog, HeaderNamesTheColumns)
{
	char buf[512];

	ASSERT_GT(aa_log_format_header(buf, sizeof(buf), mask3), 0u);
	EXPECT_STREQ(buf, "# aioattr attr_log 1\n"
			  "# time_ms, lat_ns, ddir, bs, offset, service_ns, cache, crypt_ns\n");
	EXPECT_EQ(aa_log_format_header(buf, 10, mask3), 0u);
}

TEST(AttrLog, RoundTrip)
{
	char buf[1024];
	aa_sample in{};
	Parser p(false);

	in.time_ms = 12;
	in.lat_ns = 13450;
	in.ddir = 1;
	in.bs = 4096;
	in.offset = 1ULL << 40;
	in.status[AIO_ATTR_SERVICE_NS] = AIO_ATTR_ST_HANDLED;
	in.value[AIO_ATTR_SERVICE_NS] = UINT64_MAX;
	in.status[AIO_ATTR_CACHE] = AIO_ATTR_ST_HANDLED;
	in.value[AIO_ATTR_CACHE] = 0; /* handled zero is a value, not "-" */
	in.status[AIO_ATTR_CRYPT_NS] = AIO_ATTR_ST_UNSUPPORTED;

	std::string text;
	ASSERT_GT(aa_log_format_header(buf, sizeof(buf), mask3), 0u);
	text += buf;
	ASSERT_GT(aa_log_format_line(buf, sizeof(buf), &in, mask3), 0u);
	EXPECT_STREQ(buf, "12, 13450, 1, 4096, 1099511627776, 18446744073709551615, 0, -\n");
	text += buf;

	std::size_t pos = 0;
	int samples = 0;
	while (pos < text.size()) {
		std::size_t e = text.find('\n', pos);
		int r = p.parse(text.substr(pos, e - pos + 1));

		ASSERT_GE(r, 0) << p.why();
		samples += r;
		pos = e + 1;
	}
	ASSERT_EQ(samples, 1);
	EXPECT_EQ(p.cols.mask, mask3);
	EXPECT_EQ(p.s.time_ms, in.time_ms);
	EXPECT_EQ(p.s.lat_ns, in.lat_ns);
	EXPECT_EQ(p.s.ddir, in.ddir);
	EXPECT_EQ(p.s.bs, in.bs);
	EXPECT_EQ(p.s.offset, in.offset);
	for (unsigned int id = 0; id < AIO_ATTR_NR; id++) {
		EXPECT_EQ(p.s.status[id], in.status[id]) << id;
		EXPECT_EQ(p.s.value[id], in.value[id]) << id;
	}
}

TEST(AttrLog, LineBufferTooSmall)
{
	char buf[16];
	aa_sample s{};

	EXPECT_EQ(aa_log_format_line(buf, sizeof(buf), &s, mask3), 0u);
}

TEST(AttrLog, BlankAndCommentLinesAndCrlf)
{
	Parser p;

	EXPECT_EQ(p.parse(""), 0);
	EXPECT_EQ(p.parse("   \n"), 0);
	EXPECT_EQ(p.parse("# a comment"), 0);
	EXPECT_EQ(p.parse("1, 2, 0, 512, 0, 3, 2, -\r\n"), 1) << p.why();
	EXPECT_EQ(p.s.value[AIO_ATTR_CACHE], AIO_ATTR_CACHE_MISS);
	EXPECT_EQ(p.parse("1,2,0,512,0,3,?,-"), 1) << p.why();
	EXPECT_EQ(p.s.status[AIO_ATTR_CACHE], 0xffff);
}

TEST(AttrLog, DataBeforeHeader)
{
	Parser p(false);

	EXPECT_EQ(p.parse("1, 2, 0, 512, 0"), -1);
	EXPECT_NE(p.why().find("before the"), std::string::npos) << p.why();
	/* A column header without the magic line is not trusted either. */
	EXPECT_EQ(p.parse("# time_ms, lat_ns, ddir, bs, offset"), 0);
	EXPECT_EQ(p.parse("1, 2, 0, 512, 0"), -1);
}

TEST(AttrLog, MalformedDataLines)
{
	const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ "1, 2, 0, 512, 0, 3, 2", "columns, expected 8" },
		{ "1, 2, 0, 512, 0, 3, 2, -, 9", "too many columns" },
		{ "1, 2, 0, 512", "columns, expected 8" },
		{ "x, 2, 0, 512, 0, 3, 2, -", "column time_ms: \"x\" is not a number" },
		{ "1, -2, 0, 512, 0, 3, 2, -", "column lat_ns" },
		{ "1, 2, 7, 512, 0, 3, 2, -", "column ddir: 7 is not 0..4" },
		{ "1, 2, 0, 18446744073709551616, 0, 3, 2, -", "column bs" },
		{ "1, 2, 0, 512, 0, 3us, 2, -", "column service_ns: \"3us\" is neither" },
		{ "1, 2, 0, 512, 0, , 2, -", "column service_ns: \"\"" },
		{ "1, 2, 0, 512, 0, 3, 2, --", "column crypt_ns" },
		{ "1, 2, 0, 512, 0, 3, 2, - x", "column crypt_ns" },
		{ "1; 2; 0; 512; 0; 3; 2; -", "column time_ms" },
		{ "1, 2, 0, 512, 0, 3, 2, -,", "too many columns" },
		{ "1 2, 0, 512, 0, 3, 2, -", "column time_ms" },
	};

	for (const auto &c : cases) {
		Parser p;

		EXPECT_EQ(p.parse(c.line), -1) << c.line;
		EXPECT_NE(p.why().find(c.why), std::string::npos)
			<< "line '" << c.line << "' gave '" << p.why() << "'";
	}
}

TEST(AttrLog, MalformedHeaders)
{
	const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ "# time_ms, lat_ns, ddir, bs", "4 columns, expected at least 5" },
		{ "# time_ms, value, ddir, bs, offset",
		  "column 2 is \"value\", expected \"lat_ns\"" },
		{ "# time_ms, lat_ns, ddir, bs, offset, bogus_ns",
		  "unknown attribute \"bogus_ns\"" },
		{ "# time_ms, lat_ns, ddir, bs, offset, cache, cache",
		  "attribute \"cache\" twice" },
		{ "# time_ms, lat_ns, ddir, bs, offset, , cache", "empty column name" },
	};

	for (const auto &c : cases) {
		Parser p(false);

		ASSERT_EQ(p.parse("# aioattr attr_log 1"), 0);
		EXPECT_EQ(p.parse(c.line), -1) << c.line;
		EXPECT_NE(p.why().find(c.why), std::string::npos)
			<< "header '" << c.line << "' gave '" << p.why() << "'";
		EXPECT_FALSE(p.cols.have_header);
	}
}

TEST(AttrLog, UnknownVersion)
{
	Parser p(false);

	EXPECT_EQ(p.parse("# aioattr attr_log 2"), -1);
	EXPECT_NE(p.why().find("unsupported attr_log version \"2\""), std::string::npos) << p.why();
	EXPECT_EQ(p.parse("# aioattr attr_log"), -1);
}

TEST(AttrLog, HeaderOnlyFixedColumns)
{
	Parser p(false);

	ASSERT_EQ(p.parse("# aioattr attr_log 1"), 0);
	ASSERT_EQ(p.parse("# time_ms, lat_ns, ddir, bs, offset"), 0) << p.why();
	EXPECT_EQ(p.cols.mask, 0u);
	EXPECT_EQ(p.parse("5, 6, 1, 4096, 8192"), 1) << p.why();
	EXPECT_EQ(p.s.offset, 8192u);
}
