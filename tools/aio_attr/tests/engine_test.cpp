// SPDX-License-Identifier: GPL-2.0
/*
 * The fio engine end to end on the host: the fio binary of the configured
 * source tree the engine was built against loads aioattr.so, with
 * fake_aio_attr.so preloaded in place of the module.  This runs the
 * engine's real ring consumer (skip entries, the overflow list, EAGAIN,
 * refused and failed requests), its options, report, JSON and log.
 * Skipped when the fio tree (tools/testing/vm/build-fio.sh) is not built.
 */
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

struct Result {
	int code = -1;
	std::string out;
};

std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream s;

	s << f.rdbuf();
	return s.str();
}

bool exists(const std::string &p)
{
	struct stat st;

	return ::stat(p.c_str(), &st) == 0;
}

/* The object of attribute @attr in an aioattr JSON report, "" if none. */
std::string attr_obj(const std::string &json, const std::string &attr)
{
	auto p = json.find("\"" + attr + "\": {");
	if (p == std::string::npos)
		return {};
	return json.substr(p, json.find('}', p) - p + 1);
}

/* A number field of @obj ("" if none). */
std::string field(const std::string &obj, const std::string &name)
{
	std::smatch m;

	if (std::regex_search(obj, m, std::regex("\"" + name + "\": ([0-9.]+)")))
		return m[1];
	return {};
}

class Engine : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (!exists(AIOATTR_ENGINE) || !exists(AIOATTR_FIO))
			GTEST_SKIP() << "no fio engine built (needs the configured fio tree of "
					"tools/testing/vm/build-fio.sh)";
		char tmpl[] = "/tmp/aioattr-engine-test.XXXXXX";

		ASSERT_NE(mkdtemp(tmpl), nullptr);
		dir = tmpl;
	}
	void TearDown() override
	{
		if (!dir.empty())
			(void)std::system(("rm -rf '" + dir + "'").c_str());
	}

	/* fio in dir with the engine on a 4 MiB file; @args and @env added. */
	Result fio(const std::string &args, const std::string &env = "")
	{
		Result r;
		const std::string out = dir + "/fio.out";
		const std::string cmd =
			"cd '" + dir + "' && env LD_PRELOAD=" FAKE_AIO_ATTR_SO " " + env +
			" " AIOATTR_FIO " --name=t --ioengine=external:" AIOATTR_ENGINE
			" --filename=" +
			dir + "/data --size=4m --bs=4k " + args + " >" + out + " 2>&1 </dev/null";
		int st = std::system(cmd.c_str());

		r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		r.out = slurp(out);
		return r;
	}

	std::string dir;
};

} // namespace

