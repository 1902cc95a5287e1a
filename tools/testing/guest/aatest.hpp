// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the aio_attr guest test programs.
 *
 * Each behaviour is one case run by Suite::run(): the case throws Fail or
 * Skip (or any std::exception, reported as a failure) and otherwise passes.
 * Results go to stdout as the harness expects:
 *	AATEST: PASS <id>
 *	AATEST: FAIL <id> <why>
 *	AATEST: SKIP <id> <why>
 * Lines starting with '#' are diagnostics.  Nothing here sleeps to
 * synchronise: waits are AIO_ATTR_IOC_WAIT or poll(2) with timeouts.
 */
#pragma once

#include <aio_attr/aio_attr.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <linux/fs.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace aatest {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

[[gnu::format(printf, 1, 2)]] inline std::string strf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	std::vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

struct Fail : std::runtime_error {
	using std::runtime_error::runtime_error;
};
struct Skip : std::runtime_error {
	using std::runtime_error::runtime_error;
};

/* Fail the current case with @why unless @ok. */
inline void require(bool ok, const std::string &why)
{
	if (!ok)
		throw Fail(why);
}

class Suite {
public:
	explicit Suite(std::string prefix)
	    : prefix_(std::move(prefix))
	{
	}

	/* Run one case named prefix.@name. */
	void run(std::string_view name, const std::function<void()> &body)
	{
		const std::string id = prefix_ + "." + std::string(name);

		try {
			body();
			std::printf("AATEST: PASS %s\n", id.c_str());
		} catch (const Skip &e) {
			std::printf("AATEST: SKIP %s %s\n", id.c_str(), oneline(e.what()).c_str());
		} catch (const std::exception &e) {
			std::printf("AATEST: FAIL %s %s\n", id.c_str(), oneline(e.what()).c_str());
			failed_++;
		}
		std::fflush(stdout);
	}

	int exit_code() const { return failed_ ? 1 : 0; }

private:
	static std::string oneline(std::string s)
	{
		for (char &c : s)
			if (c == '\n' || c == '\r')
				c = ' ';
		return s.empty() ? "(no reason given)" : s;
	}

	std::string prefix_;
	int failed_ = 0;
};

[[gnu::format(printf, 1, 2)]] inline void info(const char *fmt, ...)
{
	va_list ap;

	std::fputs("# ", stdout);
	va_start(ap, fmt);
	std::vprintf(fmt, ap);
	va_end(ap);
	std::fputc('\n', stdout);
	std::fflush(stdout);
}

/* A page-aligned buffer for O_DIRECT, zero-filled. */
class Buffer {
public:
	explicit Buffer(std::size_t len, std::size_t align = 4096)
	    : len_(len)
	{
		void *p = nullptr;

		if (posix_memalign(&p, align, len ? len : align))
			throw std::bad_alloc();
		std::memset(p, 0, len);
		p_.reset(static_cast<std::byte *>(p));
	}

	std::byte *data() const { return p_.get(); }
	std::size_t size() const { return len_; }
	std::span<std::byte> span() const { return { p_.get(), len_ }; }

private:
	struct Free {
		void operator()(std::byte *p) const { std::free(p); }
	};
	std::unique_ptr<std::byte, Free> p_;
	std::size_t len_;
};

/* Fill @buf with words naming (@seed, byte offset @pos + i) so misplaced data shows. */
inline void fill_pattern(std::span<std::byte> buf, uint64_t seed, uint64_t pos)
{
	for (std::size_t i = 0; i + 8 <= buf.size(); i += 8) {
		const uint64_t v = (seed << 40) ^ (pos + i) ^ 0x5a5a000000000000ULL;

		std::memcpy(buf.data() + i, &v, 8);
	}
}

/* Offset of the first byte differing from the pattern, or -1. */
inline long check_pattern(std::span<const std::byte> buf, uint64_t seed, uint64_t pos)
{
	for (std::size_t i = 0; i + 8 <= buf.size(); i += 8) {
		const uint64_t v = (seed << 40) ^ (pos + i) ^ 0x5a5a000000000000ULL;

		if (std::memcmp(buf.data() + i, &v, 8))
			return static_cast<long>(i);
	}
	return -1;
}

inline uint64_t bdev_bytes(int fd)
{
	uint64_t bytes = 0;

	if (::ioctl(fd, BLKGETSIZE64, &bytes) < 0)
		aio_attr::throw_errno("BLKGETSIZE64");
	return bytes;
}

