// SPDX-License-Identifier: GPL-2.0
/*
 * aa_blk - aio_attr on one O_DIRECT block device.
 *
 *   aa_blk --dev /dev/ram0 --label brd [--data] [--no-hop] [--unsupported cache,device_ns]
 *
 * --data:        the device stores data (brd, null_blk memory_backed=1): verify it
 * --no-hop:      COMPLETION_CTX must never carry AIO_ATTR_CTX_HOP
 * --unsupported: attributes nothing on this device's path fills
 *
 * Cases (ids blk.<label>.*): probe, rw_result, rw_data, vectored_data,
 * large_data, io_accounting (/proc/self/io counts direct reads and
 * writes), attrs_plausible, unsupported, no_hop, no_attrs, wait_ready,
 * wait_timeout, poll, eventfd, eventfd_order (whenever the eventfd has
 * counted N events, N can be reaped: it counts an event after posting it),
 * unpinned (no page stays pinned after the cases).
 */
#include "aatest.hpp"

#include <array>
#include <atomic>
#include <semaphore>
#include <thread>

#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>

using namespace aatest;
using namespace aio_attr;

namespace {

struct Opts {
	const char *dev = nullptr;
	std::string label;
	bool data = false;
	bool no_hop = false;
	/* --ctx task|softirq|hardirq: every completion must report it */
	uint64_t want_ctx = 0;
	uint64_t unsupported = 0;
};

/* Upper bound for a plausible SERVICE_NS: generous for TCG. */
constexpr uint64_t max_service_ns = 10'000'000'000ULL;

/* Run the calling thread on @cpu, when the machine has it. */
void pin_to_cpu(unsigned cpu)
{
	cpu_set_t set;

	if (cpu >= std::thread::hardware_concurrency())
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	require(!::sched_setaffinity(0, sizeof(set), &set),
		strf("sched_setaffinity: %s", std::strerror(errno)));
}

/*
 * The kernel signals a context's eventfd just after it posts an event, so
 * an event can be reaped before its count lands.  Add @efd's counts to
 * @counted, waiting up to 10 s for each, until they reach @want (or a wait
 * times out); returns the sum.
 */
uint64_t eventfd_count_to(int efd, uint64_t counted, uint64_t want)
{
	pollfd pfd{ efd, POLLIN, 0 };
	uint64_t n = 0;

	while (counted < want && ::poll(&pfd, 1, 10000) == 1) {
		require(::read(efd, &n, 8) == 8, "eventfd read failed");
		counted += n;
	}
	return counted;
}

class Blk {
public:
	explicit Blk(const Opts &o)
	    : o_(o)
	    , fd_(open_fd(o.dev, O_RDWR | O_DIRECT))
	{
		bytes_ = bdev_bytes(fd_.get());
		if (bytes_ < (8u << 20))
			throw std::runtime_error(strf("%s: %llu bytes, need 8 MiB", o.dev,
						      (unsigned long long)bytes_));
		plain_ = open_fd(o.dev, O_RDWR | O_DIRECT);
	}

	static Context context(uint32_t ring_bytes = 64 * 1024)
	{
		Context ctx;

		ctx.setup(ring_bytes);
		return ctx;
	}

