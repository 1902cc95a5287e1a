// SPDX-License-Identifier: GPL-2.0
/*
 * aa_file - aio_attr on a regular file (the kiocb path) and FSYNC/FDATASYNC.
 *
 *   aa_file --dir /tmp
 *
 * Cases (ids file.*): rw_data, vectored_data, attrs, read_eof,
 * unmapped_buffer, fsync, fdatasync.
 */
#include "aatest.hpp"

#include <sys/mman.h>
#include <sys/stat.h>

using namespace aatest;
using namespace aio_attr;

namespace {

constexpr uint64_t max_service_ns = 10'000'000'000ULL;

class File {
public:
	explicit File(const std::string &dir)
	    : path_(dir + "/aa_file.dat")
	    , fd_(open_fd(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600))
	{
		ctx_.setup(64 * 1024);
	}
	~File() { ::unlink(path_.c_str()); }

	void rw_data()
	{
		std::vector<std::byte> w(100000), r(100000);
		const uint64_t off = 12345;

		fill_pattern(w, 1, off);
		require_result(
			do_one(ctx_,
			       prep_write(fd_.get(), std::span<const std::byte>(w), off).data(1)),
			w.size());
		require(::pread(fd_.get(), r.data(), r.size(), off) == (ssize_t)r.size(), "pread");
		require(check_pattern(r, 1, off) < 0, "WRITE data differs (checked with pread)");
		fill_pattern(w, 2, off);
		require(::pwrite(fd_.get(), w.data(), w.size(), off) == (ssize_t)w.size(),
			"pwrite");
		std::fill(r.begin(), r.end(), std::byte{ 0 });
		require_result(
			do_one(ctx_, prep_read(fd_.get(), std::span<std::byte>(r), off).data(2)),
			r.size());
		require(check_pattern(r, 2, off) < 0, "READ data differs");
	}

	void vectored_data()
	{
		std::vector<std::byte> a(1000), b(3000), ra(2000), rb(2000);
		iovec wv[2] = { { a.data(), a.size() }, { b.data(), b.size() } };
		iovec rv[2] = { { ra.data(), ra.size() }, { rb.data(), rb.size() } };
		const uint64_t off = 1 << 20;

		fill_pattern(a, 3, off);
		fill_pattern(b, 3, off + 1000);
		require_result(do_one(ctx_, prep_writev(fd_.get(), wv, off).data(3)), 4000);
		require_result(do_one(ctx_, prep_readv(fd_.get(), rv, off).data(4)), 4000);
		require(check_pattern({ ra.data(), 1000 }, 3, off) < 0, "READV iovec 0 differs");
		require(std::memcmp(ra.data() + 1000, b.data(), 1000) == 0 &&
				std::memcmp(rb.data(), b.data() + 1000, 2000) == 0,
			"READV data split across iovecs differs");
	}

	void attrs()
	{
		std::vector<std::byte> buf(8192);
		Completion c =
			do_one(ctx_, prep_write(fd_.get(), std::span<const std::byte>(buf), 0)
					     .data(5)
					     .attrs(AIO_ATTR_ALL));
		require_result(c, 8192);
		check_kiocb_attrs(c);
		c = do_one(ctx_, prep_read(fd_.get(), std::span<std::byte>(buf), 0)
					 .data(6)
					 .attrs(AIO_ATTR_ALL));
		require_result(c, 8192);
		check_kiocb_attrs(c);
	}

	void read_eof()
	{
		std::vector<std::byte> buf(4096);
		struct stat st {};
		require(::fstat(fd_.get(), &st) == 0, "fstat");
		const Completion c = do_one(
			ctx_,
			prep_read(fd_.get(), std::span<std::byte>(buf), st.st_size + 4096).data(7));
		require_result(c, 0);
	}

