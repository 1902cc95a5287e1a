// SPDX-License-Identifier: GPL-2.0
/*
 * aa_fuzz - random ioctl, mmap, poll and close calls on /dev/aio_attr.
 *
 *   aa_fuzz --bdev /dev/ram0:brd [--bdev DEV:LABEL...] [--file PATH:LABEL...]
 *	     [--seed N] [--calls 100000] [--time 50] [--threads 2]
 *
 * --bdev: a block device, opened O_RDWR | O_DIRECT (our own bio path)
 * --file: a regular file (created, 8 MiB), opened without O_DIRECT (the
 *         file's ->read_iter/->write_iter path)
 *
 * Up to four contexts live at a time, some with tiny rings so completions
 * go through the overflow list, some with an eventfd.  Each step picks one
 * of: SUBMIT a batch of 1-16 requests, WAIT, reap, PROBE, a SETUP and mmap
 * on a scratch context with random arguments, poll(), a second mapping of
 * a ring, closing a context (I/O possibly in flight) and opening another.
 * Requests are mostly valid; about a third carry one defect (bad fd or
 * opcode, reserved bits, odd length, offset or alignment, huge length,
 * NULL, PROT_NONE or read-only buffers, bad iovec arrays, wrong direction,
 * a pipe, past the end of the device).  The generator knows what each
 * defect must give: the documented errno from SUBMIT, or acceptance and a
 * given result.  Every accepted request must complete exactly once, on its
 * own context, with the expected result (through the overflow list too),
 * and the eventfd must count every completion.
 *
 * --threads fuzzers (seeds N, N+1, ...) run at once, each with its own
 * contexts and descriptors, so calls also race on the other vCPU.  The
 * seed is printed; --seed replays a run (exactly with --threads 1).  Stops
 * after --calls calls in all or --time seconds, whichever comes first;
 * fewer than --calls is a failure.
 * Ids: fuzz.run, fuzz.exactly_once, fuzz.errnos, fuzz.results, fuzz.eventfd,
 * fuzz.drained.
 */
#include "aatest.hpp"

#include <atomic>
#include <map>
#include <optional>
#include <thread>
#include <random>
#include <unordered_map>

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

using namespace aatest;
using namespace aio_attr;

namespace {

constexpr uint64_t file_bytes = 8 << 20;
constexpr std::size_t pool_bytes = 4 << 20;
constexpr unsigned max_ctx = 4;
constexpr unsigned ctx_outstanding_cap = 256;

struct Target {
	std::string label;
	std::string path;
	bool bdev = false;  /* O_DIRECT block device */
	unique_fd fd;       /* O_RDWR */
	unique_fd ro;       /* O_RDONLY */
	unique_fd wo;       /* O_WRONLY */
	uint64_t size = 0;
	uint32_t lbs = 1;   /* alignment of offset and length */
	uint32_t align = 1; /* alignment of buffer addresses */
	/* per target: requests accepted, refused, completed */
	uint64_t accepted = 0, refused = 0, completed = 0;
};

/* What one request must give. */
struct Expect {
	enum Kind { accept, refuse } kind = accept;
	int err = 0;		/* refuse: the errno */
	int64_t lo = 0, hi = 0; /* accept: result in [lo, hi] */
	const char *what = "valid";
	unsigned target = 0;
};

struct Pending {
	unsigned ctx_id;
	Expect exp;
	bool sync;
};

struct LiveCtx {
	unsigned id;
	Context ctx;
	unique_fd evfd;
	uint64_t completions = 0; /* completions reaped */
	uint64_t ev_count = 0;	  /* eventfd total read */
	uint32_t outstanding = 0; /* accepted, not reaped */
};

struct Stats {
	uint64_t calls = 0, submits = 0, accepted = 0, refused = 0, completed = 0;
	uint64_t overflowed = 0, bad_errno = 0, bad_result = 0, unknown = 0, wrong_ctx = 0;
	uint64_t bad_eventfd = 0, ctx_closed_busy = 0, setups = 0, mmaps = 0, eagain = 0;
	std::map<std::string, uint64_t> errnos; /* "EINVAL" -> count of refusals */
	std::string first_bad;
	void add(const Stats &o)
	{
		for (auto [d, v] : { std::pair{ &calls, o.calls }, { &submits, o.submits },
				     { &accepted, o.accepted }, { &refused, o.refused },
				     { &completed, o.completed }, { &overflowed, o.overflowed },
				     { &bad_errno, o.bad_errno }, { &bad_result, o.bad_result },
				     { &unknown, o.unknown }, { &wrong_ctx, o.wrong_ctx },
				     { &bad_eventfd, o.bad_eventfd },
				     { &ctx_closed_busy, o.ctx_closed_busy }, { &setups, o.setups },
				     { &mmaps, o.mmaps }, { &eagain, o.eagain } })
			*d += v;
		for (const auto &[name, n] : o.errnos)
			errnos[name] += n;
		if (first_bad.empty())
			first_bad = o.first_bad;
	}
	void bad(uint64_t &counter, const std::string &why)
	{
		counter++;
		if (first_bad.empty())
			first_bad = why;
	}
};

/*
 * What all fuzzer threads have accepted and not reaped (they share the
 * user's limits): pending requests and syncs, and those of contexts
 * closed with I/O in flight, which are never reaped.
 */
struct Shared {
	std::atomic<int64_t> pending{ 0 }, syncs{ 0 }, forgotten{ 0 }, forgotten_syncs{ 0 };
};

std::string errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : strf("errno%d", e);
}

