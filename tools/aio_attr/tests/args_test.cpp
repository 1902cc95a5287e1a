// SPDX-License-Identifier: GPL-2.0
/*
 * Command line parsing: what is accepted, and every error names the
 * problem.
 */
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <linux/aio_attr.h>

#include "cli.hpp"

using namespace aioattr;

namespace {

Parsed parse(std::vector<std::string_view> args)
{
	return parse_args(args);
}

/* The UsageError message of @args, or "" when they parse. */
std::string error_of(std::vector<std::string_view> args)
{
	try {
		parse_args(args);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "";
}

} // namespace

TEST(Args, ParseSize)
{
	EXPECT_EQ(parse_size("4096", "x"), 4096u);
	EXPECT_EQ(parse_size("4k", "x"), 4096u);
	EXPECT_EQ(parse_size("4K", "x"), 4096u);
	EXPECT_EQ(parse_size("1m", "x"), 1u << 20);
	EXPECT_EQ(parse_size("2g", "x"), 2ull << 30);
	EXPECT_EQ(parse_size("1t", "x"), 1ull << 40);
	EXPECT_EQ(parse_size("0x1000", "x"), 4096u);
	EXPECT_EQ(parse_size("0", "x"), 0u);
	for (const char *bad : { "", "k", "4q", "-1", "1.5k", "0x", "4kk", " 4", "0xg" })
		EXPECT_THROW(parse_size(bad, "LEN"), UsageError) << bad;
	EXPECT_THROW(parse_size("99999999999999999999", "LEN"), UsageError);
	EXPECT_THROW(parse_size("20000000000000000000k", "LEN"), UsageError);
	try {
		parse_size("4q", "OFFSET");
		FAIL();
	} catch (const UsageError &e) {
		EXPECT_STREQ(e.what(), "OFFSET: '4q' is not a size");
	}
}

TEST(Args, Help)
{
	EXPECT_EQ(parse({ "--help" }).cmd, Cmd::help);
	EXPECT_EQ(parse({ "-h" }).topic, "");
	EXPECT_EQ(parse({ "help", "report" }).topic, "report");
	EXPECT_EQ(parse({ "probe", "--help" }).topic, "probe");
	EXPECT_EQ(parse({ "io", "read", "-h" }).topic, "io");
	EXPECT_EQ(parse({ "report", "x.log", "--png", "x.png", "--help" }).topic, "report");
	EXPECT_EQ(parse({ "--version" }).cmd, Cmd::version);
	for (std::string_view t : { "", "probe", "io", "report" }) {
		std::string_view h = help_text(t);

		EXPECT_NE(h.find("SYNOPSIS"), std::string_view::npos) << t;
		EXPECT_NE(h.find("EXIT STATUS"), std::string_view::npos) << t;
	}
	EXPECT_TRUE(help_text("nope").empty());
	EXPECT_NE(error_of({ "help", "nope" }).find("no command 'nope'"), std::string::npos);
}

TEST(Args, Probe)
{
	Parsed p = parse({ "probe", "/dev/ram0", "--count", "8", "--bs=8k", "--buffered" });

	EXPECT_EQ(p.cmd, Cmd::probe);
	EXPECT_EQ(p.probe.path, "/dev/ram0");
	EXPECT_EQ(p.probe.count, 8u);
	EXPECT_EQ(p.probe.bs, 8192u);
	EXPECT_TRUE(p.probe.buffered);
	EXPECT_EQ(parse({ "probe", "f" }).probe.count, 4u);
}

TEST(Args, Io)
{
	Parsed p = parse({ "io", "write", "/dev/x", "1m", "64k", "--attrs", "cache,service_ns",
			   "--pattern", "0xa5" });

	EXPECT_EQ(p.cmd, Cmd::io);
	EXPECT_TRUE(p.io.write);
	EXPECT_EQ(p.io.path, "/dev/x");
	EXPECT_EQ(p.io.offset, 1u << 20);
	EXPECT_EQ(p.io.len, 65536u);
	ASSERT_TRUE(p.io.attr_mask);
	EXPECT_EQ(*p.io.attr_mask,
		  AIO_ATTR_BIT(AIO_ATTR_CACHE) | AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS));
	EXPECT_EQ(p.io.pattern, 0xa5);

