// SPDX-License-Identifier: GPL-2.0
/*
 * aa_race - the teardown races, many times over.
 *
 *   aa_race close --dev DEV [--dev DEV...] [--cycles 2000] [--qd 64] [--time 40]
 *   aa_race kill --dev DEV [--cycles 50] [--qd 64] [--settle 30] [--no-settle]
 *                [--held]
 *
 * close: each cycle opens a context with a 2048-byte ring (17 events with
 *        every attribute) and an eventfd, and submits --qd 4 KiB I/Os in
 *        batches of 8 while a second thread closes it (munmap + close) at
 *        a random moment: before the first completion, while completions
 *        overflow, or in the middle of a SUBMIT (then the submitter's
 *        ioctl drops the last file reference).  Completions keep arriving
 *        from the device (hardirq or softirq) while the context dies: this
 *        is the window of the aa_post() use-after-free (ctx->evfd and
 *        ctx->wait touched after ctx->lock is dropped).  The devices are
 *        used in turn.
 * kill:  each cycle forks a child that keeps --qd I/Os in flight into a
 *        2048-byte ring with an eventfd, reaping with the library and
 *        checking each result; once it reports its first reaped batch the
 *        parent SIGKILLs it at a random moment.  --no-settle: one cycle,
 *        return right after the kill (the caller checks the drain).
 *        --held: DEV holds every request until the caller releases it (a
 *        suspended dm device): the child reports once it has submitted
 *        --qd requests and the parent kills it once the inflight counter
 *        shows all of them, so exactly --qd are in flight at the kill.
 *
 * Afterwards /sys/class/misc/aio_attr/{contexts,inflight} must return to
 * their values before the run (within --settle seconds).
 * Ids: race.<mode>.run, race.<mode>.drained.
 */
#include "aatest.hpp"

#include <atomic>
#include <random>
#include <thread>

#include <sys/eventfd.h>
#include <sys/mman.h>

using namespace aatest;
using namespace aio_attr;

