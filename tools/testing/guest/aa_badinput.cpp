// SPDX-License-Identifier: GPL-2.0
/*
 * aa_badinput - every refused input gets its documented errno.
 *
 *   aa_badinput --dev /dev/ram0 [--slow /dev/nullb0] [--tmp /tmp]
 *
 * --dev:  a block device opened O_DIRECT (alignment, EFAULT, E2BIG cases)
 * --slow: a block device whose completions take long (null_blk irqmode=2
 *         with a large completion_nsec) for the in-flight limit case; the
 *         probe's max_inflight must be small (the script lowers it)
 *
 * Setup and per-request errors are checked with raw ioctls, so the exact
 * return value, errno and the submit struct's accepted/error fields are
 * what is compared.  Ids: bad.<case>.
 */
#include "aatest.hpp"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>

using namespace aatest;
using namespace aio_attr;

namespace {

const char *dev_path;
const char *slow_path;
const char *tmp_dir = "/tmp";

std::string errname(int e)
{
	return e ? strf("%s (%d)", strerrorname_np(e) ? strerrorname_np(e) : "?", e) : "0";
}

/* ioctl(@req) must fail with @err. */
template <class T>
void expect_ioctl_errno(int fd, unsigned long req, T &arg, int err, const char *what)
{
	const int ret = ::ioctl(fd, req, &arg);
	const int e = ret < 0 ? errno : 0;

	require(ret == -1 && e == err, strf("%s: returned %d errno %s, expected %s", what, ret,
					    errname(e).c_str(), errname(err).c_str()));
}

aio_attr_setup good_setup(uint32_t ring_bytes = 4096)
{
	aio_attr_setup s{};

	s.version = AIO_ATTR_VERSION;
	s.ring_bytes = ring_bytes;
	s.eventfd = -1;
	return s;
}

void expect_setup_errno(const aio_attr_setup &in, int err, const char *what)
{
	Context ctx;
	aio_attr_setup s = in;

	expect_ioctl_errno(ctx.fd(), AIO_ATTR_IOC_SETUP, s, err, what);
	/* A refused setup leaves the context usable. */
	ctx.setup(4096);
}

/*
 * Submit one batch raw; require the ioctl's return value, errno and the
 * struct's accepted/error fields to say the batch stopped at @stop with @err.
 */
void expect_submit(int ctxfd, std::span<const aio_attr_sqe> sqes, uint32_t stop, int err,
		   const char *what)
{
	aio_attr_submit sub{};

	sub.sqes = reinterpret_cast<uintptr_t>(sqes.data());
	sub.nr = sqes.size();
	sub.accepted = 0xdead;
	sub.error = 0x7777;
	const int ret = ::ioctl(ctxfd, AIO_ATTR_IOC_SUBMIT, &sub);
	const int e = ret < 0 ? errno : 0;

	if (stop == 0 && err) {
		require(ret == -1 && e == err,
			strf("%s: returned %d errno %s, expected -1 %s", what, ret,
			     errname(e).c_str(), errname(err).c_str()));
	} else {
		require(ret == (int)stop, strf("%s: returned %d errno %s, expected %u", what, ret,
					       errname(e).c_str(), stop));
	}
	require(sub.accepted == stop && sub.error == err,
		strf("%s: accepted %u error %s, expected %u and %s", what, sub.accepted,
		     errname(sub.error).c_str(), stop, errname(err).c_str()));
}

class Bad {
public:
	Bad()
	    : dev_(open_fd(dev_path, O_RDWR | O_DIRECT))
	    , buf_(64 * 1024)
	{
		ctx_.setup(64 * 1024);
		probe_ = ctx_.probe();
	}

	/* One sqe alone must be refused with @err, and nothing must complete. */
	void one(const aio_attr_sqe &sqe, int err, const char *what)
	{
		expect_submit(ctx_.fd(), { &sqe, 1 }, 0, err, what);
		require(ctx_.ring().empty(), strf("%s: a refused request posted an event", what));
	}