	void probe()
	{
		Context ctx;
		const aio_attr_probe p = ctx.probe();
		const uint64_t want = AIO_ATTR_FEAT_EVENTFD | AIO_ATTR_FEAT_OVERFLOW |
				      AIO_ATTR_FEAT_BDEV_DIRECT | AIO_ATTR_FEAT_VECTORED |
				      AIO_ATTR_FEAT_SYNC | AIO_ATTR_FEAT_POLL;

		info("probe: version %u entry %u features %#llx attrs %#llx ring %u..%u "
		     "max_inflight %u max_io_bytes %u",
		     p.version, p.entry_version, (unsigned long long)p.features,
		     (unsigned long long)p.attrs, p.ring_min, p.ring_max, p.max_inflight,
		     p.max_io_bytes);
		require(p.version >= AIO_ATTR_VERSION, "version below AIO_ATTR_VERSION");
		require(p.entry_version == AIO_ATTR_ENTRY_VERSION, "entry_version mismatch");
		require((p.features & want) == want, "a documented feature is missing");
		/* a newer kernel knows more ids than this program's header */
		require((p.attrs & AIO_ATTR_ALL) == AIO_ATTR_ALL,
			"attrs lacks an id of AIO_ATTR_ALL");
		require(p.ring_min == AIO_ATTR_RING_MIN_BYTES && p.ring_max >= p.ring_min,
			"bad ring limits");
		require(p.max_inflight > 0 && p.max_io_bytes >= 4096, "bad limits");

		const aio_attr_setup &s = ctx.setup(4096);
		/* the context knows the ids of the version it was set up with */
		require(s.features == p.features && s.attrs == (p.attrs & AIO_ATTR_ALL),
			"setup disagrees with probe");
		require(s.entry_version == AIO_ATTR_ENTRY_VERSION, "setup entry_version mismatch");
		require(ctx.ring().ring_bytes() == 4096 && ctx.ring().empty(),
			"fresh ring not empty");
	}

	/* WRITE through aio_attr, read back with pread; pwrite, READ back. */
	void rw(bool check_data)
	{
		Context ctx = context();
		Buffer w(64 * 1024), r(64 * 1024);
		const uint64_t off = 1 << 20;

		fill_pattern(w.span(), 1, off);
		require_result(do_one(ctx, prep_write(fd_.get(), w.span(), off).data(1)), w.size());
		if (check_data) {
			require(::pread(plain_.get(), r.data(), r.size(), off) == (ssize_t)r.size(),
				"pread failed");
			const long bad = check_pattern(r.span(), 1, off);
			require(bad < 0, strf("data written by WRITE differs at +%ld", bad));
		}

		fill_pattern(w.span(), 2, off);
		require(::pwrite(plain_.get(), w.data(), w.size(), off) == (ssize_t)w.size(),
			"pwrite failed");
		std::memset(r.data(), 0, r.size());
		require_result(do_one(ctx, prep_read(fd_.get(), r.span(), off).data(2)), r.size());
		if (check_data) {
			const long bad = check_pattern(r.span(), 2, off);
			require(bad < 0, strf("data read by READ differs at +%ld", bad));
		}
	}

	void vectored()
	{
		Context ctx = context();
		Buffer a(4096), b(8192), c(4096), ra(8192), rb(8192);
		const uint64_t off = 2 << 20;
		/* with empty segments, which the pages of the request skip */
		iovec wv[4] = { { a.data(), a.size() },
				{ nullptr, 0 },
				{ b.data(), b.size() },
				{ c.data(), c.size() } };
		iovec rv[4] = { { nullptr, 0 },
				{ ra.data(), ra.size() },
				{ nullptr, 0 },
				{ rb.data(), rb.size() } };

		fill_pattern(a.span(), 3, off);
		fill_pattern(b.span(), 3, off + 4096);
		fill_pattern(c.span(), 3, off + 12288);
		require_result(do_one(ctx, prep_writev(fd_.get(), wv, off).data(10)), 16384);
		require_result(do_one(ctx, prep_readv(fd_.get(), rv, off).data(11)), 16384);
		long bad = check_pattern(ra.span(), 3, off);
		require(bad < 0, strf("READV first iovec differs at +%ld", bad));
		bad = check_pattern(rb.span(), 3, off + 8192);
		require(bad < 0, strf("READV second iovec differs at +%ld", bad));
	}

