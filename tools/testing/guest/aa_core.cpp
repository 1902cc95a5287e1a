// SPDX-License-Identifier: GPL-2.0
/*
 * aa_core - block-device rules of the core: page-cache coherence, swap,
 * loop as the lower device, alignment on 4096-byte devices, and errors
 * that arrive as completion results.
 *
 *   aa_core [--delay DEV] [--swap DEV] [--loop-backing DEV] [--bs4k DEV]
 *	     [--fsfile PATH] [--ro DEV] [--uffd]
 *
 * --delay:        dm-delay over a ram disk, writes held ~300 ms, reads not
 * --swap:         an active swap device (swapon done by the script)
 * --loop-backing: an aiodemo device with a cache model; the program binds
 *                 a free loop device to it with direct I/O (LOOP_CONFIGURE)
 * --bs4k:         a device with 4096-byte logical blocks, storing data
 * --fsfile:       a file on a file system that supports O_DIRECT (ext4)
 * --ro:           a block device the program may set read-only (BLKROSET)
 * --uffd:         also race SETUP's faulting copy-out with mmap (userfaultfd)
 * --times:        a block device whose node's times the program may set
 * --hint:         a scsi_debug disk (I/O advice hints, 5 permanent streams),
 *                 with --hint-stats its driver's group_number_stats file
 * --hint-iocrypt: an iocrypt mapping over that disk
 *
 * A case whose device is not given is skipped.  Ids: core.<case>.
 */
#include "aatest.hpp"

#include <atomic>
#include <thread>

#include <fcntl.h>
#include <linux/loop.h>
#include <linux/userfaultfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

using namespace aatest;
using namespace aio_attr;

namespace {

std::string errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : strf("errno%d", e);
}

const char *need(int argc, char **argv, const char *opt)
{
	const char *v = arg_value(argc, argv, opt);

	if (!v)
		throw Skip(strf("no %s given", opt));
	return v;
}

/* One request must be refused with @err. */
void expect_refused(Context &ctx, const aio_attr_sqe &sqe, int err, const char *what)
{
	const SubmitResult r = ctx.submit(sqe);

	require(r.accepted == 0 && r.error == err,
		strf("%s: accepted %u error %s, expected %s", what, r.accepted,
		     errname(r.error).c_str(), errname(err).c_str()));
}

void pread_all(int fd, std::span<std::byte> buf, off_t off)
{
	const ssize_t n = ::pread(fd, buf.data(), buf.size(), off);

	if (n != static_cast<ssize_t>(buf.size()))
		throw Fail(strf("pread %zu at %lld: %zd (%s)", buf.size(), (long long)off, n,
				n < 0 ? errname(errno).c_str() : "short"));
}

/*
 * 6: a buffered reader of a block device sees what an O_DIRECT write via
 * aio_attr wrote, once the write completed - even when it re-read (and
 * re-cached) the range while the write was in flight.  dm-delay holds the
 * write so that window is ~300 ms wide.
 */
