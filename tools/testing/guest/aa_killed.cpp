// SPDX-License-Identifier: GPL-2.0
/*
 * aa_killed - a process killed with I/Os in flight leaves nothing behind.
 *
 *   aa_killed --slow /dev/nullb0 [--dev /dev/ram0] [--settle 30]
 *
 * --slow: a device whose completions take long (null_blk irqmode=2,
 *         completion_nsec of ~1 s), so the I/Os are still in flight when
 *         the process dies
 * --dev:  a fast device: the child fills its ring and the overflow list
 *         and dies without reaping
 *
 * A child opens a context, submits 64 I/Os at QD 64 and tells the parent,
 * which samples the counters and SIGKILLs it.  The parent checks the module's counters in
 * /sys/class/misc/aio_attr/ (inflight while the child lived, then contexts
 * and inflight back to their earlier values within --settle seconds).
 * Ids: killed.<case>.
 */
#include "aatest.hpp"

#include <csignal>
#include <poll.h>
#include <sys/wait.h>

using namespace aatest;
using namespace aio_attr;

namespace {

constexpr const char *sysfs = "/sys/class/misc/aio_attr/";

long long stat_of(const char *name)
{
	return read_sysfs_num((std::string(sysfs) + name).c_str());
}

/*
 * Child: submit 64 I/Os, report how many were accepted on @wfd, then block
 * on @gofd until the parent kills it (or, should the parent go away, kill
 * itself).
 */
[[noreturn]] void child(const char *dev, int wfd, int gofd, uint32_t ring_bytes)
{
	int32_t accepted = -1;

	try {
		unique_fd fd = open_fd(dev, O_RDWR | O_DIRECT);
		Context *ctx = new Context; /* never destroyed: the process dies with it open */
		ctx->setup(ring_bytes);
		Buffer *buf = new Buffer(64 * 4096);
		std::vector<aio_attr_sqe> sqes;
		for (int i = 0; i < 64; i++)
			sqes.push_back(
				i % 2 ? prep_read(fd.get(), buf->data() + i * 4096, 4096, i * 4096)
						.data(i)
						.attrs(AIO_ATTR_ALL)
				      : prep_write(fd.get(), buf->data() + i * 4096, 4096, i * 4096)
						.data(i)
						.attrs(AIO_ATTR_ALL));
		accepted = ctx->submit(sqes).accepted;
		fd.release(); /* keep the block device open too */
	} catch (const std::exception &e) {
		std::printf("# child: %s\n", e.what());
		std::fflush(stdout);
	}
	if (::write(wfd, &accepted, sizeof(accepted)) != sizeof(accepted))
		_exit(3);
	char c;
	while (::read(gofd, &c, 1) < 0 && errno == EINTR)
		;
	::raise(SIGKILL);
	_exit(4);
}

/*
 * Fork the child on @dev and check what it leaves.  @inflight_min: the
 * module's inflight count must reach this while the child is alive
 * (0: not checked, completions may already be done).
 */
void killed_case(const char *dev, uint32_t ring_bytes, long long inflight_min, int settle_s)
{
	const long long ctx0 = stat_of("contexts"), infl0 = stat_of("inflight");
	const long long done0 = stat_of("completed");
	require(ctx0 >= 0 && infl0 >= 0 && done0 >= 0,
		strf("cannot read %s{contexts,inflight,completed}", sysfs));

	int p[2], q[2];
	require(::pipe2(p, O_CLOEXEC) == 0 && ::pipe2(q, O_CLOEXEC) == 0, "pipe");
	unique_fd rfd(p[0]), wfd(p[1]), gor(q[0]), gow(q[1]);
	std::fflush(stdout);
	const pid_t pid = ::fork();
	require(pid >= 0, "fork");
	if (pid == 0) {
		rfd.reset();
		gow.reset();
		child(dev, wfd.get(), gor.get(), ring_bytes);
	}
	wfd.reset();
	gor.reset();

	/* The child's report, bounded by poll. */
	pollfd pfd{ rfd.get(), POLLIN, 0 };
	int32_t accepted = -1;
	const bool got = ::poll(&pfd, 1, 30000) == 1 &&
			 ::read(rfd.get(), &accepted, sizeof(accepted)) == sizeof(accepted);
	const long long infl_alive = stat_of("inflight");
	const long long ctx_alive = stat_of("contexts");
	/* Killed by us with its I/Os in flight (the slow device takes ~1 s). */
	::kill(pid, SIGKILL);

	int status = 0;
	require(::waitpid(pid, &status, 0) == pid, "waitpid");
	require(got, "the child did not report");
	require(accepted == 64, strf("the child's submit accepted %d of 64", accepted));
	require(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		strf("child status %#x, expected killed by SIGKILL", status));
	info("%s: while alive contexts %lld inflight %lld (before: %lld, %lld)", dev, ctx_alive,
	     infl_alive, ctx0, infl0);
	require(ctx_alive >= ctx0 + 1, "the child's context was not counted");
	if (inflight_min)
		require(infl_alive >= infl0 + inflight_min,
			strf("inflight %lld while the child lived: the I/Os were not in flight",
			     infl_alive));

	/* Bounded poll of the counters until the kernel finished the orphans. */
	const auto deadline = clock::now() + std::chrono::seconds(settle_s);
	long long c = -1, i = -1;
	for (;;) {
		c = stat_of("contexts");
		i = stat_of("inflight");
		if ((c == ctx0 && i == infl0) || clock::now() > deadline)
			break;
		::poll(nullptr, 0, 20);
	}
	require(c == ctx0 && i == infl0,
		strf("after %d s: contexts %lld inflight %lld, expected %lld and %lld", settle_s, c,
		     i, ctx0, infl0));
	const long long done = stat_of("completed");
	info("%s: completed %lld -> %lld", dev, done0, done);
}

} // namespace

int main(int argc, char **argv)
{
	const char *slow = arg_value(argc, argv, "--slow");
	const char *dev = arg_value(argc, argv, "--dev");
	const int settle = std::atoi(arg_value(argc, argv, "--settle", "30"));
	Suite s("killed");

	if (!slow && !dev) {
		std::fprintf(stderr, "usage: %s --slow DEV [--dev DEV] [--settle SEC]\n", argv[0]);
		return 2;
	}
	s.run("sysfs", [] {
		for (const char *f :
		     { "contexts", "inflight", "submitted", "completed", "overflowed" })
			require(stat_of(f) >= 0, strf("%s%s unreadable", sysfs, f));
	});
	s.run("inflight", [&] {
		if (!slow)
			throw Skip("no --slow device");
		killed_case(slow, 64 * 1024, 64, settle);
	});
	s.run("overflow", [&] {
		if (!dev)
			throw Skip("no --dev device");
		/* 2048 bytes hold 17 entries of 120 bytes: the rest wait on the overflow list. */
		killed_case(dev, 2048, 0, settle);
	});
	return s.exit_code();
}