class Fuzzer {
public:
	Fuzzer(uint64_t seed, std::vector<Target> &targets, Shared &shared)
	    : rng_(seed)
	    , sh_(shared)
	    , targets_(targets)
	    , pool_(pool_bytes + 8192) /* slack for the misaligned-buffer cases */
	{
		void *p = ::mmap(nullptr, 4 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			throw_errno("mmap PROT_NONE");
		none_ = Mapping(p, 4 * 4096);
		p = ::mmap(nullptr, 64 * 1024, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			throw_errno("mmap PROT_READ");
		rdonly_ = Mapping(p, 64 * 1024);
		int fds[2];
		if (::pipe2(fds, O_CLOEXEC))
			throw_errno("pipe");
		pipe_r_.reset(fds[0]);
		pipe_w_.reset(fds[1]);
		dir_ = open_fd("/", O_RDONLY | O_DIRECTORY);
		/* a descriptor number that is surely closed */
		unique_fd tmp = open_fd("/dev/null", O_RDONLY);
		closed_fd_ = tmp.get() + 500;
		Context c;
		probe_ = c.probe();
		calls_++;
		/* per-user limits, where the module has them */
		const long long syncs = read_sysfs_num(
			"/sys/module/aio_attr/parameters/max_syncs_per_user");
		const long long per_user = read_sysfs_num(
			"/sys/module/aio_attr/parameters/max_inflight_per_user");
		max_syncs_ = syncs > 0 ? syncs : UINT64_MAX;
		max_user_ = per_user > 0 ? per_user : UINT64_MAX;
	}

	Stats &stats() { return st_; }
	uint64_t calls() const { return calls_; }

	void step()
	{
		while (live_.size() < 2)
			open_ctx();
		const unsigned r = pick(1000);
		if (r < 330)
			submit_batch();
		else if (r < 700)
			do_wait();
		else if (r < 730)
			reap_some(*live_[pick(live_.size())]);
		else if (r < 860)
			do_probe();
		else if (r < 875)
			fuzz_setup();
		else if (r < 945)
			do_poll();
		else if (r < 975)
			second_map();
		else if (r < 990)
			close_ctx(pick(live_.size()), r < 983);
		else
			drain(*live_[pick(live_.size())], std::chrono::seconds(20));
		if (live_.size() < max_ctx && pick(50) == 0)
			open_ctx();
	}

	/* Reap everything outstanding on every context, then close them all. */
	void finish()
	{
		for (auto &c : live_)
			drain(*c, std::chrono::seconds(30));
		while (!live_.empty())
			close_ctx(0, true);
	}

	std::size_t pending() const { return pending_.size(); }

private:
	/* uniform in [0, n) */
	unsigned pick(unsigned n) { return n ? rng_() % n : 0; }
	bool chance(unsigned pct) { return pick(100) < pct; }

	void open_ctx()
	{
		auto c = std::make_unique<LiveCtx>(LiveCtx{ next_ctx_id_++, Context{}, {}, 0, 0, 0 });
		calls_++;
		static constexpr uint32_t sizes[] = { 2048, 2048, 2048, 4096, 8192, 65536 };
		const uint32_t ring = sizes[pick(std::size(sizes))];
		if (chance(50)) {
			c->evfd = make_eventfd(0, EFD_NONBLOCK);
			c->ctx.setup(ring, AIO_ATTR_SETUP_EVENTFD, c->evfd.get());
		} else {
			c->ctx.setup(ring);
		}
		calls_ += 2; /* setup + mmap */
		live_.push_back(std::move(c));
	}

	void read_eventfd(LiveCtx &c)
	{
		uint64_t v;

		if (c.evfd && ::read(c.evfd.get(), &v, sizeof(v)) == sizeof(v))
			c.ev_count += v;
	}

	/*
	 * The eventfd is added to just after an event is posted (abi.rst,
	 * "Notification"): when the ring has all of a context's events, the
	 * last additions may still be on their way - from a worker, say.
	 * Wait for them, for a bounded time.
	 */
	void settle_eventfd(LiveCtx &c)
	{
		const auto deadline = clock::now() + std::chrono::seconds(5);

		read_eventfd(c);
		while (c.evfd && c.ev_count < c.completions && clock::now() < deadline) {
			struct pollfd p = { c.evfd.get(), POLLIN, 0 };

			::poll(&p, 1, 100);
			read_eventfd(c);
		}
	}

	/* Close context @idx; @busy: even with I/O in flight. */
	void close_ctx(unsigned idx, bool busy)
	{
		LiveCtx &c = *live_[idx];

		if (!busy)
			drain(c, std::chrono::seconds(20));
		if (c.outstanding) {
			st_.ctx_closed_busy++;
			/* its completions are dropped: forget them */
			for (auto it = pending_.begin(); it != pending_.end();) {
				if (it->second.ctx_id != c.id) {
					++it;
					continue;
				}
				sh_.syncs -= it->second.sync;
				sh_.pending--;
				sh_.forgotten_syncs += it->second.sync;
				sh_.forgotten++;
				it = pending_.erase(it);
			}
		} else {
			settle_eventfd(c);
			if (c.evfd && c.ev_count != c.completions)
				st_.bad(st_.bad_eventfd,
					strf("ctx %u: eventfd counted %llu, %llu completions", c.id,
					     (unsigned long long)c.ev_count,
					     (unsigned long long)c.completions));
		}
		live_.erase(live_.begin() + idx);
		calls_ += 2; /* munmap + close */
	}

	void on_completion(LiveCtx &c, const Completion &comp)
	{
		st_.completed++;
		c.completions++;
		if (comp.overflowed())
			st_.overflowed++;
		auto it = pending_.find(comp.user_data);
		if (it == pending_.end()) {
			st_.bad(st_.unknown, strf("ctx %u: unknown or repeated user_data %llu", c.id,
						  (unsigned long long)comp.user_data));
			return;
		}
		const Expect &e = it->second.exp;
		if (it->second.ctx_id != c.id) {
			st_.bad(st_.wrong_ctx,
				strf("user_data %llu of ctx %u completed on ctx %u",
				     (unsigned long long)comp.user_data, it->second.ctx_id, c.id));
		} else {
			c.outstanding--;
		}
		if (comp.result < e.lo || comp.result > e.hi)
			st_.bad(st_.bad_result,
				strf("%s on %s: result %lld (%s), expected [%lld, %lld]", e.what,
				     targets_[e.target].label.c_str(), (long long)comp.result,
				     comp.result < 0 ? errname(-comp.result).c_str() : "bytes",
				     (long long)e.lo, (long long)e.hi));
		targets_[e.target].completed++;
		sh_.syncs -= it->second.sync;
		sh_.pending--;
		pending_.erase(it);
	}

	void reap_some(LiveCtx &c)
	{
		c.ctx.reap([&](const Completion &comp) { on_completion(c, comp); });
		read_eventfd(c);
	}

	void drain(LiveCtx &c, std::chrono::seconds timeout)
	{
		const auto deadline = clock::now() + timeout;

		reap_some(c);
		while (c.outstanding && clock::now() < deadline) {
			c.ctx.wait(1, std::chrono::milliseconds(100));
			calls_++;
			reap_some(c);
		}
		if (c.outstanding)
			throw Fail(strf("ctx %u: %u completions missing after %lld s (seed %llu)", c.id,
					c.outstanding, (long long)timeout.count(),
					(unsigned long long)seed_hint_));
		read_eventfd(c);
	}

	void do_wait()
	{
		LiveCtx &c = *live_[pick(live_.size())];
		aio_attr_wait w{};
		int want_err = 0;

		w.min_events = pick(4);
		static constexpr int64_t timeouts[] = { 0, 0, 0, 0, 0, 0, 0, 20000 };
		w.timeout_ns = timeouts[pick(std::size(timeouts))];
		if (chance(5)) {
			w.flags = 1u << pick(32);
			want_err = EINVAL;
		} else if (chance(3)) {
			w.resv[pick(2)] = 1 + rng_();
			want_err = EINVAL;
		}
		calls_++;
		const int ret = ::ioctl(c.ctx.fd(), AIO_ATTR_IOC_WAIT, &w);
		const int e = ret < 0 ? errno : 0;
		if (want_err) {
			if (e != want_err)
				st_.bad(st_.bad_errno, strf("WAIT with bad flags/resv: %d %s", ret,
							    errname(e).c_str()));
		} else if (ret < 0 && e != ETIME) {
			st_.bad(st_.bad_errno, strf("WAIT min %u timeout %lld: %s", w.min_events,
						    (long long)w.timeout_ns, errname(e).c_str()));
		} else if (ret == 0 && w.ready + w.overflow < w.min_events) {
			st_.bad(st_.bad_errno, strf("WAIT returned 0 with ready %u overflow %u < %u",
						    w.ready, w.overflow, w.min_events));
		}
		/* reaping only now and then lets tiny rings overflow */
		if (chance(25))
			reap_some(c);
	}

	void do_probe()
	{
		LiveCtx &c = *live_[pick(live_.size())];
		aio_attr_probe p{};
		const bool bad = chance(30);

		if (bad)
			p.resv[pick(4)] = 1 + rng_();
		calls_++;
		const int ret = ::ioctl(c.ctx.fd(), AIO_ATTR_IOC_PROBE, &p);
		const int e = ret < 0 ? errno : 0;
		if (bad ? e != EINVAL : (ret != 0 || p.version < AIO_ATTR_VERSION))
			st_.bad(st_.bad_errno,
				strf("PROBE (resv %s): %d %s", bad ? "set" : "zero", ret,
				     errname(e).c_str()));
	}

	/* Random SETUP on a scratch context, then random mmaps of it. */
	void fuzz_setup()
	{
		unique_fd fd = open_fd(Context::default_path, O_RDWR);
		bool was_setup = false;

		calls_++;
		st_.setups++;
		for (int round = 0; round < 3; round++) {
			aio_attr_setup s{};
			std::vector<int> ok; /* errnos allowed; empty: must succeed */
			s.version = AIO_ATTR_VERSION;
			static constexpr uint32_t sizes[] = { 2048, 4096, 65536, 1u << 18 };
			s.ring_bytes = sizes[pick(std::size(sizes))];
			s.eventfd = -1;
			unique_fd ev;
			switch (pick(9)) {
			case 0:
				s.version = chance(50) ? 0 : probe_.version + 1 + pick(100);
				ok = { EINVAL };
				break;
			case 1:
				s.flags = 2u << pick(31);
				ok = { EINVAL };
				break;
			case 2:
				s.ring_bytes = chance(50) ? s.ring_bytes + 8 * (1 + pick(64))
							  : (chance(50) ? 1024 : 0);
				ok = { EINVAL };
				break;
			case 3:
				s.ring_bytes = probe_.ring_max << 1;
				ok = { EINVAL };
				break;
			case 4:
				if (chance(50))
					s.resv0 = 1;
				else
					s.resv[pick(3)] = 1ULL << pick(64);
				ok = { EINVAL };
				break;
			case 5:
				s.flags = AIO_ATTR_SETUP_EVENTFD;
				s.eventfd = chance(50) ? closed_fd_ : pipe_r_.get();
				ok = { EBADF, EINVAL };
				break;
			case 6:
				s.flags = AIO_ATTR_SETUP_EVENTFD;
				ev = make_eventfd();
				s.eventfd = ev.get();
				break;
			default:
				break;
			}
			calls_++;
			const int ret = ::ioctl(fd.get(), AIO_ATTR_IOC_SETUP, &s);
			const int e = ret < 0 ? errno : 0;
			if (was_setup) {
				/* a second SETUP: EBUSY, or the argument error found first */
				if (ret == 0 || (e != EBUSY &&
						 std::find(ok.begin(), ok.end(), e) == ok.end()))
					st_.bad(st_.bad_errno, strf("second SETUP: %d %s", ret,
								    errname(e).c_str()));
			} else if (ok.empty() ? ret != 0
					      : (ret == 0 ||
						 std::find(ok.begin(), ok.end(), e) == ok.end())) {
				st_.bad(st_.bad_errno,
					strf("SETUP v%u flags %#x ring %u evfd %d resv0 %u: %d %s",
					     s.version, s.flags, s.ring_bytes, s.eventfd, s.resv0, ret,
					     errname(e).c_str()));
			}
			if (ret == 0) {
				was_setup = true;
				fuzz_mmap(fd.get(), s.mmap_bytes);
			}
		}
		calls_++; /* close */
	}

	void fuzz_mmap(int fd, uint32_t mmap_bytes)
	{
		for (int i = 0; i < 2; i++) {
			std::size_t len = mmap_bytes;
			off_t off = 0;
			int flags = MAP_SHARED;
			bool good = true;
			switch (pick(5)) {
			case 0:
				len = mmap_bytes + 4096 * (1 + pick(4));
				good = false;
				break;
			case 1:
				off = 4096 * (1 + pick(4));
				good = false;
				break;
			case 2:
				flags = MAP_PRIVATE;
				good = false;
				break;
			case 3:
				len = 4096; /* the header alone */
				break;
			default:
				break;
			}
			calls_++;
			st_.mmaps++;
			void *p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, flags, fd, off);
			const int e = errno;
			if (p != MAP_FAILED) {
				const auto *hdr = static_cast<const aio_attr_ring_hdr *>(p);
				if (!good)
					st_.bad(st_.bad_errno,
						strf("mmap len %zu off %lld flags %#x of a %u-byte ring "
						     "succeeded",
						     len, (long long)off, flags, mmap_bytes));
				else if (hdr->entry_version != AIO_ATTR_ENTRY_VERSION ||
					 hdr->data_offset >= mmap_bytes)
					st_.bad(st_.bad_errno, "mapped header is not a ring header");
				::munmap(p, len);
			} else if (good || e != EINVAL) {
				st_.bad(st_.bad_errno, strf("mmap len %zu off %lld flags %#x: %s", len,
							    (long long)off, flags, errname(e).c_str()));
			}
		}
	}

	void do_poll()
	{
		LiveCtx &c = *live_[pick(live_.size())];
		pollfd p{ c.ctx.fd(), POLLIN, 0 };

		calls_++;
		const int n = ::poll(&p, 1, pick(2));
		if (n < 0)
			st_.bad(st_.bad_errno, strf("poll: %s", errname(errno).c_str()));
		/* only we consume: what poll saw is still there */
		if (n == 1 && (p.revents & POLLIN) && c.ctx.ring().empty() && !c.ctx.ring().overflow())
			st_.bad(st_.bad_errno, "poll said readable, but ring and overflow are empty");
		if (chance(25))
			reap_some(c);
	}

	/* Map a live ring a second time; both views must agree. */
	void second_map()
	{
		LiveCtx &c = *live_[pick(live_.size())];
		const uint32_t bytes = c.ctx.setup_info().mmap_bytes;

		calls_ += 2;
		st_.mmaps++;
		void *p = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, c.ctx.fd(), 0);
		if (p == MAP_FAILED) {
			st_.bad(st_.bad_errno, strf("second mapping: %s", errname(errno).c_str()));
			return;
		}
		const auto *hdr = static_cast<const aio_attr_ring_hdr *>(p);
		if (hdr->ring_bytes != c.ctx.ring().ring_bytes() ||
		    hdr->head != c.ctx.ring().head())
			st_.bad(st_.bad_errno, "two mappings of one ring disagree");
		::munmap(p, bytes);
	}