	p = parse({ "io", "read", "f", "0", "4096", "--output=o.bin" });
	EXPECT_FALSE(p.io.write);
	EXPECT_FALSE(p.io.attr_mask);
	EXPECT_EQ(p.io.output, "o.bin");
}

TEST(Args, Report)
{
	Parsed p = parse({ "report", "io.log", "--png", "io.png", "--json", "--skip-bad",
			   "--bucket-ms", "50" });

	EXPECT_EQ(p.cmd, Cmd::report);
	EXPECT_EQ(p.report.logs, std::vector<std::string>{ "io.log" });
	EXPECT_EQ(p.report.png, "io.png");
	EXPECT_TRUE(p.report.json);
	EXPECT_TRUE(p.report.skip_bad);
	EXPECT_EQ(p.report.bucket_ms, 50u);
	EXPECT_EQ(parse({ "report", "-" }).report.logs.at(0), "-");
	/* Several logs are merged into one report. */
	EXPECT_EQ(parse({ "report", "a.1", "--json", "a.2" }).report.logs,
		  (std::vector<std::string>{ "a.1", "a.2" }));
}

TEST(Args, ErrorsNameTheProblem)
{
	const struct {
		std::vector<std::string_view> args;
		const char *msg;
	} cases[] = {
		{ {}, "missing command" },
		{ { "frobnicate" }, "unknown command 'frobnicate'" },
		{ { "--frob" }, "unknown option '--frob'" },
		{ { "probe" }, "probe: missing DEV|FILE" },
		{ { "probe", "a", "b" }, "probe: unexpected argument 'b'" },
		{ { "probe", "a", "--count" }, "option --count needs a value" },
		{ { "probe", "a", "--count", "0" }, "--count must be 1..1024" },
		{ { "probe", "a", "--count", "x" }, "--count: 'x' is not a size" },
		{ { "probe", "a", "--bs", "0" }, "--bs must be" },
		{ { "probe", "a", "--force" }, "probe: unknown option '--force'" },
		{ { "io" }, "io: missing read|write" },
		{ { "io", "copy", "f", "0", "1" },
		  "the direction must be read or write, not 'copy'" },
		{ { "io", "read" }, "io: missing DEV|FILE OFFSET LEN" },
		{ { "io", "read", "f" }, "io: missing OFFSET LEN" },
		{ { "io", "read", "f", "0" }, "io: missing LEN" },
		{ { "io", "read", "f", "0", "4k", "5" }, "unexpected argument '5'" },
		{ { "io", "read", "f", "zero", "4k" }, "OFFSET: 'zero' is not a size" },
		{ { "io", "read", "f", "0", "0" }, "LEN must be 1 byte..64m, not 0" },
		{ { "io", "read", "f", "0", "1g" }, "LEN must be 1 byte..64m" },
		{ { "io", "read", "f", "8388608t", "4k" }, "is beyond 2^63" },
		{ { "io", "read", "f", "0", "4k", "--attrs", "bogus" },
		  "--attrs bogus: unknown attribute \"bogus\"" },
		{ { "io", "read", "f", "0", "4k", "--attrs=" }, "empty attribute list" },
		{ { "io", "read", "f", "0", "4k", "--pattern", "1" },
		  "--pattern and --input are for writes" },
		{ { "io", "write", "f", "0", "4k", "--output", "o" }, "--output is for reads" },
		{ { "io", "write", "f", "0", "4k", "--pattern", "256" },
		  "--pattern must be a byte" },
		{ { "io", "write", "f", "0", "4k", "--pattern", "1", "--input", "i" },
		  "exclude each other" },
		{ { "report" }, "report: missing LOG" },
		{ { "report", "a", "--png" }, "option --png needs a value" },
		{ { "report", "a", "--png=" }, "--png needs a file name" },
		{ { "report", "a", "--bucket-ms", "0" }, "--bucket-ms must be at least 1" },
		{ { "report", "a", "--svg", "x" }, "report: unknown option '--svg'" },
	};

	for (const auto &c : cases) {
		const std::string e = error_of(c.args);
		std::string line;

		for (auto a : c.args)
			line += std::string(a) + " ";
		EXPECT_NE(e.find(c.msg), std::string::npos)
			<< "args '" << line << "' gave '" << e << "'";
		EXPECT_NE(e.find("--help')"), std::string::npos) << e;
	}
}