	/*
	 * /proc/self/io counts a direct write's bytes in write_bytes (as
	 * pwrite(2) with O_DIRECT does; the block layer counts nothing for
	 * writes) and a direct read's in read_bytes.
	 */
	void io_accounting()
	{
		Context ctx = context();
		Buffer b(64 * 1024);
		const uint64_t off = 3 << 20;
		const IoCount c0 = io_count();

		require_result(do_one(ctx, prep_write(fd_.get(), b.span(), off).data(30)),
			       b.size());
		const IoCount c1 = io_count();
		require(c1.write_bytes - c0.write_bytes >= b.size(),
			strf("write_bytes grew by %llu for a %zu-byte write",
			     (unsigned long long)(c1.write_bytes - c0.write_bytes), b.size()));
		require_result(do_one(ctx, prep_read(fd_.get(), b.span(), off).data(31)), b.size());
		const IoCount c2 = io_count();
		require(c2.read_bytes - c1.read_bytes >= b.size(),
			strf("read_bytes grew by %llu for a %zu-byte read",
			     (unsigned long long)(c2.read_bytes - c1.read_bytes), b.size()));
	}

	/* 1 MiB in one request (many pages, possibly several bios): one completion. */
	void large()
	{
		Context ctx = context();
		const std::size_t len = 1 << 20;
		Buffer w(len), r(len);
		const uint64_t off = 4 << 20;

		fill_pattern(w.span(), 4, off);
		require_result(
			do_one(ctx,
			       prep_write(fd_.get(), w.span(), off).data(20).attrs(AIO_ATTR_ALL)),
			len);
		require_result(
			do_one(ctx,
			       prep_read(fd_.get(), r.span(), off).data(21).attrs(AIO_ATTR_ALL)),
			len);
		const long bad = check_pattern(r.span(), 4, off);
		require(bad < 0, strf("1 MiB read back differs at +%ld", bad));
		/* Exactly one completion each: nothing else shows up. */
		require(ctx.wait(1, 0ns).timed_out() && ctx.ring().empty(), "extra completions");
	}

	/* 64 mixed I/Os with every attribute; returns them. */
	std::vector<Completion> batch(Context &ctx, int n = 64)
	{
		Buffer buf(4096 * n);
		std::vector<aio_attr_sqe> sqes;

		for (int i = 0; i < n; i++) {
			const uint64_t off = (uint64_t)(i * 7 % 1024) * 4096;
			auto *p = buf.data() + i * 4096;

			sqes.push_back(i % 2 ? prep_read(fd_.get(), p, 4096, off)
						       .data(100 + i)
						       .attrs(AIO_ATTR_ALL)
					     : prep_write(fd_.get(), p, 4096, off)
						       .data(100 + i)
						       .attrs(AIO_ATTR_ALL));
		}
		submit_all(ctx, sqes);
		auto v = collect_n(ctx, n);
		for (const Completion &c : v)
			require_result(c, 4096);
		return v;
	}

	void attrs_plausible()
	{
		Context ctx = context();
		uint64_t min_ns = UINT64_MAX, max_ns = 0;
		unsigned ctx_count[4] = {};

		for (const Completion &c : batch(ctx)) {
			require(c.attrs().size() == AIO_ATTR_NR,
				strf("%zu records, expected %d", c.attrs().size(), AIO_ATTR_NR));
			for (unsigned i = 0; i < c.attrs().size(); i++) {
				const Attr &a = c.attrs()[i];

				require(a.id == i,
					strf("record %u has id %u: not in ascending order", i,
					     a.id));
				require(a.handled() || a.unsupported(),
					strf("%s has status %u", attr_name(a.id).data(), a.status));
				require(a.handled() || a.value == 0,
					strf("unsupported %s has value %llu",
					     attr_name(a.id).data(), (unsigned long long)a.value));
			}
			const uint64_t ns =
				require_attr(c, AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED);
			require(ns > 0 && ns < max_service_ns,
				strf("implausible service_ns %llu", (unsigned long long)ns));
			min_ns = std::min(min_ns, ns);
			max_ns = std::max(max_ns, ns);
			const uint64_t cx =
				require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
			const uint64_t base = cx & AIO_ATTR_CTX_MASK;
			require(base >= AIO_ATTR_CTX_TASK && base <= AIO_ATTR_CTX_HARDIRQ,
				strf("completion_ctx %s", format_ctx(cx).c_str()));
			require(!(cx & AIO_ATTR_CTX_WORKER), "a block I/O was posted by a worker");
			ctx_count[base]++;
		}
		info("%s: service_ns %llu..%llu, ctx task %u softirq %u hardirq %u",
		     o_.label.c_str(), (unsigned long long)min_ns, (unsigned long long)max_ns,
		     ctx_count[1], ctx_count[2], ctx_count[3]);
		if (o_.want_ctx)
			require(ctx_count[o_.want_ctx] == 64,
				strf("expected all 64 completions in %s context",
				     format_ctx(o_.want_ctx).c_str()));
	}

