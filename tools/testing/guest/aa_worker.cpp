// SPDX-License-Identifier: GPL-2.0
/*
 * aa_worker - submission never waits for a file's I/O: the attempt with
 * IOCB_NOWAIT, the context's worker pool for what would wait, the
 * PAGECACHE attribute, and AIO_ATTR_IOC_CANCEL.
 *
 * Run by tests/api_worker.sh with --file PATH (a file on ext4 over an
 * aiodemo disk whose misses take --miss-ns), --held DEV --dm NAME (a dm
 * linear device over brd that the program suspends, so that a read of it
 * blocks until it resumes: no timing involved) and --tmp DIR (tmpfs); with
 * --hardirq DEV (aiodemo completion=hardirq, 4k blocks, whose 4k block at
 * --bad-offset, below 64 KiB, fails: fail_range) the group_hardirq case
 * runs; --uid (65534) is the user of the unpriv_ cases, who may reach the
 * file's directory and read the held device.  The script sets max_workers
 * to 1.  Cases (prefix "worker."):
 *   feature        PROBE and version 2 SETUP advertise WORKERS, CANCEL and
 *                  PAGECACHE; a version 1 context knows none of them
 *   cold_reads     buffered 4k random reads with a cold page cache: each
 *                  completes from a worker (COMPLETION_CTX WORKER|HOP) with
 *                  PAGECACHE MISS and the right data, and no SUBMIT went to
 *                  sleep (no voluntary context switch: it waited for
 *                  nothing); SUBMIT latency printed, not asserted
 *   warm_reads     the same reads again: PAGECACHE HIT, completed inside
 *                  SUBMIT (INLINE, no WORKER), right data
 *   readahead_hit  sequential reads with readahead: PAGECACHE says whether
 *                  the page cache held the data (mincore), also when the
 *                  folio found marks the next readahead and a worker
 *                  completes the read; no SUBMIT sleeps
 *   cold_extent_block  ext4 file with an extent block, not cached: a
 *                  buffered read's SUBMIT does not sleep, an O_DIRECT
 *                  read's waits for the extent block (a stated limit)
 *   buffered_write ext4 buffered writes (which 6.1 cannot do without
 *                  waiting) complete from a worker; the data reads back
 *   cancel         with one worker held by a blocked read, queued requests
 *                  are cancelled by user_data and by fd, each completes
 *                  exactly once with -ECANCELED; the started one is
 *                  reported as running and completes normally
 *   cancel_partial a queued read whose first page moved at submission
 *                  ends with that page when cancelled, counted as neither
 *   cancel_errors  EINVAL, EBADF for bad arguments; output fields ignored
 *   fork_cow_direct, fork_cow_worker  an O_DIRECT read (our bio) and a
 *                  buffered read (a worker), each held in the device while
 *                  the process forks and then writes into the read's
 *                  buffer: the data lands in the parent's page (pages are
 *                  pinned, so fork() copies them for the child), and no
 *                  page stays pinned after the event
 *   close_queued   close() with requests queued behind a blocked one:
 *                  the queued ones go at once, the running one finishes
 *                  after the resume, nothing stays in flight
 *   group_wait     AIO_ATTR_SUBMIT_GROUP|WAIT (LIO_WAIT): ETIME while the
 *                  group is held (CANCEL by the GROUP_DONE's user_data
 *                  finds nothing cancelled and nothing running), then a
 *                  group that completes: the call returns with every
 *                  member's entry and the GROUP_DONE entry, last, in the
 *                  ring
 *   group_fail     a member that fails (-EFAULT) is counted in the
 *                  GROUP_DONE result; a batch that stops early still gets
 *                  its GROUP_DONE entry after the accepted members
 *   group_errors   GROUP_DONE misplaced, malformed or without the flag,
 *                  min_complete with a group: EINVAL, nothing queued
 *   group_hardirq  --group-rounds groups (LIO_WAIT and LIO_NOWAIT in turn)
 *                  of O_DIRECT reads that complete in hardirq, one that
 *                  fails there (EIO) and a write past the end (ENOSPC):
 *                  every member posts once, the GROUP_DONE entry comes
 *                  last and counts 2 failed, LIO_WAIT returns with all of
 *                  them in the ring; some GROUP_DONE entries were posted
 *                  from hardirq
 *   group_race     opt-in (--group-race N): N groups of two hardirq reads
 *                  and 4-51 tmpfs reads through the one worker, so that a
 *                  worker member ends near the hardirq ones: GROUP_DONE
 *                  always last, LIO_WAIT never returns before every entry
 *                  is posted (a member is counted before its entry is
 *                  posted; see the case's comment)
 *   unpriv_worker_creds  a worker writes with the submitter's credentials:
 *                  the user's ext4 buffered write (a worker's) clears the
 *                  file's set-user-ID and set-group-ID bits, as a write
 *                  without CAP_FSETID does, where root's keeps them; the
 *                  user's cold reads go through a worker
 *   unpriv_cancel  as the user: cancel by fd with one read running in the
 *                  worker and three queued; each queued one completes once
 *                  with -ECANCELED, the running one after the resume
 *   unpriv_group   as the user: a LIO_WAIT group of cold reads with one
 *                  member that fails (EFAULT): all entries there on return,
 *                  GROUP_DONE last with 1 failed
 *   stress         --cycles cycles of submit / cancel / close at random
 *                  moments on tmpfs (reads and fsyncs, all through the
 *                  pool; one cycle in 16 closes the context with its
 *                  requests queued or running): every user_data of an
 *                  open context completes exactly once, cancelled ones
 *                  with -ECANCELED, as many as CANCEL said; nothing stays
 *                  in flight at the end
 */
#include "aatest.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <linux/fiemap.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

using namespace aatest;
using namespace aio_attr;

namespace {

constexpr uint64_t want_all = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) |
			      AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX) |
			      AIO_ATTR_BIT(AIO_ATTR_PAGECACHE);
constexpr std::size_t file_bytes = 32 << 20;

const char *file_path;
const char *held_path;
const char *dm_name;
const char *tmp_dir;
const char *hardirq_path;
uint64_t bad_offset = 4096;
unsigned long group_rounds = 500;
unsigned long race_rounds;
uid_t uid = 65534;
unsigned long cycles = 100000;

Context make_ctx(uint32_t version, uint32_t ring_bytes = 65536)
{
	Context ctx;
	aio_attr_setup s{};

	s.version = version;
	s.ring_bytes = ring_bytes;
	s.eventfd = -1;
	ctx.setup(s);
	return ctx;
}

/* The held device, suspended for the life of the object. */
struct Held : HeldDm {
	Held()
	    : HeldDm(dm_name)
	{
	}
};

/* The directory part of @path. */
std::string dir_of(const char *path)
{
	const std::string p(path);
	const auto slash = p.rfind('/');

	return slash == std::string::npos ? "." : slash ? p.substr(0, slash) : "/";
}

/* Raw AIO_ATTR_IOC_CANCEL: 0 or -errno, @c updated. */
int cancel_raw(const Context &ctx, aio_attr_cancel &c)
{
	return ::ioctl(ctx.fd(), AIO_ATTR_IOC_CANCEL, &c) ? -errno : 0;
}

aio_attr_cancel cancel_ud(const Context &ctx, uint64_t ud)
{
	aio_attr_cancel c{};

	c.flags = AIO_ATTR_CANCEL_USER_DATA;
	c.user_data = ud;
	c.fd = -1;
	const int ret = cancel_raw(ctx, c);
	require(!ret,
		strf("cancel user_data %llu: %s", (unsigned long long)ud, std::strerror(-ret)));
	return c;
}

aio_attr_cancel cancel_fd(const Context &ctx, int fd)
{
	aio_attr_cancel c{};

	c.flags = AIO_ATTR_CANCEL_FD;
	c.fd = fd;
	const int ret = cancel_raw(ctx, c);
	require(!ret, strf("cancel fd %d: %s", fd, std::strerror(-ret)));
	return c;
}