void delay_coherent(const char *dev)
{
	constexpr off_t off = 1 << 20;
	constexpr std::size_t len = 64 << 10;
	unique_fd direct = open_fd(dev, O_RDWR | O_DIRECT);
	unique_fd cached = open_fd(dev, O_RDONLY);
	Buffer a(len), b(len), got(len);
	fill_pattern(a.span(), 1, off);
	fill_pattern(b.span(), 2, off);

	require(::pwrite(direct.get(), a.data(), len, off) == (ssize_t)len, "pwrite A");
	pread_all(cached.get(), got.span(), off);
	require(check_pattern(got.span(), 1, off) < 0, "the buffered reader does not see A");

	Context ctx;
	ctx.setup(65536);
	submit_all(ctx, std::array<aio_attr_sqe, 1>{
				prep_write(direct.get(), b.data(), len, off)
					.data(1)
					.attrs(AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX)) });
	/* Re-read (re-cache) while the write is held in dm-delay. */
	unsigned rereads = 0;
	std::vector<Completion> done;
	while (ctx.ring().empty()) {
		if (::posix_fadvise(cached.get(), off, len, POSIX_FADV_DONTNEED) == 0)
			pread_all(cached.get(), got.span(), off);
		if (ctx.ring().empty())
			rereads++;
		if (rereads > 2)
			break;
	}
	require(rereads > 0, "the write completed before the reader could re-read");
	done = collect_n(ctx, 1);
	require_result(done[0], len);
	const uint64_t cx = require_attr(done[0], AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
	info("write completion: %s after %u re-reads in flight", format_ctx(cx).c_str(), rereads);

	pread_all(cached.get(), got.span(), off);
	const long bad = check_pattern(got.span(), 2, off);
	require(bad < 0, strf("after the write completed the buffered reader sees stale data "
			      "at +%ld (%s)",
			      bad, check_pattern(got.span(), 1, off) < 0 ? "the old data" : "garbage"));
	require((cx & AIO_ATTR_CTX_WORKER) && (cx & AIO_ATTR_CTX_HOP),
		strf("the device had cached pages: completion %s, expected worker|hop",
		     format_ctx(cx).c_str()));
}

/* 6: writes to an active swap device are refused, as pwrite(2) refuses them. */
void swap_busy(const char *dev)
{
	unique_fd direct = open_fd(dev, O_RDWR | O_DIRECT);
	unique_fd buffered = open_fd(dev, O_RDWR);
	Buffer buf(4096);

	const ssize_t n = ::pwrite(direct.get(), buf.data(), 4096, 1 << 20);
	require(n < 0 && errno == ETXTBSY,
		strf("pwrite to the active swap device: %zd %s (is swap on?)", n,
		     n < 0 ? errname(errno).c_str() : ""));
	Context ctx;
	ctx.setup(65536);
	expect_refused(ctx, prep_write(direct.get(), buf.data(), 4096, 1 << 20).data(1), ETXTBSY,
		       "O_DIRECT WRITE to an active swap device");
	iovec iov{ buf.data(), 4096 };
	expect_refused(ctx, prep_writev(direct.get(), { &iov, 1 }, 1 << 20).data(2), ETXTBSY,
		       "O_DIRECT WRITEV to an active swap device");
	/* reading it is allowed, as pread(2) */
	require_result(do_one(ctx, prep_read(direct.get(), buf.data(), 4096, 1 << 20).data(3)),
		       4096);
	/* the buffered path: blkdev_write_iter() refuses it, as a result */
	require_result(do_one(ctx, prep_write(buffered.get(), buf.data(), 4096, 1 << 20).data(4)),
		       -ETXTBSY);
}

/* A loop device bound to a backing device with direct I/O; unbound on destruction. */
class Loop {
public:
	explicit Loop(const char *backing)
	{
		unique_fd ctl = open_fd("/dev/loop-control", O_RDWR);
		const int n = ::ioctl(ctl.get(), LOOP_CTL_GET_FREE);
		if (n < 0)
			throw_errno("LOOP_CTL_GET_FREE");
		name_ = strf("loop%d", n);
		path_ = "/dev/" + name_;
		struct stat st;
		if (::stat(path_.c_str(), &st) && ::mknod(path_.c_str(), S_IFBLK | 0600, makedev(7, n)))
			throw_errno("mknod loop");
		fd_ = open_fd(path_.c_str(), O_RDWR);
		unique_fd back = open_fd(backing, O_RDWR | O_DIRECT);
		loop_config cfg{};
		cfg.fd = back.get();
		cfg.block_size = 512;
		cfg.info.lo_flags = LO_FLAGS_DIRECT_IO;
		if (::ioctl(fd_.get(), LOOP_CONFIGURE, &cfg))
			throw_errno("LOOP_CONFIGURE");
	}
	~Loop()
	{
		if (fd_)
			::ioctl(fd_.get(), LOOP_CLR_FD, 0);
	}
	Loop(const Loop &) = delete;
	Loop &operator=(const Loop &) = delete;