	/* ------------------------------------------------------------------ */

	uint32_t rand_len(const Target &t)
	{
		/* mostly small: large I/O is slow under TCG, calls are what count */
		uint32_t blocks;
		const unsigned r = pick(1000);

		if (r < 948)
			blocks = 1 + pick(8);
		else if (r < 998)
			blocks = 1 + pick((64u << 10) / std::max<uint32_t>(t.lbs, 512));
		else
			blocks = 1 + pick((1u << 20) / std::max<uint32_t>(t.lbs, 512));
		uint32_t len = t.bdev ? blocks * t.lbs : 1 + pick(blocks * 512);
		return std::min<uint32_t>(len, pool_bytes / 2);
	}

	std::byte *rand_buf(const Target &t, uint32_t len)
	{
		const std::size_t room = pool_bytes - len;
		const std::size_t align = t.bdev ? t.align : 1;
		return pool_.data() + (pick(room / align + 1) * align);
	}

	uint64_t rand_off(const Target &t, uint32_t len)
	{
		const uint64_t room = t.size > len ? t.size - len : 0;
		const uint64_t unit = t.bdev ? t.lbs : 1;
		return (rng_() % (room / unit + 1)) * unit;
	}

	/* A valid request on target @ti; fills @e with its result range. */
	aio_attr_sqe valid_sqe(unsigned ti, Expect &e, std::vector<iovec> &iov)
	{
		const Target &t = targets_[ti];
		aio_attr_sqe sqe{};
		const unsigned r = pick(100);

		e = {};
		e.target = ti;
		sqe.fd = t.fd.get();
		sqe.attr_mask = rng_() & AIO_ATTR_ALL;
		if (chance(10)) {
			static constexpr uint16_t prios[] = {
				ioprio(IoprioClass::be, 0),
				ioprio(IoprioClass::be, 7),
				ioprio(IoprioClass::idle, 0),
				ioprio(IoprioClass::rt, 3), /* we are root */
			};
			sqe.ioprio = prios[pick(std::size(prios))];
		}
		if (r < 6) {
			sqe.opcode = r < 3 ? AIO_ATTR_OP_FSYNC : AIO_ATTR_OP_FDATASYNC;
			sqe.ioprio = 0;
			e.lo = e.hi = 0;
			return sqe;
		}
		const bool write = (r % 2) == 1;
		const bool vec = r >= 80;
		uint32_t len;
		if (vec) {
			const unsigned n = 1 + pick(8);
			len = 0;
			iov.resize(n);
			for (unsigned i = 0; i < n; i++) {
				const uint32_t l = rand_len(t) / n;
				const uint32_t li = t.bdev ? std::max(l / t.lbs, 1u) * t.lbs
							   : std::max(l, 1u);
				iov[i] = { rand_buf(t, li), li };
				len += li;
			}
			sqe.opcode = write ? AIO_ATTR_OP_WRITEV : AIO_ATTR_OP_READV;
			sqe.addr = reinterpret_cast<uintptr_t>(iov.data());
			sqe.len = n;
		} else {
			len = rand_len(t);
			sqe.opcode = write ? AIO_ATTR_OP_WRITE : AIO_ATTR_OP_READ;
			sqe.addr = reinterpret_cast<uintptr_t>(rand_buf(t, len));
			sqe.len = len;
		}
		sqe.offset = rand_off(t, len);
		e.lo = e.hi = len;
		/* at or across the end of a block device */
		if (t.bdev && chance(4)) {
			const uint64_t back = t.lbs * pick(len / t.lbs + 1);
			sqe.offset = t.size - std::min<uint64_t>(back, t.size);
			const uint64_t left = t.size - sqe.offset;
			if (!left)
				e.lo = e.hi = write ? -ENOSPC : 0;
			else
				e.lo = e.hi = std::min<uint64_t>(left, len);
		} else if (!t.bdev && !write && chance(3)) {
			sqe.offset = file_bytes + (rng_() % (1ULL << 40));
			e.lo = e.hi = 0;
		}
		return sqe;
	}