	void unsupported()
	{
		if (!o_.unsupported)
			throw Skip("no --unsupported list for this device");
		Context ctx = context();

		for (const Completion &c : batch(ctx, 16)) {
			for (unsigned id = 0; id < AIO_ATTR_NR; id++) {
				if (!(o_.unsupported & AIO_ATTR_BIT(id)))
					continue;
				const uint64_t v = require_attr(c, id, AIO_ATTR_ST_UNSUPPORTED);
				require(v == 0, strf("unsupported %s has value %llu",
						     attr_name(id).data(), (unsigned long long)v));
			}
		}
	}

	void no_hop()
	{
		if (!o_.no_hop)
			throw Skip("this device may defer completions");
		Context ctx = context();

		for (const Completion &c : batch(ctx)) {
			const uint64_t cx =
				require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);

			require(!(cx & AIO_ATTR_CTX_HOP),
				strf("user_data %llu completed with %s",
				     (unsigned long long)c.user_data, format_ctx(cx).c_str()));
		}
	}

	/* No attributes requested: the entry is the bare 24-byte event. */
	void no_attrs()
	{
		Context ctx = context();
		Buffer b(4096);

		submit_all(ctx,
			   std::vector<aio_attr_sqe>{ prep_read(fd_.get(), b.span(), 0).data(30) });
		require(ctx.wait(1, 10s).error == 0, "wait for 1 event failed");
		require(ctx.ring().pending_bytes() == AIO_ATTR_EVENT_BYTES(0),
			strf("entry of %u bytes, expected %zu", ctx.ring().pending_bytes(),
			     AIO_ATTR_EVENT_BYTES(0)));
		auto v = collect_n(ctx, 1);
		require(v[0].attrs().empty(), "records returned though none were requested");
		require_result(v[0], 4096);
	}

	void wait_ready()
	{
		Context ctx = context();
		Buffer b(3 * 4096);
		std::vector<aio_attr_sqe> sqes;

		for (int i = 0; i < 3; i++)
			sqes.push_back(prep_read(fd_.get(), b.data() + i * 4096, 4096, i * 4096)
					       .data(40 + i));
		submit_all(ctx, sqes);
		const WaitResult w = ctx.wait(3, 10s);
		require(w.error == 0, strf("wait(3) returned %s", std::strerror(w.error)));
		require(w.ready == 3 && w.overflow == 0,
			strf("ready %u overflow %u, expected 3 and 0", w.ready, w.overflow));
		collect_n(ctx, 3);
		const WaitResult z = ctx.wait(0, 0ns);
		require(z.error == 0 && z.ready == 0, "wait(0, 0) on an empty ring");
	}