	const std::string &path() const { return path_; }
	bool direct_io() const
	{
		return read_sysfs_num(("/sys/block/" + name_ + "/loop/dio").c_str()) == 1;
	}

private:
	std::string name_, path_;
	unique_fd fd_;
};

constexpr uint64_t lower_attrs = AIO_ATTR_BIT(AIO_ATTR_CACHE) | AIO_ATTR_BIT(AIO_ATTR_DEVICE_NS) |
				 AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX);

/*
 * 7: loop with direct I/O as the lower layer of aio_attr: lo_rw_aio()
 * points the backing bio at &table[idx] of the request's bvec table.  A
 * 1 MiB read is split (loop's 128-segment limit) and the second part
 * starts in the middle of the table: its attributes must still arrive.
 * The backing aiodemo has the last 128 KiB cached and the rest cold, so
 * CACHE is PARTIAL only if that second part was found.
 */
void loop_lower(const char *backing, std::size_t len)
{
	Loop loop(backing);
	require(loop.direct_io(), strf("%s did not switch to direct I/O", loop.path().c_str()));
	unique_fd fd = open_fd(loop.path().c_str(), O_RDWR | O_DIRECT);
	unique_fd back = open_fd(backing, O_RDWR | O_DIRECT);
	Buffer buf(len), warm(128 << 10);
	const off_t off = len == 4096 ? 8 << 20 : 16 << 20;

	Context ctx;
	ctx.setup(65536);
	if (len > warm.size()) {
		/* control: the same read on aiodemo itself says partial */
		const off_t ctl = off + (8 << 20);
		require(::pwrite(back.get(), buf.data(), len, ctl) == (ssize_t)len, "pwrite");
		pread_all(back.get(), warm.span(), ctl + len - warm.size());
		const Completion c = do_one(
			ctx,
			prep_read(back.get(), buf.data(), len, ctl).data(9).attrs(lower_attrs));
		const uint64_t cache = require_attr(c, AIO_ATTR_CACHE, AIO_ATTR_ST_HANDLED);
		require(cache == AIO_ATTR_CACHE_PARTIAL,
			strf("control read on %s: cache %s, expected partial", backing,
			     format_cache(cache).c_str()));
	}
	fill_pattern(buf.span(), 7, off);
	require(::pwrite(back.get(), buf.data(), len, off) == (ssize_t)len, "pwrite backing");
	if (len > warm.size())
		pread_all(back.get(), warm.span(), off + len - warm.size());
	std::memset(buf.data(), 0, len);
	const Completion c =
		do_one(ctx, prep_read(fd.get(), buf.data(), len, off).data(1).attrs(lower_attrs));
	info("%s %zu bytes: %s", loop.path().c_str(), len, format_completion(c).c_str());
	require_result(c, len);
	require(check_pattern(buf.span(), 7, off) < 0, "data read through loop differ");
	require_attr(c, AIO_ATTR_DEVICE_NS, AIO_ATTR_ST_HANDLED);
	const uint64_t cache = require_attr(c, AIO_ATTR_CACHE, AIO_ATTR_ST_HANDLED);
	if (len > warm.size())
		require(cache == AIO_ATTR_CACHE_PARTIAL,
			strf("cache %s, expected partial: the part of the read that loop "
			     "submitted from the middle of the bvec table was not found",
			     format_cache(cache).c_str()));
}