	void sync(bool data_only)
	{
		std::vector<std::byte> buf(4096);
		require_result(
			do_one(ctx_,
			       prep_write(fd_.get(), std::span<const std::byte>(buf), 0).data(8)),
			4096);
		const uint64_t mask = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) |
				      AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX) |
				      AIO_ATTR_BIT(AIO_ATTR_DEVICE_NS);
		const Completion c =
			do_one(ctx_, data_only ? prep_fdatasync(fd_.get()).data(9).attrs(mask)
					       : prep_fsync(fd_.get()).data(9).attrs(mask));
		require_result(c, 0);
		const uint64_t cx = require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
		const uint64_t both = AIO_ATTR_CTX_HOP | AIO_ATTR_CTX_WORKER;
		require((cx & both) == both,
			strf("completion_ctx %s lacks hop|worker", format_ctx(cx).c_str()));
		require((cx & AIO_ATTR_CTX_MASK) == AIO_ATTR_CTX_TASK,
			strf("completion_ctx %s: a worker runs in task context",
			     format_ctx(cx).c_str()));
		const uint64_t ns = require_attr(c, AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED);
		require(ns > 0 && ns < max_service_ns,
			strf("service_ns %llu", (unsigned long long)ns));
		require(require_attr(c, AIO_ATTR_DEVICE_NS, AIO_ATTR_ST_UNSUPPORTED) == 0,
			"unsupported device_ns has a value");
		info("%s: %s", data_only ? "fdatasync" : "fsync", format_completion(c).c_str());
	}

	/* Refused with EFAULT, or accepted and completed with -EFAULT (as pread(2) fails). */
	void unmapped_buffer()
	{
		void *p = ::mmap(nullptr, 3 * 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		require(p != MAP_FAILED, "mmap");
		::munmap(p, 3 * 4096);
		for (const aio_attr_sqe &sqe : { prep_read(fd_.get(), p, 4096, 0).data(10),
						 prep_write(fd_.get(), p, 4096, 0).data(11) }) {
			const SubmitResult r = ctx_.submit(sqe);
			if (r.accepted == 0) {
				require(r.error == EFAULT, strf("refused with %s, expected EFAULT",
								std::strerror(r.error)));
				continue;
			}
			const auto v = collect_n(ctx_, 1);
			require_result(v[0], -EFAULT);
		}
	}

private:
	static void check_kiocb_attrs(const Completion &c)
	{
		require(c.attrs().size() == AIO_ATTR_NR, "not one record per requested attribute");
		const uint64_t ns = require_attr(c, AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED);
		require(ns > 0 && ns < max_service_ns,
			strf("service_ns %llu", (unsigned long long)ns));
		for (unsigned id : { AIO_ATTR_DEVICE_NS, AIO_ATTR_CACHE, AIO_ATTR_CRYPT_NS }) {
			const uint64_t v = require_attr(c, id, AIO_ATTR_ST_UNSUPPORTED);
			require(v == 0, strf("unsupported %s = %llu", attr_name(id).data(),
					     (unsigned long long)v));
		}
		const uint64_t cx = require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
		const uint64_t base = cx & AIO_ATTR_CTX_MASK;
		require(base >= AIO_ATTR_CTX_TASK && base <= AIO_ATTR_CTX_HARDIRQ,
			strf("completion_ctx %s", format_ctx(cx).c_str()));
		info("tmpfs: %s", format_completion(c).c_str());
	}

	std::string path_;
	unique_fd fd_;
	Context ctx_;
};

} // namespace

int main(int argc, char **argv)
{
	const std::string dir = arg_value(argc, argv, "--dir", "/tmp");
	Suite s("file");
	std::unique_ptr<File> f;

	s.run("open", [&] { f = std::make_unique<File>(dir); });
	if (!f)
		return 1;
	s.run("rw_data", [&] { f->rw_data(); });
	s.run("vectored_data", [&] { f->vectored_data(); });
	s.run("attrs", [&] { f->attrs(); });
	s.run("read_eof", [&] { f->read_eof(); });
	s.run("unmapped_buffer", [&] { f->unmapped_buffer(); });
	s.run("fsync", [&] { f->sync(false); });
	s.run("fdatasync", [&] { f->sync(true); });
	return s.exit_code();
}
