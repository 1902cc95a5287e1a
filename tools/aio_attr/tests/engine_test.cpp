// SPDX-License-Identifier: GPL-2.0
/*
 * The fio engine end to end on the host: the fio binary of the configured
 * source tree the engine was built against loads aioattr.so, with
 * fake_aio_attr.so preloaded in place of the module.  This runs the
 * engine's real ring consumer (skip entries, the overflow list, EAGAIN,
 * refused and failed requests), its options, report, JSON and log.
 * Without the fio tree (tools/testing/vm/build-fio.sh) they skip in a
 * plain cmake build and fail in `make utest` / `make check`
 * (AIOATTR_REQUIRE_ENGINE), which build the tree first.
 */
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <linux/aio_attr.h>

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

unsigned count_lines(const std::string &s);

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
		if (!exists(AIOATTR_ENGINE) || !exists(AIOATTR_FIO)) {
			if (AIOATTR_REQUIRE_ENGINE)
				FAIL() << "no fio engine or fio at " AIOATTR_FIO;
			GTEST_SKIP() << "no fio engine built (needs the configured fio tree of "
					"tools/testing/vm/build-fio.sh)";
		}
		char tmpl[] = "/tmp/aioattr-engine-test.XXXXXX";

		ASSERT_NE(mkdtemp(tmpl), nullptr);
		dir = tmpl;
	}
	void TearDown() override
	{
		if (!dir.empty())
			(void)std::system(("rm -rf '" + dir + "'").c_str());
	}

	/*
	 * fio in dir with the engine on a 4 MiB file; @args and @env added.
	 * stdout and stderr together in out, or stderr in @err when given.
	 */
	Result fio(const std::string &args, const std::string &env = "", std::string *err = nullptr)
	{
		Result r;
		const std::string out = dir + "/fio.out", errf = dir + "/fio.err";
		const std::string cmd =
			"cd '" + dir + "' && env LD_PRELOAD=" FAKE_AIO_ATTR_SO " " + env +
			" " AIOATTR_FIO " --name=t --ioengine=external:" AIOATTR_ENGINE
			" --filename=" +
			dir + "/data --size=4m --bs=4k " + args + " >" + out +
			(err ? " 2>" + errf : " 2>&1") + " </dev/null";
		int st = std::system(cmd.c_str());

		r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		r.out = slurp(out);
		if (err)
			*err = slurp(errf);
		return r;
	}

	/*
	 * Python's json module on file @name in dir: the value of @expr over the
	 * document d, or "error: ..." when the file is not one JSON document.
	 */
	std::string json(const std::string &name, const std::string &expr)
	{
		const std::string out = dir + "/py.out";
		const std::string cmd =
			"python3 -c 'import json, sys\ntry:\n d = json.load(open(sys.argv[1]))\n"
			"except ValueError as e:\n print(\"error:\", e); sys.exit()\n"
			"print(eval(sys.argv[2]))' '" +
			dir + "/" + name + "' \"" + expr + "\" >" + out + " 2>&1";

		(void)std::system(cmd.c_str());
		std::string v = slurp(out);
		while (!v.empty() && v.back() == '\n')
			v.pop_back();
		return v;
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
	/* ring_kb=0: two iodepths of events with every attribute, as a power of two */
	std::size_t ring = 4096;
	while (ring < 2 * 16 * AIO_ATTR_EVENT_BYTES(AIO_ATTR_NR))
		ring *= 2;
	EXPECT_NE(r.out.find("  ring: " + std::to_string(ring) + " bytes, 2048 events"),
		  std::string::npos)
		<< r.out;
	EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  write: 1024 ok, 0 failed\n(.*\n)*"
							 "    crypt_ns +0 +1024  UNSUPPORTED")))
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
	/* failed I/Os have no line in the log */
	EXPECT_EQ(count_lines(slurp(dir + "/t.log")), 1008u + 2);

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