namespace {

constexpr uint32_t tiny_ring = 2048;

std::vector<std::string> devs_of(int argc, char **argv)
{
	std::vector<std::string> v;

	for (int i = 1; i + 1 < argc; i++)
		if (!std::strcmp(argv[i], "--dev"))
			v.emplace_back(argv[++i]);
	return v;
}

std::vector<aio_attr_sqe> make_sqes(int fd, Buffer &buf, unsigned qd, uint64_t blocks,
				    std::mt19937_64 &rng, uint64_t ud0)
{
	std::vector<aio_attr_sqe> v(qd);

	for (unsigned i = 0; i < qd; i++) {
		std::byte *b = buf.data() + static_cast<std::size_t>(i) * 4096;
		const uint64_t off = (rng() % blocks) * 4096;
		v[i] = (i % 2) ? prep_read(fd, b, 4096, off).data(ud0 + i).attrs(AIO_ATTR_ALL)
			       : prep_write(fd, b, 4096, off).data(ud0 + i).attrs(AIO_ATTR_ALL);
	}
	return v;
}

struct CloseStats {
	uint64_t cycles = 0, submitted = 0, closed_mid_submit = 0, saw_overflow = 0;
};

/*
 * One close-storm cycle on @dev.  The context is raw (setup ioctl, mmap):
 * the closing thread unmaps and closes it while the submitter may still be
 * inside SUBMIT, so no object may be shared between the two.  @buf lives
 * for the whole run: reads of a closed context still land in it.
 */
void close_cycle(int dev, uint64_t blocks, Buffer &buf, unsigned qd, std::mt19937_64 &rng,
		 CloseStats &st)
{
	unique_fd ctxfd = open_fd(Context::default_path, O_RDWR);
	unique_fd ev = make_eventfd(0, EFD_NONBLOCK);
	aio_attr_setup s{};
	s.version = AIO_ATTR_VERSION;
	s.flags = AIO_ATTR_SETUP_EVENTFD;
	s.ring_bytes = tiny_ring;
	s.eventfd = ev.get();
	if (::ioctl(ctxfd.get(), AIO_ATTR_IOC_SETUP, &s))
		throw_errno("AIO_ATTR_IOC_SETUP");
	void *map = ::mmap(nullptr, s.mmap_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
			   ctxfd.get(), 0);
	if (map == MAP_FAILED)
		throw_errno("mmap");

	const std::vector<aio_attr_sqe> sqes = make_sqes(dev, buf, qd, blocks, rng, 0);
	/* when to close: 0 at once, 1 once completions overflow, 2 after a spin */
	const unsigned when = rng() % 3;
	const unsigned spin_n = rng() % 20000;
	const int fd = ctxfd.release();
	std::atomic<bool> overflowed{ false };

	std::thread closer([&, fd, map] {
		const auto *hdr = static_cast<const aio_attr_ring_hdr *>(map);
		const auto deadline = clock::now() + std::chrono::milliseconds(200);
		if (when == 1) {
			while (!std::atomic_ref(hdr->overflow_pending).load(std::memory_order_relaxed) &&
			       clock::now() < deadline)
				;
			overflowed = hdr->overflow_pending != 0;
		} else if (when == 2) {
			spin(spin_n);
		}
		::munmap(map, s.mmap_bytes);
		::close(fd);
	});

	/* Submit until done or the descriptor is gone (EBADF). */
	unsigned sent = 0;
	while (sent < qd) {
		aio_attr_submit sub{};
		const unsigned n = std::min(8u, qd - sent);
		sub.sqes = reinterpret_cast<uintptr_t>(&sqes[sent]);
		sub.nr = n;
		const int ret = ::ioctl(fd, AIO_ATTR_IOC_SUBMIT, &sub);
		if (ret < 0) {
			/* EBADF: closed; ENOTTY/EINVAL: the number was reused meanwhile */
			if (errno != EBADF && errno != ENOTTY && errno != EINVAL)
				throw_errno("AIO_ATTR_IOC_SUBMIT");
			st.closed_mid_submit++;
			break;
		}
		sent += ret;
		if (static_cast<unsigned>(ret) < n)
			throw Fail(strf("submit accepted %d of %u: %s", ret, n,
					std::strerror(sub.error)));
	}
	closer.join();
	st.submitted += sent;
	st.saw_overflow += overflowed;
	st.cycles++;
}

int close_mode(int argc, char **argv)
{
	const auto devs = devs_of(argc, argv);
	const unsigned cycles = arg_num(argc, argv, "--cycles", 2000);
	const unsigned qd = arg_num(argc, argv, "--qd", 64);
	const auto limit = std::chrono::seconds(arg_num(argc, argv, "--time", 40));
	const auto settle = std::chrono::seconds(arg_num(argc, argv, "--settle", 30));
	Suite s("race.close");

	if (devs.empty() || !qd) {
		std::fprintf(stderr, "usage: %s close --dev DEV... [--cycles N] [--qd N]\n", argv[0]);
		return 2;
	}
	const long long ctx0 = aa_stat("contexts"), infl0 = aa_stat("inflight");
	const long long ov0 = aa_stat("overflowed");
	bool ran = false;
	s.run("run", [&] {
		std::vector<unique_fd> fds;
		std::vector<uint64_t> blocks;
		for (const auto &d : devs) {
			fds.push_back(open_fd(d.c_str(), O_RDWR | O_DIRECT));
			blocks.push_back(bdev_bytes(fds.back().get()) / 4096);
		}
		Buffer buf(static_cast<std::size_t>(qd) * 4096);
		std::mt19937_64 rng(std::random_device{}());
		CloseStats st;
		const auto t0 = clock::now();
		while (st.cycles < cycles && clock::now() - t0 < limit) {
			const std::size_t i = st.cycles % fds.size();
			close_cycle(fds[i].get(), blocks[i], buf, qd, rng, st);
		}
		const double secs = std::chrono::duration<double>(clock::now() - t0).count();
		info("%llu cycles in %.1f s, %llu I/Os submitted, %llu closes during SUBMIT, "
		     "%llu closes after overflow began, %lld completions overflowed",
		     (unsigned long long)st.cycles, secs, (unsigned long long)st.submitted,
		     (unsigned long long)st.closed_mid_submit, (unsigned long long)st.saw_overflow,
		     aa_stat("overflowed") - ov0);
		require(st.cycles >= cycles, strf("only %llu of %u cycles within %lld s",
						  (unsigned long long)st.cycles, cycles,
						  (long long)limit.count()));
		require(st.saw_overflow > 0, "no close happened while completions overflowed");
		ran = true;
	});
	s.run("drained", [&] {
		require(ran, "the run did not finish");
		require_drained(ctx0, infl0, settle);
	});
	return s.exit_code();
}

/*
 * Child of the kill mode: keep @qd I/Os in flight on @dev, checking each
 * result; after the first reaped batch (@held: once @qd are submitted)
 * write one byte to @wfd.
 */
[[noreturn]] void kill_child(const char *dev, unsigned qd, bool held, int wfd)
{
	try {
		unique_fd fd = open_fd(dev, O_RDWR | O_DIRECT);
		const uint64_t blocks = bdev_bytes(fd.get()) / 4096;
		unique_fd ev = make_eventfd(0, EFD_NONBLOCK);
		Context ctx;
		ctx.setup(tiny_ring, AIO_ATTR_SETUP_EVENTFD, ev.get());
		Buffer buf(static_cast<std::size_t>(qd) * 4096);
		std::mt19937_64 rng(std::random_device{}());
		uint64_t ud = 0;
		unsigned inflight = 0;
		bool told = false;
		for (;;) {
			if (inflight < qd) {
				auto sqes = make_sqes(fd.get(), buf, qd - inflight, blocks, rng, ud);
				const SubmitResult r = ctx.submit(sqes);
				if (!r.ok() && r.error != EAGAIN)
					throw_errno(r.error, "submit");
				inflight += r.accepted;
				ud += r.accepted;
			}
			if (held && !told && inflight == qd) {
				told = true;
				if (::write(wfd, "1", 1) != 1)
					_exit(3);
			}
			ctx.wait(std::min(inflight, 16u), std::chrono::seconds(10));
			ctx.reap([&](const Completion &c) {
				inflight--;
				if (c.result != 4096)
					throw Fail(format_completion(c));
			});
			if (!told) {
				told = true;
				if (::write(wfd, "1", 1) != 1)
					_exit(3);
			}
		}
	} catch (const std::exception &e) {
		std::printf("# kill child: %s\n", e.what());
		std::fflush(stdout);
		(void)!::write(wfd, "E", 1);
	}
	_exit(1);
}

int kill_mode(int argc, char **argv)
{
	const auto devs = devs_of(argc, argv);
	const unsigned cycles = arg_num(argc, argv, "--cycles", 50);
	const unsigned qd = arg_num(argc, argv, "--qd", 64);
	const auto settle = std::chrono::seconds(arg_num(argc, argv, "--settle", 30));
	const bool no_settle = arg_flag(argc, argv, "--no-settle");
	const bool held = arg_flag(argc, argv, "--held");
	Suite s("race.kill");

	if (devs.size() != 1 || !qd) {
		std::fprintf(stderr, "usage: %s kill --dev DEV [--cycles N] [--qd N]\n", argv[0]);
		return 2;
	}
	const long long ctx0 = aa_stat("contexts"), infl0 = aa_stat("inflight");
	bool ran = false;
	s.run("run", [&] {
		std::mt19937_64 rng(std::random_device{}());
		long long max_inflight = 0;
		for (unsigned cyc = 0; cyc < (no_settle ? 1 : cycles); cyc++) {
			auto [pid, r] = fork_child(
				[&](int w) { kill_child(devs[0].c_str(), qd, held, w); });
			pollfd pfd{ r.get(), POLLIN, 0 };
			char c = 0;
			const bool got = ::poll(&pfd, 1, 20000) == 1 && ::read(r.get(), &c, 1) == 1;
			long long at_kill = infl0 + qd;
			if (held && got && c == '1')
				/* nothing completes: wait for the counter to show them all */
				at_kill = wait_stat("inflight", infl0 + qd);
			else
				/* a random moment within the next few hundred microseconds */
				spin(rng() % 200000);
			max_inflight = std::max(max_inflight, aa_stat("inflight"));
			::kill(pid, SIGKILL);
			int status = 0;
			require(::waitpid(pid, &status, 0) == pid, "waitpid");
			require(got && c == '1', strf("cycle %u: the child did not start its I/O", cyc));
			require(at_kill == infl0 + qd,
				strf("cycle %u: inflight %lld with %u requests held, expected %lld",
				     cyc, at_kill, qd, infl0 + qd));
			require(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
				strf("cycle %u: child status %#x, expected SIGKILL", cyc, status));
		}
		info("%u kills, up to %lld requests in flight at a kill",
		     no_settle ? 1 : cycles, max_inflight);
		ran = true;
	});
	if (no_settle)
		return s.exit_code();
	s.run("drained", [&] {
		require(ran, "the run did not finish");
		require_drained(ctx0, infl0, settle);
	});
	return s.exit_code();
}

} // namespace

int main(int argc, char **argv)
{
	if (argc > 1 && !std::strcmp(argv[1], "close"))
		return close_mode(argc, argv);
	if (argc > 1 && !std::strcmp(argv[1], "kill"))
		return kill_mode(argc, argv);
	std::fprintf(stderr, "usage: %s close|kill --dev DEV ...\n", argv[0]);
	return 2;
}