/* 8: a 4096-byte logical-block device: the DMA alignment (512) rules buffers. */
void bs4k_rules(const char *dev)
{
	unique_fd fd = open_fd(dev, O_RDWR | O_DIRECT);
	int lbs = 0;
	require(::ioctl(fd.get(), BLKSSZGET, &lbs) == 0 && lbs == 4096,
		strf("%s has %d-byte logical blocks, not 4096", dev, lbs));
	Buffer mem(4 * 4096);
	std::byte *b512 = mem.data() + 512, *b256 = mem.data() + 256;
	Buffer check(4096);
	Context ctx;
	ctx.setup(65536);

	fill_pattern({ b512, 4096 }, 3, 8192);
	require_result(do_one(ctx, prep_write(fd.get(), b512, 4096, 8192).data(1)), 4096);
	pread_all(fd.get(), check.span(), 8192);
	require(check_pattern(check.span(), 3, 8192) < 0, "data written from a 512-aligned buffer");
	std::memset(b512, 0, 4096);
	require_result(do_one(ctx, prep_read(fd.get(), b512, 4096, 8192).data(2)), 4096);
	require(check_pattern({ b512, 4096 }, 3, 8192) < 0, "data read into a 512-aligned buffer");

	expect_refused(ctx, prep_read(fd.get(), b256, 4096, 8192).data(3), EINVAL,
		       "256-aligned buffer");
	expect_refused(ctx, prep_write(fd.get(), b256, 4096, 8192).data(3), EINVAL,
		       "256-aligned buffer (write)");
	expect_refused(ctx, prep_read(fd.get(), mem.data(), 4096, 8192 + 512).data(4), EINVAL,
		       "offset 512-aligned, not 4096");
	expect_refused(ctx, prep_read(fd.get(), mem.data(), 4096 + 512, 8192).data(5), EINVAL,
		       "length 4608");
	expect_refused(ctx, prep_read(fd.get(), mem.data(), 512, 8192).data(6), EINVAL,
		       "length 512");
}

/* 8: an unaligned O_DIRECT buffer on a regular file is the file's -EINVAL, as a result. */
void fsfile_unaligned(const char *path)
{
	unique_fd fd = open_fd(path, O_RDWR | O_CREAT | O_DIRECT, 0644);
	Buffer buf(3 * 4096);
	Context ctx;
	ctx.setup(65536);

	require_result(do_one(ctx, prep_write(fd.get(), buf.data(), 8192, 0).data(1)), 8192);
	require_result(do_one(ctx, prep_read(fd.get(), buf.data(), 4096, 0).data(2)), 4096);
	require_result(do_one(ctx, prep_read(fd.get(), buf.data() + 1, 4096, 0).data(3)), -EINVAL);
	require_result(do_one(ctx, prep_write(fd.get(), buf.data() + 1, 4096, 0).data(4)), -EINVAL);
}

/* 8: a buffered write to a block device made read-only after open: -EPERM result. */
void ro_bdev(const char *dev)
{
	unique_fd buffered = open_fd(dev, O_RDWR);
	unique_fd direct = open_fd(dev, O_RDWR | O_DIRECT);
	int ro = 1;
	require(::ioctl(buffered.get(), BLKROSET, &ro) == 0, "BLKROSET 1");
	Buffer buf(4096);
	Context ctx;
	ctx.setup(65536);
	std::exception_ptr err;
	try {
		require_result(do_one(ctx, prep_write(buffered.get(), buf.data(), 4096, 0).data(1)),
			       -EPERM);
		/* O_DIRECT: refused at submission */
		expect_refused(ctx, prep_write(direct.get(), buf.data(), 4096, 0).data(2), EPERM,
			       "O_DIRECT WRITE to a read-only device");
		require_result(do_one(ctx, prep_read(direct.get(), buf.data(), 4096, 0).data(3)),
			       4096);
	} catch (...) {
		err = std::current_exception();
	}
	ro = 0;
	::ioctl(buffered.get(), BLKROSET, &ro);
	if (err)
		std::rethrow_exception(err);
}