/*
 * Reap until @n completions were seen or @timeout passed, appending them
 * to @out.  Returns false on timeout.  Flushes the overflow list as needed.
 */
inline bool collect(aio_attr::Context &ctx, std::size_t n, std::vector<aio_attr::Completion> &out,
		    std::chrono::nanoseconds timeout = 10s)
{
	const auto deadline = clock::now() + timeout;
	std::size_t got = 0;

	for (;;) {
		got += ctx.reap([&](const aio_attr::Completion &c) { out.push_back(c); }, n - got);
		if (got >= n)
			return true;
		const auto left = deadline - clock::now();
		if (left <= 0ns)
			return false;
		ctx.wait(1, std::chrono::duration_cast<std::chrono::nanoseconds>(left));
	}
}

/* collect() that fails the case on timeout. */
inline std::vector<aio_attr::Completion> collect_n(aio_attr::Context &ctx, std::size_t n,
						   std::chrono::nanoseconds timeout = 10s)
{
	std::vector<aio_attr::Completion> out;

	if (!collect(ctx, n, out, timeout))
		throw Fail(strf(
			"only %zu of %zu completions within %lld ms", out.size(), n,
			(long long)std::chrono::duration_cast<std::chrono::milliseconds>(timeout)
				.count()));
	return out;
}

/* Submit all of @sqes; fails the case unless every one is accepted. */
inline void submit_all(aio_attr::Context &ctx, std::span<const aio_attr_sqe> sqes)
{
	const aio_attr::SubmitResult r = ctx.submit(sqes);

	if (!r.ok() || r.accepted != sqes.size())
		throw Fail(strf("submit accepted %u of %zu: %s", r.accepted, sqes.size(),
				std::strerror(r.error)));
}

/* One request, one completion: returns it. */
inline aio_attr::Completion do_one(aio_attr::Context &ctx, const aio_attr_sqe &sqe,
				   std::chrono::nanoseconds timeout = 10s)
{
	submit_all(ctx, { &sqe, 1 });
	auto v = collect_n(ctx, 1, timeout);
	require(v[0].user_data == sqe.user_data,
		strf("user_data %llu, expected %llu", (unsigned long long)v[0].user_data,
		     (unsigned long long)sqe.user_data));
	return v[0];
}

/* The result of @c must be @expect bytes. */
inline void require_result(const aio_attr::Completion &c, int64_t expect)
{
	if (c.result != expect)
		throw Fail(strf("user_data %llu: result %lld (%s), expected %lld",
				(unsigned long long)c.user_data, (long long)c.result,
				c.result < 0 ? std::strerror((int)-c.result) : "bytes",
				(long long)expect));
}

/* The record of @id must be present with @status; returns its value. */
inline uint64_t require_attr(const aio_attr::Completion &c, unsigned id, unsigned status)
{
	const aio_attr::Attr *a = c.find(id);

	require(a != nullptr, strf("no %s record in %s", aio_attr::attr_name(id).data(),
				   aio_attr::format_completion(c).c_str()));
	require(a->status == status, strf("%s is %s, expected %s", aio_attr::attr_name(id).data(),
					  aio_attr::format_status(a->status).c_str(),
					  aio_attr::format_status(status).c_str()));
	return a->value;
}

/* Read a decimal number from a sysfs file; -1 when unreadable. */
inline long long read_sysfs_num(const char *path)
{
	char buf[64] = {};
	const int fd = ::open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	const ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
	::close(fd);
	if (n <= 0)
		return -1;
	return std::strtoll(buf, nullptr, 10);
}

/* The module's statistics directory and one of its counters (-1 if unreadable). */
inline constexpr const char *aa_sysfs = "/sys/class/misc/aio_attr/";

inline long long aa_stat(const char *name)
{
	return read_sysfs_num((std::string(aa_sysfs) + name).c_str());
}

/*
 * Read @read every @every until it returns @want or @timeout passes, for
 * counters nothing can wait on; return the last value read.
 */
inline long long wait_value(const std::function<long long()> &read, long long want,
			    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
			    std::chrono::milliseconds every = std::chrono::milliseconds(10))
{
	const auto deadline = clock::now() + timeout;
	long long v;

	while ((v = read()) != want && clock::now() < deadline)
		::poll(nullptr, 0, static_cast<int>(every.count()));
	return v;
}

/*
 * Wait until the counter @name of /sys/class/misc/aio_attr/ equals @want
 * (contexts and inflight drop when the kernel frees them, possibly later
 * than close() returns).  sysfs cannot notify, so this polls every 10 ms
 * up to @timeout.  Returns the last value read.
 */
