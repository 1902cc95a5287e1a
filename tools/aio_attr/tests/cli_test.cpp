// SPDX-License-Identifier: GPL-2.0
/*
 * The aioattr binary end to end: exit codes and messages for argument
 * errors, a missing module, unreadable and malformed logs; and, with
 * fake_aio_attr.so preloaded in place of the kernel module, probe, io and
 * report --png on a regular file.
 */
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

struct Result {
	int code = -1;
	std::string out, err;
};

std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream s;

	s << f.rdbuf();
	return s.str();
}

class Cli : public ::testing::Test {
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/aioattr-cli-test.XXXXXX";

		ASSERT_NE(mkdtemp(tmpl), nullptr);
		dir = tmpl;
	}
	void TearDown() override
	{
		std::string cmd = "rm -rf '" + dir + "'";

		(void)std::system(cmd.c_str());
	}

	/* Run aioattr with @args (shell words) and @env assignments. */
	Result run(const std::string &args, const std::string &env = "")
	{
		Result r;
		const std::string out = dir + "/stdout", err = dir + "/stderr";
		const std::string cmd = "env " + env + " " AIOATTR_BIN " " + args + " >" + out +
					" 2>" + err + " </dev/null";
		int st = std::system(cmd.c_str());

		r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		r.out = slurp(out);
		r.err = slurp(err);
		return r;
	}
	Result run_fake(const std::string &args)
	{
		return run(args, "LD_PRELOAD=" FAKE_AIO_ATTR_SO " AIOATTR_DEV=/dev/aio_attr");
	}
	std::string file(const std::string &name, const std::string &text)
	{
		std::string p = dir + "/" + name;
		std::ofstream(p, std::ios::binary) << text;
		return p;
	}

	std::string dir;
};

} // namespace

TEST_F(Cli, NoArgumentsIsAUsageError)
{
	Result r = run("");

	EXPECT_EQ(r.code, 2);
	EXPECT_NE(r.err.find("aioattr: missing command (see 'aioattr --help')"), std::string::npos)
		<< r.err;
	EXPECT_TRUE(r.out.empty());
}

TEST_F(Cli, EveryCommandHasHelp)
{
	for (const char *args :
	     { "--help", "help", "help probe", "probe --help", "io -h", "report --help" }) {
		Result r = run(args);

		EXPECT_EQ(r.code, 0) << args;
		EXPECT_NE(r.out.find("SYNOPSIS"), std::string::npos) << args;
		EXPECT_TRUE(r.err.empty()) << args << ": " << r.err;
	}
	EXPECT_EQ(run("--version").code, 0);
}

TEST_F(Cli, BadArgumentsExit2)
{
	for (const char *args : { "bogus", "probe", "io read f 0", "io read f 0 4q",
				  "io read f 0 4k --attrs nope", "report", "report x --svg y" }) {
		Result r = run(args);

		EXPECT_EQ(r.code, 2) << args;
		EXPECT_NE(r.err.find("--help')"), std::string::npos) << args << ": " << r.err;
	}
}

TEST_F(Cli, MissingTarget)
{
	Result r = run("io read " + dir + "/nope 0 4k");

	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find("cannot use " + dir + "/nope: No such file or directory"),
		  std::string::npos)
		<< r.err;
}

TEST_F(Cli, NoModuleExit3)
{
	std::string f = file("data", std::string(8192, 'a'));
	Result r = run("probe " + f, "AIOATTR_DEV=" + dir + "/aio_attr");

	EXPECT_EQ(r.code, 3);
	EXPECT_NE(r.err.find("is the aio_attr module loaded?"), std::string::npos) << r.err;
}