	/*
	 * Point @sqe at @map, memory it cannot use (PROT_NONE, or read-only for
	 * a READ), inside the device or file so that something is copied.  An
	 * O_DIRECT block device pins at submission: EFAULT; a file copies
	 * later and faults on the first byte: a -EFAULT result.
	 */
	bool bad_buffer(aio_attr_sqe &sqe, Expect &e, const Mapping &map, const char *what)
	{
		const Target &t = targets_[e.target];

		sqe.addr = reinterpret_cast<uintptr_t>(map.get());
		sqe.len = std::min<uint32_t>(sqe.len, map.size());
		if (t.bdev)
			sqe.len = std::max<uint32_t>(sqe.len / t.lbs, 1) * t.lbs;
		sqe.offset = rand_off(t, sqe.len);
		e.what = what;
		if (t.bdev) {
			e.kind = Expect::refuse;
			e.err = EFAULT;
		} else {
			e.lo = e.hi = -EFAULT;
		}
		return true;
	}

	/* Give a valid @sqe one defect; adjust @e.  Returns false if none applies. */
	bool mutate(aio_attr_sqe &sqe, Expect &e, std::vector<iovec> &iov)
	{
		const Target &t = targets_[e.target];
		const bool sync = sqe.opcode == AIO_ATTR_OP_FSYNC ||
				  sqe.opcode == AIO_ATTR_OP_FDATASYNC;
		const bool vec = sqe.opcode == AIO_ATTR_OP_READV ||
				 sqe.opcode == AIO_ATTR_OP_WRITEV;
		const bool write = sqe.opcode == AIO_ATTR_OP_WRITE ||
				   sqe.opcode == AIO_ATTR_OP_WRITEV;
		auto refuse = [&](int err, const char *what) {
			e.kind = Expect::refuse;
			e.err = err;
			e.what = what;
			return true;
		};
		auto result = [&](int64_t lo, int64_t hi, const char *what) {
			e.lo = lo;
			e.hi = hi;
			e.what = what;
			return true;
		};

		switch (pick(22)) {
		case 0:
			sqe.fd = chance(50) ? -1 : closed_fd_;
			return refuse(EBADF, "bad fd");
		case 1:
			sqe.opcode = chance(30) ? 0 : 7 + pick(249);
			return refuse(EINVAL, "bad opcode");
		case 2:
			sqe.flags = 1u << pick(8);
			return refuse(EINVAL, "sqe flags");
		case 3:
			if (chance(33))
				sqe.resv0 = 1u << pick(32);
			else
				sqe.resv[pick(2)] = 1ULL << pick(64);
			return refuse(EINVAL, "sqe reserved");
		case 4:
			sqe.attr_mask |= AIO_ATTR_BIT(AIO_ATTR_NR + pick(64 - AIO_ATTR_NR));
			return refuse(EINVAL, "unknown attribute");
		case 5:
			if (chance(50))
				sqe.ioprio = ioprio(4 + pick(4), 0);
			else
				sqe.ioprio = ioprio(IoprioClass::be, 8 + pick(100));
			return refuse(EINVAL, "bad ioprio");
		case 6:
			if (sync) {
				sqe.len = 1 + pick(4096);
				return refuse(EINVAL, "fsync with len");
			}
			sqe.len = 0;
			return refuse(EINVAL, "length 0");
		case 7:
			if (sync) {
				sqe.offset = 512;
				return refuse(EINVAL, "fsync with offset");
			}
			if (vec)
				return false;
			sqe.len = probe_.max_io_bytes + 1 + pick(UINT32_MAX - probe_.max_io_bytes);
			return refuse(E2BIG, "length above max_io_bytes");
		case 8:
			if (sync || vec)
				return false;
			sqe.addr = 0;
			return refuse(EFAULT, "NULL buffer");
		case 9:
			if (sync || vec)
				return false;
			return bad_buffer(sqe, e, none_, "PROT_NONE buffer");
		case 10:
			if (sync || vec || write)
				return false;
			return bad_buffer(sqe, e, rdonly_, "READ into a read-only mapping");
		case 11:
			if (sync || vec)
				return false;
			sqe.addr += 1 + pick(510);
			if (t.bdev)
				return refuse(EINVAL, "unaligned buffer");
			return true;
		case 12:
			if (sync || !t.bdev || t.lbs == 1)
				return false;
			sqe.offset += 1 + pick(t.lbs - 1);
			return refuse(EINVAL, "unaligned offset");
		case 13:
			if (sync || vec || !t.bdev)
				return false;
			sqe.len += 1 + pick(t.lbs - 1);
			return refuse(EINVAL, "unaligned length");
		case 14:
			if (sync)
				return false;
			/* INT64_MAX: offset + length overflows whatever the length */
			sqe.offset = chance(50) ? (1ULL << 63) + rng_() % (1ULL << 62) : INT64_MAX;
			return refuse(EINVAL, "offset beyond 2^63 or overflowing");
		case 15:
			if (!vec)
				return false;
			if (chance(50)) {
				sqe.len = 0;
				return refuse(EINVAL, "0 iovecs");
			}
			sqe.len = 1025 + pick(5000);
			return refuse(EINVAL, "more than 1024 iovecs");
		case 16:
			if (!vec)
				return false;
			sqe.addr = chance(50) ? 0 : reinterpret_cast<uintptr_t>(none_.get());
			return refuse(EFAULT, "unreadable iovec array");
		case 17:
			if (!vec)
				return false;
			iov[pick(iov.size())].iov_len = chance(50) ? (1ULL << 63) + pick(1000)
								   : SIZE_MAX;
			return refuse(EINVAL, "negative iovec length");
		case 18:
			if (!vec)
				return false;
			iov[pick(iov.size())].iov_len = 1u << 30;
			return refuse(E2BIG, "iovecs above max_io_bytes");
		case 19:
			if (!vec)
				return false;
			for (iovec &v : iov)
				v.iov_len = 0;
			return refuse(EINVAL, "iovecs of 0 bytes");
		case 20:
			if (sync)
				return false;
			sqe.fd = write ? t.ro.get() : t.wo.get();
			return refuse(EBADF, write ? "write on O_RDONLY" : "read on O_WRONLY");
		case 21:
			if (chance(50)) {
				sqe.fd = write ? pipe_w_.get() : pipe_r_.get();
				if (sync)
					return refuse(EINVAL, "fsync on a pipe");
				return refuse(ESPIPE, "pipe");
			}
			sqe.fd = dir_.get();
			if (sync)
				return result(0, 0, "fsync on a directory");
			if (write)
				return refuse(EBADF, "write on a directory opened O_RDONLY");
			return refuse(EINVAL, "read on a directory");
		}
		return false;
	}