/* The state letter of thread @tid of this process (R, S, D, ...), or 0. */
char thread_state(pid_t tid)
{
	char buf[512] = {};
	const int fd = ::open(strf("/proc/self/task/%d/stat", tid).c_str(), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	const ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
	::close(fd);
	const char *p = n > 0 ? std::strrchr(buf, ')') : nullptr;
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Child of setup_vs_mmap: thread A's SETUP result lands in a page that is
 * write-protected with userfaultfd, so its copy_to_user() waits for us;
 * meanwhile thread B mmaps the context.  If SETUP still held the context's
 * setup mutex in copy_to_user() (and aa_mmap() takes it under mmap_lock),
 * B now holds mmap_lock waiting for the mutex, and un-protecting the page
 * needs mmap_lock: an ABBA deadlock between two threads of one process.
 * Writes 'A', 'B' and 'C' to @wfd as the steps finish.
 */
[[noreturn]] void setup_vs_mmap_child(int wfd)
{
	auto say = [wfd](char c) {
		if (::write(wfd, &c, 1) != 1)
			_exit(3);
	};
	unique_fd uffd(static_cast<int>(::syscall(SYS_userfaultfd, O_CLOEXEC)));
	uffdio_api api{ UFFD_API, UFFD_FEATURE_PAGEFAULT_FLAG_WP, 0 };
	if (!uffd || ::ioctl(uffd.get(), UFFDIO_API, &api))
		_exit(2); /* no userfaultfd with write-protect here */
	try {
		void *page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			throw_errno("mmap");
		auto *s = static_cast<aio_attr_setup *>(page);
		*s = {};
		s->version = AIO_ATTR_VERSION;
		s->ring_bytes = 4096;
		s->eventfd = -1;
		uffdio_register reg{ { reinterpret_cast<uintptr_t>(page), 4096 },
				     UFFDIO_REGISTER_MODE_WP, 0 };
		if (::ioctl(uffd.get(), UFFDIO_REGISTER, &reg))
			throw_errno("UFFDIO_REGISTER");
		uffdio_writeprotect wp{ { reinterpret_cast<uintptr_t>(page), 4096 },
					UFFDIO_WRITEPROTECT_MODE_WP };
		if (::ioctl(uffd.get(), UFFDIO_WRITEPROTECT, &wp))
			throw_errno("UFFDIO_WRITEPROTECT");

		info("child: page write-protected");
		unique_fd ctx = open_fd(Context::default_path, O_RDWR);
		std::atomic<int> setup_ret{ 1 };
		std::thread a([&] { setup_ret = ::ioctl(ctx.get(), AIO_ATTR_IOC_SETUP, s); });
		/* A is in the write fault of its copy_to_user() */
		pollfd p{ uffd.get(), POLLIN, 0 };
		if (::poll(&p, 1, 5000) != 1)
			throw Fail(strf("SETUP's copy-out did not fault (SETUP returned %d)",
					setup_ret.load()));
		uffd_msg msg;
		if (::read(uffd.get(), &msg, sizeof(msg)) != sizeof(msg))
			throw_errno("read uffd");
		info("child: SETUP faulted in its copy-out");
		std::atomic<pid_t> b_tid{ 0 };
		std::atomic<bool> b_done{ false };
		std::thread b([&] {
			b_tid = ::gettid();
			void *m = ::mmap(nullptr, 8192, PROT_READ, MAP_SHARED, ctx.get(), 0);
			if (m != MAP_FAILED)
				::munmap(m, 8192);
			b_done = true;
		});
		/* B done, or blocked (D) in mmap: then resolving A's fault is the test */
		const auto deadline = clock::now() + std::chrono::seconds(5);
		while (!b_done && clock::now() < deadline &&
		       !(b_tid && thread_state(b_tid) == 'D'))
			::poll(nullptr, 0, 5);
		info("child: mmap %s", b_done ? "returned" : "blocks");
		say('A');
		wp.mode = 0; /* let A's write through */
		if (::ioctl(uffd.get(), UFFDIO_WRITEPROTECT, &wp))
			throw_errno("UFFDIO_WRITEPROTECT off");
		say('B');
		a.join();
		b.join();
		if (setup_ret != 0)
			throw Fail("SETUP failed");
		say('C');
		_exit(0);
	} catch (const std::exception &e) {
		std::printf("# setup_vs_mmap child: %s\n", e.what());
		std::fflush(stdout);
	}
	_exit(1);
}

/*
 * SETUP's copy of its result to userspace can fault (here: a userfaultfd
 * write-protected page, as well as any page being migrated or swapped).
 * mmap of the same context from another thread must neither deadlock with
 * it nor keep the process from being killed.
 */
void setup_vs_mmap()
{
	auto [pid, r] = fork_child(setup_vs_mmap_child);
	std::string got;
	bool hung = false;
	for (;;) {
		pollfd pf{ r.get(), POLLIN, 0 };
		char c;
		if (::poll(&pf, 1, 15000) != 1) {
			hung = true;
			break;
		}
		if (::read(r.get(), &c, 1) != 1)
			break; /* EOF: the child exited */
		got += c;
	}
	int status = 0;
	if (hung) {
		::kill(pid, SIGKILL);
		pollfd pf{ r.get(), POLLIN, 0 };
		require(::poll(&pf, 1, 10000) == 1, "the deadlocked child could not even be killed");
	}
	require(::waitpid(pid, &status, 0) == pid, "waitpid");
	if (hung)
		throw Fail(strf("the child hung (steps done: '%s') and had to be killed: SETUP's "
				"copy_to_user() waits for a fault holding the context's setup "
				"mutex while mmap() holds mmap_lock and waits for that mutex "
				"(ABBA setup_lock / mmap_lock)",
				got.c_str()));
	if (got.empty() && WIFEXITED(status) && WEXITSTATUS(status) == 2)
		throw Skip("userfaultfd write-protect is not available");
	require(got == "ABC", strf("child steps '%s', status %#x", got.c_str(), status));
}

/* Set the atime and mtime of @fd's inode to @sec seconds. */
void set_times(int fd, time_t sec)
{
	const struct timespec ts[2] = { { sec, 0 }, { sec, 0 } };

	if (::futimens(fd, ts))
		throw_errno("futimens");
}

struct stat fstat_of(int fd)
{
	struct stat st {};

	if (::fstat(fd, &st))
		throw_errno("fstat");
	return st;
}

/*
 * The device node's times move as block/fops.c moves them for direct I/O:
 * a write sets mtime, a read atime (relatime: an atime a day old is
 * updated).  Each phase starts from times set to 1000 s after the epoch,
 * so a change shows without waiting for the clock; pwrite(2) and pread(2)
 * first, to show the rule.
 */
void node_times(const char *dev)
{
	constexpr time_t old = 1000;
	unique_fd fd = open_fd(dev, O_RDWR | O_DIRECT);
	Buffer buf(4096);
	Context ctx;
	ctx.setup(4096);
	struct stat st;

	for (const bool aio : { false, true }) {
		const char *who = aio ? "aio_attr's" : "the system call's";

		set_times(fd.get(), old);
		if (aio)
			require_result(
				do_one(ctx, prep_write(fd.get(), buf.data(), 4096, 0).data(1)),
				4096);
		else
			require(::pwrite(fd.get(), buf.data(), 4096, 0) == 4096, "pwrite");
		st = fstat_of(fd.get());
		require(st.st_mtime > old, strf("after %s O_DIRECT write the node's mtime is %lld, "
						"expected it updated from %lld",
						who, (long long)st.st_mtime, (long long)old));

		set_times(fd.get(), old);
		if (aio)
			require_result(
				do_one(ctx, prep_read(fd.get(), buf.data(), 4096, 0).data(2)),
				4096);
		else
			require(::pread(fd.get(), buf.data(), 4096, 0) == 4096, "pread");
		st = fstat_of(fd.get());
		require(st.st_atime > old && st.st_mtime == old,
			strf("after %s O_DIRECT read the node's atime is %lld and mtime %lld, "
			     "expected atime updated from %lld and mtime not",
			     who, (long long)st.st_atime, (long long)st.st_mtime, (long long)old));
	}
}

/* Writes scsi_debug counted in @group since the counts were last reset. */
long long group_writes(const char *stats, unsigned int group)
{
	std::FILE *f = std::fopen(stats, "r");
	long long n = -1;
	unsigned int g;
	long long v;

	if (!f)
		throw_errno(stats);
	while (std::fscanf(f, "%u %lld", &g, &v) == 2)
		if (g == group)
			n = v;
	std::fclose(f);
	require(n >= 0, strf("%s has no line for group %u", stats, group));
	return n;
}

/*
 * An O_DIRECT write carries the write hint fcntl(F_SET_RW_HINT) set, as
 * the kernel's own direct I/O does: sd sends it as the GROUP NUMBER,
 * min(hint, permanent streams), and scsi_debug counts writes per group.
 * pwrite(2) first, so the case also shows the kernel does this at all.
 */
void write_hint(const char *dev, const char *stats)
{
	if (::access(stats, R_OK))
		throw Skip(strf("no %s (6.1's scsi_debug keeps no per-group counts and its "
				"bios carry no write hint)",
				stats));
	unique_fd fd = open_fd(dev, O_RDWR | O_DIRECT);
	uint64_t hint = RWH_WRITE_LIFE_SHORT;
	if (::fcntl(fd.get(), F_SET_RW_HINT, &hint))
		throw_errno("F_SET_RW_HINT");
	/* the hint is the inode's: leave the device node without one */
	struct Unhint {
		int fd;
		~Unhint()
		{
			uint64_t none = RWH_WRITE_LIFE_NOT_SET;
			::fcntl(fd, F_SET_RW_HINT, &none);
		}
	} unhint{ fd.get() };
	Buffer buf(4096);
	Context ctx;
	ctx.setup(4096);

	write_file(stats, "0");
	require(::pwrite(fd.get(), buf.data(), 4096, 0) == 4096, "pwrite");
	const long long sys = group_writes(stats, RWH_WRITE_LIFE_SHORT);
	require(sys == 1, strf("pwrite(2) with hint %u: %lld writes in group %u, expected 1",
			       RWH_WRITE_LIFE_SHORT, sys, RWH_WRITE_LIFE_SHORT));
	write_file(stats, "0");
	require_result(do_one(ctx, prep_write(fd.get(), buf.data(), 4096, 4096).data(1)), 4096);
	const long long aio = group_writes(stats, RWH_WRITE_LIFE_SHORT);
	require(aio == 1,
		strf("aio_attr's write with hint %u: %lld writes in group %u (%lld in "
		     "group 0), expected 1 as for pwrite(2)",
		     RWH_WRITE_LIFE_SHORT, aio, RWH_WRITE_LIFE_SHORT, group_writes(stats, 0)));
}

} // namespace

int main(int argc, char **argv)
{
	Suite s("core");

	s.run("bdev_write_invalidates_cache",
	      [&] { delay_coherent(need(argc, argv, "--delay")); });
	s.run("bdev_write_active_swap", [&] { swap_busy(need(argc, argv, "--swap")); });
	s.run("loop_dio_4k", [&] { loop_lower(need(argc, argv, "--loop-backing"), 4096); });
	s.run("loop_dio_1m", [&] { loop_lower(need(argc, argv, "--loop-backing"), 1 << 20); });
	s.run("bs4k_alignment", [&] { bs4k_rules(need(argc, argv, "--bs4k")); });
	s.run("file_unaligned_direct", [&] { fsfile_unaligned(need(argc, argv, "--fsfile")); });
	s.run("ro_bdev_buffered_write", [&] { ro_bdev(need(argc, argv, "--ro")); });
	s.run("bdev_node_times", [&] { node_times(need(argc, argv, "--times")); });
	s.run("bdev_write_hint",
	      [&] { write_hint(need(argc, argv, "--hint"), need(argc, argv, "--hint-stats")); });
	/* iocrypt writes through a bio of its own, which must take the hint */
	s.run("iocrypt_write_hint", [&] {
		write_hint(need(argc, argv, "--hint-iocrypt"), need(argc, argv, "--hint-stats"));
	});
	s.run("setup_copyout_vs_mmap", [&] {
		if (!arg_flag(argc, argv, "--uffd"))
			throw Skip("no --uffd given");
		setup_vs_mmap();
	});
	return s.exit_code();
}
