// SPDX-License-Identifier: GPL-2.0
/*
 * aa_rules - rules Documentation/aio_attr/abi.rst and iodesc.rst state
 * that no other test pinned down (Documentation/aio_attr/claims.rst).
 *
 *   aa_rules --file PATH --bdev DEV --suid PATH --cgroup DIR --aiodemo DEV
 *	      --pcdev DEV --slow DEV --fuse-dir DIR --fsdir DIR
 *
 * --file is a regular file on tmpfs, --bdev a block device the program may
 * write past the end of (brd).
 *
 * Cases (ids rules.<case>), each skipped when its argument is missing:
 *   lsm            (--file) SUBMIT asks security_file_permission()
 *                  (rw_verify_area()) as a read would: a fanotify
 *                  FAN_ACCESS_PERM listener that denies makes pread(2) and
 *                  SUBMIT fail with EPERM, before anything is queued; one
 *                  that allows lets the request through.  A regular file:
 *                  fanotify sends no events for device nodes, and SUBMIT
 *                  asks before it tells block devices from other files.
 *   worker_creds   (--suid) a write a worker carries out runs with the
 *                  submitter's credentials: uid 65534 writes a root-owned
 *                  tmpfs file of mode 04777 (tmpfs has no FMODE_NOWAIT, so
 *                  a worker does the write: COMPLETION_CTX says WORKER) and
 *                  the set-user-ID bit is gone, as after its pwrite(2);
 *                  root, who has CAP_FSETID as a kworker does, keeps it.
 *   fsync_creds    (--fuse-dir, an empty directory) FSYNC and FDATASYNC run
 *                  with the submitter's credentials: a FUSE file system
 *                  served by this program sees uid 65534 in the header of
 *                  each FUSE_FSYNC that uid's requests cause, as for its
 *                  fsync(2), not the worker's 0.
 *   memcg_charge   (--cgroup, a cgroup v2 directory with the memory
 *                  controller) the ring and the request table are charged to
 *                  the memory cgroup of the task that sets the context up:
 *                  memory.current grows by the ring's bytes and at least
 *                  256 bytes per request slot (8192 of them, max_inflight
 *                  raised for it), give or take the 64 pages memcg charges
 *                  ahead, and drops back once the contexts are freed.
 *   worker_cgroup  (--cgroup, --pcdev) a worker's read is charged to the
 *                  submitter's cgroups, not the kworker's: a cold 4 MiB
 *                  buffered read grows memory.current by the page cache it
 *                  read in and (with the io controller) io.stat's rbytes
 *                  for the disk; /proc/self/io's read_bytes does not count
 *                  it (the stated limit).
 *   loop_buffered  (--aiodemo, a disk with a cache model) loop without direct
 *                  I/O copies through the page cache of its backing device,
 *                  so the aiodemo attributes (CACHE, DEVICE_NS) come back
 *                  UNSUPPORTED through /dev/loopN - never wrong - and the
 *                  same loop switched to direct I/O reports them HANDLED.
 *   pagecache      (--pcdev, a block device read without O_DIRECT that
 *                  completes asynchronously - brd's readahead completes
 *                  inside the attempt, so brd never misses; --file on
 *                  tmpfs) PAGECACHE: PARTIAL when the page cache held the
 *                  first page of two (readahead off): the attempt moved it,
 *                  a worker the rest; UNSUPPORTED for O_DIRECT, FSYNC and
 *                  tmpfs (no FMODE_NOWAIT in 6.1: the cache is not asked).
 *   worker_short   (--file on tmpfs) a read a worker carries out into a buffer
 *                  whose second page is not mapped ends short, after the
 *                  first page, as pread(2) would.
 *   stat_errors    (--bdev) an O_DIRECT write past the end of the device
 *                  completes with -ENOSPC and moves the submitted, completed
 *                  and errors counters by one each.
 *   frozen_write   (--fsdir, ext4 mounted on a brd disk) a buffered write to a
 *                  frozen file system goes to a worker: SUBMIT returns at
 *                  once, nothing completes while it is frozen, and the
 *                  write completes from a worker after FITHAW.
 *   worker_fsize   (--fsdir) a write a worker carries out obeys the
 *                  submitter's RLIMIT_FSIZE (64 KiB here, SIGXFSZ ignored),
 *                  as pwrite(2) does: 8 KiB at 60 KiB is cut to 4 KiB, a
 *                  write at 64 KiB fails with EFBIG, the file stays 64 KiB.
 *                  ext4's buffered writes go to a worker in 6.1 (checked
 *                  by COMPLETION_CTX), whose own limit is infinite.
 *   wait_eintr     AIO_ATTR_IOC_WAIT with nothing to wait for ends with EINTR
 *                  when a signal (handler without SA_RESTART) arrives, long
 *                  before its timeout.
 *   no_fsnotify    (--fsdir) like io_submit(2), reads and writes through
 *                  aio_attr send no fsnotify events: an inotify watch sees
 *                  IN_MODIFY and IN_ACCESS for pwrite(2) and pread(2) of an
 *                  ext4 file and neither for aio_attr's buffered and O_DIRECT
 *                  writes and reads of it (an IN_ATTRIB from fchmod(2) marks
 *                  the end of each phase; a different event, so inotify cannot
 *                  merge it with one before it).
 *   max_inflight_total (--slow, a disk whose completions take a second)
 *                  the system-wide limit, lowered to 4 at run time, refuses
 *                  the fifth request in flight with EAGAIN.
 */