	void submit_batch()
	{
		LiveCtx &c = *live_[pick(live_.size())];
		if (c.outstanding > ctx_outstanding_cap) {
			reap_some(c);
			return;
		}
		const unsigned n = chance(70) ? 1 + pick(4) : 1 + pick(16);
		std::vector<aio_attr_sqe> sqes(n);
		std::vector<Expect> exp(n);
		std::vector<std::vector<iovec>> iovs(n);

		for (unsigned i = 0; i < n; i++) {
			const unsigned ti = pick(targets_.size());
			sqes[i] = valid_sqe(ti, exp[i], iovs[i]);
			if (iovs[i].size())
				sqes[i].addr = reinterpret_cast<uintptr_t>(iovs[i].data());
			if (chance(30))
				mutate(sqes[i], exp[i], iovs[i]);
			sqes[i].user_data = next_ud_++;
		}

		aio_attr_submit sub{};
		sub.sqes = reinterpret_cast<uintptr_t>(sqes.data());
		sub.nr = n;
		calls_++;
		st_.submits++;
		const int ret = ::ioctl(c.ctx.fd(), AIO_ATTR_IOC_SUBMIT, &sub);
		const int e = ret < 0 ? errno : 0;
		const uint32_t acc = ret >= 0 ? ret : 0;
		if ((ret < 0 && (sub.accepted != 0 || sub.error != e)) ||
		    (ret >= 0 && sub.accepted != acc) || acc > n) {
			st_.bad(st_.bad_errno, strf("SUBMIT returned %d errno %s, accepted %u error %d",
						    ret, errname(e).c_str(), sub.accepted, sub.error));
			return;
		}
		for (uint32_t i = 0; i < acc; i++) {
			Target &t = targets_[exp[i].target];
			if (exp[i].kind == Expect::refuse)
				st_.bad(st_.bad_errno, strf("%s on %s was accepted, expected %s",
							    exp[i].what, t.label.c_str(),
							    errname(exp[i].err).c_str()));
			const bool sync = sqes[i].opcode == AIO_ATTR_OP_FSYNC ||
					  sqes[i].opcode == AIO_ATTR_OP_FDATASYNC;
			pending_[sqes[i].user_data] = { c.id, exp[i], sync };
			sh_.syncs += sync;
			sh_.pending++;
			c.outstanding++;
			t.accepted++;
			st_.accepted++;
		}
		if (acc < n) {
			const Expect &x = exp[acc];
			const int err = sub.error;
			Target &t = targets_[x.target];
			t.refused++;
			st_.refused++;
			st_.errnos[errname(err)]++;
			const bool sync = sqes[acc].opcode == AIO_ATTR_OP_FSYNC ||
					  sqes[acc].opcode == AIO_ATTR_OP_FDATASYNC;
			/*
			 * EAGAIN is right only at a limit.  What this process has
			 * not reaped, plus every request of a context closed with
			 * I/O in flight, bounds what the kernel counts.
			 */
			const bool at_limit =
				uint64_t(sh_.pending + sh_.forgotten) >= max_user_ ||
				c.outstanding >= probe_.max_inflight ||
				(sync && uint64_t(sh_.syncs + sh_.forgotten_syncs) >= max_syncs_);
			if (x.kind == Expect::accept && err == EAGAIN && at_limit)
				st_.eagain++;
			else if (x.kind == Expect::accept)
				st_.bad(st_.bad_errno, strf("%s on %s refused with %s", x.what,
							    t.label.c_str(), errname(err).c_str()));
			else if (err != x.err)
				st_.bad(st_.bad_errno, strf("%s on %s refused with %s, expected %s",
							    x.what, t.label.c_str(),
							    errname(err).c_str(),
							    errname(x.err).c_str()));
		}
		if (chance(10))
			reap_some(c);
	}

public:
	uint64_t seed_hint_ = 0;

private:
	std::mt19937_64 rng_;
	Shared &sh_;
	std::vector<Target> &targets_;
	Buffer pool_;
	Mapping none_, rdonly_;
	unique_fd pipe_r_, pipe_w_, dir_;
	int closed_fd_ = -1;
	aio_attr_probe probe_{};
	std::vector<std::unique_ptr<LiveCtx>> live_;
	std::unordered_map<uint64_t, Pending> pending_;
	unsigned next_ctx_id_ = 1;
	uint64_t next_ud_ = 1;
	uint64_t calls_ = 0;
	uint64_t max_syncs_ = UINT64_MAX, max_user_ = UINT64_MAX;
	Stats st_;
};