	void wait_timeout()
	{
		Context ctx = context();

		WaitResult w = ctx.wait(1, 0ns);
		require(w.timed_out(), "wait(1, 0) on an idle context did not return ETIME");
		const auto t0 = clock::now();
		w = ctx.wait(1, 100ms);
		const auto ms =
			std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0)
				.count();
		require(w.timed_out(), strf("wait(1, 100ms) returned %d, not ETIME", w.error));
		require(ms >= 90 && ms < 5000, strf("wait(1, 100ms) took %lld ms", (long long)ms));
		require(w.ready == 0 && w.overflow == 0, "idle context reports events");
	}

	void poll_fires()
	{
		Context ctx = context();
		Buffer b(4096);
		pollfd pfd{ ctx.fd(), POLLIN | POLLRDNORM, 0 };

		require(::poll(&pfd, 1, 0) == 0, "idle context polls readable");
		submit_all(ctx,
			   std::vector<aio_attr_sqe>{ prep_read(fd_.get(), b.span(), 0).data(50) });
		pfd.revents = 0;
		require(::poll(&pfd, 1, 10000) == 1, "poll timed out with an I/O submitted");
		require((pfd.revents & (POLLIN | POLLRDNORM)) == (POLLIN | POLLRDNORM),
			strf("revents %#x", pfd.revents));
		collect_n(ctx, 1);
		pfd.revents = 0;
		require(::poll(&pfd, 1, 0) == 0, "drained context still polls readable");
	}

	void eventfd()
	{
		unique_fd efd = make_eventfd(0, EFD_NONBLOCK);
		Context ctx;
		Buffer b(4 * 4096);
		std::vector<aio_attr_sqe> sqes;

		ctx.setup(8192, AIO_ATTR_SETUP_EVENTFD, efd.get());
		for (int i = 0; i < 4; i++)
			sqes.push_back(
				prep_read(fd_.get(), b.data() + i * 4096, 4096, 0).data(60 + i));
		submit_all(ctx, sqes);

		pollfd pfd{ efd.get(), POLLIN, 0 };
		require(::poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN),
			"eventfd not readable with I/O submitted");
		require(ctx.wait(4, 10s).error == 0, "4 events did not arrive");
		const uint64_t total = eventfd_count_to(efd.get(), 0, 4);
		uint64_t count = 0;

		require(total == 4, strf("eventfd counted %llu, expected one per event (4)",
					 (unsigned long long)total));
		collect_n(ctx, 4);
		require(::read(efd.get(), &count, 8) < 0 && errno == EAGAIN,
			"eventfd signalled again without new events");
	}

	/*
	 * The eventfd counts an event only after it is in the ring: whenever
	 * it has counted N events, N can be reaped.  A thread on CPU 1
	 * submits 4000 reads, at most 32 in flight, one SUBMIT each; the
	 * consumer on CPU 0 sleeps on the eventfd and reaps when woken, so a
	 * completion posted on the submitter's CPU (brd inside SUBMIT, an
	 * aiodemo timer where it was started) wakes it on the other.  The
	 * ring holds all 32 (no overflow list in the way).
	 */
	void eventfd_order()
	{
		constexpr unsigned total = 4000, depth = 32;
		unique_fd efd = make_eventfd(0, 0);
		Context ctx;
		Buffer b(depth * 4096);
		std::counting_semaphore<depth> credits(depth);
		std::atomic<bool> stop{ false };
		std::string thread_error;
		unsigned reaped = 0;
		uint64_t counted = 0;

		ctx.setup(1 << 20, AIO_ATTR_SETUP_EVENTFD, efd.get());
		std::thread submitter([&] {
			try {
				pin_to_cpu(1);
				for (unsigned i = 0; i < total; i++) {
					credits.acquire();
					if (stop)
						return;
					const aio_attr_sqe sqe =
						prep_read(fd_.get(), b.data() + i % depth * 4096,
							  4096, i % 256 * 4096ULL)
							.data(i);
					submit_all(ctx, { &sqe, 1 });
				}
			} catch (const std::exception &e) {
				thread_error = e.what();
			}
		});
		try {
			pin_to_cpu(0);
			while (reaped < total) {
				pollfd pfd{ efd.get(), POLLIN, 0 };
				uint64_t n = 0;
				unsigned got = 0;

				require(::poll(&pfd, 1, 10000) == 1,
					strf("eventfd not readable, %u of %u reaped", reaped,
					     total));
				require(::read(efd.get(), &n, 8) == 8, "eventfd read failed");
				counted += n;
				ctx.reap([&](const Completion &c) {
					require_result(c, 4096);
					got++;
				});
				reaped += got;
				require(reaped >= counted,
					strf("the eventfd counted %llu events, the ring had %u",
					     (unsigned long long)counted, reaped));
				credits.release(got);
			}
		} catch (...) {
			stop = true;
			credits.release(depth);
			submitter.join();
			throw;
		}
		submitter.join();
		require(thread_error.empty(), "submitter: " + thread_error);
		/* the last events' counts may land after they were reaped */
		counted = eventfd_count_to(efd.get(), counted, total);
		require(counted == total, strf("the eventfd counted %llu of %u events",
					       (unsigned long long)counted, total));
	}

	uint64_t bytes_ = 0;