TEST_F(Cli, ReportExitCodes)
{
	Result r = run("report " + dir + "/nope.log");
	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;

	std::string bad = file("bad.log", "# aioattr attr_log 1\n"
					  "# time_ms, lat_ns, ddir, bs, offset, cache\n"
					  "1, 2, 0, 4096, 0, 1\n"
					  "1, 2, 0, 4096, 0, hit\n");
	r = run("report " + bad);
	EXPECT_EQ(r.code, 4);
	EXPECT_NE(r.err.find(bad + ":4: column cache: \"hit\" is neither a number nor '-'"),
		  std::string::npos)
		<< r.err;
	r = run("report --skip-bad " + bad);
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_NE(r.out.find("malformed lines skipped: 1"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("hit 100.00%"), std::string::npos) << r.out;

	r = run("report --json " + bad + " --skip-bad");
	EXPECT_EQ(r.code, 0);
	EXPECT_EQ(r.out.rfind("{\"aioattr_report\": 1", 0), 0u) << r.out;

	r = run("report --png " + dir + "/x.png " + bad + " --skip-bad",
		"GNUPLOT=" + dir + "/nogp");
	EXPECT_EQ(r.code, 5);
	EXPECT_NE(r.err.find("cannot run " + dir + "/nogp"), std::string::npos) << r.err;
}

TEST_F(Cli, ProbeIoAndReportAgainstTheFake)
{
	std::string f = file("data", std::string(1 << 20, 'a'));

	Result r = run_fake("probe " + f);
	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_NE(r.out.find("4 reads of 4096 bytes"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("crypt_ns        UNSUPPORTED    0 of 4"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("cache           HANDLED        4 of 4"), std::string::npos) << r.out;

	r = run_fake("io write " + f + " 8k 4k --pattern 0x5a --attrs service_ns,crypt_ns");
	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_NE(r.out.find(": 4096 bytes"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("crypt_ns        UNSUPPORTED"), std::string::npos) << r.out;
	EXPECT_EQ(r.out.find("cache"), std::string::npos) << r.out;

	r = run_fake("io read " + f + " 8k 4k --output " + dir + "/out");
	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(slurp(dir + "/out"), std::string(4096, 'Z'));
	EXPECT_NE(r.out.find("cache           HANDLED      hit"), std::string::npos) << r.out;

	/* Unaligned with O_DIRECT: refused before anything is submitted. */
	r = run_fake("io read " + f + " 100 4k");
	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find("multiples of the logical block size"), std::string::npos) << r.err;
}

TEST_F(Cli, ReportPng)
{
	if (system("command -v gnuplot >/dev/null 2>&1"))
		GTEST_SKIP() << "gnuplot not installed";
	std::string log = "# aioattr attr_log 1\n"
			  "# time_ms, lat_ns, ddir, bs, offset, service_ns, queue_ns, device_ns, "
			  "cache, crypt_ns\n";
	for (int i = 0; i < 2000; i++)
		log += std::to_string(i / 10) + ", 30000, 0, 4096, 0, 25000, 2000, " +
		       std::to_string(10000 + i) + ", " + (i % 3 ? "1" : "2") + ", 4000\n";
	std::string p = file("io.log", log);
	Result r = run("report " + p + " --png " + dir + "/io.png");

	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_NE(r.out.find("picture: " + dir + "/io.png"), std::string::npos) << r.out;
	std::string png = slurp(dir + "/io.png");
	ASSERT_GT(png.size(), 1000u);
	EXPECT_EQ(png.substr(1, 3), "PNG");
}

/* report --png keeps gnuplot's data and script under $TMPDIR, and removes them. */
TEST_F(Cli, ReportPngWorksInTmpdir)
{
	std::string log = "# aioattr attr_log 1\n# time_ms, lat_ns, ddir, bs, offset, cache\n"
			  "1, 3000, 0, 4096, 0, 1\n";
	std::string p = file("io.log", log);
	std::string gp = file("gp", "#!/bin/sh\necho \"$1\" >" + dir + "/gp.arg\nexit 1\n");
	ASSERT_EQ(::chmod(gp.c_str(), 0755), 0);
	ASSERT_EQ(::mkdir((dir + "/tmp").c_str(), 0700), 0);

	Result r = run("report " + p + " --png " + dir + "/io.png",
		       "GNUPLOT=" + gp + " TMPDIR=" + dir + "/tmp");
	EXPECT_EQ(r.code, 5) << r.err;
	const std::string script = slurp(dir + "/gp.arg");
	EXPECT_EQ(script.rfind(dir + "/tmp/", 0), 0u) << script;
	EXPECT_EQ(std::system(("rmdir " + dir + "/tmp").c_str()), 0) << "left files in TMPDIR";
}