#include "aatest.hpp"

#include <array>
#include <csignal>
#include <atomic>
#include <mutex>
#include <thread>

#include <linux/fuse.h>
#include <linux/loop.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

using namespace aatest;
using namespace aio_attr;

namespace {

constexpr uid_t nobody = 65534;

/*
 * The rbytes of device @dev ("MAJ:MIN") in cgroup @dir's io.stat: 0 when
 * the device has no line yet, -1 when the cgroup has no io controller.
 */
long long io_stat_rbytes(const std::string &dir, const std::string &dev)
{
	std::FILE *f = std::fopen((dir + "/io.stat").c_str(), "re");
	char line[512];
	long long r = 0;

	if (!f)
		return -1;
	while (std::fgets(line, sizeof(line), f)) {
		const char *p = std::strstr(line, " rbytes=");

		if (!std::strncmp(line, dev.c_str(), dev.size()) && line[dev.size()] == ' ' && p)
			r = std::atoll(p + 8);
	}
	std::fclose(f);
	return r;
}

/* The errno SUBMIT gives for @sqe alone; 0 when it was accepted. */
int submit_errno(Context &ctx, const aio_attr_sqe &sqe)
{
	try {
		const SubmitResult r = ctx.submit({ &sqe, 1 });
		return r.accepted == 1 ? 0 : r.error;
	} catch (const std::system_error &e) {
		return e.code().value();
	}
}

/*
 * A fanotify FAN_ACCESS_PERM listener on one path: a thread answers every
 * permission event with FAN_DENY while deny() is set, FAN_ALLOW otherwise,
 * and counts the events.
 */
class AccessGate {
public:
	explicit AccessGate(const char *path)
	    : fan_(::fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE))
	{
		if (fan_.get() < 0)
			throw_errno("fanotify_init");
		if (::fanotify_mark(fan_.get(), FAN_MARK_ADD, FAN_ACCESS_PERM, AT_FDCWD, path))
			throw_errno("fanotify_mark");
		thread_ = std::thread([this] { answer(); });
	}
	~AccessGate()
	{
		stop_ = true;
		thread_.join();
	}
	AccessGate(const AccessGate &) = delete;
	AccessGate &operator=(const AccessGate &) = delete;

	void deny(bool d) { deny_ = d; }
	unsigned int events() const { return events_; }

private:
	void answer()
	{
		alignas(fanotify_event_metadata) char buf[4096];

		while (!stop_) {
			pollfd p{ fan_.get(), POLLIN, 0 };
			if (::poll(&p, 1, 50) != 1)
				continue;
			const ssize_t n = ::read(fan_.get(), buf, sizeof(buf));
			if (n <= 0)
				continue;
			auto *m = reinterpret_cast<fanotify_event_metadata *>(buf);
			for (ssize_t left = n; FAN_EVENT_OK(m, left); m = FAN_EVENT_NEXT(m, left)) {
				if (m->fd < 0)
					continue;
				fanotify_response r{ m->fd, static_cast<__u32>(deny_ ? FAN_DENY : FAN_ALLOW) };
				/*
				 * Counted before the answer: the answer wakes the
				 * caller, which may read the count at once.
				 */
				events_++;
				if (::write(fan_.get(), &r, sizeof(r)) != sizeof(r))
					info("fanotify response: %s", std::strerror(errno));
				::close(m->fd);
			}
		}
	}

	unique_fd fan_;
	std::atomic<bool> deny_{ false }, stop_{ false };
	std::atomic<unsigned int> events_{ 0 };
	std::thread thread_;
};

/*
 * A FUSE file system served by a thread of this process, mounted on @dir:
 * a root directory with one empty file "f".  It answers INIT, LOOKUP,
 * GETATTR, OPEN, FSYNC, FLUSH and RELEASE (ENOSYS for the rest) and keeps
 * the uid of each FSYNC's header: whose credentials the sync ran with.
 */
