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

#include <chrono>

#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
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

	/* Run aioattr with @args (shell words), @env assignments and stdin from @in. */
	Result run(const std::string &args, const std::string &env = "",
		   const std::string &in = "/dev/null")
	{
		Result r;
		const std::string out = dir + "/stdout", err = dir + "/stderr";
		const std::string cmd = "env " + env + " " AIOATTR_BIN " " + args + " >" + out +
					" 2>" + err + " <" + in;
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

	/*
	 * Once process @pid has read part of @path (its file position there is
	 * past 0), stop it for @ms milliseconds: it has started the clock it
	 * measures its reading with.  False when that was not seen within 10 s.
	 */
	static bool pause_while_reading(pid_t pid, const std::string &path, int ms)
	{
		const std::string proc = "/proc/" + std::to_string(pid);
		const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);

		while (std::chrono::steady_clock::now() < deadline) {
			for (int fd = 3; fd < 16; fd++) {
				char link[4096];
				const std::string fdp = proc + "/fd/" + std::to_string(fd);
				const ssize_t n = ::readlink(fdp.c_str(), link, sizeof(link) - 1);
				if (n <= 0 || std::string(link, n) != path)
					continue;
				const std::string info = slurp(proc + "/fdinfo/" + std::to_string(fd));
				if (info.rfind("pos:\t0\n", 0) == 0)
					continue;
				::kill(pid, SIGSTOP);
				::usleep(ms * 1000);
				::kill(pid, SIGCONT);
				return true;
			}
			::usleep(100);
		}
		return false;
	}

	/*
	 * Run aioattr with @args, stdout on one pseudo-terminal and stderr on
	 * another (or in a file, @err_to_file): what each of them received.
	 * With @pause, the process is stopped for 600 ms once it reads @pause.
	 */
	Result run_on_ttys(const std::string &args, bool err_to_file = false,
			   const std::string &pause = "")
	{
		Result r;
		int om, os, em, es;
		const std::string errf = dir + "/stderr";

		if (::openpty(&om, &os, nullptr, nullptr, nullptr) ||
		    ::openpty(&em, &es, nullptr, nullptr, nullptr))
			return r;
		std::fflush(nullptr);
		const pid_t pid = ::fork();
		if (pid == 0) {
			const int err = err_to_file ? ::open(errf.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)
						    : es;
			const int in = ::open("/dev/null", O_RDONLY);
			if (err < 0 || in < 0 || ::dup2(in, 0) < 0 || ::dup2(os, 1) < 0 ||
			    ::dup2(err, 2) < 0)
				_exit(126);
			::closefrom(3);
			const std::string cmd = AIOATTR_BIN " " + args;
			::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(),
				static_cast<char *>(nullptr));
			_exit(127);
		}
		::close(os);
		::close(es);
		if (!pause.empty() && !pause_while_reading(pid, pause, 600))
			r.err = "(the log was never seen being read) ";
		/* A master reads EIO once the last holder of its slave is gone. */
		pollfd p[2] = { { om, POLLIN, 0 }, { em, POLLIN, 0 } };
		std::string *to[2] = { &r.out, &r.err };
		const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
		while ((p[0].fd >= 0 || p[1].fd >= 0) && std::chrono::steady_clock::now() < deadline &&
		       ::poll(p, 2, 1000) >= 0) {
			for (int i = 0; i < 2; i++) {
				char buf[4096];
				if (p[i].fd < 0 || !p[i].revents)
					continue;
				const ssize_t n = ::read(p[i].fd, buf, sizeof(buf));
				if (n > 0) {
					to[i]->append(buf, n);
				} else {
					::close(p[i].fd);
					p[i].fd = -1;
				}
			}
		}
		for (auto &q : p)
			if (q.fd >= 0)
				::close(q.fd);
		int st = 0;
		::waitpid(pid, &st, 0);
		r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (err_to_file)
			r.err = slurp(errf);
		return r;
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

/* What the ring says is checked: a user_data never submitted is an error. */
TEST_F(Cli, ProbeRefusesACompletionItNeverSubmitted)
{
	std::string f = file("data", std::string(1 << 20, 'a'));

	/* the fake spoils the 10th entry it posts */
	Result r = run("probe " + f + " --count 16",
		       "LD_PRELOAD=" FAKE_AIO_ATTR_SO
		       " AIOATTR_DEV=/dev/aio_attr FAKE_AA_CORRUPT=user_data");
	EXPECT_EQ(r.code, 1) << r.out << r.err;
	EXPECT_NE(r.err.find("which was never submitted"), std::string::npos) << r.err;
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

/*
 * report reading a large log with stdout and stderr on a terminal shows its
 * progress on stderr once half a second has passed (the test stops the
 * process for 600 ms while it reads, so no machine is too fast for it) and
 * erases it; nothing of it on stdout, and none when stderr is not a
 * terminal or stdout is not.
 */
TEST_F(Cli, ReportShowsProgressOnATerminal)
{
	std::string log = "# aioattr attr_log 1\n# time_ms, lat_ns, ddir, bs, offset, service_ns\n";
	const std::string line = "12, 13450, 0, 4096, 1048576, 12001\n";
	for (unsigned int i = 0; i < (1u << 20); i++)
		log += line;
	const std::string p = file("big.log", log);

	Result r = run_on_ttys("report " + p, false, p);
	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_NE(r.out.find("I/Os: 1048576 ok"), std::string::npos) << r.out;
	EXPECT_EQ(r.out.find("aioattr: reading"), std::string::npos) << r.out;
	EXPECT_NE(r.err.find("\raioattr: reading " + p + ": "), std::string::npos) << r.err;
	EXPECT_NE(r.err.find(" MiB ("), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("\r\033[K"), std::string::npos) << "progress not erased: " << r.err;

	r = run_on_ttys("report " + p, true, p);
	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(r.err.find("reading"), std::string::npos) << r.err;
	r = run_on_ttys("report " + p + " >" + dir + "/out", false, p);
	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(r.err.find("reading"), std::string::npos) << r.err;
}

/* probe: an attribute filled for some reads only is MIXED, with the last value seen. */
TEST_F(Cli, ProbeSaysMixed)
{
	std::string f = file("data", std::string(1 << 20, 'a'));
	Result r = run("probe " + f, "LD_PRELOAD=" FAKE_AIO_ATTR_SO " FAKE_AA_CRYPT_EVERY=2");

	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_NE(r.out.find("crypt_ns        MIXED          2 of 4   1.00us (1000 ns)"),
		  std::string::npos)
		<< r.out;
}

/* report - reads the log from stdin, and says the same as for the file. */
TEST_F(Cli, ReportReadsStdin)
{
	std::string p = file("io.log", "# aioattr attr_log 1\n# time_ms, lat_ns, ddir, bs, offset, cache\n"
				       "1, 3000, 0, 4096, 0, 1\n2, 5000, 0, 4096, 4096, 2\n");
	Result a = run("report " + p);
	Result b = run("report -", "", p);

	ASSERT_EQ(a.code, 0) << a.err;
	ASSERT_EQ(b.code, 0) << b.err;
	EXPECT_NE(b.out.find("hit 50.00%"), std::string::npos) << b.out;
	EXPECT_EQ(a.out.substr(a.out.find('\n')), b.out.substr(b.out.find('\n')));
}