TEST_F(Engine, VerifyJobReportJsonAndLog)
{
	Result r = fio("--rw=randwrite --iodepth=16 --verify=crc32c --do_verify=1 --verify_fatal=1 "
		       "--attrs=all --attr_log=t.log --attr_json=t.json");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_NE(r.out.find("aioattr report: fio job \"t\" (job 1)"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("I/Os: 2048 ok, 0 failed"), std::string::npos) << r.out;
	EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  crypt_ns +0 +2048  UNSUPPORTED")))
		<< r.out;

	const std::string j = slurp(dir + "/t.json");
	EXPECT_EQ(field(j, "ios"), "2048") << j;
	EXPECT_EQ(field(attr_obj(j, "service_ns"), "handled"), "2048") << j;
	EXPECT_EQ(field(attr_obj(j, "crypt_ns"), "unsupported"), "2048") << j;
	EXPECT_EQ(field(attr_obj(j, "crypt_ns"), "handled"), "0") << j;
	EXPECT_EQ(field(attr_obj(j, "cache"), "hit_ratio"), "0.500000")
		<< j; /* the fake: even blocks hit */

	const std::string log = slurp(dir + "/t.log");
	EXPECT_EQ(
		log.rfind("# aioattr attr_log 1\n# time_ms, lat_ns, ddir, bs, offset, service_ns, "
			  "queue_ns, device_ns, cache, crypt_ns, completion_ctx, pagecache\n",
			  0),
		0u)
		<< log.substr(0, 200);
	std::size_t lines = 0;
	for (char c : log)
		lines += c == '\n';
	EXPECT_EQ(lines, 2048u + 2);

	/* aioattr report of the log prints the engine's numbers. */
	const std::string rep = dir + "/r.json";
	ASSERT_EQ(
		std::system((std::string(AIOATTR_BIN) + " report --json " + dir + "/t.log >" + rep)
				    .c_str()),
		0);
	const std::string rj = slurp(rep);
	for (const char *a : { "service_ns", "device_ns", "cache", "crypt_ns", "completion_ctx" })
		EXPECT_EQ(attr_obj(rj, a), attr_obj(j, a)) << a;
}

TEST_F(Engine, SmallRingOverflowsAndNothingIsLost)
{
	Result r = fio("--rw=randrw --iodepth=64 --iodepth_batch_submit=64 --ring_kb=2 "
		       "--verify=crc32c --attrs=all");

	ASSERT_EQ(r.code, 0) << r.out;
	std::smatch m;
	ASSERT_TRUE(
		std::regex_search(r.out, m,
				  std::regex("ring: 2048 bytes, ([0-9]+) events, ([0-9]+) of them "
					     "through the overflow list")))
		<< r.out;
	EXPECT_GT(std::stoul(m[2]), 0u);
	EXPECT_NE(r.out.find("0 failed"), std::string::npos) << r.out;
}

TEST_F(Engine, EagainWaitsForCompletions)
{
	Result r = fio("--rw=randread --iodepth=32 --ring_kb=2 --attrs=cache",
		       "FAKE_AA_MAX_INFLIGHT=4");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_NE(r.out.find("I/Os: 1024 ok, 0 failed"), std::string::npos) << r.out;
}

TEST_F(Engine, FailedIosAreCountedNotMeasured)
{
	Result r = fio("--rw=randread --iodepth=8 --attrs=service_ns --continue_on_error=all "
		       "--attr_json=t.json --attr_log=t.log",
		       "FAKE_AA_FAIL_EVERY=64");
	const std::string j = slurp(dir + "/t.json");

	EXPECT_NE(r.out.find("I/Os: 1008 ok, 16 failed"), std::string::npos) << r.out;
	EXPECT_EQ(field(j, "errors"), "16") << j;
	EXPECT_EQ(field(attr_obj(j, "service_ns"), "handled"), "1008") << j;

	/* Without continue_on_error fio stops at the first error, and says where. */
	r = fio("--rw=read --iodepth=4 --attrs=service_ns", "FAKE_AA_FAIL_EVERY=10");
	EXPECT_NE(r.code, 0);
	EXPECT_NE(r.out.find("Input/output error"), std::string::npos) << r.out;
}

TEST_F(Engine, BadAttrsStopFio)
{
	Result r = fio("--rw=read --attrs=service_ns,bogus");

	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.out.find("fio: aioattr: attrs=service_ns,bogus: unknown attribute \"bogus\" "
			     "(valid: service_ns, queue_ns, device_ns, cache, crypt_ns, "
			     "completion_ctx, pagecache, all, none)"),
		  std::string::npos)
		<< r.out;
	EXPECT_EQ(r.out.find("Run status"), std::string::npos) << r.out;
	EXPECT_FALSE(exists(dir + "/data")) << "fio laid out the file before failing";
}

TEST_F(Engine, JsonOutputFormatWritesASeparateReport)
{
	Result r = fio("--rw=randread --attrs=cache --output-format=json --output=fio.json");

	ASSERT_EQ(r.code, 0) << r.out;
	const std::string fj = slurp(dir + "/fio.json");
	/* fio's own JSON is one untouched document: no report text, no report object in it. */
	EXPECT_EQ(fj.find("aioattr report"), std::string::npos) << fj;
	EXPECT_EQ(fj.find("aioattr_report"), std::string::npos) << fj;
	EXPECT_EQ(fj.rfind("{", 0), 0u) << fj.substr(0, 100);
	EXPECT_EQ(fj.substr(fj.size() - 2), "}\n");
	const std::string j = slurp(dir + "/t.aioattr.json");
	EXPECT_EQ(j.rfind("{\"aioattr_report\": 1", 0), 0u) << j;
	EXPECT_EQ(field(attr_obj(j, "cache"), "handled"), "1024") << j;
}

