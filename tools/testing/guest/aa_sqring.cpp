// SPDX-License-Identifier: GPL-2.0
/*
 * aa_sqring - the submission queue (ABI version 3): sqes written into the
 * context's mapping and queued by AIO_ATTR_IOC_ENTER, which takes an
 * integer (min_complete) and copies nothing in or out.
 *
 * Run by tests/api_sqring.sh with --dev DEV (brd), --held DEV (a dm
 * linear over brd that the program suspends with "dmsetup suspend --dm
 * NAME", so that nothing completes until it resumes it), --slow DEV (a
 * disk whose every read takes --slow-ns) and --hardirq DEV (an aiodemo
 * disk that completes in hardirq, 50 us after dispatch).  Cases (prefix
 * "sqring."):
 *   feature        PROBE and a version 3 SETUP advertise the feature; the
 *                  queue is page aligned after the data area, inside
 *                  mmap_bytes, with sq_head 0; sq_entries 0 gives no queue
 *   setup_invalid  sq_entries not a power of two or above the maximum,
 *                  nonzero resv3, and the same bytes in a version 2 or 1
 *                  setup (its resv) are refused with EINVAL
 *   no_queue       ENTER before setup and on a context without a queue is
 *                  EBADFD; min_complete above 32 bits is EINVAL
 *   rw_wrap        writes then reads of a pattern through a queue of 4
 *                  slots, 6 rounds of 4 (positions wrap): every event's
 *                  result, user_data and SERVICE_NS record, the data, and
 *                  sq_head after each call
 *   min_complete   ENTER(2) of 4 reads on the slow disk returns after the
 *                  device could complete them, with 2 events in the ring
 *   refused        a bad opcode and a bad fd among good reads are consumed
 *                  and complete with -EINVAL and -EBADF, no records; the
 *                  good ones complete normally; one call, 4 consumed
 *   tail_ahead     sq_tail more than sq_entries ahead of sq_head: EINVAL,
 *                  nothing consumed
 *   limit          at max_inflight (requests held by the suspended dm
 *                  device) ENTER returns -EAGAIN and leaves the sqe at
 *                  sq_head; after the others complete it is queued
 *   signal         a signal ends ENTER's wait: the consumed count is still
 *                  returned (SA_RESTART does not queue the sqe twice); an
 *                  ENTER that consumed nothing returns -EINTR
 *   hardirq        64 reads through ENTER on the hardirq disk: each result,
 *                  COMPLETION_CTX hardirq with no hop
 *   close_race     300 cycles: reads with all attributes through ENTER on
 *                  the hardirq disk (more than the 2 KiB ring holds: the
 *                  overflow list fills from hardirq) while another thread
 *                  closes the descriptor at a random moment, then the
 *                  mapping goes; every context and request is freed
 *   unpriv         a user without privileges (--uid, default 65534) sets
 *                  up a queue and reads through ENTER on a descriptor it
 *                  was handed
 *   two_enters     two threads call ENTER at once on a queue of 256 reads,
 *                  20 times: each sqe is consumed once (the counts add
 *                  up to 256, 256 events with distinct user_data)
 *   library        Context::get_sqe() until the queue is full (nullptr),
 *                  enter(), sq_pending(), and a slot handed out again
 *   drained        every context closed and request freed
 *
 * "aa_sqring --ioctl" prints the ENTER ioctl number in hex.
 */
#include "aatest.hpp"

#include <atomic>
#include <random>
#include <sys/mman.h>
#include <thread>

using namespace aatest;
using namespace aio_attr;

