// SPDX-License-Identifier: GPL-2.0
/*
 * aa_stress - many random 4 KiB I/Os at a queue depth larger than the ring.
 *
 *   aa_stress --dev /dev/ram0 --label brd [--count 100000] [--qd 64] [--ring 2048]
 *	       [--timeout 300]
 *
 * Every request asks for all attributes (120-byte entries), so a 2048-byte
 * ring holds 17 of them and the overflow list must carry the rest.  The
 * consumer waits until more completions are pending than the ring holds
 * before it reaps, so every round goes through the overflow list, whatever
 * the device's completion timing.
 *
 * Cases (ids stress.<label>.*): run, exactly_once, results, attrs, overflow.
 */
#include "aatest.hpp"

#include <random>

using namespace aatest;
using namespace aio_attr;

namespace {

struct Stats {
	uint64_t completed = 0;
	uint64_t duplicates = 0;
	uint64_t unknown = 0;
	uint64_t bad_result = 0;
	uint64_t bad_attrs = 0;
	uint64_t overflowed = 0;
	std::string first_bad;
};

} // namespace

int main(int argc, char **argv)
{
	const char *dev = arg_value(argc, argv, "--dev");
	const std::string label = arg_value(argc, argv, "--label", "dev");
	const uint64_t count =
		std::strtoull(arg_value(argc, argv, "--count", "100000"), nullptr, 0);
	const unsigned qd = arg_num(argc, argv, "--qd", 64);
	const uint32_t ring_bytes = arg_num(argc, argv, "--ring", 2048);
	const auto timeout = std::chrono::seconds(arg_num(argc, argv, "--timeout", 300));
	Suite s("stress." + label);

	if (!dev || !count || !qd) {
		std::fprintf(stderr,
			     "usage: %s --dev DEV --label NAME [--count N] [--qd N] "
			     "[--ring BYTES] [--timeout SEC]\n",
			     argv[0]);
		return 2;
	}

	Stats st;
	std::vector<uint8_t> seen(count, 0);
	uint64_t ring_overflow_total = 0;
	bool ran = false;

	s.run("run", [&] {
		unique_fd fd = open_fd(dev, O_RDWR | O_DIRECT);
		const uint64_t blocks = bdev_bytes(fd.get()) / 4096;
		Context ctx;
		ctx.setup(ring_bytes);
		const uint32_t per_ring = ring_bytes / AIO_ATTR_EVENT_BYTES(AIO_ATTR_NR);
		require(per_ring < qd,
			strf("ring holds %u entries, not fewer than qd %u", per_ring, qd));
		/* Wait for more than the ring holds, but keep the queue reasonably full. */
		const unsigned batch_wait = std::min(qd, std::max(per_ring + 1, qd / 2));

		Buffer bufs(static_cast<std::size_t>(qd) * 4096);
		std::vector<uint32_t> free_slots(qd), slot_of(count);
		std::vector<aio_attr_sqe> sqes(qd);
		for (unsigned i = 0; i < qd; i++)
			free_slots[i] = qd - 1 - i;

		std::mt19937_64 rng(12345);
		uint64_t next = 0, inflight = 0;
		const auto deadline = clock::now() + timeout;
		const auto t0 = clock::now();

		auto on_completion = [&](const Completion &c) {
			if (c.user_data >= count) {
				if (!st.unknown++)
					st.first_bad = strf("unknown user_data %llu",
							    (unsigned long long)c.user_data);
				return;
			}
			if (seen[c.user_data]++) {
				if (!st.duplicates++ && st.first_bad.empty())
					st.first_bad = strf("user_data %llu completed twice",
							    (unsigned long long)c.user_data);
				return;
			}
			st.completed++;
			inflight--;
			free_slots.push_back(slot_of[c.user_data]);
			if (c.overflowed())
				st.overflowed++;
			if (c.result != 4096 && !st.bad_result++ && st.first_bad.empty())
				st.first_bad = format_completion(c);
			const auto ns = c.value(AIO_ATTR_SERVICE_NS);
			const auto cx = c.value(AIO_ATTR_COMPLETION_CTX);
			if ((c.nr_attrs != AIO_ATTR_NR || !ns || !*ns || !cx ||
			     (*cx & AIO_ATTR_CTX_MASK) < AIO_ATTR_CTX_TASK ||
			     (*cx & AIO_ATTR_CTX_MASK) > AIO_ATTR_CTX_HARDIRQ) &&
			    !st.bad_attrs++ && st.first_bad.empty())
				st.first_bad = format_completion(c);
		};

		while (st.completed + st.duplicates + st.unknown < count) {
			/* Top up to qd in flight, in one batch. */
			unsigned n = 0;
			while (inflight + n < qd && next + n < count) {
				const uint64_t ud = next + n;
				const uint32_t slot = free_slots.back();
				const uint64_t off = (rng() % blocks) * 4096;
				std::byte *buf =
					bufs.data() + static_cast<std::size_t>(slot) * 4096;

				free_slots.pop_back();
				slot_of[ud] = slot;
				sqes[n++] = (rng() % 10 < 7) ? prep_read(fd.get(), buf, 4096, off)
								       .data(ud)
								       .attrs(AIO_ATTR_ALL)
							     : prep_write(fd.get(), buf, 4096, off)
								       .data(ud)
								       .attrs(AIO_ATTR_ALL);
			}
			if (n) {
				const SubmitResult r = ctx.submit({ sqes.data(), n });
				require(r.accepted == n,
					strf("submit accepted %u of %u at %llu: %s", r.accepted, n,
					     (unsigned long long)next, std::strerror(r.error)));
				next += n;
				inflight += n;
			}
			const auto left = deadline - clock::now();
			require(left > 0ns,
				strf("timeout: %llu of %llu completed",
				     (unsigned long long)st.completed, (unsigned long long)count));
			const uint32_t want = std::min<uint64_t>(inflight, batch_wait);
			const WaitResult w = ctx.wait(
				want, std::chrono::duration_cast<std::chrono::nanoseconds>(left));
			require(w.error == 0 || w.timed_out(),
				strf("wait: %s", std::strerror(w.error)));
			ctx.reap(on_completion);
		}
		ring_overflow_total = ctx.ring().overflow_total();
		const double secs = std::chrono::duration<double>(clock::now() - t0).count();
		info("%s: %llu I/Os in %.2f s (%.0f IOPS), %llu overflowed events, "
		     "hdr overflow_total %llu posted_total %llu",
		     label.c_str(), (unsigned long long)st.completed, secs, st.completed / secs,
		     (unsigned long long)st.overflowed, (unsigned long long)ring_overflow_total,
		     (unsigned long long)ctx.ring().posted_total());
		require(ctx.wait(1, 0ns).timed_out() && ctx.ring().empty(),
			"completions beyond the submitted ones");
		ran = true;
	});
	s.run("exactly_once", [&] {
		require(ran, "run did not finish");
		uint64_t missing = 0;
		for (uint8_t v : seen)
			missing += v == 0;
		require(!st.duplicates && !st.unknown && !missing,
			strf("%llu missing, %llu duplicate, %llu unknown: %s",
			     (unsigned long long)missing, (unsigned long long)st.duplicates,
			     (unsigned long long)st.unknown, st.first_bad.c_str()));
	});
	s.run("results", [&] {
		require(ran, "run did not finish");
		require(!st.bad_result,
			strf("%llu bad results, first: %s", (unsigned long long)st.bad_result,
			     st.first_bad.c_str()));
	});
	s.run("attrs", [&] {
		require(ran, "run did not finish");
		require(!st.bad_attrs,
			strf("%llu completions with bad attributes, first: %s",
			     (unsigned long long)st.bad_attrs, st.first_bad.c_str()));
	});
	s.run("overflow", [&] {
		require(ran, "run did not finish");
		require(st.overflowed > 0, "no event carried AIO_ATTR_EVF_OVERFLOWED");
		require(ring_overflow_total == st.overflowed,
			strf("hdr overflow_total %llu but %llu events flagged overflowed",
			     (unsigned long long)ring_overflow_total,
			     (unsigned long long)st.overflowed));
	});
	return s.exit_code();
}