TEST_F(Engine, SeveralJobsWriteSeparateFiles)
{
	Result r = fio("--rw=randread --numjobs=2 --attrs=cache --attr_log=l --attr_json=j");

	ASSERT_EQ(r.code, 0) << r.out;
	for (const char *f : { "l.1", "l.2", "j.1", "j.2" })
		EXPECT_TRUE(exists(dir + "/" + f)) << f;
	EXPECT_NE(r.out.find("(job 2)"), std::string::npos) << r.out;
}

TEST_F(Engine, TrimIsRefused)
{
	Result r = fio("--rw=randtrim --attrs=cache");

	EXPECT_NE(r.code, 0);
	EXPECT_NE(r.out.find("Operation not supported"), std::string::npos) << r.out;
}

namespace {

/* The counter @name of line @n of a FAKE_AA_LOG file, -1 if none. */
long long ctx_counter(const std::string &log, unsigned n, const std::string &name)
{
	std::istringstream in(log);
	std::string line;
	std::smatch m;

	for (unsigned i = 0; std::getline(in, line); i++)
		if (i == n)
			return std::regex_search(line, m, std::regex(" " + name + "=([0-9]+)"))
				       ? std::stoll(m[1])
				       : -1;
	return -1;
}

unsigned count_lines(const std::string &s)
{
	unsigned n = 0;

	for (char c : s)
		n += c == '\n';
	return n;
}

} // namespace

/* iodepth=1: every commit fills the queue, so every submission also waits. */
TEST_F(Engine, Qd1SubmitsAndWaitsInOneCall)
{
	Result r = fio("--rw=randread --iodepth=1 --attrs=service_ns", "FAKE_AA_LOG=ctx.log");
	const std::string log = slurp(dir + "/ctx.log");

	ASSERT_EQ(r.code, 0) << r.out;
	ASSERT_EQ(count_lines(log), 1u) << log;
	EXPECT_EQ(ctx_counter(log, 0, "version"), 2) << log;
	EXPECT_EQ(ctx_counter(log, 0, "requests"), 1024) << log;
	EXPECT_EQ(ctx_counter(log, 0, "submits"), 1024) << log;
	EXPECT_EQ(ctx_counter(log, 0, "submit_waits"), 1024) << log;
	EXPECT_EQ(ctx_counter(log, 0, "waits"), 0) << log;
	EXPECT_NE(r.out.find("system calls: 1024 submit (1024 of them waiting), 0 wait for "
			     "1024 I/Os: 1.00 per I/O\n"),
		  std::string::npos)
		<< r.out;
}

/* Deeper queues wait only in the submission that fills the queue. */
TEST_F(Engine, DeepQueueWaitsOnlyWhenFull)
{
	Result r = fio("--rw=randread --iodepth=16 --iodepth_batch_submit=4 --attrs=cache",
		       "FAKE_AA_LOG=ctx.log");
	const std::string log = slurp(dir + "/ctx.log");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_EQ(ctx_counter(log, 0, "requests"), 1024) << log;
	EXPECT_LT(ctx_counter(log, 0, "submit_waits"), ctx_counter(log, 0, "submits")) << log;
}