std::vector<Target> open_targets(int argc, char **argv)
{
	std::vector<Target> v;

	for (int i = 1; i + 1 < argc; i++) {
		const bool bdev = !std::strcmp(argv[i], "--bdev");
		if (!bdev && std::strcmp(argv[i], "--file"))
			continue;
		std::string spec = argv[++i];
		Target t;
		const auto colon = spec.find(':');
		t.path = spec.substr(0, colon);
		t.label = colon == std::string::npos ? t.path : spec.substr(colon + 1);
		t.bdev = bdev;
		if (bdev) {
			t.fd = open_fd(t.path.c_str(), O_RDWR | O_DIRECT);
			t.ro = open_fd(t.path.c_str(), O_RDONLY | O_DIRECT);
			t.wo = open_fd(t.path.c_str(), O_WRONLY | O_DIRECT);
			t.size = bdev_bytes(t.fd.get());
			int lbs = 512;
			if (::ioctl(t.fd.get(), BLKSSZGET, &lbs))
				throw_errno("BLKSSZGET");
			t.lbs = lbs;
			/* conservative: the DMA alignment is at most the block size */
			t.align = t.lbs;
		} else {
			t.fd = open_fd(t.path.c_str(), O_RDWR | O_CREAT, 0644);
			if (::ftruncate(t.fd.get(), file_bytes))
				throw_errno("ftruncate");
			t.ro = open_fd(t.path.c_str(), O_RDONLY);
			t.wo = open_fd(t.path.c_str(), O_WRONLY);
			t.size = file_bytes;
		}
		info("target %s: %s, %llu bytes, block %u", t.label.c_str(), t.path.c_str(),
		     (unsigned long long)t.size, t.lbs);
		v.push_back(std::move(t));
	}
	return v;
}

} // namespace