/* One raw AIO_ATTR_IOC_SUBMIT with @flags. */
struct Call {
	int ret;
	aio_attr_submit sub;
};

Call submit_raw(const Context &ctx, std::span<const aio_attr_sqe> sqes, uint32_t flags,
		int64_t timeout_ns = 0)
{
	Call c{};

	c.sub.sqes = reinterpret_cast<uintptr_t>(sqes.data());
	c.sub.nr = static_cast<uint32_t>(sqes.size());
	c.sub.flags = flags;
	c.sub.timeout_ns = timeout_ns;
	c.ret = ::ioctl(ctx.fd(), AIO_ATTR_IOC_SUBMIT, &c.sub);
	if (c.ret < 0)
		c.ret = -errno;
	return c;
}

aio_attr_sqe group_done(uint64_t ud)
{
	aio_attr_sqe sqe{};

	sqe.opcode = AIO_ATTR_OP_GROUP_DONE;
	sqe.fd = -1;
	sqe.user_data = ud;
	return sqe;
}

/* Everything in the ring now, without waiting. */
std::vector<Completion> reap_now(Context &ctx)
{
	std::vector<Completion> v;

	ctx.reap([&](const Completion &c) { v.push_back(c); });
	return v;
}

/*
 * The queued requests @lo..@hi were cancelled: each completes once, with
 * -ECANCELED, and nothing else comes while the device stays suspended.
 */
void require_cancelled(Context &ctx, uint64_t lo, uint64_t hi)
{
	std::set<uint64_t> seen;

	for (const Completion &e : collect_n(ctx, hi - lo + 1)) {
		require_result(e, -ECANCELED);
		require(e.user_data >= lo && e.user_data <= hi && seen.insert(e.user_data).second,
			strf("cancelled user_data %llu twice or unexpected",
			     (unsigned long long)e.user_data));
	}
	std::vector<Completion> more;
	require(!collect(ctx, 1, more, 200ms), "a completion while the device is suspended");
}

bool has_worker(uint64_t cx)
{
	return (cx & AIO_ATTR_CTX_WORKER) && (cx & AIO_ATTR_CTX_HOP);
}

/* Offsets of @n distinct 4k blocks of the file, in random order. */
std::vector<uint64_t> random_blocks(unsigned n, std::mt19937_64 &rng)
{
	std::vector<uint64_t> all(file_bytes / 4096);

	for (std::size_t i = 0; i < all.size(); i++)
		all[i] = i * 4096;
	std::shuffle(all.begin(), all.end(), rng);
	all.resize(n);
	return all;
}

/*
 * Reads in flight on the disk that holds @fd's file: readahead a worker
 * started is accounted there from its submission to its end.
 */
long long disk_reads_inflight(int fd)
{
	struct stat st {};

	require(!::fstat(fd, &st), "fstat");
	return read_sysfs_num(
		strf("/sys/dev/block/%u:%u/inflight", major(st.st_dev), minor(st.st_dev)).c_str());
}

/*
 * Wait until the disk of @fd has no read in flight, so that what the page
 * cache holds is up to date.  sysfs cannot notify: poll every ms, 10 s.
 */
void wait_disk_idle(int fd)
{
	const long long n = wait_value([fd] { return disk_reads_inflight(fd); }, 0, 10s, 1ms);

	require(n == 0, strf("the disk still has %lld reads in flight after 10 s", n));
}

/* A read-only shared mapping of a file, for mincore(). */
class FileMap {
public:
	FileMap(int fd, std::size_t len)
	    : len_(len)
	    , p_(::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0))
	{
		if (p_ == MAP_FAILED)
			throw std::system_error(errno, std::generic_category(), "mmap");
	}
	FileMap(const FileMap &) = delete;
	FileMap &operator=(const FileMap &) = delete;
	~FileMap() { ::munmap(p_, len_); }

	/* whether the page cache holds the page at @off (mincore) */
	bool cached(uint64_t off) const
	{
		unsigned char vec = 0;

		require(!::mincore(static_cast<char *>(p_) + off, 4096, &vec), "mincore");
		return vec & 1;
	}

private:
	std::size_t len_;
	void *p_;
};

/*
 * Drop the page cache, and every page of the test file for certain:
 * drop_caches passes over a folio that still sits in some CPU's LRU batch
 * (the batch holds a reference to it), where FADV_DONTNEED drains the
 * batches of all CPUs and tries again.  The cases that expect misses
 * would otherwise fail, now and then, on the test file's own pages.
 */
void drop_caches()
{
	::sync();
	write_file("/proc/sys/vm/drop_caches", "3");

	const unique_fd f = open_fd(file_path, O_RDONLY);
	require(!::posix_fadvise(f.get(), 0, 0, POSIX_FADV_DONTNEED), "fadvise");
	const FileMap map(f.get(), file_bytes);
	for (uint64_t off = 0; off < file_bytes; off += 4096)
		require(!map.cached(off), strf("the page at %llu of %s is still cached after "
					       "drop_caches and FADV_DONTNEED",
					       (unsigned long long)off, file_path));
}

/* Extents of @fd's file (FS_IOC_FIEMAP, counted only). */
unsigned file_extents(int fd)
{
	struct fiemap fm {};

	fm.fm_length = FIEMAP_MAX_OFFSET;
	fm.fm_flags = FIEMAP_FLAG_SYNC;
	require(!::ioctl(fd, FS_IOC_FIEMAP, &fm), strf("FIEMAP: %s", std::strerror(errno)));
	return fm.fm_mapped_extents;
}

/*
 * Unmount the file system mounted at @mnt and mount it again, so that
 * nothing of it stays cached: its inodes, its extents and the block
 * device's page cache go (the last close of the device drops it).
 */
void remount(const std::string &mnt)
{
	std::string src, type;
	{
		std::ifstream mounts("/proc/self/mounts");
		std::string s, dir, t, rest;

		while (mounts >> s >> dir >> t && std::getline(mounts, rest))
			if (dir == mnt) {
				src = s;
				type = t;
			}
	}
	require(!src.empty(), "no file system at " + mnt);
	/* a worker's last fput() of a file there may still be on its way */
	const auto deadline = clock::now() + 5s;
	int ret;
	while ((ret = ::umount2(mnt.c_str(), 0)) && errno == EBUSY && clock::now() < deadline)
		::poll(nullptr, 0, 10);
	require(!ret, strf("umount %s: %s", mnt.c_str(), std::strerror(errno)));
	require(!::mount(src.c_str(), mnt.c_str(), type.c_str(), 0, nullptr),
		strf("mount %s at %s: %s", src.c_str(), mnt.c_str(), std::strerror(errno)));
}

/* One 4k read of @fd at @off into @buf: whether its SUBMIT went to sleep. */
bool submit_slept(Context &ctx, int fd, std::byte *buf, uint64_t off, uint64_t ud)
{
	const long sw = voluntary_switches();
	const SubmitResult r = ctx.submit(prep_read(fd, buf, 4096, off).data(ud).attrs(want_all));
	const bool slept = voluntary_switches() != sw;

	require(r.ok() && r.accepted == 1, strf("submit: %s", std::strerror(r.error)));
	return slept;
}

/*
 * Buffered reads of @offs one SUBMIT each; returns the SUBMIT times and
 * counts in *@slept the SUBMITs during which the thread went to sleep
 * (a voluntary context switch: it waited for something).
 */
std::vector<std::chrono::nanoseconds> read_each(Context &ctx, int fd, Buffer &buf,
						const std::vector<uint64_t> &offs,
						std::vector<Completion> &done, unsigned *slept)
{
	std::vector<std::chrono::nanoseconds> took;

	*slept = 0;
	for (std::size_t i = 0; i < offs.size(); i++) {
		const aio_attr_sqe sqe =
			prep_read(fd, buf.data() + i * 4096, 4096, offs[i]).data(i).attrs(want_all);
		const long sw = voluntary_switches();
		const auto t0 = clock::now();
		const SubmitResult r = ctx.submit(sqe);
		took.push_back(clock::now() - t0);
		*slept += voluntary_switches() != sw;
		require(r.ok() && r.accepted == 1, strf("submit: %s", std::strerror(r.error)));
	}
	/* the misses take 2 ms each through one worker, more on the debug kernel */
	done = collect_n(ctx, offs.size(), 120s);
	return took;
}

