// SPDX-License-Identifier: GPL-2.0
/*
 * aa_fixed - registered buffers (AIO_ATTR_IOC_REGISTER_BUFFERS,
 * AIO_ATTR_SQE_FIXED_BUF).
 *
 *	aa_fixed --dev BDEV [--dev BDEV...] --hold DMNAME --fsfile PATH
 *		 --tmpfile PATH --map-file PATH --uid UID
 *
 *  --dev:	block devices for the data cases (brd, aiodemo hardirq);
 *		their first 4 MiB are overwritten
 *  --hold:	a dm device /dev/mapper/DMNAME the program suspends to hold
 *		requests in flight (dmsetup suspend/resume)
 *  --fsfile:	a file on a filesystem with O_DIRECT (ext4); created
 *  --tmpfile:	a file on tmpfs (buffered I/O, kiocb path); created
 *  --map-file:	a regular file on a disk filesystem to map (EOPNOTSUPP)
 *  --uid:	an unprivileged uid for the RLIMIT_MEMLOCK case
 *
 *	aa_fixed --dev BDEV --bench COUNT [--bs BYTES]
 *
 * only measures: COUNT reads of BYTES (4096) at queue depth 1 from BDEV with plain
 * and with registered buffers, alternately, five rounds (prints IOPS).
 *
 * Data is checked end to end: a pattern written from one registered
 * buffer is read back into another and compared, at offsets that start
 * inside a page, cross pages and skip whole pages of the table.
 */
#include "aatest.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <sys/resource.h>

using namespace aatest;
using namespace aio_attr;

namespace {

constexpr std::size_t pg = 4096;
constexpr std::size_t map_bytes = 1 << 20;

/* An anonymous private mapping, page-aligned, zero-filled. */
Mapping anon(std::size_t len, int flags = MAP_PRIVATE)
{
	return Mapping::map(-1, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS);
}

std::byte *bytes(const Mapping &m)
{
	return static_cast<std::byte *>(m.get());
}

/* The errno of AIO_ATTR_IOC_REGISTER_BUFFERS, 0 on success. */
int register_errno(Context &ctx, std::span<const iovec> iov)
{
	try {
		ctx.register_buffers(iov);
		return 0;
	} catch (const std::system_error &e) {
		return e.code().value();
	}
}

int unregister_errno(Context &ctx)
{
	try {
		ctx.unregister_buffers();
		return 0;
	} catch (const std::system_error &e) {
		return e.code().value();
	}
}

std::string errname(int e)
{
	return e ? std::strerror(e) : "success";
}

void require_errno(int got, int want, const std::string &what)
{
	require(got == want, strf("%s: %s, expected %s", what.c_str(), errname(got).c_str(),
				  errname(want).c_str()));
}

/* The errno SUBMIT refuses @sqe with, 0 when accepted (then reaps its completion). */
int submit_errno(Context &ctx, const aio_attr_sqe &sqe)
{
	const SubmitResult r = ctx.submit(sqe);

	if (r.accepted == 1)
		collect_n(ctx, 1);
	return r.accepted ? 0 : r.error;
}

/* "VmPin" of /proc/self/status in kB, -1 when absent. */
long vm_pin_kb()
{
	std::ifstream f("/proc/self/status");
	std::string line;

	while (std::getline(f, line))
		if (line.rfind("VmPin:", 0) == 0)
			return std::strtol(line.c_str() + 6, nullptr, 10);
	return -1;
}

/* Contexts, requests and pinned pages at the start, before any case ran. */
long long base_contexts, base_inflight, base_pins;

/*
 * Wait until every context of earlier cases was freed (close() leaves
 * the teardown, and the unpinning, to a worker) and nothing is pinned.
 */
void settle()
{
	require_drained(base_contexts, base_inflight);
	require(vm_pin_kb() == 0, strf("VmPin %ld kB with no context left", vm_pin_kb()));
	require(pins_outstanding() == base_pins,
		strf("%lld pages pinned with no context left, %lld before", pins_outstanding(),
		     base_pins));
}

/* Soft RLIMIT_MEMLOCK, as aa_unpriv sets it. */
void dmsetup(const char *verb, const std::string &name)
{
	const std::string cmd = strf("dmsetup %s %s", verb, name.c_str());

	if (std::system(cmd.c_str()))
		throw Fail(cmd + " failed");
}

/* Suspends a dm device for its lifetime: requests to it stay in flight. */
class Held {
public:
	explicit Held(std::string name)
	    : name_(std::move(name))
	{
		dmsetup("suspend", name_);
	}
	~Held()
	{
		/* unwinding from a failure: no throwing here */
		if (!name_.empty())
			(void)std::system(strf("dmsetup resume %s", name_.c_str()).c_str());
	}
	void release()
	{
		if (!name_.empty())
			dmsetup("resume", std::exchange(name_, std::string()));
	}

private:
	std::string name_;
};

/*
 * Two registered buffers: 0 starts 512 bytes into a 1 MiB mapping (so its
 * first bio_vec starts inside a page), 1 is a whole 1 MiB mapping.
 */
struct Fixed {
	Context ctx;
	Mapping a = anon(map_bytes), b = anon(map_bytes);
	std::byte *abuf = bytes(a) + 512, *bbuf = bytes(b);
	static constexpr std::size_t alen = map_bytes - 512, blen = map_bytes;

