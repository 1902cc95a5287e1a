// SPDX-License-Identifier: GPL-2.0
/*
 * aa_submitwait - AIO_ATTR_SUBMIT_WAIT (ABI version 2): submit and wait
 * for completions in one AIO_ATTR_IOC_SUBMIT.
 *
 * Run by tests/api_submitwait.sh with --slow DEV (a disk whose every read
 * takes --slow-ns), --held DEV (a dm device over brd; the program
 * suspends it with "dmsetup suspend --dm NAME" so that nothing completes
 * until it resumes it: no timing involved) and --dev DEV (brd).
 * Cases (prefix "submitwait."):
 *   feature          PROBE and a version 2 SETUP advertise the feature
 *   min_complete     the call returns once min_complete events are in the
 *                    ring, not before: they are there, no WAIT needed
 *   library          Context::submit_and_wait(), then a reap without a call
 *   timeout          wait_error ETIME (timed and zero timeouts) while the
 *                    return value still counts the accepted requests;
 *                    min_complete 0 does not wait
 *   signal           a signal ends the wait with wait_error EINTR, even
 *                    with SA_RESTART, and the batch is not queued twice
 *   early_stop       a batch that stops early, or at its first request,
 *                    does not wait
 *   tag_wait         (--one-tag DEV, an aiodemo disk with one request and
 *                    no I/O scheduler) an O_DIRECT SUBMIT of more requests
 *                    than the disk holds sleeps for a free one: the first
 *                    event is in the ring when it returns
 *   v1_refuses       a version 1 context refuses the flag, min_complete
 *                    and timeout_ns (its reserved fields) with EINVAL
 *   v2_needs_flag    a version 2 context refuses min_complete or
 *                    timeout_ns without the flag, and unknown flags
 *
 * "aa_submitwait --ioctls" prints the SUBMIT and WAIT ioctl numbers in
 * hex, for the script's trace filter.
 */
#include "aatest.hpp"

#include <initializer_list>

using namespace aatest;
using namespace aio_attr;