inline long long wait_stat(const char *name, long long want,
			   std::chrono::milliseconds timeout = std::chrono::milliseconds(10000))
{
	return wait_value([name] { return aa_stat(name); }, want, timeout);
}

/*
 * Fail unless the module's contexts and inflight counters come back to
 * @contexts and @inflight within @timeout: everything a test opened and
 * submitted, killed or closed with I/O in flight, was freed.
 */
inline void require_drained(long long contexts, long long inflight,
			    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000))
{
	const long long c = wait_stat("contexts", contexts, timeout);
	const long long i = wait_stat("inflight", inflight, timeout);

	require(c == contexts && i == inflight,
		strf("contexts %lld inflight %lld, expected %lld and %lld", c, i, contexts,
		     inflight));
}

/* Run @cmd with the shell; fails the case unless it exits with 0. */
inline void run_cmd(const std::string &cmd)
{
	const int st = std::system(cmd.c_str());

	if (st != 0)
		throw Fail(strf("'%s' failed (status %#x)", cmd.c_str(), st));
}

/*
 * The dm device @name suspended for the life of the object and resumed
 * after (or by resume()): I/O to it waits until then, with no timing
 * involved.
 */
class HeldDm {
public:
	explicit HeldDm(std::string name)
	    : name_(std::move(name))
	{
		run_cmd("dmsetup suspend " + name_);
	}
	HeldDm(const HeldDm &) = delete;
	HeldDm &operator=(const HeldDm &) = delete;
	~HeldDm() { resume(); }
	void resume()
	{
		if (!resumed_ && std::system(("dmsetup resume " + name_).c_str()) == 0)
			resumed_ = true;
	}

private:
	std::string name_;
	bool resumed_ = false;
};

/* Busy-wait @n iterations: a random moment, finer than any sleep. */
inline void spin(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		asm volatile("" ::: "memory");
}

/*
 * Signal the thread that makes the object with SIGUSR1 every 10 ms (at
 * most 1000 times) until stop() or the end of its life, so that a
 * blocking call it makes in between surely sees one arrive.  The handler
 * does nothing and has SA_RESTART: a call the kernel restarted instead of
 * returning would show as work done twice.  It stays installed.
 */
class SignalStorm {
public:
	SignalStorm()
	    : self_(::pthread_self())
	{
		struct sigaction sa {};

		sa.sa_handler = [](int) {
		};
		sa.sa_flags = SA_RESTART;
		if (::sigaction(SIGUSR1, &sa, nullptr))
			throw Fail("sigaction(SIGUSR1)");
		t_ = std::thread([this] {
			for (int i = 0; i < 1000 && !done_.load(); i++) {
				::pthread_kill(self_, SIGUSR1);
				std::this_thread::sleep_for(std::chrono::milliseconds(10));
			}
		});
	}
	SignalStorm(const SignalStorm &) = delete;
	SignalStorm &operator=(const SignalStorm &) = delete;
	~SignalStorm() { stop(); }
	void stop()
	{
		done_ = true;
		if (t_.joinable())
			t_.join();
	}

private:
	pthread_t self_;
	std::atomic<bool> done_{ false };
	std::thread t_;
};

/* Write @value to a sysfs or procfs file; throws std::system_error. */
inline void write_file(const std::string &path, const std::string &value)
{
	const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		aio_attr::throw_errno(path.c_str());
	const ssize_t n = ::write(fd, value.data(), value.size());
	const int err = errno;
	::close(fd);
	if (n != static_cast<ssize_t>(value.size()))
		aio_attr::throw_errno(n < 0 ? err : EIO, path.c_str());
}

/*
 * Pages pinned (FOLL_PIN) and not yet unpinned, system-wide, from
 * /proc/vmstat; -1 when the counters are missing.  In the guest only
 * aio_attr pins: registered buffers, and the user pages of a request
 * until it ends (before its event is posted).  The counters keep per-CPU
 * deltas: vm.stat_refresh folds them first (root only).
 */
inline long long pins_outstanding()
{
	write_file("/proc/sys/vm/stat_refresh", "1");
	std::ifstream f("/proc/vmstat");
	std::string key;
	long long v, acquired = -1, released = -1;

	while (f >> key >> v) {
		if (key == "nr_foll_pin_acquired")
			acquired = v;
		else if (key == "nr_foll_pin_released")
			released = v;
	}
	return acquired < 0 || released < 0 ? -1 : acquired - released;
}