/*
 * The read @c of read_each() brought the right data; returns its
 * COMPLETION_CTX and PAGECACHE values.
 */
std::pair<uint64_t, uint64_t> check_read(const Buffer &buf, const std::vector<uint64_t> &offs,
					 const Completion &c)
{
	const auto i = c.user_data;
	const std::span<const std::byte> got(buf.data() + i * 4096, 4096);

	require_result(c, 4096);
	const long bad = check_pattern(got, 7, offs[i]);
	require(bad < 0,
		strf("read at %llu: wrong data at +%ld", (unsigned long long)offs[i], bad));
	return { require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED),
		 require_attr(c, AIO_ATTR_PAGECACHE, AIO_ATTR_ST_HANDLED) };
}

std::string pct(std::vector<std::chrono::nanoseconds> v, double p)
{
	std::sort(v.begin(), v.end());
	const auto x = v[std::min(v.size() - 1, (std::size_t)(p * v.size()))];
	return strf("%lld us",
		    (long long)std::chrono::duration_cast<std::chrono::microseconds>(x).count());
}

} // namespace

int main(int argc, char **argv)
{
	file_path = arg_value(argc, argv, "--file");
	held_path = arg_value(argc, argv, "--held");
	dm_name = arg_value(argc, argv, "--dm");
	tmp_dir = arg_value(argc, argv, "--tmp");
	cycles = arg_num(argc, argv, "--cycles", cycles);
	hardirq_path = arg_value(argc, argv, "--hardirq");
	bad_offset = arg_num(argc, argv, "--bad-offset", bad_offset);
	group_rounds = arg_num(argc, argv, "--group-rounds", group_rounds);
	race_rounds = arg_num(argc, argv, "--group-race", 0);
	uid = static_cast<uid_t>(arg_num(argc, argv, "--uid", uid));
	const unsigned long miss_ns = arg_num(argc, argv, "--miss-ns", 2000000);
	if (!file_path || !held_path || !dm_name || !tmp_dir) {
		std::fprintf(stderr, "usage: aa_worker --file PATH [--miss-ns NS] --held DEV "
				     "--dm NAME --tmp DIR [--cycles N] [--hardirq DEV [--bad-offset "
				     "BYTES] [--group-rounds N] [--group-race N]] [--uid UID]\n");
		return 2;
	}
	Suite s("worker");
	std::mt19937_64 rng(0x5eed);
	const long long inflight0 = aa_stat("inflight");
	const long long contexts0 = aa_stat("contexts");

	/* The file: written once with the pattern, then not cached. */
	s.run("prepare", [] {
		const unique_fd f = open_fd(file_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		Buffer buf(1 << 20);

		for (std::size_t off = 0; off < file_bytes; off += buf.size()) {
			fill_pattern(buf.span(), 7, off);
			require(::pwrite(f.get(), buf.data(), buf.size(), off) ==
					(ssize_t)buf.size(),
				"pwrite");
		}
		require(::fsync(f.get()) == 0, "fsync");
	});

	s.run("feature", [] {
		Context ctx;
		const aio_attr_probe p = ctx.probe();

		require((p.features & AIO_ATTR_FEAT_WORKERS) && (p.features & AIO_ATTR_FEAT_CANCEL),
			strf("probe features %#llx", (unsigned long long)p.features));
		require(p.attrs & AIO_ATTR_BIT(AIO_ATTR_PAGECACHE), "probe: no PAGECACHE");
		require(make_ctx(2).setup_info().attrs & AIO_ATTR_BIT(AIO_ATTR_PAGECACHE),
			"version 2 setup: no PAGECACHE");

		Context v1 = make_ctx(1);
		require(!(v1.setup_info().attrs & AIO_ATTR_BIT(AIO_ATTR_PAGECACHE)),
			"version 1 setup reports PAGECACHE");
		const unique_fd f = open_fd(file_path, O_RDONLY);
		Buffer buf(4096);
		const SubmitResult r = v1.submit(prep_read(f.get(), buf.data(), 4096, 0)
							 .data(1)
							 .attrs(AIO_ATTR_BIT(AIO_ATTR_PAGECACHE)));
		require(!r.ok() && r.error == EINVAL,
			strf("version 1: PAGECACHE accepted (%s)", std::strerror(r.error)));
		aio_attr_cancel c{};
		c.flags = AIO_ATTR_CANCEL_USER_DATA;
		c.fd = -1;
		require(cancel_raw(v1, c) == -EBADFD, "version 1: CANCEL is not EBADFD");
	});

	/*
	 * Enough SUBMITs for a p99 that measures SUBMIT: the guest's timer
	 * tick (HZ 250), which TCG stretches to some 100-300 us, lands in a
	 * SUBMIT with a chance of its time / 4 ms, 0.3-0.6%; out of 512
	 * samples a few more hits than that were already the p99.
	 */
	const auto offs = random_blocks(1024, rng);
	Buffer rbuf(offs.size() * 4096);

	s.run("cold_reads", [&] {
		drop_caches();
		const unique_fd f = open_fd(file_path, O_RDONLY);
		/* no readahead: every read is a miss of its own */
		require(!::posix_fadvise(f.get(), 0, 0, POSIX_FADV_RANDOM), "fadvise");
		Context ctx = make_ctx(2, 1 << 20); /* every completion fits */
		std::vector<Completion> done;
		unsigned slept;
		const auto took = read_each(ctx, f.get(), rbuf, offs, done, &slept);

		for (const Completion &c : done) {
			const auto [cx, pc] = check_read(rbuf, offs, c);

			require(has_worker(cx) && !(cx & AIO_ATTR_CTX_INLINE),
				strf("cold read: %s, expected a worker",
				     format_completion(c).c_str()));
			require(pc == AIO_ATTR_PAGECACHE_MISS,
				strf("cold read: %s, expected a miss",
				     format_completion(c).c_str()));
		}
		const auto slow = std::count_if(took.begin(), took.end(), [&](auto t) {
			return t >= std::chrono::nanoseconds(miss_ns);
		});
		info("SUBMIT of a cold buffered read (misses take %lu us): p50 %s, p99 %s, max %s; "
		     "%ld of %zu took longer than a miss, %u slept",
		     miss_ns / 1000, pct(took, 0.5).c_str(), pct(took, 0.99).c_str(),
		     pct(took, 1.0).c_str(), (long)slow, took.size(), slept);
		/* the time is the host's to steal; a sleep would be a wait */
		require(!slept, strf("%u SUBMITs of cold reads went to sleep", slept));
	});

	s.run("warm_reads", [&] {
		const unique_fd f = open_fd(file_path, O_RDONLY);
		Context ctx = make_ctx(2, 1 << 20);
		std::vector<Completion> done;
		unsigned slept;
		const auto took = read_each(ctx, f.get(), rbuf, offs, done, &slept);

		for (const Completion &c : done) {
			const auto [cx, pc] = check_read(rbuf, offs, c);

			require(pc == AIO_ATTR_PAGECACHE_HIT && (cx & AIO_ATTR_CTX_INLINE) &&
					!(cx & AIO_ATTR_CTX_WORKER),
				strf("warm read: %s, expected an inline hit",
				     format_completion(c).c_str()));
		}
		info("SUBMIT of a warm buffered read: p50 %s, p99 %s, %u slept",
		     pct(took, 0.5).c_str(), pct(took, 0.99).c_str(), slept);
		require(!slept, strf("%u SUBMITs of warm reads went to sleep", slept));
	});

	/*
	 * Sequential 4k reads with readahead on, one at a time, each after the
	 * disk went idle: PAGECACHE says whether the page cache held the data
	 * (mincore() just before), also for a read the attempt left to a worker
	 * because the folio it found marks where the next readahead starts (the
	 * attempt starts no I/O); SUBMIT never sleeps.
	 */
	s.run("readahead_hit", [&] {
		constexpr unsigned n = 256;
		drop_caches();
		const unique_fd f = open_fd(file_path, O_RDONLY);
		const FileMap map(f.get(), n * 4096);
		Context ctx = make_ctx(2);
		Buffer buf(4096);
		unsigned hits = 0, worker_hits = 0, misses = 0;

		for (unsigned i = 0; i < n; i++) {
			const uint64_t off = i * 4096ULL;

			wait_disk_idle(f.get());
			const bool cached = map.cached(off);
			require(!submit_slept(ctx, f.get(), buf.data(), off, i),
				strf("the SUBMIT of the read at %llu slept",
				     (unsigned long long)off));
			const Completion c = collect_n(ctx, 1, 10s).front();
			require_result(c, 4096);
			require(check_pattern(buf.span(), 7, off) < 0,
				strf("read at %llu: wrong data", (unsigned long long)off));
			const uint64_t cx =
				require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
			const uint64_t pc =
				require_attr(c, AIO_ATTR_PAGECACHE, AIO_ATTR_ST_HANDLED);
			require(pc == (cached ? AIO_ATTR_PAGECACHE_HIT : AIO_ATTR_PAGECACHE_MISS),
				strf("read at %llu, %s: %s", (unsigned long long)off,
				     cached ? "cached" : "not cached",
				     format_completion(c).c_str()));
			require(cached || has_worker(cx),
				strf("a miss completed without a worker: %s",
				     format_completion(c).c_str()));
			misses += !cached;
			hits += cached;
			worker_hits += cached && has_worker(cx);
		}
		info("readahead_hit: %u misses, %u hits, %u of them from a worker", misses, hits,
		     worker_hits);
		/* else the case the test is for did not happen */
		require(worker_hits > 0, "no hit found a readahead mark");
		require(hits > worker_hits, "no hit completed inside SUBMIT");
	});

	/*
	 * A file whose extent tree has a level below the inode (more extents
	 * than the inode holds: every other 4k block written) and whose extent
	 * block is not cached.  A buffered read's SUBMIT does not wait for that
	 * block (the worker maps and reads); an O_DIRECT read's does, as ext4
	 * maps a direct read in the submitter even with IOCB_NOWAIT (the limit
	 * abi.rst states; io_uring waits there too).
	 */
	s.run("cold_extent_block", [&] {
		constexpr unsigned blocks = 64;
		const std::string paths[2] = { std::string(file_path) + ".sparse0",
					       std::string(file_path) + ".sparse1" };
		const uint64_t off = 2 * 50 * 4096ULL;

		/*
		 * A file each: a read that maps through the extent block caches
		 * every extent in it for as long as the inode lives.
		 */
		for (const std::string &path : paths) {
			const unique_fd f = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
			Buffer buf(4096);

			for (unsigned i = 0; i < blocks; i++) {
				const uint64_t o = 2 * i * 4096ULL;

				fill_pattern(buf.span(), 7, o);
				require(::pwrite(f.get(), buf.data(), 4096, o) == 4096, "pwrite");
			}
			require(!::fsync(f.get()), "fsync");
			const unsigned extents = file_extents(f.get());
			/* an ext4 inode holds 4 extents itself */
			require(extents > 4, strf("%u extents: no extent block", extents));
		}
		/*
		 * Nothing of the file system cached: the journal keeps the blocks
		 * of its committed transactions (the extent blocks among them)
		 * until it checkpoints them, and the inodes cache their extents.
		 */
		remount(dir_of(file_path));
		for (const bool direct : { false, true }) {
			const unique_fd f =
				open_fd(paths[direct].c_str(), O_RDONLY | (direct ? O_DIRECT : 0));
			Context ctx = make_ctx(2);
			Buffer buf(4096);
			const bool slept = submit_slept(ctx, f.get(), buf.data(), off, 1);
			const Completion c = collect_n(ctx, 1, 10s).front();

			require_result(c, 4096);
			require(check_pattern(buf.span(), 7, off) < 0, "wrong data");
			if (!direct) {
				require(!slept, "a buffered read's SUBMIT slept (mapping the "
						"file's blocks in the submitter?)");
				require(require_attr(c, AIO_ATTR_PAGECACHE, AIO_ATTR_ST_HANDLED) ==
						AIO_ATTR_PAGECACHE_MISS,
					format_completion(c));
			} else {
				require(slept, "an O_DIRECT read's SUBMIT did not wait for the "
					       "extent block: abi.rst's stated limit is gone, "
					       "update it");
			}
		}
		for (const std::string &path : paths)
			require(!::unlink(path.c_str()), "unlink");
	});

	s.run("buffered_write", [&] {
		const unique_fd f = open_fd(file_path, O_RDWR);
		Context ctx = make_ctx(2);
		Buffer buf(4096);
		const uint64_t off = 5 * 4096;

		fill_pattern(buf.span(), 9, off);
		const Completion c = do_one(
			ctx, prep_write(f.get(), buf.data(), 4096, off).data(1).attrs(want_all));
		require_result(c, 4096);
		const uint64_t cx = require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
		require(has_worker(cx), strf("ext4 buffered write: %s, expected a worker",
					     format_completion(c).c_str()));
		Buffer got(4096);
		require(::pread(f.get(), got.data(), 4096, off) == 4096, "pread");
		require(check_pattern(got.span(), 9, off) < 0, "written data does not read back");
		/* put the pattern back for later cases */
		fill_pattern(buf.span(), 7, off);
		require(::pwrite(f.get(), buf.data(), 4096, off) == 4096, "pwrite");
	});

	s.run("cancel", [&] {
		const unique_fd d = open_fd(held_path, O_RDONLY);
		require(!::posix_fadvise(d.get(), 0, 0, POSIX_FADV_DONTNEED), "fadvise");
		Context ctx = make_ctx(2);
		Buffer buf(4 * 4096);
		Held h;
		std::vector<aio_attr_sqe> sqes;

		for (unsigned i = 0; i < 4; i++)
			sqes.push_back(prep_read(d.get(), buf.data() + i * 4096, 4096,
						 (i + 1) * 1048576ULL)
					       .data(i + 1)
					       .attrs(want_all));
		submit_all(ctx, sqes);
		/* ud 1 holds the only worker, blocked in the device; 2..4 wait */
		auto c = cancel_ud(ctx, 3);
		require(c.cancelled == 1 && c.running == 0,
			strf("cancel ud 3: cancelled %u running %u, expected 1 0", c.cancelled,
			     c.running));
		c = cancel_ud(ctx, 1);
		require(c.cancelled == 0 && c.running == 1,
			strf("cancel ud 1: cancelled %u running %u, expected 0 1", c.cancelled,
			     c.running));
		c = cancel_fd(ctx, d.get());
		require(c.cancelled == 2 && c.running == 1,
			strf("cancel fd: cancelled %u running %u, expected 2 1", c.cancelled,
			     c.running));
		require_cancelled(ctx, 2, 4);
		h.resume();
		auto got = collect_n(ctx, 1);
		require(got[0].user_data == 1, "the running read did not complete");
		require_result(got[0], 4096);
		require(has_worker(
				require_attr(got[0], AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED)),
			"the running read was not done by a worker");
		std::vector<Completion> more;
		require(!collect(ctx, 1, more, 100ms), "an extra completion after the resume");
	});

	/*
	 * A read of which a part moved at submission - its first page was
	 * cached, its second waits for the worker - has started: cancelling
	 * it ends it with that part, counted neither cancelled nor running
	 * (POSIX: AIO_ALLDONE), and no -ECANCELED hides the data it read.
	 */
	s.run("cancel_partial", [&] {
		constexpr uint64_t off = 5 * 1048576ULL;
		const unique_fd d = open_fd(held_path, O_RDONLY);
		require(!::posix_fadvise(d.get(), 0, 0, POSIX_FADV_DONTNEED), "fadvise");
		Buffer first(4096);
		require(::pread(d.get(), first.data(), 4096, off) == 4096, "pread");
		/* the read's readahead: none of it behind the first page */
		require(!::posix_fadvise(d.get(), off + 4096, 1048576, POSIX_FADV_DONTNEED),
			"fadvise");
		Context ctx = make_ctx(2);
		Buffer buf(3 * 4096);
		Held h;
		std::vector<aio_attr_sqe> one{
			prep_read(d.get(), buf.data(), 4096, 1048576).data(1).attrs(want_all)
		};
		submit_all(ctx, one); /* takes the only worker, blocks in the device */
		std::vector<aio_attr_sqe> two{
			prep_read(d.get(), buf.data() + 4096, 8192, off).data(2).attrs(want_all)
		};
		submit_all(ctx, two);
		auto c = cancel_ud(ctx, 2);
		require(c.cancelled == 0 && c.running == 0,
			strf("cancel ud 2: cancelled %u running %u, expected 0 0", c.cancelled,
			     c.running));
		auto got = collect_n(ctx, 1);
		require(got[0].user_data == 2, "the partial read did not end first");
		require_result(got[0], 4096);
		require(std::memcmp(buf.data() + 4096, first.data(), 4096) == 0,
			"the partial read's page differs from pread's");
		h.resume();
		got = collect_n(ctx, 1);
		require(got[0].user_data == 1, "the running read did not complete");
		require_result(got[0], 4096);
	});

	s.run("cancel_errors", [&] {
		Context ctx = make_ctx(2);
		aio_attr_cancel c{};

		c.fd = -1;
		require(cancel_raw(ctx, c) == -EINVAL, "no flags: not EINVAL");
		c.flags = 1U << 7;
		require(cancel_raw(ctx, c) == -EINVAL, "unknown flag: not EINVAL");
		c = {};
		c.flags = AIO_ATTR_CANCEL_USER_DATA;
		c.fd = 0;
		require(cancel_raw(ctx, c) == -EINVAL, "fd without CANCEL_FD: not EINVAL");
		c = {};
		c.flags = AIO_ATTR_CANCEL_FD;
		c.fd = 1000;
		require(cancel_raw(ctx, c) == -EBADF, "closed fd: not EBADF");
		c = {};
		c.flags = AIO_ATTR_CANCEL_FD;
		c.fd = -1;
		c.user_data = 5;
		require(cancel_raw(ctx, c) == -EINVAL, "user_data without its flag: not EINVAL");
		c = {};
		c.flags = AIO_ATTR_CANCEL_USER_DATA;
		c.fd = -1;
		c.resv[1] = 1;
		require(cancel_raw(ctx, c) == -EINVAL, "reserved field: not EINVAL");
		/* the output fields are outputs: a struct used again is fine */
		c = {};
		c.flags = AIO_ATTR_CANCEL_USER_DATA;
		c.fd = -1;
		c.user_data = 77;
		c.cancelled = 5;
		c.running = 6;
		require(cancel_raw(ctx, c) == 0, "output fields set on input: refused");
		require(c.cancelled == 0 && c.running == 0,
			strf("output fields not written: cancelled %u running %u", c.cancelled,
			     c.running));
		Context unset;
		c = {};
		c.flags = AIO_ATTR_CANCEL_USER_DATA;
		c.fd = -1;
		require(cancel_raw(unset, c) == -EBADFD, "before setup: not EBADFD");
	});

	/*
	 * A read held in the device while the process forks and then writes
	 * to another byte of the read's buffer: the data must land in the
	 * parent's page.  Pages taken with a reference only are shared
	 * copy-on-write by fork(), the write gives the parent a new page and
	 * the read fills the old one; pinned pages are copied for the child.
	 */
	const auto fork_cow = [&](bool direct) {
		constexpr uint64_t off = 9 * 1048576ULL;
		const unique_fd w = open_fd(held_path, O_RDWR | O_DIRECT);
		Buffer pat(4096);
		fill_pattern(pat.span(), 11, off);
		require(::pwrite(w.get(), pat.data(), 4096, off) == 4096, "pwrite");
		const unique_fd d = open_fd(held_path, direct ? O_RDONLY | O_DIRECT : O_RDONLY);
		require(!::posix_fadvise(d.get(), 0, 0, POSIX_FADV_DONTNEED), "fadvise");
		Context ctx = make_ctx(2);
		Buffer buf(4096);
		std::memset(buf.data(), 0xee, 4096);
		const long long pins0 = pins_outstanding();
		Held h;
		std::vector<aio_attr_sqe> one{
			prep_read(d.get(), buf.data(), 4096, off).data(1).attrs(want_all)
		};
		submit_all(ctx, one);
		const pid_t pid = ::fork();
		if (pid == 0)
			::_exit(0);
		require(pid > 0, "fork");
		int st = 0;
		require(::waitpid(pid, &st, 0) == pid && WIFEXITED(st), "waitpid");
		/* the last word: the read's data replaces it */
		std::memset(buf.data() + 4088, 0x11, 8);
		h.resume();
		auto got = collect_n(ctx, 1);
		require_result(got[0], 4096);
		const uint64_t cx =
			require_attr(got[0], AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
		require(has_worker(cx) != direct,
			strf("completion context %#llx", (unsigned long long)cx));
		const long bad = check_pattern(buf.span(), 11, off);
		require(bad < 0, strf("the read's data is not in the parent's buffer "
				      "(first bad byte %ld)",
				      bad));
		/* unpinned before the event was posted */
		const long long pins = pins_outstanding();
		require(pins == pins0,
			strf("%lld pages pinned after the read, %lld before", pins, pins0));
	};
	s.run("fork_cow_direct", [&] { fork_cow(true); });
	s.run("fork_cow_worker", [&] { fork_cow(false); });

	s.run("close_queued", [&] {
		const unique_fd d = open_fd(held_path, O_RDONLY);
		require(!::posix_fadvise(d.get(), 0, 0, POSIX_FADV_DONTNEED), "fadvise");
		Buffer buf(3 * 4096);
		Held h;
		{
			Context ctx = make_ctx(2);
			std::vector<aio_attr_sqe> sqes;

			for (unsigned i = 0; i < 3; i++)
				sqes.push_back(prep_read(d.get(), buf.data() + i * 4096, 4096,
							 (i + 8) * 1048576ULL)
						       .data(i + 1));
			submit_all(ctx, sqes);
		}
		/* the queued two went with the file; the running one waits */
		require(wait_stat("inflight", inflight0 + 1) == inflight0 + 1,
			strf("in flight after close: %lld, expected %lld", aa_stat("inflight"),
			     inflight0 + 1));
		h.resume();
		require_drained(contexts0, inflight0);
	});

	s.run("group_wait", [&] {
		require(Context{}.probe().features & AIO_ATTR_FEAT_GROUPS,
			"no AIO_ATTR_FEAT_GROUPS");
		const unique_fd d = open_fd(held_path, O_RDONLY);
		require(!::posix_fadvise(d.get(), 0, 0, POSIX_FADV_DONTNEED), "fadvise");
		Context ctx = make_ctx(2);
		Buffer buf(3 * 4096);
		std::vector<aio_attr_sqe> sqes;
		{
			Held h;
			for (unsigned i = 0; i < 3; i++)
				sqes.push_back(prep_read(d.get(), buf.data() + i * 4096, 4096,
							 (i + 16) * 1048576ULL)
						       .data(i + 1));
			sqes.push_back(group_done(100));
			const Call c =
				submit_raw(ctx, sqes, AIO_ATTR_SUBMIT_GROUP | AIO_ATTR_SUBMIT_WAIT,
					   300'000'000);
			require(c.ret == 3 && c.sub.accepted == 3 && !c.sub.error &&
					c.sub.wait_error == ETIME,
				strf("held group: ret %d accepted %u error %d wait_error %d", c.ret,
				     c.sub.accepted, c.sub.error, c.sub.wait_error));
			require(reap_now(ctx).empty(), "entries while the group is held");
			/* the notification is no I/O: nothing to cancel, nothing running */
			const auto cg = cancel_ud(ctx, 100);
			require(cg.cancelled == 0 && cg.running == 0,
				strf("cancel GROUP_DONE's ud 100: cancelled %u running %u, "
				     "expected 0 0",
				     cg.cancelled, cg.running));
		}
		auto got = collect_n(ctx, 4);
		require(got.back().user_data == 100 && got.back().result == 0,
			strf("last entry: %s, expected GROUP_DONE 100 with 0 failed",
			     format_completion(got.back()).c_str()));

		/* LIO_WAIT on a group that completes: all entries there on return */
		const unique_fd f = open_fd(file_path, O_RDONLY);
		sqes.clear();
		for (unsigned i = 0; i < 3; i++)
			sqes.push_back(prep_read(f.get(), buf.data() + i * 4096, 4096, offs[i])
					       .data(200 + i));
		sqes.push_back(group_done(300));
		drop_caches();
		const Call c =
			submit_raw(ctx, sqes, AIO_ATTR_SUBMIT_GROUP | AIO_ATTR_SUBMIT_WAIT, -1);
		require(c.ret == 3 && !c.sub.error && !c.sub.wait_error,
			strf("group: ret %d error %d wait_error %d", c.ret, c.sub.error,
			     c.sub.wait_error));
		got = reap_now(ctx);
		require(got.size() == 4, strf("%zu entries in the ring when LIO_WAIT returned, "
					      "expected 4",
					      got.size()));
		require(got.back().user_data == 300 && got.back().result == 0,
			"GROUP_DONE is not the last entry, or counts a failure");
		for (std::size_t i = 0; i < 3; i++)
			require_result(got[i], 4096);
	});

	s.run("group_fail", [&] {
		const std::string path = std::string(tmp_dir) + "/aa_worker.group";
		const unique_fd f = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
		require(::ftruncate(f.get(), 1 << 20) == 0, "ftruncate");
		Context ctx = make_ctx(2);
		Buffer buf(4096);
		/* tmpfs goes through a worker, which cannot pin an unmapped buffer */
		void *hole = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		require(hole != MAP_FAILED, "mmap");
		std::vector<aio_attr_sqe> sqes = {
			prep_read(f.get(), buf.data(), 4096, 0).data(1),
			prep_read(f.get(), hole, 4096, 0).data(2),
			group_done(3),
		};
		Call c = submit_raw(ctx, sqes, AIO_ATTR_SUBMIT_GROUP);
		require(c.ret == 2 && !c.sub.error, strf("ret %d error %d", c.ret, c.sub.error));
		auto got = collect_n(ctx, 3);
		require(got.back().user_data == 3 && got.back().result == 1,
			strf("GROUP_DONE: %s, expected 1 failed",
			     format_completion(got.back()).c_str()));

		/* stops early at a bad fd: the GROUP_DONE entry still follows ud 10 */
		sqes = { prep_read(f.get(), buf.data(), 4096, 0).data(10),
			 prep_read(1000, buf.data(), 4096, 0).data(11),
			 prep_read(f.get(), buf.data(), 4096, 0).data(12), group_done(13) };
		c = submit_raw(ctx, sqes, AIO_ATTR_SUBMIT_GROUP);
		require(c.ret == 1 && c.sub.accepted == 1 && c.sub.error == EBADF,
			strf("stopped batch: ret %d accepted %u error %d", c.ret, c.sub.accepted,
			     c.sub.error));
		got = collect_n(ctx, 2);
		require(got[0].user_data == 10 && got[1].user_data == 13 && got[1].result == 0,
			"a stopped group did not end with its GROUP_DONE entry");
		/* refused at the first member: nothing at all */
		sqes = { prep_read(1000, buf.data(), 4096, 0).data(20), group_done(21) };
		c = submit_raw(ctx, sqes, AIO_ATTR_SUBMIT_GROUP);
		require(c.ret == -EBADF, strf("ret %d, expected -EBADF", c.ret));
		std::vector<Completion> more;
		require(!collect(ctx, 1, more, 200ms), "an entry for a group without members");
		::munmap(hole, 4096);
		::unlink(path.c_str());
	});

	s.run("group_errors", [&] {
		const unique_fd f = open_fd(file_path, O_RDONLY);
		Context ctx = make_ctx(2);
		Buffer buf(4096);
		const aio_attr_sqe rd = prep_read(f.get(), buf.data(), 4096, 0).data(1);
		std::vector<aio_attr_sqe> sqes = { group_done(2), rd };

		Call c = submit_raw(ctx, sqes, AIO_ATTR_SUBMIT_GROUP);
		require(c.ret == -EINVAL, strf("GROUP_DONE first: ret %d", c.ret));
		sqes = { rd, group_done(2) };
		c = submit_raw(ctx, sqes, 0);
		require(c.ret == 1 && c.sub.error == EINVAL,
			strf("GROUP_DONE without the flag: ret %d error %d", c.ret, c.sub.error));
		collect_n(ctx, 1);
		sqes[1].fd = 0;
		c = submit_raw(ctx, sqes, AIO_ATTR_SUBMIT_GROUP);
		require(c.ret == -EINVAL, strf("GROUP_DONE with an fd: ret %d", c.ret));
		sqes[1] = group_done(2);
		aio_attr_submit sub{};
		sub.sqes = reinterpret_cast<uintptr_t>(sqes.data());
		sub.nr = 2;
		sub.flags = AIO_ATTR_SUBMIT_GROUP | AIO_ATTR_SUBMIT_WAIT;
		sub.min_complete = 1;
		require(::ioctl(ctx.fd(), AIO_ATTR_IOC_SUBMIT, &sub) < 0 && errno == EINVAL,
			"min_complete with a group: not EINVAL");
		std::vector<Completion> more;
		require(!collect(ctx, 1, more, 200ms), "an entry after refused batches");
		Context v1 = make_ctx(1);
		sqes = { rd };
		c = submit_raw(v1, sqes, AIO_ATTR_SUBMIT_GROUP);
		require(c.ret == -EINVAL, "version 1 accepted AIO_ATTR_SUBMIT_GROUP");
	});

	s.run("group_hardirq", [&] {
		if (!hardirq_path)
			throw Skip("no --hardirq device");
		const unique_fd h = open_fd(hardirq_path, O_RDWR | O_DIRECT);
		const uint64_t blocks = bdev_bytes(h.get()) / 4096;
		constexpr uint64_t cxm = AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX);
		Context ctx = make_ctx(2);
		Buffer buf(8 * 4096);
		unsigned done_hardirq = 0;

		for (unsigned round = 0; round < group_rounds; round++) {
			/* LIO_WAIT and LIO_NOWAIT with the GROUP_DONE entry, in turn */
			const bool wait = round % 2;
			const uint64_t base = 16 * (round + 1);
			std::vector<aio_attr_sqe> sqes;

			for (unsigned i = 0; i < 6; i++)
				sqes.push_back(prep_read(h.get(), buf.data() + i * 4096, 4096,
							 (16 + rng() % (blocks - 16)) * 4096)
						       .data(base + i)
						       .attrs(cxm));
			/* fails with EIO in the disk's hardirq completion */
			sqes.push_back(
				prep_read(h.get(), buf.data() + 6 * 4096, 4096, bad_offset)
					.data(base + 6)
					.attrs(cxm));
			/* fails with ENOSPC (past the end) before any disk sees it */
			sqes.push_back(
				prep_write(h.get(), buf.data() + 7 * 4096, 4096, blocks * 4096)
					.data(base + 7)
					.attrs(cxm));
			sqes.push_back(group_done(base + 8));
			sqes.back().attr_mask = cxm;
			const Call c = submit_raw(ctx, sqes,
						  AIO_ATTR_SUBMIT_GROUP |
							  (wait ? AIO_ATTR_SUBMIT_WAIT : 0),
						  wait ? 10'000'000'000 : 0);
			require(c.ret == 8 && c.sub.accepted == 8 && !c.sub.error &&
					!c.sub.wait_error,
				strf("round %u: ret %d accepted %u error %d wait_error %d", round,
				     c.ret, c.sub.accepted, c.sub.error, c.sub.wait_error));
			/* with LIO_WAIT every entry is in the ring when SUBMIT returns */
			const auto got = wait ? reap_now(ctx) : collect_n(ctx, 9);
			require(got.size() == 9,
				strf("round %u (%s): %zu entries, expected 9", round,
				     wait ? "LIO_WAIT" : "LIO_NOWAIT", got.size()));
			std::array<bool, 9> seen{};
			for (std::size_t k = 0; k < got.size(); k++) {
				const Completion &e = got[k];
				const uint64_t i = e.user_data - base;

				require(e.user_data >= base && i < 9 && !seen[i],
					strf("round %u: user_data %llu twice or not of this group",
					     round, (unsigned long long)e.user_data));
				seen[i] = true;
				const uint64_t cx = require_attr(e, AIO_ATTR_COMPLETION_CTX,
								 AIO_ATTR_ST_HANDLED);
				const bool in_hardirq = (cx & AIO_ATTR_CTX_MASK) == AIO_ATTR_CTX_HARDIRQ;
				if (i < 7) {
					require_result(e, i < 6 ? 4096 : -EIO);
					require(in_hardirq,
						strf("round %u: %s, expected a hardirq completion",
						     round, format_completion(e).c_str()));
				} else if (i == 7) {
					require_result(e, -ENOSPC);
				} else {
					require(k == 8, strf("round %u: GROUP_DONE is entry %zu of 9",
							     round, k + 1));
					require(e.result == 2,
						strf("round %u: GROUP_DONE %s, expected 2 failed",
						     round, format_completion(e).c_str()));
					done_hardirq += in_hardirq;
				}
			}
			require(reap_now(ctx).empty(), strf("round %u: an extra entry", round));
		}
		info("group_hardirq: %lu groups, the GROUP_DONE entry posted from hardirq for %u",
		     group_rounds, done_hardirq);
		/* else the last member was never a hardirq one: not what this tests */
		require(done_hardirq > 0, "no GROUP_DONE entry was posted from hardirq");
	});

	/*
	 * Opt-in (--group-race N): a member's count and its entry are two
	 * steps (aa_complete(): aa_group_leave(), then aa_post()), so when
	 * two members end at once the last one can post GROUP_DONE - and a
	 * LIO_WAIT submitter can see the group done - before the other's
	 * entry is in the ring.  Each round a worker member (tmpfs, the
	 * context's one worker) ends near the moment the hardirq members do:
	 * K tmpfs reads, K varied, queue behind each other in the worker.
	 */
	s.run("group_race", [&] {
		if (!hardirq_path || !race_rounds)
			throw Skip("opt-in: --hardirq DEV --group-race N");
		const std::string path = std::string(tmp_dir) + "/aa_worker.race";
		const unique_fd f = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
		require(::ftruncate(f.get(), 1 << 20) == 0, "ftruncate");
		const unique_fd h = open_fd(hardirq_path, O_RDONLY | O_DIRECT);
		const uint64_t blocks = bdev_bytes(h.get()) / 4096;
		Context ctx = make_ctx(2);
		Buffer buf(64 * 4096);
		unsigned bad_order = 0, early = 0;

		for (unsigned round = 0; round < race_rounds; round++) {
			const bool wait = round % 2;
			const unsigned k = 4 + rng() % 48;
			const uint64_t base = 64 * (round + 1);
			std::vector<aio_attr_sqe> sqes;

			for (unsigned i = 0; i < 2; i++)
				sqes.push_back(prep_read(h.get(), buf.data() + i * 4096, 4096,
							 (16 + rng() % (blocks - 16)) * 4096)
						       .data(base + i));
			for (unsigned i = 2; i < k + 2; i++)
				sqes.push_back(prep_read(f.get(), buf.data() + i * 4096, 4096,
							 (rng() % 256) * 4096)
						       .data(base + i));
			sqes.push_back(group_done(base + k + 2));
			const Call c = submit_raw(ctx, sqes,
						  AIO_ATTR_SUBMIT_GROUP |
							  (wait ? AIO_ATTR_SUBMIT_WAIT : 0),
						  wait ? 10'000'000'000 : 0);
			require(c.ret == (int)k + 2 && !c.sub.error && !c.sub.wait_error,
				strf("round %u: ret %d error %d wait_error %d", round, c.ret,
				     c.sub.error, c.sub.wait_error));
			auto got = reap_now(ctx);
			if (wait && got.size() != k + 3)
				early++;
			if (got.size() < k + 3) {
				std::vector<Completion> more = collect_n(ctx, k + 3 - got.size());
				got.insert(got.end(), more.begin(), more.end());
			}
			std::vector<bool> seen(k + 3);
			for (const Completion &e : got) {
				const uint64_t i = e.user_data - base;
				require(e.user_data >= base && i < k + 3 && !seen[i],
					strf("round %u: user_data %llu twice or not of this group",
					     round, (unsigned long long)e.user_data));
				seen[i] = true;
				require(e.result == (i == k + 2 ? 0 : 4096),
					strf("round %u: %s", round, format_completion(e).c_str()));
			}
			bad_order += got.back().user_data != base + k + 2;
			require(reap_now(ctx).empty(), strf("round %u: an extra entry", round));
		}
		info("group_race: %lu groups; GROUP_DONE before another member's entry %u times, "
		     "LIO_WAIT returned before every entry was posted %u times",
		     race_rounds, bad_order, early);
		::unlink(path.c_str());
		require(!bad_order && !early,
			strf("GROUP_DONE was not last %u times, LIO_WAIT returned early %u times",
			     bad_order, early));
	});

	/*
	 * The worker does a request with the submitter's credentials.  What
	 * shows them: a write by someone without CAP_FSETID clears the
	 * set-user-ID and set-group-ID bits of the file (file_remove_privs()
	 * in ext4's write path), root's does not.  ext4 buffered writes always
	 * go to a worker on 6.1, and that is where the check runs.
	 */
	s.run("unpriv_worker_creds", [&] {
		const std::string path = dir_of(file_path) + "/aa_worker.suid";
		{
			const unique_fd f = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
			require(!::ftruncate(f.get(), 65536) && !::fchown(f.get(), uid, uid),
				"ftruncate, fchown");
		}
		/* @path 06755, a worker's write to it as root or as @uid; its mode after */
		const auto write_as = [&](bool as_user) {
			require(!::chmod(path.c_str(), 06755), "chmod");
			const auto body = [&] {
				const unique_fd f = open_fd(path.c_str(), O_WRONLY);
				Context ctx = make_ctx(2);
				Buffer buf(4096);
				const Completion c = do_one(ctx, prep_write(f.get(), buf.data(), 4096, 0)
									 .data(1)
									 .attrs(want_all));
				require_result(c, 4096);
				require(has_worker(require_attr(c, AIO_ATTR_COMPLETION_CTX,
								AIO_ATTR_ST_HANDLED)),
					strf("%s, expected a worker", format_completion(c).c_str()));
			};
			if (as_user)
				run_as(uid, uid, body);
			else
				body();
			struct stat st {};
			require(!::stat(path.c_str(), &st), "stat");
			return st.st_mode & 07777;
		};
		const unsigned root_mode = write_as(false);
		require(root_mode == 06755,
			strf("root's write left mode %o, expected 6755: the case cannot tell "
			     "credentials apart",
			     root_mode));
		const unsigned user_mode = write_as(true);
		require(user_mode == 0755,
			strf("uid %u's write through a worker left mode %o, expected 755: the "
			     "worker did not write with its credentials",
			     uid, user_mode));
		::unlink(path.c_str());

		/* a cold read of a file the user may read: a worker, the right data */
		drop_caches();
		run_as(uid, uid, [&] {
			const unique_fd f = open_fd(file_path, O_RDONLY);
			require(!::posix_fadvise(f.get(), 0, 0, POSIX_FADV_RANDOM), "fadvise");
			Context ctx = make_ctx(2);
			const std::vector<uint64_t> o(offs.begin(), offs.begin() + 4);
			std::vector<Completion> done;
			unsigned slept;
			read_each(ctx, f.get(), rbuf, o, done, &slept);
			for (const Completion &c : done) {
				const auto [cx, pc] = check_read(rbuf, o, c);

				require(has_worker(cx) && pc == AIO_ATTR_PAGECACHE_MISS,
					strf("cold read as uid %u: %s, expected a worker and a "
					     "miss",
					     uid, format_completion(c).c_str()));
			}
		});
	});

	s.run("unpriv_cancel", [&] {
		Held h;
		run_as_until(
			uid,
			[&](const std::function<void()> &checkpoint) {
				const unique_fd d = open_fd(held_path, O_RDONLY);
				require(!::posix_fadvise(d.get(), 0, 0, POSIX_FADV_DONTNEED),
					"fadvise");
				Context ctx = make_ctx(2);
				Buffer buf(4 * 4096);
				std::vector<aio_attr_sqe> sqes;

				for (unsigned i = 0; i < 4; i++)
					sqes.push_back(prep_read(d.get(), buf.data() + i * 4096, 4096,
								 (i + 40) * 1048576ULL)
							       .data(i + 1)
							       .attrs(want_all));
				submit_all(ctx, sqes);
				/* ud 1 holds the context's only worker; 2..4 wait */
				const auto c = cancel_fd(ctx, d.get());
				require(c.cancelled == 3 && c.running == 1,
					strf("cancel fd: cancelled %u running %u, expected 3 1",
					     c.cancelled, c.running));
				require_cancelled(ctx, 2, 4);
				checkpoint(); /* root resumes the device */
				const auto got = collect_n(ctx, 1);
				require(got[0].user_data == 1 &&
						has_worker(require_attr(got[0],
									AIO_ATTR_COMPLETION_CTX,
									AIO_ATTR_ST_HANDLED)),
					strf("the running read: %s, expected ud 1 from a worker",
					     format_completion(got[0]).c_str()));
				require_result(got[0], 4096);
				std::vector<Completion> more;
				require(!collect(ctx, 1, more, 100ms), "an extra completion");
			},
			[&] { h.resume(); });
		require_drained(contexts0, inflight0);
	});

	s.run("unpriv_group", [&] {
		drop_caches();
		run_as(uid, uid, [&] {
			const unique_fd f = open_fd(file_path, O_RDONLY);
			require(!::posix_fadvise(f.get(), 0, 0, POSIX_FADV_RANDOM), "fadvise");
			Context ctx = make_ctx(2);
			Buffer buf(3 * 4096);
			/* a cold read cannot pin an unmapped buffer in the worker: EFAULT */
			void *hole = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
					    -1, 0);
			require(hole != MAP_FAILED, "mmap");
			std::vector<aio_attr_sqe> sqes;
			for (unsigned i = 0; i < 3; i++)
				sqes.push_back(prep_read(f.get(), buf.data() + i * 4096, 4096,
							 offs[8 + i])
						       .data(1 + i));
			sqes.push_back(prep_read(f.get(), hole, 4096, offs[11]).data(4));
			sqes.push_back(group_done(5));
			const Call c = submit_raw(ctx, sqes,
						  AIO_ATTR_SUBMIT_GROUP | AIO_ATTR_SUBMIT_WAIT,
						  10'000'000'000);
			::munmap(hole, 4096);
			require(c.ret == 4 && !c.sub.error && !c.sub.wait_error,
				strf("LIO_WAIT as uid %u: ret %d error %d wait_error %d", uid,
				     c.ret, c.sub.error, c.sub.wait_error));
			const auto got = reap_now(ctx);
			require(got.size() == 5,
				strf("%zu entries when LIO_WAIT returned, expected 5", got.size()));
			std::set<uint64_t> seen;
			for (const Completion &e : got) {
				require(seen.insert(e.user_data).second && e.user_data <= 5,
					strf("user_data %llu twice or unknown",
					     (unsigned long long)e.user_data));
				if (e.user_data <= 3)
					require_result(e, 4096);
				else if (e.user_data == 4)
					require_result(e, -EFAULT);
			}
			require(got.back().user_data == 5 && got.back().result == 1,
				strf("last entry %s, expected GROUP_DONE 5 with 1 failed",
				     format_completion(got.back()).c_str()));
		});
	});

	s.run("stress", [&] {
		const std::string path = std::string(tmp_dir) + "/aa_worker.stress";
		const unique_fd f = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
		Buffer buf(8 * 4096);
		uint64_t ud = 0, n_cancelled = 0, n_done = 0, n_closed = 0;
		const auto t0 = clock::now();

		require(::ftruncate(f.get(), 1 << 20) == 0, "ftruncate");
		std::optional<Context> ctx;
		for (unsigned long cycle = 0; cycle < cycles; cycle++) {
			if (!ctx)
				ctx.emplace(make_ctx(2, 4096));
			const unsigned n = 1 + rng() % 8;
			std::vector<aio_attr_sqe> sqes;
			std::set<uint64_t> pending;

			for (unsigned i = 0; i < n; i++) {
				++ud;
				sqes.push_back(rng() % 3 ? prep_read(f.get(), buf.data() + i * 4096,
								     4096, (rng() % 256) * 4096)
								   .data(ud)
							 : prep_fsync(f.get()).data(ud));
				pending.insert(ud);
			}
			submit_all(*ctx, sqes);
			for (unsigned spin = rng() % 2000; spin; spin--)
				asm volatile("" ::: "memory");
			unsigned cancelled = 0;
			switch (rng() % 16) {
			case 0 ... 4:
				cancelled = cancel_fd(*ctx, f.get()).cancelled;
				break;
			case 5 ... 9:
				cancelled = cancel_ud(*ctx, ud - rng() % n).cancelled;
				break;
			case 10:
				/* close with whatever is queued or running */
				ctx.reset();
				n_closed++;
				continue;
			default:
				break;
			}
			unsigned ecanceled = 0;
			for (const Completion &c : collect_n(*ctx, n)) {
				require(pending.erase(c.user_data) == 1,
					strf("cycle %lu: user_data %llu completed twice or never "
					     "submitted",
					     cycle, (unsigned long long)c.user_data));
				if (c.result == -ECANCELED)
					ecanceled++;
				else
					require(c.result == 4096 || c.result == 0,
						strf("cycle %lu: result %lld", cycle,
						     (long long)c.result));
			}
			require(ecanceled == cancelled,
				strf("cycle %lu: cancel said %u, %u completed with ECANCELED",
				     cycle, cancelled, ecanceled));
			require(!ctx->reap([&](const Completion &) {}, 1),
				strf("cycle %lu: an extra completion", cycle));
			n_cancelled += cancelled;
			n_done += n - cancelled;
		}
		ctx.reset();
		require_drained(contexts0, inflight0);
		const auto secs = std::chrono::duration<double>(clock::now() - t0).count();
		info("stress: %lu cycles in %.1f s, %llu cancelled, %llu completed, %llu closed "
		     "with requests in flight",
		     cycles, secs, (unsigned long long)n_cancelled, (unsigned long long)n_done,
		     (unsigned long long)n_closed);
		::unlink(path.c_str());
	});

	return s.exit_code();
}