	Fixed()
	{
		ctx.setup(64 * 1024);
		const iovec iov[2] = { { abuf, alen }, { bbuf, blen } };
		ctx.register_buffers(iov);
	}
};

/*
 * (offset into buffer 0, offset into buffer 1, length, device offset):
 * inside the first page and across it, whole pages further in, a start
 * inside a later page, a long run.
 */
struct Piece {
	std::size_t aoff, boff, len;
	uint64_t pos;
};
constexpr Piece pieces[] = {
	{ 0, 0, 512, 0 },
	{ 0, pg, 8192, 8192 },
	{ 3584, 512, 1024, 65536 },
	{ 5 * pg - 512, 7 * pg + 1536, 3 * pg, 131072 },
	{ 64 * pg + 1024, 100 * pg, 256 * 1024, 1 << 20 },
	{ Fixed::alen - 4096, Fixed::blen - 4096, 4096, 2 << 20 },
};

/* Write each piece from buffer 0, read it back into buffer 1, compare. */
void write_read_compare(Fixed &f, int fd, uint32_t seed)
{
	fill_pattern({ f.abuf, Fixed::alen }, seed, 0);
	std::memset(f.bbuf, 0, Fixed::blen);
	std::vector<aio_attr_sqe> w, r;
	uint64_t ud = 1;

	for (const Piece &p : pieces)
		w.push_back(prep_write_fixed(fd, f.abuf + p.aoff, p.len, p.pos, 0).data(ud++));
	submit_all(f.ctx, w);
	for (const Completion &c : collect_n(f.ctx, w.size()))
		require_result(c, pieces[c.user_data - 1].len);
	for (const Piece &p : pieces)
		r.push_back(prep_read_fixed(fd, f.bbuf + p.boff, p.len, p.pos, 1)
				    .data(ud++)
				    .attrs(AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX)));
	submit_all(f.ctx, r);
	for (const Completion &c : collect_n(f.ctx, r.size()))
		require_result(c, pieces[c.user_data - 1 - w.size()].len);
	for (const Piece &p : pieces)
		require(!std::memcmp(f.abuf + p.aoff, f.bbuf + p.boff, p.len),
			strf("%zu bytes at %llu: read back differs from what was written", p.len,
			     (unsigned long long)p.pos));
}

void data_case(Suite &s, const std::string &dev)
{
	const std::string label = dev.substr(dev.rfind('/') + 1);

	s.run("data." + label, [&] {
		unique_fd fd = open_fd(dev.c_str(), O_RDWR | O_DIRECT);
		Fixed f;

		write_read_compare(f, fd.get(), 7);
		/* the same buffers again: nothing was lost or unpinned */
		write_read_compare(f, fd.get(), 8);
		f.ctx.unregister_buffers();
	});
}