/* Voluntary context switches of the calling thread so far. */
inline long voluntary_switches()
{
	struct rusage ru {};

	require(!::getrusage(RUSAGE_THREAD, &ru), "getrusage");
	return ru.ru_nvcsw;
}

/* The storage bytes /proc/self/io charges to this process. */
struct IoCount {
	uint64_t read_bytes = 0;
	uint64_t write_bytes = 0;
};

inline IoCount io_count()
{
	std::FILE *f = std::fopen("/proc/self/io", "re");
	IoCount c;
	char line[128];
	int seen = 0;

	if (!f)
		throw Skip("no /proc/self/io (CONFIG_TASK_IO_ACCOUNTING)");
	while (std::fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (std::sscanf(line, "read_bytes: %llu", &v) == 1) {
			c.read_bytes = v;
			seen++;
		} else if (std::sscanf(line, "write_bytes: %llu", &v) == 1) {
			c.write_bytes = v;
			seen++;
		}
	}
	std::fclose(f);
	require(seen == 2, "read_bytes or write_bytes missing in /proc/self/io");
	return c;
}

/* The module's parameters. */
inline constexpr const char *aa_params = "/sys/module/aio_attr/parameters/";

/* Set a module parameter for the lifetime of the object, then restore it. */
class Param {
public:
	Param(const char *name, const std::string &value)
	    : path_(std::string(aa_params) + name)
	{
		const long long old = read_sysfs_num(path_.c_str());
		if (old < 0)
			throw Fail(strf("no module parameter %s", path_.c_str()));
		old_ = std::to_string(old);
		write_file(path_, value);
	}
	~Param()
	{
		try {
			write_file(path_, old_);
		} catch (const std::exception &e) {
			info("restoring %s: %s", path_.c_str(), e.what());
		}
	}
	Param(const Param &) = delete;
	Param &operator=(const Param &) = delete;

private:
	std::string path_, old_;
};

/* A forked child and the read end of the pipe it reports on. */
struct ChildProc {
	pid_t pid;
	aio_attr::unique_fd report;
};

/*
 * Fork a child that runs @body with the write end of a pipe (close-on-exec);
 * @body must end the child with _exit().  The caller reads the child's
 * reports from the returned read end.
 */
inline ChildProc fork_child(const std::function<void(int)> &body)
{
	int p[2];

	if (::pipe2(p, O_CLOEXEC))
		aio_attr::throw_errno("pipe2");
	aio_attr::unique_fd r(p[0]), w(p[1]);
	std::fflush(stdout);
	const pid_t pid = ::fork();
	if (pid < 0)
		aio_attr::throw_errno("fork");
	if (pid == 0) {
		r.reset();
		body(w.get());
		_exit(127);
	}
	return { pid, std::move(r) };
}

/*
 * Set the calling process's soft RLIMIT_MEMLOCK to @bytes; a hard limit
 * below it is a Fail with the figures rather than setrlimit's EPERM.
 */
inline void set_memlock(rlim_t bytes)
{
	rlimit r{};

	if (::getrlimit(RLIMIT_MEMLOCK, &r))
		aio_attr::throw_errno("getrlimit(RLIMIT_MEMLOCK)");
	r.rlim_cur = bytes;
	if (r.rlim_max != RLIM_INFINITY && r.rlim_max < bytes)
		throw Fail(strf("hard RLIMIT_MEMLOCK %llu is below %llu",
				(unsigned long long)r.rlim_max, (unsigned long long)bytes));
	if (::setrlimit(RLIMIT_MEMLOCK, &r))
		aio_attr::throw_errno("setrlimit(RLIMIT_MEMLOCK)");
}

/*
 * Run @body in a child process as @uid/@gid with no supplementary groups
 * (the guest runs tests as root; setup that needs root happens before).
 * A Fail, Skip or other exception in the child becomes the same in the
 * caller; the child gets @timeout to finish and is killed after that.
 */