namespace {

const char *dev_path;
const char *held_path;
const char *dm_name;
const char *slow_path;
const char *hardirq_path;
uid_t unpriv_uid = 65534;
std::chrono::nanoseconds slow_ns{ 20ms };

long long ms(std::chrono::nanoseconds d)
{
	return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/* Version 3 context with a 16 KiB ring and a queue of @entries. */
Context make_ctx(uint32_t entries)
{
	Context ctx;
	aio_attr_setup s{};

	s.version = 3;
	s.ring_bytes = 16384;
	s.eventfd = -1;
	s.sq_entries = entries;
	ctx.setup(s);
	return ctx;
}

aio_attr_ring_hdr *hdr(Context &ctx)
{
	return ctx.c_ctx()->ring.hdr;
}

uint32_t sq_head(Context &ctx)
{
	return __atomic_load_n(&hdr(ctx)->sq_head, __ATOMIC_ACQUIRE);
}

/* A raw AIO_ATTR_IOC_ENTER: the return value, or -errno. */
long enter_raw(int fd, unsigned long arg)
{
	const int r = ::ioctl(fd, AIO_ATTR_IOC_ENTER, arg);

	return r < 0 ? -errno : r;
}

/* Write @sqe into the next slot; fails the case when the queue is full. */
void put(Context &ctx, const aio_attr_sqe &sqe)
{
	aio_attr_sqe *slot = ctx.get_sqe();

	require(slot != nullptr, "get_sqe: queue full");
	*slot = sqe;
}

/* aa_enter() that must consume exactly @n. */
void enter_n(Context &ctx, unsigned n, unsigned min_complete = 0)
{
	const int r = aa_enter(ctx.c_ctx(), min_complete);

	require(r == (int)n, strf("ENTER(%u): %d (%s), expected %u consumed", min_complete, r,
				  r < 0 ? std::strerror(-r) : "consumed", n));
}

/* Completions now in the ring, reaped without a system call. */
std::vector<Completion> ring_only(Context &ctx)
{
	std::vector<Completion> v;

	check(ctx.ring().reap([&](const Completion &c) { v.push_back(c); }));
	return v;
}

const Completion &by_data(const std::vector<Completion> &v, uint64_t data)
{
	for (const Completion &c : v)
		if (c.user_data == data)
			return c;
	throw Fail(strf("no completion with user_data %llu", (unsigned long long)data));
}

struct Held : HeldDm {
	Held()
	    : HeldDm(dm_name)
	{
	}
};

} // namespace

int main(int argc, char **argv)
{
	if (arg_flag(argc, argv, "--ioctl")) {
		std::printf("%#lx\n", (unsigned long)AIO_ATTR_IOC_ENTER);
		return 0;
	}
	dev_path = arg_value(argc, argv, "--dev");
	held_path = arg_value(argc, argv, "--held");
	dm_name = arg_value(argc, argv, "--dm");
	slow_path = arg_value(argc, argv, "--slow");
	hardirq_path = arg_value(argc, argv, "--hardirq");
	unpriv_uid = (uid_t)arg_num(argc, argv, "--uid", 65534);
	slow_ns = std::chrono::nanoseconds(arg_num(argc, argv, "--slow-ns", 20000000));
	if (!dev_path || !held_path || !dm_name || !slow_path || !hardirq_path) {
		std::fprintf(stderr, "usage: aa_sqring --dev DEV --held DEV --dm NAME --slow DEV "
				     "--hardirq DEV [--slow-ns NS] [--uid UID]\n");
		return 2;
	}
	Suite s("sqring");
	const unique_fd dev = open_fd(dev_path, O_RDWR | O_DIRECT);
	const unique_fd held = open_fd(held_path, O_RDONLY | O_DIRECT);
	const unique_fd slow = open_fd(slow_path, O_RDONLY | O_DIRECT);
	const unique_fd hirq = open_fd(hardirq_path, O_RDONLY | O_DIRECT);
	const long long inflight0 = aa_stat("inflight");
	const long long contexts0 = aa_stat("contexts");

	s.run("feature", [] {
		Context probe_ctx;
		const aio_attr_probe p = probe_ctx.probe();

		require(p.version >= 3, strf("probe version %u", p.version));
		require(p.features & AIO_ATTR_FEAT_SQ_RING, "probe: no AIO_ATTR_FEAT_SQ_RING");
		for (uint32_t entries : { 1u, 8u, 128u, AIO_ATTR_SQ_MAX_ENTRIES }) {
			Context ctx = make_ctx(entries);
			const aio_attr_setup &si = ctx.setup_info();
			const uint32_t page = (uint32_t)::sysconf(_SC_PAGESIZE);
			const uint32_t bytes = entries * (uint32_t)sizeof(aio_attr_sqe);

			require(si.features & AIO_ATTR_FEAT_SQ_RING,
				"setup: no AIO_ATTR_FEAT_SQ_RING");
			require(si.sq_offset % page == 0 &&
					si.sq_offset >= si.data_offset + si.ring_bytes &&
					si.sq_offset + bytes <= si.mmap_bytes,
				strf("%u entries: sq_offset %u, data %u + %u, mmap_bytes %u",
				     entries, si.sq_offset, si.data_offset, si.ring_bytes,
				     si.mmap_bytes));
			require(si.mmap_bytes == si.sq_offset + (bytes + page - 1) / page * page,
				strf("%u entries: mmap_bytes %u for the queue at %u", entries,
				     si.mmap_bytes, si.sq_offset));
			require(sq_head(ctx) == 0 && hdr(ctx)->sq_tail == 0,
				strf("sq_head %u sq_tail %u", sq_head(ctx), hdr(ctx)->sq_tail));
			require(ctx.c_ctx()->sqes != nullptr, "library: no queue");
		}
		Context none = make_ctx(0);
		require(none.setup_info().sq_offset == 0 && none.c_ctx()->sqes == nullptr &&
				none.get_sqe() == nullptr,
			strf("sq_entries 0: sq_offset %u", none.setup_info().sq_offset));
	});

	s.run("setup_invalid", [] {
		struct Case {
			uint32_t version, entries;
			uint64_t resv3;
			const char *what;
		};
		for (const Case &c :
		     { Case{ 3, 3, 0, "3 entries" }, Case{ 3, 6, 0, "6 entries" },
		       Case{ 3, AIO_ATTR_SQ_MAX_ENTRIES * 2, 0, "2 x max entries" },
		       Case{ 3, 0x80000000u, 0, "2^31 entries" }, Case{ 3, 8, 1, "resv3[0]" },
		       Case{ 2, 8, 0, "version 2" }, Case{ 1, 8, 0, "version 1" } }) {
			Context ctx;
			aio_attr_setup in{};

			in.version = c.version;
			in.ring_bytes = 16384;
			in.eventfd = -1;
			in.sq_entries = c.entries;
			in.resv3[0] = c.resv3;
			const int r = ::ioctl(ctx.fd(), AIO_ATTR_IOC_SETUP, &in);
			require(r == -1 && errno == EINVAL, strf("%s: SETUP returned %d (%s)",
								 c.what, r, std::strerror(errno)));
			/* refused: the context can still be set up */
			aio_attr_setup ok{};
			ok.version = 3;
			ok.ring_bytes = 16384;
			ok.sq_entries = 8;
			require(::ioctl(ctx.fd(), AIO_ATTR_IOC_SETUP, &ok) == 0,
				strf("%s: a good SETUP after it failed: %s", c.what,
				     std::strerror(errno)));
		}
	});

	s.run("no_queue", [] {
		Context fresh;
		long r = enter_raw(fresh.fd(), 0);
		require(r == -EBADFD, strf("before setup: %ld", r));
		Context none = make_ctx(0);
		r = enter_raw(none.fd(), 0);
		require(r == -EBADFD, strf("without a queue: %ld", r));
		require(aa_enter(none.c_ctx(), 0) == -EBADFD, "library: aa_enter without a queue");
		Context ctx = make_ctx(8);
		r = enter_raw(ctx.fd(), 1UL << 32);
		require(r == -EINVAL, strf("min_complete 2^32: %ld", r));
		r = enter_raw(ctx.fd(), 0);
		require(r == 0, strf("nothing queued: %ld", r));
	});

	s.run("rw_wrap", [&] {
		constexpr unsigned entries = 4, rounds = 6, bs = 4096;
		Context ctx = make_ctx(entries);
		Buffer wbuf(entries * bs), rbuf(entries * bs);
		const uint64_t svc = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS);
		uint32_t pos = 0;

		for (unsigned round = 0; round < rounds; round++) {
			const bool write = round % 2 == 0;
			const uint64_t base = (round / 2) * entries * bs;

			for (unsigned i = 0; i < entries; i++) {
				std::span<std::byte> w = wbuf.span().subspan(i * bs, bs);
				std::span<std::byte> r = rbuf.span().subspan(i * bs, bs);

				if (write)
					fill_pattern(w, round, base + i * bs);
				else
					std::memset(r.data(), 0, bs);
				put(ctx, (write ? prep_write(dev.get(), w, base + i * bs)
						: prep_read(dev.get(), r, base + i * bs))
						 .data(round * 100 + i)
						 .attrs(svc));
			}
			require(ctx.get_sqe() == nullptr, "get_sqe with every slot handed out");
			enter_n(ctx, entries, entries);
			pos += entries;
			require(sq_head(ctx) == pos, strf("round %u: sq_head %u, expected %u",
							  round, sq_head(ctx), pos));
			const auto v = ring_only(ctx);
			require(v.size() == entries, strf("round %u: %zu events in the ring after "
							  "ENTER(%u)",
							  round, v.size(), entries));
			for (unsigned i = 0; i < entries; i++) {
				const Completion &c = by_data(v, round * 100 + i);

				require_result(c, bs);
				require_attr(c, AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED);
				if (!write) {
					const long bad =
						check_pattern(rbuf.span().subspan(i * bs, bs),
							      round - 1, base + i * bs);
					require(bad < 0, strf("round %u slot %u: data differs at "
							      "byte %ld",
							      round, i, bad));
				}
			}
		}
	});