int main(int argc, char **argv)
{
	const char *seed_arg = arg_value(argc, argv, "--seed");
	const uint64_t seed = seed_arg ? std::strtoull(seed_arg, nullptr, 0)
				       : std::random_device{}() ^
						 (uint64_t)clock::now().time_since_epoch().count();
	const uint64_t want_calls =
		std::strtoull(arg_value(argc, argv, "--calls", "100000"), nullptr, 0);
	const auto limit = std::chrono::seconds(arg_num(argc, argv, "--time", 50));
	const unsigned threads = std::max(1ul, arg_num(argc, argv, "--threads", 2));
	Suite s("fuzz");
	std::vector<Target> targets;

	info("seed %llu (replay with --seed %llu)", (unsigned long long)seed,
	     (unsigned long long)seed);
	try {
		targets = open_targets(argc, argv);
	} catch (const std::exception &e) {
		std::printf("AATEST: FAIL fuzz.open %s\n", e.what());
		return 1;
	}
	if (targets.empty()) {
		std::fprintf(stderr, "usage: %s --bdev DEV:LABEL... --file PATH:LABEL... "
				     "[--seed N] [--calls N] [--time SEC] [--threads N]\n", argv[0]);
		return 2;
	}

	const long long ctx0 = aa_stat("contexts"), infl0 = aa_stat("inflight");
	/* thread 0 uses the targets opened above, the others their own */
	std::vector<std::vector<Target>> tgt(threads);
	tgt[0] = std::move(targets);
	Shared shared;
	Stats st;
	uint64_t calls = 0;
	std::size_t left_pending = 0;
	bool ran = false;
	s.run("run", [&] {
		for (unsigned i = 1; i < threads; i++)
			tgt[i] = open_targets(argc, argv);
		std::vector<std::optional<Fuzzer>> fz(threads);
		std::vector<std::exception_ptr> err(threads);
		std::vector<std::thread> th;
		const auto t0 = clock::now();
		for (unsigned i = 0; i < threads; i++)
			th.emplace_back([&, i] {
				try {
					fz[i].emplace(seed + i, tgt[i], shared);
					fz[i]->seed_hint_ = seed;
					while (fz[i]->calls() < want_calls / threads &&
					       clock::now() - t0 < limit)
						fz[i]->step();
					fz[i]->finish();
				} catch (...) {
					err[i] = std::current_exception();
				}
			});
		for (std::thread &t : th)
			t.join();
		const double secs = std::chrono::duration<double>(clock::now() - t0).count();
		for (unsigned i = 0; i < threads; i++) {
			if (err[i])
				std::rethrow_exception(err[i]);
			st.add(fz[i]->stats());
			calls += fz[i]->calls();
			left_pending += fz[i]->pending();
		}
		info("%llu calls in %.1f s (%u threads): %llu submits, %llu accepted, "
		     "%llu refused, %llu completed (%llu overflowed), %llu setups, %llu mmaps, "
		     "%llu contexts closed with I/O in flight, %llu EAGAIN at a limit",
		     (unsigned long long)calls, secs, threads, (unsigned long long)st.submits,
		     (unsigned long long)st.accepted, (unsigned long long)st.refused,
		     (unsigned long long)st.completed, (unsigned long long)st.overflowed,
		     (unsigned long long)st.setups, (unsigned long long)st.mmaps,
		     (unsigned long long)st.ctx_closed_busy, (unsigned long long)st.eagain);
		std::string errs;
		for (const auto &[name, n] : st.errnos)
			errs += strf(" %s=%llu", name.c_str(), (unsigned long long)n);
		info("refusals by errno:%s", errs.c_str());
		for (std::size_t j = 0; j < tgt[0].size(); j++) {
			uint64_t a = 0, r = 0, c = 0;
			for (const auto &v : tgt) {
				a += v[j].accepted;
				r += v[j].refused;
				c += v[j].completed;
			}
			info("%s: accepted %llu refused %llu completed %llu",
			     tgt[0][j].label.c_str(), (unsigned long long)a, (unsigned long long)r,
			     (unsigned long long)c);
		}
		ran = true;
		require(calls >= want_calls / threads * threads,
			strf("only %llu of %llu calls within %lld s (seed %llu)",
			     (unsigned long long)calls, (unsigned long long)want_calls,
			     (long long)limit.count(), (unsigned long long)seed));
		require(st.overflowed > 0, "no completion went through an overflow list");
	});
	auto check = [&](const char *name, auto counter_of) {
		s.run(name, [&] {
			require(ran, "the run did not finish");
			const uint64_t n = counter_of(st);
			require(!n, strf("%llu bad, first: %s (seed %llu)", (unsigned long long)n,
					 st.first_bad.c_str(), (unsigned long long)seed));
		});
	};
	check("exactly_once", [](const Stats &x) { return x.unknown + x.wrong_ctx; });
	check("errnos", [](const Stats &x) { return x.bad_errno; });
	check("results", [](const Stats &x) { return x.bad_result; });
	check("eventfd", [](const Stats &x) { return x.bad_eventfd; });
	s.run("drained", [&] {
		require(ran, "the run did not finish");
		require(left_pending == 0,
			strf("%zu accepted requests never completed", left_pending));
		tgt.clear();
		require_drained(ctx0, infl0);
	});
	return s.exit_code();
}