void range_cases(Suite &s, const std::string &dev)
{
	s.run("range", [&] {
		unique_fd fd = open_fd(dev.c_str(), O_RDWR | O_DIRECT);
		Fixed f;
		std::byte *aend = f.abuf + Fixed::alen;

		/* the last byte of the buffer: accepted */
		require_errno(
			submit_errno(f.ctx,
				     prep_read_fixed(fd.get(), aend - 4096, 4096, 0, 0).data(1)),
			0, "read ending at the buffer end");
		require_errno(
			submit_errno(f.ctx,
				     prep_read_fixed(fd.get(), aend - 3584, 4096, 0, 0).data(2)),
			EFAULT, "read 512 bytes past the buffer end");
		require_errno(
			submit_errno(f.ctx,
				     prep_read_fixed(fd.get(), f.abuf - 512, 4096, 0, 0).data(3)),
			EFAULT, "read starting before the buffer");
		/* in buffer 1's memory, but naming buffer 0 */
		require_errno(
			submit_errno(f.ctx, prep_read_fixed(fd.get(), f.bbuf, 4096, 0, 0).data(4)),
			EFAULT, "address of another buffer");
		require_errno(
			submit_errno(f.ctx, prep_read_fixed(fd.get(), f.abuf, 4096, 0, 2).data(5)),
			EINVAL, "buf_index 2 of 2");
		require_errno(
			submit_errno(f.ctx, prep_read_fixed(fd.get(), f.abuf, 0, 0, 0).data(6)),
			EINVAL, "length 0");

		aio_attr_sqe sqe = prep_read(fd.get(), f.abuf, 4096, 0).data(7);
		sqe.buf_index = 1;
		require_errno(submit_errno(f.ctx, sqe), EINVAL, "buf_index without the flag");

		const iovec iov{ f.abuf, 4096 };
		sqe = prep_readv(fd.get(), { &iov, 1 }, 0).data(8);
		sqe.flags = AIO_ATTR_SQE_FIXED_BUF;
		require_errno(submit_errno(f.ctx, sqe), EINVAL, "READV with the flag");
		sqe = prep_fsync(fd.get()).data(9);
		sqe.flags = AIO_ATTR_SQE_FIXED_BUF;
		require_errno(submit_errno(f.ctx, sqe), EINVAL, "FSYNC with the flag");
		sqe = prep_read_fixed(fd.get(), f.abuf, 4096, 0, 0).data(10);
		sqe.flags |= 0x80;
		require_errno(submit_errno(f.ctx, sqe), EINVAL, "unknown sqe flag");
	});

	s.run("not_registered", [&] {
		unique_fd fd = open_fd(dev.c_str(), O_RDWR | O_DIRECT);
		Context ctx;
		Mapping m = anon(pg);

		ctx.setup(4096);
		require_errno(
			submit_errno(ctx, prep_read_fixed(fd.get(), m.get(), 4096, 0, 0).data(1)),
			EINVAL, "fixed read with nothing registered");
		require_errno(unregister_errno(ctx), ENXIO, "unregister with nothing registered");
		const iovec iov{ m.get(), pg };
		ctx.register_buffers({ &iov, 1 });
		ctx.unregister_buffers();
		require_errno(unregister_errno(ctx), ENXIO, "second unregister");
		require_errno(
			submit_errno(ctx, prep_read_fixed(fd.get(), m.get(), 4096, 0, 0).data(2)),
			EINVAL, "fixed read after unregister");
	});

	s.run("version1", [&] {
		unique_fd fd = open_fd(dev.c_str(), O_RDWR | O_DIRECT);
		Context ctx;
		Mapping m = anon(pg);
		const iovec iov{ m.get(), pg };

		require_errno(register_errno(ctx, { &iov, 1 }), EBADFD, "register before setup");
		require_errno(unregister_errno(ctx), EBADFD, "unregister before setup");
		aio_attr_setup su{};
		su.version = 1;
		su.ring_bytes = 4096;
		ctx.setup(su);
		require_errno(register_errno(ctx, { &iov, 1 }), EBADFD, "register on version 1");
		require_errno(unregister_errno(ctx), EBADFD, "unregister on version 1");
		require_errno(
			submit_errno(ctx, prep_read_fixed(fd.get(), m.get(), 4096, 0, 0).data(1)),
			EINVAL, "fixed flag on version 1");
		aio_attr_sqe sqe = prep_read(fd.get(), m.get(), 4096, 0).data(2);
		sqe.resv0 = 1;
		require_errno(submit_errno(ctx, sqe), EINVAL, "resv0 on version 1");
		/* and plain I/O still works there */
		require_errno(submit_errno(ctx, prep_read(fd.get(), m.get(), 4096, 0).data(3)), 0,
			      "plain read on version 1");
	});

	s.run("register_args", [&] {
		settle();
		Context ctx;
		Mapping m = anon(2 * pg);
		ctx.setup(4096);

		const iovec zero{ m.get(), 0 };
		require_errno(register_errno(ctx, { &zero, 1 }), EINVAL, "zero-length iovec");
		require_errno(register_errno(ctx, {}), EINVAL, "no iovecs");
		std::vector<iovec> many(AIO_ATTR_MAX_BUFFERS + 1, iovec{ m.get(), pg });
		require_errno(register_errno(ctx, many), EINVAL, "AIO_ATTR_MAX_BUFFERS + 1 iovecs");
		const iovec huge{ m.get(), AIO_ATTR_MAX_BUFFER_BYTES + 1UL };
		require_errno(register_errno(ctx, { &huge, 1 }), EINVAL, "iovec over 1 GiB");

		aio_attr_buffers b{};
		b.iovecs = reinterpret_cast<uintptr_t>(m.get());
		b.nr = 1;
		b.flags = 1;
		require(::ioctl(ctx.fd(), AIO_ATTR_IOC_REGISTER_BUFFERS, &b) < 0 && errno == EINVAL,
			"flags 1 accepted");
		b.flags = 0;
		b.resv[1] = 1;
		require(::ioctl(ctx.fd(), AIO_ATTR_IOC_REGISTER_BUFFERS, &b) < 0 && errno == EINVAL,
			"resv[1] 1 accepted");
		b.resv[1] = 0;
		b.iovecs = 8;
		require(::ioctl(ctx.fd(), AIO_ATTR_IOC_REGISTER_BUFFERS, &b) < 0 && errno == EFAULT,
			"unreadable iovec array accepted");

		/* unmapped memory: the second page of a mapping cut in half */
		Mapping gap = anon(2 * pg);
		::munmap(bytes(gap) + pg, pg);
		const iovec hole{ gap.get(), 2 * pg };
		require_errno(register_errno(ctx, { &hole, 1 }), EFAULT, "half-unmapped buffer");
		/* a failed registration leaves nothing behind */
		require_errno(unregister_errno(ctx), ENXIO, "unregister after failures");
		require(vm_pin_kb() == 0,
			strf("VmPin %ld kB after failed registrations", vm_pin_kb()));

		/* shared anonymous memory (shmem) can be pinned */
		Mapping shared = anon(pg, MAP_SHARED);
		const iovec sh{ shared.get(), pg };
		require_errno(register_errno(ctx, { &sh, 1 }), 0, "shared anonymous memory");
		require_errno(register_errno(ctx, { &sh, 1 }), EBUSY, "second registration");
		ctx.unregister_buffers();
	});
}