	s.run("min_complete", [&] {
		Context ctx = make_ctx(8);
		Buffer buf(4 * 4096);

		for (unsigned i = 0; i < 4; i++)
			put(ctx, prep_read(slow.get(), buf.data() + i * 4096, 4096, i * 65536ULL)
					 .data(i + 1));
		const auto t0 = clock::now();
		enter_n(ctx, 4, 2);
		const auto took = clock::now() - t0;
		require(took >= slow_ns, strf("ENTER(2) returned after %lld ms, before the device "
					      "could complete anything (%lld ms)",
					      ms(took), ms(slow_ns)));
		const std::size_t got = ring_only(ctx).size();
		require(got >= 2, strf("%zu events in the ring when ENTER(2) returned", got));
		collect_n(ctx, 4 - got);
	});

	s.run("refused", [&] {
		Context ctx = make_ctx(8);
		Buffer buf(2 * 4096);
		const uint64_t svc = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS);
		aio_attr_sqe bad_op = prep_read(dev.get(), buf.data(), 4096, 0).data(2).attrs(svc);

		bad_op.opcode = 0;
		put(ctx, prep_read(dev.get(), buf.data(), 4096, 0).data(1).attrs(svc));
		put(ctx, bad_op);
		put(ctx, prep_read(-1, buf.data(), 4096, 0).data(3).attrs(svc));
		put(ctx, prep_read(dev.get(), buf.data() + 4096, 4096, 4096).data(4).attrs(svc));
		enter_n(ctx, 4);
		require(sq_head(ctx) == 4, strf("sq_head %u after 4 consumed", sq_head(ctx)));
		/* refused ones are posted before ENTER returns */
		auto v = ring_only(ctx);
		require(by_data(v, 2).result == -EINVAL && by_data(v, 2).nr_attrs == 0,
			strf("bad opcode: %s", format_completion(by_data(v, 2)).c_str()));
		require(by_data(v, 3).result == -EBADF && by_data(v, 3).nr_attrs == 0,
			strf("bad fd: %s", format_completion(by_data(v, 3)).c_str()));
		if (v.size() < 4) {
			const auto rest = collect_n(ctx, 4 - v.size());
			v.insert(v.end(), rest.begin(), rest.end());
		}
		require(v.size() == 4, strf("%zu completions for 4 sqes", v.size()));
		for (uint64_t d : { 1ULL, 4ULL }) {
			require_result(by_data(v, d), 4096);
			require_attr(by_data(v, d), AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED);
		}
		require(wait_stat("inflight", inflight0) == inflight0, "requests left in flight");
	});

	s.run("tail_ahead", [&] {
		Context ctx = make_ctx(8);
		Buffer buf(4096);

		put(ctx, prep_read(dev.get(), buf.data(), 4096, 0).data(1));
		enter_n(ctx, 1);
		collect_n(ctx, 1);
		__atomic_store_n(&hdr(ctx)->sq_tail, 1 + 8 + 1, __ATOMIC_RELEASE);
		long r = enter_raw(ctx.fd(), 0);
		require(r == -EINVAL, strf("sq_tail 9 ahead of a queue of 8: %ld", r));
		__atomic_store_n(&hdr(ctx)->sq_tail, 0, __ATOMIC_RELEASE);
		r = enter_raw(ctx.fd(), 0);
		require(r == -EINVAL, strf("sq_tail behind sq_head: %ld", r));
		require(sq_head(ctx) == 1 && ring_only(ctx).empty(),
			strf("sq_head %u: something was consumed", sq_head(ctx)));
	});

	s.run("limit", [&] {
		constexpr unsigned max = 4;
		Param p("max_inflight", std::to_string(max));
		Context ctx = make_ctx(8);
		Buffer buf((max + 1) * 4096);
		Held h;

		for (unsigned i = 0; i <= max; i++)
			put(ctx, prep_read(held.get(), buf.data() + i * 4096, 4096, i * 4096ULL)
					 .data(i + 1));
		int r = aa_enter(ctx.c_ctx(), 0);
		require(r == (int)max,
			strf("ENTER with %u sqes at max_inflight %u: %d", max + 1, max, r));
		require(sq_head(ctx) == max, strf("sq_head %u, expected %u", sq_head(ctx), max));
		r = aa_enter(ctx.c_ctx(), 0);
		require(r == -EAGAIN && sq_head(ctx) == max && ctx.sq_pending() == 1,
			strf("at the limit: %d, sq_head %u, pending %u", r, sq_head(ctx),
			     ctx.sq_pending()));
		h.resume();
		collect_n(ctx, max);
		enter_n(ctx, 1);
		require(sq_head(ctx) == max + 1 && ctx.sq_pending() == 0,
			strf("after the limit: sq_head %u", sq_head(ctx)));
		require_result(collect_n(ctx, 1)[0], 4096);
	});

	s.run("signal", [&] {
		Context ctx = make_ctx(8);
		Buffer buf(4096);
		Held h;
		SignalStorm storm;

		put(ctx, prep_read(held.get(), buf.data(), 4096, 0).data(1));
		const int first = aa_enter(ctx.c_ctx(), 1);
		/* nothing queued now: only the wait, which a signal ends */
		const int second = aa_enter(ctx.c_ctx(), 1);
		storm.stop();
		require(first == 1, strf("ENTER(1) of one held read: %d, expected 1", first));
		require(second == -EINTR, strf("ENTER(1) of nothing: %d, expected -EINTR", second));
		require(sq_head(ctx) == 1, strf("sq_head %u", sq_head(ctx)));
		h.resume();
		collect_n(ctx, 1);
		require(!ctx.ring().overflow() && ring_only(ctx).empty(),
			"a second completion: queued twice");
		require(wait_stat("inflight", inflight0) == inflight0, "requests left in flight");
	});

	s.run("hardirq", [&] {
		constexpr unsigned n = 64;
		Context ctx = make_ctx(n);
		Buffer buf(n * 4096);
		const uint64_t mask =
			AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) | AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX);

		for (unsigned i = 0; i < n; i++)
			put(ctx, prep_read(hirq.get(), buf.data() + i * 4096, 4096, i * 4096ULL)
					 .data(i)
					 .attrs(mask));
		enter_n(ctx, n, n);
		const auto v = collect_n(ctx, n);
		for (const Completion &c : v) {
			require_result(c, 4096);
			const uint64_t where =
				require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
			require((where & AIO_ATTR_CTX_MASK) == AIO_ATTR_CTX_HARDIRQ &&
					!(where & AIO_ATTR_CTX_HOP),
				strf("user_data %llu: %s", (unsigned long long)c.user_data,
				     format_completion(c).c_str()));
		}
	});

	s.run("close_race", [&] {
		constexpr unsigned qd = 32, cycles = 300;
		std::mt19937_64 rng(20261202);
		Buffer buf(qd * 4096);
		unsigned before = 0, between = 0, after = 0;

		for (unsigned cycle = 0; cycle < cycles; cycle++) {
			aa_ctx c;
			aio_attr_setup in{};

			in.version = 3;
			in.ring_bytes = AIO_ATTR_RING_MIN_BYTES;
			in.sq_entries = qd;
			require(aa_ctx_open(&c, nullptr) == 0, "open /dev/aio_attr");
			const int r = aa_ctx_setup(&c, &in);
			if (r) {
				aa_ctx_close(&c);
				throw Fail(strf("setup: %s", std::strerror(-r)));
			}
			/*
			 * Only the descriptor goes while ENTERs run: the mapping, which
			 * the sqes are written into, goes after, and is then the last
			 * reference - the release meets completions still arriving.
			 */
			const int fd = c.fd;
			/* from before the first ENTER to after the last (TCG) */
			const unsigned spin_n = rng() % 4000000;
			std::thread closer([fd, spin_n] {
				spin(spin_n);
				::close(fd);
			});
			unsigned sent = 0;
			while (sent < qd) {
				for (unsigned i = sent; i < sent + 8; i++) {
					aio_attr_sqe *q = aa_get_sqe(&c);

					require(q != nullptr, "get_sqe: queue full");
					aa_prep_read(q, hirq.get(), buf.data() + i * 4096, 4096,
						     (rng() % 4096) * 4096);
					aa_sqe_set_data(q, i);
					aa_sqe_set_attrs(q, AIO_ATTR_ALL);
				}
				const int e = aa_enter(&c, 0);
				if (e == -EBADF)
					break;
				require(e == 8, strf("cycle %u: ENTER of 8: %d", cycle, e));
				sent += 8;
			}
			before += sent == 0;
			between += sent && sent < qd;
			after += sent == qd;
			closer.join();
			c.fd = -1;
			aa_ctx_close(&c);
		}
		require_drained(contexts0, inflight0);
		info("%u cycles, closed: %u before the first ENTER, %u between, %u after all %u "
		     "reads",
		     cycles, before, between, after, qd);
	});

	s.run("unpriv", [&] {
		const int devfd = dev.get();

		run_as(unpriv_uid, unpriv_uid, [devfd] {
			Context ctx = make_ctx(8);
			Buffer buf(4 * 4096);

			for (unsigned i = 0; i < 4; i++)
				put(ctx, prep_read(devfd, buf.data() + i * 4096, 4096, i * 4096ULL)
						 .data(i)
						 .attrs(AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS)));
			enter_n(ctx, 4, 4);
			for (const Completion &c : collect_n(ctx, 4)) {
				require_result(c, 4096);
				require_attr(c, AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED);
			}
		});
	});

	s.run("two_enters", [&] {
		constexpr unsigned n = 256;
		Context ctx = make_ctx(n);
		Buffer buf(4096);

		for (unsigned round = 0; round < 20; round++) {
			for (unsigned i = 0; i < n; i++)
				put(ctx, prep_read(dev.get(), buf.data(), 4096, (i % 64) * 4096ULL)
						 .data(round * n + i));
			__atomic_store_n(&hdr(ctx)->sq_tail, ctx.c_ctx()->sq_tail,
					 __ATOMIC_RELEASE);
			std::atomic<bool> go{ false };
			long other = 0;
			std::thread t([&] {
				while (!go.load())
					;
				other = enter_raw(ctx.fd(), 0);
			});
			go = true;
			const long mine = enter_raw(ctx.fd(), 0);
			t.join();
			require(mine >= 0 && other >= 0 && mine + other == n,
				strf("round %u: the two ENTERs consumed %ld and %ld of %u", round,
				     mine, other, n));
			const auto v = collect_n(ctx, n);
			std::vector<bool> seen(n);
			for (const Completion &c : v) {
				const uint64_t i = c.user_data - round * n;
				require(i < n && !seen[i],
					strf("round %u: user_data %llu twice or unknown", round,
					     (unsigned long long)c.user_data));
				seen[i] = true;
				require_result(c, 4096);
			}
			require(ring_only(ctx).empty(),
				strf("round %u: more than %u events", round, n));
		}
	});

	s.run("library", [&] {
		Context ctx;
		aio_attr_setup in{};
		in.version = AIO_ATTR_VERSION;
		in.ring_bytes = 16384;
		in.sq_entries = 2;
		ctx.setup(in);
		Buffer buf(4096);

		require(ctx.get_sqe() && ctx.get_sqe() && !ctx.get_sqe(),
			"get_sqe of a queue of 2: not 2 slots then nullptr");
		require(ctx.sq_pending() == 2, strf("sq_pending %u", ctx.sq_pending()));
		/* the two slots handed out must be filled: reads */
		ctx.c_ctx()->sqes[0] = prep_read(dev.get(), buf.data(), 4096, 0).data(10);
		ctx.c_ctx()->sqes[1] = prep_read(dev.get(), buf.data(), 4096, 0).data(11);
		const EnterResult r = ctx.enter(2);
		require(r.consumed == 2 && r.error == 0,
			strf("enter: %u consumed, error %d", r.consumed, r.error));
		require(ctx.sq_pending() == 0 && ctx.get_sqe() != nullptr,
			"the consumed slots are not free again");
		require(ring_only(ctx).size() == 2, "the completions are not in the ring");
	});

	s.run("drained", [&] { require_drained(contexts0, inflight0); });
	return s.exit_code();
}