class FuseFs {
public:
	explicit FuseFs(std::string dir)
	    : dir_(std::move(dir))
	    , fd_(open_fd("/dev/fuse", O_RDWR | O_CLOEXEC))
	{
		const std::string opts =
			strf("fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd_.get());
		if (::mount("aa_rules", dir_.c_str(), "fuse", MS_NOSUID | MS_NODEV, opts.c_str()))
			throw_errno("mount -t fuse");
		thread_ = std::thread([this] { serve(); });
	}
	~FuseFs()
	{
		::umount2(dir_.c_str(), MNT_DETACH);
		stop_ = true;
		thread_.join();
	}
	FuseFs(const FuseFs &) = delete;
	FuseFs &operator=(const FuseFs &) = delete;

	std::vector<uint32_t> fsync_uids()
	{
		std::lock_guard<std::mutex> l(lock_);
		return uids_;
	}

private:
	void reply(uint64_t unique, int error, const void *out = nullptr, size_t len = 0)
	{
		fuse_out_header h{};
		h.len = static_cast<uint32_t>(sizeof(h) + len);
		h.error = error;
		h.unique = unique;
		iovec iov[2] = { { &h, sizeof(h) }, { const_cast<void *>(out), len } };
		if (::writev(fd_.get(), iov, len ? 2 : 1) < 0)
			info("fuse reply: %s", std::strerror(errno));
	}

	static void attr(fuse_attr &a, uint64_t ino)
	{
		a.ino = ino;
		a.mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0666;
		a.nlink = ino == FUSE_ROOT_ID ? 2 : 1;
		a.blksize = 4096;
	}

	void serve()
	{
		std::vector<char> buf(FUSE_MIN_READ_BUFFER + (128 << 10));

		while (!stop_) {
			pollfd p{ fd_.get(), POLLIN, 0 };
			if (::poll(&p, 1, 50) != 1)
				continue;
			const ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
			if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
				continue;
			if (n < static_cast<ssize_t>(sizeof(fuse_in_header)))
				break;
			const auto *in = reinterpret_cast<const fuse_in_header *>(buf.data());
			const char *arg = buf.data() + sizeof(*in);
			switch (in->opcode) {
			case FUSE_INIT: {
				fuse_init_out o{};
				o.major = FUSE_KERNEL_VERSION;
				o.minor = FUSE_KERNEL_MINOR_VERSION;
				o.max_readahead = 128 << 10;
				o.max_write = 128 << 10;
				reply(in->unique, 0, &o, sizeof(o));
				break;
			}
			case FUSE_LOOKUP: {
				if (std::strcmp(arg, "f")) {
					reply(in->unique, -ENOENT);
					break;
				}
				fuse_entry_out o{};
				o.nodeid = 2;
				attr(o.attr, 2);
				reply(in->unique, 0, &o, sizeof(o));
				break;
			}
			case FUSE_GETATTR: {
				fuse_attr_out o{};
				attr(o.attr, in->nodeid);
				reply(in->unique, 0, &o, sizeof(o));
				break;
			}
			case FUSE_OPEN: {
				fuse_open_out o{};
				o.fh = 1;
				reply(in->unique, 0, &o, sizeof(o));
				break;
			}
			case FUSE_FSYNC: {
				std::lock_guard<std::mutex> l(lock_);
				uids_.push_back(in->uid);
			}
				reply(in->unique, 0);
				break;
			case FUSE_FLUSH:
			case FUSE_RELEASE:
				reply(in->unique, 0);
				break;
			case FUSE_FORGET:
			case FUSE_BATCH_FORGET:
			case FUSE_INTERRUPT:
				break;
			default:
				reply(in->unique, -ENOSYS);
			}
		}
	}

	std::string dir_;
	unique_fd fd_;
	std::atomic<bool> stop_{ false };
	std::mutex lock_;
	std::vector<uint32_t> uids_;
	std::thread thread_;
};

void lsm_case(const char *path)
{
	/*
	 * The mark first: newer kernels (Debian's 6.12 among them) decide at
	 * open time whether a file sends permission events at all.
	 */
	AccessGate gate(path);
	unique_fd fd = open_fd(path, O_RDONLY);
	Buffer buf(4096);
	Context ctx;
	ctx.setup(4096);
	const auto sqe = prep_read(fd.get(), buf.data(), 4096, 0).data(7).attrs(
		AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS));

	gate.deny(true);
	const ssize_t pr = ::pread(fd.get(), buf.data(), 4096, 0);
	require(pr < 0 && errno == EPERM,
		strf("pread under a denying fanotify listener: %zd (%s)", pr,
		     pr < 0 ? std::strerror(errno) : "bytes"));
	const unsigned int seen = gate.events();
	const int e = submit_errno(ctx, sqe);
	require(e == EPERM, strf("SUBMIT under a denying fanotify listener: %s, expected EPERM",
				 e ? std::strerror(e) : "accepted"));
	require(gate.events() > seen, "SUBMIT did not ask fanotify");
	require(aa_stat("inflight") == 0, "a refused request is in flight");

	gate.deny(false);
	require_result(do_one(ctx, sqe), 4096);
}

/*
 * The inotify events of @wd's file in front of the IN_ATTRIB that
 * fchmod(@fd) queues now, or-ed together: inotify keeps a watch's events
 * in order, so everything the calls before this one sent is in front.
 */