void file_backed_case(Suite &s, const std::string &path)
{
	s.run("file_backed", [&] {
		settle();
		unique_fd fd = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (::ftruncate(fd.get(), 2 * pg))
			throw_errno("ftruncate");
		Mapping m = Mapping::map(fd.get(), 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED);
		Context ctx;
		ctx.setup(4096);
		const iovec iov{ m.get(), 2 * pg };
		require_errno(register_errno(ctx, { &iov, 1 }), EOPNOTSUPP, "shared file mapping");
		Mapping p = Mapping::map(fd.get(), 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		const iovec piov{ p.get(), 2 * pg };
		require_errno(register_errno(ctx, { &piov, 1 }), EOPNOTSUPP,
			      "private file mapping");
		/* the context's own ring is a device mapping */
		Mapping anonpage = anon(pg);
		const iovec mixed[2] = { { anonpage.get(), pg }, { ctx.ring().header(), pg } };
		require_errno(register_errno(ctx, mixed), EOPNOTSUPP, "the ring mapping");
		require(vm_pin_kb() == 0, strf("VmPin %ld kB after refusals", vm_pin_kb()));
	});
}

void busy_cases(Suite &s, const std::string &hold)
{
	const std::string dev = "/dev/mapper/" + hold;

	s.run("unregister_inflight", [&] {
		unique_fd fd = open_fd(dev.c_str(), O_RDWR | O_DIRECT);
		Fixed f;
		Held held(hold);

		submit_all(f.ctx, std::array<aio_attr_sqe, 1>{
					  prep_read_fixed(fd.get(), f.bbuf, 4096, 0, 1).data(1) });
		require_errno(unregister_errno(f.ctx), EBUSY, "unregister with a read held");
		/* plain I/O in flight counts too */
		held.release();
		collect_n(f.ctx, 1);
		Held again(hold);
		submit_all(f.ctx, std::array<aio_attr_sqe, 1>{
					  prep_read(fd.get(), f.bbuf, 4096, 0).data(2) });
		require_errno(unregister_errno(f.ctx), EBUSY, "unregister with a plain read held");
		again.release();
		require_result(collect_n(f.ctx, 1)[0], 4096);
		require_errno(unregister_errno(f.ctx), 0, "unregister once idle");
	});

	s.run("close_inflight", [&] {
		settle();
		const long long ctx0 = aa_stat("contexts"), inf0 = aa_stat("inflight");
		unique_fd fd = open_fd(dev.c_str(), O_RDWR | O_DIRECT);
		{
			Held held(hold);
			{
				Fixed f;
				std::vector<aio_attr_sqe> v;

				for (unsigned i = 0; i < 16; i++)
					v.push_back(prep_read_fixed(fd.get(), f.bbuf + i * 8192,
								    8192, i * 8192, 1)
							    .data(i));
				v.push_back(
					prep_write_fixed(fd.get(), f.abuf + 3584, 4096, 1 << 20, 0)
						.data(16));
				submit_all(f.ctx, v);
				require(aa_stat("inflight") == inf0 + 17,
					strf("inflight %lld, expected %lld", aa_stat("inflight"),
					     inf0 + 17));
				require(vm_pin_kb() == 2 * 1024,
					strf("VmPin %ld kB with 2 MiB registered", vm_pin_kb()));
				require(pins_outstanding() == base_pins + 512,
					strf("%lld pages pinned with 512 registered, %lld before",
					     pins_outstanding(), base_pins));
			} /* close, munmap: the context lives on with its pins */
			require(aa_stat("contexts") == ctx0 + 1, "context gone with I/O held");
		}
		settle();
	});
}

void file_cases(Suite &s, const std::string &path, const char *label, int oflags)
{
	s.run(label, [&] {
		unique_fd fd = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
		Buffer init(4 << 20);

		fill_pattern(init.span(), 3, 0);
		if (::pwrite(fd.get(), init.data(), init.size(), 0) != (ssize_t)init.size())
			throw_errno("pwrite");
		if (::fsync(fd.get()))
			throw_errno("fsync");
		unique_fd io = open_fd(path.c_str(), O_RDWR | oflags);
		Fixed f;

		/* fixed reads of what pwrite put there */
		std::vector<aio_attr_sqe> r;
		for (const Piece &p : pieces)
			r.push_back(prep_read_fixed(io.get(), f.bbuf + p.boff, p.len, p.pos, 1)
					    .data(r.size()));
		submit_all(f.ctx, r);
		for (const Completion &c : collect_n(f.ctx, r.size()))
			require_result(c, pieces[c.user_data].len);
		for (const Piece &p : pieces) {
			const long bad = check_pattern({ f.bbuf + p.boff, p.len }, 3, p.pos);
			require(bad < 0, strf("fixed read of %zu bytes at %llu: wrong data at +%ld",
					      p.len, (unsigned long long)p.pos, bad));
		}
		/* and fixed writes through the same path, read back by pread */
		write_read_compare(f, io.get(), 4);
		Buffer check(256 * 1024);
		const Piece &p = pieces[4];
		if (::pread(fd.get(), check.data(), p.len, p.pos) != (ssize_t)p.len)
			throw_errno("pread");
		require(!std::memcmp(check.data(), f.abuf + p.aoff, p.len),
			"pread after a fixed write returns other data");
	});
}

void memlock_case(Suite &s, uid_t uid)
{
	s.run("memlock", [&] {
		settle();
		const long long ctx0 = aa_stat("contexts");

		/* measure the ring's charge as root: mmap_bytes of a 2048-byte ring */
		uint32_t ring;
		{
			Context c;
			ring = c.setup(2048).mmap_bytes;
		}
		require_drained(ctx0, aa_stat("inflight"));
		run_as(uid, uid, [&] {
			constexpr std::size_t bufpages = 64;
			set_memlock(ring + bufpages * pg);
			Mapping m = anon((bufpages + 1) * pg);
			const iovec over{ m.get(), (bufpages + 1) * pg };
			const iovec fits{ m.get(), bufpages * pg };
			{
				Context a;
				a.setup(2048);
				require_errno(register_errno(a, { &over, 1 }), ENOMEM,
					      "one page over RLIMIT_MEMLOCK");
				require_errno(register_errno(a, { &fits, 1 }), 0,
					      "exactly RLIMIT_MEMLOCK");
				require(vm_pin_kb() == (long)(bufpages * pg / 1024),
					strf("VmPin %ld kB", vm_pin_kb()));
				/* the buffers hold the charge: no room for another ring */
				Context b;
				try {
					b.setup(2048);
					throw Fail("a second ring fit beside the buffers");
				} catch (const std::system_error &e) {
					require_errno(e.code().value(), ENOMEM, "second ring");
				}
				/* unregistering gives it back */
				a.unregister_buffers();
				require(vm_pin_kb() == 0,
					strf("VmPin %ld kB after unregister", vm_pin_kb()));
				require_errno(register_errno(a, { &fits, 1 }), 0,
					      "register again after unregister");
			}
			/* and so does the context's teardown after close */
			require_drained(ctx0, aa_stat("inflight"));
			Context c;
			c.setup(2048);
			require_errno(register_errno(c, { &fits, 1 }), 0,
				      "register after the old context was freed");
		});
		require_drained(ctx0, aa_stat("inflight"));
	});
}

/*
 * Not a test: @bs-byte reads at queue depth 1 from @dev, through plain
 * and registered buffers alternately, @count each per round; prints IOPS.
 */
void bench(const std::string &dev, unsigned long count, uint32_t bs)
{
	unique_fd fd = open_fd(dev.c_str(), O_RDONLY | O_DIRECT);
	const uint64_t blocks = bdev_bytes(fd.get()) / bs;
	Fixed f;

	for (int round = 0; round < 5; round++) {
		for (const bool fixed : { false, true }) {
			uint64_t x = 88172645463325252ULL;
			const auto t0 = clock::now();

			for (unsigned long i = 0; i < count; i++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				const uint64_t pos = (x % blocks) * bs;
				const aio_attr_sqe sqe =
					fixed ? prep_read_fixed(fd.get(), f.bbuf, bs, pos, 1)
							.data(i)
					      : prep_read(fd.get(), f.bbuf, bs, pos).data(i);
				require_result(do_one(f.ctx, sqe), bs);
			}
			const std::chrono::duration<double> t = clock::now() - t0;
			info("bench %u bytes round %d %s: %.0f IOPS", bs, round,
			     fixed ? "fixed" : "plain", count / t.count());
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	Suite s("fixed");
	std::vector<std::string> devs;

	for (int i = 1; i + 1 < argc; i++)
		if (!std::strcmp(argv[i], "--dev"))
			devs.emplace_back(argv[i + 1]);
	const char *hold = arg_value(argc, argv, "--hold");
	const char *fsfile = arg_value(argc, argv, "--fsfile");
	const char *tmpfile = arg_value(argc, argv, "--tmpfile");
	const char *mapfile = arg_value(argc, argv, "--map-file");
	const unsigned long uid = arg_num(argc, argv, "--uid", 0);

	if (const unsigned long n = arg_num(argc, argv, "--bench", 0); n && !devs.empty()) {
		bench(devs[0], n, arg_num(argc, argv, "--bs", pg));
		return 0;
	}
	if (devs.empty() || !hold || !fsfile || !tmpfile || !mapfile || !uid) {
		std::fprintf(stderr, "usage: aa_fixed --dev BDEV... --hold DMNAME --fsfile PATH "
				     "--tmpfile PATH --map-file PATH --uid UID\n");
		return 2;
	}
	base_contexts = aa_stat("contexts");
	base_inflight = aa_stat("inflight");
	base_pins = pins_outstanding();
	if (base_pins < 0) {
		std::fprintf(stderr, "aa_fixed: no nr_foll_pin_* in /proc/vmstat\n");
		return 2;
	}
	s.run("feature", [] {
		Context ctx;
		require(ctx.probe().features & AIO_ATTR_FEAT_FIXED_BUFS,
			"AIO_ATTR_FEAT_FIXED_BUFS not reported");
	});
	for (const std::string &d : devs)
		data_case(s, d);
	range_cases(s, devs[0]);
	file_backed_case(s, mapfile);
	busy_cases(s, hold);
	file_cases(s, fsfile, "file_direct", O_DIRECT);
	file_cases(s, fsfile, "file_buffered", 0);
	file_cases(s, tmpfile, "tmpfs_buffered", 0);
	memlock_case(s, uid);
	s.run("nothing_left", settle);
	return s.exit_code();
}