/* A kernel without version 2 gets a version 1 context and two-call I/O. */
TEST_F(Engine, Version1KernelFallsBack)
{
	Result r = fio("--rw=randwrite --iodepth=1 --verify=crc32c --attrs=all",
		       "FAKE_AA_VERSION=1 FAKE_AA_LOG=ctx.log");
	const std::string log = slurp(dir + "/ctx.log");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_EQ(ctx_counter(log, 0, "version"), 1) << log;
	EXPECT_EQ(ctx_counter(log, 0, "submit_waits"), 0) << log;
	EXPECT_EQ(ctx_counter(log, 0, "requests"), 2048) << log;
	EXPECT_NE(r.out.find("the kernel cannot wait in submit"), std::string::npos) << r.out;
}

TEST_F(Engine, FixedBufsRegisterOnceAndVerify)
{
	Result r = fio("--rw=randwrite --iodepth=8 --fixedbufs=1 --verify=crc32c --do_verify=1 "
		       "--verify_fatal=1 --attrs=service_ns",
		       "FAKE_AA_LOG=ctx.log");
	const std::string log = slurp(dir + "/ctx.log");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_EQ(ctx_counter(log, 0, "buffers"), 1) << log;
	EXPECT_EQ(ctx_counter(log, 0, "requests"), 2048) << log;
	EXPECT_EQ(ctx_counter(log, 0, "fixed"), 2048) << log;
	EXPECT_NE(r.out.find("; registered buffers\n"), std::string::npos) << r.out;

	/* Without the option nothing is registered. */
	std::remove((dir + "/ctx.log").c_str());
	r = fio("--rw=randread --attrs=service_ns", "FAKE_AA_LOG=ctx.log");
	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_EQ(ctx_counter(slurp(dir + "/ctx.log"), 0, "fixed"), 0);
}

TEST_F(Engine, FixedBufsNeedKernelSupport)
{
	Result r = fio("--rw=randread --fixedbufs --attrs=cache", "FAKE_AA_VERSION=1");

	EXPECT_NE(r.code, 0);
	EXPECT_NE(r.out.find("fio: aioattr: fixedbufs=1: this kernel has no registered buffers "
			     "(AIO_ATTR_FEAT_FIXED_BUFS; ABI version 1)"),
		  std::string::npos)
		<< r.out;
	EXPECT_NE(r.out.find("io engine aioattr init failed"), std::string::npos) << r.out;
}

/* Memory the kernel pins for long works; a mapped file on a disk is refused. */
TEST_F(Engine, FixedBufsTakeAnyPinnableMemory)
{
	Result r = fio("--rw=randread --fixedbufs=1 --mem=mmapshared --attrs=cache");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_NE(r.out.find("; registered buffers\n"), std::string::npos) << r.out;

	struct statfs fs;
	const std::string file = AIOATTR_TEST_DISK_DIR "/fixedbufs-mmap.buf";

	ASSERT_EQ(::statfs(AIOATTR_TEST_DISK_DIR, &fs), 0);
	if (fs.f_type == 0x01021994 /* TMPFS_MAGIC */)
		GTEST_SKIP() << AIOATTR_TEST_DISK_DIR << " is on tmpfs, whose files can be pinned";
	r = fio("--rw=randread --fixedbufs=1 --mem=mmap:" + file + " --attrs=cache");
	std::remove(file.c_str());
	EXPECT_NE(r.code, 0);
	EXPECT_NE(r.out.find("AIO_ATTR_IOC_REGISTER_BUFFERS of "), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("Operation not supported (the kernel pins anonymous, shmem and "
			     "hugetlbfs memory, not other file mappings: use mem=malloc)"),
		  std::string::npos)
		<< r.out;
}

/* Every job has a context of its own. */
TEST_F(Engine, EveryJobHasItsOwnContext)
{
	Result r =
		fio("--rw=randread --numjobs=2 --iodepth=1 --attrs=cache", "FAKE_AA_LOG=ctx.log");
	const std::string log = slurp(dir + "/ctx.log");

	ASSERT_EQ(r.code, 0) << r.out;
	ASSERT_EQ(count_lines(log), 2u) << log;
	EXPECT_EQ(ctx_counter(log, 0, "requests"), 1024) << log;
	EXPECT_EQ(ctx_counter(log, 1, "requests"), 1024) << log;
}