/* A request longer than an sqe's 32-bit length is refused, never sent. */
TEST_F(Engine, RequestOver4GiBIsRefused)
{
	/* sparse and big enough: fio reads it as it is instead of laying it out */
	std::ofstream(dir + "/data").close();
	ASSERT_EQ(::truncate((dir + "/data").c_str(), 8LL << 30), 0) << std::strerror(errno);
	Result r = fio("--rw=read --size=8g --bs=5g --iodepth=1 --number_ios=1 --attrs=cache");

	EXPECT_NE(r.code, 0);
	EXPECT_NE(r.out.find("Argument list too long"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("system calls: 0 submit"), std::string::npos) << r.out;
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
	EXPECT_EQ(ctx_counter(log, 0, "version"), AIO_ATTR_VERSION) << log;
	EXPECT_EQ(ctx_counter(log, 0, "requests"), 1024) << log;
	EXPECT_EQ(ctx_counter(log, 0, "submits"), 1024) << log;
	EXPECT_EQ(ctx_counter(log, 0, "submit_waits"), 1024) << log;
	EXPECT_EQ(ctx_counter(log, 0, "waits"), 0) << log;
	EXPECT_NE(r.out.find("system calls: 1024 submit (1024 of them waiting), 0 wait for "
			     "1024 I/Os: 1.00 per I/O; submission queue\n"),
		  std::string::npos)
		<< r.out;
}

/* sqring=0, or a version 2 kernel: AIO_ATTR_IOC_SUBMIT, still one call per I/O. */
TEST_F(Engine, WithoutSubmissionQueueSubmitWaits)
{
	for (const char *how : { "--sqring=0|", "|FAKE_AA_VERSION=2" }) {
		const std::string h(how);
		const std::string opt = h.substr(0, h.find('|'));
		const std::string env = h.substr(h.find('|') + 1);
		Result r = fio("--rw=randread --iodepth=1 --attrs=service_ns " + opt,
			       env + " FAKE_AA_LOG=ctx.log");
		const std::string log = slurp(dir + "/ctx.log");

		ASSERT_EQ(r.code, 0) << how << r.out;
		EXPECT_EQ(ctx_counter(log, 0, "submit_waits"), 1024) << how << log;
		EXPECT_NE(r.out.find("1024 I/Os: 1.00 per I/O\n"), std::string::npos)
			<< how << r.out;
		std::remove((dir + "/ctx.log").c_str());
	}
}

/* submit_wait=0: every submission returns at once, the waits are apart. */
TEST_F(Engine, SubmitWaitOffNeverWaitsInSubmit)
{
	Result r = fio("--rw=randread --iodepth=1 --submit_wait=0 --attrs=service_ns",
		       "FAKE_AA_LOG=ctx.log");
	const std::string log = slurp(dir + "/ctx.log");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_EQ(ctx_counter(log, 0, "version"), AIO_ATTR_VERSION) << log;
	EXPECT_EQ(ctx_counter(log, 0, "requests"), 1024) << log;
	EXPECT_EQ(ctx_counter(log, 0, "submit_waits"), 0) << log;
	EXPECT_NE(r.out.find("0 of them waiting"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("; submit_wait=0"), std::string::npos) << r.out;
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

namespace {

std::size_t count_of(const std::string &s, const std::string &what)
{
	std::size_t n = 0;

	for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1))
		n++;
	return n;
}

} // namespace

/*
 * ramp_time: the engine counts what fio counts - fio's own latency samples
 * (lat_ns.N) per direction - not the I/Os of the ramp.
 */
TEST_F(Engine, RampTimeCountsEqualFios)
{
	Result r = fio("--rw=randrw --iodepth=4 --time_based --ramp_time=400ms --runtime=600ms "
		       "--attrs=cache --attr_log=t.log --output-format=json --output=fio.json");

	ASSERT_EQ(r.code, 0) << r.out;
	for (const char *d : { "read", "write" }) {
		const std::string fio_n = json("fio.json", std::string("d['jobs'][0]['") + d +
								   "']['lat_ns']['N']");
		const std::string ours =
			json("t.aioattr.json", std::string("d['directions']['") + d + "']['ios']");

		EXPECT_EQ(ours, fio_n) << d;
		EXPECT_GT(std::stoul(fio_n), 0u) << d;
	}
	/* The ramp's I/Os happened: fio's own total since the start is larger. */
	const std::string all = json("t.aioattr.json", "d['ios']");
	const unsigned long log_lines = count_lines(slurp(dir + "/t.log")) - 2;
	EXPECT_EQ(std::to_string(log_lines), all);
	EXPECT_EQ(json("fio.json", "d['jobs'][0]['read']['lat_ns']['N'] + "
				   "d['jobs'][0]['write']['lat_ns']['N']"),
		  all);
}

/* stats=0: fio reports nothing of the job, neither does the engine. */
TEST_F(Engine, StatsOffReportsNothing)
{
	Result r = fio("--rw=randread --stats=0 --attrs=cache --attr_json=t.json --attr_log=t.log");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_EQ(r.out.find("aioattr report"), std::string::npos) << r.out;
	EXPECT_FALSE(exists(dir + "/t.json"));
	EXPECT_EQ(count_lines(slurp(dir + "/t.log")), 2u) << "only the header";
}

/* Warnings go to stderr: fio's JSON on stdout stays one document. */
TEST_F(Engine, JsonOnStdoutParsesWhileAWarningIsPrinted)
{
	std::string err;
	Result r = fio("--rw=randread --iodepth=32 --attrs=cache --output-format=json",
		       "FAKE_AA_MAX_INFLIGHT=4", &err);

	ASSERT_EQ(r.code, 0) << r.out << err;
	EXPECT_NE(err.find("fio: aioattr: iodepth=32 is above the module's max_inflight=4"),
		  std::string::npos)
		<< err;
	EXPECT_EQ(json("fio.out", "d['jobs'][0]['read']['lat_ns']['N']"), "1024") << r.out;
	EXPECT_EQ(json("t.aioattr.json", "d['directions']['read']['ios']"), "1024");
}

/* group_reporting: one report for the group, as fio prints one; processes and threads. */
TEST_F(Engine, GroupReportingGivesOneReport)
{
	for (const char *thread : { "", "--thread" }) {
		Result r = fio(std::string("--rw=randread --numjobs=3 --group_reporting --attrs=cache "
					   "--attr_json=j --attr_log=l ") +
			       thread);

		ASSERT_EQ(r.code, 0) << r.out;
		EXPECT_EQ(count_of(r.out, "aioattr report:"), 1u) << r.out;
		EXPECT_NE(r.out.find("aioattr report: fio group 0 \"t\" (3 jobs)\n"
				     "  I/Os: 3072 ok, 0 failed"),
			  std::string::npos)
			<< r.out;
		EXPECT_EQ(json("j", "d['directions']['read']['ios']"), "3072") << thread;
		EXPECT_FALSE(exists(dir + "/j.1"));

		/* aioattr report merges the jobs' logs into the same numbers. */
		ASSERT_EQ(std::system((std::string(AIOATTR_BIN) + " report --json " + dir +
				       "/l.1 " + dir + "/l.2 " + dir + "/l.3 >" + dir + "/r.json")
					      .c_str()),
			  0);
		EXPECT_EQ(json("r.json", "d['ios']"), "3072");
		EXPECT_EQ(json("r.json", "d['attributes']['cache']"),
			  json("j", "d['attributes']['cache']"));
	}

	/* Two groups (new_group): a report each, in files of their own. */
	const std::string job = " --rw=randread --numjobs=2 --group_reporting --attrs=cache "
				"--attr_json=j --size=4m --filename=" + dir + "/data";
	Result r = fio(job + " --name=u --new_group --ioengine=external:" AIOATTR_ENGINE + job);
	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_EQ(count_of(r.out, "aioattr report:"), 2u) << r.out;
	EXPECT_EQ(json("j.g0", "d['ios']"), "2048");
	EXPECT_EQ(json("j.g1", "d['ios']"), "2048");
}

/*
 * A job of the group whose ->init fails (here: its device cannot be
 * opened) leaves the group: the group's report still comes, for the job
 * that ran - also when that one finished first (startdelay).
 */
TEST_F(Engine, GroupReportingWhenAJobFailsInit)
{
	const std::string job =
		" --rw=randread --group_reporting --size=4m --filename=" + dir + "/data";
	Result r = fio(job + " --attrs=cache --name=u --ioengine=external:" AIOATTR_ENGINE + job +
		       " --attrs=cache --aio_attr_dev=/nonexistent/aio_attr --startdelay=1");

	EXPECT_NE(r.out.find("cannot open /nonexistent/aio_attr"), std::string::npos) << r.out;
	EXPECT_EQ(count_of(r.out, "aioattr report:"), 1u) << r.out;
	EXPECT_NE(r.out.find("aioattr report: fio group 0 \"t\" (1 jobs)\n"
			     "  I/Os: 1024 ok, 0 failed"),
		  std::string::npos)
		<< r.out;
}

/*
 * Requests an in-flight limit held back are submitted before ->getevents
 * gives up on min: at the end of a time_based job every I/O fio counts as
 * issued has run (the fake lets one completion wait beyond the ring).
 */
TEST_F(Engine, EveryIssuedIoRunsWhenALimitHeldSomeBack)
{
	Result r = fio("--rw=randread --iodepth=64 --ring_kb=2 --time_based --runtime=1 "
		       "--attrs=service_ns",
		       "FAKE_AA_MAX_INFLIGHT=1");

	ASSERT_EQ(r.code, 0) << r.out;
	std::smatch issued, ok;
	ASSERT_TRUE(std::regex_search(r.out, issued, std::regex("issued rwts: total=([0-9]+),")))
		<< r.out;
	ASSERT_TRUE(std::regex_search(r.out, ok, std::regex("I/Os: ([0-9]+) ok, 0 failed")))
		<< r.out;
	EXPECT_EQ(issued[1], ok[1]) << r.out;
}

/* randrw with syncs: rows of their own for reads, writes and syncs, counted as fio counts. */
TEST_F(Engine, RandrwHasRowsPerDirection)
{
	Result r = fio("--rw=randrw --iodepth=8 --fsync=16 --attrs=service_ns --attr_json=t.json");

	ASSERT_EQ(r.code, 0) << r.out;
	const std::string text = r.out.substr(r.out.find("aioattr report"));
	const auto rd = text.find("\n  read: "), wr = text.find("\n  write: "),
		   sy = text.find("\n  sync: ");
	ASSERT_NE(rd, std::string::npos) << text;
	ASSERT_NE(wr, std::string::npos) << text;
	ASSERT_NE(sy, std::string::npos) << text;
	EXPECT_LT(rd, wr);
	EXPECT_LT(wr, sy);
	EXPECT_EQ(count_of(text, "\n    service_ns "), 3u) << text;
	EXPECT_EQ(count_of(text, "\n    latency "), 3u) << text;

	/* fio's own count of each direction ("issued rwts: total=R,W,T,S"). */
	std::smatch m;
	ASSERT_TRUE(std::regex_search(r.out, m,
				      std::regex("issued rwts: total=([0-9]+),([0-9]+),0,([0-9]+)")))
		<< r.out;
	EXPECT_EQ(json("t.json", "d['directions']['read']['ios']"), m[1]);
	EXPECT_EQ(json("t.json", "d['directions']['write']['ios']"), m[2]);
	EXPECT_EQ(json("t.json", "d['directions']['sync']['ios']"), m[3]);
	EXPECT_GT(std::stoul(m[3]), 0u);
	EXPECT_EQ(json("t.json", "d['directions']['sync']['attributes']['service_ns']['handled']"),
		  m[3]);
	EXPECT_EQ(json("t.json", "d['ios']"),
		  std::to_string(std::stoul(m[1]) + std::stoul(m[2]) + std::stoul(m[3])));
}

/* attrs=none: I/O without attribute records, the report keeps its latency rows. */
TEST_F(Engine, AttrsNoneReportsLatencyOnly)
{
	Result r = fio("--rw=randread --attrs=none --attr_json=t.json --attr_log=t.log",
		       "FAKE_AA_LOG=ctx.log");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_NE(r.out.find("  attributes requested: none\n"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("\n    latency              1024 "), std::string::npos) << r.out;
	EXPECT_EQ(r.out.find("\n    service_ns"), std::string::npos) << r.out;
	EXPECT_EQ(json("t.json", "d['attributes']"), "{}");
	EXPECT_EQ(json("t.json", "d['latency_ns']['count']"), "1024");
	EXPECT_EQ(slurp(dir + "/t.log").rfind("# aioattr attr_log 1\n# time_ms, lat_ns, ddir, bs, "
					      "offset\n",
					      0),
		  0u);
}

/* aio_attr_dev= names the device; a missing one stops the job at init, saying so. */
TEST_F(Engine, DeviceOptionNamesTheDevice)
{
	Result r = fio("--rw=read --attrs=cache --aio_attr_dev=/nonexistent/aa");

	EXPECT_NE(r.code, 0);
	EXPECT_NE(r.out.find("fio: aioattr: cannot open /nonexistent/aa: No such file or "
			     "directory (is the aio_attr module loaded?)"),
		  std::string::npos)
		<< r.out;
}

/* Engine options are fio's only after --ioengine has loaded the engine. */
TEST_F(Engine, EngineOptionsComeAfterIoengine)
{
	const std::string out = dir + "/early.out";
	const std::string cmd = "cd '" + dir + "' && env LD_PRELOAD=" FAKE_AIO_ATTR_SO
				" " AIOATTR_FIO " --name=t --attrs=cache --ioengine=external:" AIOATTR_ENGINE
				" --filename=data --size=1m --rw=read >" + out + " 2>&1 </dev/null";
	const int st = std::system(cmd.c_str());

	EXPECT_FALSE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_NE(slurp(out).find("unrecognized option '--attrs=cache'"), std::string::npos)
		<< slurp(out);
}

/* end_fsync: fio does not account the final fsync, and neither does the engine. */
TEST_F(Engine, EndFsyncIsNotCounted)
{
	Result r = fio("--rw=write --end_fsync=1 --attrs=service_ns --output-format=json "
		       "--output=fio.json",
		       "FAKE_AA_LOG=ctx.log");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_EQ(json("fio.json", "d['jobs'][0]['sync']['lat_ns']['N']"), "0");
	EXPECT_EQ(json("fio.json", "d['jobs'][0]['write']['lat_ns']['N']"), "1024");
	EXPECT_EQ(json("t.aioattr.json", "sorted(d['directions'])"), "['write']");
	/* the fsync did go through the engine */
	const std::string log = slurp(dir + "/ctx.log");
	EXPECT_EQ(ctx_counter(log, 0, "requests"), 1025) << log;
}

/* An attribute the module does not know (an older kernel) stops the job at start. */
TEST_F(Engine, AttrTheKernelDoesNotKnowStopsTheJob)
{
	const std::string six = "FAKE_AA_ATTRS=" + std::to_string(AIO_ATTR_BIT(AIO_ATTR_PAGECACHE) - 1);
	Result r = fio("--rw=read --attrs=service_ns,pagecache", six);

	EXPECT_NE(r.code, 0) << r.out;
	EXPECT_NE(r.out.find("attribute \"pagecache\" is not known to the running kernel"),
		  std::string::npos)
		<< r.out;
	EXPECT_EQ(r.out.find("aioattr report"), std::string::npos) << r.out;

	/* "all" is what that kernel knows */
	r = fio("--rw=read --attrs=all --attr_json=t.json", six);
	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_NE(json("t.json", "d['attributes_requested']"), "") << r.out;
	EXPECT_EQ(json("t.json", "'pagecache' in d['attributes']"), "False");
	EXPECT_EQ(json("t.json", "'completion_ctx' in d['attributes']"), "True");
}

/*
 * A request SUBMIT refuses (with an errno other than EAGAIN) completes with
 * that error through ->getevents, so fio reports it against its offset.
 */
TEST_F(Engine, RefusedRequestFailsAtItsOffset)
{
	/* Refused by SUBMIT, or consumed by ENTER and completed with the errno. */
	for (const std::string sq : { "--sqring=1", "--sqring=0" }) {
		Result r = fio("--rw=read --iodepth=1 --attrs=service_ns " + sq,
			       "FAKE_AA_REFUSE_EVERY=5");

		EXPECT_NE(r.code, 0) << sq << r.out;
		EXPECT_NE(r.out.find("Operation not permitted: read offset=16384, buflen=4096"),
			  std::string::npos)
			<< sq << r.out;

		/*
		 * Told to go on (EPERM is not one of fio's non-fatal errors), the
		 * others complete and one in five is counted as failed.
		 */
		r = fio("--rw=read --iodepth=4 --attrs=service_ns --continue_on_error=all "
			"--ignore_error=EPERM " +
				sq,
			"FAKE_AA_REFUSE_EVERY=5");
		EXPECT_NE(r.out.find("I/Os: 820 ok, 204 failed"), std::string::npos) << sq << r.out;
		EXPECT_EQ(r.out.find("submission queue") != std::string::npos, sq == "--sqring=1")
			<< sq << r.out;
	}
}

/* A ring entry the kernel cannot have written stops the job with EBADMSG. */
TEST_F(Engine, MalformedRingEntryStopsTheJob)
{
	std::string err;
	Result r = fio("--rw=read --iodepth=4 --attrs=service_ns", "FAKE_AA_CORRUPT=len", &err);

	EXPECT_NE(r.code, 0) << r.out << err;
	EXPECT_NE(err.find("fio: aioattr: malformed completion ring entry"), std::string::npos)
		<< err;
	/* fio prints the negative errno getevents returned: -EBADMSG */
	EXPECT_NE(r.out.find("err=-" + std::to_string(EBADMSG)), std::string::npos) << r.out;

	r = fio("--rw=read --iodepth=4 --attrs=service_ns", "FAKE_AA_CORRUPT=user_data", &err);
	EXPECT_NE(r.code, 0) << r.out << err;
	EXPECT_NE(err.find("completion for user_data 1099511627776, which is not in flight"),
		  std::string::npos)
		<< err;
}

/* EAGAIN with nothing in flight: the engine retries the submission and the job ends well. */
TEST_F(Engine, EagainWithNothingInFlightIsRetried)
{
	Result r = fio("--rw=read --iodepth=4 --attrs=service_ns",
		       "FAKE_AA_EAGAIN_CALLS=100 FAKE_AA_LOG=ctx.log");
	const std::string log = slurp(dir + "/ctx.log");

	ASSERT_EQ(r.code, 0) << r.out;
	EXPECT_NE(r.out.find("I/Os: 1024 ok, 0 failed"), std::string::npos) << r.out;
	EXPECT_GT(ctx_counter(log, 0, "submits"), 100) << log;
	EXPECT_EQ(ctx_counter(log, 0, "requests"), 1024) << log;
}

/* ring_kb must be a power of two within the module's limits. */
TEST_F(Engine, RingKbOutsideTheLimitsStopsTheJob)
{
	Result r = fio("--rw=read --ring_kb=3 --attrs=service_ns");

	EXPECT_NE(r.code, 0) << r.out;
	EXPECT_NE(r.out.find("Invalid argument"), std::string::npos) << r.out;
	EXPECT_EQ(r.out.find("aioattr report"), std::string::npos) << r.out;
}

/* A ring_kb whose byte count does not fit 32 bits is refused, not wrapped. */
TEST_F(Engine, RingKbPastTheAbiLimitIsRefused)
{
	/* 4 GiB + 2 KiB: wrapped, the 2 KiB ring a module would accept */
	Result r = fio("--rw=read --ring_kb=4194306 --attrs=service_ns");

	EXPECT_NE(r.code, 0) << r.out;
	EXPECT_NE(r.out.find("ring_kb"), std::string::npos) << r.out;
	EXPECT_EQ(r.out.find("aioattr report"), std::string::npos) << r.out;
}