uint32_t inotify_before_attrib(int ifd, int wd, int fd)
{
	alignas(struct inotify_event) char buf[4096];
	uint32_t seen = 0;

	if (::fchmod(fd, 0644))
		throw_errno("fchmod");
	for (;;) {
		struct pollfd p = { ifd, POLLIN, 0 };

		require(::poll(&p, 1, 5000) == 1, "no IN_ATTRIB from inotify within 5 s");
		const ssize_t n = ::read(ifd, buf, sizeof(buf));
		if (n < 0)
			throw_errno("read(inotify)");
		for (ssize_t off = 0; off < n;) {
			const auto *ev = reinterpret_cast<const struct inotify_event *>(buf + off);

			require(ev->wd == wd, strf("an event of watch %d", ev->wd));
			if (ev->mask & IN_ATTRIB)
				return seen;
			seen |= ev->mask;
			off += static_cast<ssize_t>(sizeof(*ev) + ev->len);
		}
	}
}

/* The mode of @path; throws on error. */
mode_t mode_of(const char *path)
{
	struct stat st {};

	if (::stat(path, &st))
		throw_errno(path);
	return st.st_mode;
}

/* One buffered write of 4 KiB to @path by the calling process through a context. */
uint64_t write_through_context(const char *path)
{
	unique_fd fd = open_fd(path, O_WRONLY);
	Buffer buf(4096);
	Context ctx;
	ctx.setup(4096);
	const auto c = do_one(ctx, prep_write(fd.get(), buf.data(), 4096, 0)
					   .data(1)
					   .attrs(AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX)));
	require_result(c, 4096);
	return require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
}

void suid_file(const char *path)
{
	unique_fd fd = open_fd(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	require(::fchown(fd.get(), 0, 0) == 0 && ::fchmod(fd.get(), 04777) == 0,
		"chmod 04777");
}

} // namespace