namespace {

const char *slow_path;
const char *held_path;
const char *dm_name;
const char *dev_path;
const char *one_tag_path;
std::chrono::nanoseconds slow_ns{ 20ms };

std::string errname(int e)
{
	return e ? strf("%s (%d)", strerrorname_np(e) ? strerrorname_np(e) : "?", e) : "0";
}

long long ms(std::chrono::nanoseconds d)
{
	return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/* One raw AIO_ATTR_IOC_SUBMIT and what came back. */
struct Call {
	int ret = 0;
	int err = 0; /* errno when ret < 0 */
	aio_attr_submit sub{};
	std::chrono::nanoseconds took{};
};

/*
 * @canary (version 2 only, where the field exists) puts garbage into
 * wait_error, which is out only: the kernel must overwrite it.
 */
Call submit_raw(int ctxfd, std::span<const aio_attr_sqe> sqes, uint32_t flags,
		uint32_t min_complete, int64_t timeout_ns, bool canary = false)
{
	Call c;

	c.sub.sqes = reinterpret_cast<uintptr_t>(sqes.data());
	c.sub.nr = static_cast<uint32_t>(sqes.size());
	c.sub.flags = flags;
	c.sub.min_complete = min_complete;
	c.sub.timeout_ns = timeout_ns;
	if (canary)
		c.sub.wait_error = 0x7777;
	const auto t0 = clock::now();
	c.ret = ::ioctl(ctxfd, AIO_ATTR_IOC_SUBMIT, &c.sub);
	c.err = c.ret < 0 ? errno : 0;
	c.took = clock::now() - t0;
	return c;
}

Call submit_wait(int ctxfd, std::span<const aio_attr_sqe> sqes, uint32_t min_complete,
		 int64_t timeout_ns)
{
	return submit_raw(ctxfd, sqes, AIO_ATTR_SUBMIT_WAIT, min_complete, timeout_ns, true);
}

std::string describe(const Call &c)
{
	return strf("ret %d errno %s accepted %u error %s wait_error %s after %lld ms", c.ret,
		    errname(c.err).c_str(), c.sub.accepted, errname(c.sub.error).c_str(),
		    errname(c.sub.wait_error).c_str(), ms(c.took));
}

/* Completions in the ring now, reaped without any system call. */
std::size_t reap_ring_only(Context &ctx)
{
	const ReapResult r = ctx.ring().reap([](const Completion &) {});

	check(r);
	return r.count;
}

/* Version @version context with a 16 KiB ring. */
Context make_ctx(uint32_t version)
{
	Context ctx;
	aio_attr_setup s{};

	s.version = version;
	s.ring_bytes = 16384;
	s.eventfd = -1;
	ctx.setup(s);
	return ctx;
}

/* @n 4 KiB reads of @fd into @buf, user_data 1..n. */
std::vector<aio_attr_sqe> reads(int fd, Buffer &buf, unsigned n)
{
	std::vector<aio_attr_sqe> v;

	for (unsigned i = 0; i < n; i++)
		v.push_back(prep_read(fd, buf.data() + i * 4096, 4096, i * 65536ULL)
				    .data(i + 1)
				    .attrs(AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS)));
	return v;
}

/* The held device, suspended for the life of the object. */
struct Held : HeldDm {
	Held()
	    : HeldDm(dm_name)
	{
	}
};

/*
 * Resume the held device, collect the @n completions of @ctx and require
 * the module's inflight counter back at @inflight: nothing else is queued.
 */
void release(Held &h, Context &ctx, std::size_t n, long long inflight)
{
	h.resume();
	collect_n(ctx, n);
	const long long v = wait_stat("inflight", inflight);

	require(v == inflight, strf("inflight %lld, expected %lld", v, inflight));
}

/* A SUBMIT the context must refuse with EINVAL. */
struct Refused {
	uint32_t flags, min_complete;
	int64_t timeout_ns;
	const char *what;
};

/* Each of @cases is refused with EINVAL and nothing gets queued. */
void require_refused(Context &ctx, std::span<const aio_attr_sqe> sqes,
		     std::initializer_list<Refused> cases)
{
	for (const Refused &r : cases) {
		const Call c = submit_raw(ctx.fd(), sqes, r.flags, r.min_complete, r.timeout_ns);
		require(c.ret == -1 && c.err == EINVAL,
			strf("%s: %s", r.what, describe(c).c_str()));
	}
	/* A queued brd read would complete at once. */
	require(ctx.wait(1, 50ms).timed_out(), "a refused batch was queued");
}

} // namespace