inline void run_as(uid_t uid, gid_t gid, const std::function<void()> &body,
		   std::chrono::seconds timeout = std::chrono::seconds(30))
{
	int p[2];

	if (::pipe2(p, O_CLOEXEC))
		aio_attr::throw_errno("pipe2");
	std::fflush(stdout);
	const pid_t pid = ::fork();
	if (pid < 0)
		aio_attr::throw_errno("fork");
	if (pid == 0) {
		::close(p[0]);
		std::string msg;
		char kind = 'P';
		try {
			if (::setgroups(0, nullptr) || ::setgid(gid) || ::setuid(uid))
				aio_attr::throw_errno("dropping privileges");
			body();
		} catch (const Skip &e) {
			kind = 'S';
			msg = e.what();
		} catch (const std::exception &e) {
			kind = 'F';
			msg = e.what();
		}
		msg.insert(msg.begin(), kind);
		if (::write(p[1], msg.data(), msg.size()) < 0)
			_exit(3);
		std::fflush(stdout);
		_exit(0);
	}
	::close(p[1]);
	aio_attr::unique_fd rfd(p[0]);
	std::string msg;
	char buf[512];
	const auto deadline = clock::now() + timeout;
	for (;;) {
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - clock::now());
		pollfd pfd{ rfd.get(), POLLIN, 0 };
		if (left.count() <= 0 || ::poll(&pfd, 1, left.count()) == 0) {
			::kill(pid, SIGKILL);
			::waitpid(pid, nullptr, 0);
			throw Fail(strf("child as uid %u did not finish within %lld s", uid,
					(long long)timeout.count()));
		}
		const ssize_t n = ::read(rfd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		msg.append(buf, n);
	}
	int status = 0;
	::waitpid(pid, &status, 0);
	if (msg.empty() || !WIFEXITED(status) || WEXITSTATUS(status))
		throw Fail(strf("child as uid %u died (status %#x)", uid, status));
	if (msg[0] == 'S')
		throw Skip(msg.substr(1));
	if (msg[0] != 'P')
		throw Fail(strf("as uid %u: %s", uid, msg.substr(1).c_str()));
}

/*
 * Run @a as @uid (run_as()); when @a calls its checkpoint, run @at in this
 * process while @a waits (so @a's contexts and requests stay alive), then
 * let @a go on.  @at runs only if @a reaches the checkpoint; an exception
 * of either is rethrown, @a's first.
 */
inline void run_as_until(uid_t uid, const std::function<void(const std::function<void()> &)> &a,
			 const std::function<void()> &at)
{
	int rp[2], gp[2];

	require(::pipe2(rp, O_CLOEXEC) == 0 && ::pipe2(gp, O_CLOEXEC) == 0, "pipe");
	aio_attr::unique_fd ready_r(rp[0]), ready_w(rp[1]), go_r(gp[0]), go_w(gp[1]);
	std::exception_ptr ea, eb;
	std::atomic<bool> a_done{ false };

	std::thread ta([&] {
		try {
			run_as(uid, uid, [&] {
				a([&] {
					char c = 1;
					if (::write(ready_w.get(), &c, 1) != 1 ||
					    ::read(go_r.get(), &c, 1) != 1)
						throw Fail("checkpoint pipe");
				});
			});
		} catch (...) {
			ea = std::current_exception();
		}
		a_done = true;
	});
	bool ready = false;
	while (!a_done && !ready) {
		pollfd p{ ready_r.get(), POLLIN, 0 };
		ready = ::poll(&p, 1, 100) == 1;
	}
	if (ready) {
		try {
			at();
		} catch (...) {
			eb = std::current_exception();
		}
		char c = 1;
		(void)!::write(go_w.get(), &c, 1);
	}
	ta.join();
	if (ea)
		std::rethrow_exception(ea);
	if (eb)
		std::rethrow_exception(eb);
	require(ready, strf("uid %u never reached its checkpoint", uid));
}

/*
 * I/O priority values as ioprio_set(2) takes them (<linux/ioprio.h> is not
 * C++: it names a parameter "class").
 */
enum class IoprioClass : uint16_t { none = 0, rt = 1, be = 2, idle = 3 };

constexpr uint16_t ioprio(unsigned int cls, unsigned int level)
{
	return static_cast<uint16_t>(cls << 13 | level);
}

constexpr uint16_t ioprio(IoprioClass cls, unsigned int level)
{
	return ioprio(static_cast<unsigned int>(cls), level);
}

/* Command line: the value after @name, or @def. */
inline const char *arg_value(int argc, char **argv, const char *name, const char *def = nullptr)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!std::strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

/* Command line: the number after @name (any base strtoul(3) takes), or @def. */
inline unsigned long arg_num(int argc, char **argv, const char *name, unsigned long def)
{
	const char *v = arg_value(argc, argv, name);

	return v ? std::strtoul(v, nullptr, 0) : def;
}

inline bool arg_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!std::strcmp(argv[i], name))
			return true;
	return false;
}

} // namespace aatest