	aio_attr_sqe rd(uint64_t off = 0, uint32_t len = 4096)
	{
		return prep_read(dev_.get(), buf_.data(), len, off).data(1);
	}

	int dev() const { return dev_.get(); }
	Context &ctx() { return ctx_; }
	const aio_attr_probe &probe() const { return probe_; }
	std::byte *buf() { return buf_.data(); }

private:
	unique_fd dev_;
	Buffer buf_;
	Context ctx_;
	aio_attr_probe probe_{};
};

} // namespace

int main(int argc, char **argv)
{
	dev_path = arg_value(argc, argv, "--dev");
	slow_path = arg_value(argc, argv, "--slow");
	tmp_dir = arg_value(argc, argv, "--tmp", tmp_dir);
	if (!dev_path) {
		std::fprintf(stderr, "usage: %s --dev DEV [--slow DEV] [--tmp DIR]\n", argv[0]);
		return 2;
	}
	Suite s("bad");

	/* --- setup --- */
	s.run("setup_version", [] {
		aio_attr_setup v = good_setup();
		v.version = 0;
		expect_setup_errno(v, EINVAL, "version 0");
		/* The kernel may know newer versions than this program's header. */
		v.version = Context().probe().version + 1;
		expect_setup_errno(v, EINVAL, "kernel's version + 1");
	});
	s.run("setup_flags", [] {
		aio_attr_setup v = good_setup();
		v.flags = 1u << 5;
		expect_setup_errno(v, EINVAL, "unknown flag bit 5");
		v.flags = 1u << 31;
		expect_setup_errno(v, EINVAL, "unknown flag bit 31");
	});
	s.run("setup_reserved", [] {
		aio_attr_setup v = good_setup();
		v.resv0 = 1;
		expect_setup_errno(v, EINVAL, "resv0");
		v = good_setup();
		v.resv[2] = 1;
		expect_setup_errno(v, EINVAL, "resv[2]");
	});
	s.run("setup_ring_bytes", [] {
		Context probe_ctx;
		const aio_attr_probe p = probe_ctx.probe();
		for (uint32_t bytes :
		     { 3000u, 4097u, 0u, AIO_ATTR_RING_MIN_BYTES / 2, p.ring_max * 2 }) {
			const std::string what = strf("ring_bytes %u", bytes);
			expect_setup_errno(good_setup(bytes), EINVAL, what.c_str());
		}
	});
	s.run("setup_eventfd", [] {
		aio_attr_setup v = good_setup();
		v.flags = AIO_ATTR_SETUP_EVENTFD;
		v.eventfd = -1;
		Context ctx;
		const int ret = ::ioctl(ctx.fd(), AIO_ATTR_IOC_SETUP, &v);
		const int e = errno;
		require(ret == -1 && (e == EBADF || e == EINVAL),
			strf("eventfd -1: returned %d errno %s, expected EBADF or EINVAL", ret,
			     errname(e).c_str()));
		int p[2];
		require(::pipe(p) == 0, "pipe");
		unique_fd r(p[0]), w(p[1]);
		v.eventfd = p[0];
		const int ret2 = ::ioctl(ctx.fd(), AIO_ATTR_IOC_SETUP, &v);
		const int e2 = errno;
		require(ret2 == -1 && (e2 == EBADF || e2 == EINVAL),
			strf("eventfd = a pipe: returned %d errno %s, expected EBADF or EINVAL",
			     ret2, errname(e2).c_str()));
	});
	s.run("setup_twice", [] {
		Context ctx;
		ctx.setup(4096);
		aio_attr_setup v = good_setup();
		expect_ioctl_errno(ctx.fd(), AIO_ATTR_IOC_SETUP, v, EBUSY, "second setup");
		require(ctx.ring().ring_bytes() == 4096, "ring changed");
	});
	s.run("probe_reserved", [] {
		Context ctx;
		aio_attr_probe p{};
		p.resv[3] = 1;
		expect_ioctl_errno(ctx.fd(), AIO_ATTR_IOC_PROBE, p, EINVAL, "probe resv[3]");
	});

	/* --- before setup --- */
	s.run("submit_before_setup", [] {
		Context ctx;
		aio_attr_sqe sqe = prep_fsync(0).data(1);
		aio_attr_submit sub{};
		sub.sqes = reinterpret_cast<uintptr_t>(&sqe);
		sub.nr = 1;
		expect_ioctl_errno(ctx.fd(), AIO_ATTR_IOC_SUBMIT, sub, EBADFD, "submit");
		/* The library reports it as a failed call, not a refused request. */
		try {
			ctx.submit(sqe);
			throw Fail("Context::submit before setup did not throw");
		} catch (const std::system_error &e) {
			require(e.code().value() == EBADFD,
				strf("Context::submit threw %s", e.what()));
		}
	});
	s.run("wait_before_setup", [] {
		Context ctx;
		aio_attr_wait w{};
		expect_ioctl_errno(ctx.fd(), AIO_ATTR_IOC_WAIT, w, EBADFD, "wait");
	});
	s.run("mmap_before_setup", [] {
		Context ctx;
		void *p = ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, ctx.fd(), 0);
		const int e = errno;
		if (p != MAP_FAILED)
			::munmap(p, 8192);
		require(p == MAP_FAILED && e == EBADFD,
			strf("mmap before setup: %s",
			     p == MAP_FAILED ? errname(e).c_str() : "mapped"));
	});

	std::unique_ptr<Bad> bad;
	s.run("open", [&] { bad = std::make_unique<Bad>(); });
	if (!bad)
		return 1;
	Bad &b = *bad;

	/* --- the submit and wait structs --- */
	s.run("submit_struct", [&] {
		aio_attr_sqe sqe = b.rd();
		aio_attr_submit sub{};
		sub.sqes = reinterpret_cast<uintptr_t>(&sqe);
		sub.nr = 1;
		sub.flags = 1;
		expect_ioctl_errno(b.ctx().fd(), AIO_ATTR_IOC_SUBMIT, sub, EINVAL, "submit flags");
		sub.flags = 0;
		sub.resv[1] = 1;
		expect_ioctl_errno(b.ctx().fd(), AIO_ATTR_IOC_SUBMIT, sub, EINVAL, "submit resv");
		require(b.ctx().ring().empty(), "a refused batch posted an event");
		sub = {};
		require(::ioctl(b.ctx().fd(), AIO_ATTR_IOC_SUBMIT, &sub) == 0 &&
				sub.accepted == 0 && sub.error == 0,
			"empty batch is not 0 accepted, error 0");
		sub.sqes = 8; /* unreadable array */
		sub.nr = 1;
		expect_ioctl_errno(b.ctx().fd(), AIO_ATTR_IOC_SUBMIT, sub, EFAULT, "sqes at 8");
	});
	/*
	 * A batch that runs past the end of the user address space: the sqes
	 * in the last user page run and the next one is EFAULT - a kernel
	 * that checked the array's range as a whole would refuse them all.
	 */
	s.run("submit_top_of_user_space", [&] {
		/* x86-64's TASK_SIZE_MAX with 5-level page tables, then with 4 */
		uintptr_t top = 0;
		void *m = MAP_FAILED;
		for (uintptr_t t : { (uintptr_t(1) << 56) - 4096, (uintptr_t(1) << 47) - 4096 }) {
			m = ::mmap(reinterpret_cast<void *>(t - 4096), 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (m != MAP_FAILED) {
				top = t;
				break;
			}
		}
		require(m != MAP_FAILED,
			strf("mmap of the last user page: %s", errname(errno).c_str()));
		auto *two = reinterpret_cast<aio_attr_sqe *>(top - 2 * sizeof(aio_attr_sqe));
		two[0] = b.rd(0);
		two[1] = b.rd(4096);
		expect_submit(b.ctx().fd(), { two, 4 }, 2, EFAULT, "sqes 3 and 4 past the top");
		require(!b.ctx().wait(2, 10s).timed_out(), "sqes past the top: no events");
		unsigned n = 0;
		b.ctx().reap([&](const Completion &) { n++; });
		require(n == 2, strf("sqes past the top: %u events", n));
		::munmap(m, 4096);
	});
	s.run("wait_struct", [&] {
		aio_attr_wait w{};
		w.flags = 1;
		expect_ioctl_errno(b.ctx().fd(), AIO_ATTR_IOC_WAIT, w, EINVAL, "wait flags");
		w = {};
		w.resv[0] = 1;
		expect_ioctl_errno(b.ctx().fd(), AIO_ATTR_IOC_WAIT, w, EINVAL, "wait resv");
	});

	/*
	 * The kernel reads the submit struct and the sqes as 64-bit words when
	 * they are 8-byte aligned and with copy_from_user() when not: both
	 * ways read the same requests, and a fault partway through a batch
	 * stops it at the sqe that faulted.
	 */
	s.run("submit_copy_in", [&] {
		void *m = ::mmap(nullptr, 2 * 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		require(m != MAP_FAILED, "mmap");
		auto *page = static_cast<std::byte *>(m);
		auto *second = page + 4096;
		for (size_t skew : { size_t(0), size_t(4), size_t(1) }) {
			const std::string what = strf("sqes at offset %zu", skew);
			aio_attr_sqe two[2] = { b.rd(0), b.rd(4096) };
			two[0].user_data = 100 + skew;
			two[1].user_data = 200 + skew;
			std::memcpy(page + 64 + skew, two, sizeof(two));
			expect_submit(b.ctx().fd(),
				      { reinterpret_cast<const aio_attr_sqe *>(page + 64 + skew),
					2 },
				      2, 0, what.c_str());
			require(!b.ctx().wait(2, 10s).timed_out(), what + ": no events");
			uint64_t seen = 0;
			b.ctx().reap([&](const Completion &c) {
				require(c.result == 4096,
					strf("%s: result %lld", what.c_str(),
					     (long long)c.result));
				seen += c.user_data;
			});
			require(seen == 300 + 2 * skew,
				strf("%s: user_data sum %llu", what.c_str(),
				     (unsigned long long)seen));
		}
		/* the second sqe straddles into a page that faults */
		for (size_t skew : { size_t(0), size_t(4) }) {
			const std::string what = strf("second sqe faults, offset %zu", skew);
			aio_attr_sqe first = b.rd(0);
			std::byte *at = second - sizeof(first) - 32 + skew;
			require(::mprotect(second, 4096, PROT_READ | PROT_WRITE) == 0, "mprotect");
			std::memcpy(at, &first, sizeof(first));
			require(::mprotect(second, 4096, PROT_NONE) == 0, "mprotect");
			expect_submit(b.ctx().fd(),
				      { reinterpret_cast<const aio_attr_sqe *>(at), 2 }, 1,
				      EFAULT, what.c_str());
			require(!b.ctx().wait(1, 10s).timed_out(), what + ": no event");
			unsigned n = 0;
			b.ctx().reap([&](const Completion &) { n++; });
			require(n == 1, strf("%s: %u events", what.c_str(), n));
		}
		/*
		 * Deeper into a longer batch: the sqes before the one that
		 * faults run, the batch stops there.  Sqe 5 of 7 straddles into
		 * the faulting page.
		 */
		for (size_t skew : { size_t(0), size_t(4) }) {
			const std::string what = strf("sqe 5 of 7 faults, offset %zu", skew);
			constexpr unsigned ok = 5;
			std::byte *at = second - ok * sizeof(aio_attr_sqe) - 32 + skew;
			require(::mprotect(second, 4096, PROT_READ | PROT_WRITE) == 0, "mprotect");
			for (unsigned k = 0; k < ok; k++) {
				aio_attr_sqe q = b.rd(4096 * k);
				q.user_data = k;
				std::memcpy(at + k * sizeof(q), &q, sizeof(q));
			}
			require(::mprotect(second, 4096, PROT_NONE) == 0, "mprotect");
			expect_submit(b.ctx().fd(),
				      { reinterpret_cast<const aio_attr_sqe *>(at), 7 }, ok, EFAULT,
				      what.c_str());
			require(!b.ctx().wait(ok, 10s).timed_out(), what + ": no events");
			uint64_t seen = 0;
			b.ctx().reap([&](const Completion &c) { seen |= 1ULL << c.user_data; });
			require(seen == (1ULL << ok) - 1,
				strf("%s: events of sqes %#llx", what.c_str(),
				     (unsigned long long)seen));
		}
		/* an unaligned submit struct is read and written in place */
		aio_attr_sqe one = b.rd(0);
		aio_attr_submit sub{};
		sub.sqes = reinterpret_cast<uintptr_t>(&one);
		sub.nr = 1;
		std::memcpy(page + 4, &sub, sizeof(sub));
		require(::ioctl(b.ctx().fd(), AIO_ATTR_IOC_SUBMIT, page + 4) == 1,
			strf("unaligned submit struct: %s", errname(errno).c_str()));
		std::memcpy(&sub, page + 4, sizeof(sub));
		require(sub.accepted == 1 && sub.error == 0,
			strf("unaligned submit struct: accepted %u error %d", sub.accepted,
			     sub.error));
		require(!b.ctx().wait(1, 10s).timed_out(), "unaligned submit struct: no event");
		b.ctx().reap([](const Completion &) {});
		/* a wait struct that cannot be written back */
		aio_attr_wait w{};
		require(::mprotect(second, 4096, PROT_READ | PROT_WRITE) == 0, "mprotect");
		std::memcpy(second, &w, sizeof(w));
		require(::mprotect(second, 4096, PROT_READ) == 0, "mprotect");
		expect_ioctl_errno(b.ctx().fd(), AIO_ATTR_IOC_WAIT, *reinterpret_cast<aio_attr_wait *>(second),
				   EFAULT, "read-only wait struct");
		::munmap(m, 2 * 4096);
	});

	/* --- one request each --- */
	s.run("bad_fd", [&] {
		aio_attr_sqe sqe = b.rd();
		sqe.fd = 9999;
		b.one(sqe, EBADF, "fd 9999");
		sqe.fd = -1;
		b.one(sqe, EBADF, "fd -1");
		aio_attr_sqe fs = prep_fsync(9999).data(1);
		b.one(fs, EBADF, "fsync fd 9999");
	});
	s.run("bad_opcode", [&] {
		for (unsigned op : { 0u, 7u, 100u, 255u }) {
			aio_attr_sqe sqe = b.rd();
			sqe.opcode = op;
			const std::string what = strf("opcode %u", op);
			b.one(sqe, EINVAL, what.c_str());
		}
	});
	s.run("sqe_flags_reserved", [&] {
		aio_attr_sqe sqe = b.rd();
		sqe.flags = 1;
		b.one(sqe, EINVAL, "flags 1");
		sqe = b.rd();
		sqe.resv0 = 1;
		b.one(sqe, EINVAL, "resv0");
		sqe = b.rd();
		sqe.resv[1] = 1;
		b.one(sqe, EINVAL, "resv[1]");
	});
	s.run("unknown_attr", [&] {
		aio_attr_sqe sqe = b.rd();
		sqe.attr_mask = AIO_ATTR_BIT(AIO_ATTR_NR);
		b.one(sqe, EINVAL, "first unknown attribute bit");
		sqe.attr_mask = AIO_ATTR_ALL | (1ULL << 63);
		b.one(sqe, EINVAL, "bit 63");
	});
	s.run("bad_ioprio", [&] {
		aio_attr_sqe sqe = b.rd();
		sqe.ioprio = 7 << 13; /* IOPRIO_PRIO_VALUE(7, 0): no such class */
		b.one(sqe, EINVAL, "ioprio class 7");
	});
	s.run("unaligned_buffer", [&] {
		aio_attr_sqe sqe = prep_read(b.dev(), b.buf() + 1, 4096, 0).data(1);
		b.one(sqe, EINVAL, "buffer + 1");
	});
	s.run("unaligned_offset", [&] {
		b.one(b.rd(1), EINVAL, "offset 1");
		b.one(b.rd(100), EINVAL, "offset 100");
	});
	s.run("unaligned_length", [&] {
		b.one(b.rd(0, 100), EINVAL, "length 100");
		b.one(b.rd(0, 4096 + 1), EINVAL, "length 4097");
	});
	s.run("zero_length", [&] {
		b.one(b.rd(0, 0), EINVAL, "length 0");
		iovec iov{ b.buf(), 4096 };
		aio_attr_sqe v = prep_readv(b.dev(), { &iov, 1 }, 0).data(1);
		v.len = 0;
		b.one(v, EINVAL, "readv with 0 iovecs");
	});
	s.run("huge_length", [&] {
		const uint32_t max = b.probe().max_io_bytes;
		b.one(b.rd(0, max + 4096), E2BIG, "max_io_bytes + 4096");
		b.one(b.rd(0, 0xfffff000u), E2BIG, "length 4 GiB - 4096");
	});
	s.run("null_buffer", [&] {
		b.one(prep_read(b.dev(), nullptr, 4096, 0).data(1), EFAULT, "NULL read buffer");
		b.one(prep_write(b.dev(), nullptr, 4096, 0).data(1), EFAULT, "NULL write buffer");
	});
	s.run("unmapped_buffer", [&] {
		void *p = ::mmap(nullptr, 3 * 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		require(p != MAP_FAILED, "mmap");
		::munmap(p, 3 * 4096);
		b.one(prep_read(b.dev(), p, 4096, 0).data(1), EFAULT, "unmapped read buffer");
		b.one(prep_write(b.dev(), p, 4096, 0).data(1), EFAULT, "unmapped write buffer");
	});
	s.run("bad_iovec_array", [&] {
		aio_attr_sqe sqe = prep_rw(AIO_ATTR_OP_READV, b.dev(), 8, 1, 0).data(1);
		b.one(sqe, EFAULT, "iovec array at 8");
	});
	s.run("fsync_with_buffer", [&] {
		aio_attr_sqe sqe = prep_fsync(b.dev()).data(1);
		sqe.len = 4096;
		b.one(sqe, EINVAL, "fsync with len");
	});
	s.run("write_on_readonly_fd", [&] {
		unique_fd ro = open_fd(dev_path, O_RDONLY | O_DIRECT);
		b.one(prep_write(ro.get(), b.buf(), 4096, 0).data(1), EBADF, "WRITE on O_RDONLY");
		iovec iov{ b.buf(), 4096 };
		b.one(prep_writev(ro.get(), { &iov, 1 }, 0).data(1), EBADF, "WRITEV on O_RDONLY");
	});
	s.run("read_on_writeonly_fd", [&] {
		unique_fd wo = open_fd(dev_path, O_WRONLY | O_DIRECT);
		b.one(prep_read(wo.get(), b.buf(), 4096, 0).data(1), EBADF, "READ on O_WRONLY");
	});
	s.run("pipe", [&] {
		int p[2];
		require(::pipe(p) == 0, "pipe");
		unique_fd r(p[0]), w(p[1]);
		b.one(prep_read(r.get(), b.buf(), 4096, 0).data(1), ESPIPE, "READ on a pipe");
		b.one(prep_write(w.get(), b.buf(), 4096, 0).data(1), ESPIPE, "WRITE on a pipe");
	});
	s.run("library_reports_refusal", [&] {
		aio_attr_sqe sqe = b.rd();
		sqe.opcode = 0;
		const SubmitResult r = b.ctx().submit(sqe);
		require(r.accepted == 0 && r.error == EINVAL,
			strf("Context::submit gave accepted %u error %s", r.accepted,
			     errname(r.error).c_str()));
	});

	/* --- batches stop at the bad request --- */
	s.run("batch_stops_at_bad", [&] {
		std::vector<aio_attr_sqe> v = { b.rd(0), b.rd(4096), b.rd(8192), b.rd(12288) };
		v[0].user_data = 500;
		v[1].user_data = 501;
		v[2].opcode = 0;
		v[3].user_data = 503;
		expect_submit(b.ctx().fd(), v, 2, EINVAL, "[ok, ok, bad opcode, ok]");
		auto got = collect_n(b.ctx(), 2);
		require(got[0].user_data + got[1].user_data == 1001,
			"the accepted requests did not complete");
		require(b.ctx().wait(1, 50ms).timed_out() && b.ctx().ring().empty(),
			"a request after the bad one completed");

		v = { b.rd(0), b.rd(0, 0) };
		v[0].user_data = 510;
		expect_submit(b.ctx().fd(), v, 1, EINVAL, "[ok, length 0]");
		got = collect_n(b.ctx(), 1);
		require(got[0].user_data == 510, "the accepted request did not complete");

		v = { b.rd(0), b.rd(0) };
		v[0].fd = 9999;
		expect_submit(b.ctx().fd(), v, 0, EBADF, "[bad fd, ok]");
		require(b.ctx().wait(1, 50ms).timed_out() && b.ctx().ring().empty(),
			"a request after a refused first one completed");
	});

	/* --- in-flight limit --- */
	s.run("too_many_inflight", [&] {
		if (!slow_path)
			throw Skip("no --slow device");
		const uint32_t max = b.probe().max_inflight;
		if (max > 256)
			throw Skip(strf("max_inflight %u too large for this test", max));
		unique_fd slow = open_fd(slow_path, O_RDWR | O_DIRECT);
		Context ctx;
		ctx.setup(64 * 1024);
		Buffer buf(4096);
		std::vector<aio_attr_sqe> v;
		for (uint32_t i = 0; i <= max; i++)
			v.push_back(
				prep_read(slow.get(), buf.data(), 4096, (i % 64) * 4096).data(i));
		expect_submit(ctx.fd(), v, max, EAGAIN, "max_inflight + 1 on a slow device");
		/* The limit is per outstanding request: all of them still complete. */
		auto got = collect_n(ctx, max, 30s);
		for (const Completion &c : got)
			require_result(c, 4096);
		expect_submit(ctx.fd(), { v.data(), 1 }, 1, 0, "one more once they completed");
		collect_n(ctx, 1, 30s);
	});

	/* --- regular files: a directory fd --- */
	s.run("directory_fd", [&] {
		unique_fd d = open_fd(tmp_dir, O_RDONLY | O_DIRECTORY);
		const aio_attr_sqe sqe = prep_read(d.get(), b.buf(), 4096, 0).data(1);
		aio_attr_submit sub{};
		sub.sqes = reinterpret_cast<uintptr_t>(&sqe);
		sub.nr = 1;
		const int ret = ::ioctl(b.ctx().fd(), AIO_ATTR_IOC_SUBMIT, &sub);
		if (ret == 1) {
			/* Accepted: then it must complete with an error, like read(2) gives EISDIR.
			 */
			auto got = collect_n(b.ctx(), 1);
			require(got[0].result < 0,
				strf("READ on a directory gave %lld", (long long)got[0].result));
		} else {
			require(ret == -1 && sub.error == errno && sub.error > 0,
				"READ on a directory: inconsistent error report");
		}
	});
	return s.exit_code();
}