private:
	const Opts &o_;
	unique_fd fd_;
	unique_fd plain_;
};

} // namespace

int main(int argc, char **argv)
{
	Opts o;

	o.dev = arg_value(argc, argv, "--dev");
	o.label = arg_value(argc, argv, "--label", "dev");
	o.data = arg_flag(argc, argv, "--data");
	o.no_hop = arg_flag(argc, argv, "--no-hop");
	Suite s("blk." + o.label);
	if (const char *c = arg_value(argc, argv, "--ctx", nullptr)) {
		const std::string_view v = c;
		o.want_ctx = v == "task"      ? AIO_ATTR_CTX_TASK
			     : v == "softirq" ? AIO_ATTR_CTX_SOFTIRQ
			     : v == "hardirq" ? AIO_ATTR_CTX_HARDIRQ
					      : 0;
		if (!o.want_ctx) {
			std::fprintf(stderr, "%s: --ctx takes task, softirq or hardirq\n", argv[0]);
			return 2;
		}
	}

	if (!o.dev) {
		std::fprintf(stderr,
			     "usage: %s --dev DEV --label NAME [--data] [--no-hop] "
			     "[--ctx task|softirq|hardirq] [--unsupported LIST]\n",
			     argv[0]);
		return 2;
	}
	std::unique_ptr<Blk> blk;
	long long pins0 = -1;
	s.run("open", [&] {
		pins0 = pins_outstanding();
		o.unsupported = parse_attr_mask(arg_value(argc, argv, "--unsupported", ""));
		blk = std::make_unique<Blk>(o);
	});
	if (!blk)
		return 1;
	s.run("probe", [&] { blk->probe(); });
	s.run("rw_result", [&] { blk->rw(false); });
	s.run("rw_data", [&] {
		if (!o.data)
			throw Skip("device does not store data");
		blk->rw(true);
	});
	s.run("vectored_data", [&] {
		if (!o.data)
			throw Skip("device does not store data");
		blk->vectored();
	});
	s.run("large_data", [&] {
		if (!o.data)
			throw Skip("device does not store data");
		blk->large();
	});
	s.run("io_accounting", [&] { blk->io_accounting(); });
	s.run("attrs_plausible", [&] { blk->attrs_plausible(); });
	s.run("unsupported", [&] { blk->unsupported(); });
	s.run("no_hop", [&] { blk->no_hop(); });
	s.run("no_attrs", [&] { blk->no_attrs(); });
	s.run("wait_ready", [&] { blk->wait_ready(); });
	s.run("wait_timeout", [&] { blk->wait_timeout(); });
	s.run("poll", [&] { blk->poll_fires(); });
	s.run("eventfd", [&] { blk->eventfd(); });
	s.run("eventfd_order", [&] { blk->eventfd_order(); });
	/*
	 * Every request unpinned its pages: before its event, or (a read's
	 * page that lost its dirty bit) soon after, from a worker.
	 */
	s.run("unpinned", [&] {
		require(pins0 >= 0, "no nr_foll_pin_* in /proc/vmstat");
		const long long n = wait_value(pins_outstanding, pins0);

		require(n == pins0,
			strf("%lld pages pinned after the cases, %lld before", n, pins0));
	});
	return s.exit_code();
}