int main(int argc, char **argv)
{
	const char *file = arg_value(argc, argv, "--file");
	const char *bdev = arg_value(argc, argv, "--bdev");
	const char *suid = arg_value(argc, argv, "--suid");
	const char *cgroup = arg_value(argc, argv, "--cgroup");
	const char *aiodemo = arg_value(argc, argv, "--aiodemo");
	const char *bdev_pc = arg_value(argc, argv, "--pcdev");
	const char *slow = arg_value(argc, argv, "--slow");
	const char *fuse_dir = arg_value(argc, argv, "--fuse-dir");
	const char *fsdir = arg_value(argc, argv, "--fsdir");
	Suite s("rules");

	s.run("lsm", [&] {
		if (!file)
			throw Skip("no --file");
		lsm_case(file);
	});

	s.run("worker_creds", [&] {
		if (!suid)
			throw Skip("no --suid");
		/* the kernel's rule, by pwrite(2): uid 65534 loses the bit */
		suid_file(suid);
		run_as(nobody, nobody, [&] {
			unique_fd fd = open_fd(suid, O_WRONLY);
			require(::pwrite(fd.get(), "x", 1, 0) == 1, "pwrite");
		});
		require(!(mode_of(suid) & S_ISUID), "pwrite by uid 65534 kept S_ISUID");

		suid_file(suid);
		run_as(nobody, nobody, [&] {
			const uint64_t cx = write_through_context(suid);
			require(cx & AIO_ATTR_CTX_WORKER,
				strf("completion_ctx %#llx: the write was not a worker's",
				     (unsigned long long)cx));
		});
		require(!(mode_of(suid) & S_ISUID),
			"a worker's write for uid 65534 kept S_ISUID: it did not run with "
			"the submitter's credentials");

		suid_file(suid);
		const uint64_t cx = write_through_context(suid);
		require((cx & AIO_ATTR_CTX_WORKER) && (mode_of(suid) & S_ISUID),
			"root's write through a worker lost S_ISUID (or ran inline)");
	});

	s.run("fsync_creds", [&] {
		if (!fuse_dir)
			throw Skip("no --fuse-dir");
		FuseFs fs(fuse_dir);
		const std::string f = std::string(fuse_dir) + "/f";

		run_as(nobody, nobody, [&] {
			unique_fd fd = open_fd(f.c_str(), O_RDWR);
			require(::fsync(fd.get()) == 0, strf("fsync(2): %s", std::strerror(errno)));
			Context ctx;
			ctx.setup(4096);
			for (const auto &sqe : { prep_fsync(fd.get()), prep_fdatasync(fd.get()) }) {
				const auto c = do_one(
					ctx, Sqe(sqe).data(1).attrs(AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX)));
				require_result(c, 0);
				const uint64_t cx =
					require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
				require(cx & AIO_ATTR_CTX_WORKER, "the sync was not a worker's");
			}
		});
		const std::vector<uint32_t> uids = fs.fsync_uids();
		std::string seen;
		for (const uint32_t u : uids)
			seen += strf(" %u", u);
		require(uids.size() == 3 && uids[0] == nobody && uids[1] == nobody &&
				uids[2] == nobody,
			"FUSE_FSYNC uids (fsync(2), FSYNC, FDATASYNC):" + seen +
				"; expected the submitter's 65534 each time");
	});

	s.run("memcg_charge", [&] {
		if (!cgroup)
			throw Skip("no --cgroup");
		const std::string cur = std::string(cgroup) + "/memory.current";
		const long long ctx0 = aa_stat("contexts");
		constexpr uint32_t ring = 4 << 20;

		/*
		 * memory.current moves in batches of up to 64 pages (the per-CPU
		 * charge stock): allow for that much either way.
		 */
		constexpr long long slack = 64 * 4096;
		constexpr uint32_t slots = 8192;
		Param inflight("max_inflight", std::to_string(slots));

		/* a child in the cgroup sets up two contexts and checks the charges */
		run_as(0, 0, [&] {
			write_file(std::string(cgroup) + "/cgroup.procs", std::to_string(::getpid()));
			const long long m0 = read_sysfs_num(cur.c_str());
			Context a;
			a.setup(ring);
			const long long m1 = read_sysfs_num(cur.c_str());
			aio_attr_setup in{};
			in.version = AIO_ATTR_VERSION;
			in.ring_bytes = 4096;
			in.eventfd = -1;
			in.reqs = slots;
			Context b;
			const uint32_t reqs = b.setup(in).reqs;
			const long long m2 = read_sysfs_num(cur.c_str());
			info("memory.current %lld, +%lld with a %u-byte ring, +%lld with %u slots", m0,
			     m1 - m0, ring, m2 - m1, reqs);
			require(m0 >= 0 && m1 - m0 >= ring - slack,
				strf("a %u-byte ring charged %lld bytes", ring, m1 - m0));
			/* capped at max_inflight, then rounded up to whole pages */
			require(reqs >= slots && reqs < slots + 64 &&
					m2 - m1 >= 256LL * reqs - slack,
				strf("%u request slots charged %lld bytes", reqs, m2 - m1));
		});
		require(wait_stat("contexts", ctx0) == ctx0, "contexts were not freed");
		/* the child is gone and its contexts freed: so is their charge */
		const long long m3 = read_sysfs_num(cur.c_str());
		info("memory.current %lld after the contexts were freed", m3);
		require(m3 >= 0 && m3 < (long long)ring,
			strf("memory.current %lld after the contexts were freed", m3));
	});

	/*
	 * What a worker does for a request is charged to the submitter's
	 * cgroups, not to the kworker's (the root): a cold buffered read of
	 * the aiodemo disk by a task in the cgroup grows its memory.current
	 * by the page cache read in and, with the io controller, its io.stat
	 * rbytes for the disk.
	 */
	s.run("worker_cgroup", [&] {
		if (!cgroup || !bdev_pc)
			throw Skip("no --cgroup or --pcdev");
		const std::string dir(cgroup);
		constexpr std::size_t len = 4 << 20;
		/* each CPU may hold up to 64 pages charged ahead (the charge stock) */
		const long long slack = 64 * 4096 * ::sysconf(_SC_NPROCESSORS_ONLN);

		run_as(0, 0, [&] {
			write_file(dir + "/cgroup.procs", std::to_string(::getpid()));
			unique_fd fd = open_fd(bdev_pc, O_RDONLY);
			require(!::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED), "fadvise");
			struct stat st {};
			require(!::fstat(fd.get(), &st), "fstat");
			const std::string dev = strf("%u:%u", major(st.st_rdev), minor(st.st_rdev));
			Buffer buf(len);
			Context ctx;
			ctx.setup(4096);
			const long long m0 = read_sysfs_num((dir + "/memory.current").c_str());
			const long long r0 = io_stat_rbytes(dir, dev);
			const bool ioacct = ::access("/proc/self/io", R_OK) == 0;
			const IoCount io0 = ioacct ? io_count() : IoCount{};
			const auto c =
				do_one(ctx, prep_read(fd.get(), buf.data(), len, 8 << 20)
						    .data(1)
						    .attrs(AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX)));
			require_result(c, len);
			const uint64_t cx =
				require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
			require(cx & AIO_ATTR_CTX_WORKER, "the cold read was not a worker's");
			/* the stated limit: /proc/PID/io does not count a worker's I/O */
			const IoCount io1 = ioacct ? io_count() : IoCount{};
			require(io1.read_bytes - io0.read_bytes < len,
				strf("read_bytes grew by %llu: abi.rst says a worker's reads "
				     "are not counted",
				     (unsigned long long)(io1.read_bytes - io0.read_bytes)));
			const long long m1 = read_sysfs_num((dir + "/memory.current").c_str());
			info("memory.current +%lld for a cold %zu-byte read", m1 - m0, len);
			require(m1 - m0 >= (long long)len - slack,
				strf("memory.current grew by %lld for a cold %zu-byte read",
				     m1 - m0, len));
			if (r0 < 0) {
				info("no io controller: io.stat not checked");
				return;
			}
			const long long r1 = io_stat_rbytes(dir, dev);
			require(r1 - r0 >= (long long)len,
				strf("io.stat rbytes of %s grew by %lld for a cold %zu-byte read",
				     dev.c_str(), r1 - r0, len));
		});
	});

	s.run("loop_buffered", [&] {
		if (!aiodemo)
			throw Skip("no --aiodemo");
		unique_fd back = open_fd(aiodemo, O_RDWR);
		unique_fd ctl = open_fd("/dev/loop-control", O_RDWR);
		const int n = ::ioctl(ctl.get(), LOOP_CTL_GET_FREE);
		require(n >= 0, "LOOP_CTL_GET_FREE");
		const std::string loop = strf("/dev/loop%d", n);
		unique_fd lfd = open_fd(loop.c_str(), O_RDWR);
		loop_config cfg{};
		cfg.fd = static_cast<uint32_t>(back.get());
		if (::ioctl(lfd.get(), LOOP_CONFIGURE, &cfg))
			throw_errno("LOOP_CONFIGURE");
		struct Detach {
			int fd;
			~Detach() { ::ioctl(fd, LOOP_CLR_FD, 0); }
		} detach{ lfd.get() };
		loop_info64 li{};
		require(::ioctl(lfd.get(), LOOP_GET_STATUS64, &li) == 0 &&
				!(li.lo_flags & LO_FLAGS_DIRECT_IO),
			"loop came up with direct I/O");

		unique_fd dfd = open_fd(loop.c_str(), O_RDONLY | O_DIRECT);
		Buffer buf(4096);
		Context ctx;
		ctx.setup(4096);
		const uint64_t mask = AIO_ATTR_BIT(AIO_ATTR_SERVICE_NS) |
				      AIO_ATTR_BIT(AIO_ATTR_CACHE) | AIO_ATTR_BIT(AIO_ATTR_DEVICE_NS);
		auto c = do_one(ctx, prep_read(dfd.get(), buf.data(), 4096, 0).data(1).attrs(mask));
		require_result(c, 4096);
		require_attr(c, AIO_ATTR_SERVICE_NS, AIO_ATTR_ST_HANDLED);
		require_attr(c, AIO_ATTR_CACHE, AIO_ATTR_ST_UNSUPPORTED);
		require_attr(c, AIO_ATTR_DEVICE_NS, AIO_ATTR_ST_UNSUPPORTED);

		if (::ioctl(lfd.get(), LOOP_SET_DIRECT_IO, 1UL))
			throw_errno("LOOP_SET_DIRECT_IO");
		c = do_one(ctx,
			   prep_read(dfd.get(), buf.data(), 4096, 1 << 20).data(2).attrs(mask));
		require_result(c, 4096);
		require_attr(c, AIO_ATTR_CACHE, AIO_ATTR_ST_HANDLED);
		require_attr(c, AIO_ATTR_DEVICE_NS, AIO_ATTR_ST_HANDLED);
	});

	s.run("pagecache", [&] {
		if (!bdev_pc || !file)
			throw Skip("no --pcdev or --file");
		const uint64_t mask = AIO_ATTR_BIT(AIO_ATTR_PAGECACHE) |
				      AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX);
		Context ctx;
		ctx.setup(4096);
		Buffer buf(8192);

		unique_fd fd = open_fd(bdev_pc, O_RDONLY);
		require(::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED) == 0 &&
				::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_RANDOM) == 0,
			"posix_fadvise");
		require(::pread(fd.get(), buf.data(), 4096, 0) == 4096, "pread of the first page");
		auto c = do_one(ctx, prep_read(fd.get(), buf.data(), 8192, 0).data(1).attrs(mask));
		require_result(c, 8192);
		uint64_t v = require_attr(c, AIO_ATTR_PAGECACHE, AIO_ATTR_ST_HANDLED);
		const uint64_t cx = require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
		require(v == AIO_ATTR_PAGECACHE_PARTIAL && (cx & AIO_ATTR_CTX_WORKER),
			strf("one cached page of two: pagecache %llu, completion_ctx %#llx; "
			     "expected partial from a worker",
			     (unsigned long long)v, (unsigned long long)cx));

		unique_fd dfd = open_fd(bdev_pc, O_RDONLY | O_DIRECT);
		c = do_one(ctx, prep_read(dfd.get(), buf.data(), 4096, 0).data(2).attrs(mask));
		require_result(c, 4096);
		require_attr(c, AIO_ATTR_PAGECACHE, AIO_ATTR_ST_UNSUPPORTED);

		unique_fd tfd = open_fd(file, O_RDWR);
		c = do_one(ctx, prep_read(tfd.get(), buf.data(), 4096, 0).data(3).attrs(mask));
		require_result(c, 4096);
		require_attr(c, AIO_ATTR_PAGECACHE, AIO_ATTR_ST_UNSUPPORTED);
		c = do_one(ctx, prep_fsync(tfd.get()).data(4).attrs(mask));
		require_result(c, 0);
		require_attr(c, AIO_ATTR_PAGECACHE, AIO_ATTR_ST_UNSUPPORTED);
	});

	s.run("worker_short", [&] {
		if (!file)
			throw Skip("no --file");
		unique_fd fd = open_fd(file, O_RDONLY);
		void *m = ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
		require(m != MAP_FAILED, "mmap");
		::munmap(static_cast<char *>(m) + 4096, 4096);
		std::unique_ptr<void, void (*)(void *)> unmap(m, [](void *p) { ::munmap(p, 4096); });
		Context ctx;
		ctx.setup(4096);
		const auto c = do_one(ctx, prep_read(fd.get(), m, 8192, 0).data(1).attrs(
						   AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX)));
		const uint64_t cx = require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
		require(cx & AIO_ATTR_CTX_WORKER, "the tmpfs read was not a worker's");
		require_result(c, 4096);
	});

	s.run("stat_errors", [&] {
		if (!bdev)
			throw Skip("no --bdev");
		unique_fd fd = open_fd(bdev, O_RDWR | O_DIRECT);
		Buffer buf(4096);
		Context ctx;
		ctx.setup(4096);
		const long long sub0 = aa_stat("submitted"), com0 = aa_stat("completed"),
				err0 = aa_stat("errors");
		require_result(do_one(ctx, prep_write(fd.get(), buf.data(), 4096,
						      bdev_bytes(fd.get())).data(1)),
			       -ENOSPC);
		const long long sub = aa_stat("submitted") - sub0, com = aa_stat("completed") - com0,
				err = aa_stat("errors") - err0;
		require(sub == 1 && com == 1 && err == 1,
			strf("one failed write moved submitted by %lld, completed by %lld, errors "
			     "by %lld",
			     sub, com, err));
	});

	s.run("frozen_write", [&] {
		if (!fsdir)
			throw Skip("no --fsdir");
		const std::string path = std::string(fsdir) + "/frozen.dat";
		unique_fd fd = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
		unique_fd dir = open_fd(fsdir, O_RDONLY | O_DIRECTORY);
		Buffer buf(4096);
		Context ctx;
		ctx.setup(4096);

		if (::ioctl(dir.get(), FIFREEZE, 0))
			throw_errno("FIFREEZE");
		/* thawed on every way out; FITHAW of a thawed one is only EINVAL */
		struct Thaw {
			int fd;
			~Thaw() { ::ioctl(fd, FITHAW, 0); }
		} thaw{ dir.get() };
		/* a SUBMIT that waited for the thaw would never return without this */
		std::atomic<bool> submitted{ false }, rescued{ false };
		std::thread watchdog([&] {
			for (int i = 0; i < 500 && !submitted; i++)
				::poll(nullptr, 0, 10);
			if (!submitted && !::ioctl(dir.get(), FITHAW, 0))
				rescued = true;
		});
		try {
			submit_all(ctx, std::array<aio_attr_sqe, 1>{ prep_write(fd.get(), buf.data(),
										4096, 0)
									 .data(1)
									 .attrs(AIO_ATTR_BIT(
										 AIO_ATTR_COMPLETION_CTX)) });
		} catch (...) {
			submitted = true;
			watchdog.join();
			throw;
		}
		submitted = true;
		watchdog.join();
		require(!rescued, "SUBMIT waited for the frozen file system to thaw");
		const WaitResult w = ctx.wait(1, 300ms);
		require(w.timed_out() && w.ready == 0,
			"the write completed while the file system was frozen");
		if (::ioctl(dir.get(), FITHAW, 0))
			throw_errno("FITHAW");
		const auto c = collect_n(ctx, 1);
		require_result(c[0], 4096);
		const uint64_t cx = require_attr(c[0], AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
		require(cx & AIO_ATTR_CTX_WORKER, "the write was not a worker's");
	});

	s.run("no_fsnotify", [&] {
		if (!fsdir)
			throw Skip("no --fsdir");
		const std::string path = std::string(fsdir) + "/notify.dat";
		unique_fd fd = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
		unique_fd dfd = open_fd(path.c_str(), O_RDWR | O_DIRECT);
		Buffer buf(8192);
		require(::pwrite(fd.get(), buf.data(), 8192, 0) == 8192 && ::fsync(fd.get()) == 0,
			"pwrite + fsync");
		unique_fd ifd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
		if (!ifd)
			throw_errno("inotify_init1");
		const int wd = ::inotify_add_watch(ifd.get(), path.c_str(),
						   IN_MODIFY | IN_ACCESS | IN_ATTRIB);
		if (wd < 0)
			throw_errno("inotify_add_watch");

		/* the watch works: the system calls send both */
		require(::pwrite(fd.get(), buf.data(), 4096, 0) == 4096 &&
				::pread(fd.get(), buf.data(), 4096, 0) == 4096,
			"pwrite + pread");
		uint32_t seen = inotify_before_attrib(ifd.get(), wd, fd.get());
		require((seen & (IN_MODIFY | IN_ACCESS)) == (IN_MODIFY | IN_ACCESS),
			strf("pwrite + pread sent inotify mask %#x, expected IN_MODIFY and "
			     "IN_ACCESS",
			     seen));

		Context ctx;
		ctx.setup(4096);
		require_result(do_one(ctx, prep_write(fd.get(), buf.data(), 4096, 0).data(1)),
			       4096);
		require_result(do_one(ctx, prep_read(fd.get(), buf.data(), 4096, 0).data(2)), 4096);
		require_result(do_one(ctx, prep_write(dfd.get(), buf.data(), 4096, 4096).data(3)),
			       4096);
		require_result(do_one(ctx, prep_read(dfd.get(), buf.data(), 4096, 4096).data(4)),
			       4096);
		seen = inotify_before_attrib(ifd.get(), wd, fd.get());
		require(!(seen & (IN_MODIFY | IN_ACCESS)),
			strf("aio_attr's reads and writes sent inotify mask %#x: "
			     "Documentation/aio_attr/abi.rst says they send none",
			     seen));
	});

	s.run("worker_fsize", [&] {
		if (!fsdir)
			throw Skip("no --fsdir");
		const std::string path = std::string(fsdir) + "/fsize.dat";
		unique_fd fd = open_fd(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
		Buffer buf(8192);
		Context ctx;
		ctx.setup(4096);
		struct rlimit old {};
		require(!::getrlimit(RLIMIT_FSIZE, &old), "getrlimit");
		/* the limit and SIGXFSZ's disposition come back on every way out */
		struct Restore {
			struct rlimit lim;
			sighandler_t xfsz;
			~Restore()
			{
				::setrlimit(RLIMIT_FSIZE, &lim);
				::signal(SIGXFSZ, xfsz);
			}
		} restore{ old, ::signal(SIGXFSZ, SIG_IGN) };
		struct rlimit lim = old;
		lim.rlim_cur = 64 << 10;
		require(!::setrlimit(RLIMIT_FSIZE, &lim), "setrlimit");

		/* the rule, by pwrite(2) */
		require(::pwrite(fd.get(), buf.data(), 8192, 60 << 10) == 4096,
			"pwrite across the limit was not cut at it");
		errno = 0;
		require(::pwrite(fd.get(), buf.data(), 4096, 64 << 10) < 0 && errno == EFBIG,
			"pwrite at the limit did not fail with EFBIG");
		require(!::ftruncate(fd.get(), 0), "ftruncate");

		const auto want = AIO_ATTR_BIT(AIO_ATTR_COMPLETION_CTX);
		auto c = do_one(ctx, prep_write(fd.get(), buf.data(), 8192, 60 << 10).data(1).attrs(want));
		const uint64_t cx = require_attr(c, AIO_ATTR_COMPLETION_CTX, AIO_ATTR_ST_HANDLED);
		require(cx & AIO_ATTR_CTX_WORKER,
			strf("completion_ctx %#llx: the write was not a worker's",
			     (unsigned long long)cx));
		require_result(c, 4096);
		c = do_one(ctx, prep_write(fd.get(), buf.data(), 4096, 64 << 10).data(2).attrs(want));
		require_result(c, -EFBIG);
		struct stat st {};
		require(!::fstat(fd.get(), &st) && st.st_size == 64 << 10,
			strf("file size %lld, expected 65536", (long long)st.st_size));
	});

	s.run("wait_eintr", [&] {
		struct sigaction sa {}, old {};
		sa.sa_handler = [](int) {};
		require(::sigaction(SIGALRM, &sa, &old) == 0, "sigaction");
		Context ctx;
		ctx.setup(4096);
		itimerval it{};
		it.it_value.tv_usec = 200000;
		require(::setitimer(ITIMER_REAL, &it, nullptr) == 0, "setitimer");
		const auto t0 = clock::now();
		const WaitResult w = ctx.wait(1, 20s);
		const auto ms =
			std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0).count();
		::sigaction(SIGALRM, &old, nullptr);
		require(w.interrupted() && w.ready == 0,
			strf("WAIT with a signal after 200 ms: %s after %lld ms",
			     w.error ? std::strerror(w.error) : "0", (long long)ms));
	});

	s.run("max_inflight_total", [&] {
		if (!slow)
			throw Skip("no --slow");
		Param total("max_inflight_total", "4");

		unique_fd fd = open_fd(slow, O_RDONLY | O_DIRECT);
		Buffer buf(5 * 4096);
		Context ctx;
		ctx.setup(4096);
		std::vector<aio_attr_sqe> v;
		for (unsigned int i = 0; i < 5; i++)
			v.push_back(prep_read(fd.get(), buf.data() + i * 4096, 4096, i * 4096).data(i));
		const SubmitResult r = ctx.submit(v);
		require(r.accepted == 4 && r.error == EAGAIN,
			strf("5 requests under max_inflight_total 4: %u accepted, %s", r.accepted,
			     std::strerror(r.error)));
		for (const auto &c : collect_n(ctx, 4, 30s))
			require_result(c, 4096);
	});

	return s.exit_code();
}