int main(int argc, char **argv)
{
	if (arg_flag(argc, argv, "--ioctls")) {
		std::printf("%#lx %#lx\n", (unsigned long)AIO_ATTR_IOC_SUBMIT,
			    (unsigned long)AIO_ATTR_IOC_WAIT);
		return 0;
	}
	slow_path = arg_value(argc, argv, "--slow");
	held_path = arg_value(argc, argv, "--held");
	dm_name = arg_value(argc, argv, "--dm");
	dev_path = arg_value(argc, argv, "--dev");
	one_tag_path = arg_value(argc, argv, "--one-tag");
	slow_ns = std::chrono::nanoseconds(arg_num(argc, argv, "--slow-ns", 20000000));
	if (!slow_path || !held_path || !dm_name || !dev_path) {
		std::fprintf(stderr, "usage: aa_submitwait --slow DEV [--slow-ns NS] --held DEV "
				     "--dm NAME --dev DEV [--one-tag DEV]\n");
		return 2;
	}
	Suite s("submitwait");
	const unique_fd slow = open_fd(slow_path, O_RDONLY | O_DIRECT);
	const unique_fd held = open_fd(held_path, O_RDONLY | O_DIRECT);
	const unique_fd dev = open_fd(dev_path, O_RDONLY | O_DIRECT);
	const long long inflight0 = aa_stat("inflight");

	s.run("feature", [] {
		Context ctx;
		const aio_attr_probe p = ctx.probe();

		require(p.version >= 2, strf("probe version %u", p.version));
		require(p.features & AIO_ATTR_FEAT_SUBMIT_WAIT,
			"probe: no AIO_ATTR_FEAT_SUBMIT_WAIT");
		require(make_ctx(2).setup_info().features & AIO_ATTR_FEAT_SUBMIT_WAIT,
			"version 2 setup: no AIO_ATTR_FEAT_SUBMIT_WAIT");
	});

	s.run("min_complete", [&] {
		Context ctx = make_ctx(2);
		Buffer buf(8 * 4096);
		const auto sqes = reads(slow.get(), buf, 4);

		/* All four, then two of four: each completion takes slow_ns. */
		for (uint32_t min : { 4u, 2u }) {
			const Call c = submit_wait(ctx.fd(), sqes, min, 10'000'000'000LL);
			require(c.ret == 4 && c.sub.accepted == 4 && !c.sub.error &&
					!c.sub.wait_error,
				strf("min_complete %u: %s", min, describe(c).c_str()));
			require(c.took >= slow_ns,
				strf("min_complete %u: returned after %lld ms, before the device "
				     "could complete anything (%lld ms)",
				     min, ms(c.took), ms(slow_ns)));
			const std::size_t got = reap_ring_only(ctx);
			require(got >= min, strf("min_complete %u: only %zu events in the ring "
						 "when the call returned",
						 min, got));
			collect_n(ctx, 4 - got);
		}
	});

	s.run("library", [&] {
		Context ctx;
		ctx.setup(16384);
		Buffer buf(4096);
		const SubmitWaitResult r = ctx.submit_and_wait(reads(slow.get(), buf, 1), 1, 10s);

		require(r.ok() && r.accepted == 1 && !r.wait_error,
			strf("accepted %u error %s wait_error %s", r.accepted,
			     errname(r.error).c_str(), errname(r.wait_error).c_str()));
		require(reap_ring_only(ctx) == 1, "the completion is not in the ring");
	});

	s.run("timeout", [&] {
		Context ctx = make_ctx(2);
		Buffer buf(8 * 4096);
		auto sqes = reads(held.get(), buf, 3);
		Held h;

		Call c = submit_wait(ctx.fd(), std::span(sqes).first(2), 1, 50'000'000);
		require(c.ret == 2 && c.sub.accepted == 2 && !c.sub.error &&
				c.sub.wait_error == ETIME,
			strf("timeout 50 ms: %s", describe(c).c_str()));
		require(c.took >= 50ms, strf("timed out after %lld ms", ms(c.took)));
		c = submit_wait(ctx.fd(), std::span(sqes).subspan(2), 1, 0);
		require(c.ret == 1 && c.sub.wait_error == ETIME,
			strf("timeout 0: %s", describe(c).c_str()));
		/* min_complete 0 is satisfied at once, even with no timeout. */
		c = submit_wait(ctx.fd(), {}, 0, -1);
		require(c.ret == 0 && !c.sub.wait_error,
			strf("empty batch, min_complete 0: %s", describe(c).c_str()));
		require(reap_ring_only(ctx) == 0, "a held request completed");
		release(h, ctx, 3, inflight0);
	});

	s.run("signal", [&] {
		Context ctx = make_ctx(2);
		Buffer buf(4096);
		const auto sqes = reads(held.get(), buf, 1);
		Held h;
		/*
		 * Signal until the call returns, so one surely arrives while it
		 * waits; SA_RESTART: a restarted ioctl would queue the batch again.
		 */
		SignalStorm storm;
		const Call c = submit_wait(ctx.fd(), sqes, 1, 10'000'000'000LL);
		storm.stop();
		require(c.ret == 1 && c.sub.accepted == 1 && !c.sub.error &&
				c.sub.wait_error == EINTR,
			describe(c));
		release(h, ctx, 1, inflight0);
		require(!ctx.ring().overflow() && reap_ring_only(ctx) == 0,
			"a second completion: queued twice");
	});

	s.run("early_stop", [&] {
		Context ctx = make_ctx(2);
		Buffer buf(4096);
		auto sqes = reads(held.get(), buf, 1);
		aio_attr_sqe bad = sqes[0];
		bad.opcode = 0;
		sqes.push_back(bad);
		Held h;

		Call c = submit_wait(ctx.fd(), sqes, 1, 5'000'000'000LL);
		require(c.ret == 1 && c.sub.accepted == 1 && c.sub.error == EINVAL &&
				!c.sub.wait_error && c.took < 2s,
			strf("good + bad: %s", describe(c).c_str()));
		c = submit_wait(ctx.fd(), std::span(sqes).subspan(1), 1, 5'000'000'000LL);
		require(c.ret == -1 && c.err == EINVAL && c.took < 2s,
			strf("bad first: %s", describe(c).c_str()));
		release(h, ctx, 1, inflight0);
	});

	/*
	 * An O_DIRECT block device request waits in SUBMIT for a free request
	 * of a busy disk, as io_submit(2) does (abi.rst): on a disk that can
	 * hold nr_requests requests, the SUBMIT of one more than that, without
	 * AIO_ATTR_SUBMIT_WAIT, returns only after the first has completed -
	 * its event is in the ring when the call returns - and the thread
	 * slept in it.
	 */
	s.run("tag_wait", [&] {
		if (!one_tag_path)
			throw Skip("no --one-tag");
		const std::string name = std::string(one_tag_path).substr(5);
		const long long nr =
			read_sysfs_num(("/sys/block/" + name + "/queue/nr_requests").c_str());
		require(nr >= 1 && nr <= 8, strf("nr_requests %lld, expected 1-8", nr));
		const unique_fd fd = open_fd(one_tag_path, O_RDONLY | O_DIRECT);
		Context ctx = make_ctx(2);
		Buffer buf((nr + 1) * 4096);
		const auto sqes = reads(fd.get(), buf, static_cast<unsigned>(nr + 1));

		const long sw0 = voluntary_switches();
		const Call c = submit_raw(ctx.fd(), sqes, 0, 0, 0);
		const long sw1 = voluntary_switches();
		require(c.ret == nr + 1 && !c.sub.error, describe(c));
		const std::size_t got = reap_ring_only(ctx);
		require(got >= 1, strf("%lld requests on a disk of %lld: SUBMIT returned with "
				       "no event in the ring (%s)",
				       nr + 1, nr, describe(c).c_str()));
		require(sw1 > sw0, "SUBMIT did not sleep");
		collect_n(ctx, nr + 1 - got);
	});

	s.run("v1_refuses", [&] {
		Context ctx = make_ctx(1);
		Buffer buf(4096);
		const auto sqes = reads(dev.get(), buf, 1);

		require_refused(ctx, sqes,
				{ { AIO_ATTR_SUBMIT_WAIT, 1, -1, "flag" },
				  { AIO_ATTR_SUBMIT_WAIT, 0, 0, "flag alone" },
				  { 0, 1, 0, "min_complete" },
				  { 0, 0, 1000, "timeout_ns" } });
		/* The plain submission still works. */
		const Call c = submit_raw(ctx.fd(), sqes, 0, 0, 0);
		require(c.ret == 1, describe(c));
		collect_n(ctx, 1);
	});

	s.run("v2_needs_flag", [&] {
		Context ctx = make_ctx(2);
		Buffer buf(4096);
		const auto sqes = reads(dev.get(), buf, 1);

		require_refused(ctx, sqes,
				{ { 0, 1, 0, "min_complete without the flag" },
				  { 0, 0, -1, "timeout_ns without the flag" },
				  /* the flags are the low bits: the next one is unknown */
				  { (AIO_ATTR_SUBMIT_FLAGS + 1) & ~AIO_ATTR_SUBMIT_FLAGS, 0, 0,
				    "the lowest unknown flag bit" },
				  { AIO_ATTR_SUBMIT_WAIT | 1u << 31, 1, -1, "flag bit 31" } });
	});

	return s.exit_code();
}
