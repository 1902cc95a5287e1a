// SPDX-License-Identifier: GPL-2.0
/*
 * aa_syncstall - FSYNC/FDATASYNC that never return cannot starve others.
 *
 * Run by tests/api_syncstall.sh with --dev naming a dm device that is
 * suspended (writeback to it waits until "dmsetup resume"), --resume the
 * command that resumes it, and max_syncs_per_user set to a small number.
 * Cases (prefix "syncstall."):
 *   per_user_cap      syncs beyond max_syncs_per_user are refused with
 *                     EAGAIN while the first ones are stuck
 *   stalled           the accepted syncs really wait (else the test
 *                     proves nothing)
 *   other_user_syncs  another uid's fsync completes meanwhile
 *   teardown          contexts opened and closed meanwhile are freed
 *   resume            after the resume every stuck sync completes once,
 *                     with result 0, posted by a worker
 *   cap_released      the user can sync again afterwards
 * Without the per-user cap, one user fills the sync workqueue with stuck
 * syncs (the 300 submitted here are more than its 256 workers) and the
 * other cases time out.
 */
#include "aatest.hpp"

using namespace aatest;
using aio_attr::Completion;
using aio_attr::Context;

namespace {

constexpr unsigned kTries = 300;

const char *g_dev;
const char *g_resume;

long long param(const char *name)
{
	return read_sysfs_num(strf("/sys/module/aio_attr/parameters/%s", name).c_str());
}

} // namespace

int main(int argc, char **argv)
{
	g_dev = arg_value(argc, argv, "--dev");
	g_resume = arg_value(argc, argv, "--resume");
	const char *tmpdir = arg_value(argc, argv, "--tmp", "/tmp");
	if (!g_dev || !g_resume) {
		std::fprintf(stderr, "usage: aa_syncstall --dev DEV --resume CMD [--tmp DIR]\n");
		return 2;
	}
	Suite s("syncstall");
	const long long cap = param("max_syncs_per_user");
	const int dev = ::open(g_dev, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		std::printf("AATEST: FAIL syncstall.open %s: %s\n", g_dev, std::strerror(errno));
		return 1;
	}
	info("max_syncs_per_user=%lld, device %s", cap, g_dev);

	Context ctx;
	ctx.setup(64 * 1024);
	unsigned accepted = 0;
	int refused = 0;
	bool resumed = false;

	s.run("per_user_cap", [&] {
		/*
		 * Dirty the device's page cache: an empty flush to a device
		 * without a write cache ends at once, but writeback to the
		 * suspended device waits, and so does every fsync behind it.
		 */
		Buffer page(4096);
		require(::pwrite(dev, page.data(), page.size(), 0) == 4096, "pwrite failed");
		for (unsigned i = 0; i < kTries; i++) {
			const aio_attr_sqe sqe = aio_attr::prep_fsync(dev).data(1000 + i).attrs(
				AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX));
			const aio_attr::SubmitResult r = ctx.submit(sqe);
			if (r.accepted != 1) {
				refused = r.error;
				break;
			}
			accepted++;
		}
		info("accepted %u stuck syncs, then %s", accepted,
		     refused ? std::strerror(refused) : "nothing refused");
		require(cap >= 0, "max_syncs_per_user is not a parameter of this module");
		require(accepted == static_cast<unsigned>(cap),
			strf("accepted %u syncs, the cap is %lld", accepted, cap));
		require(refused == EAGAIN,
			strf("refused with %s, expected EAGAIN", std::strerror(refused)));
	});

	s.run("stalled", [&] {
		const aio_attr::WaitResult w = ctx.wait(1, 200ms);
		require(w.timed_out() && w.ready == 0 && w.overflow == 0,
			strf("a sync to the suspended device completed (ready %u): the test "
			     "cannot show a stall",
			     w.ready));
	});

	s.run("other_user_syncs", [&] {
		const std::string path = strf("%s/aa_syncstall.%d", tmpdir, ::getpid());
		aio_attr::unique_fd fd(
			::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
		require(fd.get() >= 0, strf("%s: %s", path.c_str(), std::strerror(errno)));
		::unlink(path.c_str());
		run_as(65534, 65534, [&] {
			Context other;
			other.setup(4096);
			const aio_attr_sqe sqe =
				aio_attr::prep_fsync(fd.get()).data(7).attrs(AIO_ATTR_ALL);
			require_result(do_one(other, sqe), 0);
		});
	});

	s.run("teardown", [&] {
		/* only ctx is left once the other user's context is freed */
		const long long before = wait_stat("contexts", 1);
		require(before == 1, strf("%lld contexts alive, expected only this one", before));
		for (int i = 0; i < 20; i++) {
			Context c;
			c.setup(4096);
		}
		const long long now = wait_stat("contexts", before);
		require(now == before,
			strf("closed contexts were not freed: %lld alive, %lld before", now,
			     before));
	});

	s.run("resume", [&] {
		resumed = std::system(g_resume) == 0;
		require(resumed, strf("'%s' failed", g_resume));
		std::vector<Completion> out;
		collect(ctx, accepted, out, 30s);
		require(out.size() == accepted,
			strf("%zu of %u stuck syncs completed after the resume", out.size(),
			     accepted));
		std::vector<int> seen(accepted, 0);
		for (const Completion &c : out) {
			require_result(c, 0);
			const uint64_t where =
				require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
			require(where & AIO_ATTR_CTX_WORKER, "not posted by a worker");
			require(c.user_data >= 1000 && c.user_data < 1000 + accepted &&
					!seen[c.user_data - 1000]++,
				strf("unexpected or repeated user_data %llu",
				     (unsigned long long)c.user_data));
		}
	});

	s.run("cap_released", [&] {
		const aio_attr_sqe sqe = aio_attr::prep_fsync(dev).data(5).attrs(0);
		require_result(do_one(ctx, sqe), 0);
	});

	if (!resumed && std::system(g_resume) != 0)
		info("could not resume %s", g_dev);
	::close(dev);
	return s.exit_code();
}
